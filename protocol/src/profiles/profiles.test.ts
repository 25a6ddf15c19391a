import { describe, expect, it } from 'vitest';
import { validateDeviceMessage } from '../device-message.js';
import { DEVICE_KINDS, type DeviceKind, deviceProfiles, profileOf } from './index.js';

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

/** One malformed message per kind, with the exact error an installer would read. */
const malformed: Record<DeviceKind, { topic: string; payload: unknown; error: string }> = {
  smoke_detector: {
    topic: 'gridlink/smoke-b3-u2-0401/event/alarm',
    payload: { ts: TS, smoke_density: 'high' },
    error: 'gridlink/smoke-b3-u2-0401/event/alarm: smoke_density: expected number, received string "high"',
  },
  gas_detector: {
    topic: 'gridlink/gas-b1-u1-0101/event/alarm',
    payload: { ts: TS, gas_lel: 140 },
    error: 'gridlink/gas-b1-u1-0101/event/alarm: gas_lel: expected number <= 100, received number 140',
  },
  water_leak: {
    topic: 'gridlink/leak-pump-01',
    payload: { leak: 'yes' },
    error: 'gridlink/leak-pump-01: leak: expected boolean, received string "yes"',
  },
  water_meter: {
    topic: 'gridlink/wm-b3-0401/event/reading',
    payload: { ts: TS, total_volume: 1000, interval_volume: 2.5, interval_s: 0.5 },
    error: 'gridlink/wm-b3-0401/event/reading: interval_s: expected integer, received number 0.5',
  },
  temp_humidity: {
    topic: 'gridlink/th-101',
    payload: { temprature: 21.5 },
    error: 'gridlink/th-101: temprature: unexpected field',
  },
  manhole_cover: {
    topic: 'gridlink/mh-road-07/event/tilted',
    payload: { ts: TS },
    error: 'gridlink/mh-road-07/event/tilted: tilt: expected number, received nothing',
  },
  hydrant_pressure: {
    topic: 'gridlink/hp-b2-01/event/pressure_low',
    payload: { ts: '2026-11-25 14:52:18', pressure: 95, threshold: 150 },
    error:
      'gridlink/hp-b2-01/event/pressure_low: ts: expected an ISO-8601 UTC timestamp like 2026-11-25T14:52:18.646Z, received string "2026-11-25 14:52:18"',
  },
  door_contact: {
    topic: 'gridlink/dc-b3-u2-0401',
    payload: { contact: 'ajar' },
    error: 'gridlink/dc-b3-u2-0401: contact: expected one of "open", "closed", received string "ajar"',
  },
  emergency_button: {
    topic: 'gridlink/sos-b3-0401/event/exploded',
    payload: { ts: TS },
    error:
      'gridlink/sos-b3-0401/event/exploded: event_type: expected an event type of emergency_button: pressed, cancelled, received "exploded"',
  },
  elevator: {
    topic: 'gridlink/elv-b3-1/set',
    payload: { door: 'hold_open', duration_s: 3601 },
    error: 'gridlink/elv-b3-1/set: duration_s: expected number <= 600, received number 3601',
  },
  fire_lane_camera: {
    topic: 'gridlink/cam-lane-01/event/occupied',
    payload: { ts: TS, zone: 'lane-north', confidence: 1.5 },
    error: 'gridlink/cam-lane-01/event/occupied: confidence: expected number <= 1, received number 1.5',
  },
  high_altitude_camera: {
    topic: 'gridlink/cam-ha-03/event/throwing_detected',
    payload: { ts: TS, confidence: 0.8 },
    error: 'gridlink/cam-ha-03/event/throwing_detected: clip_ref: expected string, received nothing',
  },
  perimeter_intrusion: {
    topic: 'gridlink/pir-east-2/set',
    payload: { arm: true },
    error: 'gridlink/pir-east-2/set: (payload): expected a command field: one of armed, received fields arm',
  },
  barrier_gate: {
    topic: 'gridlink/gate-north-in/event/passage',
    payload: { ts: TS, direction: 'sideways', result: 'granted' },
    error: 'gridlink/gate-north-in/event/passage: direction: expected one of "in", "out", received string "sideways"',
  },
  access_control: {
    topic: 'gridlink/ac-b3-u2/event/access',
    payload: { ts: TS, method: 'card', result: 'denied', reason: 'bad luck' },
    error:
      'gridlink/ac-b3-u2/event/access: reason: expected one of "unknown_credential", "expired", "blacklisted", "schedule", "anti_passback", received string "bad luck"',
  },
  onvif_camera: {
    topic: 'gridlink/cam-gate-01/event/motion',
    payload: '{"ts":"2026-11-25T14:52:18.646Z","is_motion":tru',
    error:
      'gridlink/cam-gate-01/event/motion: (payload): expected a JSON object, received invalid JSON "{\\"ts\\":\\"2026-11-25T14:52:18.646Z\\",\\"is_mot…"',
  },
  gateway: {
    topic: 'gridlink/gw-320803-001',
    payload: { clients: -1 },
    error: 'gridlink/gw-320803-001: clients: expected number >= 0, received number -1',
  },
};

describe('malformed payloads', () => {
  it('cover every device kind', () => {
    expect(Object.keys(malformed).sort()).toEqual([...DEVICE_KINDS].sort());
  });

  it.each(DEVICE_KINDS)('%s: rejected with the exact error text', (kind) => {
    const { topic, payload, error } = malformed[kind];
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
