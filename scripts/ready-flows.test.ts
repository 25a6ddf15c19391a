import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinRuleFile, Gateway, GatewayConfig, hashPassword, InMemoryDirectory } from '@gridlink/gateway';
import type { DeviceKind, Place } from '@gridlink/protocol';
import { DeviceSimulator, seededRandom } from '@gridlink/simulators';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PreparedNodeRed, prepareNodeRed } from './node-red-settings.js';
import { buildGridlinkNodes } from './start-flows.js';
import { type StartedIntegrations, startIntegrations } from './start-integrations.js';
import { freePort, type RunningNodeRed, startNodeRed } from './start-node-red.js';

const READY_FLOWS = fileURLToPath(new URL('../flows/ready', import.meta.url));
const COMMUNITY = '320803001001';
const DEVICE_PASSWORD = 'device-password-for-this-test';
const NODE_RED_PASSWORD = 'integrator-password-for-this-test';
/** 23:30 in China (UTC+8): night, when a door held open is announced. */
const NIGHT = Date.parse('2026-12-06T15:30:00.000Z');
/** The weekly digest's inject node (flows/ready/weekly-device-health.json). */
const DIGEST_INJECT = '4a1d7c0e9b2f0503';

const place = (building: string, unit: string, floor: number): Place => ({
  community: COMMUNITY,
  building,
  unit,
  floor,
});
const DEVICES: Array<{ id: string; kind: DeviceKind; place: Place; tags?: string[] }> = [
  { id: 'ac-b3-u2', kind: 'access_control', place: place('3', '2', 1) },
  { id: 'smoke-b1-u1-0101', kind: 'smoke_detector', place: place('1', '1', 1) },
  { id: 'wm-b2-u1-0401', kind: 'water_meter', place: { ...place('2', '1', 4), room: '0401' }, tags: ['elderly_alone'] },
];
const HOUR = 3600_000;

const nodes = await buildGridlinkNodes();

/**
 * The ready flows in a real Node-RED process, loaded as npm start loads them, against a real
 * gateway (its broker and rules) whose devices are simulated, and the simulated third-party
 * systems. The gateway and the devices run on a clock set to 23:30 China time.
 */
describe.skipIf(!nodes.dir)(
  `the ready flows in Node-RED${nodes.dir ? '' : ` (skipped: ${nodes.note})`}`,
  { timeout: 120_000 },
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gridlink-ready-flows-'));
    const started = Date.now();
    /** Moved forward by the test to let hours pass (the elderly resident's 12 hours without water). */
    let skipped = 0;
    const clock = () => NIGHT + (Date.now() - started) + skipped;
    let gateway: Gateway;
    let integrations: StartedIntegrations;
    let prepared: PreparedNodeRed;
    let nodeRed: RunningNodeRed;
    const devices = new Map<string, DeviceSimulator>();
    let token = '';
    /** Everything Node-RED printed (its debug nodes print to its log too). */
    const printed: string[] = [];

    beforeAll(async () => {
      const passwordHash = await hashPassword(DEVICE_PASSWORD);
      const directory = new InMemoryDirectory(
        DEVICES.map((device) => ({ ...device, status: 'active' as const, passwordHash })),
        [
          {
            username: 'node-red',
            role: 'integrator',
            passwordHash: await hashPassword(NODE_RED_PASSWORD),
            grants: { commandDevices: [], commandKinds: [], ingestDevices: [] },
          },
        ],
      );
      // The built-in rules, as npm start gives them to its gateway (the door held open among them).
      const rulesFile = join(dataDir, 'rules.yaml');
      writeFileSync(rulesFile, builtinRuleFile());
      gateway = new Gateway({
        config: GatewayConfig.parse({
          gateway: { id: 'gw-ready-flows', community: COMMUNITY, data_dir: join(dataDir, 'gateway') },
          mqtt: { host: '127.0.0.1', port: 0 },
          http: { host: '127.0.0.1', port: 0 },
          rules: { files: [rulesFile] },
          log: { level: 'silent' },
        }),
        directory,
        logger: pino({ level: 'silent' }),
        now: clock,
      });
      await gateway.start();
      for (const device of DEVICES) {
        const simulator = new DeviceSimulator({
          deviceId: device.id,
          kind: device.kind,
          password: DEVICE_PASSWORD,
          brokerUrl: `mqtt://127.0.0.1:${gateway.ports.tcp}`,
          random: seededRandom(7),
          stateIntervalMs: 0,
          eventChance: 0,
          malformedChance: 0,
          ...(device.kind === 'smoke_detector' ? { initialState: { battery: 12 } } : {}),
          ...(device.kind === 'water_meter' ? { litresPerDay: 0 } : {}),
          now: clock,
        });
        await simulator.start();
        devices.set(device.id, simulator);
      }

      integrations = await startIntegrations(join(dataDir, 'secrets'));
      prepared = await prepareNodeRed({
        dataDir,
        port: await freePort(),
        nodesPackageDir: nodes.dir as string,
        readyFlowsDir: READY_FLOWS,
      });
      nodeRed = await startNodeRed(prepared, {
        portSetting: '--node-red-port',
        onLine: (line) => printed.push(line),
        env: {
          ...integrations.env,
          GRIDLINK_GATEWAY_HOST: '127.0.0.1',
          GRIDLINK_GATEWAY_PORT: String(gateway.ports.tcp),
          GRIDLINK_GATEWAY_USERNAME: 'node-red',
          GRIDLINK_GATEWAY_PASSWORD: NODE_RED_PASSWORD,
          GRIDLINK_FAMILY_CONTACTS: JSON.stringify({ '*': '+8613800138000' }),
        },
      });
      const response = await fetch(`${nodeRed.url}/auth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: 'node-red-admin',
          grant_type: 'password',
          scope: '*',
          username: prepared.admin.username,
          password: prepared.admin.newPassword ?? '',
        }),
      });
      token = ((await response.json()) as { access_token: string }).access_token;
    }, 120_000);

    afterAll(async () => {
      await nodeRed?.stop();
      await Promise.all([...devices.values()].map((device) => device.stop()));
      await gateway?.stop();
      await integrations?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const digests = () =>
      integrations.wecom.posted.flatMap(({ message }) =>
        message.msgtype === 'markdown' ? [message.markdown.content] : [],
      );

    it('start without an error in Node-RED', () => {
      expect(prepared.readyFlowsLoaded).toBeGreaterThanOrEqual(3);
      expect(nodeRed.tail().filter((line) => /\[error\]/.test(line))).toEqual([]);
    });

    it("weekly digest: the devices' health, posted to the property manager's WeCom group (its inject pressed now)", async () => {
      // Pressed until the flow has heard every device's state: then it is connected and subscribed.
      await vi.waitFor(
        async () => {
          const pressed = await fetch(`${nodeRed.url}/inject/${DIGEST_INJECT}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          });
          expect(pressed.status).toBe(200);
          await vi.waitFor(() => expect(digests().length).toBeGreaterThan(0), { timeout: 2000, interval: 50 });
          expect(digests().at(-1)).toContain(`共 ${DEVICES.length} 台设备`);
        },
        { timeout: 60_000, interval: 500 },
      );
      const digest = digests().at(-1);
      expect(digest).toMatch(/^## 设备健康周报/);
      expect(digest).toContain('**电量低**\n- smoke-b1-u1-0101(1号楼1单元):12%');
    });

    it('door held open at night: the IP speaker of that building asks, twice, for the door to be closed', async () => {
      // The flow is subscribed once the digest has heard every device (the test above).
      await vi.waitFor(() => expect(digests().some((d) => d.includes(`共 ${DEVICES.length} 台设备`))).toBe(true));
      await devices.get('ac-b3-u2')?.emit('door_held_open', { duration_s: 240 });
      await vi.waitFor(() => expect(integrations.speaker.broadcasts).toHaveLength(1), { timeout: 20_000 });
      expect(integrations.speaker.broadcasts[0]).toMatchObject({
        text: '3号楼2单元的门没有关好,请随手关门,谢谢。',
        zone: 'b3-lobby',
        volume: 70,
        repeat: 2,
      });
    });

    it('elderly resident uses no water for 12 hours: the family gets a text through the SMS provider, once', async () => {
      await vi.waitFor(() => expect(digests().some((d) => d.includes(`共 ${DEVICES.length} 台设备`))).toBe(true));
      // Thirteen hours pass on the gateway's clock; the meter reports, measuring nothing.
      skipped += 13 * HOUR;
      await devices.get('wm-b2-u1-0401')?.report();
      await vi.waitFor(() => expect(integrations.sms.messages).toHaveLength(1), { timeout: 20_000 });
      const alert = gateway.rules.active().find((a) => a.rule_id === 'builtin.elderly.no_water');
      expect(integrations.sms.messages[0]).toMatchObject({
        to: '+8613800138000',
        sign: '【社区网格】',
        text: expect.stringMatching(/^您的家人\(2号楼1单元0401\)自\d\d-\d\d \d\d:\d\d起未用水。/),
        reference: alert?.alert_id,
      });
    });

    it("vendor webhook: a signed delivery is taken and becomes the door's Gridlink access event; a bad signature or no hooks account is refused", async () => {
      const hooks = `Basic ${Buffer.from(`${prepared.hooks.username}:${prepared.hooks.password}`).toString('base64')}`;
      const url = `${nodeRed.url}/hooks/vendor/access`;
      const { vendor } = integrations;
      vendor.setWebhook({ url, secret: integrations.vendorWebhookSecret, authorization: hooks });
      // The flow serves its endpoint once Node-RED has started it: delivered from then on.
      await vi.waitFor(
        async () =>
          expect(await vendor.cardSwipe('VD-GATE-N-01', '0012345678', false)).toMatchObject({
            delivered: true,
            status: 200,
          }),
        { timeout: 20_000, interval: 200 },
      );
      expect(await vendor.doorHeldOpen('VD-GARAGE-01', 200)).toMatchObject({
        delivered: true,
        status: 200,
        attempts: 1,
      });
      await vi.waitFor(() => expect(printed.join('\n')).toContain('"device_id":"vd-garage-01-1"'));
      const events = printed.join('\n');
      expect(events).toMatch(/"event":"door_held_open","payload":\{"ts":"\d{4}-[^"]+Z","duration_s":200\}/);
      // The card number itself never leaves the flow: a pseudonymous reference stands for it.
      expect(events).toMatch(
        /"event":"access","payload":\{"ts":"[^"]+","method":"card","result":"denied","reason":"unknown_credential","credential_ref":"c-[0-9a-f]{12}"\}/,
      );
      expect(events).not.toContain('0012345678');

      vendor.setWebhook({ url, secret: 'not-the-shared-secret', authorization: hooks });
      expect(await vendor.doorOpened('VD-GATE-N-01')).toMatchObject({ delivered: false, status: 401, attempts: 1 });
      vendor.setWebhook({ url, secret: integrations.vendorWebhookSecret });
      expect(await vendor.doorOpened('VD-GATE-N-01')).toMatchObject({ delivered: false, status: 401, attempts: 1 });
    });
  },
);
