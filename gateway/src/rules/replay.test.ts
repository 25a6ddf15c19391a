import { parseRuleFile, type RuleFile, toTimestamp } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { type ReplayResult, replayEvents } from './replay.js';
import { builtinRuleFile } from './templates.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const T0 = Date.parse('2026-11-25T06:52:18.646Z'); // 14:52:18 in Shanghai

function ruleFile(text: string): RuleFile {
  const parsed = parseRuleFile(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.value;
}
const BUILTIN = ruleFile(builtinRuleFile());

const place = { community: '320803001001', building: '1', unit: '1', floor: 1, room: '0101' };
const gas = { id: 'gas-b1-u1-0101', kind: 'gas_detector', place };

/** One JSONL line: a message as the gateway received it at `at`. */
function line(at: number, device: object, topic: string, payload: Record<string, unknown>): string {
  return JSON.stringify({ at: toTimestamp(at), device, topic, payload });
}
const ts = (at: number) => ({ ts: toTimestamp(at) });

const summary = (result: ReplayResult) =>
  result.transitions.map(
    ({ at, transition: t }) =>
      `${toTimestamp(at)} ${t.type === 'updated' && t.repeat ? 'repeated' : t.type} ${t.alert.rule_id} ${t.alert.device_id}`,
  );

describe('replayEvents', () => {
  it('feeds recorded messages in simulated time and returns raises and clears with their times', () => {
    const result = replayEvents(BUILTIN, [
      line(T0, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 0, gas_type: 'natural_gas', valve: 'open', battery: 100 }),
      line(T0 + 3 * S, gas, 'gridlink/gas-b1-u1-0101/event/alarm', { ...ts(T0 + 3 * S), gas_lel: 25 }),
      line(T0 + 4 * S, gas, 'gridlink/gas-b1-u1-0101/event/valve_closed', ts(T0 + 4 * S)),
      line(T0 + 20 * MIN, gas, 'gridlink/gas-b1-u1-0101/event/alarm_cleared', { ...ts(T0 + 20 * MIN), gas_lel: 3 }),
    ]);
    expect(result.problems).toEqual([]);
    expect(summary(result)).toEqual([
      '2026-11-25T06:52:21.646Z raised builtin.gas.lel gas-b1-u1-0101',
      '2026-11-25T07:12:18.646Z cleared builtin.gas.lel gas-b1-u1-0101',
    ]);
    expect(result.transitions.map((t) => t.line)).toEqual([2, 4]);
    expect(result.transitions[0]?.transition.alert.alert_id).toBe('replay-1');
    expect(result).toMatchObject({ replayed: 4, afterUntil: 0, end: T0 + 20 * MIN, active: [] });
  });

  it('raises a duration rule at the exact deadline between records, not at the next record', () => {
    const cover = { id: 'mh-road-07', kind: 'manhole_cover', place: { community: '320803001001' } };
    const result = replayEvents(BUILTIN, [
      line(T0, cover, 'gridlink/mh-road-07/event/tilted', { ...ts(T0), tilt: 23.5 }),
      line(T0 + 10 * MIN, cover, 'gridlink/mh-road-07', { tilt: 0.8, open: false }),
    ]);
    expect(summary(result)).toEqual([
      '2026-11-25T06:52:21.646Z raised builtin.manhole.tilt mh-road-07',
      '2026-11-25T07:02:18.646Z cleared builtin.manhole.tilt mh-road-07',
    ]);
  });

  it('fires absences inside long gaps and runs on to --until', () => {
    const meter = { id: 'wm-b3-u2-0401', kind: 'water_meter', place, tags: ['elderly_alone'] };
    const reading = (at: number, litres: number) =>
      line(at, meter, 'gridlink/wm-b3-u2-0401/event/reading', {
        ...ts(at),
        total_volume: 1000,
        interval_volume: litres,
        interval_s: 3600,
      });
    const result = replayEvents(BUILTIN, [reading(T0, 12), reading(T0 + H, 0)], { until: T0 + 24 * H });
    expect(summary(result)).toEqual(['2026-11-25T18:52:18.646Z raised builtin.elderly.no_water wm-b3-u2-0401']);
    expect(result.end).toBe(T0 + 24 * H);
    expect(result.active.map((alert) => alert.rule_id)).toEqual(['builtin.elderly.no_water']);
  });

  it('re-announces on repeat_every_s and raises when a schedule starts or a suppression ends', () => {
    const rules = ruleFile(`version: 1
rules:
  - id: gas.night
    name: { zh: 夜间燃气, en: Gas at night }
    selector: { kinds: [gas_detector] }
    condition: { type: threshold, field: gas_lel, op: '>=', value: 20 }
    schedule: { periods: [{ from: '22:00', to: '06:00' }] }
    severity: major
    category: emergency.gas_leak
    repeat_every_s: 600
    message: { zh: 燃气, en: Gas }
suppressions:
  - { from: '2026-11-25T13:00:00.000Z', to: '2026-11-25T14:10:30.000Z', reason: drill }
`);
    const evening = Date.parse('2026-11-25T13:58:30.000Z'); // 21:58:30 local
    const result = replayEvents(rules, [line(evening, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 30 })], {
      until: Date.parse('2026-11-25T14:30:00.000Z'),
    });
    expect(summary(result)).toEqual([
      '2026-11-25T14:10:30.000Z raised gas.night gas-b1-u1-0101', // 22:00 local, but the drill ran until 22:10:30
      '2026-11-25T14:20:30.000Z repeated gas.night gas-b1-u1-0101',
    ]);

    const noDrill = replayEvents({ ...rules, suppressions: [] }, [
      line(evening, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 30 }),
    ]);
    expect(summary(noDrill)).toEqual([]); // the replay ends at the last record, 21:58:30
    const untilTen = replayEvents(
      { ...rules, suppressions: [] },
      [line(evening, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 30 })],
      {
        until: Date.parse('2026-11-25T14:05:00.000Z'),
      },
    );
    expect(summary(untilTen)).toEqual(['2026-11-25T14:00:00.000Z raised gas.night gas-b1-u1-0101']);
  });

  it('reports bad lines by number and feeds the rest', () => {
    const result = replayEvents(BUILTIN, [
      line(T0, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 0 }),
      '{"at": "yesterday"',
      JSON.stringify({ at: 'yesterday', device: { id: 'gas-1', kind: 'gas_meter' }, topic: 'x', payload: {} }),
      line(T0 + S, gas, 'gridlink/gas-b1-u1-0101/event/alarm', { ...ts(T0 + S), gas_lel: 'high' }),
      line(T0 + 2 * S, gas, 'gridlink/gas-b1-u1-0102/event/alarm', { ...ts(T0 + 2 * S), gas_lel: 30 }),
      line(T0 - S, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 0 }),
      line(T0 + 3 * S, { ...gas, kind: 'smoke_detector' }, 'gridlink/gas-b1-u1-0101/event/alarm', ts(T0 + 3 * S)),
      '',
      line(T0 + 4 * S, gas, 'gridlink/gas-b1-u1-0101/event/alarm', { ...ts(T0 + 4 * S), gas_lel: 30 }),
    ]);
    expect(result.problems).toEqual([
      { line: 2, message: expect.stringMatching(/^invalid JSON \(/) },
      {
        line: 3,
        message:
          'at: expected an ISO-8601 UTC timestamp like 2026-11-25T14:52:18.646Z, received string "yesterday"; device.kind: expected one of "smoke_detector", "gas_detector", "water_leak", "water_meter", "temp_humidity", "manhole_cover", "hydrant_pressure", "door_contact", "emergency_button", "elevator", "fire_lane_camera", "high_altitude_camera", "perimeter_intrusion", "barrier_gate", "access_control", "onvif_camera", "gateway", received string "gas_meter"',
      },
      { line: 4, message: 'gridlink/gas-b1-u1-0101/event/alarm: gas_lel: expected number, received string "high"' },
      {
        line: 5,
        message:
          "gridlink/gas-b1-u1-0102/event/alarm: the topic names device gas-b1-u1-0102, the record's device is gas-b1-u1-0101",
      },
      {
        line: 6,
        message:
          'at 2026-11-25T06:52:17.646Z is earlier than line 1 (2026-11-25T06:52:18.646Z): records must be in time order',
      },
      { line: 7, message: 'device gas-b1-u1-0101 is smoke_detector here but gas_detector on line 1' },
    ]);
    expect(summary(result)).toEqual(['2026-11-25T06:52:22.646Z raised builtin.gas.lel gas-b1-u1-0101']);
    expect(result.replayed).toBe(2);
  });

  it('does not replay records after --until', () => {
    const result = replayEvents(
      BUILTIN,
      [
        line(T0, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 0 }),
        line(T0 + H, gas, 'gridlink/gas-b1-u1-0101', { gas_lel: 30 }),
      ],
      { until: T0 + MIN },
    );
    expect(result).toMatchObject({ replayed: 1, afterUntil: 1, end: T0 + MIN, transitions: [] });
  });

  it('replays a week of a quiet device with every built-in rule in well under a second', () => {
    const door = { id: 'dc-b3-u2-0401', kind: 'door_contact', place, tags: ['elderly_alone'] };
    const lines = [line(T0, door, 'gridlink/dc-b3-u2-0401/event/opened', ts(T0))];
    const started = performance.now();
    const result = replayEvents(BUILTIN, lines, { until: T0 + 7 * 24 * H });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(summary(result)).toEqual(['2026-11-27T06:52:18.646Z raised builtin.elderly.door_not_opened dc-b3-u2-0401']);
  });
});
