import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import iconv from 'iconv-lite';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import { browserSuite, CHROMIUM, HAVE_CHROMIUM, SCREENSHOTS, useConsoleBrowser, VIEWPORTS } from './console-browser.js';
import { startConsoleGateway } from './console-test-support.js';

const DEVICES = [
  { id: 'door-b3-u2-0401', kind: 'access_control', building: '3', unit: '2' },
  { id: 'smoke-b3-u2-0401', kind: 'smoke_detector', building: '3', unit: '2', tags: ['elderly_alone'] },
];

/** An import file from a Chinese Excel (GBK); `broken` rows have a misspelt kind, a bad floor and a repeated id. */
function importFile(broken: boolean, prefix = 'gas'): Buffer {
  const rows = [
    'id,kind,building,unit,floor,room,notes,tags',
    `${prefix}-b5-u1-0101,${broken ? 'gas_detectr' : 'gas_detector'},5,1,1,101,厨房,elderly_alone`,
    `${prefix}-b5-u1-0102,gas_detector,5,1,${broken ? 'one' : '1'},102,厨房,`,
    `${prefix}-b5-u1-0103,gas_detector,5,1,1,103,厨房,`,
    `${prefix}-b5-u1-${broken ? '0103' : '0104'},gas_detector,5,1,1,104,厨房,`,
  ];
  return iconv.encode(`${rows.join('\r\n')}\r\n`, 'gbk');
}

/** The path data of a QR code's dark modules: equal for equal contents, whatever serialised the SVG. */
const qrPath = (svg: string) => /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg)?.[1] ?? '';

describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  browserSuite('device management in the console'),
  () => {
    const { afterTest, open, signIn, connectDevice, shoot } = useConsoleBrowser();

    const start = async () => {
      const started = await startConsoleGateway({
        devices: DEVICES,
        config: { liveness: { disconnect_grace_ms: 300, check_interval_ms: 100 } },
        console: { pushIntervalMs: 200 },
      });
      afterTest(() => started.stop());
      return started;
    };

    it('imports a CSV with errors, shows them all, imports it fixed, prints labels, opens a device and sends it a command', async () => {
      const { base, installer, registry, gateway, devices } = await start();
      const page = await open(base);
      await signIn(page, installer);
      await page.locator('[data-test=nav-devices]').click();
      await page.locator('[data-test=add-devices]').click();
      await page.locator('[data-test=device-add]').waitFor();
      await page.getByRole('tab', { name: '批量导入 CSV' }).click();

      // The broken file: every problem listed, nothing written.
      const file = page.locator('input[data-test=import-file]');
      await file.setInputFiles({ name: '五号楼.csv', mimeType: 'text/csv', buffer: importFile(true) });
      await page.locator('[data-test=import-errors]').waitFor();
      expect(await page.locator('[data-test=import-errors]').textContent()).toContain('3 行有 3 处错误');
      const issues = page.locator('[data-test=issue-table] .el-table__body tr');
      expect(await issues.count()).toBe(3);
      expect(await page.locator('[data-test=issue-table]').textContent()).toContain('gas_detector');
      expect(await page.locator('[data-test=issue-table]').textContent()).toContain('文件内编号重复');
      expect(await page.locator('[data-test=import-summary]').textContent()).toContain('GB18030');
      expect(registry.list().map((device) => device.id)).toEqual(DEVICES.map((d) => d.id).sort());
      await shoot(page, 'import-errors');

      // Fixed, chosen again: the preview says what will be added, and the import issues passwords once.
      await file.setInputFiles({ name: '五号楼.csv', mimeType: 'text/csv', buffer: importFile(false) });
      await page.locator('[data-test=import-ready]').waitFor();
      await page.locator('[data-test=import-apply]').click();
      await page.locator('[data-test=issued]').waitFor();
      const password = await page.locator('[data-test=password-gas-b5-u1-0101]').textContent();
      expect(password).toMatch(/^[\w-]{20,}$/);
      expect(registry.get('gas-b5-u1-0101')?.notes).toBe('厨房');
      expect(registry.list({ status: 'active' })).toHaveLength(6);
      await shoot(page, 'import-issued');

      // Labels: one per device just added, each with a QR code of its connection settings.
      await page.locator('[data-test=print-labels]').click();
      await page.locator('[data-test=label-sheet]').waitFor();
      expect(await page.locator('[data-test^=label-]').count()).toBe(5); // 4 labels and the sheet
      const settings = {
        broker: `mqtt://127.0.0.1:${gateway.ports.tcp}`,
        client_id: 'gas-b5-u1-0101',
        username: 'gas-b5-u1-0101',
      };
      const qr = page.locator('[data-test=qr-gas-b5-u1-0101]');
      const expected = async (text: string) =>
        qrPath(await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 }));
      await expect.poll(async () => qrPath(await qr.innerHTML())).toBe(await expected(JSON.stringify(settings)));
      await page.locator('[data-test=with-password]').click();
      await expect
        .poll(async () => qrPath(await qr.innerHTML()))
        .toBe(await expected(JSON.stringify({ ...settings, password })));
      await page.emulateMedia({ media: 'print' });
      await shoot(page, 'labels-print');
      if (SCREENSHOTS) await page.pdf({ path: join(SCREENSHOTS, 'labels.pdf'), format: 'A4' });
      await page.emulateMedia({ media: 'screen' });

      // A device's page: its messages, a dead letter with the exact error, and a command its profile takes.
      const door = devices.find((issued) => issued.device.id === 'door-b3-u2-0401');
      if (!door) throw new Error('no door');
      const client = await connectDevice(gateway, door);
      const received: string[] = [];
      client.on('message', (_topic, payload) => received.push(payload.toString()));
      await client.subscribeAsync(`gridlink/${door.device.id}/set`, { qos: 1 });
      await client.publishAsync(`gridlink/${door.device.id}`, JSON.stringify({ door: 'closed' }), {
        qos: 1,
      });
      await client.publishAsync(`gridlink/${door.device.id}`, JSON.stringify({ door: 'ajar' }), { qos: 1 });

      await page.locator('[data-test=nav-devices]').click();
      await page.locator(`[data-test=device-${door.device.id}]`).click();
      await page.locator('[data-test=device-page]').waitFor();
      expect(page.url()).toBe(`${base}/devices/${door.device.id}`);
      await expect.poll(() => page.locator('[data-test=messages]').textContent()).toContain('"door":"closed"');
      await expect.poll(() => page.locator('[data-test=dead-letters]').textContent()).toContain('ajar');
      await expect.poll(() => page.locator('[data-test=availability]').textContent()).toContain('在线');
      await page.locator('[data-test=command-send]').click();
      await page.locator('[data-test=command-sent]').waitFor();
      await expect.poll(() => received).toEqual(['{"door":"release","duration_s":30}']);
      expect(registry.auditLog(1)[0]).toMatchObject({ action: 'device.command', target: door.device.id });
      await shoot(page, 'device-page');
    }, 60_000);

    it('says on a device’s page how many older messages its memory bound dropped, at 390×844 and 1366×768', async () => {
      const started = await startConsoleGateway({
        devices: DEVICES,
        console: { pushIntervalMs: 200, history: { deviceBytes: 1_000 } },
      });
      afterTest(() => started.stop());
      const smoke = started.devices.find((issued) => issued.device.id === 'smoke-b3-u2-0401');
      if (!smoke) throw new Error('no smoke detector');
      const client = await connectDevice(started.gateway, smoke);
      for (let i = 0; i < 12; i++) {
        const reading = { smoke: false, temperature: 21 + i / 10, battery: 90, rssi: -60 };
        await client.publishAsync(`gridlink/${smoke.device.id}`, JSON.stringify(reading), { qos: 1 });
      }
      for (const viewport of VIEWPORTS) {
        const page = await open(started.base, viewport);
        await signIn(page, started.installer);
        await page.goto(`${started.base}/devices/${smoke.device.id}`);
        const dropped = page.locator('[data-test=messages-dropped]');
        await dropped.waitFor();
        expect(await dropped.textContent()).toMatch(/为限制网关内存，更早的 \d+ 条已丢弃/);
        expect(await page.locator('[data-test=messages] li').count()).toBeLessThan(12);
        await shoot(page, 'device-page-dropped');
      }
    });

    it('adds one device through the form, marking the field the server refused', async () => {
      const { base, installer, registry } = await start();
      const page = await open(base);
      await signIn(page, installer);
      await page.goto(`${base}/add-devices`);
      await page.locator('[data-test=add-form]').waitFor();
      await page.locator('input[data-test=add-id]').fill('smoke-b6-0101');
      await page.locator('[data-test=add-kind]').click();
      await page.getByRole('option', { name: /smoke_detector/ }).click();
      await page.locator('input[data-test=add-building]').fill('6');
      await page.locator('input[data-test=add-floor]').fill('一楼');
      await page.locator('[data-test=add-submit]').click();
      const floorError = page.locator('.el-form-item.is-error', { has: page.locator('[data-test=add-floor]') });
      await expect.poll(() => floorError.textContent()).toContain('integer');
      await shoot(page, 'add-one-error');
      await page.locator('input[data-test=add-floor]').fill('1');
      await page.locator('[data-test=add-submit]').click();
      await page.locator('[data-test=password-smoke-b6-0101]').waitFor();
      expect(registry.get('smoke-b6-0101')?.place).toMatchObject({ building: '6', floor: 1 });
    });

    it('shows an observer no change buttons, and the server refuses its changes (403)', async () => {
      const { base, observer } = await start();
      const page = await open(base);
      await signIn(page, observer);
      await page.locator('[data-test=nav-devices]').click();
      await page.locator('[data-test=device-table]').waitFor();
      expect(await page.locator('[data-test=add-devices]').count()).toBe(0);
      await page.locator('[data-test=device-door-b3-u2-0401]').click();
      await page.locator('[data-test=facts]').waitFor();
      await page.locator('[data-test=command-panel]').waitFor();
      expect(await page.locator('[data-test=command-form]').count()).toBe(0);
      expect(await page.locator('[data-test=replace]').count()).toBe(0);
      const statuses = await page.evaluate(async () => {
        const post = (path: string, body: string, type = 'application/json') =>
          fetch(`/api/console/${path}`, { method: 'POST', headers: { 'content-type': type }, body }).then(
            (r) => r.status,
          );
        return [
          await post('devices', JSON.stringify({ id: 'x-1', kind: 'smoke_detector' })),
          await post('device-import/apply', 'id,kind\r\nx-2,smoke_detector\r\n', 'text/csv'),
          await post('devices/door-b3-u2-0401/command', JSON.stringify({ command: { door: 'release' } })),
          await post('devices/door-b3-u2-0401/replace', JSON.stringify({ id: 'door-b3-u2-0401-2' })),
        ];
      });
      expect(statuses).toEqual([403, 403, 403, 403]);
      await page.goto(`${base}/add-devices`);
      await page.locator('[data-test=read-only]').waitFor();
    });

    it('shows the new pages empty and failing at 390×844 and 1366×768 (screenshots on request)', async () => {
      const { base, installer } = await start();
      for (const viewport of VIEWPORTS) {
        const page = await open(base, viewport);
        await signIn(page, installer);
        await page.locator('[data-test=nav-devices]').click();
        await page.locator('[data-test=device-table]').waitFor();
        await shoot(page, 'devices-with-add');
        await page.goto(`${base}/labels`);
        await page.locator('[data-test=no-labels]').waitFor();
        await shoot(page, 'labels-empty');
        await page.goto(`${base}/devices/smoke-b3-u2-0401`);
        await page.locator('[data-test=facts]').waitFor();
        await shoot(page, 'device-page-quiet');
        await page.goto(`${base}/devices/no-such-device`);
        await page.locator('[data-test=not-found]').waitFor();
        await shoot(page, 'device-page-missing');
        await page.goto(`${base}/add-devices`);
        await page.locator('[data-test=add-form]').waitFor();
        await shoot(page, 'add-one');
        await page.getByRole('tab', { name: '批量导入 CSV' }).click();
        await page
          .locator('input[data-test=import-file]')
          .setInputFiles({ name: 'broken.csv', mimeType: 'text/csv', buffer: importFile(true) });
        await page.locator('[data-test=import-errors]').waitFor();
        await shoot(page, 'import-errors');
        await page
          .locator('input[data-test=import-file]')
          .setInputFiles({ name: 'fixed.csv', mimeType: 'text/csv', buffer: importFile(false, `w${viewport.width}`) });
        await page.locator('[data-test=import-apply]').click();
        await page.locator('[data-test=issued]').waitFor();
        await shoot(page, 'import-issued');
        await page.locator('[data-test=print-labels]').click();
        await page.locator('[data-test=label-sheet] svg').first().waitFor();
        await shoot(page, 'labels');
        await page.route('**/api/console/devices/smoke-b3-u2-0401', (route) =>
          route.fulfill({
            status: 500,
            contentType: 'application/problem+json',
            body: JSON.stringify({
              code: 'GL_INTERNAL',
              detail: 'the request failed; the error is in the gateway log',
            }),
          }),
        );
        await page.goto(`${base}/devices/smoke-b3-u2-0401`);
        await page.locator('[data-test=error]').waitFor();
        await shoot(page, 'device-page-error');
      }
    }, 60_000);
  },
);
