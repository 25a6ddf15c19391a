/**
 * Camera evidence end to end, in Chromium: a simulated ONVIF camera's tamper alarm goes through a
 * real gateway to a real cloud with its snapshot; the dispatcher opens the incident, sees the
 * picture, asks for a fresh one and sees it arrive; with the gateway stopped the request fails,
 * saying why. Screenshots at phone and desktop size go to GRIDLINK_SHOTS (when set).
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudConfig, type RunningCloud, startCloud } from '@gridlink/cloud';
import { builtinRuleFile, DeviceRegistry, Gateway, GatewayConfig, registryPathIn } from '@gridlink/gateway';
import { OnvifCameraSimulator } from '@gridlink/simulators';
import { cannotRun, createTestDatabase } from '@gridlink/testkit';
import { pino } from 'pino';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SHOTS = process.env.GRIDLINK_SHOTS;
const ADMIN_TOKEN = 'camera-evidence-admin-token-0123456789abcdef';
const GATEWAY_ID = 'gw-evidence-web';
const COMMUNITY = '320803001001';
const CAMERA = 'cam-gate-01';
const CAMERA_PASSWORD = 'camera-secret-1';
const DISPATCHER = { username: 'evidence.dispatcher', password: 'Dispatcher-pass-2026!' };
const WAIT = { timeout: 30_000 };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 768 };

/** What a test reads of an `<img>` (this package is typed without the DOM). */
interface LoadedImage {
  complete: boolean;
  naturalWidth: number;
}

/** Waits until `check` answers something other than undefined (hooks cannot use expect.poll). */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  'camera evidence on the incident page',
  () => {
    const dirs: string[] = [];
    const cleanup: Array<() => Promise<unknown>> = [];
    const cspViolations: string[] = [];
    let cloud: RunningCloud;
    let gateway: Gateway;
    let browser: Browser;
    let incidentId: string;

    const shoot = async (page: Page, name: string) => {
      if (!SHOTS) return;
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    };
    const query = async <T>(sql: string, params: unknown[] = []) => (await cloud.db.query(sql, params)).rows as T[];

    /** A browser of the dispatcher's, signed in, watching what the CSP refuses. */
    const signIn = async (viewport: {
      width: number;
      height: number;
    }): Promise<{ page: Page; context: BrowserContext }> => {
      const context = await browser.newContext({ viewport, locale: 'zh-CN' });
      await context.exposeBinding('gridlinkCspViolation', ({ page }, text: string) => {
        cspViolations.push(`${page.url()}: ${text}`);
      });
      await context.addInitScript(
        `document.addEventListener('securitypolicyviolation', (event) =>
          window.gridlinkCspViolation(event.effectiveDirective + ' refused ' + event.blockedURI));`,
      );
      const page = await context.newPage();
      await page.goto(cloud.url);
      await page.fill('input[name=username]', DISPATCHER.username);
      await page.fill('input[name=password]', DISPATCHER.password);
      await page.click('button[type=submit]');
      await page.locator('#incident-list[aria-busy="false"]').waitFor(WAIT);
      return { page, context };
    };
    const openIncident = async (page: Page) => {
      await page.goto(`${cloud.url}/#/incidents/${encodeURIComponent(incidentId)}`);
      await page.locator('.detail[aria-busy="false"] .head').waitFor(WAIT);
    };
    /** The snapshots shown, each loaded as an image (its natural width known). */
    const shownImages = (page: Page) =>
      page
        .locator('#camera-snapshots img.thumb')
        .evaluateAll((images) =>
          images.map((img) => (img as unknown as LoadedImage).complete && (img as unknown as LoadedImage).naturalWidth),
        );

    beforeAll(async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gridlink-evidence-'));
      dirs.push(dir);
      const database = await createTestDatabase();
      cleanup.push(() => database.drop());
      cloud = await startCloud(
        CloudConfig.parse({
          cloud: { data_dir: join(dir, 'cloud') },
          http: { host: '127.0.0.1', port: 0 },
          database: { url: database.url },
          auth: { admin_token: ADMIN_TOKEN },
          attachments: { snapshot_request_timeout_s: 5 },
          log: { level: 'silent' },
        }),
        pino({ level: 'silent' }),
        { downlinkRecheckMs: 200, maintenanceSweepMs: 86_400_000 },
      );
      cleanup.push(() => cloud.stop());
      const registered = await cloud.registry.register(GATEWAY_ID, 'Evidence gateway', COMMUNITY);
      if (!registered.ok) throw new Error('gateway already registered');
      const user = await fetch(`${cloud.url}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          username: DISPATCHER.username,
          display_name: '周调度',
          territory_code: COMMUNITY.slice(0, 9),
          password: DISPATCHER.password,
          roles: [{ role: 'operator', scope: COMMUNITY.slice(0, 9) }],
        }),
      });
      expect(user.status, await user.clone().text()).toBe(201);

      // The camera, and a gateway that onboards it with the built-in rules (tamper → alert).
      const socket = createSocket('udp4');
      await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
      const helloPort = socket.address().port;
      await new Promise<void>((done) => socket.close(() => done()));
      const camera = new OnvifCameraSimulator({
        id: CAMERA,
        username: 'admin',
        password: CAMERA_PASSWORD,
        announceTo: [{ host: '127.0.0.1', port: helloPort }],
      });
      await camera.start();
      cleanup.push(() => camera.stop());
      const gatewayDir = join(dir, 'gateway');
      mkdirSync(gatewayDir, { recursive: true });
      const registry = DeviceRegistry.open(registryPathIn(gatewayDir));
      cleanup.push(async () => registry.close());
      await registry.addDevice({ id: CAMERA, kind: 'onvif_camera', community: COMMUNITY, building: '1', unit: '1' });
      const rulesFile = join(gatewayDir, 'rules.yaml');
      writeFileSync(rulesFile, builtinRuleFile());
      gateway = new Gateway({
        config: GatewayConfig.parse({
          gateway: { id: GATEWAY_ID, community: COMMUNITY, data_dir: gatewayDir },
          mqtt: { host: '127.0.0.1', port: 0 },
          http: { host: '127.0.0.1', port: 0 },
          log: { level: 'silent' },
          rules: { files: [rulesFile] },
          uplink: { enabled: true, url: cloud.url, token: registered.issued.token, downlink_wait_s: 2 },
          onvif: {
            enabled: true,
            cameras: [
              {
                id: CAMERA,
                probe: `127.0.0.1:${camera.discoveryPort}`,
                username: 'admin',
                password_env: 'CAM_PASSWORD',
              },
            ],
            discovery: { multicast: false, listen_hello: true, timeout_ms: 500 },
          },
        }),
        directory: registry,
        logger: pino({ level: 'silent' }),
        onvif: { env: { CAM_PASSWORD: CAMERA_PASSWORD }, helloPort, timing: { pullTimeoutS: 1, checkIntervalMs: 500 } },
      });
      await gateway.start();
      cleanup.push(() => gateway.stop());
      await until('the camera subscribed', () => (gateway.onvif?.cameraHealth()[0]?.subscribed ? true : undefined));

      // Someone covers the camera: the alert and its snapshot reach the cloud, linked to the incident.
      camera.setTamper(true);
      await until(
        'the snapshot linked to the incident',
        async () =>
          (
            await query<{ incident_id: string }>(
              `SELECT a.incident_id FROM camera_snapshots s JOIN attachments a ON a.id = s.attachment_id
                WHERE s.gateway_id = $1`,
              [GATEWAY_ID],
            )
          )[0]?.incident_id,
        60_000,
      );
      incidentId = (
        await query<{ incident_id: string }>('SELECT incident_id FROM incident_alerts WHERE gateway_id = $1', [
          GATEWAY_ID,
        ])
      )[0]?.incident_id as string;
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    }, 90_000);

    afterAll(async () => {
      await browser?.close();
      for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    it('shows the snapshot as an image, opens it large, and a fresh one requested arrives', async () => {
      const { page, context } = await signIn(DESKTOP);
      await openIncident(page);
      await expect.poll(() => shownImages(page), WAIT).toEqual([expect.any(Number)]);
      expect((await shownImages(page))[0]).toBeGreaterThan(0);
      await shoot(page, 'incident-snapshot-1366');

      await page.locator('#camera-snapshots .thumb-button').first().click();
      const viewer = page.locator('.snapshot-viewer img');
      await viewer.waitFor(WAIT);
      expect(await viewer.evaluate((img) => (img as unknown as LoadedImage).naturalWidth)).toBeGreaterThan(0);
      await shoot(page, 'incident-snapshot-large-1366');
      await page.locator('.snapshot-viewer .close').click();

      await page.click('#request-snapshot');
      await page.locator('#camera-snapshots .request-state[data-state="done"]').waitFor(WAIT);
      await expect.poll(() => shownImages(page), WAIT).toHaveLength(2);
      expect((await shownImages(page)).every((width) => typeof width === 'number' && width > 0)).toBe(true);
      await shoot(page, 'incident-fresh-snapshot-1366');
      await context.close();

      const phone = await signIn(PHONE);
      await openIncident(phone.page);
      await expect.poll(() => shownImages(phone.page), WAIT).toHaveLength(2);
      await phone.page.locator('#camera-snapshots').scrollIntoViewIfNeeded();
      await shoot(phone.page, 'incident-snapshots-390');
      await phone.page.locator('#camera-snapshots .thumb-button').last().click();
      await phone.page.locator('.snapshot-viewer img').waitFor(WAIT);
      await phone.page.screenshot({
        path: SHOTS ? join(SHOTS, 'incident-snapshot-large-390.png') : join(tmpdir(), 'x.png'),
      });
      await phone.context.close();
      expect(cspViolations).toEqual([]);
    }, 90_000);

    it('says the request failed, and why, when the gateway is away', async () => {
      await gateway.stop();
      const { page, context } = await signIn(DESKTOP);
      await openIncident(page);
      await page.click('#request-snapshot');
      await page.locator('#camera-snapshots .request-state[data-state="pending"]').waitFor(WAIT);
      const failed = page.locator('#camera-snapshots .request-state[data-state="failed"]');
      await failed.waitFor(WAIT);
      expect(await failed.textContent()).toBe('请求新快照失败：网关未在时限内响应（可能已离线）');
      await shoot(page, 'incident-request-failed-1366');
      await context.close();
      const phone = await signIn(PHONE);
      await openIncident(phone.page);
      await phone.page.click('#request-snapshot');
      await phone.page.locator('#camera-snapshots .request-state[data-state="failed"]').waitFor(WAIT);
      await phone.page.locator('#camera-snapshots').scrollIntoViewIfNeeded();
      await shoot(phone.page, 'incident-request-failed-390');
      await phone.context.close();
      expect(cspViolations).toEqual([]);
    }, 90_000);
  },
);
