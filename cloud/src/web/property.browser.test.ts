import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { cannotRun } from '@gridlink/testkit';
import { watchCsp } from '@gridlink/testkit/browser';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { englishWords } from '../i18n/english-words.js';
import { createUser, login, TEST_PASSWORD } from '../people/test-support.js';
import { FIXTURE } from '../territory/test-support.js';
import { api, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep a screenshot of each state the test visits. */
const SCREENSHOTS = process.env.GRIDLINK_WEB_SCREENSHOTS;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };
const GATEWAY = 'gw-320803001001-web';
/** A 1×1 PNG: a photo as far as the cloud and the browser are concerned. */
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * The property manager's pages in a real browser, fed the real way: a gateway's events through the
 * intake, the devices and alert projections, and the community's change stream to the open page.
 * An offline device appears while the page is open, an `alert_only` alert is acknowledged and
 * handled, and a maintenance ticket's photos open.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the property manager’s pages'
    : `the property manager’s pages (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    const cloud = useTestCloud('postgres', { projectionSettleMs: 0 });
    let browser: Browser;
    let gatewayToken = '';
    let property = '';
    let n = 0;
    const cspViolations: string[] = [];
    const base = new Date();
    const at = (minutes: number) => new Date(base.getTime() + minutes * 60_000).toISOString();

    const send = async (events: CloudEvent[]) => {
      const response = await api(cloud(), 'POST', `/api/v1/gateways/${GATEWAY}/events`, {
        token: gatewayToken,
        body: events,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    };
    const event = (type: string, data: Record<string, unknown>, time: string, deviceId?: string) =>
      createCloudEvent({
        id: `prop-web-${++n}`,
        type,
        gatewayId: GATEWAY,
        ...(deviceId === undefined ? {} : { deviceId }),
        time,
        priority: type.startsWith('cn.gridlink.alert') ? 'alarm' : 'state',
        data,
      } as Parameters<typeof createCloudEvent>[0]) as CloudEvent;
    const availability = (device: string, kind: string, state: 'online' | 'offline', time: string) =>
      event(
        'cn.gridlink.device.availability.v1',
        { device_id: device, device_kind: kind, state, reason: state === 'online' ? 'connected' : 'heartbeat_missed' },
        time,
        device,
      );
    const DEVICES = [
      ['smoke-3-2-4', 'smoke_detector', '3', '2', 4],
      ['smoke-3-2-5', 'smoke_detector', '3', '2', 5],
      ['door-3-1-1', 'door_contact', '3', '1', 1],
      ['smoke-5-1-2', 'smoke_detector', '5', '1', 2],
    ] as const;

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    };
    const signIn = async (username: string, viewport: { width: number; height: number }): Promise<Page> => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN', acceptDownloads: true });
      await watchCsp(context, cspViolations);
      const page = await context.newPage();
      await page.goto(cloud().url);
      await page.fill('input[name=username]', username);
      await page.fill('input[name=password]', TEST_PASSWORD);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor();
      return page;
    };
    const openProperty = async (page: Page, hash = '#/property') => {
      await page.goto(`${cloud().url}/${hash}`);
      await page.locator('.property[aria-busy="false"] .property-tabs').waitFor();
    };

    beforeAll(async () => {
      const registered = await api<{ token: string }>(cloud(), 'POST', '/api/v1/gateways', {
        token: TEST_ADMIN_TOKEN,
        body: { id: GATEWAY, name: '河下社区 3 号楼网关', community: FIXTURE.community },
      });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      gatewayToken = registered.body.token;
      await createUser(cloud(), 'prop-manager', {
        territory: FIXTURE.community,
        roles: [{ role: 'property_manager', scope: FIXTURE.community }],
      });
      await createUser(cloud(), 'prop-empty', {
        territory: '320803001002',
        roles: [{ role: 'property_manager', scope: '320803001002' }],
      });
      property = await login(cloud(), 'prop-manager');
      await send([
        event(
          'cn.gridlink.inventory.sync.v1',
          {
            gateway_id: GATEWAY,
            community: FIXTURE.community,
            sync_id: 'web-sync-1',
            part: 1,
            parts: 1,
            observed_at: at(-60),
            seq: 1,
            devices: DEVICES.map(([device_id, device_kind, building, unit, floor]) => ({
              device_id,
              device_kind,
              place: { community: FIXTURE.community, building, unit, floor },
              tags: [],
              status: 'active',
            })),
          },
          at(-60),
        ),
        ...DEVICES.map(([device, kind]) => availability(device, kind, 'online', at(-59))),
        ...[90, 72, 55, 38, 17].map((battery, i) =>
          event(
            'cn.gridlink.device.health.v1',
            {
              device_id: 'smoke-3-2-5',
              device_kind: 'smoke_detector',
              availability: 'online',
              last_seen: at(-50 + i * 10),
              battery,
              signal_dbm: -70 - i * 3,
              faults: [],
              tamper: false,
              observed_at: at(-50 + i * 10),
              seq: 10 + i,
            },
            at(-50 + i * 10),
            'smoke-3-2-5',
          ),
        ),
        // An hour of the smoke detector's readings, summarised per 5-minute window by its gateway.
        ...Array.from({ length: 12 }, (_, i) => {
          const temperature = 21 + Math.sin(i / 2) * 2;
          return event(
            'cn.gridlink.telemetry.summary.v1',
            {
              device_id: 'smoke-3-2-5',
              device_kind: 'smoke_detector',
              window_start: at(-60 + i * 5),
              window_end: at(-55 + i * 5),
              fields: {
                temperature: {
                  count: 10,
                  min: temperature - 0.6,
                  max: temperature + 0.8,
                  mean: temperature,
                  last: temperature,
                },
                smoke_density: { count: 10, min: 0, max: 0.02 * (i % 4), mean: 0.01 * (i % 4), last: 0.01 * (i % 4) },
              },
            },
            at(-55 + i * 5),
            'smoke-3-2-5',
          );
        }),
        event(
          'cn.gridlink.gateway.health.v1',
          {
            gateway_id: GATEWAY,
            version: '0.1.0',
            uptime_s: 3600,
            clients: 4,
            outbox_depth: { alarm: 0, state: 2, telemetry: 5 },
            outbox_dropped: 0,
            cameras: { configured: 0, online: 0 },
            disk_free_bytes: null,
            clock_offset_ms: 0,
            observed_at: at(-1),
            seq: 20,
          },
          at(-1),
        ),
      ]);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    afterEach(() => {
      expect(cspViolations).toEqual([]);
    });

    it('shows a device going offline while the page is open: gateway → cloud → page, live', async () => {
      const page = await signIn('prop-manager', PHONE);
      await page.locator('.tabbar [data-tab="/property"]').click();
      await page.locator('.property[aria-busy="false"] .property-tabs').waitFor();
      await page.locator('[data-device="smoke-3-2-4"][data-condition="online"]').waitFor();
      await expect.poll(() => page.locator('[data-count="offline"] .n').textContent()).toBe('0');
      await page.locator('#property-live.on').waitFor();
      await shoot(page, 'phone-overview-before');

      await send([availability('smoke-3-2-4', 'smoke_detector', 'offline', at(0))]);
      // No reload: the change stream reads the overview again.
      await page.locator('#offline-list [data-device="smoke-3-2-4"]').waitFor();
      await page.locator('.device-chip[data-device="smoke-3-2-4"][data-condition="offline"]').waitFor();
      expect(await page.locator('[data-count="offline"] .n').textContent()).toBe('1');
      expect(await page.locator('#offline-list [data-device="smoke-3-2-4"]').textContent()).toMatch(
        /3号楼2单元4楼.*自/,
      );
      expect(await page.locator('#low-battery-list [data-device="smoke-3-2-5"]').textContent()).toContain('17%');
      expect(await page.locator('[data-gateway]').textContent()).toContain('待发送 7 条');
      await shoot(page, 'phone-overview-offline');

      // The device's page: its readings per field (name and unit from its profile), status history, battery chart.
      await page.locator('.device-chip[data-device="smoke-3-2-5"]').click();
      await page.locator('.property-device[aria-busy="false"] .readings-chart canvas').waitFor();
      await page.locator('.device-readings .field-reading[data-field="temperature"] canvas').waitFor();
      expect(await page.locator('.device-readings .field-reading h3').allTextContents()).toEqual([
        expect.stringMatching(/^\s*烟雾浓度\s+最新 0\.03 dB\/m\s*$/),
        expect.stringMatching(/^\s*温度\s+最新 [\d.]+ °C\s*$/),
      ]);
      await shoot(page, 'phone-device');
      await page.context().close();
    });

    it('acknowledges an alert_only alert, then handles it with a note', async () => {
      const page = await signIn('prop-manager', PHONE);
      await openProperty(page, '#/property/alerts');
      await page.locator('#property-alerts .empty-state').waitFor();
      await shoot(page, 'phone-alerts-empty');
      await send([
        event(
          'cn.gridlink.alert.raised.v1',
          {
            alert_id: 'web-ebike-1',
            rule_id: 'safety.ebike_elevator',
            device_id: 'door-3-1-1',
            state: 'active',
            severity: 'warning',
            category: 'safety.ebike_elevator',
            since: at(0),
            last_seen: at(0),
            occurrences: 1,
            message: { zh: '3 号楼电梯内发现电动车', en: 'E-bike in the lift of building 3' },
            place: { community: FIXTURE.community, building: '3', unit: '1', floor: 1 },
          },
          at(0),
          'door-3-1-1',
        ),
      ]);
      const card = page.locator('[data-alert="web-ebike-1"]');
      await card.waitFor();
      await expect.poll(() => card.locator('[data-disposition]').getAttribute('data-disposition')).toBe('held');
      expect(await card.locator('[data-disposition]').textContent()).toBe('计数中');
      await shoot(page, 'phone-alerts');
      await card.locator('[data-action="acknowledge"]').click();
      await card.locator('.ack-line').waitFor();
      expect(await card.locator('.ack-line').textContent()).toMatch(/确认/);
      await card.locator('[data-action="handle"]').click();
      await card.locator('[data-action="save-handle"]').click();
      await card.locator('.form-error').waitFor();
      await card.locator('textarea').fill('已劝离电动车，提醒住户');
      await card.locator('[data-action="save-handle"]').click();
      // Handled: off the list of alerts to handle, on the full list with its note.
      await card.waitFor({ state: 'detached' });
      await page.locator('.switch-line input').check();
      await page.locator('[data-alert="web-ebike-1"] .handled-line').waitFor();
      expect(await page.locator('[data-alert="web-ebike-1"] .handled-line').textContent()).toContain('已劝离电动车');
      await page.context().close();
    });

    it('opens a maintenance ticket’s photos from the property’s tickets', async () => {
      const reported = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: property,
        body: {
          request_id: 'prop-web-ticket',
          source: 'property',
          category: 'device_maintenance.fault',
          severity: 'minor',
          title: '5 号楼 1 单元烟感故障',
          community: FIXTURE.community,
        },
      });
      expect(reported.status, JSON.stringify(reported.body)).toBe(201);
      const ticket = reported.body.incident.id;
      const photo = await fetch(`${cloud().url}/api/v1/incidents/${ticket}/attachments?tag=on_site&name=fault.png`, {
        method: 'POST',
        headers: { authorization: `Bearer ${property}`, 'content-type': 'image/png' },
        body: PIXEL,
      });
      expect(photo.status).toBe(201);
      const { id: photoId } = (await photo.json()) as { id: string };
      const found = await api(cloud(), 'POST', `/api/v1/incidents/${ticket}/transitions`, {
        token: property,
        body: {
          action: 'reportOnSite',
          request_id: `${ticket}-found`,
          comment: '探测器报故障码 E03',
          attachments: [{ id: photoId }],
        },
      });
      expect(found.status, JSON.stringify(found.body)).toBe(200);

      const page = await signIn('prop-manager', DESKTOP);
      await openProperty(page, '#/property/tickets');
      await page.locator(`[data-ticket="${ticket}"]`).click();
      const image = page.locator('figure.attachment img');
      await image.waitFor();
      await expect
        .poll(() =>
          image.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth),
        )
        .toBe(1);
      // The thumbnail opens the full photo: its link serves the image itself.
      const href = await page.locator('figure.attachment a').getAttribute('href');
      expect(href).toBeTruthy();
      const full = await page.request.get(new URL(href as string, page.url()).toString());
      expect(full.status()).toBe(200);
      expect(full.headers()['content-type']).toBe('image/png');
      await shoot(page, 'desktop-ticket-photos');
      await page.context().close();
    });

    it('reads in Chinese: no English words on any tab or the device page but names and codes', async () => {
      const page = await signIn('prop-manager', DESKTOP);
      // The language switch names the other language; the user's name is theirs.
      const own = new Set(['English', 'Test', 'prop-manager']);
      const words = async () =>
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what a person reads
        englishWords(await page.locator('body').innerText()).filter((word) => !own.has(word));
      for (const tab of ['', '/alerts', '/tickets', '/kpis', '/report']) {
        await openProperty(page, `#/property${tab}`);
        if (tab === '/kpis') await page.locator('.kpi-table').waitFor();
        if (tab === '/alerts') await page.locator('.switch-line input').check();
        if (tab === '/report')
          await page.locator('select[name=category] option:nth-child(2)').waitFor({ state: 'attached' });
        expect(await words(), tab || 'overview').toEqual([]);
      }
      await page.goto(`${cloud().url}/#/property/devices/smoke-3-2-5`);
      await page.locator('.property-device[aria-busy="false"] .readings-chart canvas').waitFor();
      await page.locator('.device-readings .field-reading canvas').first().waitFor();
      expect(await words()).toEqual([]);
      await page.context().close();
    });

    it('looks finished on a phone and a desktop: every tab, the device page, empty, loading and error', async () => {
      if (!SCREENSHOTS) return;
      for (const [name, viewport] of [
        ['phone', PHONE],
        ['desktop', DESKTOP],
      ] as const) {
        const page = await signIn('prop-manager', viewport);
        for (const tab of ['', '/alerts', '/tickets', '/kpis', '/report']) {
          await openProperty(page, `#/property${tab}`);
          if (tab === '/kpis') await page.locator('.kpi-table, .kpi-cards').first().waitFor();
          if (tab === '/alerts') await page.locator('.switch-line input').check();
          await shoot(page, `${name}-tab${tab.replace('/', '-') || '-overview'}`);
        }
        await page.goto(`${cloud().url}/#/property/devices/smoke-3-2-5`);
        await page.locator('.property-device[aria-busy="false"] .readings-chart canvas').waitFor();
        await page.locator('.device-readings .field-reading canvas').nth(1).waitFor();
        await shoot(page, `${name}-device`);
        // A door contact has no readings to chart: the card says so.
        await page.goto(`${cloud().url}/#/property/devices/door-3-1-1`);
        await page.locator('.device-readings[aria-busy="false"] .empty-state').waitFor();
        await shoot(page, `${name}-device-no-readings`);
        // Loading: the overview held back; error: the overview refused.
        // Every read held (the page and its stream's first `ready` both read), all let go at once.
        const held: Array<() => void> = [];
        let holding = true;
        const release = () => {
          holding = false;
          for (const go of held.splice(0)) go();
        };
        await page.route('**/property/overview', async (route) => {
          if (holding) await new Promise<void>((resolve) => held.push(resolve));
          await route.fulfill({
            status: 503,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              code: 'GL_DATABASE_UNAVAILABLE',
              title: '服务暂不可用',
              detail: '数据库暂不可用，请稍后重试',
              status: 503,
            }),
          });
        });
        await page.goto(`${cloud().url}/#/property`);
        await page.reload();
        await page.locator('.property .property-loading').waitFor();
        await shoot(page, `${name}-loading`);
        release();
        await page.locator('.load-error').waitFor();
        await shoot(page, `${name}-error`);
        await page.context().close();
        const empty = await signIn('prop-empty', viewport);
        await openProperty(empty);
        await empty.locator('.buildings .empty-state').waitFor();
        await shoot(empty, `${name}-empty`);
        await empty.context().close();
      }
    }, 180_000);
  },
);
