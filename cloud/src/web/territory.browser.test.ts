import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page, type Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from '../people/test-support.js';
import { generateDistrict } from '../territory/fixture-district.js';
import { TerritoryStore } from '../territory/store.js';
import { seedGeneratedDistrict } from '../territory/test-support.js';
import { useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test visits. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };

/** 3 streets of 4 communities of 10 grids, generated (seeded) around 淮安区. */
const DISTRICT = generateDistrict({ streets: 3, communitiesPerStreet: 4, buildings: 0, placements: 0 });
const unitsOf = (level: string) => DISTRICT.units.filter((u) => u.level === level);

/**
 * 辖区 (the territory page) in a real browser: a district admin sees the district's streets on the
 * map, goes down to a street's communities with a click, finds a grid by code and a community by
 * name; an admin of a district without territory is told how to import one; a failing read says so
 * and retries.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the territory page'
    : `the territory page (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    const cspViolations: string[] = [];

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };
    const signIn = async (username: string, viewport: { width: number; height: number }): Promise<Page> => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return page;
    };
    const openTerritory = async (page: Page) => {
      await page.goto(`${cloud().url}/#/admin/territory`);
      await page.locator('.territory-page[aria-busy="false"]').waitFor();
    };
    const drawn = (page: Page) =>
      page
        .locator('.units-map path.unit')
        .evaluateAll((paths) => paths.map((p) => [...p.classList].find((c) => /^unit-\d+$/.test(c))?.slice(5)));

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      await seedGeneratedDistrict(new TerritoryStore(cloud().db), DISTRICT);
      await createUser(cloud(), 'terr-admin', { roles: [{ role: 'district_admin', scope: '320803' }] });
      await createUser(cloud(), 'terr-empty', {
        territory: '320804',
        roles: [{ role: 'district_admin', scope: '320804' }],
      });
    }, 60_000);

    afterEach(() => {
      expect(cspViolations).toEqual([]);
    });

    afterAll(async () => {
      await browser?.close();
    });

    for (const [size, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      it(`shows a district admin their district's streets, communities and grids on the map (${size})`, async () => {
        const page = await signIn('terr-admin', viewport);
        await openTerritory(page);
        await expect.poll(() => drawn(page)).toEqual(unitsOf('street').map((u) => u.code));
        const street = unitsOf('street')[1];
        await page.locator(`.tree-unit[data-code="${street?.code}"]`).waitFor();
        expect(await page.locator('.tree-unit[data-code="320803"] .tree-counts').textContent()).toBe(
          '3 个街道 · 12 个社区 · 120 个网格',
        );
        expect(await page.locator('.tree-unit[data-code="320803"] .tree-name').textContent()).toBe('淮安区');
        await shoot(page, `territory-filled-${size}`);

        // Hovering a street names it; a click goes down to its communities.
        const path = page.locator(`.units-map path.unit-${street?.code}`);
        await path.hover();
        await expect.poll(() => page.locator('.unit-tooltip').textContent()).toBe(`${street?.code} ${street?.nameZh}`);
        await path.click();
        await expect.poll(() => page.locator('.unit-info .unit-code').textContent()).toBe(street?.code);
        const communities = unitsOf('community').filter((c) => c.parentCode === street?.code);
        await expect.poll(() => drawn(page)).toEqual(communities.map((c) => c.code));

        // A grid found by its code: the map shows the grid itself.
        const grid = DISTRICT.grids[57];
        await page.fill('.territory-search input', grid?.code ?? '');
        await page.press('.territory-search input', 'Enter');
        await expect.poll(() => page.locator('.unit-info .unit-code').textContent()).toBe(grid?.code);
        await expect.poll(() => drawn(page)).toEqual([grid?.code]);

        // A community found by its Chinese name; the tree keeps only what matches.
        const community = unitsOf('community')[7];
        await page.fill('.territory-search input', community?.nameZh ?? '');
        await page.press('.territory-search input', 'Enter');
        await expect.poll(() => page.locator('.unit-info .unit-name').textContent()).toBe(community?.nameZh);
        await expect.poll(() => drawn(page)).toHaveLength(10);
        await shoot(page, `territory-community-${size}`);
        await page.context().close();
      });

      it(`tells an admin of a district without territory how to import one (${size})`, async () => {
        const page = await signIn('terr-empty', viewport);
        await openTerritory(page);
        await page.locator('.territory-empty').waitFor();
        expect(await page.locator('.territory-empty').textContent()).toContain('GeoJSON');
        await shoot(page, `territory-empty-${size}`);
        await page.context().close();
      });

      it(`shows the page loading, then a failed read with a retry that recovers (${size})`, async () => {
        const page = await signIn('terr-admin', viewport);
        // The reads are held until the loading state is seen, then the first one fails.
        const held: Route[] = [];
        let release: () => void = () => {};
        const released = new Promise<void>((resolve) => {
          release = resolve;
        });
        await page.route('**/api/v1/territory/boundaries*', async (route) => {
          held.push(route);
          await released;
          if (held.length <= 3) {
            await route.fulfill({
              status: 503,
              contentType: 'application/problem+json',
              body: JSON.stringify({
                code: 'GL_UNAVAILABLE',
                title: 'Unavailable',
                status: 503,
                detail: '数据库暂不可用，请稍后重试',
              }),
            });
          } else await route.continue();
        });
        await page.goto(`${cloud().url}/#/admin/territory`);
        await page.locator('.territory-loading').waitFor();
        await expect.poll(() => held.length).toBe(3);
        await shoot(page, `territory-loading-${size}`);
        release();
        await page.locator('.territory-page .load-error').waitFor();
        expect(await page.locator('.territory-page .load-error').textContent()).toContain('数据库暂不可用');
        await shoot(page, `territory-error-${size}`);
        await page.click('.territory-page .load-error .retry');
        await expect.poll(() => drawn(page)).toHaveLength(3);
        await page.context().close();
      });
    }
  },
);
