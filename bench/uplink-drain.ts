/**
 * Backlog drain after an outage: 1,000,000 events waiting in the gateway's outbox go to the cloud
 * through the real path (outbox → HTTP → intake → PostgreSQL), while a device raises an alarm
 * every 500 ms over MQTT; each alarm's latency is measured from its PUBACK to its row in
 * PostgreSQL. The cloud runs in its own process; PostgreSQL is the testkit's throwaway Debian
 * instance (fsync off: the figure is the software's, not the disk's). The gateway's outbox is
 * durable (synchronous=FULL) as in production.
 *
 *   npm run bench uplink-drain          # EVENTS=1000000 BATCH=2000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Gateway, GatewayConfig, hashPassword, InMemoryDirectory, Outbox } from '@gridlink/gateway';
import { createCloudEvent } from '@gridlink/protocol';
import mqtt from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { startBenchPostgres } from './lib/postgres.js';
import { startScript } from './lib/servers.js';
import { fmt, percentile } from './lib/stats.js';

const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const BATCH = Number(process.env.BATCH ?? 2000);
const DEVICES = 2000;
const GATEWAY = 'gw-drain';
const ADMIN = 'bench-admin-token-0123456789abcdef-0123456789';
const PASSWORD = 'bench-secret';

const postgres = await startBenchPostgres('drain');
const url = new URL(postgres.url);
const db = new pg.Client({ connectionString: url.toString() });

const cloud = await startScript('cloud', 'cloud-server.ts', { PG_URL: url.toString(), ADMIN_TOKEN: ADMIN });
const cloudUrl = `http://127.0.0.1:${cloud.port}`;
const registered = await fetch(`${cloudUrl}/api/v1/gateways`, {
  method: 'POST',
  headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ id: GATEWAY, community: '320803001001' }),
});
const { token } = (await registered.json()) as { token: string };
await db.connect();

// The backlog: what an outage left in the outbox (state changes of 2,000 devices).
const dataDir = mkdtempSync(join(tmpdir(), 'gridlink-bench-drain-'));
const filling = performance.now();
const outbox = new Outbox(join(dataDir, 'outbox.db'));
outbox.setLive(false); // the cloud is away while these arrive
for (let n = 0; n < EVENTS; n += 10_000) {
  const appends = [];
  for (let i = n; i < Math.min(EVENTS, n + 10_000); i++) {
    const device = `th-${i % DEVICES}`;
    const { deviceseq: _assigned, ...event } = createCloudEvent({
      id: `backlog-${i}`,
      type: 'cn.gridlink.device.state.v1',
      gatewayId: GATEWAY,
      deviceId: device,
      time: '2026-11-25T14:52:18.646Z',
      priority: 'state',
      data: { device_id: device, device_kind: 'door_contact', state: { contact: i % 2 ? 'open' : 'closed' } },
    });
    appends.push(outbox.append(event));
  }
  await Promise.all(appends);
}
outbox.close();
console.log(`backlog of ${fmt(EVENTS)} events written in ${fmt((performance.now() - filling) / 1000, 1)} s`);

const passwordHash = await hashPassword(PASSWORD);
const directory = new InMemoryDirectory([{ id: 'smoke-1', kind: 'smoke_detector', status: 'active', passwordHash }]);
const config = GatewayConfig.parse({
  gateway: { id: GATEWAY, community: '320803001001', data_dir: dataDir },
  mqtt: { host: '127.0.0.1', port: 0 },
  http: { host: '127.0.0.1', port: 0 },
  uplink: {
    enabled: true,
    url: cloudUrl,
    token,
    batch_max_events: BATCH,
    max_events_per_second: 1_000_000,
    downlink: false,
  },
});
const gateway = new Gateway({ config, directory, logger: pino({ level: 'error' }) });
const started = performance.now();
await gateway.start();
const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
  clientId: 'smoke-1',
  username: 'smoke-1',
  password: PASSWORD,
});

const alarmRows = async () =>
  Number((await db.query("SELECT count(*) AS n FROM gateway_events WHERE device_id = 'smoke-1'")).rows[0].n);
const latencies: number[] = [];
let alarms = 0;
const depth = () => {
  const d = gateway.uplink?.outbox.depth();
  return d ? d.alarm + d.state + d.telemetry : 0;
};
while (depth() > 0) {
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (depth() === 0) break;
  const ts = new Date(Date.parse('2026-11-25T08:00:00.000Z') + alarms).toISOString();
  await device.publishAsync('gridlink/smoke-1/event/alarm', JSON.stringify({ ts }), { qos: 1 });
  const acked = performance.now();
  alarms++;
  while ((await alarmRows()) < alarms) await new Promise((resolve) => setTimeout(resolve, 2));
  latencies.push(performance.now() - acked);
}
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const stored = Number((await db.query("SELECT count(*) AS n FROM gateway_events WHERE id LIKE 'backlog-%'")).rows[0].n);
const replayed = Number((await db.query('SELECT count(*) AS n FROM gateway_events WHERE replayed')).rows[0].n);

console.log(`uplink drain → cloud (own process) → PostgreSQL, Node ${process.version}, batches of ${BATCH}`);
console.log(
  `  ${'backlog events in PostgreSQL'.padEnd(34)} ${fmt(stored)} of ${fmt(EVENTS)} (${fmt(replayed)} marked replayed)`,
);
console.log(`  ${'drain rate'.padEnd(34)} ${fmt(stored / seconds).padStart(9)} events/s; target >= 10,000`);
console.log(
  `  ${'live alarm PUBACK → PostgreSQL'.padEnd(34)} p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms, max ${fmt(Math.max(...latencies))} ms (${latencies.length} alarms); target < 1000 ms`,
);

await device.endAsync();
await gateway.stop();
await db.end();
await cloud.stop();
await postgres.stop();
rmSync(dataDir, { recursive: true, force: true });
