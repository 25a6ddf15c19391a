import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startConsoleGateway } from '../console/console-test-support.js';
import { builtinRuleFile } from '../rules/templates.js';
import { testDataDir } from '../test-support.js';
import type { DrillRun } from './drill.js';
import type { CommissioningView } from './routes.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const DEVICES = [
  { id: 'smoke-b3-u1-0101', kind: 'smoke_detector', building: '3', unit: '1' },
  { id: 'smoke-b1-u2-0301', kind: 'smoke_detector', building: '1', unit: '2' },
  { id: 'door-b1-u1-0101', kind: 'door_contact', building: '1', unit: '1' },
];

/** A console gateway with the built-in rules; its uplink points at `cloudUrl` when given (nothing listens there). */
async function start(cloudUrl?: string) {
  const rules = join(testDataDir(), 'rules.yaml');
  writeFileSync(rules, builtinRuleFile());
  const started = await startConsoleGateway({
    devices: DEVICES,
    config: {
      rules: { files: [rules] },
      ...(cloudUrl
        ? {
            uplink: {
              enabled: true,
              url: cloudUrl,
              token: 'commissioning-test-token-0123456789',
              backoff_initial_ms: 50,
              backoff_max_ms: 200,
              request_timeout_ms: 1000,
              downlink: false,
            },
          }
        : {}),
    },
  });
  cleanup.push(() => started.stop());
  const call = async (cookie: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${started.base}/api/console/${path}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
    return { status: response.status, body: (await response.json()) as any };
  };
  return { ...started, call };
}

describe('the commissioning check API', () => {
  it('lists the devices never heard by place, notes a device the first time it speaks, and keeps it', async () => {
    const { gateway, devices, registry, signIn, installer, call } = await start();
    const cookie = await signIn(installer.username, installer.password);
    const before = (await call(cookie, 'GET', 'commissioning')).body as CommissioningView;
    expect(before.devices).toMatchObject({ passed: false, total: 3, seen: 0 });
    // Building 1 before building 3; unit 1 before unit 2.
    expect(before.devices.missing.map((device) => device.id)).toEqual([
      'door-b1-u1-0101',
      'smoke-b1-u2-0301',
      'smoke-b3-u1-0101',
    ]);
    expect(before.devices.missing[0]).toMatchObject({ building: '1', unit: '1', kindName: { zh: '门磁' } });
    expect(before.cameras).toEqual({ passed: true, configured: 0, ready: 0, cameras: [] });
    expect(before.cloud).toEqual({ passed: false, state: 'disabled' });
    expect(before.drillable.map((device) => device.id).sort()).toEqual(['smoke-b1-u2-0301', 'smoke-b3-u1-0101']);
    expect(before.district).toBe('320803');

    const issued = devices.find((d) => d.device.id === 'smoke-b3-u1-0101');
    if (!issued) throw new Error('no smoke detector');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: issued.device.id,
      username: issued.device.id,
      password: issued.password,
      reconnectPeriod: 0,
    });
    cleanup.push(() => client.endAsync(true));
    await client.publishAsync(`gridlink/${issued.device.id}`, JSON.stringify({ smoke: false, battery: 90 }), {
      qos: 1,
    });
    await expect
      .poll(async () => ((await call(cookie, 'GET', 'commissioning')).body as CommissioningView).devices.seen)
      .toBe(1);
    expect(registry.firstSeen().has('smoke-b3-u1-0101')).toBe(true);
  });

  it('refuses a drill on an unknown device or one with no alarm to test, and a second drill while one runs', async () => {
    const { signIn, installer, call } = await start();
    const cookie = await signIn(installer.username, installer.password);
    expect((await call(cookie, 'POST', 'commissioning/drill', { device_id: 'nope', mode: 'trigger' })).status).toBe(
      404,
    );
    const door = await call(cookie, 'POST', 'commissioning/drill', { device_id: 'door-b1-u1-0101', mode: 'trigger' });
    expect(door.status).toBe(400);
    expect(door.body.detail).toMatch(/no urgent event/);
    expect((await call(cookie, 'POST', 'commissioning/drill', { device_id: 'smoke-b3-u1-0101' })).status).toBe(400);
    const first = await call(cookie, 'POST', 'commissioning/drill', { device_id: 'smoke-b3-u1-0101', mode: 'press' });
    expect(first.status).toBe(201);
    const second = await call(cookie, 'POST', 'commissioning/drill', { device_id: 'smoke-b1-u2-0301', mode: 'press' });
    expect(second.status).toBe(409);
  });

  it('says the cloud is unreachable, and the drill stops at the outbox, when nothing answers; records the run as failed', async () => {
    const { signIn, installer, call, registry } = await start('http://127.0.0.1:9');
    const cookie = await signIn(installer.username, installer.password);
    const view = (await call(cookie, 'GET', 'commissioning')).body as CommissioningView;
    expect(view.cloud).toMatchObject({ passed: false, state: 'unreachable' });

    const started = await call(cookie, 'POST', 'commissioning/drill', {
      device_id: 'smoke-b3-u1-0101',
      mode: 'trigger',
    });
    expect(started.status).toBe(201);
    await expect
      .poll(async () => {
        const { drill } = (await call(cookie, 'GET', 'commissioning/drill')).body as { drill: DrillRun };
        return [drill.hops.map((hop) => hop.hop), drill.cloud];
      })
      .toEqual([['broker', 'rule', 'outbox'], 'unreachable']);
    const { drill } = (await call(cookie, 'GET', 'commissioning/drill')).body as { drill: DrillRun };
    expect(drill.alert_id).toMatch(/./);
    for (const hop of drill.hops) expect(Date.parse(hop.at)).not.toBeNaN();

    const finished = await call(cookie, 'POST', 'commissioning/drill/finish');
    expect(finished.body.drill.state).toBe('finished');
    const recorded = await call(cookie, 'POST', 'commissioning/records', { notes: '云端未开通' });
    expect(recorded.status).toBe(201);
    expect(recorded.body.record).toMatchObject({ username: 'installer-1', passed: false });
    expect(registry.commissioningRecords()[0]?.report).toMatchObject({
      passed: false,
      notes: '云端未开通',
      cloud: { state: 'unreachable' },
      drill: { device_id: 'smoke-b3-u1-0101', state: 'finished' },
    });
    const audit = registry.auditLog(10).map((entry) => entry.action);
    expect(audit).toEqual(
      expect.arrayContaining(['commissioning.drill', 'commissioning.drill_finish', 'commissioning.record']),
    );
  });
});
