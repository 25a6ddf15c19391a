import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceKind } from '@gridlink/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../credentials/password.js';
import { type DeviceRecord, InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDataDir, testGatewayConfig, testService } from '../test-support.js';
import { builtinRuleFile, builtinRules } from './templates.js';

const PASSWORD = 'device-secret-1';
const COMMUNITY = '320803001001';
const T0 = Date.parse('2026-11-25T02:00:00.000Z'); // 10:00 in Shanghai
const H = 3600;

type Step = { publish: string; payload?: Record<string, unknown> } | { wait_s: number };
interface Scenario {
  rule: string;
  device: string;
  steps: Step[];
}

const place = (unit = '1') => ({ community: COMMUNITY, building: '9', unit, floor: 3, room: '301' });
const devices: Array<Omit<DeviceRecord, 'status' | 'passwordHash'>> = [
  ['smoke-a1', 'smoke_detector'],
  ['smoke-c1', 'smoke_detector'],
  ['smoke-c2', 'smoke_detector'],
  ['gas-a1', 'gas_detector'],
  ['mh-a1', 'manhole_cover'],
  ['mh-b1', 'manhole_cover'],
  ['hp-a1', 'hydrant_pressure'],
  ['cam-lane-a1', 'fire_lane_camera'],
  ['cam-lane-b1', 'fire_lane_camera'],
  ['cam-lane-c1', 'fire_lane_camera'],
  ['elv-a1', 'elevator'],
  ['elv-b1', 'elevator'],
  ['cam-ha-a1', 'high_altitude_camera'],
  ['ac-a1', 'access_control'],
  ['ac-b1', 'access_control'],
  ['pir-a1', 'perimeter_intrusion'],
  ['sos-a1', 'emergency_button'],
  ['leak-a1', 'water_leak'],
  ['leak-b1', 'water_leak'],
  ['cam-a1', 'onvif_camera'],
  ['gate-a1', 'barrier_gate'],
  ['th-a1', 'temp_humidity'],
].map(([id, kind]) => ({ id: id as string, kind: kind as DeviceKind, place: place() }));
devices.push(
  { id: 'wm-a1', kind: 'water_meter', place: place('2'), tags: ['elderly_alone'] },
  { id: 'dc-a1', kind: 'door_contact', place: place('2'), tags: ['elderly_alone'] },
);

const ev = (type: string, payload: Record<string, unknown> = {}): Step => ({ publish: `/event/${type}`, payload });
const st = (payload: Record<string, unknown>): Step => ({ publish: '', payload });

/** Immediate scenarios first; then the timed ones, in the order the clock reaches them. */
const scenarios: Scenario[] = [
  { rule: 'builtin.smoke.alarm', device: 'smoke-a1', steps: [ev('alarm')] },
  { rule: 'builtin.smoke.two_detectors', device: 'smoke-c2', steps: [] }, // its steps run below, in order
  { rule: 'builtin.gas.lel', device: 'gas-a1', steps: [st({ gas_lel: 25 })] },
  { rule: 'builtin.manhole.opened', device: 'mh-b1', steps: [ev('opened')] },
  {
    rule: 'builtin.fire_lane.occupied',
    device: 'cam-lane-a1',
    steps: [ev('occupied', { zone: 'north', confidence: 0.9 })],
  },
  {
    rule: 'builtin.fire_lane.repeated',
    device: 'cam-lane-c1',
    steps: [1, 2, 3].map(() => ev('occupied', { zone: 'south', confidence: 0.9 })),
  },
  { rule: 'builtin.elevator.ebike', device: 'elv-a1', steps: [ev('ebike_detected', { floor: 1, confidence: 0.93 })] },
  { rule: 'builtin.elevator.trapped', device: 'elv-b1', steps: [ev('trapped', { floor: 5 })] },
  {
    rule: 'builtin.high_altitude.throwing',
    device: 'cam-ha-a1',
    steps: [ev('throwing_detected', { confidence: 0.81, clip_ref: 'media/cam-ha-a1/1.mp4' })],
  },
  { rule: 'builtin.access.door_forced', device: 'ac-a1', steps: [ev('door_forced')] },
  { rule: 'builtin.access.door_held_open', device: 'ac-b1', steps: [ev('door_held_open', { duration_s: 240 })] },
  { rule: 'builtin.emergency_button.pressed', device: 'sos-a1', steps: [ev('pressed', { press: 'long' })] },
  { rule: 'builtin.water_leak.leak', device: 'leak-a1', steps: [ev('leak')] },
  { rule: 'builtin.maintenance.tamper', device: 'leak-b1', steps: [ev('tamper')] },
  { rule: 'builtin.maintenance.camera_tamper', device: 'cam-a1', steps: [ev('tamper', { state: true })] },
  { rule: 'builtin.maintenance.fault', device: 'gate-a1', steps: [ev('fault', { code: 'MOTOR' })] },
  { rule: 'builtin.manhole.tilt', device: 'mh-a1', steps: [st({ tilt: 23.5 }), { wait_s: 3 }] },
  { rule: 'builtin.hydrant.pressure_low', device: 'hp-a1', steps: [st({ pressure: 95 }), { wait_s: H / 2 }] },
  { rule: 'builtin.fire_lane.occupied_long', device: 'cam-lane-b1', steps: [st({ vehicles: 1 }), { wait_s: H / 2 }] },
  { rule: 'builtin.maintenance.low_battery', device: 'th-a1', steps: [st({ battery: 10 }), { wait_s: H }] },
  // Silent elderly households: their absence timers started when the gateway did (now ~2 h ago).
  { rule: 'builtin.elderly.no_water', device: 'wm-a1', steps: [{ wait_s: 10 * H }] },
  // Now past 22:00 local: after hours.
  {
    rule: 'builtin.perimeter.intrusion_after_hours',
    device: 'pir-a1',
    steps: [ev('intrusion', { zone: 'east-fence-2' })],
  },
  { rule: 'builtin.elderly.door_not_opened', device: 'dc-a1', steps: [{ wait_s: 36 * H }] },
];

describe('every built-in rule template, through the real broker with simulated devices', () => {
  const clients: MqttClient[] = [];
  let gateway: Gateway | undefined;
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.endAsync(true)));
    await gateway?.stop();
  });

  it('has a scenario for every template', () => {
    expect(scenarios.map((s) => s.rule).sort()).toEqual(
      builtinRules()
        .map((rule) => rule.id)
        .sort(),
    );
  });

  it('raises each template’s alert on its retained topic', async () => {
    const dataDir = testDataDir();
    const rulesFile = join(dataDir, 'rules.yaml');
    writeFileSync(rulesFile, builtinRuleFile());
    const passwordHash = await hashPassword(PASSWORD);
    const clock = { now: T0 };
    gateway = new Gateway({
      config: testGatewayConfig({
        gateway: { id: 'gw-test', community: COMMUNITY, data_dir: dataDir },
        rules: { files: [rulesFile], tick_ms: 100 },
      }),
      directory: new InMemoryDirectory(
        devices.map((device) => ({ ...device, status: 'active' as const, passwordHash })),
        [await testService('console', 'observer', PASSWORD)],
      ),
      logger: silentLogger(),
      now: () => clock.now,
    });
    await gateway.start();
    const rules = gateway.rules;
    const url = `mqtt://127.0.0.1:${gateway.ports.tcp}`;
    const raised = new Set<string>();
    const watcher = await mqtt.connectAsync(url, {
      clientId: 'svc-console-1',
      username: 'console',
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    clients.push(watcher);
    watcher.on('message', (topic, payload) => {
      if (payload.length > 0) raised.add(topic);
    });
    await watcher.subscribeAsync('gridlink/alert/#', { qos: 1 });
    const device = new Map<string, MqttClient>();
    for (const { id } of devices) {
      const client = await mqtt.connectAsync(url, {
        clientId: id,
        username: id,
        password: PASSWORD,
        reconnectPeriod: 0,
      });
      clients.push(client);
      device.set(id, client);
    }
    const publish = (id: string, suffix: string, payload: Record<string, unknown> = {}) =>
      device
        .get(id)
        ?.publishAsync(
          `gridlink/${id}${suffix}`,
          JSON.stringify({ ...(suffix ? { ts: new Date(clock.now).toISOString() } : {}), ...payload }),
          { qos: 1 },
        );

    // Two detectors of one unit within 60 s (the scenario above names the one that completes it).
    await publish('smoke-c1', '/event/alarm');
    clock.now += 20_000;
    await publish('smoke-c2', '/event/alarm');

    for (const scenario of scenarios) {
      for (const step of scenario.steps) {
        if ('wait_s' in step) {
          clock.now += step.wait_s * 1000;
          const ticked = rules.ticks; // a few ticks at the new time
          await expect.poll(() => rules.ticks).toBeGreaterThanOrEqual(ticked + 3);
        } else {
          await publish(scenario.device, step.publish, step.payload);
        }
      }
      const topic = `gridlink/alert/${scenario.rule}/${scenario.device}`;
      await expect.poll(() => raised.has(topic), { timeout: 3000, message: topic }).toBe(true);
    }
  }, 60_000);
});
