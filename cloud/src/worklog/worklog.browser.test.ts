import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from '../people/test-support.js';
import { useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (phone 390×844 and desktop 1366×768, empty, loading and error states too). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID = `${COMMUNITY}001`;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
/** A real 1×1 PNG: the photo the worker takes. */
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * The work log as it is used: a grid worker on a phone opens it from the tab bar, writes an entry
 * with a photo and reveals who they met; the street's operator at a desk finds it by searching and
 * reveals it too. Empty, loading and error states are shown as well.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the work log pages (browser)'
    : `the work log pages (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { projectionSettleMs: 0 });
    let browser: Browser;
    const cspViolations: string[] = [];

    beforeAll(async () => {
      await cloud().db.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
          ('320803', 'district', NULL, '淮安区', NULL), ($1, 'street', '320803', '河下街道', NULL),
          ($2, 'community', $1, '古镇社区', NULL), ($3, 'grid', $2, '古镇第一网格', NULL)
         ON CONFLICT (code) DO NOTHING`,
        [STREET, COMMUNITY, GRID],
      );
      await cloud().db.query(
        `INSERT INTO territory_buildings (community_code, building, unit, floors, households, grid_code) VALUES
          ($1, '3', '1', 6, 12, $2), ($1, '3', '2', 6, 12, $2)`,
        [COMMUNITY, GRID],
      );
      await createUser(cloud(), 'wl-wang', { roles: [{ role: 'grid_worker', scope: GRID }] });
      await createUser(cloud(), 'wl-operator', { roles: [{ role: 'operator', scope: STREET }] });
      await createUser(cloud(), 'wl-zhao', { roles: [{ role: 'grid_worker', scope: GRID }] });
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

    it('lets a grid worker on a phone write an entry with a photo and find it again', async () => {
      const { context, page } = await signIn('wl-wang', PHONE);
      await page.locator('[data-tab="/worklog"]').click();
      await page.locator('.empty-state', { hasText: '还没有日志' }).waitFor();
      await shoot(page, 'worklog-empty-phone');

      await page.locator('.wl-new').click();
      await page.locator('.worklog-form').waitFor();
      await page.locator('.wl-chip', { hasText: '谈心谈话' }).click();
      await expect.poll(() => page.locator('select[name=building_unit] option').count()).toBe(3);
      await page.selectOption('select[name=building_unit]', '3|2');
      await page.fill('input[name=room]', '501');
      await page.fill('input[name=people_met]', '张大爷 13812345678');
      await page.fill('textarea[name=note]', '老人担心冬季取暖费用，已告知社区救助政策');
      await page.fill('input[name=tags]', '独居老人 取暖');
      await page.setInputFiles('input[name=file-worklog]', { name: 'door.png', mimeType: 'image/png', buffer: PHOTO });
      await page.locator('.photo-picker .preview img').waitFor();
      await shoot(page, 'worklog-form-phone');
      // A save without a note is refused by the server, naming the field.
      await page.fill('textarea[name=note]', '');
      await page.locator('.wl-save').click();
      await page.locator('.wl-error', { hasText: '情况记录' }).waitFor();
      await shoot(page, 'worklog-form-error-phone');
      await page.fill('textarea[name=note]', '老人担心冬季取暖费用，已告知社区救助政策');
      await page.locator('.wl-save').click();

      await page.locator('.wl-entry').waitFor();
      expect(page.url()).toMatch(/#\/worklog\/[0-9a-f-]{36}$/);
      expect(await page.locator('.wl-entry-place').textContent()).toContain('3 栋 2 单元 501 室');
      expect(await page.locator('.wl-people').textContent()).toBe('张** 138****5678');
      await page.locator('.wl-photo-grid img').waitFor();
      await expect
        .poll(() =>
          page
            .locator('.wl-photo-grid img')
            .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBe(1);
      await shoot(page, 'worklog-entry-phone');
      await page.locator('.wl-reveal').click();
      await page.locator('.wl-revealed', { hasText: '张大爷 13812345678' }).waitFor();
      await shoot(page, 'worklog-entry-revealed-phone');
      // The author corrects the note the same day; the first version stays in the history.
      await page.locator('.wl-edit-button').click();
      await page.fill('.wl-edit textarea[name=note]', '老人担心冬季取暖费用，已帮助申请社区救助');
      await shoot(page, 'worklog-entry-edit-phone');
      await page.locator('.wl-edit .wl-save').click();
      await page.locator('.wl-entry-note', { hasText: '已帮助申请社区救助' }).waitFor();
      await expect.poll(() => page.locator('.wl-history li').count()).toBe(2);

      await page.locator('.wl-back').click();
      await page.locator('.wl-card').first().waitFor();
      await page.fill('input[name=q]', '取暖');
      await page.locator('.wl-search').click();
      await expect.poll(() => page.locator('.wl-card').count()).toBe(1);
      expect(await page.locator('.wl-card').textContent()).toContain('谈心谈话');
      await shoot(page, 'worklog-list-phone');
      await page.fill('input[name=q]', '没有这个词');
      await page.locator('.wl-search').click();
      await page.locator('.empty-state', { hasText: '没有符合条件的日志' }).waitFor();
      await shoot(page, 'worklog-no-match-phone');
      expect(cspViolations).toEqual([]);
      await context.close();
    }, 90_000);

    it('lets the street’s operator at a desk find the entry by search and reveal who was met', async () => {
      const { context, page } = await signIn('wl-operator', DESKTOP);
      await page.goto(`${cloud().url}/#/worklog`);
      await page.locator('.wl-table tbody tr').first().waitFor();
      await page.fill('input[name=q]', '救助');
      await page.selectOption('select[name=kind]', 'conversation');
      await page.fill('input[name=grid]', GRID);
      await page.locator('.wl-search').click();
      await expect.poll(() => page.locator('.wl-table tbody tr').count()).toBe(1);
      const row = page.locator('.wl-table tbody tr').first();
      expect(await row.textContent()).toContain('张** 138****5678');
      expect(await row.textContent()).not.toContain('13812345678');
      await shoot(page, 'worklog-search-desktop');
      await row.locator('a').first().click();
      await page.locator('.wl-entry').waitFor();
      await page.locator('.wl-reveal').click();
      await page.locator('.wl-revealed', { hasText: '张大爷 13812345678' }).waitFor();
      await shoot(page, 'worklog-entry-desktop');
      await page.goto(`${cloud().url}/#/worklog/00000000-0000-4000-8000-000000000000`);
      await page.locator('.empty-state', { hasText: '没有这条日志' }).waitFor();
      await shoot(page, 'worklog-entry-unknown-desktop');
      expect(cspViolations).toEqual([]);
      await context.close();
    }, 90_000);

    it('shows the list loading, and a failed read with a retry', async () => {
      for (const [size, viewport] of [
        ['desktop', DESKTOP],
        ['phone', PHONE],
      ] as const) {
        const { context, page } = await signIn('wl-operator', viewport);
        let release: () => void = () => {};
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        let fail = true;
        await page.route('**/api/v1/worklog/entries?*', async (route) => {
          await held;
          if (fail)
            await route.fulfill({
              status: 503,
              contentType: 'application/problem+json',
              body: JSON.stringify({
                status: 503,
                code: 'GL_DATABASE_UNAVAILABLE',
                detail: '数据库未能完成请求，请稍后重试',
              }),
            });
          else await route.continue();
        });
        await page.goto(`${cloud().url}/#/worklog`);
        await page.locator('.wl-loading').waitFor();
        await shoot(page, `worklog-loading-${size}`);
        release();
        await page.locator('.load-error', { hasText: '数据库未能完成请求' }).waitFor();
        await shoot(page, `worklog-error-${size}`);
        fail = false;
        await page.locator('.load-error .retry').click();
        await page
          .locator(size === 'desktop' ? '.wl-table tbody tr' : '.wl-card')
          .first()
          .waitFor();
        await shoot(page, `worklog-list-${size === 'desktop' ? 'supervisor-desktop' : 'supervisor-phone'}`);
        await context.close();
      }
    }, 90_000);

    it('shows a worker at a desk their empty log and the form; an unknown entry on a phone', async () => {
      const desk = await signIn('wl-zhao', DESKTOP);
      await desk.page.locator('nav a[href="#/worklog"]').click();
      await desk.page.locator('.empty-state', { hasText: '还没有日志' }).waitFor();
      await shoot(desk.page, 'worklog-empty-desktop');
      await desk.page.locator('.wl-new').click();
      await expect.poll(() => desk.page.locator('select[name=building_unit] option').count()).toBe(3);
      await shoot(desk.page, 'worklog-form-desktop');
      await desk.context.close();

      const phone = await signIn('wl-zhao', PHONE);
      await phone.page.goto(`${cloud().url}/#/worklog/00000000-0000-4000-8000-000000000000`);
      await phone.page.locator('.empty-state', { hasText: '没有这条日志' }).waitFor();
      await shoot(phone.page, 'worklog-entry-unknown-phone');
      expect(cspViolations).toEqual([]);
      await phone.context.close();
    }, 90_000);
  },
);
