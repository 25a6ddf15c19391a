import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test visits. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const [GRID_A] = FIXTURE.grids;
/** Building 3 unit 1's entrance (grid 001); where the phone is, 15 m from it; a corner of the grid 300 m away. */
const ENTRANCE = { lon: 119.141, lat: 33.501 };
const PHONE = { longitude: 119.14115, latitude: 33.50105, accuracy: 12 };
const FAR_CORNER = { longitude: 119.1402, latitude: 33.5037, accuracy: 20 };
/** A 1×1 PNG: a photo as far as the cloud and the browser are concerned. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const PHONE_VIEW: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };
const DESKTOP_VIEW: BrowserContextOptions = { viewport: { width: 1366, height: 768 } };

/**
 * A grid worker's day in the field on a phone (geolocation granted at a set position): arriving on
 * an incident dispatched to them (到场签到) shows the distance to its building, and a street report
 * (随手拍) with a photo shows the open incident nearby before it is filed. Refused geolocation and an
 * empty neighbourhood say so in words.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'field work on the phone pages'
    : `field work on the phone pages (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { dispatchSweepMs: 3_600_000 });
    let browser: Browser;
    let operator = '';
    let worker = '';
    let workerId = '';
    let dispatched = '';
    let duplicate = '';
    const cspViolations: string[] = [];

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };
    const signIn = async (view: BrowserContextOptions, geolocation?: typeof PHONE): Promise<Page> => {
      const context = await browser.newContext({
        ...view,
        locale: 'zh-CN',
        ...(geolocation ? { geolocation, permissions: ['geolocation'] } : {}),
      });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', 'field-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return page;
    };

    beforeAll(async () => {
      const store = new TerritoryStore(cloud().db);
      await seedFixtureTerritory(store);
      await store.upsertBuildings([
        {
          community: FIXTURE.community,
          building: '3',
          unit: '1',
          floors: 18,
          households: 36,
          grid: GRID_A,
          position: ENTRANCE,
        },
      ]);
      await createUser(cloud(), 'field-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      workerId = (
        await createUser(cloud(), 'field-worker', {
          territory: FIXTURE.community,
          roles: [{ role: 'grid_worker', scope: GRID_A as string }],
        })
      ).id;
      operator = await login(cloud(), 'field-operator');
      worker = await login(cloud(), 'field-worker');

      // A hotline report at building 3, dispatched to the worker: the arrival is measured to the building.
      const hotline = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: operator,
        body: {
          request_id: 'field-hotline',
          source: 'hotline_12345',
          category: 'urban_management.manhole_cover',
          title: '3 号楼 1 单元门口井盖缺失',
          community: FIXTURE.community,
          grid: GRID_A,
          building: '3',
          unit: '1',
        },
      });
      expect(hotline.status, JSON.stringify(hotline.body)).toBe(201);
      dispatched = hotline.body.incident.id;
      for (const [action, data] of [
        ['accept', undefined],
        ['file', undefined],
        ['dispatch', { assignee: workerId }],
      ] as const) {
        const done = await api(cloud(), 'POST', `/api/v1/incidents/${dispatched}/transitions`, {
          token: operator,
          body: { action, request_id: `field-${action}`, ...(data ? { data } : {}) },
        });
        expect(done.status, JSON.stringify(done.body)).toBe(200);
      }
      // Garbage already reported next to the entrance this morning: the duplicate to suggest.
      const earlier = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: worker,
        body: {
          request_id: 'field-earlier',
          source: 'patrol',
          category: 'urban_management.exposed_garbage',
          title: '3 号楼门口垃圾堆放',
          location: { ...ENTRANCE, crs: 'wgs84', accuracy_m: 10 },
        },
      });
      expect(earlier.status, JSON.stringify(earlier.body)).toBe(201);
      duplicate = earlier.body.incident.id;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(() => {
      expect(cspViolations).toEqual([]);
    });

    it('arrives on the incident dispatched to them and sees the distance to its building', async () => {
      const page = await signIn(PHONE_VIEW, PHONE);
      await page.goto(`${cloud().url}/#/incidents/${dispatched}`);
      const card = page.locator('#arrival');
      await card.waitFor();
      await expect.poll(() => card.textContent()).toContain('尚未到场签到');
      // The generic action list does not offer it a second time: the card takes the position.
      expect(await page.locator('#actions [data-action="arrive"]').count()).toBe(0);
      await shoot(page, 'field-arrive-before-390');
      await card.locator('button[data-action="arrive"]').click();
      await page.locator('#arrival .arrival-latest').waitFor();
      const text = (await card.textContent()) ?? '';
      expect(text).toContain('距所在楼栋');
      expect(text).toMatch(/距所在楼栋 1\d 米/);
      expect(text).toContain('定位精度 ±12 米');
      expect(text).toContain('按时');
      await page.locator('#timeline li[data-action="arrive"] .arrival-step').waitFor();
      await shoot(page, 'field-arrive-done-390');
      const steps = await api<{ steps: Array<{ action: string; data: Record<string, unknown> }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${dispatched}`,
        { token: worker },
      );
      const arrivals = steps.body.steps.filter((step) => step.action === 'arrive');
      expect(arrivals).toHaveLength(1);
      expect(arrivals[0]?.data).toMatchObject({ distance_to: 'building', position: { accuracy_m: 12 } });
      await page.context().close();
    }, 60_000);

    it('files a street report with a photo, seeing the open incident nearby first', async () => {
      const page = await signIn(PHONE_VIEW, PHONE);
      // The duplicates wait until the test has seen them loading.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/api/v1/incidents/nearby*', async (route) => {
        await held;
        await route.continue();
      });
      await page.locator('.van-tabbar [data-tab="/report"]').click();
      await page.locator('#fix-text[data-located="true"]').waitFor();
      expect(await page.locator('#fix-text').textContent()).toContain('±12 米');
      await page.locator('#duplicates[aria-busy="true"] .van-skeleton').waitFor();
      await shoot(page, 'field-report-loading-390');
      release();
      await page.locator('select[name=category] option[value="urban_management.exposed_garbage"]').waitFor({
        state: 'attached',
      });
      await page.selectOption('select[name=category]', 'urban_management.exposed_garbage');
      const suggestion = page.locator(`#duplicates .duplicate[data-id="${duplicate}"]`);
      await suggestion.waitFor();
      // Ranked for the category chosen: marked as the same kind.
      await expect.poll(() => suggestion.textContent()).toContain('同类');
      expect(await suggestion.locator('a.open-duplicate').getAttribute('href')).toBe(`#/incidents/${duplicate}`);
      await page.setInputFiles('input[type=file][data-tag="scene"]', {
        name: '垃圾.png',
        mimeType: 'image/png',
        buffer: PIXEL,
      });
      await page.locator('.photo-picker .preview img').waitFor();
      await page.fill('textarea[name=description]', '又有一袋垃圾放在门口，已联系保洁');
      await page.fill('input[name=address]', '3 号楼 1 单元门口');
      await page.check('input[name=handling][value=self]');
      await shoot(page, 'field-report-filled-390');
      await page.locator('form.report-form button[type=submit]').click();
      await page.waitForURL(/#\/incidents\/INC-/);
      const id = decodeURIComponent(new URL(page.url()).hash.replace('#/incidents/', ''));
      expect(id).not.toBe(duplicate);
      // Handled on the spot: the photo is the selfHandle step's record.
      await page.locator('#timeline li[data-action="selfHandle"] img').waitFor();
      await shoot(page, 'field-report-filed-390');
      const filed = await api<{
        incident: { state: string; source: string; position: { accuracyM: number } | null; place: { grid: string } };
        steps: Array<{ action: string; attachments: Array<{ tag?: string }> }>;
      }>(cloud(), 'GET', `/api/v1/incidents/${id}`, { token: worker });
      expect(filed.body.incident).toMatchObject({
        state: 'SELF_HANDLED',
        source: 'patrol',
        position: { accuracyM: 12 },
        place: { grid: GRID_A },
      });
      const handled = filed.body.steps.find((step) => step.action === 'selfHandle');
      expect(handled?.attachments.map((item) => item.tag)).toEqual(['scene']);
      await page.context().close();
    }, 60_000);

    it('says so when nothing is near, and when the phone refuses its position', async () => {
      const page = await signIn(PHONE_VIEW, FAR_CORNER);
      await page.goto(`${cloud().url}/#/report`);
      await page.locator('#duplicates .duplicates-none').waitFor();
      expect(await page.locator('#duplicates').textContent()).toContain('300 米内');
      await shoot(page, 'field-report-empty-390');
      await page.context().close();

      const refused = await signIn(PHONE_VIEW);
      await refused.goto(`${cloud().url}/#/report`);
      const error = refused.locator('.position .field-error');
      await error.waitFor();
      expect(await error.textContent()).toContain('定位权限被拒绝');
      await shoot(refused, 'field-report-denied-390');
      await refused.goto(`${cloud().url}/#/incidents/${dispatched}`);
      await refused.locator('#arrival button[data-action="arrive"]').click();
      await refused.locator('#arrival .arrival-notice.error').waitFor();
      expect(await refused.locator('#arrival .arrival-notice').textContent()).toContain('定位权限被拒绝');
      await shoot(refused, 'field-arrive-denied-390');
      await refused.context().close();
    }, 60_000);

    it('shows the same pages on a desktop', async () => {
      const page = await signIn(DESKTOP_VIEW, PHONE);
      await page.goto(`${cloud().url}/#/incidents/${dispatched}`);
      await page.locator('#arrival .arrival-latest').waitFor();
      await shoot(page, 'field-arrive-1366');
      await page.goto(`${cloud().url}/#/report`);
      await page.locator('#duplicates .duplicate').first().waitFor();
      await shoot(page, 'field-report-1366');
      await page.context().close();

      const refused = await signIn(DESKTOP_VIEW);
      await refused.goto(`${cloud().url}/#/report`);
      await refused.locator('.position .field-error').waitFor();
      await shoot(refused, 'field-report-denied-1366');
      await refused.context().close();
    }, 60_000);
  },
);
