import { describe, expect, it } from 'vitest';
import { createCloudEvent, parseCloudEvent } from './cloudevents.js';
import { DEVICE_HEALTH_BATCH_MAX, type DeviceHealth } from './inventory.js';

const health = (n: number): DeviceHealth => ({
  device_id: `smoke-${n}`,
  device_kind: 'smoke_detector',
  availability: 'online',
  last_seen: '2026-11-25T08:00:00.000Z',
  battery: 80,
  faults: [],
  tamper: false,
  observed_at: '2026-11-25T08:05:00.000Z',
  seq: n,
});

const batch = (devices: DeviceHealth[]) =>
  createCloudEvent({
    id: 'dhb-1',
    type: 'cn.gridlink.device.health_batch.v1',
    gatewayId: 'gw-320803-001',
    time: '2026-11-25T08:05:00.000Z',
    priority: 'telemetry',
    data: { devices },
  });

describe('device health events', () => {
  it('carries many devices in one batched event, each with its own observation, up to DEVICE_HEALTH_BATCH_MAX', () => {
    const full = batch(Array.from({ length: DEVICE_HEALTH_BATCH_MAX }, (_, n) => health(n)));
    const parsed = parseCloudEvent(JSON.parse(JSON.stringify(full)));
    expect(parsed.ok && parsed.value).toEqual(full);
  });

  it('names the entry that is wrong, and refuses an empty or oversized batch', () => {
    const wrong = parseCloudEvent(batch([health(1), { ...health(2), battery: 120 }]), 'events[0]');
    expect(wrong.ok || wrong.error.issues.map((issue) => issue.path)).toEqual(['data.devices.1.battery']);
    expect(parseCloudEvent(batch([])).ok).toBe(false);
    const over = parseCloudEvent(batch(Array.from({ length: DEVICE_HEALTH_BATCH_MAX + 1 }, (_, n) => health(n))));
    expect(over.ok || over.error.issues.map((issue) => issue.path)).toEqual(['data.devices']);
  });

  it('still accepts the single-device health event older gateways send', () => {
    const single = createCloudEvent({
      id: 'dh-1',
      type: 'cn.gridlink.device.health.v1',
      gatewayId: 'gw-320803-001',
      deviceId: 'smoke-1',
      time: '2026-11-25T08:05:00.000Z',
      priority: 'telemetry',
      data: health(1),
    });
    const parsed = parseCloudEvent(JSON.parse(JSON.stringify(single)));
    expect(parsed.ok && parsed.value).toEqual(single);
  });
});
