import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDataDir, testDevice, testGatewayConfig, testService } from '../test-support.js';

const PASSWORD = 'device-secret-1';
const H = 3_600_000;
const running: Gateway[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(running.splice(0).map((gateway) => gateway.stop()));
});

const gasRule = (threshold: number) => `version: 1
rules:
  - id: gas.lel
    name: { zh: 燃气浓度超限, en: Gas concentration high }
    selector: { kinds: [gas_detector] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: ${threshold}, clear: { op: '<', value: 10 } }
    severity: critical
    category: emergency.gas_leak
    message: { zh: '燃气浓度 {gas_lel} %LEL', en: 'Gas at {gas_lel} %LEL' }
    actions:
      - type: command
        target: {}
        command: { valve: close }
`;

const noWaterRule = `version: 1
rules:
  - id: elderly.no_water
    name: { zh: 12小时未用水, en: No water use in 12 h }
    selector: { kinds: [water_meter] }
    condition: { type: absence, event: reading, where: { interval_volume: { '>': 0 } }, within_s: 43200 }
    severity: major
    category: special_population.elderly_welfare
    message: { zh: '{device_id} 12小时未用水', en: 'No water use at {device_id} in 12 h' }
`;

async function start(rulesYaml: string, options: { dataDir?: string; now?: () => number } = {}) {
  const dataDir = options.dataDir ?? testDataDir();
  const rulesFile = join(dataDir, 'rules.yaml');
  writeFileSync(rulesFile, rulesYaml);
  const directory = new InMemoryDirectory(
    [await testDevice('gas-1', 'gas_detector', PASSWORD), await testDevice('wm-1', 'water_meter', PASSWORD)],
    [await testService('console', 'observer', PASSWORD), await testService('installer', 'installer', PASSWORD)],
  );
  const config = testGatewayConfig({
    gateway: { id: 'gw-test', community: '320803001001', data_dir: dataDir },
    rules: { files: [rulesFile], tick_ms: 100, save_every_ms: 100 },
  });
  const gateway = new Gateway({
    config,
    directory,
    logger: silentLogger(),
    ...(options.now ? { now: options.now } : {}),
  });
  await gateway.start();
  running.push(gateway);
  const connect = async (clientId: string, username: string) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId,
      username,
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    clients.push(client);
    return client;
  };
  const watch = async (filter: string) => {
    const seen: Array<[string, string]> = [];
    const watcher = await connect(`svc-console-${clients.length}`, 'console');
    watcher.on('message', (topic, payload) => seen.push([topic, payload.toString()]));
    await watcher.subscribeAsync(filter, { qos: 1 });
    return seen;
  };
  return { gateway, connect, watch, rulesFile, dataDir };
}

describe('local alert rules on the gateway (real broker)', () => {
  it('raise a retained alert, run its action, and clear it with hysteresis', async () => {
    const { gateway, connect, watch } = await start(gasRule(20));
    const alerts = await watch('gridlink/alert/#');
    const gas = await connect('gas-1', 'gas-1');
    const commands: string[] = [];
    gas.on('message', (_topic, payload) => commands.push(payload.toString()));
    await gas.subscribeAsync('gridlink/gas-1/set', { qos: 1 });

    await gas.publishAsync('gridlink/gas-1/event/alarm', '{"ts":"2026-11-25T14:52:18.646Z","gas_lel":25}', { qos: 1 });
    await expect.poll(() => alerts.length).toBe(1);
    const [topic, payload] = alerts[0] ?? ['', ''];
    expect(topic).toBe('gridlink/alert/gas.lel/gas-1');
    expect(JSON.parse(payload)).toMatchObject({
      rule_id: 'gas.lel',
      device_id: 'gas-1',
      state: 'active',
      severity: 'critical',
      category: 'emergency.gas_leak',
      occurrences: 1,
      message: { zh: '燃气浓度 25 %LEL', en: 'Gas at 25 %LEL' },
    });
    await expect.poll(() => commands).toEqual(['{"valve":"close"}']);

    await gas.publishAsync('gridlink/gas-1', '{"gas_lel":15}', { qos: 1 }); // below 20 but not below 10: still active
    await gas.publishAsync('gridlink/gas-1', '{"gas_lel":5}', { qos: 1 });
    await expect.poll(() => alerts.length).toBe(2);
    expect(alerts[1]).toEqual(['gridlink/alert/gas.lel/gas-1', '']); // an empty retained payload clears it
    expect(gateway.rules.active()).toEqual([]);
  });

  it('rate-limit actions, so a flapping condition cannot drive a device in a loop', async () => {
    const { gateway, connect } = await start(gasRule(20));
    const gas = await connect('gas-1', 'gas-1');
    const commands: string[] = [];
    gas.on('message', (_topic, payload) => commands.push(payload.toString()));
    await gas.subscribeAsync('gridlink/gas-1/set', { qos: 1 });
    for (let n = 0; n < 5; n++) {
      await gas.publishAsync('gridlink/gas-1', '{"gas_lel":30}', { qos: 1 });
      await gas.publishAsync('gridlink/gas-1', '{"gas_lel":0}', { qos: 1 });
    }
    // Five raises: the first closes the valve, the other four are held back, and nothing else is sent.
    await expect.poll(() => gateway.rules.actionStats()).toMatchObject({ commands: 1, rateLimited: 4 });
    await expect.poll(() => commands).toEqual(['{"valve":"close"}']);
  });

  it('hot-reload: a broken file is refused with its line and the rules in force stay; a good one takes over', async () => {
    const { gateway, connect, watch, rulesFile } = await start(gasRule(20));
    const events = await watch('gridlink/bridge/event');
    writeFileSync(rulesFile, gasRule(20).replace('value: 20', 'value: twenty'));
    await expect.poll(() => events.map(([, payload]) => JSON.parse(payload).type)).toEqual(['rules_rejected']);
    expect(JSON.parse(events[0]?.[1] ?? '{}').detail).toContain('rules.yaml:6:');
    expect(gateway.rules.reload()).toMatchObject({ ok: false });

    const gas = await connect('gas-1', 'gas-1');
    await gas.publishAsync('gridlink/gas-1', '{"gas_lel":25}', { qos: 1 });
    await expect.poll(() => gateway.rules.active().length).toBe(1); // the old rule (>= 20) still works

    writeFileSync(rulesFile, gasRule(50));
    await expect.poll(() => events.map(([, payload]) => JSON.parse(payload).type)).toContain('rules_reloaded');
    // Same rule id, same condition type: its state carries over; 25 is now below the new threshold
    // but above the clear bound, so the alert stays until the gas drops below 10.
    expect(gateway.rules.active()).toHaveLength(1);
  });

  it('answer rules/list and alerts/list on the request topic', async () => {
    const { connect, watch } = await start(gasRule(20));
    const responses = await watch('gridlink/bridge/response/#');
    const installer = await connect('svc-installer-1', 'installer');
    await installer.publishAsync('gridlink/bridge/request/rules/list', '{"transaction":"t-1"}', { qos: 1 });
    await expect.poll(() => responses.length).toBe(1);
    expect(responses[0]?.[0]).toBe('gridlink/bridge/response/rules/list');
    expect(JSON.parse(responses[0]?.[1] ?? '{}')).toEqual({
      status: 'ok',
      transaction: 't-1',
      data: {
        rules: [
          {
            id: 'gas.lel',
            name: { zh: '燃气浓度超限', en: 'Gas concentration high' },
            severity: 'critical',
            category: 'emergency.gas_leak',
            condition: 'threshold',
          },
        ],
      },
    });
  });

  it('survive a restart: an absence timer 11 hours in fires one hour after the restart', async () => {
    let clock = Date.parse('2026-11-25T00:00:00.000Z');
    const now = () => clock;
    const first = await start(noWaterRule, { now });
    const dataDir = first.dataDir;
    clock += 11 * H;
    await first.gateway.stop(); // saves the rules' state at 11 h
    running.splice(running.indexOf(first.gateway), 1);

    clock += 10 * 60_000; // down for ten minutes
    const second = await start(noWaterRule, { now, dataDir });
    const alerts = await second.watch('gridlink/alert/#');
    clock = Date.parse('2026-11-25T12:00:00.000Z') - 1;
    const ticked = second.gateway.rules.ticks;
    await expect.poll(() => second.gateway.rules.ticks).toBeGreaterThanOrEqual(ticked + 3);
    expect(alerts).toEqual([]);
    clock += 1;
    await expect.poll(() => alerts.map(([topic]) => topic)).toEqual(['gridlink/alert/elderly.no_water/wm-1']);
  });

  it('reload: a rule whose selector no longer selects a device lets go of it, clearing its alert as device_deselected', async () => {
    let clock = Date.parse('2026-11-25T00:00:00.000Z');
    const { gateway, rulesFile, watch } = await start(noWaterRule, { now: () => clock });
    const alerts = await watch('gridlink/alert/#');
    const clears: string[] = [];
    gateway.bus.on('alert', ({ transition, clearReason }) => {
      if (transition.type === 'cleared') clears.push(`${transition.alert.device_id}:${clearReason}`);
    });
    clock += 12 * H;
    await expect.poll(() => alerts.map(([topic]) => topic)).toEqual(['gridlink/alert/elderly.no_water/wm-1']);

    // Now only households tagged elderly_alone: wm-1 has no tags.
    writeFileSync(
      rulesFile,
      noWaterRule.replace('kinds: [water_meter]', 'kinds: [water_meter], tags: [elderly_alone]'),
    );
    await expect.poll(() => clears).toEqual(['wm-1:device_deselected']);
    await expect.poll(() => alerts.at(-1)).toEqual(['gridlink/alert/elderly.no_water/wm-1', '']);
    clock += 24 * H;
    const ticked = gateway.rules.ticks;
    await expect.poll(() => gateway.rules.ticks).toBeGreaterThanOrEqual(ticked + 3);
    expect(gateway.rules.active()).toEqual([]);
  });
});
