import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { Gateway } from '../gateway.js';
import { RECONCILE_EVERY_MS } from '../rules/rules-module.js';
import { builtinRuleFile } from '../rules/templates.js';
import { silentLogger, testDataDir, testGatewayConfig } from '../test-support.js';
import { importDevicesCsv } from './csv-import.js';
import { DeviceRegistry, registryPathIn } from './registry.js';

const COMMUNITY = '320803001001';
const H = 3_600_000;

/** A rule that only devices tagged `elderly_alone` can fire, beside the built-in rules. */
const TAGGED_RULE = `version: 1
rules:
  - id: elderly.door_opened
    name: { zh: 独居老人开门, en: Elderly resident opened the door }
    selector: { kinds: [door_contact], tags: [elderly_alone] }
    condition: { type: event, event: opened }
    severity: minor
    category: other
    message: { zh: '{device_id} 开门', en: '{device_id} opened' }
`;

const DEVICES_CSV = [
  'id,kind,community,building,unit,floor,room,tags',
  `dc-b1-u1-0302,door_contact,${COMMUNITY},1,1,3,0302,elderly_alone`,
  `dc-b1-u1-0303,door_contact,${COMMUNITY},1,1,3,0303,`,
  `dc-b1-u1-0304,door_contact,${COMMUNITY},1,1,3,0304,`,
  `wm-b1-u1-0302,water_meter,${COMMUNITY},1,1,3,0302,elderly_alone`,
  `wm-b1-u1-0303,water_meter,${COMMUNITY},1,1,3,0303,`,
].join('\n');

describe('rules select registry-backed devices by their installer tags (embedded broker, real MQTT clients)', () => {
  const clients: MqttClient[] = [];
  const registries: DeviceRegistry[] = [];
  let gateway: Gateway | undefined;
  const gateways: Gateway[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await gateway?.stop();
    for (const started of gateways) await started.stop();
    for (const registry of registries) registry.close();
  });

  it('fires a tag-selected rule for a tagged device only, and for a device tagged while the gateway runs once it connects', async () => {
    const dataDir = testDataDir();
    const gatewayRegistry = DeviceRegistry.open(registryPathIn(dataDir));
    registries.push(gatewayRegistry);
    const issued = await importDevicesCsv(gatewayRegistry, DEVICES_CSV);
    const passwords = new Map(issued.map(({ device, password }) => [device.id, password]));
    const consolePassword = (await gatewayRegistry.addService('console', 'observer')).password;

    const builtinFile = join(dataDir, 'builtin-rules.yaml');
    const taggedFile = join(dataDir, 'tagged-rules.yaml');
    writeFileSync(builtinFile, builtinRuleFile());
    writeFileSync(taggedFile, TAGGED_RULE);
    const clock = { now: Date.parse('2026-11-25T02:00:00.000Z') };
    gateway = new Gateway({
      config: testGatewayConfig({
        gateway: { id: 'gw-test', community: COMMUNITY, data_dir: dataDir },
        rules: { files: [builtinFile, taggedFile], tick_ms: 100 },
      }),
      directory: gatewayRegistry,
      logger: silentLogger(),
      now: () => clock.now,
    });
    await gateway.start();

    const url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
    const raised = new Set<string>();
    const watcher = await mqtt.connectAsync(url, {
      clientId: 'svc-console-1',
      username: 'console',
      password: consolePassword,
      reconnectPeriod: 0,
    });
    clients.push(watcher);
    watcher.on('message', (topic, payload) => {
      if (payload.length > 0) raised.add(topic);
    });
    await watcher.subscribeAsync('gridlink/alert/#', { qos: 1 });
    const doorOpened = async (id: string) => {
      const client = await mqtt.connectAsync(url, {
        clientId: id,
        username: id,
        password: passwords.get(id) ?? '',
        reconnectPeriod: 0,
      });
      clients.push(client);
      // QoS 1: the PUBACK comes after the gateway has taken the message through its rules.
      await client.publishAsync(
        `gridlink/${id}/event/opened`,
        JSON.stringify({ ts: new Date(clock.now).toISOString() }),
        { qos: 1 },
      );
    };

    await doorOpened('dc-b1-u1-0303');
    await doorOpened('dc-b1-u1-0302');
    await expect
      .poll(() => raised.has('gridlink/alert/elderly.door_opened/dc-b1-u1-0302'), { timeout: 3000 })
      .toBe(true);
    expect(raised.has('gridlink/alert/elderly.door_opened/dc-b1-u1-0303')).toBe(false);

    // An installer tags a household while the gateway runs (another process, as the CLI is): the
    // gateway reads the device, tags included, when it connects.
    const cli = DeviceRegistry.open(registryPathIn(dataDir));
    registries.push(cli);
    cli.addTags('dc-b1-u1-0304', ['elderly_alone']);
    await doorOpened('dc-b1-u1-0304');
    await expect
      .poll(() => raised.has('gridlink/alert/elderly.door_opened/dc-b1-u1-0304'), { timeout: 3000 })
      .toBe(true);

    // The built-in "no water use" absence rule watches the tagged meter from the registry at start,
    // though it never spoke; the untagged household's meter is not watched.
    clock.now += 13 * H;
    await expect
      .poll(() => raised.has('gridlink/alert/builtin.elderly.no_water/wm-b1-u1-0302'), { timeout: 3000 })
      .toBe(true);
    expect(raised.has('gridlink/alert/builtin.elderly.no_water/wm-b1-u1-0303')).toBe(false);
  }, 60_000);

  it('stops watching a household once it is untagged or its meter retired, clearing its alert with the reason, across a restart', async () => {
    const dataDir = testDataDir();
    const registry = DeviceRegistry.open(registryPathIn(dataDir));
    registries.push(registry);
    const issued = await importDevicesCsv(
      registry,
      [
        'id,kind,community,building,unit,floor,room,tags',
        `wm-b2-u1-0101,water_meter,${COMMUNITY},2,1,1,0101,elderly_alone`,
        `wm-b2-u1-0102,water_meter,${COMMUNITY},2,1,1,0102,elderly_alone`,
        `wm-b2-u1-0103,water_meter,${COMMUNITY},2,1,1,0103,elderly_alone`,
        `wm-b2-u1-0104,water_meter,${COMMUNITY},2,1,1,0104,elderly_alone`,
      ].join('\n'),
    );
    const passwords = new Map(issued.map(({ device, password }) => [device.id, password]));
    const consolePassword = (await registry.addService('console', 'observer')).password;
    const rulesFile = join(dataDir, 'builtin-rules.yaml');
    writeFileSync(rulesFile, builtinRuleFile());
    const clock = { now: Date.parse('2026-11-25T02:00:00.000Z') };

    /** Retained alert topics as a watcher sees them (an empty payload clears), and every clear with its reason. */
    const retained = new Map<string, string>();
    const clears: string[] = [];
    const startGateway = async () => {
      const started = new Gateway({
        config: testGatewayConfig({
          gateway: { id: 'gw-test', community: COMMUNITY, data_dir: dataDir },
          rules: { files: [rulesFile], tick_ms: 100, save_every_ms: 100 },
        }),
        directory: registry,
        logger: silentLogger(),
        now: () => clock.now,
      });
      gateways.push(started);
      await started.start();
      // The uplink turns each of these into a `cn.gridlink.alert.cleared.v1` event with this reason.
      started.bus.on('alert', ({ transition, clearReason }) => {
        if (transition.type === 'cleared') clears.push(`${transition.alert.device_id}:${clearReason}`);
      });
      const watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${started.ports.tcp}`, {
        clientId: 'svc-console-2',
        username: 'console',
        password: consolePassword,
        reconnectPeriod: 0,
      });
      clients.push(watcher);
      watcher.on('message', (topic, payload) => {
        if (topic.includes('/builtin.elderly.no_water/'))
          retained.set(topic.split('/').at(-1) ?? '', payload.toString());
      });
      await watcher.subscribeAsync('gridlink/alert/#', { qos: 1 });
      return started;
    };
    const active = () => [...retained].filter(([, payload]) => payload !== '').map(([device]) => device);

    let running = await startGateway();
    clock.now += 13 * H; // none of the meters has reported any water use
    await expect
      .poll(() => active(), { timeout: 3000 })
      .toEqual(['wm-b2-u1-0101', 'wm-b2-u1-0102', 'wm-b2-u1-0103', 'wm-b2-u1-0104']);

    // The household moved out: the installer untags it (another process, as the CLI is). The
    // meter's next CONNECT brings its record without the tag, and the rule lets go of it.
    const cli = DeviceRegistry.open(registryPathIn(dataDir));
    registries.push(cli);
    cli.removeTags('wm-b2-u1-0101', ['elderly_alone']);
    const meter = await mqtt.connectAsync(`mqtt://127.0.0.1:${running.ports.tcp}`, {
      clientId: 'wm-b2-u1-0101',
      username: 'wm-b2-u1-0101',
      password: passwords.get('wm-b2-u1-0101') ?? '',
      reconnectPeriod: 0,
    });
    clients.push(meter);
    await expect.poll(() => clears, { timeout: 3000 }).toEqual(['wm-b2-u1-0101:device_deselected']);
    await expect.poll(() => retained.get('wm-b2-u1-0101'), { timeout: 3000 }).toBe('');

    // A meter retired while it stays silent: the rules read their devices again within RECONCILE_EVERY_MS.
    cli.retire('wm-b2-u1-0102', 'household moved out');
    clock.now += RECONCILE_EVERY_MS;
    await expect
      .poll(() => clears, { timeout: 3000 })
      .toEqual(['wm-b2-u1-0101:device_deselected', 'wm-b2-u1-0102:device_retired']);
    await expect.poll(() => active(), { timeout: 3000 }).toEqual(['wm-b2-u1-0103', 'wm-b2-u1-0104']);
    await meter.endAsync(true);
    await running.stop(); // saves what the rules keep

    // Untagged while the gateway is down: its alert, restored at start, is cleared (and sent) at once.
    cli.removeTags('wm-b2-u1-0103', ['elderly_alone']);
    retained.clear();
    running = await startGateway();
    await expect
      .poll(() => clears, { timeout: 3000 })
      .toEqual(['wm-b2-u1-0101:device_deselected', 'wm-b2-u1-0102:device_retired', 'wm-b2-u1-0103:device_deselected']);
    await expect.poll(() => active(), { timeout: 3000 }).toEqual(['wm-b2-u1-0104']);

    // None of them comes back, however long they stay silent; the still-tagged one alerts on.
    clock.now += 25 * H;
    const ticked = running.rules.ticks;
    await expect.poll(() => running.rules.ticks).toBeGreaterThanOrEqual(ticked + 3);
    expect(active()).toEqual(['wm-b2-u1-0104']);
    expect(clears).toHaveLength(3);

    // What the rules keep between runs names devices, never their credentials.
    const state = new Database(join(dataDir, 'rules.db'), { readonly: true });
    const { snapshot } = state.prepare("SELECT group_concat(state, ',') AS snapshot FROM rule_instances").get() as {
      snapshot: string;
    };
    state.close();
    expect(snapshot).toContain('wm-b2-u1-0104');
    expect(snapshot).not.toMatch(/wm-b2-u1-010[123]|scrypt|passwordHash/);
  }, 60_000);
});
