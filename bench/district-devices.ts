/**
 * A district's devices through the real cloud: GATEWAYS gateways (each its own community) of
 * DEVICES devices each, every gateway with its own token sending what its inventory module sends
 * (the gateway's own event builders, batches of BATCH as its uplink does, IN_FLIGHT requests at
 * once across the district): a full sync, a round of device health (every device's 5-minute
 * summary, plus each gateway's own health), and availability changes. For each, the rate the
 * cloud's device projection takes the records at on one replica: from the first request until the
 * projection holds every record (the intake answers first; the projection follows). The health round
 * runs twice: as older gateways send it (one event per device, the reference) and as the gateway
 * sends it now (batched events of up to 500 devices), and the ratio is printed. Then the
 * community overview (`GET /communities/{code}/devices`, DEVICES devices) as an administrator
 * reads it, and the fleet list of every gateway. The reference, in the same run: the same health
 * records projected one transaction per event (the projection before uplink batches), in process.
 * PostgreSQL is the testkit's throwaway Debian instance on this machine (fsync off).
 *
 *   npm run bench district-devices        (GATEWAYS=50 DEVICES=2000 for a quick run)
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CloudConfig, projectDeviceEvent, projectDeviceEvents, startCloud } from '@gridlink/cloud';
import { deviceHealth, deviceHealthBatches, fullSync, gatewayHealth } from '@gridlink/gateway';
import { type CloudEvent, createCloudEvent, type DeviceKind, toTimestamp } from '@gridlink/protocol';
import { pino } from 'pino';
import { ownCpuSeconds, postgresCpuSeconds } from './lib/cpu.js';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt } from './lib/stats.js';

const GATEWAYS = Number(process.env.GATEWAYS ?? 500);
const DEVICES = Number(process.env.DEVICES ?? 2000);
const BATCH = Number(process.env.BATCH ?? 1000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 8);
const OVERVIEW_RUNS = Number(process.env.OVERVIEW_RUNS ?? 200);
const REFERENCE = Number(process.env.REFERENCE ?? 10_000);
/** Share of devices whose availability changes in the availability round. */
const FLIP = 0.02;
const ADMIN = 'bench-admin-token-0123456789abcdef-0123456789';
const KINDS: DeviceKind[] = ['smoke_detector', 'door_contact', 'water_leak', 'temp_humidity'];
const T0 = Date.parse('2026-11-25T08:00:00.000Z');

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
console.log(`machine: ${cpus().length} cores, load average (1/5/15 min) at start ${load()}`);

const server = await startBenchPostgres('bench');
const config = CloudConfig.parse({
  http: { host: '127.0.0.1', port: 0 },
  database: { url: server.url },
  auth: { admin_token: ADMIN },
  log: { level: 'silent' },
});
const cloud = await startCloud(config, pino({ level: 'silent' }), { maintenanceSweepMs: 86_400_000 });
const sql = async <T extends object>(text: string, params: unknown[] = []) =>
  (await cloud.db.query<T>(text, params)).rows;
const [{ directory } = { directory: '' }] = await sql<{ directory: string }>(
  "SELECT current_setting('data_directory') AS directory",
);
/** CPU seconds used so far by this process (the cloud, and the client sending) and by PostgreSQL. */
const cpuNow = () => ({ cloud: ownCpuSeconds(), postgres: postgresCpuSeconds(directory) });

// The district: streets of 20 communities, a gateway for each.
const gateways = Array.from({ length: GATEWAYS }, (_, i) => {
  const community = `320803${String(1 + Math.floor(i / 20)).padStart(3, '0')}${String(1 + (i % 20)).padStart(3, '0')}`;
  return { id: `gw-${community}`, community, token: '' };
});
for (const gateway of gateways) {
  const registered = await cloud.registry.register(gateway.id, `网关 ${gateway.community}`, gateway.community);
  if (!registered.ok) throw new Error(`registering ${gateway.id} failed`);
  gateway.token = registered.issued.token;
}
const devicesOf = (g: (typeof gateways)[number]) =>
  Array.from({ length: DEVICES }, (_, d) => ({
    id: `dev-${g.community}-${String(d).padStart(5, '0')}`,
    kind: KINDS[d % KINDS.length] as DeviceKind,
    status: 'active' as const,
    passwordHash: '',
    place: { community: g.community, building: String(1 + (d % 40)), unit: String(1 + (d % 3)), floor: 1 + (d % 18) },
    tags: [],
  }));

/** Request bodies per gateway, built before the clock starts (the figure is the cloud's, not the client's). */
type Body = { gateway: (typeof gateways)[number]; body: string; events: number };
const bodiesOf = (gateway: (typeof gateways)[number], events: CloudEvent[]): Body[] => {
  const bodies: Body[] = [];
  for (let i = 0; i < events.length; i += BATCH) {
    const slice = events.slice(i, i + BATCH);
    bodies.push({ gateway, body: JSON.stringify(slice), events: slice.length });
  }
  return bodies;
};
/** Interleaved across gateways, as a district's gateways send at the same time. */
function interleave(perGateway: Body[][]): Body[] {
  const all: Body[] = [];
  for (let round = 0; perGateway.some((bodies) => round < bodies.length); round++)
    for (const bodies of perGateway) if (round < bodies.length) all.push(bodies[round] as Body);
  return all;
}

const latencies: number[] = [];
async function send({ gateway, body }: Body): Promise<void> {
  const started = performance.now();
  const response = await fetch(`${cloud.url}/api/v1/gateways/${gateway.id}/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/cloudevents-batch+json' },
    body,
  });
  const result = (await response.json()) as { results?: Array<{ status: string }> };
  if (response.status !== 200 || result.results?.some((r) => r.status !== 'accepted' && r.status !== 'duplicate'))
    throw new Error(`batch refused: HTTP ${response.status} ${JSON.stringify(result).slice(0, 300)}`);
  latencies.push(performance.now() - started);
}

/** Sends every body (IN_FLIGHT at once), then waits until `done` says the projection holds them all. */
async function phase(name: string, bodies: Body[], records: number, done: () => Promise<boolean>) {
  latencies.length = 0;
  const cpuBefore = cpuNow();
  const started = performance.now();
  let index = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (index < bodies.length) await send(bodies[index++] as Body);
    }),
  );
  const answered = (performance.now() - started) / 1000;
  while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 200));
  const projected = (performance.now() - started) / 1000;
  const cpuAfter = cpuNow();
  const [cloudCpu, postgresCpu] = [cpuAfter.cloud - cpuBefore.cloud, cpuAfter.postgres - cpuBefore.postgres];
  latencies.sort((a, b) => a - b);
  const p = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  console.log(`  ${name} (${fmt(records)} records in ${fmt(bodies.length)} requests, load ${load()})`);
  console.log(`    ${'intake answered'.padEnd(34)} ${fmt(records / answered).padStart(9)} records/s`);
  console.log(`    ${'projected (devices current)'.padEnd(34)} ${fmt(records / projected).padStart(9)} records/s`);
  console.log(`    ${'request latency p50 / p99'.padEnd(34)} ${fmt(p(0.5))} / ${fmt(p(0.99))} ms`);
  // What a busy shared machine does not change: the work per record (the wait for it counts above).
  console.log(
    `    ${'CPU: Node / PostgreSQL'.padEnd(34)} ${fmt(cloudCpu, 1)} / ${fmt(postgresCpu, 1)} s = ${fmt(records / (cloudCpu + postgresCpu))} records per CPU-second`,
  );
  return records / projected;
}

console.log(
  `district of ${fmt(GATEWAYS)} gateways × ${fmt(DEVICES)} devices (${fmt(GATEWAYS * DEVICES)}), batches of ${BATCH}, ${IN_FLIGHT} requests in flight, Node ${process.version}`,
);

// 1. The full sync each gateway sends at start.
const syncBodies = interleave(
  gateways.map((g) =>
    bodiesOf(
      g,
      fullSync(g.id, g.community, devicesOf(g), { at: T0, seq: 1 }).map((e) => e.event as CloudEvent),
    ),
  ),
);
const total = GATEWAYS * DEVICES;
await phase('inventory full sync', syncBodies, total, async () => {
  const [row] = await sql<{ n: string }>('SELECT count(*) AS n FROM devices');
  return Number(row?.n) >= total;
});
syncBodies.length = 0;

// 2. A round of health: every device's summary and each gateway's own, 5 minutes later; first as
// older gateways send it (an event per device), then a minute later batched as the gateway sends it now.
const healthAt = T0 + 5 * 60_000;
const batchedAt = T0 + 6 * 60_000;
const ownHealth = (g: (typeof gateways)[number], at: number, seq: number) =>
  gatewayHealth(
    g.id,
    {
      version: '1.4.0',
      uptime_s: 300,
      clients: DEVICES,
      outbox_depth: { alarm: 0, state: 0, telemetry: DEVICES },
      outbox_dropped: 0,
      cameras: { configured: 4, online: 4, authenticated: 4, subscribed: 4 },
      disk_free_bytes: 1e10,
      clock_offset_ms: 12,
    },
    { at, seq },
  ).event as CloudEvent;
const summariesOf = (g: (typeof gateways)[number], at: number, seq: number) =>
  devicesOf(g).map((device, d) => ({
    health: {
      device_id: device.id,
      device_kind: device.kind,
      availability: 'online' as const,
      last_seen: toTimestamp(at - 30_000),
      battery: 20 + (d % 80),
      signal_dbm: -60 - (d % 30),
      faults: [],
      tamper: false,
    },
    observation: { at, seq: seq + 1 + d },
  }));
const healthEvents = (g: (typeof gateways)[number], at: number, seq: number) => [
  ownHealth(g, at, seq),
  ...summariesOf(g, at, seq).map(
    ({ health, observation }) => deviceHealth(g.id, health, observation).event as CloudEvent,
  ),
];
const batchedHealthEvents = (g: (typeof gateways)[number], at: number, seq: number) => [
  ownHealth(g, at, seq),
  ...deviceHealthBatches(g.id, summariesOf(g, at, seq)).map((e) => e.event as CloudEvent),
];
const healthIn = (at: number) => async () => {
  const [row] = await sql<{ n: string }>('SELECT count(*) AS n FROM devices WHERE health_at = $1', [new Date(at)]);
  return Number(row?.n) >= total;
};
let healthBodies = interleave(gateways.map((g) => bodiesOf(g, healthEvents(g, healthAt, 10))));
const singleRate = await phase(
  'device health round, an event per device (before)',
  healthBodies,
  total,
  healthIn(healthAt),
);
healthBodies = interleave(gateways.map((g) => bodiesOf(g, batchedHealthEvents(g, batchedAt, 10_000))));
const healthRate = await phase('device health round, batched events (now)', healthBodies, total, healthIn(batchedAt));
healthBodies.length = 0;
console.log(`    ${'batched / an event per device'.padEnd(34)} ${(healthRate / singleRate).toFixed(2)}×`);

// 3. Availability changes: FLIP of every gateway's devices go offline.
const flipAt = T0 + 7 * 60_000;
const flipped = Math.max(1, Math.round(DEVICES * FLIP));
const flipBodies = interleave(
  gateways.map((g) =>
    bodiesOf(
      g,
      devicesOf(g)
        .slice(0, flipped)
        .map(
          (device, d) =>
            createCloudEvent({
              id: `av-${flipAt}-${device.id}`,
              type: 'cn.gridlink.device.availability.v1',
              gatewayId: g.id,
              deviceId: device.id,
              time: toTimestamp(flipAt + d),
              priority: 'state',
              data: { device_id: device.id, device_kind: device.kind, state: 'offline', reason: 'heartbeat_missed' },
            }) as CloudEvent,
        ),
    ),
  ),
);
await phase('availability changes', flipBodies, GATEWAYS * flipped, async () => {
  const [row] = await sql<{ n: string }>("SELECT count(*) AS n FROM devices WHERE availability = 'offline'");
  return Number(row?.n) >= GATEWAYS * flipped;
});

// 4. The reference: the same kind of health records, one transaction per event, in process (no HTTP).
const sample = gateways.slice(0, Math.max(1, Math.ceil(REFERENCE / DEVICES)));
const refEvents = sample.flatMap((g) => healthEvents(g, T0 + 10 * 60_000, 100_000).slice(1)).slice(0, REFERENCE);
let next = 0;
const refStarted = performance.now();
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < refEvents.length) await projectDeviceEvent(cloud.db, refEvents[next++] as CloudEvent, new Date());
  }),
);
const perEvent = refEvents.length / ((performance.now() - refStarted) / 1000);
const batchEvents = sample.flatMap((g) => healthEvents(g, T0 + 15 * 60_000, 200_000).slice(1)).slice(0, REFERENCE);
next = 0;
const batchStarted = performance.now();
const chunks = Array.from({ length: Math.ceil(batchEvents.length / BATCH) }, (_, i) =>
  batchEvents.slice(i * BATCH, (i + 1) * BATCH),
);
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < chunks.length) await projectDeviceEvents(cloud.db, chunks[next++] as CloudEvent[], new Date());
  }),
);
const perBatch = batchEvents.length / ((performance.now() - batchStarted) / 1000);
console.log(`  projection alone, ${fmt(refEvents.length)} health records in process (load ${load()})`);
console.log(`    ${'one transaction per event (before)'.padEnd(34)} ${fmt(perEvent).padStart(9)} records/s`);
console.log(
  `    ${`one per batch of ${BATCH} (now)`.padEnd(34)} ${fmt(perBatch).padStart(9)} records/s (${(perBatch / perEvent).toFixed(1)}×)`,
);

// 5. The community overview an administrator opens: every device of one community.
async function timed(path: string, runs: number): Promise<{ p50: number; p99: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const response = await fetch(`${cloud.url}${path}`, {
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    times.push(performance.now() - started);
    bytes = text.length;
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99), bytes };
}
const communities = gateways.map((g) => g.community);
await timed(`/api/v1/communities/${communities[0]}/devices`, 3); // warm-up
const overviewTimes: number[] = [];
let overviewBytes = 0;
for (let i = 0; i < OVERVIEW_RUNS; i++) {
  const community = communities[(i * 7919) % communities.length] as string;
  const started = performance.now();
  const response = await fetch(`${cloud.url}/api/v1/communities/${community}/devices`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  const body = (await response.json()) as { devices: unknown[] };
  overviewTimes.push(performance.now() - started);
  if (body.devices.length !== DEVICES) throw new Error(`overview of ${community}: ${body.devices.length} devices`);
  overviewBytes = JSON.stringify(body).length;
}
overviewTimes.sort((a, b) => a - b);
const q = (times: number[], p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
console.log(
  `  community overview, ${fmt(DEVICES)} devices (${fmt(overviewBytes / 1024)} KiB), ${OVERVIEW_RUNS} reads of random communities (load ${load()})`,
);
console.log(
  `    ${'p50 / p99 (request on this host)'.padEnd(34)} ${fmt(q(overviewTimes, 0.5))} / ${fmt(q(overviewTimes, 0.99))} ms; target p99 < 300 ms`,
);
const fleet = await timed('/api/v1/fleet/gateways', 20);
console.log(`  fleet list, ${fmt(GATEWAYS)} gateways (${fmt(fleet.bytes / 1024)} KiB), 20 reads`);
console.log(`    ${'p50 / p99'.padEnd(34)} ${fmt(fleet.p50)} / ${fmt(fleet.p99)} ms`);
console.log(
  `  device health projected: ${fmt(healthRate)} records/s per replica batched (${fmt(singleRate)} an event per device, ${(healthRate / singleRate).toFixed(2)}×); target >= 20,000 (load at end ${load()})`,
);
await cloud.stop();
await server.stop();
