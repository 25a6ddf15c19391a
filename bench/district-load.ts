/**
 * A district under load, on 1 and then 2 cloud replicas sharing one PostgreSQL.
 *
 * The district is the seeded fixture (10 streets, 130 communities, 1,300 grids), imported through
 * the cloud's territory import as a district admin would. GATEWAYS gateways (1,000 by default,
 * in blocks of neighbouring communities; one community is kept for the alarm probe) are
 * registered through the admin API, each with its own token, and run in their own process
 * (bench/servers/district-fleet.ts): each is the gateway's own outbox (SQLite, per-device sequence
 * numbers, `replayed` marks), cloud client and uplink sender (batches, rate limit, backoff with
 * jitter, the same ids on every retry); only its DEVICES devices (100 by default) are simulated.
 * For 2 replicas, a new set of gateways is registered and split between them.
 *
 * What a gateway sends in a simulated day (bench/lib/district-traffic.ts): a full inventory sync at
 * start; 600 state changes (a community's doors), 10 availability flaps (an event each way); its
 * readings window every 300 s, every device's health every 900 s, its own health every 300 s (the
 * gateway's defaults); ≈ 1,300 events a gateway a day. Across the district, 600 alerts a day
 * (water leaks, doors held open, low batteries, smoke, gas: "hundreds of incidents a day"), each
 * cleared 20 simulated minutes later. Time runs FACTOR times faster than the wall clock (24 by
 * default: a simulated day in an hour, ≈ 360 events/s for 1,000 gateways, with ≈ 2,700 device
 * health and 1,600 readings records/s inside them; a 2-CPU machine running the gateways, the cloud
 * and PostgreSQL together carries no more; FACTOR=288 runs a day in 5 minutes where the hardware
 * allows). Event times are real (the cloud's timers run on its own clock).
 *
 * Bursts, after the steady window: a storm of STORM alerts at once (300), and at the same moment a
 * power cut in the first CUT gateways' street cabinets (200: a neighbourhood): their links drop for
 * CUT_S seconds (20) while they keep recording (and a tenth of their devices, on mains power, go
 * offline and come back); then every link comes back at once and they replay their backlog
 * together, each on its own backoff's next attempt.
 *
 * Live meanwhile: the cloud's timers and dispatch, the incident stream of a district operator and
 * three grid workers, the command screen's overview every 15 s (four screens, each every 60 s) and
 * the KPI table every 30 s. The probe: a real gateway (the Gateway class, built-in rules) uplinking
 * to the first replica, whose smoke detectors alarm over MQTT one at a time; from the PUBLISH to
 * the new incident on the stream of the grid's worker (signed in, on duty, connected to the last
 * replica so the change crosses replicas): p50/p99 while steady and during the reconnect storm.
 * And the loop as its people work it over HTTP, one incident after another, alternating replicas:
 * the district operator reports (a hotline call), accepts, files and dispatches to a grid worker,
 * who signs and finishes; the operator starts the check, passes and closes. Each action's round
 * trip (the route, its scope checks, the engine, its step hooks and the audit) while steady and in
 * the storm.
 *
 * Printed for each replica count: events/s the cloud took, batch POST latency (as the gateways
 * see it), incidents created, the alarm latency, CPU per replica (CPU seconds per wall second),
 * PostgreSQL growth per simulated day (over the steady window), and a correctness line: the
 * senders are stopped, then every event id the cloud acknowledged must be in gateway_events, no
 * row twice, and every alarm/state event appended either acknowledged or still in its outbox. When
 * the cloud cannot keep up, the replay and the final drain give up after REPLAY_MAX_S (60) and
 * DRAIN_MAX_S (45) seconds and say so. PostgreSQL is the testkit's throwaway Debian instance
 * (fsync off); the outboxes are in /dev/shm (their fsyncs cost nothing here).
 *
 *   npm run bench district-load
 *   GATEWAYS=100 DURATION=20 CUT=20 CUT_S=8 STORM=50 npm run bench district-load     (quick)
 *   REPLICAS=2 FACTOR=96 …   (only 2 replicas; a faster day)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateDistrict } from '@gridlink/cloud';
import { builtinRuleFile, Gateway, GatewayConfig, hashPassword, InMemoryDirectory } from '@gridlink/gateway';
import mqtt from 'mqtt';
import pg from 'pg';
import { pino } from 'pino';
import { postgresCpuSeconds, processCpuSeconds } from './lib/cpu.js';
import { DistrictTraffic } from './lib/district-traffic.js';
import { CommandedProcess } from './lib/fleet-proc.js';
import { startBenchPostgres } from './lib/postgres.js';
import { type BrokerUnderTest, startScript } from './lib/servers.js';
import { IncidentStreamClient } from './lib/sse-client.js';
import { fmt, percentile } from './lib/stats.js';

const GATEWAYS = Number(process.env.GATEWAYS ?? 1000);
const DEVICES = Number(process.env.DEVICES ?? 100);
const FACTOR = Number(process.env.FACTOR ?? 24);
const DURATION = Number(process.env.DURATION ?? 60);
const CUT = Number(process.env.CUT ?? Math.round(GATEWAYS / 5));
const CUT_S = Number(process.env.CUT_S ?? 20);
const STORM = Number(process.env.STORM ?? 300);
/** Longest wait for the power cut's backlog, and for every outbox to empty at the end (s). */
const REPLAY_MAX_S = Number(process.env.REPLAY_MAX_S ?? 60);
const DRAIN_MAX_S = Number(process.env.DRAIN_MAX_S ?? 45);
const REPLICAS = (process.env.REPLICAS ?? '1,2').split(',').map(Number);
const ADMIN = 'bench-admin-token-0123456789abcdef-0123456789';
const PASSWORD = 'bench password for the district';
const DEVICE_PASSWORD = 'bench-secret';

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
console.log(`machine: ${cpus().length} cores, load average (1/5/15 min) at start ${load()}`);
console.log(
  `district: ${fmt(GATEWAYS)} gateways × ${DEVICES} devices, ${fmt(DistrictTraffic.perGatewayDay())} events a gateway a simulated day, time × ${FACTOR} (a simulated day in ${fmt(86_400 / FACTOR / 60, 1)} min), steady ${DURATION} s, storm ${STORM} alerts + power cut of ${CUT} gateways for ${CUT_S} s`,
);

const postgres = await startBenchPostgres('district');
const db = new pg.Client({ connectionString: postgres.url });
const replicas: BrokerUnderTest[] = [];
const startReplica = async () => {
  replicas.push(await startScript('cloud', 'cloud-server.ts', { PG_URL: postgres.url, ADMIN_TOKEN: ADMIN }));
};
const urlOf = (replica: BrokerUnderTest) => `http://127.0.0.1:${replica.port}`;
await startReplica();
await db.connect();
const sql = async <T>(text: string, params: unknown[] = []) => (await db.query(text, params)).rows as T[];
const cloud = urlOf(replicas[0] as BrokerUnderTest);
const [{ directory } = { directory: '' }] = (
  await db.query<{ directory: string }>("SELECT current_setting('data_directory') AS directory")
).rows;

async function call<T>(method: string, path: string, token: string, body?: unknown, base = cloud): Promise<T> {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return (text === '' ? {} : JSON.parse(text)) as T;
}
async function user(username: string, territory: string, role: string): Promise<{ id: string; token: string }> {
  const { id } = await call<{ id: string }>('POST', '/users', ADMIN, {
    username,
    display_name: username,
    territory_code: territory,
    password: PASSWORD,
    roles: [{ role, scope: territory }],
  });
  const session = await fetch(`${cloud}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  }).then((r) => r.json() as Promise<{ token: string }>);
  return { id, token: session.token };
}
/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ——— the territory, through the import a district admin uses ———
const seeding = performance.now();
const district = generateDistrict({ buildings: 0, placements: 0 });
const admin = await user('bench-district-admin', district.district.code, 'district_admin');
const preview = await call<{ id: string; counts: { problems: number } }>(
  'POST',
  '/territory/imports?kind=boundaries&crs=wgs84',
  admin.token,
  JSON.stringify(district.boundaries()),
);
if (preview.counts.problems > 0) throw new Error(`the territory import found ${preview.counts.problems} problems`);
await call('POST', `/territory/imports/${preview.id}/apply`, admin.token, { valid_from: '2026-01-01T00:00:00Z' });
const communities = district.units
  .filter((u) => u.level === 'community')
  .map((u) => ({ code: u.code, grids: district.grids.filter((g) => g.parentCode === u.code).map((g) => g.code) }));
const [probeCommunity, ...fleetCommunities] = communities;
if (!probeCommunity) throw new Error('the district has no community');
const probeGrid = probeCommunity.grids[0] as string;

// People: the probe grid's worker (on duty), a district operator and three grid workers elsewhere.
const worker = await user('bench-grid-worker', probeGrid, 'grid_worker');
await call('PUT', `/grids/${probeGrid}/members/${worker.id}`, ADMIN, { position: 'full_time' });
await call('POST', `/grids/${probeGrid}/duty-periods`, ADMIN, {
  user_id: worker.id,
  starts_at: new Date(Date.now() - 60_000).toISOString(),
  ends_at: new Date(Date.now() + 86_400_000).toISOString(),
});
const operator = await user('bench-operator', district.district.code, 'operator');
// The walks through the loop happen in the probe community's second grid: nobody is on duty there,
// so a filed incident waits for the operator's dispatch (to this worker) instead of the automatic one.
const walkGrid = probeCommunity.grids[1] ?? probeGrid;
const walkWorker = await user('bench-walk-worker', walkGrid, 'grid_worker');
const others = await Promise.all(
  [1, 2, 3].map((n) =>
    user(`bench-worker-${n}`, fleetCommunities[n * 17]?.grids[0] ?? probeGrid, 'grid_worker').then((u) => u.token),
  ),
);

// The gateways of each run: blocks of neighbouring communities, so the first CUT are a neighbourhood.
type FleetEntry = { id: string; token: string; community: string; grids: string[]; port: number; cut: boolean };
async function registerFleet(prefix: string): Promise<FleetEntry[]> {
  const entries = Array.from({ length: GATEWAYS }, (_, i) => {
    const community = fleetCommunities[Math.floor((i * fleetCommunities.length) / GATEWAYS)] as (typeof communities)[0];
    return {
      id: `gw-${prefix}-${String(i).padStart(4, '0')}`,
      token: '',
      community: community.code,
      grids: community.grids,
      port: 0,
      cut: i < CUT,
    };
  });
  await inParallel(entries, 8, async (entry) => {
    const { token } = await call<{ token: string }>('POST', '/gateways', ADMIN, {
      id: entry.id,
      community: entry.community,
    });
    entry.token = token;
  });
  return entries;
}
const fleets = new Map<number, FleetEntry[]>();
for (const count of REPLICAS) fleets.set(count, await registerFleet(`${count}r`));
console.log(
  `seeded in ${fmt((performance.now() - seeding) / 1000, 1)} s: ${district.grids.length} grids imported, ${fmt(GATEWAYS * REPLICAS.length)} gateways registered, 5 people signed in`,
);

const dataRoot = mkdtempSync(join(existsShm() ? '/dev/shm' : tmpdir(), 'gridlink-bench-district-'));
function existsShm(): boolean {
  try {
    mkdirSync('/dev/shm', { recursive: true });
    return true;
  } catch {
    return false;
  }
}
process.on('exit', () => rmSync(dataRoot, { recursive: true, force: true }));
const passwordHash = await hashPassword(DEVICE_PASSWORD);
const rulesFile = join(dataRoot, 'rules.yaml');
writeFileSync(rulesFile, builtinRuleFile());

interface Status {
  delivered: number;
  replayLeft: number;
  depth: number;
  requests: number;
  p50: number;
  p99: number;
  raised: number;
  simMs: number;
}

for (const count of REPLICAS) {
  while (replicas.length < count) await startReplica();
  const active = replicas.slice(0, count);
  const entries = (fleets.get(count) as FleetEntry[]).map((entry, i) => ({
    ...entry,
    port: (active[i % count] as BrokerUnderTest).port,
  }));
  const dataDir = join(dataRoot, `${count}r`);
  mkdirSync(dataDir, { recursive: true });
  const fleetFile = join(dataDir, 'fleet.json');
  writeFileSync(fleetFile, JSON.stringify(entries));
  const fleet = await CommandedProcess.start('district-fleet.ts', {
    FLEET_FILE: fleetFile,
    DATA_DIR: dataDir,
    DEVICES: String(DEVICES),
    FACTOR: String(FACTOR),
  });
  const syncing = performance.now();
  await fleet.ask('SYNC', 'SYNCED');
  console.log(
    `\n${count} replica${count > 1 ? 's' : ''}: every gateway's full sync (${fmt(GATEWAYS * DEVICES)} devices) taken in ${fmt((performance.now() - syncing) / 1000, 1)} s (load ${load()})`,
  );

  // The probe gateway: the real one, built-in rules, on the first replica.
  const probeId = `gw-probe-${count}r`;
  const { token: probeToken } = await call<{ token: string }>('POST', '/gateways', ADMIN, {
    id: probeId,
    community: probeCommunity.code,
  });
  const probeDevices = Array.from({ length: 1000 }, (_, n) => ({
    id: `smoke-p${count}-${n}`,
    kind: 'smoke_detector' as const,
    status: 'active' as const,
    passwordHash,
    place: { community: probeCommunity.code, grid: probeGrid },
  }));
  const gateway = new Gateway({
    config: GatewayConfig.parse({
      gateway: { id: probeId, community: probeCommunity.code, data_dir: join(dataDir, 'probe') },
      mqtt: { host: '127.0.0.1', port: 0 },
      http: { host: '127.0.0.1', port: 0 },
      rules: { files: [rulesFile] },
      uplink: { enabled: true, url: urlOf(active[0] as BrokerUnderTest), token: probeToken, downlink: false },
    }),
    directory: new InMemoryDirectory(probeDevices),
    logger: pino({ level: 'error' }),
  });
  await gateway.start();

  // The grid worker's stream, on the last replica: each new incident of the probe grid ends a probe.
  const seen = new Set<string>();
  let arrived: ((at: number) => void) | undefined;
  const streams = [
    await IncidentStreamClient.open(urlOf(active[count - 1] as BrokerUnderTest), worker.token, (frame, at) => {
      if (frame.grid !== probeGrid || seen.has(frame.id)) return;
      seen.add(frame.id);
      arrived?.(at);
    }),
    await IncidentStreamClient.open(urlOf(active[0] as BrokerUnderTest), operator.token),
    ...(await Promise.all(
      others.map((token, i) => IncidentStreamClient.open(urlOf(active[i % count] as BrokerUnderTest), token)),
    )),
  ];

  // The command screens and the KPI table, polling.
  const polls = { overview: [] as number[], kpis: [] as number[], failed: 0 };
  const poll = (what: 'overview' | 'kpis', everyMs: number, path: () => string, token: string) =>
    setInterval(() => {
      const started = performance.now();
      call('GET', path(), token, undefined, urlOf(active[polls[what].length % count] as BrokerUnderTest))
        .then(() => polls[what].push(performance.now() - started))
        .catch(() => polls.failed++);
    }, everyMs);
  const today = new Date(new Date().toISOString().slice(0, 10)).toISOString();
  const pollers = [
    poll('overview', 15_000, () => '/command-centre/overview', operator.token),
    poll('kpis', 30_000, () => `/kpis?from=${today}&to=${new Date().toISOString()}&group_by=street`, admin.token),
  ];

  // One probe: a detector alarms; the time until its incident is on the worker's stream.
  let probeN = 0;
  const probe = async (): Promise<number | undefined> => {
    const id = `smoke-p${count}-${probeN++}`;
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: id,
      username: id,
      password: DEVICE_PASSWORD,
    });
    const on = new Promise<number>((resolve) => {
      arrived = resolve;
    });
    const started = performance.now();
    await device.publishAsync(`gridlink/${id}/event/alarm`, JSON.stringify({ ts: new Date().toISOString() }), {
      qos: 1,
    });
    const at = await Promise.race([on, sleep(30_000).then(() => undefined)]);
    arrived = undefined;
    await device.endAsync();
    return at === undefined ? undefined : at - started;
  };
  const probing: { phase: 'steady' | 'storm' | 'idle'; done: boolean } = { phase: 'idle', done: false };
  const latency = { steady: [] as number[], storm: [] as number[], missed: 0 };
  /** Runs `work` again and again while a phase is on (steady or storm), until the probing is done. */
  const duringPhases = async (work: (phase: 'steady' | 'storm') => Promise<void>) => {
    while (!probing.done) {
      const phase = probing.phase;
      if (phase === 'idle') await sleep(100);
      else await work(phase);
    }
  };
  const prober = duringPhases(async (phase) => {
    const ms = await probe();
    if (ms === undefined) latency.missed++;
    else latency[phase].push(ms);
    await sleep(phase === 'steady' ? 1000 : 250);
  });

  // The loop as its people work it, over HTTP, one incident after another: the district operator
  // reports (a hotline call), accepts, files and dispatches to the walk grid's worker, who signs
  // and finishes; the operator checks, passes and closes. Each action's round trip, by phase.
  const loopActions = ['accept', 'file', 'dispatch', 'sign', 'finish', 'startCheck', 'pass', 'close'] as const;
  const actionTimes = { steady: new Map<string, number[]>(), storm: new Map<string, number[]>(), failed: 0 };
  let walkN = 0;
  const walk = async (phase: 'steady' | 'storm') => {
    const n = walkN++;
    const base = urlOf(active[n % count] as BrokerUnderTest);
    const timed = async (action: string, work: () => Promise<unknown>) => {
      const started = performance.now();
      await work();
      const ms = performance.now() - started;
      const times = actionTimes[phase];
      times.set(action, [...(times.get(action) ?? []), ms]);
    };
    const { incident } = await call<{ incident: { id: string } }>(
      'POST',
      '/incidents',
      operator.token,
      {
        request_id: `bench-walk-${count}-${n}`,
        source: 'hotline_12345',
        category: 'livelihood.water_leak',
        severity: 'minor',
        title: '楼道漏水',
        community: probeCommunity.code,
        grid: walkGrid,
      },
      base,
    );
    for (const action of loopActions) {
      const token = action === 'sign' || action === 'finish' ? walkWorker.token : operator.token;
      const body = {
        action,
        request_id: `bench-walk-${count}-${n}-${action}`,
        ...(action === 'dispatch' ? { data: { assignee: walkWorker.id } } : {}),
        ...(action === 'finish' ? { comment: '已修复' } : {}),
      };
      await timed(action, () => call('POST', `/incidents/${incident.id}/transitions`, token, body, base));
    }
  };
  const walker = duringPhases(async (phase) => {
    await walk(phase).catch((error: unknown) => {
      actionTimes.failed++;
      if (actionTimes.failed === 1) console.log(`  a walk through the loop failed: ${String(error)}`);
    });
    await sleep(250);
  });

  const status = async () => JSON.parse(await fleet.ask('STATUS', 'STATUS')) as Status;
  const cpuOf = () => [
    ...active.map((r) => processCpuSeconds(r.pid)),
    postgresCpuSeconds(directory),
    processCpuSeconds(fleet.pid),
  ];
  // Each table's size with its indexes and its partitions (counted under the partitioned table).
  const tableSizes = async () =>
    new Map(
      (
        await sql<{ name: string; size: string }>(
          `SELECT COALESCE(p.relname, c.relname) AS name, sum(pg_total_relation_size(c.oid)) AS size
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            GROUP BY 1`,
        )
      ).map((row) => [row.name, Number(row.size)]),
    );
  const databaseSize = async () => {
    const [{ size } = { size: '0' }] = await sql<{ size: string }>(
      'SELECT pg_database_size(current_database()) AS size',
    );
    return Number(size);
  };
  const [{ n: incidentsBefore } = { n: 0 }] = await sql<{ n: string }>('SELECT count(*) AS n FROM incidents');

  console.log(`  (steady for ${DURATION} s, then the storm and the power cut)`);
  fleet.send('RUN');
  await sleep(5000); // warm-up
  const before = await status();
  const sizeBefore = await databaseSize();
  const tablesBefore = await tableSizes();
  const cpuBefore = cpuOf();
  const wallBefore = performance.now();
  probing.phase = 'steady';
  await sleep(DURATION * 1000);
  probing.phase = 'idle';
  const steady = await status();
  const sizeSteady = await databaseSize();
  const tablesSteady = await tableSizes();
  const walksSteady = walkN;
  const steadySeconds = (performance.now() - wallBefore) / 1000;

  // The storm and the power cut, then every link back at once.
  const replayed = fleet.next('REPLAYED');
  fleet.send(`STORM ${STORM}`);
  fleet.send('CUT');
  await sleep(CUT_S * 1000);
  fleet.send('RESTORE');
  probing.phase = 'storm';
  const replay = (await Promise.race([replayed.then((line) => JSON.parse(line)), sleep(REPLAY_MAX_S * 1000)])) as
    | { backlog: number; seconds: number }
    | undefined;
  // At least a few storm probes, however soon the replay ended.
  const stormEnd = performance.now() + 30_000;
  while (latency.storm.length + latency.missed < 5 && performance.now() < stormEnd) await sleep(100);
  probing.done = true;
  await prober;
  await walker;
  const storm = await status();
  fleet.send('PAUSE');
  const emptied = await Promise.race([fleet.ask('DRAIN', 'DRAINED').then(() => true), sleep(DRAIN_MAX_S * 1000)]);
  const drained = await status();
  const cpuAfter = cpuOf();
  const wall = (performance.now() - wallBefore) / 1000;
  const tally = JSON.parse(await fleet.ask('TALLY', 'TALLY')) as {
    delivered: number;
    waiting: number;
    mustDeliver: number;
    lost: number;
    duplicates: number;
    retries: number;
    quarantined: number;
    file: string;
  };
  // Every id the cloud acknowledged, looked up in gateway_events by its gateway and id.
  const acknowledged = JSON.parse(readFileSync(tally.file, 'utf8')) as Array<[string, string[]]>;
  const pairs = acknowledged.flatMap(([gatewayId, ids]) => ids.map((id) => [gatewayId, id] as const));
  const [{ found } = { found: 0 }] = await sql<{ found: string }>(
    `SELECT count(*) AS found FROM gateway_events g
       JOIN unnest($1::text[], $2::text[]) AS a(gateway_id, id) ON g.gateway_id = a.gateway_id AND g.id = a.id`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
  );

  const [{ n: incidentsAfter } = { n: 0 }] = await sql<{ n: string }>('SELECT count(*) AS n FROM incidents');
  const [stored = { rows: 0, ids: 0 }] = await sql<{ rows: string; ids: string }>(
    'SELECT count(*) AS rows, count(DISTINCT (gateway_id, id)) AS ids FROM gateway_events WHERE gateway_id LIKE $1',
    [`gw-${count}r-%`],
  );
  for (const timer of pollers) clearInterval(timer);
  for (const stream of streams) stream.close();
  await gateway.stop();
  await fleet.stop();

  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const [steadyLat, stormLat, overview, kpis] = [latency.steady, latency.storm, polls.overview, polls.kpis].map(sorted);
  const pp = (xs: number[] = []) =>
    `p50 ${fmt(percentile(xs, 50))} ms, p99 ${fmt(percentile(xs, 99))} ms (${xs.length})`;
  // Lost: acknowledged but not stored, or an alarm/state event neither acknowledged nor waiting.
  // Stored twice: a row count above the distinct ids. Stored but unacknowledged is allowed: a
  // request that timed out or was cut after the cloud took it (resent, it is answered duplicate).
  const ok = Number(found) === tally.delivered && Number(stored.rows) === Number(stored.ids);
  const cpu = (i: number) => fmt(((cpuAfter[i] ?? 0) - (cpuBefore[i] ?? 0)) / wall, 2);
  // Over the steady window only: the storm and the replay are not a day's share of anything.
  const steadySimMs = Math.max(1, steady.simMs - before.simMs);
  const growth = ((sizeSteady - sizeBefore) * 86_400_000) / steadySimMs;
  const lines = [
    `${count} replica${count > 1 ? 's' : ''} (load at end ${load()})`,
    `  ${'events taken, steady'.padEnd(36)} ${fmt((steady.delivered - before.delivered) / steadySeconds)} events/s (offered ≈ ${fmt((GATEWAYS * DistrictTraffic.perGatewayDay() * FACTOR) / 86_400)})`,
    `  ${'batch POST latency, steady'.padEnd(36)} p50 ${fmt(steady.p50)} ms, p99 ${fmt(steady.p99)} ms (${fmt(steady.requests)} requests)`,
    `  ${'batch POST latency, storm and replay'.padEnd(36)} p50 ${fmt(storm.p50)} ms, p99 ${fmt(storm.p99)} ms (${fmt(storm.requests)} requests)`,
    `  ${'replay after the power cut'.padEnd(36)} ${
      replay
        ? `${fmt(replay.backlog)} alarm/state events waiting in ${CUT} gateways, all delivered ${fmt(replay.seconds, 1)} s after the links came back`
        : `not done within ${REPLAY_MAX_S} s: ${fmt(storm.replayLeft)} events still waiting (REPLAY_MAX_S)`
    }`,
    `  ${'incidents created'.padEnd(36)} ${fmt(Number(incidentsAfter) - Number(incidentsBefore))} (${fmt(drained.raised)} alerts raised, probes included: ${latency.steady.length + latency.storm.length})`,
    `  ${'alarm PUBLISH → worker stream, steady'.padEnd(36)} ${pp(steadyLat)}; target p99 < 1,000 ms`,
    `  ${'alarm PUBLISH → worker stream, storm'.padEnd(36)} ${pp(stormLat)}; target p99 < 2,000 ms${latency.missed > 0 ? `; ${latency.missed} never arrived` : ''}`,
    ...(['steady', 'storm'] as const).map((phase) => {
      const times = actionTimes[phase];
      const all = sorted([...times.values()].flat());
      const byAction = loopActions.map((action) => `${action} ${fmt(percentile(sorted(times.get(action) ?? []), 99))}`);
      const failed = phase === 'storm' && actionTimes.failed > 0 ? `; ${actionTimes.failed} walks failed` : '';
      return `  ${`transition round trip, ${phase}`.padEnd(36)} ${pp(all)}; p99 by action ${byAction.join(', ')} ms; target p99 < 20 ms${failed}`;
    }),
    `  ${'CPU per replica (CPU s / wall s)'.padEnd(36)} ${active.map((_, i) => cpu(i)).join(' / ')} over ${fmt(wall)} s (PostgreSQL ${cpu(count)}, the gateways' process ${cpu(count + 1)})`,
    `  ${'PostgreSQL growth, steady'.padEnd(36)} ${fmt((sizeSteady - sizeBefore) / 1048576, 1)} MiB over ${fmt(steadySimMs / 3_600_000, 2)} simulated h = ${fmt(growth / 1048576)} MiB a simulated day`,
    `  ${'growth by table, a simulated day'.padEnd(36)} ${[...tablesSteady]
      .map(([name, size]) => [name, ((size - (tablesBefore.get(name) ?? 0)) * 86_400_000) / steadySimMs] as const)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, bytes]) => `${name} ${fmt(bytes / 1048576)} MiB`)
      .join(
        ', ',
      )} (with indexes and partitions; the walks through the loop, ${fmt(walksSteady)} in the steady window, write steps and audit rows far above a district's day)`,
    `  ${'polls: overview / KPIs'.padEnd(36)} ${pp(overview)} / ${pp(kpis)}${polls.failed > 0 ? `; ${polls.failed} failed` : ''}`,
    `  ${'incident stream frames'.padEnd(36)} ${streams.map((s) => fmt(s.frames)).join(' / ')} (the probe grid's worker, the district operator, three grid workers)`,
    `  ${'correctness'.padEnd(36)} ${fmt(tally.delivered)} event ids acknowledged, ${fmt(Number(found))} of them stored; ${fmt(Number(stored.rows))} rows for these gateways, ${fmt(Number(stored.ids))} distinct: ${ok ? 'each stored once' : 'MISMATCH'}; ${fmt(Number(stored.rows) - tally.delivered)} stored but not acknowledged (requests timed out, cut, or in flight when the senders stopped), ${fmt(tally.waiting)} still waiting in outboxes; ${fmt(tally.lost)} of ${fmt(tally.mustDeliver)} alarm/state events lost; ${fmt(tally.retries)} failed attempts retried, ${fmt(tally.duplicates)} answered as duplicates, ${fmt(tally.quarantined)} refused`,
  ];
  for (const line of lines) console.log(line);
  if (!emptied)
    console.log(
      `  the outboxes still held ${fmt(drained.depth)} events ${DRAIN_MAX_S} s after the load stopped (DRAIN_MAX_S): the cloud did not keep up`,
    );
  if (!ok || tally.lost > 0 || tally.quarantined > 0) process.exitCode = 1;
}

await db.end();
for (const replica of replicas) await replica.stop();
await postgres.stop();
rmSync(dataRoot, { recursive: true, force: true });
console.log(`load average at end ${load()}`);
