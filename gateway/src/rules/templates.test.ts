import { type DeviceKind, parseRuleFile, profileOf, Rule } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../devices/directory.js';
import type { Observation } from './conditions.js';
import { type AlertTransition, RuleEngine } from './engine.js';
import { builtinRuleFile, builtinRules, DEFAULT_TEMPLATE_PARAMS, kindsWithNumericState } from './templates.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const T0 = Date.parse('2026-11-25T02:00:00.000Z'); // 10:00 in Shanghai, a Wednesday
const COMMUNITY = '320803001001';

const RULES = builtinRules().map((input) => Rule.parse(input));
const ruleById = (id: string) => {
  const found = RULES.find((rule) => rule.id === id);
  if (!found) throw new Error(`no template ${id}`);
  return found;
};

/** Every built-in rule at once, so each test also shows that no other template reacts. */
function engine() {
  let n = 0;
  return new RuleEngine({ rules: RULES, newAlertId: () => `al-${++n}` });
}

const device = (
  id: string,
  kind: DeviceKind,
  place: Partial<NonNullable<DeviceRecord['place']>> = {},
  tags?: string[],
): DeviceRecord => ({
  id,
  kind,
  status: 'active',
  passwordHash: '',
  place: { community: COMMUNITY, building: '3', unit: '2', ...place },
  ...(tags ? { tags } : {}),
});

/** A payload from the device profile's own examples, with fields overridden. */
function example(kind: DeviceKind, event: string, overrides: Record<string, unknown> = {}, index = 0) {
  const payload = profileOf(kind).examples.events[event]?.[index];
  if (!payload) throw new Error(`${kind} has no example ${event}[${index}]`);
  return { ...payload, ...overrides };
}

const event = (d: DeviceRecord, type: string, at: number, overrides: Record<string, unknown> = {}): Observation => ({
  device: d,
  kind: 'event',
  eventType: type,
  fields: example(d.kind, type, overrides),
  at,
});
const state = (d: DeviceRecord, fields: Record<string, unknown>, at: number): Observation => ({
  device: d,
  kind: 'state',
  fields,
  at,
});

const summary = (transitions: AlertTransition[]) =>
  transitions.map(
    (t) =>
      `${t.type === 'updated' && t.repeat ? 'repeated' : t.type} ${t.alert.rule_id} ${t.alert.device_id} ${t.alert.severity} ${t.alert.category}`,
  );

describe('built-in rule templates', () => {
  it('every template is accepted by the protocol schema, with a builtin. id, and ids are unique', () => {
    const inputs = builtinRules();
    expect(inputs.length).toBeGreaterThanOrEqual(20);
    for (const input of inputs) {
      const parsed = Rule.safeParse(input);
      expect(parsed.success ? 'ok' : parsed.error.issues, input.id).toBe('ok');
      expect(input.id).toMatch(/^builtin\./);
    }
    expect(new Set(inputs.map((input) => input.id)).size).toBe(inputs.length);
  });

  it('the rule file is YAML that parseRuleFile reads back to the same rules', () => {
    const text = builtinRuleFile();
    expect(text).toMatch(/^# Gridlink rule file/);
    expect(text).toContain("schedule: { periods: [ { from: '22:00', to: '06:00' } ] }");
    const parsed = parseRuleFile(text, 'builtin.yaml');
    expect(parsed.ok ? 'ok' : parsed.errors).toBe('ok');
    if (parsed.ok) expect(parsed.value.rules).toEqual(RULES);
  });

  it('thresholds are parameters, with the defaults documented in TemplateParams', () => {
    const rules = builtinRules({ gasLelPercent: 15, elderlyNoWaterS: 8 * 3600 });
    expect(rules.find((r) => r.id === 'builtin.gas.lel')?.condition).toMatchObject({ value: 15 });
    expect(rules.find((r) => r.id === 'builtin.elderly.no_water')?.condition).toMatchObject({ within_s: 28_800 });
    expect(parseRuleFile(builtinRuleFile({ gasLelPercent: 15 })).ok).toBe(true);
    expect(DEFAULT_TEMPLATE_PARAMS.gasLelPercent).toBe(20);
  });

  it('every template has a behaviour test below', () => {
    expect(RULES.map((rule) => rule.id).sort()).toEqual([...TESTED].sort());
  });
});

const TESTED = [
  'builtin.smoke.alarm',
  'builtin.smoke.two_detectors',
  'builtin.gas.lel',
  'builtin.manhole.tilt',
  'builtin.manhole.opened',
  'builtin.hydrant.pressure_low',
  'builtin.fire_lane.occupied',
  'builtin.fire_lane.occupied_long',
  'builtin.fire_lane.repeated',
  'builtin.elevator.ebike',
  'builtin.high_altitude.throwing',
  'builtin.elderly.no_water',
  'builtin.elderly.door_not_opened',
  'builtin.access.door_forced',
  'builtin.access.door_held_open',
  'builtin.perimeter.intrusion_after_hours',
  'builtin.elevator.trapped',
  'builtin.emergency_button.pressed',
  'builtin.water_leak.leak',
  'builtin.maintenance.tamper',
  'builtin.maintenance.camera_tamper',
  'builtin.maintenance.fault',
  'builtin.maintenance.low_battery',
];

describe('fire and gas', () => {
  it('a smoke detector alarm raises a critical fire alert at once; its alarm_cleared clears it', () => {
    const rules = engine();
    const smoke = device('smoke-b3-u2-0401', 'smoke_detector', { floor: 4, room: '0401' });
    const [raised, ...rest] = rules.observe(event(smoke, 'alarm', T0));
    expect(rest).toEqual([]);
    expect(raised?.alert).toMatchObject({
      rule_id: 'builtin.smoke.alarm',
      device_id: 'smoke-b3-u2-0401',
      severity: 'critical',
      category: 'emergency.fire',
      since: '2026-11-25T02:00:00.000Z',
      message: { zh: 'smoke-b3-u2-0401 烟雾报警', en: 'Smoke alarm at smoke-b3-u2-0401' },
      evidence: { smoke_density: 0.31 },
    });
    expect(rules.tick(T0 + 24 * H)).toEqual([]); // only the detector's own clear ends it
    expect(summary(rules.observe(event(smoke, 'alarm_cleared', T0 + 24 * H + 1)))).toEqual([
      'cleared builtin.smoke.alarm smoke-b3-u2-0401 critical emergency.fire',
    ]);
  });

  it('two smoke detectors of one unit alarming within 60 s raise a critical confirmed-fire alert, cleared when the window passes', () => {
    const rules = engine();
    const s1 = device('smoke-b3-u2-0401', 'smoke_detector', { floor: 4 });
    const s2 = device('smoke-b3-u2-0402', 'smoke_detector', { floor: 4 });
    const other = device('smoke-b3-u1-0401', 'smoke_detector', { unit: '1', floor: 4 });
    rules.observe(event(s1, 'alarm', T0));
    expect(summary(rules.observe(event(other, 'alarm', T0 + 10 * S)))).toEqual([
      'raised builtin.smoke.alarm smoke-b3-u1-0401 critical emergency.fire', // another unit: no correlation
    ]);
    const transitions = rules.observe(event(s2, 'alarm', T0 + 30 * S));
    expect(summary(transitions)).toEqual([
      'raised builtin.smoke.alarm smoke-b3-u2-0402 critical emergency.fire',
      'raised builtin.smoke.two_detectors smoke-b3-u2-0402 critical emergency.fire',
    ]);
    expect(transitions[1]?.alert.message.zh).toBe('3栋2单元两个烟感报警，疑似火情');
    expect(rules.tick(T0 + 60 * S - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 60 * S))).toEqual([
      'cleared builtin.smoke.two_detectors smoke-b3-u2-0402 critical emergency.fire',
    ]);
  });

  it('gas at 25 %LEL raises a critical alert at once and carries the valve-closing command; it clears below 10 %LEL', () => {
    const rules = engine();
    const gas = device('gas-b1-u1-0101', 'gas_detector', { building: '1', unit: '1', floor: 1, room: '0101' });
    expect(rules.observe(state(gas, { gas_lel: 19, gas_type: 'natural_gas', valve: 'open' }, T0))).toEqual([]);
    const [raised, ...rest] = rules.observe(event(gas, 'alarm', T0 + S)); // example: 25 %LEL natural gas
    expect(rest).toEqual([]);
    expect(raised?.alert).toMatchObject({
      rule_id: 'builtin.gas.lel',
      severity: 'critical',
      category: 'emergency.gas_leak',
      message: { zh: '燃气浓度 25 %LEL（gas-b1-u1-0101）', en: 'Gas at 25 %LEL at gas-b1-u1-0101' },
    });
    expect(ruleById('builtin.gas.lel').actions).toEqual([
      {
        type: 'command',
        target: {},
        command: { valve: 'close' },
        rate_limit: { max: 1, per_s: 60 },
      },
    ]);
    expect(rules.observe(state(gas, { gas_lel: 12 }, T0 + MIN))).toEqual([]); // inside the deadband
    expect(summary(rules.observe(event(gas, 'alarm_cleared', T0 + 20 * MIN)))).toEqual([
      'cleared builtin.gas.lel gas-b1-u1-0101 critical emergency.gas_leak',
    ]);
  });
});

describe('public facilities', () => {
  const cover = device('mh-road-07', 'manhole_cover', { building: undefined, unit: undefined });

  it('a manhole cover tilted 23.5° raises a critical alert after 3 s and clears only below 5°', () => {
    const rules = engine();
    expect(rules.observe(event(cover, 'tilted', T0))).toEqual([]); // example: 23.5°
    expect(rules.tick(T0 + 3 * S - 1)).toEqual([]);
    const [raised] = rules.tick(T0 + 3 * S);
    expect(summary(raised ? [raised] : [])).toEqual([
      'raised builtin.manhole.tilt mh-road-07 critical urban_management.manhole_cover',
    ]);
    expect(raised?.alert.message.en).toBe('Manhole cover mh-road-07 tilted 23.5°');
    expect(rules.observe(state(cover, { tilt: 10 }, T0 + 10 * S))).toEqual([]);
    expect(summary(rules.observe(state(cover, { tilt: 0.8, open: false }, T0 + 20 * S)))).toEqual([
      'cleared builtin.manhole.tilt mh-road-07 critical urban_management.manhole_cover',
    ]);
  });

  it('a manhole cover tilted for less than 3 s raises nothing', () => {
    const rules = engine();
    rules.observe(state(cover, { tilt: 40 }, T0));
    rules.observe(state(cover, { tilt: 1 }, T0 + 2 * S));
    expect(rules.tick(T0 + H)).toEqual([]);
  });

  it('a manhole cover opened raises a critical alert at once, cleared when it is back in place', () => {
    const rules = engine();
    expect(summary(rules.observe(event(cover, 'opened', T0)))).toEqual([
      'raised builtin.manhole.opened mh-road-07 critical urban_management.manhole_cover',
    ]);
    expect(summary(rules.observe(event(cover, 'closed', T0 + 3 * H)))).toEqual([
      'cleared builtin.manhole.opened mh-road-07 critical urban_management.manhole_cover',
    ]);
  });

  it('hydrant pressure of 95 kPa for 30 min raises a fire-water alert; it clears at 160 kPa, not just above 140', () => {
    const rules = engine();
    const hydrant = device('hp-b3-riser', 'hydrant_pressure');
    expect(rules.observe(state(hydrant, { pressure: 320, system: 'hydrant', battery: 95 }, T0))).toEqual([]);
    expect(rules.observe(event(hydrant, 'pressure_low', T0 + MIN))).toEqual([]); // example: 95 kPa
    expect(rules.tick(T0 + 31 * MIN - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 31 * MIN))).toEqual([
      'raised builtin.hydrant.pressure_low hp-b3-riser major safety.fire_water',
    ]);
    expect(rules.observe(state(hydrant, { pressure: 150 }, T0 + H))).toEqual([]);
    expect(summary(rules.observe(event(hydrant, 'pressure_restored', T0 + 2 * H)))).toEqual([
      'cleared builtin.hydrant.pressure_low hp-b3-riser major safety.fire_water',
    ]);
  });

  it('hydrant pressure that recovers within 30 min raises nothing', () => {
    const rules = engine();
    const hydrant = device('hp-b3-riser', 'hydrant_pressure');
    rules.observe(state(hydrant, { pressure: 95 }, T0));
    rules.observe(state(hydrant, { pressure: 300 }, T0 + 29 * MIN));
    expect(rules.tick(T0 + 2 * H)).toEqual([]);
  });
});

describe('fire lanes', () => {
  const cam = device('cam-lane-01', 'fire_lane_camera');

  it('an occupied fire lane raises a minor alert, re-announced every 5 min until the lane is clear', () => {
    const rules = engine();
    const [raised] = rules.observe(event(cam, 'occupied', T0));
    expect(summary(raised ? [raised] : [])).toEqual([
      'raised builtin.fire_lane.occupied cam-lane-01 minor safety.fire_lane',
    ]);
    expect(raised?.alert.message.zh).toBe('消防通道 lane-north 被占用');
    expect(rules.tick(T0 + 5 * MIN - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 5 * MIN))).toEqual([
      'repeated builtin.fire_lane.occupied cam-lane-01 minor safety.fire_lane',
    ]);
    expect(summary(rules.tick(T0 + 10 * MIN))).toEqual([
      'repeated builtin.fire_lane.occupied cam-lane-01 minor safety.fire_lane',
    ]);
    expect(summary(rules.observe(event(cam, 'cleared', T0 + 12 * MIN)))).toEqual([
      'cleared builtin.fire_lane.occupied cam-lane-01 minor safety.fire_lane',
    ]);
  });

  it('a vehicle in the fire lane for 30 min raises a major alert, cleared when the lane is empty', () => {
    const rules = engine();
    expect(rules.observe(state(cam, { occupied: true, vehicles: 1 }, T0))).toEqual([]);
    expect(rules.tick(T0 + 30 * MIN - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 30 * MIN))).toEqual([
      'raised builtin.fire_lane.occupied_long cam-lane-01 major safety.fire_lane',
    ]);
    expect(summary(rules.observe(state(cam, { occupied: false, vehicles: 0 }, T0 + 40 * MIN)))).toEqual([
      'cleared builtin.fire_lane.occupied_long cam-lane-01 major safety.fire_lane',
    ]);
  });

  it('a third fire-lane occupation within 24 h raises a major alert, cleared when the first ages out', () => {
    const rules = engine();
    const occupy = (at: number) => {
      const out = rules.observe(event(cam, 'occupied', at));
      rules.observe(event(cam, 'cleared', at + 15 * MIN));
      return summary(out);
    };
    expect(occupy(T0)).toEqual(['raised builtin.fire_lane.occupied cam-lane-01 minor safety.fire_lane']);
    expect(occupy(T0 + 8 * H)).toEqual(['raised builtin.fire_lane.occupied cam-lane-01 minor safety.fire_lane']);
    expect(occupy(T0 + 16 * H)).toEqual([
      'raised builtin.fire_lane.occupied cam-lane-01 minor safety.fire_lane',
      'raised builtin.fire_lane.repeated cam-lane-01 major safety.fire_lane',
    ]);
    expect(rules.tick(T0 + 24 * H - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 24 * H))).toEqual([
      'cleared builtin.fire_lane.repeated cam-lane-01 major safety.fire_lane',
    ]);
  });
});

describe('elevators and cameras', () => {
  const lift = device('elv-b3-u2-a', 'elevator', { floor: 1, room: 'car-a' });

  it('an e-bike in the elevator raises a minor alert and carries hold-door and voice commands for that same car', () => {
    const rules = engine();
    expect(summary(rules.observe(event(lift, 'ebike_detected', T0)))).toEqual([
      'raised builtin.elevator.ebike elv-b3-u2-a minor safety.ebike_elevator',
    ]);
    expect(ruleById('builtin.elevator.ebike').actions.map((action) => action.type === 'command' && action)).toEqual([
      {
        type: 'command',
        target: {},
        command: { door: 'hold_open', duration_s: 60 },
        rate_limit: { max: 1, per_s: 60 },
      },
      {
        type: 'command',
        target: {},
        command: { voice: 'ebike_warning' },
        rate_limit: { max: 1, per_s: 60 },
      },
    ]);
    expect(rules.tick(T0 + 5 * MIN - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 5 * MIN))).toEqual([
      'cleared builtin.elevator.ebike elv-b3-u2-a minor safety.ebike_elevator',
    ]);
  });

  it('a passenger trapped in an elevator raises a critical alert, cleared after 10 quiet minutes', () => {
    const rules = engine();
    expect(summary(rules.observe(event(lift, 'trapped', T0)))).toEqual([
      'raised builtin.elevator.trapped elv-b3-u2-a critical emergency.elevator_trapped',
    ]);
    expect(rules.tick(T0 + 10 * MIN - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 10 * MIN))).toEqual([
      'cleared builtin.elevator.trapped elv-b3-u2-a critical emergency.elevator_trapped',
    ]);
  });

  it('an object thrown from height raises a major alert carrying the clip for review', () => {
    const rules = engine();
    const cam = device('cam-ha-03', 'high_altitude_camera', { unit: undefined });
    const [raised, ...rest] = rules.observe(event(cam, 'throwing_detected', T0));
    expect(rest).toEqual([]);
    expect(raised?.alert).toMatchObject({
      rule_id: 'builtin.high_altitude.throwing',
      severity: 'major',
      category: 'safety.high_altitude_throwing',
      evidence: { clip_ref: 'media/cam-ha-03/clip-1.mp4', floor_estimate: 12, confidence: 0.81 },
    });
    expect(summary(rules.tick(T0 + 5 * MIN))).toEqual([
      'cleared builtin.high_altitude.throwing cam-ha-03 major safety.high_altitude_throwing',
    ]);
  });
});

describe('elderly residents living alone', () => {
  it('no water use for 12 h at a meter tagged elderly_alone raises a welfare alert; untagged meters never do', () => {
    const rules = engine();
    const meter = device('wm-b3-u2-0401', 'water_meter', { floor: 4, room: '0401' }, ['elderly_alone']);
    const plain = device('wm-b3-u2-0402', 'water_meter', { floor: 4, room: '0402' });
    rules.watch([meter, plain], T0);
    const reading = (d: DeviceRecord, at: number, litres: number) =>
      rules.observe(event(d, 'reading', at, { interval_volume: litres, interval_s: 3600 }));
    expect(reading(meter, T0 + 2 * H, 36.2)).toEqual([]); // example reading: used water
    for (let hour = 3; hour <= 13; hour++) {
      expect(reading(meter, T0 + hour * H, 0)).toEqual([]);
      expect(reading(plain, T0 + hour * H, 0)).toEqual([]);
    }
    expect(rules.tick(T0 + 14 * H - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 14 * H))).toEqual([
      'raised builtin.elderly.no_water wm-b3-u2-0401 major special_population.elderly_welfare',
    ]);
    expect(summary(reading(meter, T0 + 15 * H, 4.5))).toEqual([
      'cleared builtin.elderly.no_water wm-b3-u2-0401 major special_population.elderly_welfare',
    ]);
  });

  it('a door tagged elderly_alone not opened for 48 h raises a welfare alert, cleared when it opens', () => {
    const rules = engine();
    const door = device('dc-b3-u2-0401', 'door_contact', { floor: 4, room: '0401' }, ['elderly_alone']);
    rules.watch([door], T0);
    rules.observe(event(door, 'opened', T0 + 10 * H));
    rules.observe(event(door, 'closed', T0 + 10 * H + 7 * S));
    rules.observe(state(door, { contact: 'closed', battery: 80 }, T0 + 30 * H)); // alive, but not opened
    expect(rules.tick(T0 + 58 * H - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 58 * H))).toEqual([
      'raised builtin.elderly.door_not_opened dc-b3-u2-0401 major special_population.elderly_welfare',
    ]);
    expect(summary(rules.observe(event(door, 'opened', T0 + 59 * H)))).toEqual([
      'cleared builtin.elderly.door_not_opened dc-b3-u2-0401 major special_population.elderly_welfare',
    ]);
  });
});

describe('access control and perimeter', () => {
  const terminal = device('ac-b3-u2', 'access_control');

  it('a forced door raises a major alert at once, cleared after 5 quiet minutes', () => {
    const rules = engine();
    expect(summary(rules.observe(event(terminal, 'door_forced', T0)))).toEqual([
      'raised builtin.access.door_forced ac-b3-u2 major safety.access.door_forced',
    ]);
    expect(summary(rules.tick(T0 + 5 * MIN))).toEqual([
      'cleared builtin.access.door_forced ac-b3-u2 major safety.access.door_forced',
    ]);
  });

  it('a door held open 240 s raises a minor alert; 120 s does not', () => {
    const rules = engine();
    expect(rules.observe(event(terminal, 'door_held_open', T0, { duration_s: 120 }))).toEqual([]);
    const [raised, ...rest] = rules.observe(event(terminal, 'door_held_open', T0 + 2 * MIN)); // example: 240 s
    expect(rest).toEqual([]);
    expect(summary(raised ? [raised] : [])).toEqual([
      'raised builtin.access.door_held_open ac-b3-u2 minor safety.access.door_held_open',
    ]);
    expect(raised?.alert.message.zh).toBe('ac-b3-u2 门已开启 240 秒未关');
  });

  it('a perimeter intrusion raises a major alert between 22:00 and 06:00 local time only, cleared by the detector', () => {
    const rules = engine();
    const fence = device('pi-east-2', 'perimeter_intrusion', { building: undefined, unit: undefined });
    expect(rules.observe(event(fence, 'intrusion', T0))).toEqual([]); // 10:00
    expect(rules.observe(event(fence, 'cleared', T0 + MIN))).toEqual([]);
    const night = Date.parse('2026-11-25T15:30:00.000Z'); // 23:30
    expect(summary(rules.observe(event(fence, 'intrusion', night)))).toEqual([
      'raised builtin.perimeter.intrusion_after_hours pi-east-2 major safety.perimeter_intrusion',
    ]);
    expect(summary(rules.observe(event(fence, 'cleared', night + 2 * MIN)))).toEqual([
      'cleared builtin.perimeter.intrusion_after_hours pi-east-2 major safety.perimeter_intrusion',
    ]);
    const morning = Date.parse('2026-11-25T21:59:00.000Z'); // 05:59, still after hours
    expect(rules.observe(event(fence, 'intrusion', morning))).toHaveLength(1);
    rules.observe(event(fence, 'cleared', morning + 10 * S));
    expect(rules.observe(event(fence, 'intrusion', morning + MIN))).toEqual([]); // 06:00
  });
});

describe('emergency calls and leaks', () => {
  it('an emergency button press raises a critical alert, cleared when the call is cancelled', () => {
    const rules = engine();
    const button = device('eb-b3-u2-0401', 'emergency_button', { floor: 4, room: '0401' });
    expect(summary(rules.observe(event(button, 'pressed', T0)))).toEqual([
      'raised builtin.emergency_button.pressed eb-b3-u2-0401 critical special_population.emergency_call',
    ]);
    expect(summary(rules.observe(event(button, 'cancelled', T0 + MIN)))).toEqual([
      'cleared builtin.emergency_button.pressed eb-b3-u2-0401 critical special_population.emergency_call',
    ]);
  });

  it('a water leak raises a minor alert, cleared when the probe is dry', () => {
    const rules = engine();
    const probe = device('wl-pump-room', 'water_leak');
    expect(summary(rules.observe(event(probe, 'leak', T0)))).toEqual([
      'raised builtin.water_leak.leak wl-pump-room minor livelihood.water_leak',
    ]);
    expect(summary(rules.observe(event(probe, 'leak_cleared', T0 + H)))).toEqual([
      'cleared builtin.water_leak.leak wl-pump-room minor livelihood.water_leak',
    ]);
  });
});

describe('device maintenance (tickets, not grid incidents)', () => {
  it('a tamper event from any kind that has one raises a minor maintenance alert', () => {
    const kinds = ruleById('builtin.maintenance.tamper').selector.kinds ?? [];
    expect(kinds).toEqual([
      'smoke_detector',
      'water_leak',
      'water_meter',
      'hydrant_pressure',
      'door_contact',
      'perimeter_intrusion',
    ]);
    for (const kind of kinds) {
      const rules = engine();
      const d = device(`dev-${kind.replace(/_/g, '-')}`, kind);
      expect(summary(rules.observe(event(d, 'tamper', T0))), kind).toEqual([
        `raised builtin.maintenance.tamper ${d.id} minor device_maintenance.tamper`,
      ]);
      expect(summary(rules.tick(T0 + 5 * MIN)), kind).toEqual([
        `cleared builtin.maintenance.tamper ${d.id} minor device_maintenance.tamper`,
      ]);
    }
  });

  it('a camera covered or moved raises a minor maintenance alert; the end of the tamper does not', () => {
    const rules = engine();
    const cam = device('cam-gate-01', 'onvif_camera');
    expect(rules.observe(event(cam, 'tamper', T0, { state: false }))).toEqual([]);
    expect(summary(rules.observe(event(cam, 'tamper', T0 + S)))).toEqual([
      'raised builtin.maintenance.camera_tamper cam-gate-01 minor device_maintenance.tamper',
    ]);
  });

  it('a device fault raises a warning with its code, cleared after an hour without faults', () => {
    for (const kind of ruleById('builtin.maintenance.fault').selector.kinds ?? []) {
      const rules = engine();
      const d = device(`dev-${kind.replace(/_/g, '-')}`, kind);
      const [raised, ...rest] = rules.observe(event(d, 'fault', T0));
      expect(rest, kind).toEqual([]);
      expect(raised?.alert, kind).toMatchObject({
        rule_id: 'builtin.maintenance.fault',
        severity: 'warning',
        category: 'device_maintenance.fault',
      });
      expect(raised?.alert.message.en, kind).toMatch(/^Fault \S+ at dev-/);
      expect(summary(rules.tick(T0 + H)), kind).toHaveLength(1);
    }
  });

  it('a battery below 20 % for an hour raises an info maintenance alert, cleared at 30 % (a new battery)', () => {
    expect(ruleById('builtin.maintenance.low_battery').selector.kinds).toEqual(kindsWithNumericState('battery'));
    const rules = engine();
    const smoke = device('smoke-b3-u2-0401', 'smoke_detector');
    expect(rules.observe(state(smoke, { smoke: false, battery: 18 }, T0))).toEqual([]);
    expect(rules.tick(T0 + H - 1)).toEqual([]);
    const [raised] = rules.tick(T0 + H);
    expect(summary(raised ? [raised] : [])).toEqual([
      'raised builtin.maintenance.low_battery smoke-b3-u2-0401 info device_maintenance.low_battery',
    ]);
    expect(raised?.alert.message.zh).toBe('smoke-b3-u2-0401 电量 18%，请更换电池');
    expect(rules.observe(state(smoke, { battery: 25 }, T0 + 2 * H))).toEqual([]);
    expect(summary(rules.observe(state(smoke, { battery: 100 }, T0 + 3 * H)))).toEqual([
      'cleared builtin.maintenance.low_battery smoke-b3-u2-0401 info device_maintenance.low_battery',
    ]);
  });
});
