import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import type { WorkingCalendarYear } from '../settings/calendar-routes.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each configuration page in each state. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const SIZES = { desktop: { width: 1366, height: 768 }, phone: { width: 390, height: 844 } } as const;

interface AuditRow {
  actor: string;
  details: { before: unknown; after: unknown };
}

/**
 * The configuration sections of the administration pages in a real browser: a district admin (of
 * the deployment's only district, so its tenant admin) changes a time limit inline and makes a day
 * of the working calendar a local day off; both are saved through the API and audited with who,
 * before and after; the time limit's history link opens its change in the audit viewer.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the configuration pages in a browser'
    : `the configuration pages in a browser (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    let adminId = '';
    const cspViolations: string[] = [];

    beforeAll(async () => {
      const admin = await createUser(cloud(), 'config-admin', {
        roles: [{ role: 'district_admin', scope: FIXTURE.district }],
      });
      adminId = admin.id;
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(() => {
      expect(cspViolations.splice(0)).toEqual([]);
    });

    /** A signed-in district admin's page at `size`, in a context of its own. */
    const signedInPage = async (size: keyof typeof SIZES = 'desktop') => {
      // Service workers blocked: the states below are made by intercepting the page's requests.
      const context = await browser.newContext({ viewport: SIZES[size], locale: 'zh-CN', serviceWorkers: 'block' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'config-admin');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('header.top a.brand').waitFor();
      return page;
    };

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };

    const latestAudit = async (target: string) => {
      const { rows } = await cloud().db.query<AuditRow>(
        "SELECT actor, details FROM audit_log WHERE target = $1 AND action NOT LIKE '%.view' ORDER BY id DESC LIMIT 1",
        [target],
      );
      return rows[0];
    };

    it('changes the tenant’s handling limit inline in the time-limit table, saved and audited', async () => {
      const page = await signedInPage();
      await page.goto(`${cloud().url}/#/admin/time-limits`);
      const cell = page.locator('tr[data-row="*|*"] td[data-step="handle"]');
      await expect.poll(() => cell.textContent()).toMatch(/5\s*工作日/);
      await shoot(page, 'time-limits-desktop');
      await cell.locator('button').click();
      const value = cell.locator('input[name=limit_value]');
      await value.fill('7');
      await value.press('Tab');
      await expect(cell.locator('a.history-link').getAttribute('href')).resolves.toBe(
        '#/admin/audit?target=time_limit:*:*:handle',
      );
      await cell.locator('.save-limit').click();
      await expect.poll(() => cell.textContent()).toMatch(/^\s*7\s*工作日\s*$/);

      const limits = await api<{
        time_limits: Array<{ category: string; severity: string; step: string; limit: unknown }>;
      }>(cloud(), 'GET', '/api/v1/time-limits', { token: TEST_ADMIN_TOKEN });
      expect(
        limits.body.time_limits.find((r) => r.category === '*' && r.severity === '*' && r.step === 'handle')?.limit,
      ).toEqual({ value: 7, unit: 'working_days' });
      expect(await latestAudit('time_limit:*:*:handle')).toEqual({
        actor: `user:${adminId}`,
        details: { before: { value: 5, unit: 'working_days' }, after: { value: 7, unit: 'working_days' } },
      });

      // The limit's history is one click away in its editor: the audit viewer shows the change, before and after.
      await cell.locator('button.cell-button').click();
      await cell.locator('a.history-link').click();
      const record = page.locator('.audit-page[aria-busy="false"] .audit-table tr[data-action="time_limit.set"]');
      await expect.poll(() => record.count()).toBe(1);
      // Only the value changed (the unit stayed working days).
      await expect.poll(() => record.locator('.diff tr.changed .cell.before').allTextContents()).toEqual(['5']);
      await expect.poll(() => record.locator('.diff tr.changed .cell.after').allTextContents()).toEqual(['7']);
      await shoot(page, 'time-limit-history-desktop');

      await page.context().close();
    });

    it('shows the server’s refusal of a new category beside the field it names', async () => {
      const page = await signedInPage();
      await page.goto(`${cloud().url}/#/admin/categories`);
      await page.locator('.category-table .edit-category[data-code="emergency"]').waitFor();
      await shoot(page, 'categories-desktop');
      await page.click('.new-category');
      await page.fill('.el-dialog input[name=code]', 'nosuch.child');
      await page.fill('.el-dialog input[name=name_zh]', '测试');
      await page.fill('.el-dialog input[name=name_en]', 'Test');
      await page.click('.el-dialog .save');
      // The code's parent does not exist: said at the code field, and above the form.
      await page.locator('.el-dialog .el-form-item.is-error .el-form-item__error', { hasText: 'nosuch' }).waitFor();
      await page.locator('.el-dialog .save-error').waitFor();
      await shoot(page, 'categories-refused-desktop');
      expect((await api(cloud(), 'GET', '/api/v1/categories/nosuch.child', { token: TEST_ADMIN_TOKEN })).status).toBe(
        404,
      );
      await page.context().close();
    });

    it('makes a workday of the calendar a local day off with a click, saved in the deadline settings and audited', async () => {
      const page = await signedInPage();
      await page.goto(`${cloud().url}/#/admin/calendar/2026-10`);
      // The National Day holiday and its make-up workday come from the built-in calendar.
      await page.locator('.calendar-day[data-date="2026-10-01"][data-kind="holiday"]').waitFor();
      await page.locator('.calendar-day[data-date="2026-10-10"][data-kind="makeup"]').waitFor();
      await shoot(page, 'calendar-desktop');
      const day = page.locator('.calendar-day[data-date="2026-10-13"]');
      await expect(day.getAttribute('data-kind')).resolves.toBe('workday');
      await day.click();
      await page.locator('.calendar-day[data-date="2026-10-13"][data-kind="tenant_holiday"]').waitFor();
      await page.locator('.calendar-notice', { hasText: '2026-10-13' }).waitFor();
      expect(await page.locator('.config-title a.history-link').getAttribute('href')).toBe(
        '#/admin/audit?target=deadlines:settings',
      );

      const year = await api<WorkingCalendarYear>(cloud(), 'GET', '/api/v1/working-calendar/2026', {
        token: TEST_ADMIN_TOKEN,
      });
      expect(year.body.tenant.holidays).toContain('2026-10-13');
      const audit = await latestAudit('deadlines:settings');
      expect(audit?.actor).toBe(`user:${adminId}`);
      expect(audit?.details).toMatchObject({
        before: { time: { days: { holidays: [] } } },
        after: { time: { days: { holidays: ['2026-10-13'] } } },
      });

      // A second click gives the day back to the statutory calendar.
      await day.click();
      await page.locator('.calendar-day[data-date="2026-10-13"][data-kind="workday"]').waitFor();
      await page.context().close();
    });

    it('saves a settings group from its generated form, with the server’s bounds', async () => {
      const page = await signedInPage();
      await page.goto(`${cloud().url}/#/admin/settings/patrol`);
      const retention = page.locator('.settings-form input[name=retention_days]');
      await retention.waitFor();
      expect(await page.locator('.settings-form a.history-link').getAttribute('href')).toBe(
        '#/admin/audit?target=patrol:settings',
      );
      await retention.fill('45');
      await retention.press('Tab');
      await page.click('.settings-form .save');
      await page.locator('.settings-notice', { hasText: '已保存' }).waitFor();
      const stored = await api<{ retention_days: number }>(cloud(), 'GET', '/api/v1/settings/patrol', {
        token: TEST_ADMIN_TOKEN,
      });
      expect(stored.body.retention_days).toBe(45);
      expect(await latestAudit('patrol:settings')).toMatchObject({
        actor: `user:${adminId}`,
        details: { before: { retention_days: 30 }, after: { retention_days: 45 } },
      });
      await page.context().close();
    });

    // Every page gets through its filled, loading, failed and empty states at both sizes (and is
    // photographed in each when screenshots are asked for).
    it('shows each configuration page empty, loading, failed and filled at desk and phone size', async () => {
      const pages: Array<{ path: string; api: string; empty?: unknown }> = [
        { path: 'categories', api: '**/api/v1/category-catalogue', empty: { categories: [] } },
        { path: 'time-limits', api: '**/api/v1/time-limits', empty: { time_limits: [] } },
        { path: 'device-policies', api: '**/api/v1/device-event-policies', empty: { policies: [] } },
        { path: 'calendar/2026-10', api: '**/api/v1/working-calendar/**' },
        {
          path: `robots/community/${FIXTURE.community}`,
          api: '**/api/v1/communities/*/robots',
          empty: { community: FIXTURE.community, robots: [] },
        },
        { path: 'settings/deadlines', api: '**/api/v1/settings/deadlines' },
        { path: 'settings/maintenance', api: '**/api/v1/settings/maintenance' },
        { path: 'settings/incidents', api: '**/api/v1/settings/incidents' },
        { path: 'settings/dispatch', api: '**/api/v1/settings/dispatch' },
        { path: 'settings/kpis', api: '**/api/v1/settings/kpis' },
        { path: 'settings/sessions', api: '**/api/v1/settings/sessions' },
        { path: 'settings/patrol', api: '**/api/v1/settings/patrol' },
        { path: 'settings/worklog', api: '**/api/v1/worklog/settings' },
      ];
      const robots = await api(cloud(), 'PUT', `/api/v1/communities/${FIXTURE.community}/robots`, {
        token: await login(cloud(), 'config-admin'),
        body: {
          robots: [
            { name: 'property', kind: 'wecom', webhook: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' },
            {
              name: 'grid',
              kind: 'dingtalk',
              webhook: 'https://oapi.dingtalk.com/robot/send?access_token=t',
              secret: 'SECx',
            },
          ],
        },
      });
      expect(robots.status, JSON.stringify(robots.body)).toBe(200);
      for (const size of ['desktop', 'phone'] as const) {
        const page = await signedInPage(size);
        for (const target of pages) {
          const name = `${target.path.split('/')[0]}-${target.path.split('/')[1] ?? ''}`.replace(/-$/, '');
          // One handler per page: the read passes, is held (loading), drops (error) or answers nothing (empty).
          let mode: 'pass' | 'hold' | 'fail' | 'empty' = 'pass';
          await page.route(target.api, (route) => {
            if (mode === 'hold') return;
            if (mode === 'fail') return route.abort('connectionreset');
            if (mode === 'empty') return route.fulfill({ json: target.empty });
            return route.continue();
          });
          const reopen = async () => {
            await page.goto(`${cloud().url}/#/admin`);
            await page.locator('.config-page').waitFor({ state: 'detached' });
            await page.goto(`${cloud().url}/#/admin/${target.path}`);
          };
          await reopen();
          await page.locator('.config-page .card').first().waitFor();
          await expect.poll(() => page.locator('.el-skeleton').count()).toBe(0);
          await shoot(page, `${name}-filled-${size}`);
          if (target.path.startsWith('robots/')) {
            // Editing a robot: its webhook and secret are not shown, only that they are set.
            await page.locator('.robot-table .edit-robot').first().click();
            await page.locator('.el-dialog input[name=webhook]').waitFor();
            expect(await page.locator('.el-dialog input[name=webhook]').inputValue()).toBe('');
            // The dialog has faded in (its overlay's transition classes are gone).
            await expect
              .poll(() => page.locator('.el-overlay:visible').first().getAttribute('class'))
              .not.toMatch(/enter/);
            await shoot(page, `${name}-edit-${size}`);
            await page.keyboard.press('Escape');
            await page.locator('.el-dialog input[name=webhook]').waitFor({ state: 'hidden' });
          }
          mode = 'hold';
          await reopen();
          await page.locator('.el-skeleton').first().waitFor();
          await shoot(page, `${name}-loading-${size}`);
          mode = 'fail';
          await reopen();
          await page.locator('.load-error').first().waitFor();
          await shoot(page, `${name}-error-${size}`);
          if (target.empty !== undefined) {
            mode = 'empty';
            await reopen();
            await page.locator('.empty-state').first().waitFor();
            await shoot(page, `${name}-empty-${size}`);
          }
          await page.unroute(target.api);
        }
        await page.context().close();
      }
    }, 180_000);
  },
);
