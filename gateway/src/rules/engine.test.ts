import { parseRuleFile, type Rule } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../devices/directory.js';
import type { Observation } from './conditions.js';
import { type AlertTransition, RuleEngine } from './engine.js';

const H = 3_600_000;
const T0 = Date.parse('2026-11-25T02:00:00.000Z'); // 10:00 in Shanghai, a Wednesday

function parseRules(yaml: string): Rule[] {
  const result = parseRuleFile(`version: 1\nrules:\n${yaml}`);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.value.rules;
}

const rule = (id: string, kind: string, condition: string, extra = '') =>
  `  - id: ${id}
    name: { zh: 测试, en: Test }
    selector: { kinds: [${kind}] }
    condition: ${condition}
    severity: major
    category: other
    message: { zh: '{device_id} 告警', en: 'Alert at {device_id}' }
${extra}`;

const device = (id: string, kind: DeviceRecord['kind'], place: DeviceRecord['place'] = undefined): DeviceRecord => ({
  id,
  kind,
  status: 'active',
  passwordHash: '',
  ...(place ? { place } : {}),
});

function engine(yaml: string) {
  let n = 0;
  return new RuleEngine({ rules: parseRules(yaml), newAlertId: () => `al-${++n}` });
}

const state = (d: DeviceRecord, fields: Record<string, unknown>, at: number): Observation => ({
  device: d,
  kind: 'state',
  fields,
  at,
});
const event = (d: DeviceRecord, eventType: string, fields: Record<string, unknown>, at: number): Observation => ({
  device: d,
  kind: 'event',
  eventType,
  fields,
  at,
});
const summary = (transitions: AlertTransition[]) =>
  transitions.map((t) => `${t.type}:${t.alert.alert_id}:${t.alert.device_id}:${t.alert.occurrences}`);

describe('threshold with duration and hysteresis', () => {
  const mh = device('mh-1', 'manhole_cover');
  const e = () =>
    engine(
      rule(
        'manhole.tilt',
        'manhole_cover',
        "{ type: threshold, field: tilt, op: '>', value: 15, for_s: 3, clear: { op: '<', value: 5 } }",
      ),
    );

  it('raises only after the value has held for the duration', () => {
    const rules = e();
    expect(rules.observe(state(mh, { tilt: 20 }, T0))).toEqual([]);
    expect(rules.tick(T0 + 2999)).toEqual([]);
    expect(summary(rules.tick(T0 + 3000))).toEqual(['raised:al-1:mh-1:1']);
  });

  it('forgets a spike shorter than the duration', () => {
    const rules = e();
    rules.observe(state(mh, { tilt: 20 }, T0));
    rules.observe(state(mh, { tilt: 2 }, T0 + 1000));
    expect(rules.tick(T0 + 10_000)).toEqual([]);
  });

  it('clears only below the lower bound, not when it dips under the raise value', () => {
    const rules = e();
    rules.observe(state(mh, { tilt: 20 }, T0));
    rules.tick(T0 + 3000);
    expect(rules.observe(state(mh, { tilt: 10 }, T0 + 4000))).toEqual([]);
    expect(summary(rules.observe(state(mh, { tilt: 4 }, T0 + 5000)))).toEqual(['cleared:al-1:mh-1:1']);
  });

  it('raises at once with for_s 0 (gas >= 20 %LEL)', () => {
    const rules = engine(rule('gas.lel', 'gas_detector', "{ type: threshold, field: gas_lel, op: '>=', value: 20 }"));
    expect(summary(rules.observe(event(device('gas-1', 'gas_detector'), 'alarm', { gas_lel: 25 }, T0)))).toEqual([
      'raised:al-1:gas-1:1',
    ]);
  });
});

describe('event match', () => {
  const ac = device('ac-1', 'access_control');

  it('raises on the event, counts repeats as occurrences of the same alert, clears when quiet', () => {
    const rules = engine(
      rule('door.forced', 'access_control', '{ type: event, event: door_forced, clear_after_s: 600 }'),
    );
    expect(summary(rules.observe(event(ac, 'door_forced', {}, T0)))).toEqual(['raised:al-1:ac-1:1']);
    expect(summary(rules.observe(event(ac, 'door_forced', {}, T0 + 60_000)))).toEqual(['updated:al-1:ac-1:2']);
    expect(rules.tick(T0 + 60_000 + 599_000)).toEqual([]);
    expect(summary(rules.tick(T0 + 60_000 + 600_000))).toEqual(['cleared:al-1:ac-1:2']);
  });

  it('filters on fields and clears on the clearing event', () => {
    const rules = engine(
      rule(
        'smoke.alarm',
        'smoke_detector',
        '{ type: event, event: alarm, where: { smoke_density: { ">=": 0.2 } }, clear_event: alarm_cleared }',
      ),
    );
    const smoke = device('smoke-1', 'smoke_detector');
    expect(rules.observe(event(smoke, 'alarm', { smoke_density: 0.1 }, T0))).toEqual([]);
    expect(summary(rules.observe(event(smoke, 'alarm', { smoke_density: 0.3 }, T0 + 1)))).toEqual([
      'raised:al-1:smoke-1:1',
    ]);
    expect(rules.tick(T0 + 24 * H)).toEqual([]); // only the clearing event clears it
    expect(summary(rules.observe(event(smoke, 'alarm_cleared', {}, T0 + 25 * H)))).toEqual(['cleared:al-1:smoke-1:1']);
  });
});

describe('count in a sliding window', () => {
  it('raises at the third fire-lane occupation within 24 h and clears when they age out', () => {
    const rules = engine(
      rule('lane.repeat', 'fire_lane_camera', '{ type: count, event: occupied, at_least: 3, window_s: 86400 }'),
    );
    const cam = device('cam-lane-1', 'fire_lane_camera');
    const occupied = (at: number) => rules.observe(event(cam, 'occupied', { zone: 'north', confidence: 0.9 }, at));
    expect(occupied(T0)).toEqual([]);
    expect(occupied(T0 + 10 * H)).toEqual([]);
    expect(summary(occupied(T0 + 20 * H))).toEqual(['raised:al-1:cam-lane-1:1']);
    expect(summary(rules.tick(T0 + 24 * H + 1))).toEqual(['cleared:al-1:cam-lane-1:1']);
  });
});

describe('absence', () => {
  const wm = device('wm-1', 'water_meter');
  const noWater = rule(
    'elderly.no_water',
    'water_meter',
    "{ type: absence, event: reading, where: { interval_volume: { '>': 0 } }, within_s: 43200 }",
  );

  it('raises when nothing matching arrives for 12 h, even from a device that never spoke', () => {
    const rules = engine(noWater);
    rules.watch([wm], T0);
    rules.observe(event(wm, 'reading', { total_volume: 10, interval_volume: 0, interval_s: 3600 }, T0 + H)); // no use
    expect(rules.tick(T0 + 12 * H - 1)).toEqual([]);
    expect(summary(rules.tick(T0 + 12 * H))).toEqual(['raised:al-1:wm-1:1']);
    expect(
      summary(
        rules.observe(event(wm, 'reading', { total_volume: 12, interval_volume: 2, interval_s: 3600 }, T0 + 13 * H)),
      ),
    ).toEqual(['cleared:al-1:wm-1:1']);
  });

  it("does not take a device's own offline message as a sign of life", () => {
    const rules = engine(rule('silent', 'water_meter', '{ type: absence, within_s: 3600 }'));
    rules.watch([wm], T0);
    rules.observe({ device: wm, kind: 'availability', fields: { state: 'offline' }, at: T0 + 30 * 60_000 });
    expect(summary(rules.tick(T0 + H))).toEqual(['raised:al-1:wm-1:1']);
  });

  it('survives a restart: 11 hours in, it fires one hour after the restart, not twelve', () => {
    const before = engine(noWater);
    before.watch([wm], T0);
    before.tick(T0 + 11 * H);
    const saved = JSON.parse(JSON.stringify(before.snapshot()));

    const after = engine(noWater);
    after.restore(saved);
    after.watch([wm], T0 + 11 * H + 5 * 60_000); // the restarted gateway watches its devices again
    expect(after.tick(T0 + 12 * H - 1)).toEqual([]);
    expect(summary(after.tick(T0 + 12 * H))).toEqual(['raised:al-1:wm-1:1']);
  });
});

describe('devices whose records change', () => {
  const tagged = (id: string, tags: string[] = ['elderly_alone']): DeviceRecord => ({
    id,
    kind: 'water_meter',
    status: 'active',
    passwordHash: '$scrypt$n=16384,r=8,p=1$c2FsdA$aGFzaA',
    tags,
  });
  const noWater = `  - id: elderly.no_water
    name: { zh: 12小时未用水, en: No water use in 12 h }
    selector: { kinds: [water_meter], tags: [elderly_alone] }
    condition: { type: absence, event: reading, where: { interval_volume: { '>': 0 } }, within_s: 43200 }
    severity: major
    category: special_population.elderly_welfare
    message: { zh: '{device_id} 12小时未用水', en: 'No water use at {device_id} in 12 h' }
`;
  const cleared = (transitions: AlertTransition[]) =>
    transitions.map((t) => `${t.type}:${t.alert.device_id}:${t.type === 'cleared' ? t.reason : ''}`);

  it('an untagged device stops being watched: its alert clears as device_deselected and no new one is raised', () => {
    const rules = engine(noWater);
    rules.watch([tagged('wm-1'), tagged('wm-2')], T0);
    expect(summary(rules.tick(T0 + 12 * H))).toEqual(['raised:al-1:wm-1:1', 'raised:al-2:wm-2:1']);
    const registry = new Map([
      ['wm-1', tagged('wm-1', [])],
      ['wm-2', tagged('wm-2')],
    ]);
    expect(cleared(rules.reconcile((id) => registry.get(id), T0 + 13 * H))).toEqual(['cleared:wm-1:device_deselected']);
    expect(rules.active().map((alert) => alert.device_id)).toEqual(['wm-2']);
    expect(rules.snapshot().instances.map((instance) => instance.device.id)).toEqual(['wm-2']);
    expect(rules.tick(T0 + 40 * H).filter((t) => t.alert.device_id === 'wm-1')).toEqual([]);
  });

  it('a retired (or vanished) device stops being watched: its alert clears as device_retired', () => {
    const rules = engine(noWater);
    rules.watch([tagged('wm-1'), tagged('wm-2')], T0);
    rules.tick(T0 + 12 * H);
    const retired = { ...tagged('wm-1'), status: 'retired' as const };
    expect(cleared(rules.reconcile((id) => (id === 'wm-1' ? retired : undefined), T0 + 13 * H))).toEqual([
      'cleared:wm-1:device_retired',
      'cleared:wm-2:device_retired',
    ]);
    expect(rules.active()).toEqual([]);
    expect(rules.snapshot().instances).toEqual([]);
  });

  it('a device still selected keeps its timer and takes its current place; reconcile can look at one device only', () => {
    const rules = engine(noWater);
    rules.watch([tagged('wm-1'), tagged('wm-2')], T0);
    const moved = { ...tagged('wm-1'), place: { community: '320803001001', building: '2' } };
    expect(rules.reconcile(() => undefined, T0 + H, 'wm-1')).toEqual([]); // wm-1 had no alert yet
    expect(rules.snapshot().instances.map((instance) => instance.device.id)).toEqual(['wm-2']);
    rules.watch([moved], T0 + H);
    expect(rules.reconcile((id) => (id === 'wm-1' ? moved : tagged(id)), T0 + 2 * H)).toEqual([]);
    expect(summary(rules.tick(T0 + 12 * H))).toEqual(['raised:al-1:wm-2:1']);
    const [raised] = rules.tick(T0 + 13 * H);
    expect(raised?.alert).toMatchObject({ device_id: 'wm-1', place: { building: '2' } });
  });

  it('a message whose device record no longer matches clears the alert as device_deselected', () => {
    const rules = engine(noWater);
    rules.watch([tagged('wm-1')], T0);
    rules.tick(T0 + 12 * H);
    const reading = { total_volume: 12, interval_volume: 0, interval_s: 3600 };
    expect(cleared(rules.observe(event(tagged('wm-1', ['pump_room']), 'reading', reading, T0 + 13 * H)))).toEqual([
      'cleared:wm-1:device_deselected',
    ]);
    expect(rules.snapshot().instances).toEqual([]);
  });

  it('keeps only id, kind, place and tags of a device in its state: a snapshot holds no password hash', () => {
    const rules = engine(noWater);
    const meter = { ...tagged('wm-1'), notes: 'key with the neighbour', place: { community: '320803001001' } };
    rules.watch([meter], T0);
    const snapshot = rules.snapshot();
    expect(snapshot.instances.map((instance) => instance.device)).toEqual([
      { id: 'wm-1', kind: 'water_meter', place: { community: '320803001001' }, tags: ['elderly_alone'] },
    ]);
    expect(JSON.stringify(snapshot)).not.toContain('scrypt');

    // A snapshot saved by an older gateway held whole records: restoring trims them.
    const old = { instances: snapshot.instances.map((instance) => ({ ...instance, device: meter })) };
    const after = engine(noWater);
    after.restore(old);
    expect(JSON.stringify(after.snapshot())).not.toMatch(/scrypt|passwordHash|neighbour/);
  });
});

describe('correlation across devices in one place', () => {
  const place = (unit: string) => ({ community: '320803001001', building: '3', unit });
  const smoke = (id: string, unit = '2') => device(id, 'smoke_detector', place(unit));
  const twoInUnit = rule(
    'smoke.two',
    'smoke_detector',
    '{ type: correlation, of: [{ event: alarm }], at_least: 2, within_s: 60, same: unit }',
  );

  it('raises when two detectors of one unit alarm within 60 s', () => {
    const rules = engine(twoInUnit);
    expect(rules.observe(event(smoke('s1'), 'alarm', {}, T0))).toEqual([]);
    expect(rules.observe(event(smoke('s3', '1'), 'alarm', {}, T0 + 10_000))).toEqual([]); // another unit
    expect(rules.observe(event(smoke('s1'), 'alarm', {}, T0 + 20_000))).toEqual([]); // the same detector again
    expect(summary(rules.observe(event(smoke('s2'), 'alarm', {}, T0 + 30_000)))).toEqual(['raised:al-1:s2:1']);
  });

  it('does not correlate alarms further apart than the window', () => {
    const rules = engine(twoInUnit);
    rules.observe(event(smoke('s1'), 'alarm', {}, T0));
    expect(rules.observe(event(smoke('s2'), 'alarm', {}, T0 + 61_000))).toEqual([]);
  });

  it('correlates different kinds: smoke plus a camera in the same unit', () => {
    const rules = engine(
      rule(
        'smoke.camera',
        'smoke_detector',
        '{ type: correlation, of: [{ event: alarm }, { selector: { kinds: [onvif_camera] }, event: motion }], within_s: 60, same: unit }',
      ),
    );
    expect(rules.observe(event(smoke('s1'), 'alarm', {}, T0))).toEqual([]);
    const cam = device('cam-1', 'onvif_camera', place('2'));
    expect(summary(rules.observe(event(cam, 'motion', { is_motion: true }, T0 + 5000)))).toEqual([
      'raised:al-1:cam-1:1',
    ]);
  });
});

describe('schedules and suppression windows', () => {
  const ac = device('ac-1', 'access_control');
  const afterHours = rule(
    'door.night',
    'access_control',
    '{ type: event, event: door_forced }',
    "    schedule: { periods: [{ from: '22:00', to: '06:00' }] }\n",
  );

  it('raises only inside the schedule (after hours in local time, across midnight)', () => {
    const rules = engine(afterHours);
    expect(rules.observe(event(ac, 'door_forced', {}, T0))).toEqual([]); // 10:00 local
    const night = Date.parse('2026-11-25T15:30:00.000Z'); // 23:30 local
    expect(summary(rules.observe(event(ac, 'door_forced', {}, night)))).toEqual(['raised:al-1:ac-1:1']);
    const early = new RuleEngine({ rules: parseRules(afterHours), newAlertId: () => 'al-x' });
    expect(early.observe(event(ac, 'door_forced', {}, Date.parse('2026-11-25T21:30:00.000Z')))).toHaveLength(1); // 05:30 local
  });

  it('ignores events outside the schedule: a daytime door_forced does not raise when the night begins', () => {
    const rules = engine(
      afterHours.replace(
        '{ type: event, event: door_forced }',
        '{ type: event, event: door_forced, clear_event: door_forced }',
      ),
    );
    expect(rules.observe(event(ac, 'door_forced', {}, T0))).toEqual([]); // 10:00 local
    expect(rules.tick(Date.parse('2026-11-25T14:00:01.000Z'))).toEqual([]); // 22:00:01 local
  });

  it('raises nothing during a drill, and raises after it if the condition still holds', () => {
    const [parsed] = parseRules(
      rule('gas.lel', 'gas_detector', "{ type: threshold, field: gas_lel, op: '>=', value: 20 }"),
    );
    const rulesEngine = new RuleEngine({
      rules: parsed ? [parsed] : [],
      suppressions: [{ from: new Date(T0).toISOString(), to: new Date(T0 + H).toISOString(), reason: 'drill' }],
      newAlertId: () => 'al-1',
    });
    const gas = device('gas-1', 'gas_detector');
    expect(rulesEngine.observe(state(gas, { gas_lel: 30 }, T0 + 1000))).toEqual([]);
    expect(summary(rulesEngine.tick(T0 + H))).toEqual(['raised:al-1:gas-1:1']);
  });
});

describe('alerts', () => {
  it('carry severity, category, place and a rendered message, and re-announce on repeat_every_s', () => {
    const rules = engine(
      rule(
        'lane.block',
        'fire_lane_camera',
        '{ type: event, event: occupied, clear_event: cleared }',
        '    repeat_every_s: 300\n',
      ),
    );
    const cam = device('cam-lane-1', 'fire_lane_camera', { community: '320803001001', building: '3' });
    const [raised] = rules.observe(event(cam, 'occupied', { zone: 'north', confidence: 0.9 }, T0));
    expect(raised?.alert).toMatchObject({
      alert_id: 'al-1',
      rule_id: 'lane.block',
      severity: 'major',
      category: 'other',
      place: { community: '320803001001', building: '3' },
      message: { zh: 'cam-lane-1 告警', en: 'Alert at cam-lane-1' },
      since: '2026-11-25T02:00:00.000Z',
      evidence: { zone: 'north', confidence: 0.9 },
    });
    expect(rules.tick(T0 + 299_000)).toEqual([]);
    expect(rules.tick(T0 + 300_000).map((t) => t.type === 'updated' && t.repeat)).toEqual([true]);
    expect(rules.active().map((a) => a.alert_id)).toEqual(['al-1']);
  });
});

describe('the device kinds the rules concern', () => {
  it('a kind no rule selects, directly or in a correlation, needs no observation', () => {
    const rules = engine(
      rule('gas.high', 'gas_detector', "{ type: threshold, field: gas_lel, op: '>=', value: 20 }") +
        rule(
          'smoke.camera',
          'smoke_detector',
          '{ type: correlation, of: [{ event: alarm }, { selector: { kinds: [onvif_camera] }, event: motion }], within_s: 60, same: unit }',
        ),
    );
    expect(['gas_detector', 'smoke_detector', 'onvif_camera', 'temp_humidity'].map((k) => rules.concerns(k))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(new RuleEngine({ rules: [], newAlertId: () => 'al-1' }).concerns('gas_detector')).toBe(false);
  });
});

describe('changes reported for saving', () => {
  const tilt = rule(
    'manhole.tilt',
    'manhole_cover',
    "{ type: threshold, field: tilt, op: '>', value: 15, for_s: 3, clear: { op: '<', value: 5 } }",
  );
  const keys = (rules: RuleEngine) => {
    const { touched, dropped } = rules.takeChanges();
    return { touched: touched.map((i) => i.key).sort(), dropped };
  };

  it('reports the instances a message changed, waiting on time, raised or dropped — never the idle ones a tick passes over, nor a reading that changes nothing', () => {
    const rules = engine(tilt);
    const covers = Array.from({ length: 5 }, (_, n) => device(`mh-${n}`, 'manhole_cover'));
    for (const cover of covers) rules.observe(state(cover, { tilt: 1 }, T0));
    expect(keys(rules).touched).toHaveLength(5);

    // Idle covers: a second of time, or the same reading again, changes nothing to save.
    rules.tick(T0 + 1000);
    rules.observe(state(covers[0] as DeviceRecord, { tilt: 1 }, T0 + 1000));
    expect(keys(rules)).toEqual({ touched: [], dropped: [] });
    rules.observe(state(covers[0] as DeviceRecord, { tilt: 2 }, T0 + 1500));
    expect(keys(rules).touched).toEqual(['manhole.tilt|mh-0']);

    // One tilts: observed, then waiting on its duration at each tick, then raised.
    rules.observe(state(covers[2] as DeviceRecord, { tilt: 20 }, T0 + 2000));
    expect(keys(rules).touched).toEqual(['manhole.tilt|mh-2']);
    expect(rules.tick(T0 + 3000)).toEqual([]);
    expect(keys(rules).touched).toEqual(['manhole.tilt|mh-2']);
    expect(summary(rules.tick(T0 + 5000))).toEqual(['raised:al-1:mh-2:1']);
    expect(keys(rules).touched).toEqual(['manhole.tilt|mh-2']);

    // Retired: its instance is dropped, reported by key.
    rules.reconcile((id) => (id === 'mh-2' ? undefined : covers.find((c) => c.id === id)), T0 + 6000, 'mh-2');
    expect(keys(rules)).toEqual({ touched: [], dropped: ['manhole.tilt|mh-2'] });
  });
});
