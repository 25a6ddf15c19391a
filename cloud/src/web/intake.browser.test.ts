import { existsSync } from 'node:fs';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const [GRID_A, GRID_B] = FIXTURE.grids;

/**
 * 一口受理 as a call-taker works it: the caller names a place and a kind of trouble, never a code;
 * the call-taker finds both by name and accepts, files and dispatches in one step, to the grid's
 * on-duty worker the page chose for them.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'intake by name, dispatched in one step (browser)'
    : `intake by name, dispatched in one step (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    let workerId = '';
    const cspViolations: string[] = [];

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await createUser(cloud(), 'intake-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      const worker = await createUser(cloud(), 'intake-worker', {
        territory: FIXTURE.community,
        roles: [{ role: 'grid_worker', scope: GRID_A as string }],
      });
      workerId = worker.id;
      for (const [method, path, body] of [
        ['PUT', `/api/v1/grids/${GRID_A}/members/${worker.id}`, { position: 'full_time' }],
        [
          'POST',
          `/api/v1/grids/${GRID_A}/duty-periods`,
          {
            user_id: worker.id,
            starts_at: new Date(Date.now() - 3_600_000).toISOString(),
            ends_at: new Date(Date.now() + 86_400_000).toISOString(),
          },
        ],
        // The operator dispatches: no automatic dispatch racing the one-step one.
        [
          'PUT',
          '/api/v1/settings/dispatch',
          { auto_dispatch: false, fast_track_urgent_iot: false, life_safety_categories: [] },
        ],
      ] as const) {
        const response = await api(cloud(), method, path, { token: TEST_ADMIN_TOKEN, body });
        expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    /** Types into an Element Plus select's search box and picks the option whose label is `label`. */
    const pickByName = async (page: Page, select: string, typed: string, label: string) => {
      await page.click(`.${select} .el-select__wrapper`);
      await page.locator(`.${select} input`).fill(typed);
      const item = page
        .locator('.el-select-dropdown__item:visible')
        .filter({ has: page.locator('span', { hasText: new RegExp(`^${label}$`) }) })
        .first();
      await item.click();
      await item.waitFor({ state: 'hidden' });
    };

    it('finds the place and category by name and accepts, files and dispatches in one step', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'intake-operator');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('nav a[href="#/intake"]').click();

      // No code is asked for or shown: the category list shows names, its code one hover away.
      await page.click('.select-category .el-select__wrapper');
      const other = page.locator('.el-select-dropdown__item:visible span', { hasText: /^其他$/ });
      expect(await other.getAttribute('title')).toBe('other');
      expect(await page.locator('.el-select-dropdown__item:visible', { hasText: /\(\w+[._]\w+/ }).count()).toBe(0);
      await page.keyboard.press('Escape');
      await pickByName(page, 'select-category', '其他', '其他');
      expect(await page.locator('input[name=community], input[name=grid]').count()).toBe(0);
      // The caller said "河下社区 1 网格": typing part of the name finds it, its community beside it.
      await pickByName(page, 'select-place', '第1网格', '河下社区第1网格');
      await page.fill('input[name=title]', '居民来电：路灯不亮');
      await page.fill('input[name=building]', '3');
      await page.fill('input[name=unit]', '1');
      await page.click('form.intake button.submit-dispatch');

      // Registered; the grid's on-duty worker is chosen already.
      const oneStep = page.locator('[data-testid=one-step]');
      await oneStep.waitFor();
      const id = (await oneStep.locator('.registered a').textContent()) ?? '';
      expect(id).not.toBe('');
      await expect.poll(() => page.locator('.select-assignee .el-select__placeholder').textContent()).toContain('值班');
      await page.click('button.dispatch-now');
      await page.locator('#incident-state', { hasText: '待签收' }).waitFor();

      const incident = await cloud().incidents.get(id);
      expect(incident?.state).toBe('DISPATCHED');
      expect(incident?.assignee).toBe(workerId);
      expect(incident?.place.grid).toBe(GRID_A);
      expect(incident?.place.community).toBe(FIXTURE.community);
      expect(incident?.categoryCode).toBe('other');
      expect(cspViolations).toEqual([]);
      await context.close();
    }, 90_000);

    it('places an incident by a click on the map: the server finds the grid from the point', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'intake-operator');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('nav a[href="#/intake"]').click();
      await pickByName(page, 'select-category', '其他', '其他');
      await page.fill('input[name=title]', '居民来电：井盖松动');
      // The second grid's area, as the map draws it (the street's areas: community, then its grids).
      await page.locator('.intake-map path.area-grid').nth(1).click();
      await page.locator('.intake-map .picked', { hasText: '河下社区第2网格' }).waitFor();
      await page.click('form.intake button.submit');
      await page.locator('.detail h1', { hasText: '居民来电：井盖松动' }).waitFor();
      const id = decodeURIComponent(new URL(page.url()).hash.replace('#/incidents/', ''));
      const incident = await cloud().incidents.get(id);
      expect(incident?.place.grid).toBe(GRID_B);
      expect(incident?.state).toBe('REPORTED');
      await context.close();
    }, 90_000);

    it('resumes where it stopped when the answer to a step was lost: each step is taken once', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'intake-operator');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('nav a[href="#/intake"]').click();
      await pickByName(page, 'select-category', '其他', '其他');
      await pickByName(page, 'select-place', '河下社区', '河下社区第1网格');
      await page.fill('input[name=title]', '居民来电：电梯困人已解');
      await page.click('form.intake button.submit-dispatch');
      await page.locator('[data-testid=one-step]').waitFor();
      await expect.poll(() => page.locator('.select-assignee .el-select__placeholder').textContent()).toContain('值班');
      // 立案 reaches the cloud, but its answer never comes back (a dropped connection).
      let lost = false;
      await page.route('**/api/v1/incidents/*/transitions', async (route) => {
        const body = route.request().postDataJSON() as { action: string };
        if (body.action !== 'file' || lost) return route.continue();
        lost = true;
        await route.fetch();
        return route.abort('connectionreset');
      });
      await page.click('button.dispatch-now');
      await page.locator('.notice.error').waitFor();
      expect(lost).toBe(true);
      await page.click('button.dispatch-now');
      await page.locator('#incident-state', { hasText: '待签收' }).waitFor();
      const id = decodeURIComponent(new URL(page.url()).hash.replace('#/incidents/', ''));
      const steps = await cloud().incidents.steps(id);
      expect(steps.map((step) => step.action)).toEqual(['report', 'accept', 'file', 'dispatch']);
      expect((await cloud().incidents.get(id))?.assignee).toBe(workerId);
      await context.close();
    }, 90_000);
  },
);
