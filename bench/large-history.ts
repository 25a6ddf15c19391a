/**
 * Large tables stay fast: intake (events/s and batch p99 through the real HTTP intake) and the
 * month's KPIs, first with the running month's data alone, then after a 12-month synthetic history
 * of a district has been added to the monthly partitioned tables (migration 0055), on the same
 * PostgreSQL. Each measurement runs ROUNDS times, interleaved with nothing else, and the medians
 * are compared: the ratio "with history / month alone" is the figure (this machine is shared, so
 * absolute figures move; the ratio within one run is what holds).
 *
 * The district (per day, SCALE 1): INCIDENTS_PER_DAY incidents (300) with 10 steps each (through
 * the real trigger that keeps the KPI facts), 1,000 gateways sending EVENTS_PER_GATEWAY_DAY events
 * (10), their health every hour (kept 90 days), 20,000 devices' health once a day (90 days) and
 * two availability changes a month, 2,000 sensors' readings hourly (30 days), and 600 patrol fixes
 * an hour (positions of running patrols and late uploads). The history is generated in PostgreSQL
 * with generate_series, month by month, into partitions made as the upkeep job would have made
 * them over the year.
 *
 * The month's KPIs are measured twice: `kpiCounts` (the KPI facts, what the API runs) and the
 * step scan of bench/lib/kpi-step-scan.ts (the month's steps read from incident_steps, where the
 * partitioning prunes to the month's partition).
 *
 *   npm run bench large-history            SCALE=0.2 npm run bench large-history
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CloudConfig, KpiPolicy, type KpiQuery, kpiCounts, startCloud } from '@gridlink/cloud';
import { createCloudEvent } from '@gridlink/protocol';
import pg from 'pg';
import { pino } from 'pino';
import { kpiCountsByStepScan } from './lib/kpi-step-scan.js';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt, percentile } from './lib/stats.js';

const SCALE = Number(process.env.SCALE ?? 1);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const INCIDENTS_PER_DAY = Math.round(300 * SCALE);
const GATEWAYS = 1000;
const EVENTS_PER_GATEWAY_DAY = Math.max(1, Math.round(10 * SCALE));
const DEVICES = Math.round(20_000 * SCALE);
const SENSORS = Math.round(2_000 * SCALE);
const FIXES_PER_HOUR = Math.round(600 * SCALE);
const INTAKE_EVENTS = Number(process.env.INTAKE_EVENTS ?? 20_000);
const BATCH = 500;
const IN_FLIGHT = 2;
const DISTRICT = '320803';
const ADMIN = 'bench-admin-token-0123456789abcdef-0123456789';
const TABLES = [
  'gateway_events',
  'incident_steps',
  'patrol_positions',
  'device_health',
  'gateway_health',
  'device_availability',
  'device_readings',
];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The first instant of the China month `plus` months from the one `at` is in. */
function chinaMonthStart(at: Date, plus = 0): Date {
  const china = new Date(at.getTime() + 8 * HOUR);
  return new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + plus, 1) - 8 * HOUR);
}

const server = await startBenchPostgres('bench');
const url = server.url;
const config = CloudConfig.parse({
  http: { host: '127.0.0.1', port: 0 },
  database: { url },
  auth: { admin_token: ADMIN },
  log: { level: 'silent' },
});
const cloud = await startCloud(config, pino({ level: 'silent' }));
const load = new pg.Client({ connectionString: url });
await load.connect();
await load.query("SET maintenance_work_mem = '256MB'");

const now = new Date();
const monthStart = chinaMonthStart(now);
const historyStart = chinaMonthStart(now, -12);

// Territory: ten streets × ten communities × ten grids, and the gateways' community.
await load.query(
  `INSERT INTO gateways (id, name, created_at, community)
   SELECT 'gw-' || g, 'gw ' || g, $2, $1 || lpad((1 + g % 10)::text, 3, '0') || lpad((1 + (g / 10) % 10)::text, 3, '0')
     FROM generate_series(0, ${GATEWAYS - 1}) AS g`,
  [DISTRICT, historyStart],
);
// Patrols of workers and a route not set up here: their foreign keys are not checked for this insert alone.
await load.query("SET session_replication_role = 'replica'");
const { rows: sessionRows } = await load.query<{ id: number }>(
  `INSERT INTO patrol_sessions (worker_id, request_id, route_id, grid_code, started_at)
   SELECT 'worker-' || w, 'bench-' || w, 'route-bench', $1 || '001001001', $2 FROM generate_series(1, 50) AS w RETURNING id`,
  [DISTRICT, historyStart],
);
await load.query("SET session_replication_role = 'origin'");
const sessions = sessionRows.map((row) => row.id);

const STEP_ACTIONS = [
  'report',
  'accept',
  'file',
  'dispatch',
  'sign',
  'finish',
  'startCheck',
  'pass',
  'close',
  'callbackSatisfied',
];
const STEP_STATES = [
  'REPORTED',
  'ACCEPTED',
  'FILED',
  'DISPATCHED',
  'IN_PROGRESS',
  'HANDLED',
  'CHECKING',
  'PENDING_CLOSE',
  'CLOSED',
  'EVALUATED',
];
const sqlArray = (values: string[]) => `ARRAY[${values.map((value) => `'${value}'`).join(', ')}]`;
let incidentNumber = 0;

/** A district's rows from `from` to `to` (whole hours), in every partitioned table. */
async function fill(from: Date, to: Date): Promise<void> {
  const days = (to.getTime() - from.getTime()) / DAY;
  const incidents = Math.round(INCIDENTS_PER_DAY * days);
  const first = incidentNumber;
  incidentNumber += incidents;
  await load.query(
    `INSERT INTO incidents (id, state, category_code, severity, source, community, grid, intake_request_id,
            first_occurred_at, last_occurred_at, title, created_at, updated_at, closed_at, assignee)
     SELECT 'INC-B' || n, 'EVALUATED', 'urban_management.manhole_cover', 'minor', 'patrol',
            $1 || lpad((1 + n % 10)::text, 3, '0') || lpad((1 + (n / 10) % 10)::text, 3, '0'),
            $1 || lpad((1 + n % 10)::text, 3, '0') || lpad((1 + (n / 10) % 10)::text, 3, '0') || lpad((1 + (n / 100) % 10)::text, 3, '0'),
            'bench:' || n, t, t, '井盖缺失', t, t, t + interval '36 hours', 'worker-' || (n % 1000)
       FROM generate_series($2::int, $3::int) AS n,
            LATERAL (SELECT $4::timestamptz + ((n - $2) * ($5 * 86400.0 / greatest($3 - $2 + 1, 1))) * interval '1 second' AS t) AS d`,
    [DISTRICT, first, first + incidents - 1, from, days],
  );
  // Steps k × 4 h after the report, through the trigger that writes the KPI facts.
  await load.query(
    `INSERT INTO incident_steps (incident_id, seq, request_id, action, from_state, to_state, version, actor, role, data, at, deadline)
     SELECT i.id, k, 'r' || k, (${sqlArray(STEP_ACTIONS)})[k], CASE WHEN k > 1 THEN (${sqlArray(STEP_STATES)})[k - 1] END,
            (${sqlArray(STEP_STATES)})[k], k, 'op-1', 'operator',
            CASE WHEN k = 4 THEN jsonb_build_object('assignee', i.assignee)
                 WHEN k = 10 THEN '{"satisfaction":"satisfied","solved":true}'::jsonb ELSE '{}'::jsonb END,
            least(i.created_at + k * interval '4 hours', $3::timestamptz - interval '1 second'),
            CASE WHEN k IN (3, 6, 9) THEN i.created_at + interval '48 hours' END
       FROM incidents AS i, generate_series(1, 10) AS k
      WHERE i.created_at >= $1 AND i.created_at < $2
      ORDER BY i.created_at, k`,
    [from, to, to],
  );
  // Gateway events (state changes, alerts), their health hourly.
  await load.query(
    `INSERT INTO gateway_events (source, id, gateway_id, device_id, type, priority, time, received_at, data)
     SELECT '/gateways/gw-' || g || '/devices/th-' || g || '-' || (n % 20), 'hist-' || g || '-' || n || '-' || $3::bigint,
            'gw-' || g, 'th-' || g || '-' || (n % 20), 'cn.gridlink.device.state.v1', 'state', t, t,
            jsonb_build_object('device_id', 'th-' || g || '-' || (n % 20), 'state', jsonb_build_object('temperature', 21.5))
       FROM generate_series(0, ${GATEWAYS - 1}) AS g, generate_series(0, ${Math.round(EVENTS_PER_GATEWAY_DAY * days) - 1}) AS n,
            LATERAL (SELECT $1::timestamptz + ((n * ${GATEWAYS} + g) * (extract(epoch FROM $2::timestamptz - $1) / ${Math.round(EVENTS_PER_GATEWAY_DAY * days) * GATEWAYS})) * interval '1 second' AS t) AS d`,
    [from, to, from.getTime()],
  );
  // Health, readings and positions only within their retention (older ones the job would have dropped).
  const recent = (retentionDays: number) => new Date(Math.max(from.getTime(), now.getTime() - retentionDays * DAY));
  const healthFrom = recent(90);
  if (healthFrom < to) {
    await load.query(
      `INSERT INTO gateway_health (gateway_id, observed_at, seq, received_at, data)
       SELECT 'gw-' || g, t, 1, t, '{"cpu":0.2,"disk":0.4}'
         FROM generate_series(0, ${GATEWAYS - 1}) AS g, generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') AS t`,
      [healthFrom, to],
    );
    await load.query(
      `INSERT INTO device_health (community, device_id, gateway_id, observed_at, seq, availability, battery, faults, tamper)
       SELECT $3 || '001001', 'dev-' || d, 'gw-' || (d % ${GATEWAYS}), t + (d % 86400) * interval '1 second', 1, 'online', 88, '{}', false
         FROM generate_series(0, ${DEVICES - 1}) AS d, generate_series($1::timestamptz, $2::timestamptz - interval '1 day', interval '1 day') AS t`,
      [healthFrom, to, DISTRICT],
    );
  }
  await load.query(
    `INSERT INTO device_availability (community, device_id, started_at, state, reason, gateway_id)
     SELECT $3 || '001001', 'dev-' || d, t + (d % 86400) * interval '1 second', CASE WHEN extract(day FROM t) < 15 THEN 'offline' ELSE 'online' END,
            'bench', 'gw-' || (d % ${GATEWAYS})
       FROM generate_series(0, ${DEVICES - 1}) AS d, generate_series($1::timestamptz, $2::timestamptz - interval '1 day', interval '15 days') AS t`,
    [from, to, DISTRICT],
  );
  const readingsFrom = recent(30);
  if (readingsFrom < to) {
    await load.query(
      `INSERT INTO device_readings (community, device_id, window_start, window_end, gateway_id, device_kind, fields, received_at)
       SELECT $3 || '001001', 'sensor-' || s, t, t + interval '1 hour', 'gw-' || (s % ${GATEWAYS}), 'temp_humidity',
              '{"temperature":{"count":60,"min":20,"max":23,"mean":21.5,"last":21.7}}', t + interval '1 hour'
         FROM generate_series(0, ${SENSORS - 1}) AS s, generate_series($1::timestamptz, $2::timestamptz - interval '1 hour', interval '1 hour') AS t`,
      [readingsFrom, to, DISTRICT],
    );
  }
  await load.query(
    `INSERT INTO patrol_positions (session_id, at, lon_e7, lat_e7, accuracy_dm)
     SELECT ($3::bigint[])[1 + n % ${sessions.length}], t, 1195000000 + n % 10000, 325000000 + n % 10000, 50
       FROM generate_series(0, (extract(epoch FROM $2::timestamptz - $1) / 3600 * ${FIXES_PER_HOUR})::int - 1) AS n,
            LATERAL (SELECT $1::timestamptz + n * (3600.0 / ${FIXES_PER_HOUR}) * interval '1 second' AS t) AS d`,
    [from, to, sessions],
  );
}

// ——— measurements ———
const GATEWAY = 'gw-bench-intake';
const registered = await cloud.registry.register(GATEWAY);
if (!registered.ok) throw new Error('registration failed');
const token = registered.issued.token;
let nextEvent = 0;
function batchBody(): string {
  const events = [];
  for (let i = 0; i < BATCH; i++, nextEvent++) {
    const device = `th-${nextEvent % 2000}`;
    events.push(
      createCloudEvent({
        id: `evt-${nextEvent}`,
        type: 'cn.gridlink.device.state.v1',
        gatewayId: GATEWAY,
        deviceId: device,
        time: new Date().toISOString(),
        priority: 'state',
        deviceSeq: nextEvent,
        data: { device_id: device, device_kind: 'temp_humidity', state: { temperature: 21.5, humidity: 40 } },
      }),
    );
  }
  return JSON.stringify(events);
}

async function intake(): Promise<{ perSecond: number; p99: number }> {
  const bodies = Array.from({ length: Math.ceil(INTAKE_EVENTS / BATCH) }, batchBody);
  const latencies: number[] = [];
  let index = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (index < bodies.length) {
        const body = bodies[index++] as string;
        const sent = performance.now();
        const response = await fetch(`${cloud.url}/api/v1/gateways/${GATEWAY}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/cloudevents-batch+json' },
          body,
        });
        const result = (await response.json()) as { results?: Array<{ status: string }> };
        if (response.status !== 200 || result.results?.some((r) => r.status !== 'accepted'))
          throw new Error(`batch refused: HTTP ${response.status}`);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: (bodies.length * BATCH) / seconds, p99: percentile(latencies, 99) };
}

const policy = KpiPolicy.parse({});
const monthQuery: KpiQuery = { from: monthStart, to: now, groupBy: 'grid', territoryPrefix: DISTRICT, policy };
async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

interface Figures {
  intake: number;
  p99: number;
  facts: number;
  steps: number;
}
async function measure(): Promise<Figures> {
  await load.query('ANALYZE');
  await kpiCounts(cloud.db, monthQuery); // warm-up: plans and caches
  await kpiCountsByStepScan(cloud.db, monthQuery);
  await intake();
  await intake();
  const runs: Figures[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const { perSecond, p99 } = await intake();
    runs.push({
      intake: perSecond,
      p99,
      facts: await timed(() => kpiCounts(cloud.db, monthQuery)),
      steps: await timed(() => kpiCountsByStepScan(cloud.db, monthQuery)),
    });
  }
  const median = (pick: (f: Figures) => number) => {
    const sorted = runs.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  };
  return {
    intake: median((f) => f.intake),
    p99: median((f) => f.p99),
    facts: median((f) => f.facts),
    steps: median((f) => f.steps),
  };
}

async function sizes(): Promise<string> {
  const { rows } = await load.query<{ rows: string; size: string }>(
    `SELECT sum(c.reltuples)::bigint AS rows, pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS size
       FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
      WHERE i.inhparent::regclass::text IN ('gateway_events', 'incident_steps', 'patrol_positions', 'device_health',
                                            'gateway_health', 'device_availability', 'device_readings')`,
  );
  return `${fmt(Number(rows[0]?.rows))} rows, ${rows[0]?.size}`;
}

// The running month alone (whole hours up to now), then measured.
const hourNow = new Date(Math.floor(now.getTime() / HOUR) * HOUR);
await fill(monthStart, hourNow);
await load.query('VACUUM ANALYZE');
const alone = await measure();
const aloneSize = await sizes();

// Twelve months before it, each month's partitions made first as the upkeep job would have.
const generating = performance.now();
for (let back = 12; back >= 1; back--) {
  const from = chinaMonthStart(now, -back);
  const to = chinaMonthStart(now, -back + 1);
  for (const table of TABLES)
    await ddl(
      `SELECT ensure_month_partition('${table}', '${new Date(from.getTime() + 8 * HOUR).toISOString().slice(0, 10)}')`,
    );
  await fill(from, to);
}
await load.query('VACUUM ANALYZE');
const generatedSeconds = (performance.now() - generating) / 1000;
const withHistory = await measure();
const historySize = await sizes();

// Interleaved once more, the same database: the history's partitions detached (the partitioned
// tables hold the running month alone again; incidents and KPI facts, unpartitioned, keep theirs),
// then attached back.
const history = (
  await load.query<{ part: string; bound: string; parent: string }>(
    `SELECT c.relname AS part, pg_get_expr(c.relpartbound, c.oid) AS bound, p.relname AS parent
       FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid JOIN pg_class AS p ON p.oid = i.inhparent
      WHERE p.relname = ANY($1) AND c.relname !~ '_default$' AND c.relname < p.relname || '_' || $2`,
    [TABLES, new Date(monthStart.getTime() + 8 * HOUR).toISOString().slice(0, 7).replace('-', '')],
  )
).rows;
// The cloud's own work reads and writes these tables meanwhile: DDL that waited past the lock
// timeout (or was a deadlock's victim) runs again.
async function ddl(sql: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Waits behind the cloud's own work at most this long, then runs again.
      await load.query(`BEGIN; SET LOCAL lock_timeout = '300ms'; ${sql}; COMMIT`);
      return;
    } catch (err) {
      await load.query('ROLLBACK');
      if (!['40P01', '55P03'].includes((err as { code?: string }).code ?? '') || attempt >= 50) throw err;
    }
  }
}
for (const { part, parent } of history) await ddl(`ALTER TABLE ${parent} DETACH PARTITION ${part}`);
const detached = await measure();
for (const { part, parent, bound } of history) await ddl(`ALTER TABLE ${parent} ATTACH PARTITION ${part} ${bound}`);
const reattached = await measure();

const ratio = (a: number, b: number) => `${fmt(b / a, 2)}×`;
console.log(
  `large history → PostgreSQL (fsync off), Node ${process.version}, SCALE ${SCALE}, median of ${ROUNDS} rounds`,
);
console.log(
  `  machine: ${cpus().length} CPUs, load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')} (other work on it shows in the absolute figures; compare the ratios)`,
);
console.log(
  `  district a day: ${INCIDENTS_PER_DAY} incidents × 10 steps, ${GATEWAYS} gateways × ${EVENTS_PER_GATEWAY_DAY} events + hourly health, ${fmt(DEVICES)} devices' daily health, ${fmt(SENSORS)} sensors' hourly readings, ${FIXES_PER_HOUR} patrol fixes/h`,
);
console.log(`  the month alone:     ${aloneSize} in the partitioned tables`);
console.log(`  with 12 months more: ${historySize} (generated in ${fmt(generatedSeconds, 0)} s)`);
console.log(`  ${''.padEnd(34)} ${'month alone'.padStart(12)} ${'+12 months'.padStart(12)}  ratio`);
const line = (label: string, a: number, b: number, unit: string, digits = 0) =>
  console.log(
    `  ${label.padEnd(34)} ${`${fmt(a, digits)} ${unit}`.padStart(12)} ${`${fmt(b, digits)} ${unit}`.padStart(12)}  ${ratio(a, b)}`,
  );
const lines = (a: Figures, b: Figures) => {
  line(`intake (${BATCH}/batch, ${IN_FLIGHT} in flight)`, a.intake, b.intake, 'ev/s');
  line('intake batch p99', a.p99, b.p99, 'ms', 1);
  line("month's KPIs by grid (facts)", a.facts, b.facts, 'ms', 1);
  line("month's KPIs by grid (step scan)", a.steps, b.steps, 'ms', 1);
};
lines(alone, withHistory);
console.log(
  `  again: the ${history.length} history partitions detached, then attached back (incidents and facts keep their year)`,
);
lines(detached, reattached);

await load.end();
await cloud.stop();
await server.stop();
