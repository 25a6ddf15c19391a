/**
 * Screenshots of every web page at phone (390×844) and desktop (1366×768) size, in each state a
 * person can meet it in: filled, empty, loading, error (and the confirmation of a destructive step).
 *
 *   npm run screenshots [-- <outDir>]        (default: screenshots/, git-ignored)
 *
 * It starts a cloud of its own on in-memory PGlite, fills it through the API (users, incidents in
 * several states, a camera alert), and drives Chromium (GRIDLINK_CHROMIUM, default
 * /usr/bin/chromium). Loading and error states are real network conditions made by the browser:
 * a request held open, a request aborted as a dropped connection would.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CloudConfig, IN_MEMORY, type RunningCloud, startCloud, TerritoryStore } from '@gridlink/cloud';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { pino } from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';

const OUT = resolve(process.argv[2] ?? 'screenshots');
const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const ADMIN = `screenshots-${Math.random().toString(36).slice(2)}-admin-token-0123456789`;
const PASSWORD = 'screenshots only, thrown away';
const STREET = '320803001';
const COMMUNITY = '320803001001';
const GRIDS = ['320803001001001', '320803001001002', '320803001001003'] as const;
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1366, height: 768 } } as const;
type Size = keyof typeof SIZES;

interface Session {
  token: string;
  user: unknown;
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const config = CloudConfig.parse({
    cloud: { data_dir: join(OUT, '.cloud') },
    http: { host: '127.0.0.1', port: 0 },
    database: { data_dir: IN_MEMORY },
    auth: { admin_token: ADMIN },
    log: { level: 'silent' },
  });
  // The cloud's clock runs ahead on demand: an incident's limit passes without waiting for it.
  const clock = Object.assign(() => new Date(Date.now() + clock.ahead), { ahead: 0 });
  const cloud = await startCloud(config, pino({ level: 'silent' }), { clock });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const data = await seed(cloud, clock);
    await shootAll(browser, cloud.url, data);
  } finally {
    await browser.close();
    await cloud.stop();
  }
  console.log(`screenshots in ${OUT}`);
}

async function api<T>(cloud: RunningCloud, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${cloud.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function person(cloud: RunningCloud, username: string, name: string, roles: object[]): Promise<Session> {
  await api(cloud, 'POST', '/users', ADMIN, {
    username,
    display_name: name,
    territory_code: COMMUNITY,
    password: PASSWORD,
    roles,
  });
  const response = await fetch(`${cloud.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  return (await response.json()) as Session;
}

/** A rectangle as a GeoJSON Polygon (WGS-84). */
const rectangle = (west: number, south: number, east: number, north: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [west, south] as [number, number],
      [east, south] as [number, number],
      [east, north] as [number, number],
      [west, north] as [number, number],
      [west, south] as [number, number],
    ],
  ],
});

/** A street, a community and its three grids, with areas: what the KPI page's map draws. */
async function seedTerritory(cloud: RunningCloud) {
  const store = new TerritoryStore(cloud.db);
  await store.upsertUnits([
    { code: '320803', nameZh: '淮安区', nameEn: 'Huai’an District' },
    { code: STREET, nameZh: '淮城街道', nameEn: 'Huaicheng Street' },
    { code: COMMUNITY, nameZh: '河下社区', nameEn: 'Hexia Community' },
    ...GRIDS.map((code, index) => ({ code, nameZh: `河下社区第${index + 1}网格`, nameEn: `Hexia grid ${index + 1}` })),
  ]);
  const from = new Date('2025-01-01T00:00:00+08:00');
  await store.addPolygon(COMMUNITY, rectangle(119.14, 33.5, 119.146, 33.504), from);
  await store.addPolygon(GRIDS[0], rectangle(119.14, 33.5, 119.142, 33.504), from);
  await store.addPolygon(GRIDS[1], rectangle(119.142, 33.5, 119.144, 33.504), from);
  await store.addPolygon(GRIDS[2], rectangle(119.144, 33.5, 119.146, 33.502), from);
}

async function seed(cloud: RunningCloud, clock: { ahead: number }) {
  await seedTerritory(cloud);
  const operator = await person(cloud, 'zhang.wei', '张伟', [{ role: 'operator', scope: STREET }]);
  const worker = await person(cloud, 'li.na', '李娜', [{ role: 'grid_worker', scope: GRIDS[0] }]);
  const manager = await person(cloud, 'wang.fang', '王芳', [{ role: 'property_manager', scope: COMMUNITY }]);
  // A worker of the grid nothing happened in: the empty list.
  const quiet = await person(cloud, 'zhao.lei', '赵磊', [{ role: 'grid_worker', scope: GRIDS[2] }]);
  const report = async (title: string, grid: string, extra: object = {}) =>
    (
      await api<{ incident: { id: string } }>(cloud, 'POST', '/incidents', operator.token, {
        request_id: `shot-${title}`,
        source: 'hotline_12345',
        category: 'other',
        title,
        community: COMMUNITY,
        grid,
        ...extra,
      })
    ).incident.id;
  const step = (id: string, action: string, token = operator.token, data?: object) =>
    api(cloud, 'POST', `/incidents/${id}/transitions`, token, {
      action,
      request_id: `${id}-${action}`,
      ...(data ? { data } : {}),
    });

  const reported = await report('居民来电：3 栋 2 单元楼上漏水', GRIDS[0], {
    description: '3 栋 2 单元 1201 漏水至 1101，居民请求尽快处理。',
    building: '3',
    unit: '2',
  });
  await report('二网格井盖缺失', GRIDS[1], { urgent: true });
  const filed = await report('楼道堆物占用消防通道', GRIDS[0]);
  await step(filed, 'accept');
  await step(filed, 'file');
  const dispatched = await report('单元门禁损坏', GRIDS[0]);
  await step(dispatched, 'accept');
  await step(dispatched, 'file');
  await step(dispatched, 'dispatch', operator.token, { assignee: worker.user && (worker.user as { id: string }).id });
  const rejected = await report('重复来电：路灯不亮', GRIDS[1]);
  await step(rejected, 'reject');
  // Closed within its limits: 按期办结.
  const closed = await report('小区路灯不亮', GRIDS[0]);
  const workerId = (worker.user as { id: string }).id;
  for (const action of ['accept', 'file']) await step(closed, action);
  await step(closed, 'dispatch', operator.token, { assignee: workerId });
  for (const action of ['sign', 'finish']) await step(closed, action, worker.token);
  for (const action of ['startCheck', 'pass', 'close']) await step(closed, action);
  // Urgent and dispatched to nobody (紧急待派), its limit passed twice: overdue, escalated twice.
  const overdue = await report('3 栋烟感报警', GRIDS[1], {
    category: 'emergency.fire',
    severity: 'critical',
    urgent: true,
  });
  for (let i = 0; i < 2; i++) {
    clock.ahead += 11 * 60_000;
    await cloud.deadlines.sweep();
  }

  // A camera's alert: evidence with a snapshot reference.
  const at = new Date().toISOString();
  const alert = await cloud.incidents.fromAlert(
    createCloudEvent({
      id: `evt-shot-${Date.now()}`,
      type: 'cn.gridlink.alert.raised.v1',
      gatewayId: 'gw-320803-001',
      deviceId: 'cam-lane-01',
      time: at,
      priority: 'alarm',
      data: {
        alert_id: `alert-shot-${Date.now()}`,
        rule_id: 'fire-lane-blocked',
        device_id: 'cam-lane-01',
        state: 'active',
        severity: 'major',
        category: 'safety.fire_lane',
        since: at,
        last_seen: at,
        occurrences: 3,
        message: { zh: '3号楼消防通道占用', en: 'Fire lane blocked at building 3' },
        place: { community: COMMUNITY, building: '3' },
        evidence: { snapshot_ref: 'media/cam-lane-01/1.jpg', dwell_s: 1860 },
      },
    }) as CloudEvent,
  );
  const camera = 'incident' in alert ? (alert as { incident: { id: string } }).incident.id : reported;
  return { operator, worker, manager, quiet, reported, dispatched, rejected, camera, filed, closed, overdue };
}

type Data = Awaited<ReturnType<typeof seed>>;

async function shootAll(browser: Browser, url: string, data: Data) {
  const open = async (size: Size, session?: Session, lang: 'zh' | 'en' = 'zh') => {
    const context = await browser.newContext({ viewport: SIZES[size], locale: 'zh-CN', deviceScaleFactor: 1 });
    if (lang === 'en') await context.addInitScript(`localStorage.setItem('gridlink.lang', 'en')`);
    if (session) {
      await context.addInitScript(
        `if (!sessionStorage.getItem('gridlink.shot'))
          { localStorage.setItem('gridlink.session', ${JSON.stringify(JSON.stringify(session))});
            sessionStorage.setItem('gridlink.shot', '1'); }`,
      );
    }
    return context.newPage();
  };
  const shot = async (page: Page, name: string, size: Size, fullPage = false) => {
    // Fonts loaded, then two frames: transitions (dialogs, skeletons) have drawn their first state.
    await page.evaluate(
      'document.fonts.ready.then(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))))',
    );
    // Dialogs and drawers have finished sliding in (skeletons pulse for ever: they do not count).
    // (A function, not a string: the pages' policy forbids eval, which string predicates need.)
    type Animation = { playState: string; effect: { getTiming(): { iterations: number } } | null };
    await page.waitForFunction(() =>
      (globalThis as unknown as { document: { getAnimations(): Animation[] } }).document
        .getAnimations()
        .every((a) => a.playState !== 'running' || !Number.isFinite(a.effect?.getTiming().iterations)),
    );
    const path = join(OUT, `${name}-${size}.png`);
    await page.screenshot({ path, fullPage });
    console.log(path);
  };
  /** Holds every request to `pattern` open: the page shows its loading state. */
  const hold = (page: Page, pattern: RegExp) => page.route(pattern, () => undefined);
  /** Drops every request to `pattern` as a lost connection would. */
  const drop = (page: Page, pattern: RegExp) => page.route(pattern, (route) => route.abort('internetdisconnected'));
  const LIST = /\/api\/v1\/incidents\?/;

  for (const size of Object.keys(SIZES) as Size[]) {
    const who = size === 'phone' ? data.manager : data.operator;

    // Login.
    let page = await open(size);
    await page.goto(url);
    await page.locator('input[name=username]').fill('wang.fang');
    await shot(page, 'login-filled', size);
    await page.locator('input[name=password]').fill('not the password');
    await page.click('button[type=submit]');
    await page.locator('#login-message.error').waitFor();
    await shot(page, 'login-error', size);
    await hold(page, /\/api\/v1\/sessions$/);
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.click('button[type=submit]');
    await page.locator('.van-button--loading').waitFor();
    await shot(page, 'login-loading', size);
    await page.context().close();

    // The incident list.
    page = await open(size, who);
    await page.goto(`${url}/#/incidents`);
    await page.locator('#incident-list li.incident').first().waitFor();
    await page.locator('#live-status.on').waitFor();
    await shot(page, 'incidents-filled', size);
    if (size === 'phone') {
      await page.click('.filter-toggle');
      await shot(page, 'incidents-filters-open', size);
      await page.click('.filter-toggle');
    }
    await drop(page, LIST);
    await page.click('.refresh');
    await page.locator('.load-error').waitFor();
    await shot(page, 'incidents-error-kept', size);
    await page.context().close();

    // The English switch, remembered per browser.
    page = await open(size, who, 'en');
    await page.goto(`${url}/#/incidents`);
    await page.locator('#incident-list li.incident').first().waitFor();
    await shot(page, 'incidents-english', size);
    await page.goto(`${url}/#/incidents/${data.reported}`);
    await page.locator('#actions button[data-action]').first().waitFor();
    await shot(page, 'incident-english', size);
    await page.context().close();

    page = await open(size, data.quiet);
    await page.goto(`${url}/#/incidents`);
    await page.locator('#incident-list li.empty').waitFor();
    await shot(page, 'incidents-empty', size);
    await page.context().close();

    page = await open(size, who);
    await hold(page, LIST);
    await page.goto(`${url}/#/incidents`);
    await page.locator('.loading-rows').waitFor();
    await shot(page, 'incidents-loading', size);
    await page.context().close();

    page = await open(size, who);
    await drop(page, LIST);
    await page.goto(`${url}/#/incidents`);
    await page.locator('.load-error').waitFor();
    await shot(page, 'incidents-error', size);
    await page.context().close();

    // An incident.
    page = await open(size, data.operator);
    await page.goto(`${url}/#/incidents/${data.reported}`);
    await page.locator('#actions button[data-action]').first().waitFor();
    await shot(page, 'incident-filled', size);
    if (size === 'desktop') await shot(page, 'incident-filled-full', size, true);
    await page.click('#actions button[data-action="reject"]');
    await page.click('form[data-action="reject"] button[type=submit]');
    await page.locator('.confirm-destructive').waitFor();
    await shot(page, 'incident-confirm-destructive', size);
    await page.context().close();

    // The centre's list: 紧急待派 first; the overdue one's light and deadlines.
    page = await open(size, data.operator);
    await page.goto(`${url}/#/incidents`);
    await page.locator('#incident-list li.needs-attention').first().waitFor();
    await shot(page, 'incidents-attention', size);
    await page.goto(`${url}/#/incidents/${data.overdue}`);
    await page.locator('.detail .head .due').waitFor();
    await shot(page, 'incident-overdue', size);
    await page.locator('#timeline').scrollIntoViewIfNeeded();
    await shot(page, 'incident-overdue-timeline', size);
    await page.goto(`${url}/#/incidents/${data.closed}`);
    await page.locator('.detail .head .light[data-light="on_time"]').waitFor();
    await shot(page, 'incident-closed', size);
    await page.goto(`${url}/#/incidents/${data.filed}`);
    await page.click('#actions button[data-action="dispatch"]');
    await page.locator('form[data-action="dispatch"] select[name=assignee]:enabled').waitFor();
    await shot(page, 'incident-dispatch-form', size);
    await page.context().close();

    // The property on site: 现场反馈 with its note or photo.
    page = await open(size, data.manager);
    await page.goto(`${url}/#/incidents/${data.reported}`);
    await page.click('#actions button[data-action="reportOnSite"]');
    await page.click('form[data-action="reportOnSite"] button[type=submit]');
    await page.locator('form[data-action="reportOnSite"] .field-error').waitFor();
    await shot(page, 'incident-on-site-form', size);
    await page.context().close();

    page = await open(size, data.operator);
    await page.goto(`${url}/#/incidents/${data.camera}`);
    await page.locator('.evidence .snapshot').waitFor();
    await page.locator('.evidence').scrollIntoViewIfNeeded();
    await shot(page, 'incident-evidence', size);
    await page.context().close();

    page = await open(size, data.worker);
    await page.goto(`${url}/#/incidents/${data.dispatched}`);
    await page.locator('#actions button[data-action="sign"]').waitFor();
    await page.click('#actions button[data-action="sign"]');
    await shot(page, 'incident-step-form', size);
    await page.context().close();

    page = await open(size, data.operator);
    await page.goto(`${url}/#/incidents/${data.rejected}`);
    await page.locator('#incident-state').waitFor();
    await shot(page, 'incident-empty', size);
    await page.context().close();

    page = await open(size, data.operator);
    await hold(page, /\/api\/v1\/incidents\/[^/?]+$/);
    await page.goto(`${url}/#/incidents/${data.reported}`);
    await page.locator('.detail .van-skeleton').first().waitFor();
    await shot(page, 'incident-loading', size);
    await page.context().close();

    page = await open(size, data.operator);
    await drop(page, /\/api\/v1\/incidents\/[^/?]+$/);
    await page.goto(`${url}/#/incidents/${data.reported}`);
    await page.locator('.load-error').waitFor();
    await shot(page, 'incident-error', size);
    await page.context().close();

    // Intake (dispatchers).
    page = await open(size, data.operator);
    await page.goto(`${url}/#/intake`);
    await page.locator('form.intake').waitFor();
    await page.locator('input[name=title]').fill('居民来电：楼上漏水');
    await shot(page, 'intake-filled', size);
    await page.click('form.intake button[type=submit]');
    await page.locator('.el-form-item__error').first().waitFor();
    await shot(page, 'intake-invalid', size);
    await page.context().close();

    page = await open(size, data.operator);
    await drop(page, /\/api\/v1\/categories/);
    await page.goto(`${url}/#/intake`);
    await page.locator('.load-error').waitFor();
    await shot(page, 'intake-error', size);
    await page.context().close();

    // KPIs (dispatchers).
    page = await open(size, data.operator);
    await page.goto(`${url}/#/kpis`);
    await page.click('.group-by [data-group="grid"]');
    await page.locator('.kpi-chart canvas').first().waitFor();
    await page.locator('.kpi-table tbody tr').first().waitFor();
    await page.locator('.kpi-map path.area-grid').first().waitFor();
    await shot(page, 'kpis-filled', size);
    if (size === 'desktop') await shot(page, 'kpis-filled-full', size, true);
    await page.locator('.kpi-map').scrollIntoViewIfNeeded();
    await shot(page, 'kpis-map', size);
    await page.locator('.kpi-grid').scrollIntoViewIfNeeded();
    await shot(page, 'kpis-table', size);
    await page.locator('input[name=territory]').fill(GRIDS[2]);
    await page.click('form.kpi-form button[type=submit]');
    await page.locator('.kpi-table .empty-state').waitFor();
    await shot(page, 'kpis-empty', size);
    await page.context().close();

    page = await open(size, data.operator);
    await hold(page, /\/api\/v1\/kpis\?/);
    await page.goto(`${url}/#/kpis`);
    await page.locator('.kpi-table .el-skeleton').waitFor();
    await shot(page, 'kpis-loading', size);
    await page.context().close();

    page = await open(size, data.operator);
    await drop(page, /\/api\/v1\/kpis\?/);
    await page.goto(`${url}/#/kpis`);
    await page.locator('.load-error').waitFor();
    await shot(page, 'kpis-error', size);
    await page.context().close();

    if (size === 'phone') {
      page = await open(size, data.worker);
      await page.goto(`${url}/#/me`);
      await page.locator('.me').waitFor();
      await shot(page, 'me-filled', size);
      await page.context().close();
    }
  }
}

await main();
