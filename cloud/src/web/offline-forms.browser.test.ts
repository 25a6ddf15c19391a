import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test looks at. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const [GRID_A] = FIXTURE.grids;
/** Where the phone is: inside grid A. */
const POSITION = { longitude: 119.14115, latitude: 33.50105, accuracy: 12 };
/** Two different 1×1 PNGs: the street report's photo and the work log's. */
const SCENE = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const DOOR = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };

/**
 * The forms a grid worker fills in without signal (Chromium, an emulated phone with its position,
 * network emulated offline): a street report (随手拍) with a photo, handled on the spot, and a work
 * log entry with a photo are kept on the phone, still listed after a reload; back online each
 * reaches the server exactly once, the photos attached to what they belong to.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the field forms offline'
    : `the field forms offline (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { projectionSettleMs: 0 });
    let browser: Browser;
    let worker = '';
    let workerId = '';
    const cspViolations: string[] = [];

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `offline-forms-${name}-390x844.png`), fullPage: true });
      await page.setViewportSize(DESKTOP);
      await page.screenshot({ path: join(SCREENSHOTS, `offline-forms-${name}-1366x768.png`), fullPage: true });
      await page.setViewportSize(PHONE);
    };
    const go = (page: Page, hash: string) => page.evaluate(`location.hash = ${JSON.stringify(hash)}`);

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      workerId = (
        await createUser(cloud(), 'forms-worker', {
          territory: FIXTURE.community,
          roles: [{ role: 'grid_worker', scope: GRID_A as string }],
        })
      ).id;
      worker = await login(cloud(), 'forms-worker');
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(() => {
      expect(cspViolations.splice(0)).toEqual([]);
    });

    /** A phone at its position, signed in as the worker, the shell cached for offline use. */
    const phone = async () => {
      const context = await browser.newContext({
        viewport: PHONE,
        locale: 'zh-CN',
        isMobile: true,
        hasTouch: true,
        geolocation: POSITION,
        permissions: ['geolocation'],
      });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      // The shell is cached by the service worker before the network goes.
      await expect.poll(() => page.evaluate('Boolean(navigator.serviceWorker.controller)')).toBe(true);
      await page.fill('input[name=username]', 'forms-worker');
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return { context, page };
    };
    const incidentsTitled = async (words: string) => {
      const listed = await api<{ incidents: Array<{ id: string; title: string }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents?grid=${GRID_A}&limit=200`,
        { token: worker },
      );
      return listed.body.incidents.filter((incident) => incident.title.includes(words));
    };

    it('keeps a street report and a work log entry with photos taken offline, and each arrives once', async () => {
      const { context, page } = await phone();

      // Both forms opened once with signal: the categories and the work log's context are kept.
      await go(page, '#/report');
      const category = page.locator('select[name=category] option[value="urban_management.exposed_garbage"]');
      await category.waitFor({ state: 'attached' });
      await go(page, '#/worklog');
      await page.locator('.wl-new').waitFor();
      await page.locator('.empty-state', { hasText: '还没有日志' }).waitFor();

      await context.setOffline(true);
      await go(page, '#/report');
      await page.reload();
      await page.locator('#fix-text[data-located="true"]').waitFor();
      await category.waitFor({ state: 'attached' });
      // Duplicates cannot be looked for: said, not an error.
      await page.locator('#duplicates .duplicates-offline', { hasText: '当前离线' }).waitFor();
      await page.selectOption('select[name=category]', 'urban_management.exposed_garbage');
      await page.setInputFiles('input[type=file][data-tag="scene"]', {
        name: '垃圾.png',
        mimeType: 'image/png',
        buffer: SCENE,
      });
      await page.locator('.photo-picker .preview img').waitFor();
      await page.fill('textarea[name=description]', '门口堆放垃圾，已联系保洁清走');
      await page.fill('input[name=address]', '离线测试 5 号楼门口');
      await page.check('input[name=handling][value=self]');
      await page.locator('form.report-form button[type=submit]').click();
      await page.locator('#report-notice.ok', { hasText: '已保存在本机（3 项待发送）' }).waitFor();
      // A fresh form for the next report.
      expect(await page.locator('textarea[name=description]').inputValue()).toBe('');
      expect(await page.locator('.photo-picker .preview img').count()).toBe(0);
      const panel = page.locator('#pending-panel');
      await panel.locator('.pending-summary', { hasText: '待发送 3 项' }).waitFor();
      await shoot(page, 'report-saved');

      await go(page, '#/worklog');
      // The list as last read, said to be so.
      await page.locator('#offline-notice', { hasText: '离线' }).waitFor();
      await page.locator('.empty-state', { hasText: '还没有日志' }).waitFor();
      await page.locator('.wl-new').click();
      await page.locator('.worklog-form').waitFor();
      await page.fill('input[name=address]', '离线测试 5 号楼 302');
      await page.fill('textarea[name=note]', '离线走访：住户反映楼道灯坏了');
      await page.setInputFiles('input[name=file-worklog]', { name: 'door.png', mimeType: 'image/png', buffer: DOOR });
      await page.locator('.photo-picker .preview img').waitFor();
      await page.locator('.wl-save').click();
      await page.locator('#worklog-notice', { hasText: '已保存在本机（2 项待发送）' }).waitFor();
      await panel.locator('.pending-summary', { hasText: '待发送 5 项' }).waitFor();
      await shoot(page, 'worklog-saved');

      // Still there after a reload without signal: the phone kept the photos themselves.
      await page.reload();
      await panel.locator('.pending-summary', { hasText: '待发送 5 项' }).waitFor();
      await panel.locator('.pending-bar').click();
      const items = panel.locator('.pending-item');
      expect(
        await items.evaluateAll((list) =>
          list.map((li) => [li.getAttribute('data-kind'), li.getAttribute('data-state')]),
        ),
      ).toEqual([
        ['incident.report', 'pending'],
        ['incident.attachment', 'pending'],
        ['incident.transition', 'pending'],
        ['worklog.photo', 'pending'],
        ['worklog.entry', 'pending'],
      ]);
      await shoot(page, 'pending');
      expect(await incidentsTitled('离线测试')).toHaveLength(0);

      // Back online: everything goes, in order, once.
      await context.setOffline(false);
      await panel.locator('.pending-summary', { hasText: '离线操作已全部发送' }).waitFor({ timeout: 30_000 });
      // The work log's list is read again: the entry shows, no longer the list kept offline.
      await page.locator('.wl-card', { hasText: '离线走访' }).waitFor();
      await page.locator('#offline-notice').waitFor({ state: 'detached' });
      await shoot(page, 'all-sent');

      const filed = await incidentsTitled('离线测试');
      expect(filed).toHaveLength(1);
      const id = filed[0]?.id as string;
      const detail = await api<{
        incident: { state: string; source: string };
        steps: Array<{ action: string; attachments: Array<{ tag?: string }> }>;
      }>(cloud(), 'GET', `/api/v1/incidents/${id}`, { token: worker });
      expect(detail.body.incident).toMatchObject({ state: 'SELF_HANDLED', source: 'patrol' });
      const handled = detail.body.steps.filter((step) => step.action === 'selfHandle');
      expect(handled).toHaveLength(1);
      expect(handled[0]?.attachments.map((file) => file.tag)).toEqual(['scene']);
      const files = await api<{ attachments: Array<{ name: string; tag: string }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${id}/attachments`,
        { token: worker },
      );
      expect(files.body.attachments.map((file) => [file.name, file.tag])).toEqual([['垃圾.png', 'scene']]);

      const entries = await api<{ total: number; entries: Array<{ id: string; note: string }> }>(
        cloud(),
        'GET',
        '/api/v1/worklog/entries?mine=true',
        { token: worker },
      );
      expect(entries.body.total).toBe(1);
      const entry = await api<{ entry: { note: string; photos: Array<{ name: string }> } }>(
        cloud(),
        'GET',
        `/api/v1/worklog/entries/${entries.body.entries[0]?.id}`,
        { token: worker },
      );
      expect(entry.body.entry.note).toBe('离线走访：住户反映楼道灯坏了');
      expect(entry.body.entry.photos.map((photo) => photo.name)).toEqual(['door.png']);
      // No photo uploaded twice and left over.
      const { rows } = await cloud().db.query<{ n: string }>(
        'SELECT count(*) AS n FROM worklog_photos WHERE uploaded_by = $1',
        [workerId],
      );
      expect(Number(rows[0]?.n)).toBe(1);
      await context.close();
    }, 120_000);

    it('keeps what did not go through when the link drops after the report was filed, and files nothing twice', async () => {
      const { context, page } = await phone();
      await go(page, '#/report');
      await page.locator('#fix-text[data-located="true"]').waitFor();
      await page
        .locator('select[name=category] option[value="urban_management.exposed_garbage"]')
        .waitFor({ state: 'attached' });
      await page.selectOption('select[name=category]', 'urban_management.exposed_garbage');
      await page.setInputFiles('input[type=file][data-tag="scene"]', {
        name: '断网.png',
        mimeType: 'image/png',
        buffer: SCENE,
      });
      await page.locator('.photo-picker .preview img').waitFor();
      await page.fill('input[name=address]', '断网测试 7 号楼门口');
      // The report goes; the link is lost while the photo is on its way.
      const lost = '**/api/v1/incidents/*/attachments*';
      await page.route(lost, (route) => route.abort('internetdisconnected'));
      await page.locator('form.report-form button[type=submit]').click();
      await page.locator('#report-notice.ok', { hasText: '其余的照片和处置已保存在本机（1 项待发送）' }).waitFor();
      const filed = await incidentsTitled('断网测试');
      expect(filed).toHaveLength(1);
      const id = filed[0]?.id as string;
      expect(await page.locator('#report-notice').textContent()).toContain(id);
      const panel = page.locator('#pending-panel');
      await panel.locator('.pending-summary', { hasText: '待发送 1 项' }).waitFor();
      await shoot(page, 'report-partly-kept');

      // The link is back: the photo goes to the incident filed before, which is not filed again.
      await page.unroute(lost);
      await panel.locator('.pending-bar').click();
      await panel.locator('button.send-now').click();
      await panel.locator('.pending-summary', { hasText: '离线操作已全部发送' }).waitFor({ timeout: 30_000 });
      expect(await incidentsTitled('断网测试')).toHaveLength(1);
      const files = await api<{ attachments: Array<{ name: string; tag: string }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${id}/attachments`,
        { token: worker },
      );
      expect(files.body.attachments.map((file) => [file.name, file.tag])).toEqual([['断网.png', 'scene']]);
      await context.close();
    }, 120_000);
  },
);
