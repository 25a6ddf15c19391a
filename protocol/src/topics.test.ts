import { describe, expect, it } from 'vitest';
import { createTopics, parseTopic } from './topics.js';

const topics = createTopics();
const reason = (topic: string) => {
  const result = parseTopic(topic);
  return result.ok ? result.value : result.error.message;
};

describe('building topics', () => {
  it('spells every topic of the conventions', () => {
    expect(topics.deviceState('smoke-b3-u2-0401')).toBe('gridlink/smoke-b3-u2-0401');
    expect(topics.deviceAvailability('cam-gate-01')).toBe('gridlink/cam-gate-01/availability');
    expect(topics.deviceEvent('ac-b3-u2', 'door_forced')).toBe('gridlink/ac-b3-u2/event/door_forced');
    expect(topics.deviceSet('ac-b3-u2')).toBe('gridlink/ac-b3-u2/set');
    expect(topics.alert('smoke.alarm', 'smoke-1')).toBe('gridlink/alert/smoke.alarm/smoke-1');
    expect(topics.bridgeState).toBe('gridlink/bridge/state');
    expect(topics.bridgeRequest('device/add')).toBe('gridlink/bridge/request/device/add');
    expect(topics.bridgeDeadLetter('th-1')).toBe('gridlink/bridge/dead_letter/th-1');
  });

  it('uses a configured base topic', () => {
    expect(createTopics('t-abc123/gridlink').deviceState('x1')).toBe('t-abc123/gridlink/x1');
  });

  it('refuses to build a topic from a bad id or base', () => {
    expect(() => topics.deviceState('Smoke 1')).toThrow(
      'device id "Smoke 1" is invalid: a device id is 1-63 of a-z, 0-9 and "-", starting with a letter or digit',
    );
    expect(() => topics.deviceState('bridge')).toThrow(
      '"bridge" and "alert" are reserved topic levels, not device ids',
    );
    expect(() => topics.deviceEvent('x1', 'Door-Forced')).toThrow('event type "Door-Forced" is not snake_case');
    expect(() => createTopics('grid/+')).toThrow('base topic "grid/+" is invalid');
  });
});

describe('parsing topics', () => {
  it('recognises every device and bridge topic', () => {
    expect(reason('gridlink/smoke-1')).toEqual({ kind: 'device_state', deviceId: 'smoke-1' });
    expect(reason('gridlink/smoke-1/availability')).toEqual({ kind: 'device_availability', deviceId: 'smoke-1' });
    expect(reason('gridlink/smoke-1/event/alarm')).toEqual({
      kind: 'device_event',
      deviceId: 'smoke-1',
      eventType: 'alarm',
    });
    expect(reason('gridlink/smoke-1/set')).toEqual({ kind: 'device_set', deviceId: 'smoke-1' });
    expect(reason('gridlink/alert/gas.lel/gas-1')).toEqual({ kind: 'alert', ruleId: 'gas.lel', deviceId: 'gas-1' });
    expect(reason('gridlink/bridge/health')).toEqual({ kind: 'bridge_health' });
    expect(reason('gridlink/bridge/request/device/retire')).toEqual({
      kind: 'bridge_request',
      command: 'device/retire',
    });
    expect(reason('gridlink/bridge/dead_letter/th-1')).toEqual({ kind: 'bridge_dead_letter', deviceId: 'th-1' });
  });

  it('round-trips what the builders make', () => {
    for (const topic of [
      topics.deviceEvent('a-1', 'x'),
      topics.alert('r', 'a-1'),
      topics.bridgeResponse('rules/list'),
    ]) {
      expect(parseTopic(topic).ok).toBe(true);
    }
  });

  it('refuses wildcards, $ topics, other bases and empty levels', () => {
    expect(reason('gridlink/+/event/alarm')).toBe(
      'topic "gridlink/+/event/alarm": topic: expected a topic without wildcards, received a wildcard',
    );
    expect(reason('gridlink/smoke-1/#')).toBe(
      'topic "gridlink/smoke-1/#": topic: expected a topic without wildcards, received a wildcard',
    );
    expect(reason('$SYS/broker/uptime')).toBe(
      'topic "$SYS/broker/uptime": topic: expected a topic under gridlink/, received a "$" system topic',
    );
    expect(reason('zigbee2mqtt/lamp')).toBe(
      'topic "zigbee2mqtt/lamp": topic: expected a topic under gridlink/, received another base topic',
    );
    expect(reason('gridlink//event')).toBe(
      'topic "gridlink//event": topic: expected no empty topic levels, received an empty level',
    );
  });

  it('refuses bad ids and unknown shapes', () => {
    expect(reason('gridlink/Smoke_1')).toBe(
      'topic "gridlink/Smoke_1": topic: expected a valid device id (a-z, 0-9, "-"; at most 63), received "Smoke_1"',
    );
    expect(reason('gridlink/smoke-1/event/Alarm')).toBe(
      'topic "gridlink/smoke-1/event/Alarm": topic: expected a snake_case event type, received "Alarm"',
    );
    expect(reason('gridlink/smoke-1/config')).toBe(
      'topic "gridlink/smoke-1/config": topic: expected gridlink/<device_id>[/availability|/set|/event/<type>], received /config',
    );
    expect(reason('gridlink/alert/r1')).toBe(
      'topic "gridlink/alert/r1": topic: expected gridlink/alert/<rule_id>/<device_id>, received 2 levels',
    );
    expect(reason('gridlink/bridge/reboot')).toBe(
      'topic "gridlink/bridge/reboot": topic: expected bridge/state|info|health|event|request/<cmd>|response/<cmd>|dead_letter/<id>, received bridge/reboot',
    );
  });
});
