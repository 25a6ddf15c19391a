import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from '../people/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { PushReceiver } from './test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (phone 390×844 and desktop 1366×768, loading and error states too). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const STREET = '320803001';
const COMMUNITY = `${STREET}001`;
const GRID = `${COMMUNITY}001`;
const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1366, height: 768 } } as const;

/**
 * The hotline panel of an incident as staff see it: the caller masked, the push-back log with a
 * push the platform has not taken yet, the reveal where the centre calls back, and its error state.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the hotline panel (browser)'
    : `the hotline panel (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('pglite');
    const receiver = new PushReceiver(() => Date.now());
    let browser: Browser;
    let incidentId = '';
    const cspViolations: string[] = [];

    beforeAll(async () => {
      await receiver.start();
      await cloud().db.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
          ('320803', 'district', NULL, '淮安区', NULL), ($1, 'street', '320803', '河下街道', NULL),
          ($2, 'community', $1, '古镇社区', NULL), ($3, 'grid', $2, '古镇第一网格', NULL)
         ON CONFLICT (code) DO NOTHING`,
        [STREET, COMMUNITY, GRID],
      );
      await createUser(cloud(), 'hl-operator', { roles: [{ role: 'operator', scope: STREET }] });
      const platformUser = await createUser(cloud(), 'hl-platform', { roles: [{ role: 'operator', scope: STREET }] });
      const token = await api<{ token: string }>(cloud(), 'POST', `/api/v1/users/${platformUser.id}/api-tokens`, {
        token: TEST_ADMIN_TOKEN,
        body: { name: '12345' },
      });
      const platform = await api<{ secret: string }>(cloud(), 'POST', '/api/v1/hotline/platforms', {
        token: TEST_ADMIN_TOKEN,
        body: {
          id: '12345-huaian',
          name: '淮安 12345',
          user_id: platformUser.id,
          territory_code: STREET,
          webhook_url: receiver.url,
          category_map: { 'SZ-0301': 'urban_management' },
        },
      });
      receiver.useSecret(platform.body.secret);
      const filed = await api<{ incident_id: string }>(cloud(), 'POST', '/api/v1/hotline/orders', {
        token: token.body.token,
        body: {
          ticket: 'SZ-20261206-000123',
          channel: 'hotline_12345',
          caller: { name: '王建国', phone: '13812341234' },
          content: '古镇东门污水井冒水，臭味很大，已经两天没人处理。请回电 13987654321。',
          category_code: 'SZ-0301',
          territory_code: GRID,
          address: '河下古镇东门',
          deadline: '2026-12-09T18:00:00+08:00',
        },
      });
      incidentId = filed.body.incident_id;
      await expectDelivered(1);
      // The platform goes down: the acceptance step's push waits, retried with backoff.
      receiver.refuse(true);
      await cloud().incidents.transition({
        incidentId,
        action: 'accept',
        requestId: 'accept-1',
        actor: 'cloud',
        role: 'system',
      });
      await cloud().hotlinePush.drain();
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      await receiver.stop();
    });

    async function expectDelivered(n: number) {
      for (let i = 0; receiver.pushes.length < n; i++) {
        if (i > 400) throw new Error(`waited for ${n} pushes, got ${receiver.pushes.length}`);
        await cloud().hotlinePush.drain();
        await new Promise((resolve) => setImmediate(resolve));
      }
    }

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

    for (const [size, viewport] of Object.entries(VIEWPORTS)) {
      it(`shows the order masked, its push-back log, and the reveal where the centre calls back (${size})`, async () => {
        await cloud().db.query("UPDATE incident_settings SET callback = 'agents'");
        const { context, page } = await signIn('hl-operator', viewport);
        await page.goto(`${cloud().url}/#/incidents/${incidentId}`);
        const panel = page.locator('#hotline');
        await panel.locator('.ticket').waitFor();
        expect(await panel.locator('.masked').textContent()).toBe('王** 138****1234');
        expect(await panel.textContent()).not.toContain('13987654321');
        expect(await panel.locator('.reveal').count()).toBe(0);
        await panel.locator('.pushes li[data-status=pending]').waitFor();
        await panel.scrollIntoViewIfNeeded();
        await shoot(page, `hotline-masked-${size}`);

        // Where the centre calls back, its operators may reveal (audited on the server).
        await cloud().db.query("UPDATE incident_settings SET callback = 'centre'");
        await page.reload();
        await panel.locator('.reveal').click();
        await panel.locator('.revealed').waitFor();
        expect(await panel.locator('.revealed').textContent()).toBe('王建国 13812341234');
        await shoot(page, `hotline-revealed-${size}`);

        // Loading, then the error state with its retry.
        let release: (() => void) | undefined;
        await page.route('**/api/v1/incidents/*/hotline', async (route: Route) => {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          await route.fulfill({
            status: 503,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              type: 'urn:gridlink:problem:GL_DATABASE_UNAVAILABLE',
              title: '数据库不可用',
              status: 503,
              detail: '数据库暂时不可用，请稍后重试',
              code: 'GL_DATABASE_UNAVAILABLE',
            }),
          });
        });
        await page.reload();
        await panel.locator('.van-skeleton').waitFor();
        await shoot(page, `hotline-loading-${size}`);
        for (let i = 0; release === undefined && i < 1000; i++) await page.waitForTimeout(10);
        release?.();
        await panel.locator('.load-error').waitFor();
        await shoot(page, `hotline-error-${size}`);
        await context.close();
      }, 60_000);
    }

    it('loads without CSP violations', () => {
      expect(cspViolations).toEqual([]);
    });
  },
);
