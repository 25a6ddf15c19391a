import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudConfig, IN_MEMORY, type RunningCloud, startCloud, TerritoryStore } from '@gridlink/cloud';
import {
  builtinRuleFile,
  Gateway,
  GatewayConfig,
  hashPassword,
  InMemoryDirectory,
  type NormalisedMessage,
} from '@gridlink/gateway';
import { type CloudEvent, createCloudEvent, type DeviceKind, type Place } from '@gridlink/protocol';
import { type CloudCaller, cloudCaller, DeviceSimulator, seededRandom, signIn } from '@gridlink/simulators';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PreparedNodeRed, prepareNodeRed } from './node-red-settings.js';
import { buildGridlinkNodes } from './start-flows.js';
import { type IntegrationAccount, startIntegrationAccount } from './start-integration-account.js';
import { type StartedIntegrations, startIntegrations, VENDOR_DOORS, vendorDoorDeviceId } from './start-integrations.js';
import { freePort, type RunningNodeRed, startNodeRed } from './start-node-red.js';
import { GRID_WORKER, startUsers } from './start-users.js';

const GATEWAY_ID = 'gw-ready-flows';
const READY_FLOWS = fileURLToPath(new URL('../flows/ready', import.meta.url));
const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const ADMIN_TOKEN = 'ready-flows-admin-token-0123456789abcdef';
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
  {
    id: 'wm-b2-u1-0401',
    kind: 'water_meter',
    place: { ...place('2', '1', 4), grid: GRID, room: '0401' },
    tags: ['elderly_alone'],
  },
];
const HOUR = 3600_000;
/** The vendor's doors, registered on the gateway as the access_control devices Node-RED ingests as. */
const VENDOR_DEVICES = VENDOR_DOORS.map(vendorDoorDeviceId);

const nodes = await buildGridlinkNodes();
// The palette is part of the repository: a build that fails is this test failing, never a skip.
if (nodes.dir === undefined) throw new Error(nodes.note);

/**
 * The ready flows in a real Node-RED process, loaded as npm start loads them, against a real
 * gateway (its broker and rules) whose devices are simulated, a real cloud (in this process, on its
 * embedded database) with npm start's people and Node-RED's cloud account, and the simulated
 * third-party systems. The gateway and the devices run on a clock set to 23:30 China time.
 */
describe('the ready flows in Node-RED', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gridlink-ready-flows-'));
  const started = Date.now();
  /** Moved forward by the test to let hours pass (the elderly resident's 12 hours without water). */
  let skipped = 0;
  const clock = () => NIGHT + (Date.now() - started) + skipped;
  let gateway: Gateway;
  let cloud: RunningCloud;
  let account: IntegrationAccount;
  /** The dispatcher and the grid's worker npm start makes, signed in. */
  let dispatcher: CloudCaller;
  let worker: CloudCaller;
  let workerId = '';
  /** Device messages the gateway accepted (the vendor's doors among them). */
  const accepted: NormalisedMessage[] = [];
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
      [
        ...DEVICES,
        ...VENDOR_DEVICES.map((id) => ({ id, kind: 'access_control' as const, place: { community: COMMUNITY } })),
      ].map((device) => ({ ...device, status: 'active' as const, passwordHash })),
      [
        {
          username: 'node-red',
          role: 'integrator',
          passwordHash: await hashPassword(NODE_RED_PASSWORD),
          // As npm start grants it: ingest as the vendor's doors, command nothing.
          grants: { commandDevices: [], commandKinds: [], ingestDevices: VENDOR_DEVICES },
        },
      ],
    );
    // The built-in rules, as npm start gives them to its gateway (the door held open among them).
    const rulesFile = join(dataDir, 'rules.yaml');
    writeFileSync(rulesFile, builtinRuleFile());
    gateway = new Gateway({
      config: GatewayConfig.parse({
        gateway: { id: GATEWAY_ID, community: COMMUNITY, data_dir: join(dataDir, 'gateway') },
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
    gateway.bus.on('message', (message) => accepted.push(message));

    // The cloud with the community's territory, npm start's people and Node-RED's account.
    cloud = await startCloud(
      CloudConfig.parse({
        cloud: { data_dir: join(dataDir, 'cloud') },
        http: { host: '127.0.0.1', port: 0 },
        database: { data_dir: IN_MEMORY },
        auth: { admin_token: ADMIN_TOKEN },
        log: { level: 'silent' },
      }),
      pino({ level: 'silent' }),
    );
    await new TerritoryStore(cloud.db).upsertUnits(
      [COMMUNITY.slice(0, 6), COMMUNITY.slice(0, 9), COMMUNITY, GRID].map((code) => ({ code, nameZh: code })),
    );
    // The gateway is the cloud's, as npm start registers it: a report may name its alerts.
    const registered = await cloud.registry.register(GATEWAY_ID, 'Ready flows gateway', COMMUNITY);
    expect(registered.ok).toBe(true);
    const signIns = await startUsers(cloud.url, ADMIN_TOKEN, { community: COMMUNITY, grids: [GRID] }, new Date());
    const passwordOf = (username: string) => signIns.find((s) => s.username === username)?.password ?? '';
    dispatcher = cloudCaller(cloud.url, await signIn(cloud.url, 'dev.dispatcher', passwordOf('dev.dispatcher')));
    const workerToken = await signIn(cloud.url, GRID_WORKER, passwordOf(GRID_WORKER));
    worker = cloudCaller(cloud.url, workerToken);
    workerId = (await worker<{ id: string }>('GET', '/me')).id;
    // Made again as every npm start makes it: the same user, a new token, the earlier one revoked.
    const first = await startIntegrationAccount(cloud.url, ADMIN_TOKEN, COMMUNITY);
    account = await startIntegrationAccount(cloud.url, ADMIN_TOKEN, COMMUNITY);
    expect(account.userId).toBe(first.userId);
    expect(
      (await fetch(`${cloud.url}/api/v1/incidents`, { headers: { authorization: `Bearer ${first.token}` } })).status,
    ).toBe(401);
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
        GRIDLINK_CLOUD_URL: cloud.url,
        GRIDLINK_CLOUD_TOKEN: account.token,
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
    await cloud?.stop();
    await integrations?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const digests = () =>
    integrations.wecom.posted.flatMap(({ message }) =>
      message.msgtype === 'markdown' ? [message.markdown.content] : [],
    );

  it('start without an error in Node-RED', () => {
    expect(prepared.readyFlowsLoaded).toBe(5);
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

  /** The care visit the elderly flow filed, once it has. */
  let careVisit: { id: string; state: string } | undefined;

  it('elderly resident uses no water for 12 hours: the family gets a text through the SMS provider, once, and a care visit is filed in the cloud', async () => {
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
    // The care visit, filed by Node-RED's cloud account (an operator of the community), once.
    const visits = async () =>
      (
        await dispatcher<{ incidents: Array<{ id: string; state: string; category: string; title: string }> }>(
          'GET',
          '/incidents?category=special_population.elderly_welfare',
        )
      ).incidents;
    await vi.waitFor(async () => expect(await visits()).toHaveLength(1), { timeout: 20_000, interval: 200 });
    const [visit] = await visits();
    expect(visit).toMatchObject({ title: '独居老人(2号楼1单元0401)长时间未用水,请上门探访' });
    careVisit = visit;
    // Filed under the alert's request id: a redelivered alert files no second visit.
    const filed = await dispatcher<unknown>('GET', `/incidents/${visit?.id}`);
    expect(JSON.stringify(filed)).toContain(`elderly-no-water:${alert?.alert_id}`);
    expect(integrations.sms.messages).toHaveLength(1);
    // The report named the alert, so the same alert coming up the gateway's uplink (the cloud's
    // policy for special_population opens an incident) joins the visit instead of opening another.
    const uplinked = await cloud.incidents.fromAlert(
      createCloudEvent({
        id: `evt-${alert?.alert_id}`,
        type: 'cn.gridlink.alert.raised.v1',
        gatewayId: GATEWAY_ID,
        deviceId: alert?.device_id as string,
        time: alert?.since as string,
        priority: 'alarm',
        data: alert,
      } as never) as CloudEvent,
    );
    expect(uplinked).toMatchObject({ outcome: 'linked', incident: { id: visit?.id } });
    expect(await visits()).toHaveLength(1);
  });

  it('incident closed: a markdown summary is posted to the WeCom group', async () => {
    const id = careVisit?.id;
    expect(id).toBeDefined();
    // The loop, as the centre and the grid worker take it, from wherever the cloud's automatic
    // dispatch (the visit is a major incident) got to: each state's next step, until closed.
    const next: Record<string, [CloudCaller, string, Record<string, unknown>?]> = {
      REPORTED: [dispatcher, 'accept'],
      ACCEPTED: [dispatcher, 'file'],
      FILED: [dispatcher, 'dispatch', { assignee: workerId }],
      DISPATCHED: [worker, 'sign'],
      IN_PROGRESS: [worker, 'finish'],
      HANDLED: [dispatcher, 'startCheck'],
      CHECKING: [dispatcher, 'pass'],
      PENDING_CLOSE: [dispatcher, 'close'],
    };
    for (;;) {
      const { state } = (await dispatcher<{ incident: { state: string } }>('GET', `/incidents/${id}`)).incident;
      if (state === 'CLOSED') break;
      const taken = next[state];
      if (!taken) throw new Error(`the care visit is ${state}, which this loop does not lead to`);
      const [who, action, data] = taken;
      // Nothing is posted before the incident is closed.
      expect(digests().filter((d) => d.includes(`${id}`))).toEqual([]);
      await who('POST', `/incidents/${id}/transitions`, {
        action,
        request_id: `${id}-${action}`,
        ...(data ? { data } : {}),
      }).catch((err: Error) => {
        // The system took the step first (automatic dispatch): read the state again.
        if (!/ 409 /.test(err.message)) throw err;
      });
    }
    await vi.waitFor(() => expect(digests().filter((d) => d.includes(`事件已结案:${id}`))).toHaveLength(1), {
      timeout: 20_000,
    });
    const summary = digests().find((d) => d.includes(`事件已结案:${id}`));
    expect(summary).toContain('> 类别:special_population.elderly_welfare');
    expect(summary).toMatch(/> 结案时间:\d{4}-\d\d-\d\d \d\d:\d\d\(北京时间\)/);
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
    // Published through gridlink ingest as the doors' registered devices, accepted by the gateway.
    await vi.waitFor(() =>
      expect(accepted.filter(({ device }) => VENDOR_DEVICES.includes(device.id)).map(({ message }) => message)).toEqual(
        [
          expect.objectContaining({
            type: 'event',
            deviceId: 'vd-gate-n-01-1',
            eventType: 'access',
            payload: expect.objectContaining({
              method: 'card',
              result: 'denied',
              credential_ref: expect.stringMatching(/^c-[0-9a-f]{12}$/),
            }),
          }),
          expect.objectContaining({
            type: 'event',
            deviceId: 'vd-garage-01-1',
            eventType: 'door_held_open',
            payload: expect.objectContaining({ duration_s: 200 }),
          }),
        ],
      ),
    );
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

    // A door opened becomes the door's state on the gateway.
    vendor.setWebhook({ url, secret: integrations.vendorWebhookSecret, authorization: hooks });
    expect(await vendor.doorOpened('VD-GATE-N-01')).toMatchObject({ delivered: true, status: 200 });
    await vi.waitFor(() =>
      expect(accepted.at(-1)?.message).toMatchObject({
        type: 'state',
        deviceId: 'vd-gate-n-01-1',
        state: { door: 'open' },
      }),
    );
  });
});
