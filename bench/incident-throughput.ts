/**
 * Incident engine throughput: gateway alerts → incidents per second through
 * `IncidentEngine.fromAlerts` into PostgreSQL, dedup and merge included, as the event projector
 * hands them over: batches of BATCH alerts in arrival order, WORKERS batches at once in this one
 * process (one pooled connection each: a transaction holds its connection). Batches running at
 * once share places, so they wait on each other's dedup locks as replicas would. Then the latency
 * of single transitions
 * (accept → file → dispatch → sign → finish → startCheck → pass → close) with TRANSITION_WORKERS
 * incidents moving at once, after as many went through the loop unmeasured (the pool's connections
 * opened and warm, as in a running cloud). PostgreSQL is the testkit's throwaway Debian instance on
 * this machine (fsync off): the figures are the engine's and PostgreSQL's work, not the disk's.
 * The time limits are attached as in a running cloud: each step is written with its deadline and
 * light, and the incident's timers with it.
 *
 * The mix, per ALERTS alerts: 70 % raise at a new place (a new incident), 15 % raise again at a
 * place seen within the dedup window (merged into its open incident), 5 % update an alert already
 * in an incident (linked as evidence), 10 % of a category that stays an alert until it repeats
 * (safety.access: recorded and counted below its repeat threshold, each at another door here).
 *
 *   npm run bench incident-throughput
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Deadlines, IncidentEngine, migrate, openPostgres, readMigrations } from '@gridlink/cloud';
import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { pino } from 'pino';
import { ownCpuSeconds, postgresCpuSeconds } from './lib/cpu.js';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt, percentile } from './lib/stats.js';

const ALERTS = Number(process.env.ALERTS ?? 20_000);
const WORKERS = Number(process.env.WORKERS ?? 4);
const BATCH = Number(process.env.BATCH ?? 100);
const TRANSITION_INCIDENTS = Number(process.env.TRANSITION_INCIDENTS ?? 1000);
const TRANSITION_WORKERS = Number(process.env.TRANSITION_WORKERS ?? 8);
const GATEWAY = 'gw-320803-001';

const server = await startBenchPostgres('bench');
const url = new URL(server.url);

const db = openPostgres({
  url: url.toString(),
  poolMax: Math.max(WORKERS, TRANSITION_WORKERS),
  logger: pino({ level: 'silent' }),
});
// Every migration, as a cloud runs them: the KPI facts' triggers (0011) cost each step written.
await migrate(db, await readMigrations());
const engine = new IncidentEngine(db, () => new Date());
// The time limits, as a running cloud attaches them (their sweep runs too; nothing falls due in a run).
const deadlines = new Deadlines(db, engine, { clock: () => new Date() });
await deadlines.start();

// Places: communities × buildings × units of one district; alerts one second apart in event time.
const T0 = Date.parse('2026-11-25T06:00:00.000Z');
const placeOf = (n: number) => ({
  community: `320803${String(1 + (n % 10)).padStart(3, '0')}${String(1 + (Math.floor(n / 10) % 50)).padStart(3, '0')}`,
  building: String(1 + (Math.floor(n / 500) % 40)),
  unit: String(1 + (Math.floor(n / 20_000) % 6)),
});
function alert(n: number, kind: 'new' | 'repeat' | 'update' | 'alert_only', alertId: string, place: number) {
  const at = new Date(T0 + n * 1000).toISOString();
  const category =
    kind === 'alert_only' ? 'safety.access' : place % 3 === 0 ? 'livelihood.water_leak' : 'emergency.fire';
  const data: AlertPayload = {
    alert_id: alertId,
    rule_id: 'bench-rule',
    device_id: `dev-${place}`,
    state: 'active',
    severity: 'major',
    category,
    since: at,
    last_seen: at,
    occurrences: 1,
    message: { zh: '报警', en: 'Alarm' },
    place: { ...placeOf(place), floor: 1 + (place % 18) },
  };
  return createCloudEvent({
    id: `evt-${n}`,
    type: kind === 'update' ? 'cn.gridlink.alert.updated.v1' : 'cn.gridlink.alert.raised.v1',
    gatewayId: GATEWAY,
    deviceId: `dev-${place}`,
    time: at,
    data,
    priority: 'alarm',
  }) as CloudEvent;
}

// Built before the clock starts: the figure is the engine's, not the event construction.
const events: CloudEvent[] = [];
const placeOfAlert = new Map<number, number>();
let places = 0;
for (let n = 0; n < ALERTS; n++) {
  const roll = n % 20;
  if (roll < 14 || n < 100) {
    placeOfAlert.set(n, places);
    events.push(alert(n, 'new', `a-${n}`, places++));
  } else if (roll < 17) events.push(alert(n, 'repeat', `a-${n}`, places - 1 - (n % 50)));
  else if (roll < 18) events.push(alert(n, 'update', `a-${n - 5}`, placeOfAlert.get(n - 5) ?? 0));
  else events.push(alert(n, 'alert_only', `a-${n}`, places++));
}

await engine.fromAlert(alert(ALERTS, 'new', 'warm-up', 999_999)); // warm-up
const outcomes: Record<string, number> = {};
const latencies: number[] = [];
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: WORKERS }, async () => {
    while (next < events.length) {
      const batch = events.slice(next, next + BATCH);
      next += batch.length;
      const t = performance.now();
      const results = await engine.fromAlerts(batch);
      latencies.push(performance.now() - t);
      for (const result of results) outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);

// Transitions: the created incidents (REPORTED) through the whole loop, several at once.
const { rows: chosen } = await db.query<{ id: string }>(
  "SELECT id FROM incidents WHERE state = 'REPORTED' AND alert_id <> 'warm-up' ORDER BY id LIMIT $1",
  [TRANSITION_INCIDENTS + TRANSITION_WORKERS],
);
const warmUp = chosen.slice(0, TRANSITION_WORKERS);
const rows = chosen.slice(TRANSITION_WORKERS);
const loop: Array<[string, 'operator' | 'grid_worker', Record<string, unknown>?]> = [
  ['accept', 'operator'],
  ['file', 'operator'],
  ['dispatch', 'operator', { assignee: 'worker-1' }],
  ['sign', 'grid_worker'],
  ['finish', 'grid_worker'],
  ['startCheck', 'operator'],
  ['pass', 'operator'],
  ['close', 'operator'],
];
const step = (id: string, [action, role, data]: (typeof loop)[number]) =>
  engine.transition({
    incidentId: id,
    action,
    requestId: `${id}:${action}`,
    actor: role === 'operator' ? 'op-1' : 'worker-1',
    role,
    ...(data ? { data } : {}),
  });
// Warm-up, not measured: one incident per worker through the loop at once, so the pool has opened
// its connections and each has prepared the statements and compiled the triggers' functions. Else
// the first step of each worker (an accept) pays for that: 8 of the 1,000 accepts, most of its p99.
await Promise.all(
  warmUp.map(async ({ id }) => {
    for (const taken of loop) await step(id, taken);
  }),
);
const transitions: number[] = [];
const byAction = new Map<string, number[]>();
let nextIncident = 0;
// CPU per transition, this process's and PostgreSQL's: what tells builds apart on a machine whose
// speed moves, where the p99 of a few thousand transitions moves by a third from run to run.
const [{ directory } = { directory: '' }] = (
  await db.query<{ directory: string }>("SELECT current_setting('data_directory') AS directory")
).rows;
const [nodeCpuBefore, postgresCpuBefore] = [ownCpuSeconds(), postgresCpuSeconds(directory)];
const transitionsStarted = performance.now();
await Promise.all(
  Array.from({ length: TRANSITION_WORKERS }, async () => {
    while (nextIncident < rows.length) {
      const id = (rows[nextIncident++] as { id: string }).id;
      for (const taken of loop) {
        const [action] = taken;
        const t = performance.now();
        await step(id, taken);
        const ms = performance.now() - t;
        transitions.push(ms);
        const times = byAction.get(action) ?? [];
        times.push(ms);
        byAction.set(action, times);
      }
    }
  }),
);
const transitionSeconds = (performance.now() - transitionsStarted) / 1000;
const nodeCpu = ((ownCpuSeconds() - nodeCpuBefore) * 1000) / transitions.length;
const postgresCpu = ((postgresCpuSeconds(directory) - postgresCpuBefore) * 1000) / transitions.length;
transitions.sort((a, b) => a - b);

console.log(
  `incident engine with its time limits → PostgreSQL (fsync off), Node ${process.version}, one process; batches of ${BATCH} alerts, ${WORKERS} at once (one pooled connection each)`,
);
console.log(
  `  machine: ${cpus().length} CPUs, load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')} (PostgreSQL and this process share them)`,
);
console.log(
  `  ${'alerts → incidents'.padEnd(30)} ${fmt(events.length / seconds).padStart(9)} alerts/s; target >= 5,000/s (${fmt(events.length)} alerts: ${Object.entries(
    outcomes,
  )
    .map(([outcome, count]) => `${fmt(count)} ${outcome}`)
    .join(', ')})`,
);
console.log(
  `  ${'batch latency p50 / p99'.padEnd(30)} ${fmt(percentile(latencies, 50), 1)} / ${fmt(percentile(latencies, 99), 1)} ms (${fmt(latencies.length)} batches of up to ${BATCH})`,
);
console.log(
  `  ${'transition latency p50 / p99'.padEnd(30)} ${fmt(percentile(transitions, 50), 1)} / ${fmt(percentile(transitions, 99), 1)} ms; target p99 < 20 ms (${fmt(transitions.length)} transitions, ${TRANSITION_WORKERS} incidents at once, ${fmt(transitions.length / transitionSeconds)}/s)`,
);
console.log(
  `  ${'  CPU per transition'.padEnd(30)} ${fmt(nodeCpu + postgresCpu, 2)} ms: this process ${fmt(nodeCpu, 2)}, PostgreSQL ${fmt(postgresCpu, 2)}`,
);
console.log(
  `  ${'  p99 by action'.padEnd(30)} ${[...byAction]
    .map(
      ([action, ms]) =>
        `${action} ${fmt(
          percentile(
            ms.sort((a, b) => a - b),
            99,
          ),
          1,
        )}`,
    )
    .join(', ')} ms`,
);

await deadlines.stop();
await db.close();
await server.stop();
