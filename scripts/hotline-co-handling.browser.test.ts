/**
 * A hotline order end to end, in Chromium: the 12345 platform (the simulator) files an order into
 * a cloud on PostgreSQL; the centre's operator accepts, files and dispatches it to a lead unit and
 * names two co-handling units; each co-unit accepts, reports back and is done from its task list on
 * a phone; the lead signs and reports handled; the operator checks, passes and closes. The platform
 * hears every push-back, signed, in the order docs/hotline.md gives. Screenshots of the closed
 * incident at phone and desktop size go to GRIDLINK_WEB_SCREENSHOTS (when set).
 *
 * Every step is taken on a page: the incident page has the loop's actions, the co-handling panel
 * names the co-units and the unit's home page lists its co-tasks. Only the setup (territory, units,
 * accounts, the platform's registration) goes through the API, as an administrator would.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, type RunningCloud, startCloud } from '@gridlink/cloud';
import { HotlinePlatformSimulator } from '@gridlink/simulators';
import { cannotRun, createTestDatabase } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { pino } from 'pino';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const ADMIN_TOKEN = 'hotline-co-handling-admin-token-0123456789abcdef';
const PASSWORD = 'Hotline-co-handling-2026!';
const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID = `${COMMUNITY}001`;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
/** Deliveries and pages run on a shared machine: generous limits, never a fixed sleep. */
const WAIT = { timeout: 20_000 };
const UNITS = [
  // The lead serves the order's category (城市管理): the dispatch picker offers it.
  ['unit-lead', '河下城管中队', 'Urban management squad', 'urban_management'],
  ['unit-road', '市政道路养护所', 'Road maintenance', 'road_maintenance'],
  ['unit-police', '交警大队', 'Traffic police', 'traffic_police'],
] as const;

/**
 * What docs/hotline.md says the platform hears for this loop: 受理 when the order is filed, a
 * `progress` per step of the incident, `result` for the lead's 办理结果, `closed` for 办结. Co-tasks
 * are not steps of the incident: they are not pushed.
 */
const EXPECTED = [
  ['accepted', undefined],
  ['progress', 'accept'],
  ['progress', 'file'],
  ['progress', 'dispatch'],
  ['progress', 'sign'],
  ['result', 'finish'],
  ['progress', 'startCheck'],
  ['progress', 'pass'],
  ['closed', 'close'],
] as const;

describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'a hotline order co-handled to its close (browser)'
    : `a hotline order co-handled to its close (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlink-hotline-co-'));
    const cleanup: Array<() => Promise<unknown>> = [];
    const cspViolations: string[] = [];
    const simulator = new HotlinePlatformSimulator();
    let cloud: RunningCloud;
    let browser: Browser;

    const call = async (method: string, path: string, body?: unknown, token = ADMIN_TOKEN) => {
      const response = await fetch(`${cloud.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      const answer = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return answer;
    };
    const createUser = (username: string, name: string, role: string, scope: string) =>
      call('POST', '/users', {
        username,
        display_name: name,
        territory_code: STREET,
        password: PASSWORD,
        roles: [{ role, scope }],
      });

    beforeAll(async () => {
      const database = await createTestDatabase();
      cleanup.push(() => database.drop());
      cloud = await startCloud(
        CloudConfig.parse({
          cloud: { data_dir: join(dir, 'cloud') },
          http: { host: '127.0.0.1', port: 0 },
          database: { url: database.url },
          auth: { admin_token: ADMIN_TOKEN },
          log: { level: 'silent' },
        }),
        pino({ level: 'silent' }),
        { projectionSettleMs: 0, dispatchSweepMs: 3_600_000, maintenanceSweepMs: 86_400_000 },
      );
      cleanup.push(() => cloud.stop());
      await simulator.start();
      cleanup.push(() => simulator.stop());

      await cloud.db.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
          ('320803', 'district', NULL, '淮安区', NULL), ($1, 'street', '320803', '河下街道', NULL),
          ($2, 'community', $1, '古镇社区', NULL), ($3, 'grid', $2, '古镇第一网格', NULL)
         ON CONFLICT (code) DO NOTHING`,
        [STREET, COMMUNITY, GRID],
      );
      // The operator dispatches by hand: no robot takes the order first.
      const settings = await call('GET', '/settings/dispatch');
      await call('PUT', '/settings/dispatch', { ...settings, auto_dispatch: false });
      for (const [id, zh, en, type] of UNITS) {
        await call('POST', '/disposal-units', {
          id,
          name_zh: zh,
          name_en: en,
          unit_type: type,
          territory_code: '320803',
        });
        await createUser(`hl-${id}`, `${zh}值班员`, 'disposal_unit', id);
      }
      await createUser('hl-operator', '周调度', 'operator', STREET);

      // The platform's account: an operator of the street with an API token, registered with the simulator as webhook.
      const platformUser = await createUser('hl-platform', '12345 热线平台（对接账号）', 'operator', STREET);
      const token = await call('POST', `/users/${platformUser.id}/api-tokens`, { name: '12345' });
      const platform = await call('POST', '/hotline/platforms', {
        id: '12345-huaian',
        name: '淮安 12345',
        user_id: platformUser.id,
        territory_code: STREET,
        webhook_url: simulator.webhookUrl,
        category_map: { 'SZ-0301': 'urban_management' },
      });
      simulator.useSecret(String(platform.secret));
      simulator.connect({ url: cloud.url, token: String(token.token) });
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      for (const step of cleanup.reverse()) await step();
      rmSync(dir, { recursive: true, force: true });
    });

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };

    async function signIn(username: string, viewport: { width: number; height: number }) {
      const context: BrowserContext = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud.url);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#live-status').waitFor(WAIT);
      return { context, page };
    }

    /** Takes a step of the loop on the incident page and waits until it shows in the timeline. */
    async function act(page: Page, action: string, fill?: (form: ReturnType<Page['locator']>) => Promise<void>) {
      const before = await page.locator(`#timeline li[data-action="${action}"]`).count();
      await page.locator(`#actions button[data-action="${action}"]`).click(WAIT);
      const form = page.locator(`form.action-form[data-action="${action}"]`);
      await form.waitFor(WAIT);
      if (fill) await fill(form);
      await form.locator('button[type=submit]').click();
      await expect
        .poll(() => page.locator(`#timeline li[data-action="${action}"]`).count(), WAIT)
        .toBeGreaterThan(before);
    }

    it('is filed, dispatched, co-handled by two units, closed, and the platform hears every step in order', async () => {
      const order = {
        ticket: 'SZ-20261206-000123',
        channel: 'hotline_12345',
        caller: { name: '王建国', phone: '13812341234' },
        content: '古镇东门路口污水井冒水，井盖破损，车辆绕行堵塞路口。请回电 13987654321。',
        category_code: 'SZ-0301',
        territory_code: GRID,
        address: '河下古镇东门路口',
      } as const;
      const filed = await simulator.sendOrder(order);
      expect(filed.status, JSON.stringify(filed.body)).toBe(201);
      const id = String(filed.body.incident_id);
      const incidentUrl = `${cloud.url}/#/incidents/${encodeURIComponent(id)}`;
      await expect.poll(() => simulator.pushesOf(order.ticket).map((p) => p.kind), WAIT).toEqual(['accepted']);

      // The centre's operator, at a desk: accepts, files, dispatches to the lead unit.
      const desk = await signIn('hl-operator', DESKTOP);
      await desk.page.goto(incidentUrl);
      await desk.page.locator('#hotline .ticket').waitFor(WAIT);
      // The title is the content's start, masked, and says it goes on rather than show a cut number.
      await expect
        .poll(() => desk.page.locator('.detail .head h1').textContent(), WAIT)
        .toBe('古镇东门路口污水井冒水，井盖破损，车辆绕行堵塞路口。请回电 139****43…');
      await act(desk.page, 'accept');
      await act(desk.page, 'file');
      await act(desk.page, 'dispatch', async (form) => {
        await form.locator('option[value="unit-lead"]').waitFor({ state: 'attached', ...WAIT });
        await form.locator('select[name=assignee]').selectOption('unit-lead');
      });
      await expect.poll(() => desk.page.locator('#incident-state').textContent(), WAIT).toBe('待签收');

      // …and names two co-handling units on the co-handling panel.
      await desk.page.locator('#co-handling .co-manage').click(WAIT);
      await expect.poll(() => desk.page.locator('select[name=co-unit-0] option').count(), WAIT).toBeGreaterThan(2);
      await desk.page.selectOption('select[name=co-unit-0]', 'unit-road');
      await desk.page.fill('input[name=co-task-0]', '封闭破损路段并修复路面');
      await desk.page.locator('.co-add-row').click();
      await desk.page.selectOption('select[name=co-unit-1]', 'unit-police');
      await desk.page.fill('input[name=co-task-1]', '现场交通疏导');
      await desk.page.locator('.co-save').click();
      await desk.page.locator('#co-handling .co-task[data-unit=unit-police]').waitFor(WAIT);
      await expect.poll(() => desk.page.locator('#co-handling .co-task').count(), WAIT).toBe(2);

      // The lead unit signs for the work on its incident page.
      const lead = await signIn('hl-unit-lead', DESKTOP);
      await lead.page.goto(incidentUrl);
      await act(lead.page, 'sign');
      await expect.poll(() => lead.page.locator('#incident-state').textContent(), WAIT).toBe('处置中');

      // Each co-unit, on a phone: accepts its task, reports back, reports done.
      for (const [unit, feedback] of [
        ['unit-road', '道路已封闭，正在修复'],
        ['unit-police', '已安排警力现场疏导'],
      ] as const) {
        const co = await signIn(`hl-${unit}`, PHONE);
        const task = co.page.locator('#co-tasks .co-task').first();
        await task.waitFor(WAIT);
        await task.locator('.co-accept').click();
        await co.page.locator('#co-tasks .co-task[data-state=accepted]').waitFor(WAIT);
        await co.page.locator('#co-tasks .co-open-feedback').click();
        await co.page.fill('textarea[name=co-text]', feedback);
        await co.page.locator('#co-tasks .co-send').click();
        await co.page.locator('#co-tasks .co-answer').waitFor({ state: 'detached', ...WAIT });
        await co.page.locator('#co-tasks .co-open-done').click();
        await co.page.locator('#co-tasks .co-send').click();
        await co.page.locator('#co-tasks .empty-state').waitFor(WAIT);
        await co.context.close();
      }

      // The lead reports handled (allowed now that both co-tasks are done).
      await lead.page.reload();
      await act(lead.page, 'finish', (form) => form.locator('textarea[name=comment]').fill('井盖已更换，路面已修复'));
      await expect.poll(() => lead.page.locator('#incident-state').textContent(), WAIT).toBe('待核查');
      await lead.context.close();

      // The operator checks, passes and closes on the incident page.
      await desk.page.reload();
      await act(desk.page, 'startCheck');
      await act(desk.page, 'pass', (form) => form.locator('textarea[name=comment]').fill('现场核查通过'));
      await act(desk.page, 'close', (form) => form.locator('textarea[name=comment]').fill('已办结'));
      await expect.poll(async () => (await cloud.incidents.get(id))?.state, WAIT).toBe('CLOSED');

      // The platform heard every step, in order, each signed under its secret (the simulator refuses any other).
      await expect
        .poll(() => simulator.pushesOf(order.ticket).map((p) => [p.kind, (p.data as { action?: string }).action]), WAIT)
        .toEqual(EXPECTED.map(([kind, action]) => [kind, action]));
      const pushes = simulator.pushesOf(order.ticket);
      expect(simulator.refusedSignatures).toEqual([]);
      expect(pushes.every((p) => p.incident_id === id)).toBe(true);
      const ids = pushes.map((p) => p.push_id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      expect(pushes.at(-1)?.data).toMatchObject({ action: 'close', state: 'CLOSED', text: '已办结' });
      expect(pushes.find((p) => p.kind === 'result')?.data).toMatchObject({
        state: 'HANDLED',
        text: '井盖已更换，路面已修复',
      });

      // The closed incident as the centre sees it: co-tasks done, every push delivered.
      for (const [session, suffix] of [
        [desk, 'desktop'],
        [await signIn('hl-operator', PHONE), 'phone'],
      ] as const) {
        await session.page.goto(incidentUrl);
        await session.page.reload();
        await expect.poll(() => session.page.locator('#incident-state').textContent(), WAIT).toBe('已结案');
        await expect
          .poll(() => session.page.locator('#hotline .pushes li[data-status=delivered]').count(), WAIT)
          .toBe(EXPECTED.length);
        // The co-handling panel loads on its own: wait for it too.
        await expect.poll(() => session.page.locator('#co-handling .co-task[data-state=done]').count(), WAIT).toBe(2);
        await shoot(session.page, `hotline-co-handling-closed-${suffix}`);
        if (SCREENSHOTS)
          for (const panel of ['hotline', 'co-handling'])
            await session.page
              .locator(`#${panel}`)
              .screenshot({ path: join(SCREENSHOTS, `hotline-co-handling-closed-${panel}-${suffix}.png`) });
        await session.context.close();
      }
      expect(cspViolations).toEqual([]);
    }, 180_000);
  },
);
