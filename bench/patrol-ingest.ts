/**
 * A district's daytime of patrols: WORKERS grid workers (one per grid) each on a patrol, each
 * posting a batch of positions every 10 s (one fix a batch: ≈ WORKERS / 10 positions/s) and
 * checking in at a checkpoint every few minutes, for DURATION_S seconds at the real pace. Printed:
 * ingest latency per batch (p50/p99), check-in latency, a supervisor's live map of the 200 workers
 * of one street (p50/p99, requested every 2 s during the load), and the positions' storage per
 * worker-day (table and indexes, measured on what the load stored). The cloud runs in this
 * process (latencies are request round trips on localhost: server time plus a loopback hop);
 * PostgreSQL is the testkit's throwaway Debian instance (fsync off).
 *
 *   npm run bench patrol-ingest            (DURATION_S=60 WORKERS=1300 by default)
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CloudConfig, startCloud, TerritoryStore } from '@gridlink/cloud';
import { pino } from 'pino';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt, percentile } from './lib/stats.js';

const WORKERS = Number(process.env.WORKERS ?? 1300);
const DURATION_S = Number(process.env.DURATION_S ?? 60);
const INTERVAL_MS = 10_000;
/** A check-in every this many batches per worker (every 2.5 min at 10 s). */
const CHECKIN_EVERY = 15;
const ADMIN = 'bench-admin-token-0123456789abcdef-0123456789';
/** A worker's day on patrol: 8 hours of fixes every 10 s. */
const PATROL_HOURS = 8;

const server = await startBenchPostgres('bench');
const config = CloudConfig.parse({
  http: { host: '127.0.0.1', port: 0 },
  database: { url: server.url },
  auth: { admin_token: ADMIN },
  log: { level: 'silent' },
});
const cloud = await startCloud(config, pino({ level: 'silent' }));
const db = cloud.db;

// The district: street 001 holds the first 200 grids (8 communities of 25), the other grids are in
// streets 002–005; each grid a 0.002° square on a lattice, one worker, one route of 4 checkpoints.
const pad = (n: number) => String(n).padStart(3, '0');
const grids = Array.from({ length: WORKERS }, (_, g) => {
  const community = Math.floor(g / 25);
  const street = community < 8 ? 1 : 2 + Math.floor((community - 8) / 11);
  const code = `320803${pad(street)}${pad(community + 1)}${pad((g % 25) + 1)}`;
  const west = 119.0 + (g % 40) * 0.002;
  const south = 33.4 + Math.floor(g / 40) * 0.002;
  return { code, street: `320803${pad(street)}`, community: code.slice(0, 12), west, south };
});
const setupStarted = performance.now();
const territory = new TerritoryStore(db);
await territory.upsertUnits([
  { code: '320803', nameZh: '淮安区' },
  ...[...new Set(grids.map((g) => g.street))].map((code) => ({ code, nameZh: `街道${code.slice(6)}` })),
  ...[...new Set(grids.map((g) => g.community))].map((code) => ({ code, nameZh: `社区${code.slice(9)}` })),
  ...grids.map((g) => ({ code: g.code, nameZh: `网格${g.code.slice(12)}` })),
]);
const square = (w: number, s: number): { type: 'Polygon'; coordinates: [number, number][][] } => ({
  type: 'Polygon',
  coordinates: [
    [
      [w, s],
      [w + 0.002, s],
      [w + 0.002, s + 0.002],
      [w, s + 0.002],
      [w, s],
    ],
  ],
});
for (const g of grids)
  await territory.addPolygon(g.code, square(g.west, g.south), new Date('2025-01-01T00:00:00+08:00'));

const sha = (token: string) => createHash('sha256').update(token).digest('hex');
const tokens = grids.map(() => randomBytes(24).toString('base64url'));
const now = new Date();
const expires = new Date(now.getTime() + 86_400_000);
await db.query(
  `INSERT INTO users (id, username, display_name, territory_code, password_hash, created_at)
   SELECT 'w' || i, 'bench-w' || i, '网格员' || i, c, 'unused', now() FROM unnest($1::text[]) WITH ORDINALITY AS u(c, i)`,
  [grids.map((g) => g.community)],
);
await db.query(
  `INSERT INTO role_assignments (user_id, role, scope, created_at)
   SELECT 'w' || i, 'grid_worker', c, now() FROM unnest($1::text[]) WITH ORDINALITY AS u(c, i)`,
  [grids.map((g) => g.code)],
);
await db.query(
  `INSERT INTO user_sessions (token_sha256, user_id, started_at, last_used_at, expires_at)
   SELECT t, 'w' || i, $2, $2, $3 FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i)`,
  [tokens.map(sha), now, expires],
);
const supervisorToken = randomBytes(24).toString('base64url');
await db.query(
  `INSERT INTO users (id, username, display_name, territory_code, password_hash, created_at)
   VALUES ('op', 'bench-op', '调度员', '320803001', 'unused', now())`,
);
await db.query(
  "INSERT INTO role_assignments (user_id, role, scope, created_at) VALUES ('op', 'operator', '320803001', now())",
);
await db.query(
  `INSERT INTO user_sessions (token_sha256, user_id, started_at, last_used_at, expires_at) VALUES ($1, 'op', $2, $2, $3)`,
  [sha(supervisorToken), now, expires],
);
// Checkpoints: 4 corners inside the grid, 40 m radius.
const corner = (g: (typeof grids)[number], k: number) => ({
  lon: g.west + 0.0005 + (k % 2) * 0.001,
  lat: g.south + 0.0005 + Math.floor(k / 2) * 0.001,
});
await db.query(
  `INSERT INTO patrol_routes (id, grid_code, name, rounds_per_day, windows, created_by, created_at, updated_at)
   SELECT 'route-' || c, c, '日常巡查', 2, '[]'::jsonb, 'op', now(), now() FROM unnest($1::text[]) AS u(c)`,
  [grids.map((g) => g.code)],
);
for (let k = 0; k < 4; k++) {
  await db.query(
    `INSERT INTO patrol_checkpoints (id, route_id, grid_code, seq, name, kind, lon, lat, radius_m)
     SELECT 'cp-' || c || '-' || $4::int, 'route-' || c, c, $4::int + 1, '点位', 'point', lo, la, 40
       FROM unnest($1::text[], $2::float8[], $3::float8[]) AS u(c, lo, la)`,
    [grids.map((g) => g.code), grids.map((g) => corner(g, k).lon), grids.map((g) => corner(g, k).lat), k],
  );
}

async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${cloud.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const sessions: string[] = [];
for (const [i, g] of grids.entries()) {
  const started = await call(tokens[i] as string, 'POST', '/api/v1/patrol/sessions', {
    request_id: `bench-${i}`,
    route_id: `route-${g.code}`,
  });
  if (started.status !== 201) throw new Error(`start ${i}: ${started.status} ${JSON.stringify(started.body)}`);
  sessions.push((started.body as { session: { id: string } }).session.id);
}
console.log(
  `setup: ${WORKERS} grids with areas, workers, routes and running patrols in ${fmt((performance.now() - setupStarted) / 1000, 1)} s`,
);

// Each worker walks round its grid's square: 4 m/s at most, so check-ins are plausible.
const positionOf = (i: number, step: number) => {
  const g = grids[i] as (typeof grids)[number];
  const k = Math.floor(step / CHECKIN_EVERY) % 4;
  const target = corner(g, k);
  const wobble = ((step % CHECKIN_EVERY) - CHECKIN_EVERY / 2) * 0.00002;
  return { lon: target.lon + wobble, lat: target.lat };
};

const ingest: number[] = [];
const checkins: number[] = [];
const live: number[] = [];
let refused = 0;
let flagged = 0;
let errors = 0;
const rounds = Math.max(1, Math.round((DURATION_S * 1000) / INTERVAL_MS));
const loadStarted = performance.now();
const pending: Promise<void>[] = [];
let liveWorkers = 0;

const liveLoop = (async () => {
  while (performance.now() - loadStarted < rounds * INTERVAL_MS) {
    const t = performance.now();
    const answer = await call(supervisorToken, 'GET', '/api/v1/patrol/live?territory=320803001');
    live.push(performance.now() - t);
    liveWorkers = (answer.body as { workers: unknown[] }).workers.length;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
})();

for (let step = 0; step < rounds; step++) {
  for (let i = 0; i < WORKERS; i++) {
    const due = loadStarted + step * INTERVAL_MS + (i * INTERVAL_MS) / WORKERS;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const token = tokens[i] as string;
    const session = sessions[i] as string;
    const at = new Date().toISOString();
    const position = positionOf(i, step);
    pending.push(
      (async () => {
        const t = performance.now();
        const answer = await call(token, 'POST', `/api/v1/patrol/sessions/${session}/positions`, {
          batch_id: `b-${step}`,
          sent_at: at,
          positions: [{ at, ...position, accuracy_m: 8 }],
        });
        ingest.push(performance.now() - t);
        if (answer.status !== 200) errors++;
        else refused += (answer.body as { refused: unknown[] }).refused.length;
        if (step % CHECKIN_EVERY === CHECKIN_EVERY - 1 - (i % CHECKIN_EVERY)) {
          const k = Math.floor(step / CHECKIN_EVERY) % 4;
          const c = performance.now();
          const checked = await call(token, 'POST', `/api/v1/patrol/sessions/${session}/checkins`, {
            request_id: `c-${step}`,
            checkpoint_id: `cp-${grids[i]?.code}-${k}`,
            at: new Date().toISOString(),
            ...position,
            accuracy_m: 8,
          });
          checkins.push(performance.now() - c);
          if (checked.status !== 201) errors++;
          else if ((checked.body as { checkin: { flags: string[] } }).checkin.flags.length > 0) flagged++;
        }
      })(),
    );
  }
}
await Promise.all(pending);
await liveLoop;
const seconds = (performance.now() - loadStarted) / 1000;

const { rows } = await db.query<{ positions: number; table_bytes: number; total_bytes: number }>(
  `SELECT (SELECT count(*) FROM patrol_positions)::int AS positions,
          pg_relation_size('patrol_positions')::float8 AS table_bytes,
          pg_total_relation_size('patrol_positions')::float8 AS total_bytes`,
);
const stored = rows[0] as { positions: number; table_bytes: number; total_bytes: number };
const perDay = (PATROL_HOURS * 3600 * 1000) / INTERVAL_MS;
const trajectoryStarted = performance.now();
const trajectory = await call(tokens[0] as string, 'GET', `/api/v1/patrol/sessions/${sessions[0]}/trajectory`);
const trajectoryMs = performance.now() - trajectoryStarted;
// Ending a patrol packs its fixes (14 bytes each) into one row: the storage of a finished day.
const endStarted = performance.now();
for (const [i, session] of sessions.entries())
  await call(tokens[i] as string, 'POST', `/api/v1/patrol/sessions/${session}/end`, {});
const endMs = (performance.now() - endStarted) / sessions.length;
const { rows: packedRows } = await db.query<{ points: number; total_bytes: number; rows_left: number }>(
  `SELECT (SELECT coalesce(sum(points), 0) FROM patrol_tracks)::int AS points,
          pg_total_relation_size('patrol_tracks')::float8 AS total_bytes,
          (SELECT count(*) FROM patrol_positions)::int AS rows_left`,
);
const packed = packedRows[0] as { points: number; total_bytes: number; rows_left: number };

// One full worker-day: a patrol of PATROL_HOURS with a fix every 10 s (a seeded walk round the
// grid with GPS noise), ended (packed), then read back as the worker's trajectory.
const day = await call(tokens[0] as string, 'POST', '/api/v1/patrol/sessions', {
  request_id: 'bench-day',
  route_id: `route-${grids[0]?.code}`,
  started_at: new Date(Date.now() - PATROL_HOURS * 3_600_000).toISOString(),
});
const daySession = Number((day.body as { session: { id: string } }).session.id);
await db.query(
  `INSERT INTO patrol_positions (session_id, at, lon_e7, lat_e7, accuracy_dm)
   SELECT $1, now() - ($2 - n) * interval '10 seconds',
          (1190000000 + 10000 * sin(n / 90.0) + (hashint4(n) % 30))::int,
          (334000000 + 10000 * cos(n / 90.0) + (hashint4(n + 7) % 30))::int,
          (50 + abs(hashint4(n) % 100))::smallint
     FROM generate_series(1, $2) AS n`,
  [daySession, perDay],
);
const dayRead = performance.now();
const full = await call(tokens[0] as string, 'GET', `/api/v1/patrol/sessions/${daySession}/trajectory`);
const dayReadMs = performance.now() - dayRead;
await call(tokens[0] as string, 'POST', `/api/v1/patrol/sessions/${daySession}/end`, {});
const { rows: dayRows } = await db.query<{ row_bytes: number; packed_bytes: number; points: number }>(
  'SELECT pg_column_size(t.*) AS row_bytes, pg_column_size(packed) AS packed_bytes, points FROM patrol_tracks t WHERE session_id = $1',
  [daySession],
);
const dayTrack = dayRows[0] as { row_bytes: number; packed_bytes: number; points: number };
const fullBody = full.body as { points: unknown[]; display: { drawn: number } };

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const [a, b, c] = [sorted(ingest), sorted(checkins), sorted(live)];
console.log(
  `patrol ingest → PostgreSQL (fsync off), Node ${process.version}, ${cpus().length} CPUs (load ${loadavg()[0]?.toFixed(1)}), ${WORKERS} workers × a batch every ${INTERVAL_MS / 1000} s for ${fmt(seconds, 0)} s`,
);
console.log(
  `  ${'positions/s stored'.padEnd(34)} ${fmt(stored.positions / seconds, 1)} (${stored.positions} positions, ${refused} refused, ${errors} errors)`,
);
console.log(
  `  ${'ingest per batch p50 / p99'.padEnd(34)} ${fmt(percentile(a, 50), 1)} / ${fmt(percentile(a, 99), 1)} ms (${a.length} batches); target p99 < 50 ms`,
);
console.log(
  `  ${'check-in p50 / p99'.padEnd(34)} ${fmt(percentile(b, 50), 1)} / ${fmt(percentile(b, 99), 1)} ms (${b.length} check-ins, ${flagged} flagged)`,
);
console.log(
  `  ${'live map of a street p50 / p99'.padEnd(34)} ${fmt(percentile(c, 50), 1)} / ${fmt(percentile(c, 99), 1)} ms (${liveWorkers} workers, ${c.length} reads under load); target < 200 ms`,
);
console.log(
  `  ${'running patrol, per fix (rows)'.padEnd(34)} ${fmt(stored.table_bytes / stored.positions, 0)} B table, ${fmt(stored.total_bytes / stored.positions, 0)} B with its index`,
);
console.log(
  `  ${'ended patrols, per fix (packed)'.padEnd(34)} ${fmt(packed.total_bytes / packed.points, 1)} B (${packed.points} fixes in ${sessions.length} short tracks, row overhead included; ${packed.rows_left} rows left; end ${fmt(endMs, 1)} ms)`,
);
console.log(
  `  ${'trajectory per worker-day'.padEnd(34)} ${fmt(dayTrack.row_bytes)} B packed (${dayTrack.points} fixes, ${PATROL_HOURS} h at ${INTERVAL_MS / 1000} s: ${fmt(dayTrack.row_bytes / dayTrack.points, 1)} B/fix); ${fmt(((stored.total_bytes / stored.positions) * perDay) / 1024, 0)} KiB while in rows`,
);
console.log(
  `  ${'a worker-day’s trajectory read'.padEnd(34)} ${fmt(dayReadMs, 1)} ms (${fullBody.points.length} points replayed, ${fullBody.display.drawn} drawn after simplification)`,
);
console.log(
  `  ${'one short trajectory read'.padEnd(34)} ${fmt(trajectoryMs, 1)} ms (${(trajectory.body as { points: unknown[] }).points.length} points, HTTP ${trajectory.status})`,
);
void dayTrack.packed_bytes;

await cloud.stop();
await server.stop();
