import { describe, expect, it } from 'vitest';
import type { DeviceKind } from '../profiles/index.js';
import { MQTT_API, parseMqttMessage } from './api.js';

const kinds: Record<string, DeviceKind> = { 'smoke-1': 'smoke_detector' };
const parse = (topic: string, payload: string) => {
  const result = parseMqttMessage({ topic, payload, kindOf: (id) => kinds[id] });
  return result.ok ? result.value : result.error.message;
};

describe('the typed MQTT API', () => {
  it('parses device topics through the device profile of the registry', () => {
    expect(parse('gridlink/smoke-1', '{"battery":50}')).toEqual({
      topic: 'device',
      message: { type: 'state', deviceId: 'smoke-1', state: { battery: 50 } },
    });
    expect(parse('gridlink/ghost-9', '{"battery":50}')).toBe(
      'gridlink/ghost-9: topic: expected a provisioned device, received unknown device "ghost-9"',
    );
  });

  it('parses bridge topics with their payload schemas', () => {
    expect(parse('gridlink/bridge/state', '{"state":"online"}')).toEqual({
      topic: 'bridge_state',
      payload: { state: 'online' },
    });
    expect(parse('gridlink/bridge/state', '{"state":"up"}')).toBe(
      'gridlink/bridge/state: state: expected one of "online", "offline", received string "up"',
    );
    expect(parse('gridlink/bridge/request/rules/list', '{"transaction":"t-1"}')).toEqual({
      topic: 'bridge_request',
      command: 'rules/list',
      payload: { transaction: 't-1' },
    });
  });

  it('reads an empty retained alert as cleared', () => {
    expect(parse('gridlink/alert/gas.lel/gas-1', '')).toEqual({
      topic: 'alert',
      ruleId: 'gas.lel',
      deviceId: 'gas-1',
      payload: null,
    });
  });

  it('states the retain policy of every topic kind', () => {
    expect(MQTT_API.device_event.retain).toBe('never');
    expect(MQTT_API.device_set.retain).toBe('never');
    expect(MQTT_API.device_state.retain).toBe('always');
    expect(MQTT_API.alert.retain).toBe('always');
  });
});
