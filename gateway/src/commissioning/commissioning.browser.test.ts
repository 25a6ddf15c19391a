import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RosterStore, TerritoryStore } from '@gridlink/cloud';
import { cannotRun } from '@gridlink/testkit';
import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../gateway.js';
import { DeviceRegistry, type IssuedDevice, registryPathIn } from '../registry/index.js';
import { builtinRuleFile } from '../rules/templates.js';
import { silentLogger, testDataDir, testGatewayConfig } from '../test-support.js';
import { startTestCloud, TEST_ADMIN_TOKEN, type TestCloud } from '../uplink/test-cloud.js';

const CHROMIUM = process.env.GRIDLINK_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Set to a directory to keep the page's screenshots at phone and laptop size. */
const SCREENSHOTS = process.env.GRIDLINK_CONSOLE_SCREENSHOTS;
const GATEWAY_ID = 'gw-commission-1';
const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const ADMIN = { kind: 'admin' } as const;
/** The cloud's own work (intake, fast track, dispatch) on a busy machine. */
const CLOUD_WORK = { timeout: 30_000 };

/**
 * The commissioning check as an installer runs it: a real cloud on PostgreSQL with a grid worker
 * on duty, a real gateway with the built-in rules, devices speaking MQTT. The drill goes from the
 * gateway to a drill incident dispatched to the worker, each hop timed on the page; with the cloud
 * cut off, the cloud's steps say it is unreachable.
 */
describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  HAVE_CHROMIUM
    ? 'the commissioning check in a browser, against a real cloud'
    : `the commissioning check in a browser (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`,
  () => {
    let browser: Browser;
    let cloud: TestCloud;
    let gateway: Gateway;
    let registry: DeviceRegistry;
    let installer = { username: 'installer-1', password: '' };
    let detector: IssuedDevice;
    let worker = '';
    const clients: MqttClient[] = [];

    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      cloud = await startTestCloud(GATEWAY_ID);
      // The community's grid and building, and its grid worker on duty now.
      const territory = new TerritoryStore(cloud.cloud.db);
      await territory.upsertUnits([
        { code: '320803', nameZh: '淮安区', nameEn: 'Huai’an District' },
        { code: '320803001', nameZh: '淮城街道', nameEn: 'Huaicheng Street' },
        { code: COMMUNITY, nameZh: '河下社区', nameEn: 'Hexia Community' },
        { code: GRID, nameZh: '河下社区第1网格', nameEn: 'Hexia grid 1' },
      ]);
      await territory.upsertBuildings([
        { community: COMMUNITY, building: '3', unit: '1', floors: 18, households: 36, grid: GRID },
      ]);
      const made = await fetch(`${cloud.cloud.url}/api/v1/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          username: 'commission.worker',
          display_name: '张网格',
          territory_code: COMMUNITY,
          password: 'worker-password-0123456789',
          roles: [{ role: 'grid_worker', scope: GRID }],
        }),
      });
      expect(made.status).toBe(201);
      worker = ((await made.json()) as { id: string }).id;
      const rosters = new RosterStore(cloud.cloud.db, () => new Date());
      await rosters.setMember(ADMIN, GRID, worker, 'full_time');
      await rosters.addDutyPeriod(ADMIN, {
        gridCode: GRID,
        userId: worker,
        startsAt: new Date(Date.now() - 3_600_000),
        endsAt: new Date(Date.now() + 8 * 3_600_000),
      });

      const dataDir = testDataDir();
      const rules = join(dataDir, 'rules.yaml');
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(rules, builtinRuleFile());
      const config = testGatewayConfig({
        gateway: { id: GATEWAY_ID, community: COMMUNITY, data_dir: dataDir },
        rules: { files: [rules] },
        uplink: {
          enabled: true,
          url: cloud.url,
          token: cloud.token,
          backoff_initial_ms: 50,
          backoff_max_ms: 300,
          request_timeout_ms: 2000,
          downlink: false,
        },
      });
      registry = DeviceRegistry.open(registryPathIn(dataDir));
      installer = {
        username: 'installer-1',
        password: (await registry.addService('installer-1', 'installer')).password,
      };
      const place = { community: COMMUNITY, grid: GRID, building: '3', unit: '1' };
      const issued = await registry.addDevices([
        { id: 'smoke-b3-u1-0101', kind: 'smoke_detector', ...place, floor: 1, room: '0101' },
        { id: 'smoke-b3-u1-0502', kind: 'smoke_detector', ...place, floor: 5, room: '0502' },
      ]);
      detector = issued[0] as IssuedDevice;
      gateway = new Gateway({ config, directory: registry, logger: silentLogger() });
      await gateway.start();
    }, 90_000);

    afterAll(async () => {
      await Promise.all(clients.map((client) => client.endAsync(true)));
      await gateway?.stop();
      registry?.close();
      await cloud?.stop();
      await browser?.close();
    });

    const shoot = async (page: Page, name: string) => {
      if (!SCREENSHOTS) return;
      mkdirSync(SCREENSHOTS, { recursive: true });
      for (const viewport of [
        { width: 1366, height: 768 },
        { width: 390, height: 844 },
      ]) {
        await page.setViewportSize(viewport);
        await page.screenshot({
          path: join(SCREENSHOTS, `${name}-${viewport.width}.png`),
          fullPage: true,
          animations: 'disabled',
        });
      }
      await page.setViewportSize({ width: 1366, height: 768 });
    };

    /** The time each hop shows, by hop ('' while it is waiting). */
    const hopTimes = (page: Page): Promise<Record<string, string>> =>
      page
        .locator('[data-test=hops] li')
        .evaluateAll((items) =>
          Object.fromEntries(
            items.map((item) => [
              item.getAttribute('data-hop'),
              item.querySelector('[data-test=hop-time]')?.textContent?.trim() ?? '',
            ]),
          ),
        );

    it('runs the check with the drill reaching a cloud incident in drill mode, dispatched to the worker on duty', async () => {
      // The simulated detector speaks once; its neighbour on floor 5 never does.
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
        clientId: detector.device.id,
        username: detector.device.id,
        password: detector.password,
        reconnectPeriod: 0,
      });
      clients.push(client);
      await client.publishAsync(`gridlink/${detector.device.id}`, JSON.stringify({ smoke: false, battery: 91 }), {
        qos: 1,
      });

      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' });
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${gateway.ports.http}/`);
      await page.locator('input[data-test=username]').fill(installer.username);
      await page.locator('input[data-test=password]').fill(installer.password);
      await page.locator('[data-test=login]').click();
      await page.locator('[data-test=nav-commissioning]').click();

      const page_ = page.locator('[data-test=commissioning]');
      // The gateway failing to answer: said, with a retry, not a blank page.
      await page.route('**/api/console/commissioning', (route) =>
        route.fulfill({
          status: 500,
          contentType: 'application/problem+json',
          body: JSON.stringify({ code: 'GL_INTERNAL', detail: 'the request failed' }),
        }),
      );
      await page.reload();
      await page_.locator('[data-test=error]').waitFor();
      await shoot(page, 'commissioning-failing');
      await page.unroute('**/api/console/commissioning');
      await page.locator('[data-test=error] button').click();
      await expect.poll(() => page_.locator('[data-test=cloud-state]').textContent()).toMatch(/往返正常/);
      await expect
        .poll(() =>
          page_.locator('[data-test=missing] li').evaluateAll((li) => li.map((l) => l.getAttribute('data-id'))),
        )
        .toEqual(['smoke-b3-u1-0502']);
      expect(await page_.locator('[data-test=missing] li').textContent()).toContain('3 栋 1 单元 5 层 0502');
      await shoot(page, 'commissioning-checks');

      await page.locator('[data-test=drill-device]').click();
      await page.locator('.el-select-dropdown__item', { hasText: 'smoke-b3-u1-0101' }).click();
      await page.locator('[data-test=drill-start]').click();
      // Every hop, the cloud's three included, with a time.
      await expect
        .poll(
          async () => Object.values(await hopTimes(page)).filter((time) => /^\d\d:\d\d:\d\d\.\d{3}$/.test(time)).length,
          CLOUD_WORK,
        )
        .toBe(7);
      // The cloud's incident, shown as made in drill mode (演练).
      const [incidentId = '', mode] = (
        (await page.locator('[data-hop=incident] [data-test=hop-detail]').textContent()) ?? ''
      )
        .trim()
        .split(' · ');
      expect(mode).toBe('演练');
      expect(await page.locator('[data-hop=dispatched]').textContent()).toContain('张** · 值班');
      const incident = await cloud.cloud.incidents.get(incidentId);
      expect(incident).toMatchObject({ drill: true, assignee: worker, state: 'DISPATCHED' });
      await shoot(page, 'commissioning-drill');

      // Ended and recorded; the report lists each hop with its time.
      await page.locator('[data-test=drill-finish]').click();
      await expect.poll(() => page.locator('[data-test=drill-state]').textContent()).toBe('已结束');
      // The drill incident is archived in the cloud: nothing waits on an exercise.
      await page.locator('[data-test=cloud-ended]').waitFor();
      expect(await cloud.cloud.incidents.get(incidentId)).toMatchObject({ drill: true, state: 'ARCHIVED' });
      expect(gateway.rules.active()).toEqual([]);
      await page.locator('input[data-test=notes]').fill('5 层烟感待通电');
      await page.locator('[data-test=record]').click();
      await page.locator('[data-test^=report-]').first().click();
      const report = page.locator('[data-test=commissioning-report]');
      await report.locator('[data-test=report-hops]').waitFor();
      expect(await report.textContent()).toContain(GATEWAY_ID);
      expect(await report.locator('[data-test=report-result]').textContent()).toBe('未通过');
      const reportTimes = await report
        .locator('[data-test=report-hops] tbody tr td:nth-child(2)')
        .evaluateAll((cells) => cells.map((cell) => cell.textContent?.trim() ?? ''));
      expect(reportTimes.every((time) => /^\d\d:\d\d:\d\d\.\d{3}$/.test(time))).toBe(true);
      await shoot(page, 'commissioning-report');
      await page.emulateMedia({ media: 'print' });
      await shoot(page, 'commissioning-report-print');
      await page.emulateMedia({ media: 'screen' });

      // The cloud cut off: the link check and the drill's cloud steps say so; the gateway's own hops
      // still show, the alarm pressed on the detector itself.
      cloud.proxy.set({ kind: 'refuse' }, { cut: true });
      await page.locator('[data-test=nav-commissioning]').click();
      await expect.poll(() => page_.locator('[data-test=cloud-state]').textContent()).toBe('云端不可达');
      await page.locator('[data-test=drill-device]').click();
      await page.locator('.el-select-dropdown__item', { hasText: 'smoke-b3-u1-0101' }).click();
      await page.locator('[data-test=drill-mode] label', { hasText: '我到现场按下设备' }).click();
      await page.locator('[data-test=drill-start]').click();
      await page.locator('[data-test=drill-state]', { hasText: '进行中' }).waitFor();
      await client.publishAsync(
        `gridlink/${detector.device.id}/event/alarm`,
        JSON.stringify({ ts: new Date().toISOString(), smoke_density: 0.4 }),
        { qos: 1 },
      );
      await expect
        .poll(async () => {
          const times = await hopTimes(page);
          return ['broker', 'rule', 'outbox'].every((hop) => times[hop] !== '');
        }, CLOUD_WORK)
        .toBe(true);
      await expect
        .poll(
          () =>
            page
              .locator('[data-test=hops] [data-test=hop-pending]')
              .evaluateAll((spans) => spans.map((s) => s.textContent)),
          CLOUD_WORK,
        )
        .toEqual(['云端不可达', '云端不可达', '云端不可达', '云端不可达']);
      await shoot(page, 'commissioning-cloud-down');
      // The same page in English, the second language.
      await page.locator('[data-test=lang]').click();
      await expect.poll(() => page_.locator('[data-test=cloud-state]').textContent()).toBe('Cloud unreachable');
      expect(await page.locator('[data-hop=visible]').textContent()).toContain('Visible to the grid worker on duty');
      await shoot(page, 'commissioning-cloud-down-en');
      await context.close();
    }, 120_000);
  },
);
