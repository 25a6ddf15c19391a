/**
 * The full gateway path for benchmarks: authentication against a registry of N devices, the ACL,
 * validation against device profiles, the event bus, liveness, and (when INFLUX_URL is set)
 * telemetry batches to InfluxDB.
 *
 * DATA_DIR=<folder holding registry.db> runs the gateway as `gridlink-gateway start` does: on that
 * device registry, with the installer console and its device history. Without it, on an in-memory
 * directory of DEVICES devices (no console: it needs the registry).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { Gateway, GatewayConfig, hashPassword, InMemoryDirectory, startGatewayFromConfig } from '@gridlink/gateway';
import type { DeviceKind } from '@gridlink/protocol';
import { pino } from 'pino';

const devices = Number(process.env.DEVICES ?? 1000);
const password = process.env.DEVICE_PASSWORD ?? 'bench-secret';
const dataDir = process.env.DATA_DIR;
const influx = process.env.INFLUX_URL;
const config = GatewayConfig.parse({
  gateway: {
    id: 'gw-bench',
    community: '320803001001',
    data_dir: dataDir ?? mkdtempSync(join(tmpdir(), 'gridlink-bench-')),
  },
  mqtt: {
    host: '127.0.0.1',
    port: 0,
    // MQTT_LIMITS='{"max_inflight_inbound":4000}' tries other broker limits.
    limits: { connections_per_address: devices + 100, ...JSON.parse(process.env.MQTT_LIMITS ?? '{}') },
  },
  http: { host: '127.0.0.1', port: 0 },
  ...(process.env.RULES_FILE ? { rules: { files: [process.env.RULES_FILE] } } : {}),
  ...(influx
    ? { telemetry: { enabled: true, influx: { version: 1, url: influx, database: process.env.INFLUX_DB ?? 'bench' } } }
    : {}),
});
const logger = pino({ level: 'error' });

async function onInMemoryDirectory(): Promise<Gateway> {
  // One hash shared by every simulated device: hashing 2,000 distinct secrets would only slow setup.
  const passwordHash = await hashPassword(password);
  const directory = new InMemoryDirectory([], [{ username: 'bench-observer', role: 'observer', passwordHash }]);
  for (let n = 0; n < devices; n++) {
    directory.addDevice({ id: `th-${n}`, kind: 'temp_humidity', status: 'active', passwordHash });
  }
  // EXTRA_DEVICES='[{"id":"gas-0","kind":"gas_detector"}]' adds devices of other kinds.
  for (const extra of JSON.parse(process.env.EXTRA_DEVICES ?? '[]') as Array<{ id: string; kind: DeviceKind }>) {
    directory.addDevice({ ...extra, status: 'active', passwordHash });
  }
  const gateway = new Gateway({ config, directory, logger });
  await gateway.start();
  return gateway;
}

const running = dataDir ? await startGatewayFromConfig(config, logger) : undefined;
const gateway = running?.gateway ?? (await onInMemoryDirectory());
console.log(`READY ${JSON.stringify({ port: gateway.ports.tcp, http: gateway.ports.http })}`);

/** What the RSS is made of (V8 heap, Buffers/ArrayBuffers outside it), and the messages so far. */
const memoryLine = (label: string) => {
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
  const { valid, invalid, inbound } = gateway.stats();
  console.log(`${label} ${JSON.stringify({ ...process.memoryUsage(), spaces, valid, invalid, inbound })}`);
};
// MEMORY_EVERY_MS=100: a MEMORY line on stdout that often.
const memoryEvery = Number(process.env.MEMORY_EVERY_MS ?? 0);
if (memoryEvery > 0) setInterval(() => memoryLine('MEMORY'), memoryEvery).unref();
// With --expose-gc, SIGHUP collects all garbage first: a RETAINED line is what the gateway holds.
const gc = (globalThis as { gc?: () => void }).gc;
if (gc) {
  process.on('SIGHUP', () => {
    gc();
    gc();
    memoryLine('RETAINED');
  });
}
// ALLOC_PROFILE=<file>: a sampling profile of every allocation, including the garbage collected
// since (Chrome DevTools' .heapprofile), written at SIGTERM: what the young generation fills with.
const allocProfile = process.env.ALLOC_PROFILE;
const allocSession = allocProfile ? new Session() : undefined;
if (allocSession) {
  allocSession.connect();
  allocSession.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
const writeAllocProfile = () =>
  new Promise<void>((resolve) => {
    if (!allocSession || !allocProfile) return resolve();
    allocSession.post('HeapProfiler.stopSampling', (err, result) => {
      if (!err) writeFileSync(allocProfile, JSON.stringify(result.profile));
      resolve();
    });
  });
// GC_STATS=1: the collections by kind (count, total ms) on stderr at SIGTERM.
const gcStats = new Map<string, { count: number; ms: number }>();
if (process.env.GC_STATS) {
  const kinds: Record<number, string> = { 1: 'minor', 2: 'major', 4: 'incremental', 8: 'weakcb' };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = kinds[(entry as unknown as { detail: { kind: number } }).detail.kind] ?? 'other';
      const stat = gcStats.get(kind) ?? { count: 0, ms: 0 };
      stat.count++;
      stat.ms += entry.duration;
      gcStats.set(kind, stat);
    }
  }).observe({ entryTypes: ['gc'] });
}
process.on('SIGTERM', async () => {
  await writeAllocProfile();
  if (gcStats.size > 0) console.error(`gc: ${JSON.stringify(Object.fromEntries(gcStats))}`);
  const stats = gateway.stats();
  console.error(`gateway stats: ${JSON.stringify(stats)}`);
  void (running ?? gateway).stop().then(() => process.exit(0));
});
