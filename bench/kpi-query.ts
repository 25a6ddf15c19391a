/**
 * District KPI query over one month of a district holding INCIDENTS incidents and STEPS_PER ×
 * INCIDENTS step records spread over a year, grouped by street and by grid, before and after the
 * KPI facts. The rows are generated in PostgreSQL with generate_series (no row-by-row inserts), in
 * time order as the engine writes them, on the schema up to migration 0010. Then, over the same
 * data: the query of 0010 (a range scan of the period's steps, bench/lib/kpi-step-scan.ts); then
 * migration 0011 (the KPI facts, backfilled from every step, timed); then `kpiCounts` on the
 * facts, whose counts must equal the first query's. PostgreSQL is the testkit's throwaway Debian
 * instance on this machine (fsync off); each figure is the median of RUNS runs after a warm-up.
 *
 *   npm run bench kpi-query
 */

import { deepStrictEqual } from 'node:assert';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  type KpiGroup,
  KpiPolicy,
  type KpiQuery,
  kpiCounts,
  kpiCountsSql,
  kpiTerritoryCondition,
  migrate,
  openPostgres,
  readMigrations,
} from '@gridlink/cloud';
import pg from 'pg';
import { pino } from 'pino';
import { kpiCountsByStepScan } from './lib/kpi-step-scan.js';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt } from './lib/stats.js';

const INCIDENTS = Number(process.env.INCIDENTS ?? 1_000_000);
const STEPS_PER = 10;
const RUNS = Number(process.env.RUNS ?? 5);
const DISTRICT = '320803';
const YEAR_START = '2026-01-01T00:00:00+08:00';
const MONTH = { from: new Date('2026-10-01T00:00:00+08:00'), to: new Date('2026-11-01T00:00:00+08:00') };

const server = await startBenchPostgres('bench');
const url = new URL(server.url);

const db = openPostgres({ url: url.toString(), poolMax: 4, logger: pino({ level: 'silent' }) });
const migrations = await readMigrations();
const upTo = (...versions: number[]) => migrations.filter((migration) => versions.includes(migration.version));
await migrate(db, upTo(1, 3, 5, 10));

// Ten streets × ten communities × ten grids; incidents evenly over the year, in time order.
// Variants (per incident, by its number): 90 % closed and called back, 6 % failed a check and are
// in rework, 4 % were extended and suspended and are still open. 5 % are closed after the deadline.
const generated = performance.now();
const load = new pg.Client({ connectionString: url.toString() });
await load.connect();
await load.query("SET session_replication_role = 'replica'"); // no FK checks while loading
await load.query("SET maintenance_work_mem = '512MB'");
// The KPI indexes of migration 0010 are built after the load (as a restore would), not row by row.
const { rows: kpiIndexes } = await load.query<{ indexname: string; indexdef: string }>(
  "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'incident%kpi%'",
);
for (const index of kpiIndexes) await load.query(`DROP INDEX ${index.indexname}`);
await load.query(
  `INSERT INTO incidents (id, state, category_code, severity, source, drill, community, grid, intake_request_id,
          first_occurred_at, last_occurred_at, title, created_at, updated_at, closed_at, assignee)
   SELECT 'INC-' || n, CASE WHEN n % 100 < 90 THEN 'EVALUATED' WHEN n % 100 < 96 THEN 'IN_PROGRESS' ELSE 'HANDLED' END,
          'urban_management.manhole_cover', 'minor', 'patrol', n % 1000 = 999,
          $1 || lpad((1 + n % 10)::text, 3, '0') || lpad((1 + (n / 10) % 10)::text, 3, '0'),
          $1 || lpad((1 + n % 10)::text, 3, '0') || lpad((1 + (n / 10) % 10)::text, 3, '0')
             || lpad((1 + (n / 100) % 10)::text, 3, '0'),
          'bench:' || n, t, t, '井盖缺失', t, t, NULL, 'worker-' || (n % 1000)
     FROM generate_series(0, $2 - 1) AS n,
          LATERAL (SELECT $3::timestamptz + (n * (365 * 86400.0 / $2)) * interval '1 second' AS t) AS time`,
  [DISTRICT, INCIDENTS, YEAR_START],
);
const steps = {
  closed: [
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
  ],
  rework: ['report', 'accept', 'file', 'dispatch', 'sign', 'finish', 'startCheck', 'fail', 'sign', 'finish'],
  open: ['report', 'accept', 'file', 'dispatch', 'sign', 'extend', 'suspend', 'resume', 'extend', 'finish'],
};
const toState: Record<string, string> = {
  report: 'REPORTED',
  accept: 'ACCEPTED',
  file: 'FILED',
  dispatch: 'DISPATCHED',
  sign: 'IN_PROGRESS',
  finish: 'HANDLED',
  startCheck: 'CHECKING',
  pass: 'PENDING_CLOSE',
  fail: 'DISPATCHED',
  close: 'CLOSED',
  callbackSatisfied: 'EVALUATED',
  extend: 'IN_PROGRESS',
  suspend: 'SUSPENDED',
  resume: 'IN_PROGRESS',
};
const sqlArray = (values: string[]) => `ARRAY[${values.map((value) => `'${value}'`).join(', ')}]`;
const states = (variant: keyof typeof steps) => sqlArray(steps[variant].map((action) => toState[action] as string));
// Step k of an incident happens k × 4 h after its report (the close 36 h after, on time when the
// deadline of 48 h holds; every 20th closes at 60 h, late). Steps go in batches of 100,000
// incidents so the load never holds the whole year in memory.
const BATCH = 100_000;
for (let start = 0; start < INCIDENTS; start += BATCH) {
  await load.query(
    `INSERT INTO incident_steps (incident_id, seq, request_id, action, from_state, to_state, version, actor, role, data,
            at, deadline)
     SELECT 'INC-' || n, k, 'r' || k,
            a.action, CASE WHEN k > 1 THEN a.states[k - 1] END, a.states[k], k,
            CASE WHEN a.action IN ('sign', 'finish') THEN 'worker-' || (n % 1000) ELSE 'op-1' END,
            CASE WHEN a.action IN ('sign', 'finish') THEN 'grid_worker' ELSE 'operator' END,
            CASE WHEN a.action = 'dispatch' THEN jsonb_build_object('assignee', 'worker-' || (n % 1000))
                 WHEN a.action = 'callbackSatisfied' THEN '{"satisfaction":"satisfied","solved":true}'::jsonb
                 ELSE '{}'::jsonb END,
            t + (CASE WHEN a.action = 'close' AND n % 20 = 0 THEN 60 ELSE k * 4 END) * interval '1 hour',
            CASE WHEN a.action IN ('file', 'close', 'finish', 'extend') THEN t + interval '48 hours' END
       FROM generate_series($1::int, $2::int) AS n,
            LATERAL (SELECT $3::timestamptz + (n * (365 * 86400.0 / $4)) * interval '1 second' AS t) AS time,
            generate_series(1, ${STEPS_PER}) AS k,
            LATERAL (SELECT CASE WHEN n % 100 < 90 THEN ${sqlArray(steps.closed)}
                                 WHEN n % 100 < 96 THEN ${sqlArray(steps.rework)}
                                 ELSE ${sqlArray(steps.open)} END AS actions,
                            CASE WHEN n % 100 < 90 THEN ${states('closed')}
                                 WHEN n % 100 < 96 THEN ${states('rework')}
                                 ELSE ${states('open')} END AS states) AS v,
            LATERAL (SELECT v.actions[k] AS action, v.states) AS a
      ORDER BY n, k`,
    [start, Math.min(INCIDENTS, start + BATCH) - 1, YEAR_START, INCIDENTS],
  );
}
await load.query("SET session_replication_role = 'origin'");
for (const index of kpiIndexes) await load.query(index.indexdef);
await load.query('VACUUM ANALYZE incidents');
await load.query('VACUUM ANALYZE incident_steps');
const counted = await load.query<{ incidents: string; steps: string; size: string }>(
  `SELECT (SELECT count(*) FROM incidents) AS incidents, (SELECT count(*) FROM incident_steps) AS steps,
          pg_size_pretty(pg_total_relation_size('incident_steps')) AS size`,
);
await load.end();
const loadSeconds = (performance.now() - generated) / 1000;

if (process.env.HOLD) {
  // For looking at plans by hand: keep the loaded server until interrupted.
  console.log(`holding ${url.toString()}`);
  const alive = setInterval(() => {}, 60_000);
  await new Promise((resolve) => process.once('SIGINT', resolve));
  clearInterval(alive);
}

const policy = KpiPolicy.parse({});
type Query = (query: KpiQuery) => Promise<KpiGroup[]>;
async function time(run: Query, groupBy: 'street' | 'grid') {
  const query = { from: MONTH.from, to: MONTH.to, groupBy, territoryPrefix: DISTRICT, policy };
  const first = await run(query); // warm-up: plans and caches
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run(query);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { groups: first, median: times[Math.floor(times.length / 2)] as number, min: times[0] as number };
}

const row = counted.rows[0];
console.log(
  `district KPI query → PostgreSQL (fsync off, default settings), Node ${process.version}, median of ${RUNS}`,
);
console.log(
  `  machine: ${cpus().length} CPUs, load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')} (other work on it shows in the figures)`,
);
console.log(
  `  data: ${fmt(Number(row?.incidents))} incidents, ${fmt(Number(row?.steps))} steps (${row?.size} with indexes) over 2026, 0.1 % drills; generated in ${fmt(loadSeconds, 1)} s`,
);

const GROUPINGS = ['street', 'grid'] as const;
const report = (label: string, result: Awaited<ReturnType<typeof time>>) => {
  const { groups, median, min } = result;
  const total = groups.reduce((sum, group) => sum + group.counts.shouldDispatch, 0);
  const due = groups.reduce((sum, group) => sum + group.counts.dueForClosing, 0);
  const closed = groups.reduce((sum, group) => sum + group.counts.closed, 0);
  console.log(
    `  ${label.padEnd(46)} ${fmt(median, 1).padStart(7)} ms median (min ${fmt(min, 1)}); ${groups.length} rows, ${fmt(total)} incidents filed, ${fmt(due)} due, ${fmt(closed)} closed; target < 500 ms`,
  );
};

const before = new Map<string, KpiGroup[]>();
for (const groupBy of GROUPINGS) {
  const result = await time((query) => kpiCountsByStepScan(db, query), groupBy);
  before.set(groupBy, result.groups);
  report(`before (0010 step scan), by ${groupBy}`, result);
}

const migrating = performance.now();
await migrate(db, upTo(1, 3, 5, 10, 11));
const migrationSeconds = (performance.now() - migrating) / 1000;
const vacuum = new pg.Client({ connectionString: url.toString() });
await vacuum.connect();
await vacuum.query('VACUUM ANALYZE incident_kpi_facts');
const facts = await vacuum.query<{ rows: string; size: string }>(
  `SELECT count(*) AS rows, pg_size_pretty(pg_total_relation_size('incident_kpi_facts')) AS size FROM incident_kpi_facts`,
);
await vacuum.end();
console.log(
  `  migration 0011: ${fmt(Number(facts.rows[0]?.rows))} incident facts (${facts.rows[0]?.size}) backfilled from every step in ${fmt(migrationSeconds, 1)} s`,
);
// What the KPI query reads of the facts besides 0011's, applied after 0011 is timed: recalls and
// re-dispatches (0025), the callback verdicts' levels (0053) and the facts' district (0056).
await migrate(db, upTo(1, 3, 5, 10, 11, 25, 53, 56));

for (const groupBy of GROUPINGS) {
  const result = await time((query) => kpiCounts(db, query), groupBy);
  deepStrictEqual(result.groups, before.get(groupBy), `by ${groupBy}: the facts must count what the step scan counts`);
  report(`after (0011 facts, kpiCounts), by ${groupBy}`, result);
}
console.log('  counts after = counts before, every group and every count');

if (process.env.EXPLAIN) {
  const explain = await db.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${kpiCountsSql('street', kpiTerritoryCondition([DISTRICT]).sql)}`,
    [MONTH.from, MONTH.to, false, ...kpiTerritoryCondition([DISTRICT]).params],
  );
  console.log(explain.rows.map((line) => line['QUERY PLAN']).join('\n'));
}

await db.close();
await server.stop();
