import type { ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cannotRun } from '@gridlink/testkit';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { killHard, startGatewayProcess } from '../cli/gateway-process.js';
import { gatewayFiles, startTestCloud, type TestCloud } from './test-cloud.js';

// Debian's libfaketime (CI installs the `faketime` package); elsewhere the test says why it is skipped.
const LIBFAKETIME = [
  '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1',
  '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1',
].find((path) => existsSync(path));
const GATEWAY = 'gw-clock';

let cloud: TestCloud | undefined;
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child) await killHard(child);
  await cloud?.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(cannotRun('libfaketime', !LIBFAKETIME && 'libfaketime is not installed'))(
  'uplink retries while the wall clock is stepped (libfaketime; skipped where it is not installed)',
  () => {
    it('keeps retrying at its backoff pace through a +2 h and a −2 h step: no storm, no stall; delivers when the cloud returns', async () => {
      cloud = await startTestCloud(GATEWAY);
      cloud.proxy.set({ kind: 'refuse' });
      const { config, dir, passwords, env } = await gatewayFiles({
        gatewayId: GATEWAY,
        cloudUrl: cloud.proxy.url,
        token: cloud.token,
        devices: [
          { id: 'smoke-1', kind: 'smoke_detector' },
          { id: 'door-1', kind: 'door_contact' },
        ],
        backoff: { initialMs: 100, maxMs: 800 },
      });
      const offset = join(dir, 'faketime');
      writeFileSync(offset, '+0\n');
      const gateway = await startGatewayProcess(config, {
        env: {
          ...env,
          LD_PRELOAD: LIBFAKETIME,
          FAKETIME_TIMESTAMP_FILE: offset,
          FAKETIME_NO_CACHE: '1',
          // What an NTP or installer step changes: the wall clock, not the monotonic one.
          FAKETIME_DONT_FAKE_MONOTONIC: '1',
        },
      });
      child = gateway.child;
      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, {
        clientId: 'smoke-1',
        username: 'smoke-1',
        password: passwords.get('smoke-1') as string,
        reconnectPeriod: 0,
      });
      await device.publishAsync('gridlink/smoke-1/event/alarm', JSON.stringify({ ts: new Date().toISOString() }), {
        qos: 1,
      });

      // Connection attempts the gateway makes to the unreachable cloud, per 2.5 s window.
      const doorClient = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.port}`, {
        clientId: 'door-1',
        username: 'door-1',
        password: passwords.get('door-1') as string,
        reconnectPeriod: 0,
      });
      const attempts: number[] = [];
      for (const step of ['+0', '+2h', '-2h']) {
        writeFileSync(offset, `${step}\n`);
        const before = cloud.proxy.connections;
        // The gateway stamps a state change with its own (stepped) clock: proof the step took effect.
        if (step === '+2h') await doorClient.publishAsync('gridlink/door-1', '{"contact":"open"}', { qos: 1 });
        await pause(2500);
        attempts.push(cloud.proxy.connections - before);
      }
      // Backoff tops out at 800 ms with jitter (400–800 ms): 3–7 attempts a window. A storm would be
      // hundreds; a stall (a timer waiting for the wall clock to catch up two hours) zero.
      for (const count of attempts) {
        expect(count).toBeGreaterThanOrEqual(1);
        expect(count).toBeLessThanOrEqual(15);
      }

      cloud.proxy.set({ kind: 'pass' });
      await expect
        .poll(
          async () =>
            (await cloud?.events())?.filter((row) => row.device_id === 'smoke-1' && row.priority === 'alarm').length,
          {
            timeout: 10_000,
          },
        )
        .toBe(1);
      const [change] = ((await cloud?.events()) ?? []).filter((row) => row.type === 'cn.gridlink.device.state.v1');
      expect(Math.abs((change?.time.getTime() ?? 0) - Date.now() - 2 * 3_600_000)).toBeLessThan(60_000);
      await Promise.all([device.endAsync(), doorClient.endAsync()]);
    }, 60_000);
  },
);
