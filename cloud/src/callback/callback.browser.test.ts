import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (phone 390×844 and desktop 1366×768, empty, loading and error states too). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID = `${COMMUNITY}001`;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
const VIEWPORTS = [
  ['phone', PHONE],
  ['desktop', DESKTOP],
] as const;

/**
 * The callback queue as an agent uses it: they open it, see the reporter's phone masked, reveal it
 * (audited), record "basically satisfied, solved", and the street's satisfaction figure on the KPI
 * page moves. Empty, loading and error states are shown too.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the callback queue (browser)'
    : `the callback queue (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { projectionSettleMs: 0, dispatchSweepMs: 3_600_000 });
    let browser: Browser;
    const cspViolations: string[] = [];
    const tokens: Record<string, string> = {};
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      await cloud().db.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
          ('320803', 'district', NULL, '淮安区', NULL), ($1, 'street', '320803', '河下街道', NULL),
          ($2, 'community', $1, '古镇社区', NULL), ($3, 'grid', $2, '古镇第一网格', NULL)
         ON CONFLICT (code) DO NOTHING`,
        [STREET, COMMUNITY, GRID],
      );
      const people = {
        'cb-operator': [{ role: 'operator', scope: STREET }],
        'cb-worker': [{ role: 'grid_worker', scope: GRID }],
        'cb-agent': [{ role: 'callback_agent', scope: STREET }],
      } as const;
      for (const [name, roles] of Object.entries(people)) {
        const user = await createUser(cloud(), name, { roles: [...roles] });
        ids[name] = user.id;
        tokens[name] = await login(cloud(), name);
      }
      const contact = await api(cloud(), 'PUT', `/api/v1/users/${ids['cb-worker']}/contact`, {
        token: TEST_ADMIN_TOKEN,
        body: { phone: '13912345678' },
      });
      expect(contact.status).toBe(200);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
    });

    const closedIncident = async (title: string) => {
      const reported = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: tokens['cb-worker'],
        body: { request_id: title, source: 'patrol', community: COMMUNITY, grid: GRID, category: 'other', title },
      });
      expect(reported.status).toBe(201);
      const id = reported.body.incident.id;
      const steps: Array<[string, string, Record<string, unknown>?]> = [
        ['cb-operator', 'accept'],
        ['cb-operator', 'file'],
        ['cb-operator', 'dispatch', { assignee: ids['cb-worker'] }],
        ['cb-worker', 'sign'],
        ['cb-worker', 'finish'],
        ['cb-operator', 'startCheck'],
        ['cb-operator', 'pass'],
        ['cb-operator', 'close'],
      ];
      for (const [who, action, data] of steps) {
        const answer = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
          token: tokens[who],
          body: { action, request_id: `${id}-${action}`, ...(data ? { data } : {}) },
        });
        expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      }
      return id;
    };

    const shoot = async (page: Page, name: string, fullPage = true) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
    };

    /** Requests to `url` held (the page shows its loading state) until released, then failing with 503. */
    async function failHeld(page: Page, url: string): Promise<() => void> {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route(url, async (route) => {
        await held;
        await route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            status: 503,
            code: 'GL_DATABASE_UNAVAILABLE',
            detail: '数据库未能完成请求，请稍后重试',
          }),
        });
      });
      return release;
    }

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

    /** The street's satisfaction figure on the KPI page, as the operator reads it this month. */
    async function satisfactionOnKpiPage(): Promise<string> {
      const { context, page } = await signIn('cb-operator', DESKTOP);
      await page.goto(`${cloud().url}/#/kpis`);
      await page.locator('.kpi-grid').waitFor();
      const headers = await page.locator('.kpi-grid thead th').allInnerTexts();
      const column = headers.findIndex((text) => text.trim() === '满意率');
      expect(column).toBeGreaterThan(0);
      const figure =
        (await page.locator('.kpi-grid tbody tr').first().locator('td').nth(column).textContent())?.trim() ?? '';
      await context.close();
      return figure;
    }

    it('shows an empty queue, then loading and a failed read with a retry', async () => {
      for (const [size, viewport] of VIEWPORTS) {
        const { context, page } = await signIn('cb-agent', viewport);
        await page.goto(`${cloud().url}/#/callbacks`);
        await page.locator('[data-state=empty]').waitFor();
        await shoot(page, `callback-empty-${size}`);

        const release = await failHeld(page, '**/api/v1/callbacks/queue');
        await page.reload();
        await page.locator('[data-state=loading]').waitFor();
        await shoot(page, `callback-loading-${size}`);
        release();
        await page.locator('[data-state=error]', { hasText: '数据库未能完成请求' }).waitFor();
        await shoot(page, `callback-error-${size}`);
        await page.unroute('**/api/v1/callbacks/queue');
        await page.locator('[data-state=error] .retry').click();
        await page.locator('[data-state=empty]').waitFor();
        await context.close();
      }
    }, 120_000);

    it('lets an agent reveal the reporter’s phone and record “basically satisfied, solved”; the KPI figure moves', async () => {
      const first = await closedIncident('小区路灯不亮');
      await closedIncident('楼道堆放杂物');
      const before = await satisfactionOnKpiPage();

      for (const [size, viewport] of VIEWPORTS) {
        const { context, page } = await signIn('cb-agent', viewport);
        if (size === 'phone') await page.locator('[data-tab="/callbacks"]').click();
        else await page.locator('nav a[href="#/callbacks"]').click();
        await page.locator('[data-state=ready] .item').first().waitFor();
        await expect.poll(() => page.locator('[data-state=ready] .item').count()).toBe(size === 'phone' ? 2 : 1);
        await shoot(page, `callback-filled-${size}`);
        if (size === 'desktop') {
          // The last one: satisfied and solved, the queue is empty after it.
          const last = page.locator('[data-state=ready] .item').first();
          await last.locator('.choice', { hasText: /^\s*满意\s*$/ }).click();
          await last.locator('.choice', { hasText: '已解决' }).click();
          await last.locator('.submit').click();
          await page.locator('[data-state=empty]').waitFor();
          await shoot(page, `callback-after-verdict-${size}`);
          await context.close();
          continue;
        }
        const card = page.locator(`.item[data-incident="${first}"]`);
        expect((await card.locator('.phone-number').textContent())?.trim()).toBe('139****5678');
        await card.locator('.reveal').click();
        await card.locator('a.phone-number', { hasText: '13912345678' }).waitFor();
        await card.locator('.choice', { hasText: '基本满意' }).click();
        await card.locator('.choice', { hasText: '已解决' }).click();
        await card.locator('textarea').fill('灯已修好，晚上偶尔闪烁');
        await card.locator('.submit').click();
        await page.locator('.el-message', { hasText: '已记录' }).waitFor();
        await card.waitFor({ state: 'detached' });
        await shoot(page, `callback-after-verdict-${size}`);
        await context.close();
      }

      const audit = await api<{ entries?: unknown[] }>(cloud(), 'GET', `/api/v1/audit-log?target=incident:${first}`, {
        token: TEST_ADMIN_TOKEN,
      });
      expect(JSON.stringify(audit.body)).toContain('callback.reveal_contact');
      const after = await satisfactionOnKpiPage();
      expect(after).not.toBe(before);
      expect(after).toContain('100');
      expect(cspViolations).toEqual([]);
    }, 180_000);

    it('shows the callback verdicts on the incident page: channel, satisfaction, solved, note, time and by whom', async () => {
      const called = await closedIncident('井盖松动');
      const waiting = await closedIncident('树枝挡路');
      const verdict = await api(cloud(), 'POST', `/api/v1/callbacks/${called}/verdict`, {
        token: tokens['cb-agent'],
        body: {
          request_id: `${called}-v`,
          satisfaction: 'satisfied',
          solved: true,
          note: '已加固，居民满意',
          channel: 'visit',
        },
      });
      expect(verdict.status, JSON.stringify(verdict.body)).toBe(200);

      for (const [size, viewport] of VIEWPORTS) {
        const { context, page } = await signIn('cb-operator', viewport);
        await page.goto(`${cloud().url}/#/incidents/${called}`);
        const panel = page.locator('#callback-verdicts');
        await panel.locator('li[data-channel=visit]').waitFor();
        const text = (await panel.textContent()) ?? '';
        for (const part of ['上门回访', '满意', '已解决', '已加固，居民满意', 'cb-agent']) expect(text).toContain(part);
        await panel.scrollIntoViewIfNeeded();
        await shoot(page, `verdicts-filled-${size}`, false);

        await page.goto(`${cloud().url}/#/incidents/${waiting}`);
        await panel.locator('.empty-state', { hasText: '尚未回访' }).waitFor();
        await panel.scrollIntoViewIfNeeded();
        await shoot(page, `verdicts-empty-${size}`, false);

        const release = await failHeld(page, '**/api/v1/callbacks/*/verdicts');
        await page.reload();
        await panel.locator('.van-skeleton').waitFor();
        await panel.scrollIntoViewIfNeeded();
        await shoot(page, `verdicts-loading-${size}`, false);
        release();
        await panel.getByText('数据库未能完成请求').first().waitFor();
        await panel.scrollIntoViewIfNeeded();
        await shoot(page, `verdicts-error-${size}`, false);
        await context.close();
      }
      expect(cspViolations).toEqual([]);
    }, 180_000);
  },
);
