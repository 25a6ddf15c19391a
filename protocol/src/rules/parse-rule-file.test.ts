import { describe, expect, it } from 'vitest';
import { DeviceTag } from '../device-tag.js';
import { parseRuleFile } from './parse-rule-file.js';

const VALID = `version: 1
rules:
  - id: gas.lel
    name: { zh: 燃气浓度超限, en: Gas concentration high }
    selector: { kinds: [gas_detector] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: 20, clear: { op: '<', value: 10 } }
    severity: critical
    category: emergency.gas_leak
    message: { zh: '燃气浓度 {gas_lel} %LEL', en: 'Gas at {gas_lel} %LEL' }
    actions:
      - type: command
        target: { selector: { kinds: [gas_detector] }, same: room }
        command: { valve: close }
  - id: door.forced.after_hours
    name: { zh: 夜间门被强开, en: Door forced after hours }
    selector: { kinds: [access_control] }
    condition: { type: event, event: door_forced }
    schedule: { periods: [{ from: '22:00', to: '06:00' }] }
    severity: major
    category: safety.access.door_forced
    message: { zh: '{device_id} 门被强行打开', en: 'Door forced at {device_id}' }
  - id: fire_lane.repeated
    name: { zh: 消防通道多次占用, en: Fire lane blocked repeatedly }
    selector: { kinds: [fire_lane_camera] }
    condition: { type: count, event: occupied, at_least: 3, window_s: 86400 }
    severity: major
    category: safety.fire_lane
    message: { zh: 消防通道24小时内占用3次, en: Fire lane blocked 3 times in 24 h }
  - id: elderly.no_water
    name: { zh: 独居老人12小时未用水, en: No water use in 12 h }
    selector: { kinds: [water_meter], tags: [elderly_alone] }
    condition: { type: absence, event: reading, where: { interval_volume: { '>': 0 } }, within_s: 43200 }
    severity: major
    category: special_population.elderly_welfare
    message: { zh: '{device_id} 12小时未用水', en: 'No water use at {device_id} in 12 h' }
  - id: smoke.two_in_unit
    name: { zh: 同单元两个烟感报警, en: Two smoke alarms in one unit }
    selector: { kinds: [smoke_detector] }
    condition: { type: correlation, of: [{ event: alarm }], at_least: 2, within_s: 60, same: unit }
    severity: critical
    category: emergency.fire
    message: { zh: '{building}栋{unit}单元两个烟感报警', en: 'Two smoke alarms in building {building} unit {unit}' }
suppressions:
  - { from: '2026-11-26T01:00:00.000Z', to: '2026-11-26T03:00:00.000Z', reason: drill, rules: [smoke.two_in_unit] }
`;

describe('rule files', () => {
  it('accept every condition type, schedules, suppressions and actions, with defaults filled in', () => {
    const result = parseRuleFile(VALID);
    expect(result.ok ? 'ok' : result.errors).toBe('ok');
    if (!result.ok) return;
    expect(result.value.rules.map((rule) => rule.condition.type)).toEqual([
      'threshold',
      'event',
      'count',
      'absence',
      'correlation',
    ]);
    const gas = result.value.rules[0];
    expect(gas?.dedup_key).toBe('{rule_id}:{device_id}');
    expect(gas?.condition).toMatchObject({ for_s: 0 });
    expect(gas?.actions[0]).toMatchObject({ rate_limit: { max: 1, per_s: 60 } });
    expect(result.value.suppressions[0]?.reason).toBe('drill');
  });

  it('name the line, column and field of every problem at once', () => {
    const broken = VALID.replace('value: 20, clear', 'value: high, clear')
      .replace('event: occupied, at_least', 'event: parked, at_least')
      .replace(
        '    severity: major\n    category: safety.access.door_forced',
        '    severity: urgent\n    category: safety.access.door_forced',
      );
    const result = parseRuleFile(broken, 'community.yaml');
    expect(result.ok || result.errors).toEqual([
      'community.yaml:6:68: rules.0.condition.value: expected number, received string "high"',
      'community.yaml:19:15: rules.1.severity: expected one of "info", "warning", "minor", "major", "critical", received string "urgent"',
      'community.yaml:25:38: rules.2.condition.event: "parked" is not an event of fire_lane_camera (events: occupied, cleared)',
    ]);
  });

  it('name tags in the one device tag format the registry stores (a tag a device can have is one a rule can select)', () => {
    const result = parseRuleFile(VALID.replace('tags: [elderly_alone]', 'tags: [elderly_alone, pump-room]'));
    expect(result.ok || result.errors).toEqual([
      'rules.yaml:31:61: rules.3.selector.tags.1: expected a tag is 1-32 of a-z, 0-9 and "_", starting with a letter (e.g. elderly_alone), received string "pump-room"',
    ]);
    expect(DeviceTag.safeParse('pump_room').success).toBe(true);
    expect(
      ['pump-room', '1st_floor', '_x', 'Elderly', 'a'.repeat(33)].map((tag) => DeviceTag.safeParse(tag).success),
    ).toEqual([false, false, false, false, false]);
  });

  it('refuse two rules with one id', () => {
    const result = parseRuleFile(VALID.replace('id: elderly.no_water', 'id: gas.lel'));
    expect(result.ok || result.errors).toEqual([
      'rules.yaml:29:9: rules.3.id: duplicate rule id gas.lel (also rules.0)',
    ]);
  });

  it('refuse a numeric field that the selected kind does not have', () => {
    const rules = `version: 1
rules:
  - id: manhole.tilt
    name: { zh: 井盖倾斜, en: Cover tilted }
    selector: { kinds: [manhole_cover] }
    condition: { type: threshold, field: tilt_deg, op: '>', value: 15, for_s: 3 }
    severity: critical
    category: urban_management.manhole_cover
    message: { zh: 井盖倾斜, en: Cover tilted }
`;
    const result = parseRuleFile(rules);
    expect(result.ok || result.errors).toEqual([
      'rules.yaml:6:42: rules.0.condition.field: "tilt_deg" is not a numeric field of manhole_cover (numeric fields: tilt, water_level, battery, rssi)',
    ]);
  });

  it('report YAML syntax errors with their position', () => {
    const result = parseRuleFile('version: 1\nrules:\n  - id: [unclosed\n', 'bad.yaml');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]).toMatch(/^bad\.yaml:\d+:\d+: /);
  });

  it('refuse unknown fields, naming them', () => {
    const result = parseRuleFile('version: 1\nrules: []\nsuppresions: []\n');
    expect(result.ok || result.errors).toEqual(['rules.yaml:3:1: suppresions: unexpected field']);
  });
});
