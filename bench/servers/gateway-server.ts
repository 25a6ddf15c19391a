/**
 * The full gateway path for benchmarks: authentication against a registry of N devices, the ACL,
 * validation against device profiles, the event bus, liveness, and (when INFLUX_URL is set)
 * telemetry batches to InfluxDB.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics } from 'node:v8';
import { Gateway, GatewayConfig, hashPassword, InMemoryDirectory } from '@gridlink/gateway';
import type { DeviceKind } from '@gridlink/protocol';
import { pino } from 'pino';

const devices = Number(process.env.DEVICES ?? 1000);
const password = process.env.DEVICE_PASSWORD ?? 'bench-secret';
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
const influx = process.env.INFLUX_URL;
const config = GatewayConfig.parse({
  gateway: { id: 'gw-bench', community: '320803001001', data_dir: mkdtempSync(join(tmpdir(), 'gridlink-bench-')) },
  mqtt: { host: '127.0.0.1', port: 0, limits: { connections_per_address: devices + 100 } },
  http: { host: '127.0.0.1', port: 0 },
  ...(process.env.RULES_FILE ? { rules: { files: [process.env.RULES_FILE] } } : {}),
  ...(influx
    ? { telemetry: { enabled: true, influx: { version: 1, url: influx, database: process.env.INFLUX_DB ?? 'bench' } } }
    : {}),
});
const gateway = new Gateway({ config, directory, logger: pino({ level: 'error' }) });
await gateway.start();
console.log(`READY ${JSON.stringify({ port: gateway.ports.tcp })}`);
// MEMORY_EVERY_MS=100: what the RSS is made of (V8 heap, Buffers/ArrayBuffers outside it), on stdout.
const memoryEvery = Number(process.env.MEMORY_EVERY_MS ?? 0);
if (memoryEvery > 0) {
  setInterval(() => {
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]));
    console.log(`MEMORY ${JSON.stringify({ ...process.memoryUsage(), spaces })}`);
  }, memoryEvery).unref();
}
process.on('SIGTERM', () => {
  const stats = gateway.stats();
  console.error(`gateway stats: ${JSON.stringify(stats)}`);
  void gateway.stop().then(() => process.exit(0));
});
