import type { DeviceKind } from './index.js';

const TS = '2026-11-25T14:52:18.646Z';

export interface MalformedExample {
  /** A device id of the kind, and a topic that device may publish on (state or event). */
  deviceId: string;
  topic: string;
  /** The payload as sent: an object is sent as JSON, a string as is (e.g. broken JSON). */
  payload: unknown;
  /** The exact validation error an installer reads (dead-letter topic, logs). */
  error: string;
}

/**
 * One malformed message per device kind with the exact error it must produce: a test fixture for
 * the protocol and the gateway, and the simulators' "malformed payload" fault.
 */
export const MALFORMED_EXAMPLES: Record<DeviceKind, MalformedExample> = {
  smoke_detector: {
    deviceId: 'smoke-b3-u2-0401',
    topic: 'gridlink/smoke-b3-u2-0401/event/alarm',
    payload: { ts: TS, smoke_density: 'high' },
    error: 'gridlink/smoke-b3-u2-0401/event/alarm: smoke_density: expected number, received string "high"',
  },
  gas_detector: {
    deviceId: 'gas-b1-u1-0101',
    topic: 'gridlink/gas-b1-u1-0101/event/alarm',
    payload: { ts: TS, gas_lel: 140 },
    error: 'gridlink/gas-b1-u1-0101/event/alarm: gas_lel: expected number <= 100, received number 140',
  },
  water_leak: {
    deviceId: 'leak-pump-01',
    topic: 'gridlink/leak-pump-01',
    payload: { leak: 'yes' },
    error: 'gridlink/leak-pump-01: leak: expected boolean, received string "yes"',
  },
  water_meter: {
    deviceId: 'wm-b3-0401',
    topic: 'gridlink/wm-b3-0401/event/reading',
    payload: { ts: TS, total_volume: 1000, interval_volume: 2.5, interval_s: 0.5 },
    error: 'gridlink/wm-b3-0401/event/reading: interval_s: expected integer, received number 0.5',
  },
  temp_humidity: {
    deviceId: 'th-101',
    topic: 'gridlink/th-101',
    payload: { temprature: 21.5 },
    error: 'gridlink/th-101: temprature: unexpected field',
  },
  manhole_cover: {
    deviceId: 'mh-road-07',
    topic: 'gridlink/mh-road-07/event/tilted',
    payload: { ts: TS },
    error: 'gridlink/mh-road-07/event/tilted: tilt: expected number, received nothing',
  },
  hydrant_pressure: {
    deviceId: 'hp-b2-01',
    topic: 'gridlink/hp-b2-01/event/pressure_low',
    payload: { ts: '2026-11-25 14:52:18', pressure: 95, threshold: 150 },
    error:
      'gridlink/hp-b2-01/event/pressure_low: ts: expected an ISO-8601 UTC timestamp like 2026-11-25T14:52:18.646Z, received string "2026-11-25 14:52:18"',
  },
  door_contact: {
    deviceId: 'dc-b3-u2-0401',
    topic: 'gridlink/dc-b3-u2-0401',
    payload: { contact: 'ajar' },
    error: 'gridlink/dc-b3-u2-0401: contact: expected one of "open", "closed", received string "ajar"',
  },
  emergency_button: {
    deviceId: 'sos-b3-0401',
    topic: 'gridlink/sos-b3-0401/event/exploded',
    payload: { ts: TS },
    error:
      'gridlink/sos-b3-0401/event/exploded: event_type: expected an event type of emergency_button: pressed, cancelled, received "exploded"',
  },
  elevator: {
    deviceId: 'elv-b3-1',
    topic: 'gridlink/elv-b3-1/event/ebike_detected',
    payload: { ts: TS, floor: 1.5, confidence: 0.9 },
    error: 'gridlink/elv-b3-1/event/ebike_detected: floor: expected integer, received number 1.5',
  },
  fire_lane_camera: {
    deviceId: 'cam-lane-01',
    topic: 'gridlink/cam-lane-01/event/occupied',
    payload: { ts: TS, zone: 'lane-north', confidence: 1.5 },
    error: 'gridlink/cam-lane-01/event/occupied: confidence: expected number <= 1, received number 1.5',
  },
  high_altitude_camera: {
    deviceId: 'cam-ha-03',
    topic: 'gridlink/cam-ha-03/event/throwing_detected',
    payload: { ts: TS, confidence: 0.8 },
    error: 'gridlink/cam-ha-03/event/throwing_detected: clip_ref: expected string, received nothing',
  },
  perimeter_intrusion: {
    deviceId: 'pir-east-2',
    topic: 'gridlink/pir-east-2/event/intrusion',
    payload: { ts: TS },
    error: 'gridlink/pir-east-2/event/intrusion: zone: expected string, received nothing',
  },
  barrier_gate: {
    deviceId: 'gate-north-in',
    topic: 'gridlink/gate-north-in/event/passage',
    payload: { ts: TS, direction: 'sideways', result: 'granted' },
    error: 'gridlink/gate-north-in/event/passage: direction: expected one of "in", "out", received string "sideways"',
  },
  access_control: {
    deviceId: 'ac-b3-u2',
    topic: 'gridlink/ac-b3-u2/event/access',
    payload: { ts: TS, method: 'card', result: 'denied', reason: 'bad luck' },
    error:
      'gridlink/ac-b3-u2/event/access: reason: expected one of "unknown_credential", "expired", "blacklisted", "schedule", "anti_passback", received string "bad luck"',
  },
  onvif_camera: {
    deviceId: 'cam-gate-01',
    topic: 'gridlink/cam-gate-01/event/motion',
    payload: '{"ts":"2026-11-25T14:52:18.646Z","is_motion":tru',
    error:
      'gridlink/cam-gate-01/event/motion: (payload): expected a JSON object, received invalid JSON "{\\"ts\\":\\"2026-11-25T14:52:18.646Z\\",\\"is_mot…"',
  },
  gateway: {
    deviceId: 'gw-320803-001',
    topic: 'gridlink/gw-320803-001',
    payload: { clients: -1 },
    error: 'gridlink/gw-320803-001: clients: expected number >= 0, received number -1',
  },
};
