/**
 * Cloud intake throughput: CloudEvents per second through HTTP into PostgreSQL, the way a gateway
 * sends them (batches of BATCH, IN_FLIGHT requests at once, every event new), validated and
 * stored with one INSERT per batch. The cloud runs in this process; PostgreSQL is the testkit's
 * throwaway Debian instance on this machine, which runs with fsync off: the figure is the cloud's
 * and PostgreSQL's work, not the disk's.
 *
 *   npm run bench cloud-intake
 */
import { performance } from 'node:perf_hooks';
import { CloudConfig, startCloud } from '@gridlink/cloud';
import { createCloudEvent } from '@gridlink/protocol';
import { pino } from 'pino';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt } from './lib/stats.js';

const TOTAL = Number(process.env.EVENTS ?? 100_000);
const BATCH = Number(process.env.BATCH ?? 2000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 2);
const GATEWAY = 'gw-bench';
const ADMIN = 'bench-admin-token-0123456789abcdef-0123456789';

const server = await startBenchPostgres('bench');
const url = new URL(server.url);

const config = CloudConfig.parse({
  http: { host: '127.0.0.1', port: 0 },
  database: { url: url.toString() },
  auth: { admin_token: ADMIN },
  log: { level: 'silent' },
});
const cloud = await startCloud(config, pino({ level: 'silent' }));
const registered = await cloud.registry.register(GATEWAY);
if (!registered.ok) throw new Error('registration failed');
const token = registered.issued.token;

let next = 0;
function batchBody(): string {
  const events = [];
  for (let i = 0; i < BATCH; i++, next++) {
    const device = `th-${next % 2000}`;
    events.push(
      createCloudEvent({
        id: `evt-${next}`,
        type: 'cn.gridlink.device.state.v1',
        gatewayId: GATEWAY,
        deviceId: device,
        time: '2026-11-25T14:52:18.646Z',
        priority: 'state',
        deviceSeq: next,
        data: { device_id: device, device_kind: 'temp_humidity', state: { temperature: 21.5, humidity: 40 } },
      }),
    );
  }
  return JSON.stringify(events);
}

const latencies: number[] = [];
async function send(body: string): Promise<void> {
  const started = performance.now();
  const response = await fetch(`${cloud.url}/api/v1/gateways/${GATEWAY}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents-batch+json' },
    body,
  });
  const result = (await response.json()) as { results?: Array<{ status: string }> };
  if (response.status !== 200 || result.results?.some((r) => r.status !== 'accepted')) {
    throw new Error(`batch refused: HTTP ${response.status}`);
  }
  latencies.push(performance.now() - started);
}

// Bodies are built before the clock starts: the figure is the cloud's, not the client's JSON encoding.
const bodies = Array.from({ length: Math.ceil(TOTAL / BATCH) }, batchBody);
await send(batchBody()); // warm-up
latencies.length = 0;
const started = performance.now();
let index = 0;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (index < bodies.length) await send(bodies[index++] as string);
  }),
);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;

console.log(
  `cloud intake → PostgreSQL (fsync off), Node ${process.version}, ${bodies.length} batches of ${BATCH}, ${IN_FLIGHT} in flight`,
);
console.log(
  `  ${'events stored'.padEnd(30)} ${fmt((bodies.length * BATCH) / seconds).padStart(9)} events/s; target >= 10,000`,
);
console.log(`  ${'batch latency p50 / p99'.padEnd(30)} ${fmt(p(0.5))} / ${fmt(p(0.99))} ms`);

await cloud.stop();
await server.stop();
