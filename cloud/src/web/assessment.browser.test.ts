import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import ExcelJS from 'exceljs';
import { PDFParse } from 'pdf-parse';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assessment } from '../kpi/assessment.js';
import { KPI_DEFINITIONS } from '../kpi/definitions.js';
import { closedLoop, openLoop, type SeedStep, seedIncidents } from '../kpi/test-support.js';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test looks at. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
const [GRID_A, GRID_B, GRID_C] = FIXTURE.grids as unknown as [string, string, string];
const REPORT = '#/kpis/assessment?month=2026-10&level=grid';

/**
 * The monthly assessment on the KPI page (Chromium): the ranking an operator sees is the API's,
 * the Excel file it downloads carries the same figures, and the page printed to PDF (its print
 * style sheet, charts as SVG) holds the header and every row's score. A grid worker opens the same
 * page on a phone and sees their own row only.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the assessment page'
    : `the assessment page (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres');
    let browser: Browser;
    let operator = '';
    let workerId = '';
    const cspViolations: string[] = [];

    /** Whether every chart has been drawn at its box's width (after a resize, or turning to print). */
    const fitted = (page: Page) => () =>
      page.evaluate(`[...document.querySelectorAll('.assessment-chart .bar-chart, .assessment-chart .trend-lines, .trend-spark')]
        .every((host) => Math.abs((host.querySelector('svg')?.width.baseVal.value ?? 0) - host.clientWidth) < 2)`);
    const shoot = async (page: Page, name: string, sizes = [DESKTOP, PHONE], at?: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      const size = page.viewportSize();
      for (const viewport of sizes) {
        await page.setViewportSize(viewport);
        await expect.poll(fitted(page)).toBe(true);
        if (at) await page.locator(at).scrollIntoViewIfNeeded();
        else await page.evaluate('window.scrollTo(0, 0)');
        await page.screenshot({
          path: join(SCREENSHOTS, `assessment-${name}-${viewport.width}x${viewport.height}.png`),
        });
      }
      if (size) await page.setViewportSize(size);
    };
    const open = async (username: string, viewport = DESKTOP): Promise<Page> => {
      const phone = viewport === PHONE;
      const context = await browser.newContext({ viewport, locale: 'zh-CN', isMobile: phone, hasTouch: phone });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return page;
    };
    const assessment = async (query: string, token = operator) => {
      const answer = await api<Assessment>(cloud(), 'GET', `/api/v1/kpis/assessment?${query}`, { token });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body;
    };

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await createUser(cloud(), 'assess-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      const worker = await createUser(cloud(), 'assess-worker', {
        territory: FIXTURE.community,
        roles: [{ role: 'grid_worker', scope: GRID_A }],
      });
      workerId = worker.id;
      operator = await login(cloud(), 'assess-operator');
      const seed = (prefix: string, count: number, grid: string, day: string, steps: SeedStep[]) =>
        seedIncidents(cloud().db, {
          prefix,
          count,
          start: new Date(`${day}T08:00:00+08:00`),
          community: FIXTURE.community,
          grid,
          steps,
        });
      const ok = (assignee: string) => closedLoop({ closeHours: 20, closeDeadlineHours: 48, assignee });
      const late = (assignee: string) => closedLoop({ closeHours: 60, closeDeadlineHours: 48, assignee });
      await seed('grid-a-ok', 8, GRID_A, '2026-10-06', ok(workerId));
      await seed('grid-a-late', 2, GRID_A, '2026-10-08', late(workerId));
      await seed('grid-b-ok', 5, GRID_B, '2026-10-06', ok('worker-b'));
      await seed('grid-b-open', 1, GRID_B, '2026-10-09', openLoop({ fileDeadlineHours: 48, assignee: 'worker-b' }));
      await seed('grid-c-late', 3, GRID_C, '2026-10-07', late('worker-c'));
      for (const [month, count] of [
        ['2026-05', 2],
        ['2026-07', 3],
        ['2026-09', 4],
      ] as const) {
        await seed(`grid-a-${month}`, count, GRID_A, `${month}-10`, ok(workerId));
        await seed(`grid-c-${month}`, 1, GRID_C, `${month}-12`, late('worker-c'));
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('shows the API’s ranking, downloads it as Excel with the same figures, and prints it to PDF', async () => {
      const page = await open('assess-operator');
      await page.goto(`${cloud().url}/${REPORT}`);
      const rows = page.locator('.assessment-table tbody tr');
      await rows.first().waitFor();
      const answer = await assessment('month=2026-10&level=grid');
      expect(answer.rows.map((row) => row.key)).toHaveLength(3);
      // The page's rows are the API's, in its order, with its places, scores and rates.
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')))).toEqual(
        answer.rows.map((row) => row.key),
      );
      for (const [index, row] of answer.rows.entries()) {
        const line = rows.nth(index);
        expect(await line.locator('.rank').textContent()).toBe(String(row.rank));
        expect(await line.locator('.score').textContent()).toBe(row.score?.toFixed(2));
        const onTime = row.rates.on_time_closing_rate?.percent;
        expect((await line.locator('[data-code="on_time_closing_rate"]').textContent())?.trim()).toBe(
          onTime === null || onTime === undefined ? '—' : onTime.toFixed(2),
        );
      }
      // …which are GET /kpis's scores for the same month and scope.
      const kpis = await api<{ groups: Array<{ key: string; composite: number | null }> }>(
        cloud(),
        'GET',
        '/api/v1/kpis?from=2026-10-01&to=2026-11-01&group_by=grid',
        { token: operator },
      );
      expect(Object.fromEntries(kpis.body.groups.map((g) => [g.key, g.composite]))).toEqual(
        Object.fromEntries(answer.rows.map((row) => [row.key, row.score])),
      );
      // The header names the tenant, the scope and the month; charts are SVG (they print crisply).
      expect(await page.locator('.assessment-title').textContent()).toBe('淮安区 · 淮城街道 · 2026-10 网格考核');
      await expect.poll(() => page.locator('.assessment-chart svg').count()).toBe(2);
      // The weights and the formula under the title: what the score is made of.
      expect(await page.locator('.assessment-weights').textContent()).toContain('按期结案率 20');
      await expect.poll(() => page.locator('.trend-spark svg').count()).toBe(3);
      await shoot(page, 'filled');
      await shoot(page, 'filled-table', [DESKTOP, PHONE], '.assessment-ranking');

      // Excel: the ranking sheet's figures are the API's.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.assessment-xlsx')]);
      expect(download.suggestedFilename()).toBe('assessment-grid-scope-2026-10.xlsx');
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(new Uint8Array(readFileSync(await download.path())).buffer);
      const ranking = workbook.getWorksheet('排名') as ExcelJS.Worksheet;
      const closing = 9 + KPI_DEFINITIONS.findIndex((d) => d.code === 'on_time_closing_rate');
      for (const [index, row] of answer.rows.entries()) {
        const line = ranking.getRow(3 + index);
        expect([line.getCell(1).value, line.getCell(2).value, line.getCell(4).value]).toEqual([
          row.rank,
          row.key,
          row.score,
        ]);
        const percent = row.rates.on_time_closing_rate?.percent ?? null;
        expect(line.getCell(closing).value).toBe(percent === null ? null : percent / 100);
      }

      // Printed: the print style sheet hides the navigation and the form; the PDF holds the figures.
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('.assessment-form').isVisible()).toBe(false);
      expect(await page.locator('header.top').isVisible()).toBe(false);
      // The charts redraw at their size on paper (SVG, so they stay sharp).
      await expect.poll(fitted(page)).toBe(true);
      await shoot(page, 'print', [DESKTOP]);
      const pdf = await page.pdf({ format: 'A4', landscape: true, printBackground: true });
      if (SCREENSHOTS) writeFileSync(join(SCREENSHOTS, 'assessment.pdf'), pdf);
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const parser = new PDFParse({ data: new Uint8Array(pdf) });
      const text = (await parser.getText()).text.replace(/\s+/g, ' ');
      await parser.destroy();
      expect(text).toContain('2026-10');
      expect(text).toContain('淮城街道');
      for (const row of answer.rows) {
        expect(text).toContain(row.name);
        expect(text).toContain(row.score?.toFixed(2));
      }
      await page.emulateMedia({ media: 'screen' });
      expect(cspViolations).toEqual([]);
      await page.context().close();
    }, 120_000);

    it('opens for a grid worker on a phone: their grid, and their own row ranked among the grid’s workers', async () => {
      const page = await open('assess-worker', PHONE);
      // A worker's tabs hold their daily pages; the monthly KPIs are a link on the "Me" page.
      await page.click('.tabbar [data-tab="/me"]');
      await page.click('.me-kpis');
      await page.locator('.kpi-tabs').waitFor();
      await page.click('.kpi-tabs .el-tabs__item#tab-assessment');
      await page.locator('.assessment-form').waitFor();
      await page.locator('.assessment-form .select-month').click();
      await page.locator('.el-select-dropdown__item:visible', { hasText: /^\s*2026-10\s*$/ }).click();
      await page.click('.assessment-level [data-level="worker"]');
      const row = page.locator(`.assessment-table tbody tr[data-key="${workerId}"]`);
      await row.waitFor();
      expect(await page.locator('.assessment-table tbody tr').count()).toBe(1);
      const own = await assessment('month=2026-10&level=worker', await login(cloud(), 'assess-worker'));
      expect(own.rows.map((r) => [r.key, r.rank, r.score])).toEqual([
        [workerId, own.rows[0]?.rank, own.rows[0]?.score],
      ]);
      expect(await row.locator('.score').textContent()).toBe(own.rows[0]?.score?.toFixed(2));
      expect(await page.locator('.assessment-own').isVisible()).toBe(own.rows[0]?.peers !== 1);
      await shoot(page, 'worker', [PHONE, DESKTOP]);
      // In English the page speaks English too (the names stay as the territory writes them).
      await page.click('button.lang');
      await expect.poll(() => page.locator('.assessment-level [data-level="worker"]').textContent()).not.toBe('网格员');
      expect(await page.locator('.kpi-tabs .el-tabs__item#tab-assessment').textContent()).toBe('Monthly assessment');
      expect(await page.locator('.assessment-table thead').textContent()).toContain('Score');
      await shoot(page, 'worker-en', [PHONE]);
      await page.context().close();
    }, 120_000);

    it('shows loading, error and empty states', async () => {
      const page = await open('assess-operator');
      // Loading: the answer is held until the skeleton has been seen.
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/api/v1/kpis/assessment?*', async (route) => {
        await held;
        await route.continue();
      });
      await page.goto(`${cloud().url}/${REPORT}`);
      await page.locator('.assessment-loading').waitFor();
      await shoot(page, 'loading');
      release();
      await page.locator('.assessment-table tbody tr').first().waitFor();
      await page.unroute('**/api/v1/kpis/assessment?*');

      // Error: the database is away; the page says so and offers to try again.
      await page.route('**/api/v1/kpis/assessment?*', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/problem+json',
          body: JSON.stringify({
            type: 'urn:gridlink:problem:GL_DB_UNAVAILABLE',
            title: '数据库暂不可用',
            status: 503,
            detail: '数据库暂不可用，请稍后重试',
            code: 'GL_DB_UNAVAILABLE',
          }),
        }),
      );
      // Away and back, each arrival awaited: two hash changes in a row can reach the router as one,
      // and the page would then stay as it was, without asking again.
      await page.goto(`${cloud().url}/#/incidents`);
      await page.locator('.assessment').waitFor({ state: 'detached' });
      await page.goto(`${cloud().url}/${REPORT}`);
      await page.locator('.assessment-error').waitFor();
      await shoot(page, 'error');
      await page.unroute('**/api/v1/kpis/assessment?*');
      await page.click('.assessment-error button.retry');
      await page.locator('.assessment-table tbody tr').first().waitFor();

      // Empty: a month without filed incidents.
      await page.goto(`${cloud().url}/#/incidents`);
      await page.locator('.assessment').waitFor({ state: 'detached' });
      await page.goto(`${cloud().url}/#/kpis/assessment?month=2026-06&level=grid`);
      await page.locator('.assessment .empty-state, .assessment .van-empty').first().waitFor();
      expect(await page.locator('.assessment-title').textContent()).toContain('2026-06');
      await shoot(page, 'empty');
      await page.context().close();
    }, 120_000);
  },
);
