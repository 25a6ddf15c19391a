import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLoop, seedIncidents } from '../kpi/test-support.js';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { api, registerGateway, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (1920×1080 and 1366×768: filled, loading, error, disconnected, empty). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const DISTRICT = '320803';
const STREETS = ['320803001', '320803002', '320803003'];
/** A street of the district with no incidents yet. */
const QUIET_STREET = '320803009';
const WALL = { width: 1920, height: 1080 };
const LAPTOP = { width: 1366, height: 768 };

/** The district's units: three streets of two communities of four grids, each grid a small square. */
async function seedDistrict(cloud: ReturnType<ReturnType<typeof useTestCloud>>) {
  const units: Array<[string, string, string | null, string]> = [
    [DISTRICT, 'district', null, '淮安区'],
    [QUIET_STREET, 'street', DISTRICT, '新城街道'],
  ];
  const squares: Array<[string, number, number]> = [];
  STREETS.forEach((street, s) => {
    units.push([street, 'street', DISTRICT, `第${s + 1}街道`]);
    for (let c = 1; c <= 2; c++) {
      const community = `${street}00${c}`;
      units.push([community, 'community', street, `${['淮城', '河下', '钦工'][s]}${c}社区`]);
      for (let g = 1; g <= 4; g++) {
        const grid = `${community}00${g}`;
        units.push([grid, 'grid', community, `${['淮城', '河下', '钦工'][s]}${c}社区第${g}网格`]);
        squares.push([grid, 119.1 + s * 0.04 + (g % 2) * 0.012, 33.5 + c * 0.02 + Math.floor(g / 3) * 0.01]);
      }
    }
  });
  for (const [code, level, parent, name] of units)
    await cloud.db.query(
      'INSERT INTO territory_units (code, level, parent_code, name_zh) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
      [code, level, parent, name],
    );
  for (const [code, lon, lat] of squares) {
    const ring = [
      [lon - 0.006, lat - 0.005],
      [lon + 0.006, lat - 0.005],
      [lon + 0.006, lat + 0.005],
      [lon - 0.006, lat + 0.005],
      [lon - 0.006, lat - 0.005],
    ];
    await cloud.db.query(
      `INSERT INTO territory_polygons (unit_code, valid_from, area, min_lon, min_lat, max_lon, max_lat)
       VALUES ($1, '2026-01-01T00:00:00Z', $2::jsonb, $3, $4, $5, $6)`,
      [
        code,
        JSON.stringify({ type: 'Polygon', coordinates: [ring] }),
        lon - 0.006,
        lat - 0.005,
        lon + 0.006,
        lat + 0.005,
      ],
    );
  }
  return squares.map(([code]) => code);
}

/**
 * The command screen (指挥大屏) as a dispatcher opens it from the header: the district's open
 * incidents on the map and in the figures, and an incident raised meanwhile appearing on it live.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the command screen (browser)'
    : `the command screen (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { dispatchSweepMs: 3_600_000 });
    let browser: Browser;
    let desk: string;
    const cspViolations: string[] = [];

    beforeAll(async () => {
      const grids = await seedDistrict(cloud());
      // Open work across the grids, started over the last days (their limits run: some late).
      const start = new Date(Date.now() - 3 * 86_400_000);
      for (const [index, grid] of grids.entries())
        await seedIncidents(cloud().db, {
          prefix: `cc-${grid}`,
          count: 2 + ((index * 7) % 9),
          start,
          community: grid.slice(0, 12),
          grid,
          steps: openLoop(),
        });
      await registerGateway(cloud(), 'gw-cc-1', `${STREETS[0]}001`);
      await registerGateway(cloud(), 'gw-cc-2', `${STREETS[1]}002`);
      await createUser(cloud(), 'cc-dispatcher', { roles: [{ role: 'operator', scope: DISTRICT }] });
      await createUser(cloud(), 'cc-quiet', { roles: [{ role: 'operator', scope: QUIET_STREET }] });
      desk = await login(cloud(), 'cc-dispatcher');
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
    });

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
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

    const ready = (page: Page) =>
      page.locator('.cc-screen[data-state="ready"][data-drawn="yes"] .cc-live[data-connected="yes"]').waitFor();
    const figure = async (page: Page, selector: string) =>
      Number(((await page.locator(selector).textContent()) ?? '').replace(/[^\d]/g, ''));

    it('shows a dispatcher the district, and an incident raised meanwhile appears with the counts changed', async () => {
      const { context, page } = await signIn('cc-dispatcher', WALL);
      await page.locator('header.top a[href="#/command"]').click();
      await ready(page);
      // No app header on the wall screen.
      expect(await page.locator('header.top').count()).toBe(0);
      const before = await figure(page, '.cc-open-total');
      const intake = await figure(page, '[data-figure="intake"] b');
      expect(before).toBeGreaterThan(100);
      await shoot(page, 'command-filled-1920');

      const raised = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: desk,
        body: {
          request_id: `cc-raise-${Date.now()}`,
          source: 'hotline_12345',
          category: 'emergency.gas_leak',
          severity: 'critical',
          urgent: true,
          title: '燃气味',
          community: `${STREETS[2]}001`,
          grid: `${STREETS[2]}001002`,
        },
      });
      expect(raised.status, JSON.stringify(raised.body)).toBe(201);
      const id = raised.body.incident.id;
      await page.locator(`.cc-ticker li[data-id="${id}"]`).waitFor();
      await expect.poll(() => figure(page, '.cc-open-total')).toBe(before + 1);
      await expect.poll(() => figure(page, '[data-figure="intake"] b')).toBe(intake + 1);
      await shoot(page, 'command-raised-1920');

      // Rejected (ended): it leaves the open figures again.
      const rejected = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
        token: desk,
        body: { action: 'reject', request_id: `${id}-reject`, comment: '误报' },
      });
      expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
      await expect.poll(() => figure(page, '.cc-open-total')).toBe(before);
      expect(cspViolations).toEqual([]);
      await context.close();
    }, 90_000);

    it('fits a laptop screen, and says when the live link is lost', async () => {
      const { context, page } = await signIn('cc-dispatcher', LAPTOP);
      await page.goto(`${cloud().url}/#/command`);
      await ready(page);
      await shoot(page, 'command-filled-1366');
      await context.close();

      // The stream refused: the screen says so across the top and still shows the figures it read.
      const cut = await signIn('cc-dispatcher', WALL);
      await cut.context.route('**/api/v1/incidents/stream', (route) => route.abort());
      await cut.page.goto(`${cloud().url}/#/command`);
      await cut.page.locator('.cc-screen[data-state="ready"][data-drawn="yes"]').waitFor();
      await cut.page.locator('.cc-banner[role="alert"]').waitFor();
      expect(await cut.page.locator('.cc-live').getAttribute('data-connected')).toBe('no');
      expect(await figure(cut.page, '.cc-open-total')).toBeGreaterThan(100);
      await shoot(cut.page, 'command-disconnected-1920');
      await cut.context.close();
      await context.close();
    }, 90_000);

    it('shows loading, a failed read with a retry, and an empty district', async () => {
      const { context, page } = await signIn('cc-dispatcher', WALL);
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await context.route('**/api/v1/command-centre/overview*', async (route) => {
        await held;
        await route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({ code: 'GL_UNAVAILABLE', detail: '数据库暂不可用，请稍后重试', status: 503 }),
        });
      });
      await page.goto(`${cloud().url}/#/command`);
      await page.locator('.cc-screen[data-state="loading"]').waitFor();
      await shoot(page, 'command-loading-1920');
      release();
      await page.locator('.cc-screen[data-state="error"]').waitFor();
      expect(await page.locator('.cc-error').textContent()).toContain('数据库暂不可用');
      await shoot(page, 'command-error-1920');
      await context.unroute('**/api/v1/command-centre/overview*');
      await page.locator('.cc-error button').click();
      await ready(page);
      await context.close();

      const quiet = await signIn('cc-quiet', WALL);
      await quiet.page.goto(`${cloud().url}/#/command`);
      await quiet.page.locator('.cc-screen[data-state="ready"][data-drawn="yes"]').waitFor();
      await quiet.page.locator('.cc-map-empty').waitFor();
      expect(await figure(quiet.page, '.cc-open-total')).toBe(0);
      await shoot(quiet.page, 'command-empty-1920');
      await quiet.context.close();
      expect(cspViolations).toEqual([]);
    }, 90_000);
  },
);
