import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CloudEvent, createCloudEvent, type GatewayHealth } from '@gridlink/protocol';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, TEST_PASSWORD } from '../people/test-support.js';
import { api, registerGateway, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where screenshots go when asked for (phone 390×844 and desktop 1366×768, empty and error states too). */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const STREET = '320803001';
const MINUTE = 60_000;

const healthData = (gateway: string, at: Date, seq: number, fields: Partial<GatewayHealth> = {}): GatewayHealth => ({
  gateway_id: gateway,
  version: '1.4.0',
  uptime_s: 3600,
  clients: 40,
  outbox_depth: { alarm: 0, state: 0, telemetry: 5 },
  outbox_dropped: 0,
  cameras: { configured: 4, online: 4, authenticated: 4, subscribed: 4 },
  disk_free_bytes: 1e9,
  clock_offset_ms: 20,
  observed_at: at.toISOString(),
  seq,
  ...fields,
});

/**
 * The fleet pages as a street administrator opens them: the list trouble first, a gateway's page
 * with its history chart, contact gaps and version changes; an installer with nothing yet, a
 * property manager refused, an unknown gateway.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the gateway fleet pages (browser)'
    : `the gateway fleet pages (browser) (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { projectionSettleMs: 0 });
    const gw = (name: string) => `gw-web-${name}`;
    const tokens: Record<string, string> = {};
    let browser: Browser;
    const cspViolations: string[] = [];

    async function send(name: string, at: Date, seq: number, fields: Partial<GatewayHealth> = {}) {
      const event = createCloudEvent({
        id: `gh-${name}-${seq}`,
        type: 'cn.gridlink.gateway.health.v1',
        gatewayId: gw(name),
        time: at.toISOString(),
        priority: 'telemetry',
        data: healthData(gw(name), at, seq, fields),
      }) as CloudEvent;
      const response = await api(cloud(), 'POST', `/api/v1/gateways/${gw(name)}/events`, {
        token: tokens[name] as string,
        body: [event],
      });
      expect(response.status).toBe(200);
    }

    beforeAll(async () => {
      for (const [name, community] of [
        ['river', '001'],
        ['hill', '002'],
        ['lake', '003'],
      ] as const)
        tokens[name] = await registerGateway(cloud(), gw(name), `${STREET}${community}`);
      await createUser(cloud(), 'fleet-street', { roles: [{ role: 'district_admin', scope: STREET }] });
      await createUser(cloud(), 'fleet-installer', { roles: [{ role: 'installer', scope: 'gw-web-none' }] });
      await createUser(cloud(), 'fleet-property', { roles: [{ role: 'property_manager', scope: `${STREET}001` }] });

      // River's last six hours, a report every 5 minutes: an outbox that built up during a
      // 40-minute gap, and an upgrade from 1.3.2 to 1.4.0 after it (stored as received then).
      const now = Date.now();
      const rows: unknown[][] = [];
      for (let i = 72, seq = 1; i >= 1; i--, seq++) {
        if (i <= 30 && i > 22) continue;
        const at = new Date(now - i * 5 * MINUTE);
        const backlog = i <= 22 && i > 16 ? (23 - i) * 400 : 8;
        rows.push([
          gw('river'),
          at,
          seq,
          at,
          JSON.stringify(
            healthData(gw('river'), at, seq, {
              version: i > 22 ? '1.3.2' : '1.4.0',
              clients: 40 + (i % 5),
              cameras: { configured: 4, online: i > 22 ? 4 : 3, authenticated: 4, subscribed: i > 22 ? 4 : 3 },
              outbox_depth: { alarm: 0, state: 0, telemetry: backlog },
            }),
          ),
        ]);
      }
      for (const row of rows)
        await cloud().db.query(
          'INSERT INTO gateway_health (gateway_id, observed_at, seq, received_at, data) VALUES ($1, $2, $3, $4, $5)',
          row,
        );
      await send('river', new Date(now), 100, {
        cameras: { configured: 4, online: 3, authenticated: 4, subscribed: 3 },
      });
      await send('hill', new Date(now), 1, { outbox_depth: { alarm: 2, state: 10, telemetry: 3000 } });
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

    for (const [size, viewport] of [
      ['desktop', { width: 1366, height: 768 }],
      ['phone', { width: 390, height: 844 }],
    ] as const)
      it(`shows a street administrator the fleet trouble first and a gateway's history (${size})`, async () => {
        const { context, page } = await signIn('fleet-street', viewport);
        await page.goto(`${cloud().url}/#/fleet`);
        const rows = page.locator(size === 'desktop' ? '.fleet-table tbody tr' : '.fleet-card');
        await expect.poll(() => rows.count()).toBe(3);
        // Never heard from (silent) first, then an alarm waiting in the outbox, then cameras.
        expect(await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-trouble')))).toEqual([
          'silent',
          'outbox_backlog',
          'cameras_unsubscribed',
        ]);
        expect(await rows.first().textContent()).toContain('失联');
        await shoot(page, `fleet-list-${size}`);

        await page.locator(`a[href="#/fleet/${gw('river')}"]`).click();
        await page.locator('.health-chart canvas').first().waitFor();
        expect(await page.locator('.fleet-gaps li').count()).toBe(1);
        expect(await page.locator('.fleet-gaps li').textContent()).toContain('45 分钟');
        expect(await page.locator('.fleet-versions li').allTextContents()).toEqual([
          expect.stringContaining('1.3.2（首次报告）'),
          expect.stringContaining('1.3.2 → 1.4.0'),
        ]);
        await shoot(page, `fleet-gateway-${size}`);
        await page.locator('[data-days="1"]').click();
        await expect.poll(() => page.locator('[data-days="1"]').getAttribute('aria-pressed')).toBe('true');

        await page.goto(`${cloud().url}/#/fleet/gw-web-unknown`);
        await page.locator('.empty-state', { hasText: '没有这台网关' }).waitFor();
        await shoot(page, `fleet-gateway-unknown-${size}`);
        expect(cspViolations).toEqual([]);
        await context.close();
      }, 90_000);

    it('shows an installer with no gateways an empty fleet, and a property manager why not', async () => {
      for (const [size, viewport] of [
        ['desktop', { width: 1366, height: 768 }],
        ['phone', { width: 390, height: 844 }],
      ] as const) {
        const installer = await signIn('fleet-installer', viewport);
        await installer.page.goto(`${cloud().url}/#/fleet`);
        await installer.page.locator('.empty-state', { hasText: '您的范围内还没有网关' }).waitFor();
        await shoot(installer.page, `fleet-empty-${size}`);
        await installer.context.close();

        const property = await signIn('fleet-property', viewport);
        await property.page.goto(`${cloud().url}/#/fleet`);
        await property.page.locator('.load-error, .empty-state', { hasText: '网关运维总览仅供' }).first().waitFor();
        await shoot(property.page, `fleet-forbidden-${size}`);
        await property.context.close();
      }
    }, 90_000);
  },
);
