import { OnvifCameraSimulator } from '@gridlink/simulators';
import { cannotRun } from '@gridlink/testkit';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { CameraTiming } from '../onvif/camera-session.js';
import { browserSuite, CHROMIUM, HAVE_CHROMIUM, useConsoleBrowser } from './console-browser.js';
import { startConsoleGateway } from './console-test-support.js';

const PASSWORD = 'camera-secret-1';
const POLL = { timeout: 15_000, interval: 50 };
/** Seconds where real cameras get minutes. */
const FAST: Partial<CameraTiming> = {
  windowS: 4,
  pullTimeoutS: 1,
  requestTimeoutMs: 3000,
  checkIntervalMs: 500,
  backoff: { initialMs: 100, maxMs: 1000 },
  authBackoff: { initialMs: 1000, maxMs: 5000 },
};

describe.skipIf(cannotRun('chromium', !HAVE_CHROMIUM && `no Chromium at ${CHROMIUM}`))(
  browserSuite('the cameras page in a browser'),
  () => {
    const { afterTest, open, signIn: signInOnly, shoot } = useConsoleBrowser();

    const camera = async () => {
      const simulator = new OnvifCameraSimulator({
        id: 'cam-gate-01',
        username: 'admin',
        password: PASSWORD,
        model: 'DS-2CD2143',
      });
      await simulator.start();
      afterTest(() => simulator.stop());
      return simulator;
    };

    const start = async (yaml: { cameras?: never[]; env?: Record<string, string> } = {}) => {
      const started = await startConsoleGateway({
        config: {
          onvif: {
            enabled: true,
            discovery: { multicast: false, listen_hello: false, timeout_ms: 300 },
            ...(yaml.cameras ? { cameras: yaml.cameras } : {}),
          },
        },
        ...(yaml.cameras
          ? {
              devices: [
                { id: 'cam-east-02', kind: 'onvif_camera' },
                { id: 'dc-b1-u1-0101', kind: 'door_contact' },
              ],
            }
          : {}),
        console: { pushIntervalMs: 200 },
        onvif: { timing: FAST, ...(yaml.env ? { env: yaml.env } : {}) },
      });
      afterTest(() => started.stop(), { first: true });
      return started;
    };

    const signIn = async (page: Page, account: { username: string; password: string }) => {
      await signInOnly(page, account);
      await page.locator('[data-test=nav-cameras]').click();
      await page.locator('[data-test=cameras]').waitFor();
    };

    /** Has the image arrived and decoded (not a broken-image icon)? */
    const pictureShown = (page: Page, id: string) =>
      page
        .locator(`[data-test=picture-${id}]`)
        .evaluate((img) => {
          // An <img>; the gateway's own types have no DOM.
          const image = img as unknown as { complete: boolean; naturalWidth: number };
          return image.complete && image.naturalWidth > 0;
        })
        .catch(() => false);

    it('lets an installer find a camera (a unicast probe to the simulator’s discovery port stands in for multicast), refuses a wrong password under its field, onboards it, shows its picture, subscription and a motion event', async () => {
      const simulator = await camera();
      const { base, installer } = await start();
      const page = await open(base);
      await signIn(page, installer);
      await page.locator('[data-test=empty]').waitFor();
      await shoot(page, 'cameras-empty');

      await page.locator('input[data-test=scan-targets]').fill(`127.0.0.1:${simulator.discoveryPort}`);
      await page.locator('[data-test=scan]').click();
      const found = page.locator('[data-test=scanned]');
      await expect.poll(() => found.textContent(), POLL).toContain('DS-2CD2143');
      expect(await found.textContent()).toContain(simulator.deviceServiceUrl);
      await shoot(page, 'cameras-scanned');

      await found.getByRole('button').click();
      await page.locator('input[data-test=f-id]').fill('cam-gate-01');
      expect(await page.locator('input[data-test=f-address]').inputValue()).toBe(simulator.deviceServiceUrl);
      await page.locator('input[data-test=f-username]').fill('admin');
      await page.locator('input[data-test=f-password]').fill('wrong-password');
      await page.locator('[data-test=f-submit]').click();
      const fieldError = page.locator('.el-form-item.is-error .el-form-item__error');
      await expect.poll(() => fieldError.textContent(), POLL).toContain('摄像机拒绝了这组账号或密码');
      // The camera's own words follow, untranslated.
      expect(await fieldError.textContent()).toContain('the camera refused the username or password');
      expect(await page.locator('.el-form-item.is-error .el-form-item__label').textContent()).toContain('摄像机密码');
      await shoot(page, 'cameras-wrong-password');

      await page.locator('input[data-test=f-password]').fill(PASSWORD);
      await page.locator('[data-test=f-submit]').click();
      await page.locator('[data-test=camera-cam-gate-01]').waitFor();
      await expect.poll(() => page.locator('[data-test=state-cam-gate-01]').textContent(), POLL).toContain('已订阅');
      await expect.poll(() => pictureShown(page, 'cam-gate-01'), POLL).toBe(true);
      expect(await page.locator('[data-test=mode-cam-gate-01]').textContent()).toMatch(/拉取|推送/);
      expect(await page.locator('[data-test=clock-cam-gate-01]').textContent()).toMatch(/\d+(\.\d)? m?s/);
      // The scan list now marks it as configured.
      await expect.poll(() => found.textContent(), POLL).toContain('已配置：cam-gate-01');

      simulator.setMotion(true);
      await expect.poll(() => page.locator('[data-test=events-cam-gate-01]').textContent(), POLL).toContain('移动侦测');
      await shoot(page, 'cameras-filled');

      // The audit log names what the installer did, in their language.
      await page.locator('[data-test=nav-audit]').click();
      const audit = page.locator('[data-test=audit-table]');
      await expect.poll(() => audit.textContent(), POLL).toContain('接入摄像机（密码被拒）');
      expect(await audit.textContent()).toContain('扫描摄像机');

      // The same at phone width, as another installer's window would show it.
      const phone = await open(base, { width: 390, height: 844 });
      await signIn(phone, installer);
      await phone.locator('[data-test=camera-cam-gate-01]').waitFor();
      await expect.poll(() => pictureShown(phone, 'cam-gate-01'), POLL).toBe(true);
      await expect
        .poll(() => phone.locator('[data-test=events-cam-gate-01]').textContent(), POLL)
        .toContain('移动侦测');
      await shoot(phone, 'cameras-filled');

      // Removed in one window: gone from the other without a reload.
      await page.locator('[data-test=nav-cameras]').click();
      await page.locator('[data-test=remove-cam-gate-01]').click();
      await page.locator('[data-test=remove-confirm]').click();
      await page.locator('[data-test=empty]').waitFor();
      await phone.locator('[data-test=empty]').waitFor();
    }, 60_000);

    it('shows a gateway.yaml camera whose password the camera refuses: its state and the fault text, no remove button', async () => {
      const simulator = await camera();
      const yaml = {
        id: 'cam-east-02',
        xaddr: simulator.deviceServiceUrl,
        username: 'admin',
        password_env: 'CAM_EAST_02_PASSWORD',
      } as never;
      const { base, installer } = await start({
        cameras: [yaml],
        env: { CAM_EAST_02_PASSWORD: 'changed-on-the-camera' },
      });
      for (const viewport of [
        { width: 1366, height: 768 },
        { width: 390, height: 844 },
      ]) {
        const page = await open(base, viewport);
        await signIn(page, installer);
        await expect
          .poll(() => page.locator('[data-test=state-cam-east-02]').textContent(), POLL)
          .toContain('密码被拒');
        expect(await page.locator('[data-test=fault-cam-east-02]').textContent()).toContain('refused the credentials');
        expect(await page.locator('[data-test=remove-cam-east-02]').count()).toBe(0);
        expect(await page.locator('[data-test=camera-cam-east-02]').textContent()).toContain('gateway.yaml');
        await shoot(page, 'cameras-refused');
      }
    }, 60_000);

    it('shows the cameras page empty and the wrong-password error at phone width, and read-only to an observer', async () => {
      const simulator = await camera();
      const { base, installer, observer } = await start();
      const page = await open(base, { width: 390, height: 844 });
      await signIn(page, installer);
      await page.locator('[data-test=empty]').waitFor();
      await shoot(page, 'cameras-empty');
      await page.locator('[data-test=add]').click();
      await page.locator('input[data-test=f-id]').fill('cam-gate-01');
      await page.locator('input[data-test=f-address]').fill(new URL(simulator.deviceServiceUrl).host);
      await page.locator('input[data-test=f-username]').fill('admin');
      await page.locator('input[data-test=f-password]').fill('wrong-password');
      await page.locator('[data-test=f-submit]').click();
      await expect
        .poll(() => page.locator('.el-form-item.is-error .el-form-item__error').textContent(), POLL)
        .toContain('摄像机拒绝了这组账号或密码');
      await shoot(page, 'cameras-wrong-password');

      const watcher = await open(base);
      await signIn(watcher, observer);
      await watcher.locator('[data-test=read-only]').waitFor();
      expect(await watcher.locator('[data-test=scan]').count()).toBe(0);
      expect(await watcher.locator('[data-test=add]').count()).toBe(0);
    }, 60_000);
  },
);
