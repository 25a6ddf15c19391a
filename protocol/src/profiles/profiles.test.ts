import { describe, expect, it } from 'vitest';
import { validateDeviceMessage } from '../device-message.js';
import { DEVICE_KINDS, type DeviceKind, deviceProfiles, profileOf } from './index.js';
import { MALFORMED_EXAMPLES } from './malformed-examples.js';

const TS = '2026-11-25T14:52:18.646Z';
const id = (kind: DeviceKind) => `${kind.replaceAll('_', '-')}-01`;

describe('every device profile', () => {
  it.each(DEVICE_KINDS)('%s declares names, units on numeric fields and at least one example per message', (kind) => {
    const profile = profileOf(kind);
    expect(profile.name.zh).not.toBe('');
    expect(profile.heartbeat_s).toBeGreaterThan(0);
    expect(profile.examples.state.length).toBeGreaterThan(0);
    for (const type of Object.keys(profile.events))
      expect(profile.examples.events[type]?.length, type).toBeGreaterThan(0);
    for (const name of Object.keys(profile.commands))
      expect(profile.examples.commands[name]?.length, name).toBeGreaterThan(0);
    for (const [field, schema] of Object.entries(profile.state)) {
      const meta = schema.meta() as { unit?: string; description?: string } | undefined;
      expect(meta?.description, `${kind}.${field} description`).toBeTruthy();
      if (schema.def.type === 'number') expect(meta?.unit, `${kind}.${field} unit`).toBeTruthy();
    }
  });

  it.each(DEVICE_KINDS)('%s accepts each of its example payloads on its topics', (kind) => {
    const profile = profileOf(kind);
    const deviceId = id(kind);
    const accept = (topic: string, payload: unknown) => {
      const result = validateDeviceMessage({ topic, payload: JSON.stringify(payload), kind });
      expect(result.ok ? 'ok' : result.error.message).toBe('ok');
    };
    for (const state of profile.examples.state) accept(`gridlink/${deviceId}`, state);
    for (const [type, payloads] of Object.entries(profile.examples.events)) {
      for (const payload of payloads ?? []) accept(`gridlink/${deviceId}/event/${type}`, payload);
    }
    for (const payloads of Object.values(profile.examples.commands)) {
      for (const payload of payloads ?? []) accept(`gridlink/${deviceId}/set`, payload);
    }
    accept(`gridlink/${deviceId}/availability`, { state: 'online' });
  });
});

describe('malformed payloads', () => {
  it('cover every device kind', () => {
    expect(Object.keys(MALFORMED_EXAMPLES).sort()).toEqual([...DEVICE_KINDS].sort());
  });

  it.each(DEVICE_KINDS)('%s: rejected with the exact error text', (kind) => {
    const { topic, payload, error } = MALFORMED_EXAMPLES[kind];
    const result = validateDeviceMessage({
      topic,
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      kind,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toBe(error);
  });
});

describe('device messages in general', () => {
  const kind = 'smoke_detector';
  const check = (topic: string, payload: string) => {
    const result = validateDeviceMessage({ topic, payload, kind });
    return result.ok ? result.value : result.error.message;
  };

  it('reports every problem in one message, not only the first', () => {
    expect(check('gridlink/smoke-1', '{"battery":140,"smoke":1,"colour":"red"}')).toBe(
      'gridlink/smoke-1: smoke: expected boolean, received number 1; battery: expected number <= 100, received number 140; colour: unexpected field',
    );
  });

  it('refuses an empty state object and a non-object payload', () => {
    expect(check('gridlink/smoke-1', '{}')).toBe(
      'gridlink/smoke-1: (payload): expected at least one of smoke, smoke_density, temperature, battery, rssi, tamper, received an empty object',
    );
    expect(check('gridlink/smoke-1', '[1,2]')).toBe(
      'gridlink/smoke-1: (payload): expected a JSON object, received an array of 2',
    );
    expect(check('gridlink/smoke-1', '42')).toBe(
      'gridlink/smoke-1: (payload): expected a JSON object, received number 42',
    );
  });

  it('requires ts on events', () => {
    expect(check('gridlink/smoke-1/event/alarm_cleared', '{}')).toBe(
      'gridlink/smoke-1/event/alarm_cleared: ts: expected string, received nothing',
    );
  });

  it('validates commands against the command their first matching field names', () => {
    const elevator = validateDeviceMessage({
      topic: 'gridlink/elv-b3-1/set',
      payload: '{"door":"hold_open","duration_s":3601}',
      kind: 'elevator',
    });
    expect(elevator.ok || elevator.error.message).toBe(
      'gridlink/elv-b3-1/set: duration_s: expected number <= 600, received number 3601',
    );
    const pir = validateDeviceMessage({
      topic: 'gridlink/pir-east-2/set',
      payload: '{"arm":true}',
      kind: 'perimeter_intrusion',
    });
    expect(pir.ok || pir.error.message).toBe(
      'gridlink/pir-east-2/set: (payload): expected a command field: one of armed, received fields arm',
    );
  });

  it('refuses commands to a kind that has none', () => {
    const result = validateDeviceMessage({ topic: 'gridlink/th-1/set', payload: '{"x":1}', kind: 'temp_humidity' });
    expect(result.ok || result.error.message).toBe(
      'gridlink/th-1/set: (payload): expected no commands (temp_humidity accepts none), received a command',
    );
  });

  it('refuses topics that are not a device topic', () => {
    expect(check('gridlink/bridge/state', '{"state":"online"}')).toBe(
      'gridlink/bridge/state: topic: expected a device topic, received a bridge state topic',
    );
  });

  it('normalises valid messages by type', () => {
    expect(check('gridlink/smoke-1/event/alarm', `{"ts":"${TS}"}`)).toEqual({
      type: 'event',
      deviceId: 'smoke-1',
      eventType: 'alarm',
      payload: { ts: TS },
    });
    expect(check('gridlink/smoke-1/set', '{"silence":true}')).toEqual({
      type: 'command',
      deviceId: 'smoke-1',
      command: 'silence',
      payload: { silence: true },
    });
    expect(check('gridlink/smoke-1/availability', '{"state":"offline"}')).toEqual({
      type: 'availability',
      deviceId: 'smoke-1',
      state: 'offline',
    });
  });

  it('has a profile for every device kind of domain §7', () => {
    expect(Object.keys(deviceProfiles)).toHaveLength(17);
  });
});
