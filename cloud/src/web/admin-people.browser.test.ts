import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../people/audit.js';
import { createUser, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test visits. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const DESKTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const [GRID] = FIXTURE.grids;
const WORKER_PASSWORD = 'a long walk by the Grand Canal';

/**
 * The people sections of the administration pages in a real browser: a district admin creates a
 * grid worker (a refused password shown at its field first), puts them on a grid's roster, and
 * finds both changes in the audit viewer — by the worker's "history" link as well.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the people administration pages'
    : `the people administration pages (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    const cspViolations: string[] = [];
    let run = 0;

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
    };
    const signIn = async (viewport: { width: number; height: number }): Promise<Page> => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'people-admin');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return page;
    };
    const open = async (page: Page, hash: string, ready: string) => {
      await page.goto(`${cloud().url}/${hash}`);
      await page.locator(`${ready}[aria-busy="false"]`).waitFor();
    };
    /** Picks the option of an Element Plus select whose text contains `text`, typing `typed` first if given. */
    const choose = async (page: Page, select: string, text: string, typed?: string) => {
      await page.locator(select).click();
      if (typed !== undefined) await page.keyboard.type(typed);
      await page.locator('.el-select-dropdown__item:visible', { hasText: text }).first().click();
    };

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await createUser(cloud(), 'people-admin', {
        territory: FIXTURE.district,
        roles: [{ role: 'district_admin', scope: FIXTURE.district }],
      });
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });
    afterEach(() => {
      expect(cspViolations).toEqual([]);
    });

    it('a district admin creates a worker, puts them on a grid’s roster and finds both in the audit log', async () => {
      run++;
      const username = `grid.worker.${run}.${Date.now().toString(36)}`;
      const page = await signIn(DESKTOP);
      await open(page, '#/admin/users', '.users-page');
      await page.click('.new-user');
      await page.fill('.user-form input[name=display_name]', `李网格${run}`);
      await page.fill('.user-form input[name=username]', username);
      await choose(page, '.user-form .territory-picker >> nth=0', FIXTURE.community, '河下社区');
      // A password the server refuses: its reason shows at the password field, the form stays open.
      await page.fill('.user-form input[name=password]', 'short');
      await page.click('.save-user');
      const refusal = page.locator('.user-form .el-form-item.is-error .el-form-item__error');
      await refusal.waitFor();
      expect(await refusal.textContent()).toMatch(/12/);
      await shoot(page, 'users-form-error-desktop');
      await page.fill('.user-form input[name=password]', WORKER_PASSWORD);
      await page.click('.save-user');
      const row = page.locator(`tr[data-username="${username}"]`);
      await row.waitFor();
      expect(await row.textContent()).toContain(FIXTURE.community);
      await shoot(page, 'users-filled-desktop');

      await open(page, `#/admin/rosters/${GRID}`, '.rosters-page');
      await page.locator('.roster-members').waitFor();
      await choose(page, '.add-member .el-select >> nth=0', username, `李网格${run}`);
      await page.click('.add-member-button');
      await page.locator(`tr[data-member="${username}"][data-position="part_time"]`).waitFor();
      await shoot(page, 'rosters-filled-desktop');

      await open(page, '#/admin/audit', '.audit-page');
      const created = page.locator('tr[data-action="user.create"]', { hasText: `李网格${run}` });
      const rostered = page.locator('tr[data-action="roster.member.set"]', { hasText: '河下社区第1网格' });
      await created.first().waitFor();
      await rostered.first().waitFor();
      expect(await created.first().textContent()).toContain('Test people-admin');
      expect(await rostered.first().textContent()).toContain('part_time');
      await shoot(page, 'audit-filled-desktop');

      // The worker's history link opens their trail alone.
      await open(page, '#/admin/users', '.users-page');
      await page.locator(`tr[data-username="${username}"] .history-link`).click();
      await page.locator('.audit-page[aria-busy="false"] .trail-note').waitFor();
      const trail = page.locator('.audit-table tbody > tr');
      await expect.poll(() => trail.count()).toBe(1);
      expect(await trail.first().getAttribute('data-action')).toBe('user.create');
      await page.context().close();
    }, 60_000);

    it('a district admin removes a duty period and cancels a leave after confirming; a failure is shown', async () => {
      run++;
      const worker = await createUser(cloud(), `undo.${run}.${Date.now().toString(36)}`, {
        territory: FIXTURE.community,
      });
      const member = await api(cloud(), 'PUT', `/api/v1/grids/${GRID}/members/${worker.id}`, {
        token: TEST_ADMIN_TOKEN,
        body: { position: 'part_time' },
      });
      expect(member.status).toBe(200);
      // Next month (Beijing time) is always ahead, so both entries are still to come and can be deleted.
      const beijing = new Date(Date.now() + 8 * 3_600_000);
      const next = new Date(Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth() + 1, 15));
      const day = next.toISOString().slice(0, 10);
      const period = await api<{ id: number }>(cloud(), 'POST', `/api/v1/grids/${GRID}/duty-periods`, {
        token: TEST_ADMIN_TOKEN,
        body: { user_id: worker.id, starts_at: `${day}T08:00:00+08:00`, ends_at: `${day}T20:00:00+08:00` },
      });
      expect(period.status).toBe(201);
      const leave = await api<{ id: number }>(cloud(), 'POST', `/api/v1/users/${worker.id}/leaves`, {
        token: TEST_ADMIN_TOKEN,
        body: { starts_at: `${day}T00:00:00+08:00`, ends_at: `${day}T23:00:00+08:00` },
      });
      expect(leave.status).toBe(201);

      const page = await signIn(DESKTOP);
      await open(page, `#/admin/rosters/${GRID}`, '.rosters-page');
      await page.click('.calendar-head .el-button >> nth=1');
      const chip = page.locator(`.duty-chip[data-period="${period.body.id}"]`);
      await chip.waitFor();
      const dialog = page.locator('.roster-undo-confirm');
      /** Each confirm is a dialog of its own, gone from the page once answered. */
      const answered = () => expect.poll(() => dialog.count()).toBe(0);
      // Kept: the confirm's other button changes nothing.
      await chip.locator('.remove-duty').click();
      await dialog.waitFor();
      await shoot(page, 'rosters-remove-confirm-desktop');
      await dialog.locator('.el-button', { hasText: '保留' }).click();
      await answered();
      expect(await chip.count()).toBe(1);
      // The network fails: the reason shows under the calendar and the period stays.
      await page.route(/\/duty-periods\/\d+$/, (route) => route.abort('internetdisconnected'));
      await chip.locator('.remove-duty').click();
      await dialog.locator('.el-button--primary').click();
      await answered();
      await page.locator('.roster-calendar .form-error-text').waitFor();
      await shoot(page, 'rosters-remove-error-desktop');
      await page.unroute(/\/duty-periods\/\d+$/);
      await page.locator('.rosters-page[aria-busy="false"]').waitFor();
      expect(await chip.count()).toBe(1);
      // Confirmed: the period leaves the calendar, the error with it.
      await chip.locator('.remove-duty').click();
      await dialog.locator('.el-button--primary').click();
      await answered();
      await chip.waitFor({ state: 'detached' });
      await page.locator('.roster-calendar .form-error-text').waitFor({ state: 'detached' });
      // The leave likewise, from the leaves table.
      const row = page.locator(`.roster-leaves tr[data-leave="${leave.body.id}"]`);
      await row.locator('.cancel-leave').click();
      await dialog.locator('.el-button--primary').click();
      await answered();
      await row.waitFor({ state: 'detached' });
      await shoot(page, 'rosters-removed-desktop');

      const gridTrail = await auditOf(cloud().db, `grid:${GRID}`);
      expect(gridTrail.at(-1)).toMatchObject({
        action: 'roster.duty_period.remove',
        details: { outcome: 'deleted', id: period.body.id },
      });
      const userTrail = await auditOf(cloud().db, `user:${worker.id}`);
      expect(userTrail.at(-1)).toMatchObject({
        action: 'roster.leave.cancel',
        details: { outcome: 'deleted', id: leave.body.id },
      });
      await page.context().close();
    }, 60_000);

    it('shows each page’s empty, loading and error states at desk and phone size', async () => {
      for (const [size, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const page = await signIn(viewport);
        await open(page, '#/admin/units', '.units-page');
        await page.locator('.units-page .empty-state').waitFor();
        await shoot(page, `units-empty-${size}`);
        await page.context().close();
      }
      // A unit, and a roster with a month of duty and a leave with its substitute.
      const unit = await api(cloud(), 'POST', '/api/v1/disposal-units', {
        token: TEST_ADMIN_TOKEN,
        body: {
          id: 'unit-gas',
          name_zh: '港华燃气',
          name_en: 'Towngas',
          unit_type: 'gas_company',
          territory_code: '320803',
        },
      });
      expect(unit.status).toBe(201);
      const chief = await createUser(cloud(), `chief.${Date.now().toString(36)}`, { territory: FIXTURE.community });
      const worker = await createUser(cloud(), `full.${Date.now().toString(36)}`, { territory: FIXTURE.community });
      for (const [user, position] of [
        [chief, 'grid_chief'],
        [worker, 'full_time'],
      ] as const) {
        const set = await api(cloud(), 'PUT', `/api/v1/grids/${GRID}/members/${user.id}`, {
          token: TEST_ADMIN_TOKEN,
          body: { position },
        });
        expect(set.status).toBe(200);
      }
      const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
      const duty = await api(cloud(), 'POST', `/api/v1/grids/${GRID}/duty-periods`, {
        token: TEST_ADMIN_TOKEN,
        body: { user_id: worker.id, starts_at: `${today}T08:00:00+08:00`, ends_at: `${today}T20:00:00+08:00` },
      });
      expect(duty.status).toBe(201);
      const leave = await api(cloud(), 'POST', `/api/v1/users/${chief.id}/leaves`, {
        token: TEST_ADMIN_TOKEN,
        body: {
          starts_at: `${today}T00:00:00+08:00`,
          ends_at: `${today}T23:00:00+08:00`,
          substitute_user_id: worker.id,
        },
      });
      expect(leave.status).toBe(201);
      for (const [size, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const page = await signIn(viewport);
        for (const [section, ready, api] of [
          ['audit', '.audit-page', /\/api\/v1\/audit-log/],
          ['users', '.users-page', /\/api\/v1\/users$/],
          ['units', '.units-page', /\/api\/v1\/disposal-units$/],
        ] as const) {
          await open(page, `#/admin/${section}`, ready);
          await shoot(page, `${section}-filled-${size}`);
          await page.route(api, () => undefined);
          await page.reload();
          await page.locator(`${ready} .people-loading`).waitFor();
          await shoot(page, `${section}-loading-${size}`);
          await page.unroute(api);
          await page.route(api, (route) => route.abort('internetdisconnected'));
          await page.reload();
          await page.locator(`${ready} .load-error`).waitFor();
          await shoot(page, `${section}-error-${size}`);
          await page.unroute(api);
        }
        await open(page, '#/admin/audit?target=nothing:here', '.audit-page');
        await page.locator('.audit-page .empty-state').waitFor();
        await shoot(page, `audit-empty-${size}`);
        await open(page, '#/admin/rosters', '.rosters-page');
        await shoot(page, `rosters-empty-${size}`);
        await open(page, `#/admin/rosters/${GRID}`, '.rosters-page');
        await page.locator('.roster-calendar .duty-chip').first().waitFor();
        await page.locator('.roster-calendar .leave-chip').first().waitFor();
        await shoot(page, `rosters-filled-${size}`);
        // English second: the same pages in the other language.
        await page.evaluate("localStorage.setItem('gridlink.lang', 'en')");
        await page.reload();
        await page.locator('.rosters-page[aria-busy="false"] .roster-calendar .duty-chip').first().waitFor();
        expect(await page.locator('.rosters-page h1').textContent()).toBe('Grid rosters');
        await shoot(page, `rosters-filled-en-${size}`);
        await open(page, '#/admin/audit', '.audit-page');
        await shoot(page, `audit-filled-en-${size}`);
        await page.evaluate("localStorage.setItem('gridlink.lang', 'zh')");
        await page.context().close();
      }
    }, 90_000);
  },
);
