import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, TEST_PASSWORD } from '../people/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (phone 390×844 and desktop 1366×768). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID = `${COMMUNITY}001`;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
const UNITS = [
  ['unit-lead', '井盖权属单位', 'Cover owner', 'cover_owner'],
  ['unit-road', '市政道路养护所', 'Road maintenance', 'road_maintenance'],
  ['unit-police', '交警大队', 'Traffic police', 'traffic_police'],
  ['unit-water', '自来水公司', 'Water company', 'water_company'],
] as const;

/**
 * Co-handling (多部门联动) as it is used: the centre's operator, at a desk, names two co-handling
 * units on a dispatched incident; both units report back (one from its task list on a phone), the
 * lead reports handled and the incident goes on to its check. The panel is shown empty, with units,
 * overdue (red, escalated), with a refused task, loading and with a refused form.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'co-handling pages (browser)'
    : `co-handling pages (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { projectionSettleMs: 0, dispatchSweepMs: 3_600_000 });
    let browser: Browser;
    const cspViolations: string[] = [];
    const tokens: Record<string, string> = {};

    beforeAll(async () => {
      await cloud().db.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
          ('320803', 'district', NULL, '淮安区', NULL), ($1, 'street', '320803', '河下街道', NULL),
          ($2, 'community', $1, '古镇社区', NULL), ($3, 'grid', $2, '古镇第一网格', NULL)
         ON CONFLICT (code) DO NOTHING`,
        [STREET, COMMUNITY, GRID],
      );
      const settings = await api<Record<string, unknown>>(cloud(), 'GET', '/api/v1/settings/dispatch', {
        token: TEST_ADMIN_TOKEN,
      });
      await api(cloud(), 'PUT', '/api/v1/settings/dispatch', {
        token: TEST_ADMIN_TOKEN,
        body: { ...settings.body, auto_dispatch: false },
      });
      for (const [id, zh, en, type] of UNITS)
        await api(cloud(), 'POST', '/api/v1/disposal-units', {
          token: TEST_ADMIN_TOKEN,
          body: { id, name_zh: zh, name_en: en, unit_type: type, territory_code: '320803' },
        });
      tokens.operator = (await signedIn(cloud(), 'co-operator', [{ role: 'operator', scope: STREET }])).token;
      for (const [id] of UNITS)
        tokens[id] = (await signedIn(cloud(), `co-${id}`, [{ role: 'disposal_unit', scope: id }])).token;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
    });

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };
    const call = async (who: string, method: string, path: string, body?: unknown, status = 200) => {
      const response = await api<Record<string, unknown>>(cloud(), method, `/api/v1${path}`, {
        token: tokens[who] as string,
        ...(body === undefined ? {} : { body }),
      });
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      return response.body;
    };
    let requests = 0;
    const step = (who: string, id: string, action: string, data?: Record<string, unknown>) => {
      requests += 1;
      return call(who, 'POST', `/incidents/${id}/transitions`, {
        action,
        request_id: `${action}-${requests}`,
        ...(data ? { data } : {}),
      });
    };
    /** Reported, filed, dispatched to the lead unit and signed for: in progress. */
    const inProgress = async (title: string) => {
      const reported = (await call(
        'operator',
        'POST',
        '/incidents',
        {
          request_id: title,
          source: 'hotline_12345',
          category: 'urban_management.manhole_cover',
          title,
          community: COMMUNITY,
          grid: GRID,
        },
        201,
      )) as { incident: { id: string } };
      const id = reported.incident.id;
      await step('operator', id, 'accept');
      await step('operator', id, 'file');
      await step('operator', id, 'dispatch', { assignee: 'unit-lead' });
      await step('unit-lead', id, 'sign');
      return id;
    };

    async function signIn(username: string, viewport: { width: number; height: number }) {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#live-status').waitFor();
      return { context, page };
    }

    it('an operator names a lead and two co-handling units; both report back; the lead handles; the incident goes on', async () => {
      const id = await inProgress('道路塌陷多部门联办');
      const desk = await signIn('co-operator', DESKTOP);
      const phone = await signIn('co-operator', PHONE);
      // Loading: the panel waits for its answer.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await desk.page.route(
        '**/co-handling',
        async (route) => {
          await held;
          await route.continue();
        },
        { times: 1 },
      );
      await desk.page.goto(`${cloud().url}/#/incidents/${id}`);
      await desk.page.locator('#co-handling[aria-busy=true]').waitFor();
      await shoot(desk.page, 'co-panel-loading-desktop');
      release();
      await desk.page.locator('#co-handling .empty-state').waitFor();
      expect(await desk.page.locator('#co-handling .co-lead').textContent()).toContain('井盖权属单位');
      await shoot(desk.page, 'co-panel-empty-desktop');
      await phone.page.goto(`${cloud().url}/#/incidents/${id}`);
      await phone.page.locator('#co-handling .empty-state').waitFor();
      await shoot(phone.page, 'co-panel-empty-phone');

      // A row without its unit is refused by the server, naming the field.
      await desk.page.locator('#co-handling .co-manage').click();
      await expect.poll(() => desk.page.locator('select[name=co-unit-0] option').count()).toBeGreaterThan(2);
      await desk.page.fill('input[name=co-task-0]', '封闭道路并修复路面');
      await desk.page.locator('.co-save').click();
      await desk.page.locator('#co-handling .co-error').waitFor();
      await desk.page.locator('#co-handling .field.invalid').first().waitFor();
      await shoot(desk.page, 'co-panel-error-desktop');

      await desk.page.selectOption('select[name=co-unit-0]', 'unit-road');
      await desk.page.locator('.co-add-row').click();
      await desk.page.selectOption('select[name=co-unit-1]', 'unit-police');
      await desk.page.fill('input[name=co-task-1]', '现场交通疏导');
      await desk.page.locator('.co-save').click();
      await desk.page.locator('#co-handling .co-task[data-unit=unit-police]').waitFor();
      expect(await desk.page.locator('#co-handling .co-task').count()).toBe(2);
      expect(await desk.page.locator('#co-handling .co-gate').textContent()).toContain('2 项协办未办结');
      await shoot(desk.page, 'co-panel-units-desktop');
      await phone.page.reload();
      await phone.page.locator('#co-handling .co-task[data-unit=unit-police]').waitFor();
      await shoot(phone.page, 'co-panel-units-phone');

      // The road unit answers from its task list on a phone: accepts, reports, is done.
      const road = await signIn('co-unit-road', PHONE);
      const task = road.page.locator('#co-tasks .co-task').first();
      await task.waitFor();
      await shoot(road.page, 'co-tasks-phone');
      await task.locator('.co-accept').click();
      await road.page.locator('#co-tasks .co-task[data-state=accepted]').waitFor();
      await road.page.locator('#co-tasks .co-open-feedback').click();
      await road.page.fill('textarea[name=co-text]', '道路已封闭，正在修复');
      await road.page.locator('#co-tasks .co-send').click();
      await road.page.locator('#co-tasks .co-answer').waitFor({ state: 'detached' });
      await road.page.locator('#co-tasks .co-open-done').click();
      await road.page.locator('#co-tasks .co-send').click();
      await road.page.locator('#co-tasks .empty-state').waitFor();
      // The police report through the API.
      const panel = (await call('operator', 'GET', `/incidents/${id}/co-handling`)) as {
        tasks: Array<{ id: string; unit: string }>;
      };
      const police = panel.tasks.find((t) => t.unit === 'unit-police')?.id as string;
      await call('unit-police', 'POST', `/co-tasks/${police}/actions`, {
        action: 'feedback',
        request_id: 'police-feedback',
        comment: '已安排警力疏导',
      });
      await call('unit-police', 'POST', `/co-tasks/${police}/actions`, { action: 'done', request_id: 'police-done' });

      // The lead reports handled on its page; the loop goes on to the check.
      const lead = await signIn('co-unit-lead', DESKTOP);
      await lead.page.goto(`${cloud().url}/#/incidents/${id}`);
      await lead.page.locator('#actions [data-action=finish]').click();
      await lead.page.locator('.action-form .submit').click();
      await expect.poll(() => lead.page.locator('#incident-state').textContent()).toBe('待核查');
      await desk.page.reload();
      await desk.page.locator('#co-handling .co-task[data-state=done]').first().waitFor();
      expect(await desk.page.locator('#co-handling .co-task[data-state=done]').count()).toBe(2);
      expect(await desk.page.locator('#co-handling .co-feedback li').count()).toBeGreaterThanOrEqual(2);
      await shoot(desk.page, 'co-panel-done-desktop');
      for (const session of [desk, phone, road, lead]) await session.context.close();
    }, 120_000);

    it('shows an overdue (red, escalated) task and a refused one, with the reassign and override forms', async () => {
      const id = await inProgress('井盖缺失联办超时');
      await call(
        'operator',
        'POST',
        `/incidents/${id}/co-handling`,
        {
          request_id: 'late-add',
          co_units: [
            { unit: 'unit-road', task: '更换井盖' },
            { unit: 'unit-police', task: '设置警示' },
          ],
          copy_units: ['unit-water'],
        },
        201,
      );
      // The road unit's deadline passes (its times moved back as hours going by would), and the sweep escalates it.
      await cloud().db.query(
        `UPDATE co_tasks SET assigned_at = assigned_at - interval '3 days', deadline = now() - interval '1 hour'
          WHERE incident_id = $1 AND unit_id = 'unit-road'`,
        [id],
      );
      expect(await cloud().coHandling.escalation.sweep()).toBeGreaterThanOrEqual(1);
      const panel = (await call('operator', 'GET', `/incidents/${id}/co-handling`)) as {
        tasks: Array<{ id: string; unit: string }>;
      };
      const police = panel.tasks.find((t) => t.unit === 'unit-police')?.id as string;
      await call('unit-police', 'POST', `/co-tasks/${police}/actions`, {
        action: 'refuse',
        request_id: 'police-refuse',
        reason: '井盖不属于交警职责范围',
      });
      for (const [viewport, suffix] of [
        [DESKTOP, 'desktop'],
        [PHONE, 'phone'],
      ] as const) {
        const { context, page } = await signIn('co-operator', viewport);
        await page.goto(`${cloud().url}/#/incidents/${id}`);
        await page.locator('#co-handling .co-task[data-state=refused]').waitFor();
        expect(
          await page.locator('#co-handling .co-task[data-unit=unit-road] [data-light]').getAttribute('data-light'),
        ).toBe('overdue');
        expect(await page.locator('#co-handling .co-escalated').count()).toBe(1);
        expect(await page.locator('#co-handling .co-refused').textContent()).toContain('井盖不属于交警职责范围');
        await page.locator('#co-handling .co-task[data-unit=unit-police] .co-reassign-open').click();
        await page.locator('select[name=reassign-unit]').waitFor();
        await shoot(page, `co-panel-overdue-refused-${suffix}`);
        // The KPI page shows the co-task KPIs per unit for the month.
        await page.goto(`${cloud().url}/#/kpis`);
        await page.locator('#co-task-kpis .el-table__row').first().waitFor();
        expect(await page.locator('#co-task-kpis').textContent()).toContain('交警大队');
        await shoot(page, `co-kpis-${suffix}`);
        await context.close();
      }
      expect(cspViolations).toEqual([]);
    }, 120_000);
  },
);
