import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, useTestCloud } from '../test-support.js';
import { trackingDigest } from './codes.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (phone 390×844 and desktop 1366×768). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
/** A real 1×1 PNG: the resident's photo. */
const PHOTO = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * A resident with no account reports from a phone with a photo and their position, gets a
 * tracking code, and once staff have handled and closed it (through the API) sees the result on
 * the tracking page and rates it. On a desk-sized screen as well.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the residents’ report and tracking pages (browser)'
    : `the residents’ report and tracking pages (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { dispatchSweepMs: 3_600_000 });
    let browser: Browser;
    const cspViolations: string[] = [];
    const tokens: Record<string, string> = {};
    let workerId = '';

    beforeAll(async () => {
      await seedFixtureTerritory(new TerritoryStore(cloud().db));
      await createUser(cloud(), 'rs-operator', { roles: [{ role: 'operator', scope: FIXTURE.street }] });
      workerId = (await createUser(cloud(), 'rs-worker', { roles: [{ role: 'grid_worker', scope: FIXTURE.grids[0] }] }))
        .id;
      tokens.operator = await login(cloud(), 'rs-operator');
      tokens.worker = await login(cloud(), 'rs-worker');
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

    /** Staff take the report from REPORTED to CLOSED, with a result text and photo. */
    async function handleAndClose(code: string) {
      const { rows } = await cloud().db.query<{ incident_id: string }>(
        'SELECT incident_id FROM resident_reports WHERE tracking_sha256 = $1',
        [trackingDigest(code)],
      );
      const incident = rows[0]?.incident_id as string;
      const act = async (who: string, action: string, extra: Record<string, unknown> = {}) => {
        const done = await api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
          token: tokens[who] as string,
          body: { action, request_id: `${incident}-${action}`, ...extra },
        });
        expect(done.status, JSON.stringify(done.body)).toBe(200);
      };
      await act('operator', 'accept');
      await act('operator', 'file');
      await act('operator', 'dispatch', { data: { assignee: workerId } });
      await act('worker', 'sign');
      const uploaded = await fetch(`${cloud().url}/api/v1/incidents/${incident}/attachments?tag=after`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.worker}`, 'content-type': 'image/png' },
        body: PHOTO,
      });
      const stored = (await uploaded.json()) as { id: string };
      await act('worker', 'finish', {
        comment: '已更换路灯灯泡，恢复照明',
        attachments: [{ id: stored.id, tag: 'after' }],
      });
      await act('operator', 'startCheck');
      await act('operator', 'pass');
      await act('operator', 'close');
      return incident;
    }

    it.each([
      ['phone', PHONE],
      ['desktop', DESKTOP],
    ] as const)('lets a resident report with a photo, follow it to closed and rate it (%s)', async (size, viewport) => {
      const context = await browser.newContext({
        viewport,
        locale: 'zh-CN',
        permissions: ['geolocation'],
        geolocation: { longitude: 119.141, latitude: 33.5015, accuracy: 12 },
      });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(`${cloud().url}/#/report-problem`);
      await expect.poll(() => page.locator('select[name=category] option').count()).toBeGreaterThan(1);
      await shoot(page, `resident-report-empty-${size}`);

      await page.selectOption('select[name=category]', 'other');
      await page.fill('textarea[name=description]', '短');
      await page.locator('.rs-locate').click();
      await page.locator('.rs-located').waitFor();
      // Refused by the server, which names what to fix.
      await page.locator('.rs-submit').click();
      await page.locator('.rs-error', { hasText: '问题描述：' }).waitFor();
      await shoot(page, `resident-report-error-${size}`);

      await page.fill('textarea[name=description]', `${size === 'phone' ? '3 栋' : '5 栋'}东侧路灯不亮，晚上很黑`);
      await page.setInputFiles('input[name=file-resident]', {
        name: 'light.png',
        mimeType: 'image/png',
        buffer: PHOTO,
      });
      await page.locator('.photo-picker .preview img').waitFor();
      await shoot(page, `resident-report-filled-${size}`);

      // The report held in flight: the page says it is sending and takes no second tap.
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      await page.route('**/api/v1/residents/reports', async (route) => {
        await held;
        await route.continue();
      });
      await page.locator('.rs-submit').click();
      await page.locator('.rs-submit', { hasText: '正在提交' }).waitFor();
      expect(await page.locator('.rs-submit').isDisabled()).toBe(true);
      await shoot(page, `resident-report-sending-${size}`);
      release();

      const shown = page.locator('[data-testid=tracking-code]');
      await shown.waitFor();
      const code = ((await shown.textContent()) ?? '').trim();
      expect(code).toMatch(/^[2-9A-Z]{10}$/);
      await shoot(page, `resident-report-done-${size}`);

      await page.locator('.rs-track-it').click();
      await page.locator('[data-testid=status]', { hasText: '已受理' }).waitFor();
      expect(page.url()).toContain(`#/track/${code}`);
      await shoot(page, `resident-track-found-${size}`);

      const incident = await handleAndClose(code);
      await page.reload();
      await page.locator('[data-testid=status]', { hasText: '已办结' }).waitFor();
      expect(await page.locator('.rs-result-text').textContent()).toContain('已更换路灯灯泡');
      await expect
        .poll(() =>
          page.locator('.rs-photos img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
        )
        .toBe(1);
      // Nobody's name on the resident's page.
      expect(await page.locator('.rs-tracking').textContent()).not.toMatch(/rs-worker|rs-operator|Test /);
      await page.locator('.rs-option', { hasText: '基本满意' }).click();
      await page.locator('.rs-option', { hasText: '已解决' }).click();
      await page.fill('textarea[name=note]', '处理及时');
      await page.locator('.rs-rate-send').click();
      await page.locator('.rs-rated', { hasText: '感谢您的评价' }).waitFor();
      expect(await page.locator('.rs-rating-line').textContent()).toContain('基本满意');
      await shoot(page, `resident-track-closed-rated-${size}`);

      // The operator's incident page says how it came and shows the resident's rating; no phone was left.
      const staff = await context.newPage();
      await staff.goto(`${cloud().url}/#/incidents/${incident}`);
      await staff.fill('input[name=username]', 'rs-operator');
      await staff.fill('input[name=password]', TEST_PASSWORD);
      await staff.click('button[type=submit]');
      await staff.locator('.resident-contact', { hasText: '随手拍 · 匿名' }).waitFor();
      expect(await staff.locator('.resident-rating').textContent()).toContain('基本满意');
      await shoot(staff, `resident-incident-staff-${size}`);
      await staff.close();

      await page.goto(`${cloud().url}/#/track/ABCDEFGHJK`);
      await page.locator('.rs-not-found', { hasText: '查询码不存在' }).waitFor();
      await shoot(page, `resident-track-not-found-${size}`);
      expect(cspViolations).toEqual([]);
      await context.close();
    });
  },
);
