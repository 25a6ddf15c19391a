import { describe, expect, it } from 'vitest';
import { createCloudEvent, parseCloudEvent } from './cloudevents.js';

const alarm = createCloudEvent({
  id: '01JDQ4W8Y1F8C5T3V9R2K7M6PA',
  type: 'cn.gridlink.device.event.v1',
  gatewayId: 'gw-320803-001',
  deviceId: 'smoke-b3-u2-0401',
  time: '2026-11-25T14:52:18.646Z',
  priority: 'alarm',
  deviceSeq: 42,
  data: {
    device_id: 'smoke-b3-u2-0401',
    device_kind: 'smoke_detector',
    event_type: 'alarm',
    payload: { ts: '2026-11-25T14:52:18.646Z', smoke_density: 0.31 },
    place: { community: '320803001001', grid: '320803001001003', building: '3', unit: '2', floor: 4 },
  },
});

describe('uplink CloudEvents', () => {
  it('derives source from the gateway and device ids', () => {
    expect(alarm.source).toBe('/gateways/gw-320803-001/devices/smoke-b3-u2-0401');
    expect(alarm.specversion).toBe('1.0');
    expect(alarm.deviceseq).toBe(42);
  });

  it('accepts what the gateway builds, after a JSON round trip', () => {
    const parsed = parseCloudEvent(JSON.parse(JSON.stringify(alarm)));
    expect(parsed.ok && parsed.value).toEqual(alarm);
  });

  it('names envelope fields that are wrong', () => {
    const parsed = parseCloudEvent({ ...alarm, specversion: '0.3', source: 'gw-1', Gatewayid: 'x' }, 'events[3]');
    expect(parsed.ok || parsed.error.message).toBe(
      'events[3]: specversion: expected one of "1.0", received string "0.3"; source: expected source is /gateways/<gateway_id> or /gateways/<gateway_id>/devices/<device_id>, received string "gw-1"; Gatewayid: unexpected field',
    );
  });

  it('checks data against the schema of its type, with paths rooted at data', () => {
    const parsed = parseCloudEvent({ ...alarm, data: { ...alarm.data, device_kind: 'toaster' } }, 'events[0]');
    expect(parsed.ok || parsed.error.message).toBe(
      `events[0]: data.device_kind: expected one of ${[
        'smoke_detector',
        'gas_detector',
        'water_leak',
        'water_meter',
        'temp_humidity',
        'manhole_cover',
        'hydrant_pressure',
        'door_contact',
        'emergency_button',
        'elevator',
        'fire_lane_camera',
        'high_altitude_camera',
        'perimeter_intrusion',
        'barrier_gate',
        'access_control',
        'onvif_camera',
        'gateway',
      ]
        .map((k) => `"${k}"`)
        .join(', ')}, received string "toaster"`,
    );
  });

  it('refuses unknown event types', () => {
    const parsed = parseCloudEvent({ ...alarm, type: 'cn.gridlink.device.event.v9' });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.issues[0]?.path).toBe('type');
  });

  it('carries alert ids unchanged for alert events', () => {
    const raised = createCloudEvent({
      id: 'evt-1',
      type: 'cn.gridlink.alert.raised.v1',
      gatewayId: 'gw-1',
      deviceId: 'gas-1',
      time: '2026-11-25T14:52:18.646Z',
      priority: 'alarm',
      data: {
        alert_id: 'al-gw-1-000123',
        rule_id: 'gas.lel',
        device_id: 'gas-1',
        state: 'active',
        severity: 'critical',
        category: 'emergency.gas_leak',
        since: '2026-11-25T14:52:18.646Z',
        last_seen: '2026-11-25T14:52:18.646Z',
        occurrences: 1,
        message: { zh: '燃气浓度 25 %LEL', en: 'Gas at 25 %LEL' },
      },
    });
    const parsed = parseCloudEvent(raised);
    expect(parsed.ok && parsed.value.type === 'cn.gridlink.alert.raised.v1' && parsed.value.data).toMatchObject({
      alert_id: 'al-gw-1-000123',
    });
  });
});
