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
/** 淮阴区 (320804) as an importer would upload it: damaged in five known ways, then mended, in GCJ-02. */
const HUAIYIN = { code: '320804', nameZh: '淮阴区', nameEn: 'Huaiyin District' };
const IMPORTED = {
  district: HUAIYIN,
  includeDistrict: false,
  streets: 2,
  communitiesPerStreet: 3,
  buildings: 0,
  placements: 0,
} as const;
const BROKEN = generateDistrict({ ...IMPORTED, breakages: 5 });
const MENDED = generateDistrict({ ...IMPORTED, coordinateSystem: 'gcj02' });
const geojson = (name: string, district: typeof BROKEN) => ({
  name,
  mimeType: 'application/geo+json',
  buffer: Buffer.from(JSON.stringify(district.boundaries())),
});

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
      const store = new TerritoryStore(cloud().db);
      await seedGeneratedDistrict(store, DISTRICT);
      // A district is registered when the system is set up (GB/T 2260); its streets and below are imported.
      await store.upsertUnits([{ code: HUAIYIN.code, nameZh: HUAIYIN.nameZh, nameEn: HUAIYIN.nameEn }]);
      await createUser(cloud(), 'terr-admin', { roles: [{ role: 'district_admin', scope: '320803' }] });
      await createUser(cloud(), 'terr-empty', {
        territory: '320813',
        roles: [{ role: 'district_admin', scope: '320813' }],
      });
      await createUser(cloud(), 'terr-importer', {
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

    it('lets a district admin import a district: the problems of a damaged file, then the mended file applied and drawn', async () => {
      const page = await signIn('terr-importer', DESKTOP);
      await openTerritory(page);
      await page.locator('.territory-empty').waitFor();
      await page.locator('.import-panel').waitFor();

      await page.setInputFiles('.import-file', geojson('huaiyin-damaged.geojson', BROKEN));
      await page.click('.import-upload');
      await page.locator('.import-preview').waitFor();
      const table = page.locator('.import-problems');
      await table.waitFor();
      const problems = await table.locator('.el-table__body tr').count();
      expect(problems).toBeGreaterThanOrEqual(BROKEN.broken.length);
      const text = (await table.textContent()) ?? '';
      for (const broken of BROKEN.broken) expect(text, broken.kind).toContain(broken.featureCode);
      expect(await page.locator('.count-problems b').textContent()).toBe(String(problems));
      expect(await page.locator('.import-apply-button').isDisabled()).toBe(true);
      await shoot(page, 'territory-import-problems-desktop');

      await page.setInputFiles('.import-file', geojson('huaiyin.geojson', MENDED));
      await page.click('.import-upload');
      await expect.poll(() => page.locator('.count-problems b').textContent()).toBe('0');
      expect(await page.locator('.count-added b').textContent()).toBe(String(MENDED.units.length - 1));
      expect(await page.locator('.import-read-as').textContent()).toContain('GCJ02');
      await shoot(page, 'territory-import-preview-desktop');
      await page.click('.import-apply-button');
      await page.locator('.import-preview[data-state="applied"]').waitFor();
      await expect.poll(() => drawn(page)).toEqual(MENDED.units.filter((u) => u.level === 'street').map((u) => u.code));
      expect(await page.locator('.tree-unit[data-code="320804"] .tree-name').textContent()).toBe('淮阴区');
      await shoot(page, 'territory-import-applied-desktop');
      await page.context().close();
    });

    it('shows an import’s problems on a phone too', async () => {
      const page = await signIn('terr-admin', PHONE);
      await openTerritory(page);
      await page.click('.import-toggle');
      await page.setInputFiles(
        '.import-file',
        geojson('damaged.geojson', generateDistrict({ ...IMPORTED, district: undefined, breakages: 3 })),
      );
      await page.click('.import-upload');
      await page.locator('.import-problems').waitFor();
      await shoot(page, 'territory-import-problems-phone');
      await page.context().close();
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
