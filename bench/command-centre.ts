/**
 * The district command screen (指挥大屏) with INCIDENTS open incidents (10,000 by default) across a
 * district of 10 streets × 10 communities × 10 grids, each grid a square area, GATEWAYS gateways:
 *
 * - server: `GET /api/v1/command-centre/overview` as a district operator, RUNS times after a
 *   warm-up: p50 / p99 of the answer's time (HTTP on this machine, the body read), and its size;
 * - page: `#/command` in Chromium at 1920×1080, cold loads (a new browser context each): time to
 *   interactive, from navigation start to the map drawn with every pin and the live link open,
 *   median of LOADS;
 * - live: an urgent incident raised through the API until its line is on the screen's ticker,
 *   p50 / p99 of RAISES; then a burst of BURST state changes (accept) sent 8 at a time, and the
 *   longest frame the page took meanwhile (requestAnimationFrame gaps).
 *
 * The incidents are inserted by SQL in the shape the engine writes (report, accept, file, dispatch,
 * sign; a tenth still reported, a third with a phone's point), started over the last 10 days so the
 * limits' lights differ. PostgreSQL is the testkit's throwaway Debian instance (fsync off).
 *
 *   npm run bench command-centre        (INCIDENTS=2000 RUNS=20 for a quick run)
 */
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { CloudConfig, startCloud } from '@gridlink/cloud';
import { pino } from 'pino';
import { chromium, type Page } from 'playwright-core';
import { cachedBuild } from '../cloud/src/web/bundle.js';
import { ownCpuSeconds, postgresCpuSeconds } from './lib/cpu.js';
import { startBenchPostgres } from './lib/postgres.js';
import { fmt, percentile } from './lib/stats.js';

const INCIDENTS = Number(process.env.INCIDENTS ?? 10_000);
const GATEWAYS = Number(process.env.GATEWAYS ?? 200);
const RUNS = Number(process.env.RUNS ?? 50);
const LOADS = Number(process.env.LOADS ?? 5);
const RAISES = Number(process.env.RAISES ?? 20);
const BURST = Number(process.env.BURST ?? 300);
const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const ADMIN = 'bench-admin-token-0123456789abcdef-0123456789';
const PASSWORD = 'bench password for the wall screen';
const DISTRICT = '320803';

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' / ');
console.log(`machine: ${cpus().length} cores, load average (1/5/15 min) at start ${load()}`);
if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM} (GRIDLINK_CHROMIUM)`);

// The pages are built before anything is timed (the cloud would build them on first request).
await cachedBuild();
const server = await startBenchPostgres('bench');
const config = CloudConfig.parse({
  http: { host: '127.0.0.1', port: 0 },
  database: { url: server.url },
  auth: { admin_token: ADMIN },
  log: { level: 'silent' },
});
const cloud = await startCloud(config, pino({ level: 'silent' }), {
  maintenanceSweepMs: 86_400_000,
  dispatchSweepMs: 3_600_000,
});
const sql = (text: string, params: unknown[] = []) => cloud.db.query(text, params);

async function call<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${cloud.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

// ——— the district: 10 streets × 10 communities × 10 grids, squares of ~600 m ———
const seeded = performance.now();
await sql(
  `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en)
   SELECT $1, 'district', NULL, '淮安区', 'Huai''an District'
   UNION ALL SELECT $1 || lpad(s::text, 3, '0'), 'street', $1, '第' || s || '街道', NULL FROM generate_series(1, 10) s
   UNION ALL SELECT $1 || lpad(s::text, 3, '0') || lpad(c::text, 3, '0'), 'community', $1 || lpad(s::text, 3, '0'),
                    '第' || s || '街道' || c || '社区', NULL FROM generate_series(1, 10) s, generate_series(1, 10) c
   UNION ALL SELECT $1 || lpad(s::text, 3, '0') || lpad(c::text, 3, '0') || lpad(g::text, 3, '0'), 'grid',
                    $1 || lpad(s::text, 3, '0') || lpad(c::text, 3, '0'), s || '-' || c || '-' || g || '网格', NULL
               FROM generate_series(1, 10) s, generate_series(1, 10) c, generate_series(1, 10) g`,
  [DISTRICT],
);
// Grid (s, c, g) at column (c-1)*10 + g-1 … a 100 × 10 lattice of squares 0.006° wide.
await sql(
  `INSERT INTO territory_polygons (unit_code, valid_from, area, min_lon, min_lat, max_lon, max_lat)
   SELECT code, '2026-01-01T00:00:00Z',
          jsonb_build_object('type', 'Polygon', 'coordinates', jsonb_build_array(jsonb_build_array(
            jsonb_build_array(x, y), jsonb_build_array(x + 0.006, y), jsonb_build_array(x + 0.006, y + 0.006),
            jsonb_build_array(x, y + 0.006), jsonb_build_array(x, y)))),
          x, y, x + 0.006, y + 0.006
     FROM (SELECT $1 || lpad(s::text, 3, '0') || lpad(c::text, 3, '0') || lpad(g::text, 3, '0') AS code,
                  118.95 + ((c - 1) * 10 + g - 1) % 40 * 0.006 AS x,
                  33.45 + (s - 1) * 0.018 + ((c - 1) * 10 + g - 1) / 40 * 0.006 AS y
             FROM generate_series(1, 10) s, generate_series(1, 10) c, generate_series(1, 10) g) AS cells`,
  [DISTRICT],
);

// ——— the open incidents, in the engine's shape ———
const CATEGORIES = [
  'urban_management.exposed_garbage',
  'urban_management.illegal_construction',
  'urban_management.manhole_cover',
  'safety.fire_lane',
  'livelihood',
  'other',
  'emergency.gas_leak',
];
const SOURCES = ['patrol', 'hotline_12345', 'resident', 'iot', 'property', 'transfer_110', 'petition', 'leader'];
const now = Date.now();
await sql(
  `INSERT INTO incidents (id, state, category_code, severity, urgent, source, community, grid, intake_request_id,
          first_occurred_at, last_occurred_at, title, created_at, updated_at, version, position_lon, position_lat)
   SELECT 'INC-B-' || lpad(n::text, 6, '0'),
          CASE WHEN n % 10 = 0 THEN 'REPORTED' ELSE 'IN_PROGRESS' END,
          ($4::text[])[1 + n % array_length($4::text[], 1)],
          CASE WHEN n % 97 = 0 THEN 'critical' WHEN n % 5 = 0 THEN 'major' ELSE 'minor' END,
          n % 97 = 0,
          ($5::text[])[1 + n % array_length($5::text[], 1)],
          substr(grid, 1, 12), grid, 'bench:' || n, t, t, '事件 ' || n, t, t,
          CASE WHEN n % 10 = 0 THEN 1 ELSE 5 END,
          CASE WHEN n % 3 = 0 THEN x + 0.0005 + (n * 37 % 100) * 0.00005 END,
          CASE WHEN n % 3 = 0 THEN y + 0.0005 + (n * 53 % 100) * 0.00005 END
     FROM generate_series(1, $1::int) AS n,
          LATERAL (SELECT $2::timestamptz - (n * 864000.0 / $1::int)::float8 * interval '1 second' AS t) AS time,
          LATERAL (SELECT unit_code AS grid, min_lon AS x, min_lat AS y FROM territory_polygons
                    WHERE unit_code LIKE $3 || '%' AND length(unit_code) = 15
                    ORDER BY unit_code OFFSET (n * 7919) % 1000 LIMIT 1) AS place`,
  [INCIDENTS, new Date(now), DISTRICT, CATEGORIES, SOURCES],
);
const STEPS: Array<[string, string | null, string, number]> = [
  ['report', null, 'REPORTED', 0],
  ['accept', 'REPORTED', 'ACCEPTED', 0.1],
  ['file', 'ACCEPTED', 'FILED', 0.2],
  ['dispatch', 'FILED', 'DISPATCHED', 0.5],
  ['sign', 'DISPATCHED', 'IN_PROGRESS', 1],
];
await sql(
  `INSERT INTO incident_steps (incident_id, seq, request_id, action, from_state, to_state, version, actor, role, data, at)
   SELECT i.id, a.k, 'r' || a.k, a.action, a.from_state, a.to_state, a.k, 'op-bench', 'operator',
          CASE WHEN a.action = 'dispatch' THEN '{"assignee":"worker-bench"}'::jsonb ELSE '{}'::jsonb END,
          i.created_at + a.hours * interval '1 hour'
     FROM incidents i,
          unnest($1::text[], $2::text[], $3::text[], $4::float8[]) WITH ORDINALITY AS a(action, from_state, to_state, hours, k)
    WHERE i.id LIKE 'INC-B-%' AND (i.state = 'IN_PROGRESS' OR a.k = 1)`,
  [STEPS.map((s) => s[0]), STEPS.map((s) => s[1]), STEPS.map((s) => s[2]), STEPS.map((s) => s[3])],
);
await sql('ANALYZE');
for (let g = 0; g < GATEWAYS; g++) {
  const community = `${DISTRICT}${String(1 + (g % 10)).padStart(3, '0')}${String(1 + (Math.floor(g / 10) % 10)).padStart(3, '0')}`;
  await cloud.registry.register(`gw-bench-${g}`, `网关 ${g}`, community);
}
await call('POST', '/users', ADMIN, {
  username: 'bench-desk',
  display_name: '值班长',
  territory_code: DISTRICT,
  password: PASSWORD,
  roles: [{ role: 'operator', scope: DISTRICT }],
});
const session = await fetch(`${cloud.url}/api/v1/sessions`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'bench-desk', password: PASSWORD }),
}).then((r) => r.json() as Promise<{ token: string; user: unknown }>);
const token = session.token;
console.log(
  `seeded ${fmt(INCIDENTS)} open incidents, 1,000 grids, ${GATEWAYS} gateways in ${fmt((performance.now() - seeded) / 1000, 1)} s`,
);

// ——— server: the overview ———
interface Overview {
  open: { total: number; by_light: Record<string, number> };
  pins: { id: string[] };
}
const timeOverview = async () => {
  const started = performance.now();
  const response = await fetch(`${cloud.url}/api/v1/command-centre/overview`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`overview: HTTP ${response.status} ${body}`);
  return { ms: performance.now() - started, body };
};
const warm = await timeOverview();
console.log(
  `overview first read (every incident's clock read from its steps; later reads only those that moved): ${fmt(warm.ms)} ms`,
);
const first = JSON.parse(warm.body) as Overview;
if (first.open.total !== INCIDENTS) throw new Error(`the overview counts ${first.open.total} open, not ${INCIDENTS}`);
const { rows: dirs } = await sql("SELECT current_setting('data_directory') AS directory");
const directory = (dirs[0] as { directory: string }).directory;
const cpuBefore = { cloud: ownCpuSeconds(), postgres: postgresCpuSeconds(directory) };
const times: number[] = [];
for (let run = 0; run < RUNS; run++) times.push((await timeOverview()).ms);
times.sort((a, b) => a - b);
// CPU time does not grow when other work on the machine slows the clock: the cost of a read itself.
const cpuPerRead = {
  cloud: ((ownCpuSeconds() - cpuBefore.cloud) * 1000) / RUNS,
  postgres: ((postgresCpuSeconds(directory) - cpuBefore.postgres) * 1000) / RUNS,
};
console.log(
  `overview (${fmt(INCIDENTS)} open; lights ${JSON.stringify(first.open.by_light)}): p50 ${fmt(percentile(times, 50))} ms, p99 ${fmt(percentile(times, 99))} ms over ${RUNS} reads (target p99 < 500 ms)`,
);
console.log(
  `overview CPU a read: cloud ${fmt(cpuPerRead.cloud)} ms (with this benchmark's own fetch and parse), PostgreSQL ${fmt(cpuPerRead.postgres)} ms`,
);
console.log(
  `overview body: ${fmt(warm.body.length / 1024)} KiB JSON, ${fmt(gzipSync(warm.body).length / 1024)} KiB gzip-compressed (${fmt(warm.body.length / INCIDENTS)} bytes a pin and its share)`,
);

// ——— page: time to interactive ———
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
async function openScreen(): Promise<{
  page: Page;
  close(): Promise<void>;
  tti: number;
  busy: number;
  parts: { script: number; layout: number; style: number };
}> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, locale: 'zh-CN' });
  // Signed in as the page keeps a session (localStorage), so the load is the screen's own.
  await context.addInitScript(`localStorage.setItem('gridlink.session', ${JSON.stringify(JSON.stringify(session))})`);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  await page.goto(`${cloud.url}/#/command`);
  await page.locator('.cc-screen[data-state="ready"][data-drawn="yes"] .cc-live[data-connected="yes"]').waitFor({
    timeout: 60_000,
  });
  const tti = await page.evaluate(() => performance.now());
  // The page's main-thread work until then (scripts, layout, paint): what a busy machine cannot shrink.
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const metric = (name: string) => (metrics.find((m) => m.name === name)?.value ?? Number.NaN) * 1000;
  const busy = metric('TaskDuration');
  const parts = {
    script: metric('ScriptDuration'),
    layout: metric('LayoutDuration'),
    style: metric('RecalcStyleDuration'),
  };
  return { page, tti, busy, parts, close: () => context.close() };
}
const ttis: number[] = [];
const busy: number[] = [];
for (let run = 0; run < LOADS; run++) {
  const screen = await openScreen();
  ttis.push(screen.tti);
  busy.push(screen.busy);
  if (run === LOADS - 1)
    console.log(
      `last load's main thread: scripts ${fmt(screen.parts.script)} ms, layout ${fmt(screen.parts.layout)} ms, style ${fmt(screen.parts.style)} ms`,
    );
  await screen.close();
}
ttis.sort((a, b) => a - b);
busy.sort((a, b) => a - b);
console.log(
  `page #/command at 1920×1080, ${fmt(INCIDENTS)} pins: time to interactive median ${fmt(percentile(ttis, 50))} ms (min ${fmt(ttis[0] ?? Number.NaN)}, max ${fmt(ttis.at(-1) ?? Number.NaN)}) over ${LOADS} cold loads (target < 2,000 ms); main thread busy ${fmt(percentile(busy, 50))} ms of it (median)`,
);

// ——— live: raise → on the screen ———
const screen = await openScreen();
const latencies: number[] = [];
for (let run = 0; run < RAISES; run++) {
  const started = performance.now();
  const raised = await call<{ incident: { id: string } }>('POST', '/incidents', token, {
    request_id: `bench-raise-${run}-${now}`,
    source: 'hotline_12345',
    category: 'emergency.gas_leak',
    severity: 'critical',
    urgent: true,
    title: '燃气味',
    community: `${DISTRICT}001001`,
    grid: `${DISTRICT}001001003`,
  });
  await screen.page.locator(`.cc-ticker li[data-id="${raised.incident.id}"]`).waitFor({ timeout: 30_000 });
  latencies.push(performance.now() - started);
}
latencies.sort((a, b) => a - b);
console.log(
  `raise → on the screen (API call, stream, next frame): p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms over ${RAISES}`,
);

// ——— live: a burst of state changes, frames meanwhile ———
// A plain script (not a compiled function): the page records the gap before every frame.
await screen.page.evaluate(`(() => {
  const gaps = [];
  let last = performance.now();
  const step = (at) => {
    gaps.push(at - last);
    last = at;
    if (gaps.length < 100000) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
  window.frameGaps = gaps;
})()`);
const reported = (
  await sql(`SELECT id FROM incidents WHERE id LIKE 'INC-B-%' AND state = 'REPORTED' ORDER BY id LIMIT $1`, [BURST])
).rows as Array<{ id: string }>;
const before = Number(((await screen.page.locator('.cc-open-total').textContent()) ?? '').replace(/[^\d]/g, ''));
const burstStarted = performance.now();
for (let at = 0; at < reported.length; at += 8)
  await Promise.all(
    reported.slice(at, at + 8).map((row) =>
      call('POST', `/incidents/${row.id}/transitions`, token, {
        action: 'accept',
        request_id: `bench-accept-${row.id}`,
      }),
    ),
  );
const sent = performance.now() - burstStarted;
// Frames are watched for half a second more: the last changes arrive and are drawn in that window.
await screen.page.waitForTimeout(500);
const gaps = (await screen.page.evaluate('window.frameGaps.slice(1)')) as number[];
const after = Number(((await screen.page.locator('.cc-open-total').textContent()) ?? '').replace(/[^\d]/g, ''));
gaps.sort((a, b) => a - b);
console.log(
  `burst of ${reported.length} state changes sent in ${fmt(sent)} ms: page frames p50 ${fmt(percentile(gaps, 50), 1)} ms, p99 ${fmt(percentile(gaps, 99), 1)} ms, longest ${fmt(gaps.at(-1) ?? Number.NaN, 1)} ms, ${gaps.filter((gap) => gap > 50).length} frames over 50 ms (open count ${fmt(before)} → ${fmt(after)}, unchanged as accepting keeps them open)`,
);
await screen.close();
await browser.close();
await cloud.stop();
await server.stop();
console.log(`load average at end ${load()}`);
