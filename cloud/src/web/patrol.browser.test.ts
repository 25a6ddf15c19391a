import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PatrolRoute } from '../patrol/plans.js';
import type { PatrolTrajectory } from '../patrol/routes.js';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test looks at. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const [GRID_A, GRID_B] = FIXTURE.grids;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
/** A 1×1 PNG: a photo as far as the cloud and the browser are concerned. */
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
/** Grid A spans lon 119.140–119.142, lat 33.500–33.504; grid B lies east of it. */
const CHECKPOINT_A = { lon: 119.1405, lat: 33.501 };
const CHECKPOINT_B = { lon: 119.1405, lat: 33.503 };
const TAG = 'TAG-A-0001';
/** Open incidents of grid A: one reported from a phone at this point, one naming a building at the other. */
const STREET_SPOT = { lon: 119.1415, lat: 33.5006 };
const BUILDING_ENTRANCE = { lon: 119.1413, lat: 33.5035 };

/**
 * A grid worker walks a patrol on an emulated phone (Chromium, geolocation set over time through
 * the DevTools protocol, network cut mid-route): positions are recorded while the patrol runs, a
 * checkpoint is checked in within its radius, one with a photo and one by its tag code without
 * signal; back online the server has each position and check-in exactly once. Their supervisor
 * sees them on the live map while they patrol, and replays the trajectory afterwards.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the patrol pages'
    : `the patrol pages (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    let route: PatrolRoute;
    let workerId = '';
    let streetIncident = '';
    let taskId = '';
    const cspViolations: string[] = [];

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      const size = page.viewportSize();
      await page.evaluate('window.scrollTo(0, 0)');
      await page.setViewportSize(PHONE);
      await page.screenshot({ path: join(SCREENSHOTS, `patrol-${name}-390x844.png`) });
      await page.setViewportSize(DESKTOP);
      await page.screenshot({ path: join(SCREENSHOTS, `patrol-${name}-1366x768.png`) });
      if (size) await page.setViewportSize(size);
    };
    const open = async (
      username: string,
      options: { viewport?: { width: number; height: number }; geolocation?: boolean } = {},
    ): Promise<{ page: Page; context: BrowserContext }> => {
      const phone = (options.viewport ?? PHONE) === PHONE;
      const context = await browser.newContext({
        viewport: options.viewport ?? PHONE,
        locale: 'zh-CN',
        isMobile: phone,
        hasTouch: phone,
        ...(options.geolocation ? { permissions: ['geolocation'] } : {}),
      });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await expect.poll(() => page.evaluate('Boolean(navigator.serviceWorker.controller)')).toBe(true);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return { page, context };
    };
    /** Moves the phone and waits until the page recorded the position (it keeps one per interval). */
    const walkTo = async (page: Page, cdp: CDPSession, point: { lon: number; lat: number }) => {
      const status = page.locator('#patrol-status');
      const before = Number(await status.getAttribute('data-recorded'));
      let attempt = 0;
      await expect
        .poll(
          async () => {
            // The same position again is no news to the phone: the accuracy moves a little each try.
            attempt++;
            await cdp.send('Emulation.setGeolocationOverride', {
              latitude: point.lat,
              longitude: point.lon,
              accuracy: 8 + attempt / 100,
            });
            return Number(await status.getAttribute('data-recorded'));
          },
          { timeout: 20_000, interval: 300 },
        )
        .toBe(before + 1);
    };

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await createUser(cloud(), 'patrol-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      const worker = await createUser(cloud(), 'patrol-worker', {
        territory: FIXTURE.community,
        roles: [{ role: 'grid_worker', scope: GRID_A }],
      });
      workerId = worker.id;
      await createUser(cloud(), 'patrol-idle', {
        territory: FIXTURE.community,
        roles: [{ role: 'grid_worker', scope: GRID_B }],
      });
      await createUser(cloud(), 'patrol-property', {
        territory: FIXTURE.community,
        roles: [{ role: 'property_manager', scope: FIXTURE.community }],
      });
      const operator = await login(cloud(), 'patrol-operator');
      // A position a second keeps the walk short; a fast walker is no cheat here.
      const settings = await api(cloud(), 'PUT', '/api/v1/settings/patrol', {
        token: TEST_ADMIN_TOKEN,
        body: {
          position_interval_s: 1,
          gap_intervals: 5,
          max_speed_mps: 100,
          max_accuracy_m: 500,
          clock_skew_s: 120,
          retention_days: 30,
        },
      });
      expect(settings.status, JSON.stringify(settings.body)).toBe(200);
      const made = await api<PatrolRoute>(cloud(), 'POST', `/api/v1/patrol/grids/${GRID_A}/routes`, {
        token: operator,
        body: {
          name: '河下巡查一线',
          rounds_per_day: 2,
          checkpoints: [
            { kind: 'point', name: '3 号楼门口', ...CHECKPOINT_A, radius_m: 30 },
            { kind: 'point', name: '北门岗亭', ...CHECKPOINT_B, radius_m: 30 },
            { kind: 'tag', name: '配电房', tag_code: TAG, lon: 119.1412, lat: 33.502 },
          ],
        },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      route = made.body;

      // Open incidents of the grid: pinned on the patrol map by their own point or their building's.
      await new TerritoryStore(cloud().db).upsertBuildings([
        {
          community: FIXTURE.community,
          building: '7',
          unit: '1',
          floors: 6,
          households: 12,
          grid: GRID_A,
          position: BUILDING_ENTRANCE,
        },
      ]);
      const reported = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: await login(cloud(), 'patrol-worker'),
        body: {
          request_id: 'patrol-pin-street',
          source: 'patrol',
          category: 'urban_management.manhole_cover',
          title: '井盖缺失',
          location: { ...STREET_SPOT, crs: 'wgs84', accuracy_m: 10 },
        },
      });
      expect(reported.status, JSON.stringify(reported.body)).toBe(201);
      streetIncident = reported.body.incident.id;
      const hotline = await api(cloud(), 'POST', '/api/v1/incidents', {
        token: operator,
        body: {
          request_id: 'patrol-pin-building',
          source: 'hotline_12345',
          category: 'urban_management.exposed_garbage',
          title: '7 号楼垃圾堆放',
          community: FIXTURE.community,
          grid: GRID_A,
          building: '7',
          unit: '1',
        },
      });
      expect(hotline.status, JSON.stringify(hotline.body)).toBe(201);
      // A special task already due: marked done from the day page.
      const task = await api<{ id: string }>(cloud(), 'POST', '/api/v1/patrol/tasks', {
        token: operator,
        body: {
          grid_code: GRID_A,
          worker_id: workerId,
          kind: 'check_hazard',
          title: '检查 5 号楼消防通道',
          place: '5 号楼',
          due_at: new Date(Date.now() - 60_000).toISOString(),
        },
      });
      expect(task.status, JSON.stringify(task.body)).toBe(201);
      taskId = task.body.id;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(() => {
      expect(cspViolations.splice(0)).toEqual([]);
    });

    it('shows a day without routes, and the day while it loads and when it cannot be read', async () => {
      const { page, context } = await open('patrol-idle');
      await page.click('.van-tabbar-item[data-tab="/patrol"]');
      await page.locator('#patrol-no-routes', { hasText: '今天没有安排巡查路线' }).waitFor();
      expect(await page.locator('#patrol-privacy').textContent()).toContain('仅在巡查进行中记录您的位置');
      await shoot(page, 'day-empty');

      // Loading: the day's answer held back.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/api/v1/patrol/day', async (request) => {
        await held;
        await request.continue();
      });
      await page.goto(`${cloud().url}/#/incidents`);
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      await page.click('.van-tabbar-item[data-tab="/patrol"]');
      await page.locator('#patrol-loading').waitFor();
      await shoot(page, 'day-loading');
      release();
      await page.locator('#patrol-no-routes').waitFor();
      await page.unroute('**/api/v1/patrol/day');

      // The server in trouble: the reason and a retry.
      await page.route('**/api/v1/patrol/day', (request) =>
        request.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({ code: 'GL_UNAVAILABLE', detail: '数据库暂时不可用，请稍后重试。' }),
        }),
      );
      await page.click('.van-tabbar-item[data-tab="/incidents"]');
      await page.click('.van-tabbar-item[data-tab="/patrol"]');
      await page.locator('.load-error', { hasText: '数据库暂时不可用' }).waitFor();
      await shoot(page, 'day-error');
      await page.unroute('**/api/v1/patrol/day');
      await page.locator('.load-error .retry').click();
      await page.locator('#patrol-no-routes').waitFor();
      await context.close();
    }, 120_000);

    it('walks a patrol with check-ins, loses the network mid-route and sends everything once when it is back', async () => {
      const { page, context } = await open('patrol-worker', { geolocation: true });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setGeolocationOverride', { latitude: 33.5005, longitude: 119.1405, accuracy: 8 });
      await page.click('.van-tabbar-item[data-tab="/patrol"]');
      const card = page.locator(`.patrol-route[data-route="${route.id}"]`);
      await card.waitFor();
      expect(await card.locator('.round').count()).toBe(2);
      expect(await page.locator('#patrol-left').textContent()).toContain('今日剩余：2 轮巡查');
      await shoot(page, 'day');

      // The special task done from the day, without signal: it waits on the phone, then goes once.
      const task = page.locator('.patrol-task', { hasText: '检查 5 号楼消防通道' });
      await task.locator('.task-done-button').click();
      await page.locator('#task-done-submit').click();
      await page.locator('#task-note-error', { hasText: '请填写处理情况' }).waitFor();
      await page.fill('#task-note', '消防通道已清理，杂物已搬走');
      await page
        .locator('.task-done-form input[data-tag="task"]')
        .setInputFiles({ name: '通道.png', mimeType: 'image/png', buffer: PHOTO });
      await page.locator('.task-done-form .preview').waitFor();
      await shoot(page, 'task-done-form');
      await context.setOffline(true);
      await page.locator('#task-done-submit').click();
      await page.locator('#task-message', { hasText: '当前离线' }).waitFor();
      await page.locator('.task-done-sheet').waitFor({ state: 'hidden' });
      await page.locator('.van-overlay').waitFor({ state: 'hidden', timeout: 5000 });
      await task.locator('.task-waiting').waitFor();
      await shoot(page, 'task-done-offline');
      await context.setOffline(false);
      await task.locator('.task-done-note', { hasText: '消防通道已清理' }).waitFor({ timeout: 30_000 });
      await expect.poll(() => task.getAttribute('data-state')).toBe('done');
      await page.locator('#task-message').waitFor({ state: 'detached' });
      await shoot(page, 'task-done');
      const done = await cloud().db.query<{ done_note: string; done_photo_ids: string[] }>(
        'SELECT done_note, done_photo_ids FROM patrol_tasks WHERE id = $1',
        [taskId],
      );
      expect(done.rows[0]?.done_note).toBe('消防通道已清理，杂物已搬走');
      expect(done.rows[0]?.done_photo_ids).toHaveLength(1);

      await card.locator('.start-patrol').click();
      const status = page.locator('#patrol-status');
      await status.waitFor();
      const sessionId = (await status.getAttribute('data-session')) ?? '';
      expect(sessionId).toMatch(/^\d+$/);
      expect(await page.locator('#patrol-privacy').textContent()).toContain('仅在巡查进行中记录您的位置');
      await walkTo(page, cdp, { lon: 119.1405, lat: 33.5004 });
      const first = page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[0]?.id}"]`);
      // Some 67 m off: not yet.
      await first.locator('.distance', { hasText: '距离' }).waitFor();
      expect(await first.locator('.checkin-button').isDisabled()).toBe(true);
      await page.locator('.patrol-map[data-shapes] .checkpoint-radius').first().waitFor();
      // The grid's open incidents as pins coloured by their light; a tap opens one.
      await page.locator('#incident-pins[data-pins="2"]').waitFor();
      expect(await page.locator('.patrol-map path.incident-pin').count()).toBe(2);
      for (const pin of await page.locator('.patrol-map path.incident-pin').all()) {
        const light = /incident-pin-(\w+)/.exec((await pin.getAttribute('class')) ?? '')?.[1];
        expect(['green', 'yellow', 'red', 'overdue', 'none']).toContain(light);
        expect(await pin.getAttribute('fill')).toMatch(/^#[0-9a-f]{6}$/);
      }
      await shoot(page, 'run-start');
      // The map follows the window: resized, it is drawn again for the new width.
      const map = page.locator('.patrol-map');
      const mapWidth = async () => Number(await map.getAttribute('data-map-width'));
      await expect.poll(mapWidth).toBeLessThan(PHONE.width);
      await page.setViewportSize(DESKTOP);
      await expect.poll(mapWidth).toBeGreaterThan(PHONE.width * 2);
      await page.setViewportSize(PHONE);
      await expect.poll(mapWidth).toBeLessThan(PHONE.width);
      const pinned = [];
      for (const pin of await page.locator('.patrol-map path.incident-pin').all())
        pinned.push((await pin.boundingBox())?.y ?? 0);
      // The street report's pin lies south of the building's: the lower one on the map.
      const lower = pinned.indexOf(Math.max(...pinned));
      await page.locator('.patrol-map path.incident-pin').nth(lower).click();
      await expect.poll(() => page.evaluate('location.hash')).toBe(`#/incidents/${streetIncident}`);
      await page.locator('.detail[aria-busy="false"]').waitFor();
      await page.goBack();
      await status.waitFor();

      await walkTo(page, cdp, { lon: 119.1405, lat: 33.5009 });
      await expect.poll(() => first.locator('.checkin-button').isDisabled()).toBe(false);
      await first.locator('.checkin-button').click();
      await page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[0]?.id}"][data-state="reached"]`).waitFor();
      for (const lat of [33.5013, 33.5017, 33.5021]) await walkTo(page, cdp, { lon: 119.1405, lat });

      // The signal goes.
      await context.setOffline(true);
      for (const lat of [33.5024, 33.5027, 33.503]) await walkTo(page, cdp, { lon: 119.1405, lat });
      const second = page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[1]?.id}"]`);
      await expect.poll(() => second.locator('.checkin-button').isDisabled()).toBe(false);
      await page
        .locator('input[data-tag="checkin"]')
        .setInputFiles({ name: '岗亭.png', mimeType: 'image/png', buffer: PHOTO });
      await page.locator('.photo-picker .preview').waitFor();
      await second.locator('.checkin-button').click();
      await page.locator('#patrol-message', { hasText: '当前离线' }).waitFor();
      await page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[1]?.id}"][data-state="waiting"]`).waitFor();
      // Over the line into grid B, the tag typed in: taken, and flagged by the server later.
      await walkTo(page, cdp, { lon: 119.1425, lat: 33.502 });
      await page.fill('#tag-code', TAG);
      await page.click('#tag-checkin button:has-text("按编码打卡")');
      await page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[2]?.id}"][data-state="waiting"]`).waitFor();
      await walkTo(page, cdp, { lon: 119.1415, lat: 33.5022 });
      await shoot(page, 'run-offline');

      // A reload without signal: the patrol goes on from the phone's own storage.
      const recorded = Number(await status.getAttribute('data-recorded'));
      await page.reload();
      await status.waitFor();
      expect(Number(await status.getAttribute('data-recorded'))).toBe(recorded);
      await walkTo(page, cdp, { lon: 119.1413, lat: 33.5024 });
      // Only the check-in taken with signal has reached the server.
      const early = await cloud().db.query('SELECT id FROM patrol_checkins WHERE session_id = $1', [Number(sessionId)]);
      expect(early.rows).toHaveLength(1);

      // Back online: everything goes, in order, once.
      await context.setOffline(false);
      const panel = page.locator('#pending-panel');
      await panel.locator('.pending-summary', { hasText: '离线操作已全部发送' }).waitFor({ timeout: 30_000 });
      await page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[1]?.id}"][data-state="reached"]`).waitFor();
      const third = page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[2]?.id}"][data-state="reached"]`);
      await third.locator('.checkin-flags', { hasText: '位置不在本网格内' }).waitFor();
      await shoot(page, 'run-back-online');

      // Their supervisor sees them on the map while they patrol.
      const desk = await open('patrol-operator', { viewport: DESKTOP });
      await desk.page.goto(`${cloud().url}/#/patrol/live`);
      await desk.page.locator(`.live-worker-row[data-worker="${workerId}"]`).waitFor();
      await desk.page.locator('.live-worker').first().waitFor();
      await shoot(desk.page, 'live');

      // The end: the last positions go, recording stops.
      const taken = Number(await status.getAttribute('data-recorded'));
      expect(taken).toBe(recorded + 1);
      await page.click('#end-patrol');
      await page.locator('.confirm-end-patrol .van-dialog__confirm').click();
      await page.locator('#patrol-none', { hasText: '巡查已结束' }).waitFor();
      await panel.locator('.pending-summary', { hasText: '离线操作已全部发送' }).waitFor({ timeout: 30_000 });
      await expect
        .poll(
          async () =>
            (await cloud().db.query('SELECT ended_at FROM patrol_sessions WHERE id = $1', [Number(sessionId)])).rows[0],
        )
        .toMatchObject({ ended_at: expect.any(Date) });

      // Each position once: as many as the phone recorded, none twice (read as the worker reads them).
      const track = await api<PatrolTrajectory>(cloud(), 'GET', `/api/v1/patrol/sessions/${sessionId}/trajectory`, {
        token: await login(cloud(), 'patrol-worker'),
      });
      expect(track.status, JSON.stringify(track.body)).toBe(200);
      expect(track.body.points).toHaveLength(taken);
      expect(new Set(track.body.points.map((p) => p.at)).size).toBe(taken);
      const batches = await cloud().db.query<{ answer: { accepted: number; duplicates: number; refused: unknown[] } }>(
        'SELECT answer FROM patrol_batches WHERE session_id = $1',
        [Number(sessionId)],
      );
      expect(batches.rows.reduce((n, row) => n + row.answer.accepted, 0)).toBe(taken);
      expect(batches.rows.every((row) => row.answer.duplicates === 0 && row.answer.refused.length === 0)).toBe(true);
      // Each check-in once, the photo on the one taken with it, the tag's flagged.
      const checkins = await cloud().db.query<{
        checkpoint_id: string;
        method: string;
        flags: string[];
        photo_ids: string[];
      }>('SELECT checkpoint_id, method, flags, photo_ids FROM patrol_checkins WHERE session_id = $1 ORDER BY at', [
        Number(sessionId),
      ]);
      expect(checkins.rows.map((c) => [c.checkpoint_id, c.method, c.flags, c.photo_ids.length])).toEqual([
        [route.checkpoints[0]?.id, 'position', [], 0],
        [route.checkpoints[1]?.id, 'position', [], 1],
        [route.checkpoints[2]?.id, 'tag', ['outside_grid'], 0],
      ]);
      const photos = await cloud().db.query('SELECT id FROM patrol_photos WHERE uploaded_by = $1', [workerId]);
      // The worker's photos: the task's and the check-in's, each once.
      expect(photos.rows.map((p) => p.id).sort()).toEqual(
        [...(done.rows[0]?.done_photo_ids ?? []), ...(checkins.rows[1]?.photo_ids ?? [])].sort(),
      );

      // Nobody patrols now: the live map says so.
      await desk.page.locator('.live-list button').click();
      await desk.page.locator('#live-empty', { hasText: '目前没有网格员在巡查' }).waitFor();
      await shoot(desk.page, 'live-empty');

      // The worker's day as the supervisor reads it, and the patrol replayed.
      await desk.page.goto(`${cloud().url}/#/patrol/workers/${workerId}?name=${encodeURIComponent('巡查网格员')}`);
      const round = desk.page.locator(`.patrol-route[data-route="${route.id}"] .round`).first();
      await round.locator('.round-count', { hasText: '打卡 2/3' }).waitFor();
      expect(await round.getAttribute('data-state')).toBe('incomplete');
      await round.locator('.round-count .flagged', { hasText: '1 次异常打卡' }).waitFor();
      await shoot(desk.page, 'worker-day');
      await round.locator('.replay-link').click();
      const checkinRows = desk.page.locator('#replay-checkins li');
      await expect.poll(() => checkinRows.count()).toBe(3);
      expect(await checkinRows.nth(2).getAttribute('data-flagged')).toBe('true');
      await desk.page.locator('.replay-line').first().waitFor();
      const clock = desk.page.locator('#replay-time');
      const startedAt = await clock.textContent();
      await desk.page.click('#replay-play');
      await expect.poll(() => clock.textContent()).not.toBe(startedAt);
      await desk.page.click('#replay-pause');
      await desk.page
        .locator('#replay-scrub')
        .fill(String(await desk.page.locator('#replay-scrub').getAttribute('max')));
      await desk.page.locator('.replay-played').first().waitFor();
      await desk.page.locator('.replay-head').waitFor();
      await shoot(desk.page, 'replay');
      const views = await cloud().db.query(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'patrol.trajectory.view'",
      );
      expect(Number(views.rows[0]?.n)).toBeGreaterThan(0);
      await desk.context.close();

      // The next round starts without signal: the patrol runs on the phone, the server learns of it later.
      await page.goto(`${cloud().url}/#/patrol`);
      await card.locator('.start-patrol:not([disabled])').waitFor();
      await context.setOffline(true);
      await card.locator('.start-patrol').click();
      await page.locator('#patrol-message', { hasText: '巡查已在本机开始' }).waitFor();
      expect(await status.getAttribute('data-session')).toBe('');
      await walkTo(page, cdp, { lon: 119.1405, lat: 33.5011 });
      await walkTo(page, cdp, { lon: 119.1405, lat: 33.5012 });
      await expect.poll(() => first.locator('.checkin-button').isDisabled()).toBe(false);
      await first.locator('.checkin-button').click();
      await page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[0]?.id}"][data-state="waiting"]`).waitFor();
      await context.setOffline(false);
      await page.locator(`.checkpoint[data-checkpoint="${route.checkpoints[0]?.id}"][data-state="reached"]`).waitFor({
        timeout: 30_000,
      });
      await expect.poll(() => status.getAttribute('data-session')).toMatch(/^\d+$/);
      const offlineSession = Number(await status.getAttribute('data-session'));
      expect(offlineSession).not.toBe(Number(sessionId));
      const takenOffline = Number(await status.getAttribute('data-recorded'));
      await page.click('#end-patrol');
      await page.locator('.confirm-end-patrol .van-dialog__confirm').click();
      await page.locator('#patrol-none').waitFor();
      await panel.locator('.pending-summary', { hasText: '离线操作已全部发送' }).waitFor({ timeout: 30_000 });
      const replayed = await api<PatrolTrajectory>(
        cloud(),
        'GET',
        `/api/v1/patrol/sessions/${offlineSession}/trajectory`,
        {
          token: await login(cloud(), 'patrol-worker'),
        },
      );
      expect(replayed.body.points).toHaveLength(takenOffline);
      expect(takenOffline).toBeGreaterThanOrEqual(2);
      expect(replayed.body.checkins.map((c) => c.checkpoint_id)).toEqual([route.checkpoints[0]?.id]);
      expect(replayed.body.session.running).toBe(false);
      await context.close();
    }, 240_000);

    it('keeps the phone tab bar to five tabs, the rest under More, and shows each role only its pages', async () => {
      // A command-centre operator: more pages than a phone bar holds.
      const desk = await open('patrol-operator');
      const tabs = desk.page.locator('.van-tabbar-item');
      expect(await tabs.evaluateAll((items) => items.map((item) => item.getAttribute('data-tab')))).toEqual([
        '/incidents',
        '/intake',
        '/kpis',
        '#more',
        '/me',
      ]);
      await desk.page.click('.van-tabbar-item[data-tab="#more"]');
      const sheet = desk.page.locator('.more-tabs');
      await sheet.locator('.more-tab-patrol-live').waitFor();
      expect(await sheet.locator('.more-tab').allTextContents()).toEqual([
        '日志',
        '巡查监控',
        '物业',
        '调解',
        '网关运维',
      ]);
      // The sheet belongs to the phone bar: shot at the phone's size only, once it has slid in.
      await expect.poll(async () => (await sheet.boundingBox())?.y ?? PHONE.height).toBeLessThan(PHONE.height - 200);
      await expect.poll(async () => (await sheet.getAttribute('class')) ?? '').not.toContain('enter-active');
      if (SCREENSHOTS) await desk.page.screenshot({ path: join(SCREENSHOTS, 'patrol-tabs-more-390x844.png') });
      await sheet.locator('.more-tab-patrol-live').click();
      await expect.poll(() => desk.page.evaluate('location.hash')).toBe('#/patrol/live');
      await desk.page.locator('#live-empty, .live-list').first().waitFor();
      expect(await desk.page.locator('.van-tabbar-item--active').getAttribute('data-tab')).toBe('#more');
      await desk.context.close();

      // A property manager: only what they may use.
      const pm = await open('patrol-property');
      expect(
        await pm.page
          .locator('.van-tabbar-item')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-tab'))),
      ).toEqual(['/incidents', '/report', '/property', '/kpis', '/me']);
      await shoot(pm.page, 'tabs-property');
      await pm.context.close();

      // A grid worker: their daily pages as tabs; the monthly KPIs a link on the "Me" page.
      const walker = await open('patrol-idle');
      expect(
        await walker.page
          .locator('.van-tabbar-item')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-tab'))),
      ).toEqual(['/incidents', '/patrol', '/report', '/worklog', '/me']);
      await walker.page.click('.van-tabbar-item[data-tab="/me"]');
      await walker.page.locator('.me-kpis').waitFor();
      await walker.page.locator('.me-mediation').waitFor();
      await walker.context.close();
    }, 120_000);

    it('shows the replay while it loads and when the patrol is not one the reader may see', async () => {
      const { page, context } = await open('patrol-operator', { viewport: DESKTOP });
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/api/v1/patrol/live?**', async (request) => {
        await held;
        await request.continue();
      });
      await page.goto(`${cloud().url}/#/patrol/live`);
      await page.locator('#live-loading').waitFor();
      await shoot(page, 'live-loading');
      release();
      await page.locator('#live-empty').waitFor();
      await page.goto(`${cloud().url}/#/patrol/sessions/999999`);
      await page.locator('.load-error').waitFor();
      await shoot(page, 'replay-error');
      await context.close();
    }, 120_000);
  },
);
