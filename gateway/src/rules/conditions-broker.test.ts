import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../credentials/password.js';
import type { DeviceRecord } from '../devices/directory.js';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDataDir, testGatewayConfig, testService } from '../test-support.js';

const PASSWORD = 'device-secret-1';
const running: Gateway[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(running.splice(0).map((gateway) => gateway.stop()));
});

const rule = (id: string, kind: string, condition: string, extra = '') => `  - id: ${id}
    name: { zh: 测试, en: Test }
    selector: { kinds: [${kind}] }
    condition: ${condition}
    severity: major
    category: other
    message: { zh: '{device_id}', en: '{device_id}' }
${extra}`;

/**
 * A gateway with the given rules and simulated devices (MQTT clients with their own credentials),
 * on a clock the test moves.
 */
async function community(
  rulesYaml: string,
  devices: Array<Omit<DeviceRecord, 'status' | 'passwordHash'>>,
  suppressions = '',
  webhooks: { webhook_targets?: string[]; webhook_secrets?: string[] } = {},
) {
  const dataDir = testDataDir();
  const rulesFile = join(dataDir, 'rules.yaml');
  writeFileSync(rulesFile, `version: 1\nrules:\n${rulesYaml}${suppressions}`);
  const passwordHash = await hashPassword(PASSWORD);
  const directory = new InMemoryDirectory(
    devices.map((device) => ({ ...device, status: 'active' as const, passwordHash })),
    [await testService('console', 'observer', PASSWORD)],
  );
  const clock = { now: Date.parse('2026-11-25T02:00:00.000Z') };
  const gateway = new Gateway({
    config: testGatewayConfig({
      gateway: { id: 'gw-test', community: '320803001001', data_dir: dataDir },
      rules: { files: [rulesFile], tick_ms: 100, ...webhooks },
    }),
    directory,
    logger: silentLogger(),
    now: () => clock.now,
  });
  await gateway.start();
  running.push(gateway);
  const url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
  const alerts: Array<[string, string]> = [];
  const watcher = await mqtt.connectAsync(url, {
    clientId: 'svc-console-1',
    username: 'console',
    password: PASSWORD,
    reconnectPeriod: 0,
  });
  clients.push(watcher);
  watcher.on('message', (topic, payload) =>
    alerts.push([topic, payload.length === 0 ? 'cleared' : JSON.parse(payload.toString()).device_id]),
  );
  await watcher.subscribeAsync('gridlink/alert/#', { qos: 1 });
  const devicesById = new Map<string, MqttClient>();
  for (const device of devices) {
    const client = await mqtt.connectAsync(url, {
      clientId: device.id,
      username: device.id,
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    clients.push(client);
    devicesById.set(device.id, client);
  }
  const publish = (id: string, suffix: string, payload: Record<string, unknown>) =>
    devicesById
      .get(id)
      ?.publishAsync(`gridlink/${id}${suffix}`, JSON.stringify({ ts: new Date(clock.now).toISOString(), ...payload }), {
        qos: 1,
      });
  return { gateway, clock, alerts, publish, rulesFile };
}

const place = (unit: string) => ({ community: '320803001001', building: '3', unit });

describe('each condition type through the real broker', () => {
  it('event: an access terminal reporting door_forced raises an alert', async () => {
    const { alerts, publish } = await community(
      rule('door.forced', 'access_control', '{ type: event, event: door_forced }'),
      [{ id: 'ac-1', kind: 'access_control' }],
    );
    await publish('ac-1', '/event/door_forced', {});
    await expect.poll(() => alerts).toEqual([['gridlink/alert/door.forced/ac-1', 'ac-1']]);
  });

  it('count: the third fire-lane occupation within the window raises', async () => {
    const { alerts, publish, clock } = await community(
      rule('lane.repeat', 'fire_lane_camera', '{ type: count, event: occupied, at_least: 3, window_s: 86400 }'),
      [{ id: 'cam-lane-1', kind: 'fire_lane_camera' }],
    );
    for (const hours of [0, 5, 10]) {
      clock.now += hours * 3_600_000;
      await publish('cam-lane-1', '/event/occupied', { zone: 'north', confidence: 0.9 });
    }
    await expect.poll(() => alerts).toEqual([['gridlink/alert/lane.repeat/cam-lane-1', 'cam-lane-1']]);
  });

  it('correlation: two smoke detectors of one unit within 60 s raise one alert', async () => {
    const { alerts, publish, clock } = await community(
      rule(
        'smoke.two',
        'smoke_detector',
        '{ type: correlation, of: [{ event: alarm }], at_least: 2, within_s: 60, same: unit }',
      ),
      [
        { id: 'smoke-1', kind: 'smoke_detector', place: place('2') },
        { id: 'smoke-2', kind: 'smoke_detector', place: place('2') },
        { id: 'smoke-3', kind: 'smoke_detector', place: place('1') },
      ],
    );
    await publish('smoke-1', '/event/alarm', {});
    await publish('smoke-3', '/event/alarm', {}); // another unit
    clock.now += 30_000;
    await publish('smoke-2', '/event/alarm', {});
    await expect.poll(() => alerts).toEqual([['gridlink/alert/smoke.two/smoke-2', 'smoke-2']]);
  });

  it('suppression window: nothing is raised during a drill', async () => {
    const { alerts, publish, clock, gateway } = await community(
      rule('door.forced', 'access_control', '{ type: event, event: door_forced }'),
      [{ id: 'ac-1', kind: 'access_control' }],
      "suppressions:\n  - { from: '2026-11-25T01:00:00.000Z', to: '2026-11-25T03:00:00.000Z', reason: drill }\n",
    );
    // The rules see a message before its PUBACK: once acknowledged, it has been judged.
    await publish('ac-1', '/event/door_forced', {});
    expect(gateway.rules.active()).toEqual([]);
    clock.now = Date.parse('2026-11-25T03:00:00.000Z');
    await publish('ac-1', '/event/door_forced', {});
    await expect.poll(() => alerts).toEqual([['gridlink/alert/door.forced/ac-1', 'ac-1']]);
    expect(gateway.rules.active()).toHaveLength(1);
  });

  it('webhook action: the alert is POSTed, with a token taken from the environment', async () => {
    const received: Array<{ auth: string | undefined; body: { type: string; alert: { rule_id: string } } }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    process.env.GRIDLINK_TEST_SIREN_TOKEN = 'siren-token-1';
    try {
      const port = (server.address() as AddressInfo).port;
      const { publish } = await community(
        rule(
          'door.forced',
          'access_control',
          '{ type: event, event: door_forced }',
          `    actions:\n      - { type: webhook, url: 'http://127.0.0.1:${port}/siren', headers: { authorization: 'Bearer \${GRIDLINK_TEST_SIREN_TOKEN}' } }\n`,
        ),
        [{ id: 'ac-1', kind: 'access_control' }],
        '',
        { webhook_targets: [`http://127.0.0.1:${port}/siren`], webhook_secrets: ['GRIDLINK_TEST_SIREN_TOKEN'] },
      );
      await publish('ac-1', '/event/door_forced', {});
      await expect.poll(() => received.length).toBe(1);
      expect(received[0]).toMatchObject({
        auth: 'Bearer siren-token-1',
        body: { type: 'raised', alert: { rule_id: 'door.forced' } },
      });
    } finally {
      delete process.env.GRIDLINK_TEST_SIREN_TOKEN;
      server.close();
    }
  });
  it('attack: a local rule file whose webhook posts off the target list, or sends an unlisted variable (a camera password), is refused at load with path: field', async () => {
    const hits: string[] = [];
    const listen = async (name: string) => {
      const server = createServer((req, res) => {
        hits.push(`${name} ${req.url} ${JSON.stringify(req.headers)}`);
        req.resume();
        res.writeHead(204).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { server, port: (server.address() as AddressInfo).port };
    };
    // Both on loopback: `loot` stands in for a host on the community LAN nobody listed.
    const siren = await listen('siren');
    const loot = await listen('loot');
    process.env.GRIDLINK_TEST_SIREN_TOKEN = 'siren-token-1';
    process.env.GRIDLINK_TEST_CAMERA_PASSWORD = 'camera-password-1';
    try {
      const {
        gateway,
        publish,
        rulesFile: file,
      } = await community(
        rule(
          'door.forced',
          'access_control',
          '{ type: event, event: door_forced }',
          `    actions:\n` +
            `      - { type: webhook, url: 'http://127.0.0.1:${loot.port}/loot', headers: { x-token: '\${GRIDLINK_TEST_SIREN_TOKEN}' } }\n` +
            `      - { type: webhook, url: 'http://127.0.0.1:${siren.port}/siren/on', headers: { authorization: 'Bearer \${GRIDLINK_TEST_CAMERA_PASSWORD}' } }\n`,
        ),
        [{ id: 'ac-1', kind: 'access_control' }],
        '',
        { webhook_targets: [`http://127.0.0.1:${siren.port}/siren`], webhook_secrets: ['GRIDLINK_TEST_SIREN_TOKEN'] },
      );
      const loaded = gateway.rules.reload();
      expect(loaded.ok).toBe(false);
      expect(loaded.ok || loaded.errors).toEqual([
        `${file}: rules.0.actions.0.url: http://127.0.0.1:${loot.port}/loot (rule door.forced) is not a webhook target of this gateway: the installer lists the URLs webhooks may post to in the gateway's rules.webhook_targets (1 listed)`,
        `${file}: rules.0.actions.1.headers.authorization: \${GRIDLINK_TEST_CAMERA_PASSWORD} (rule door.forced) is not a webhook secret of this gateway: only variables the installer lists in the gateway's rules.webhook_secrets may be sent`,
      ]);
      // Nothing of the file is in force: a forced door raises nothing, and posts nothing anywhere.
      await publish('ac-1', '/event/door_forced', {});
      expect(gateway.rules.active()).toEqual([]);
      expect(hits).toEqual([]);
    } finally {
      delete process.env.GRIDLINK_TEST_SIREN_TOKEN;
      delete process.env.GRIDLINK_TEST_CAMERA_PASSWORD;
      siren.server.close();
      loot.server.close();
    }
  });
});
