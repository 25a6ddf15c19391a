import { type DeviceReadings, parseCloudEvent, READINGS_PART_MAX } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../devices/directory.js';
import { ReadingWindows } from './reading-windows.js';

const T0 = Date.parse('2026-11-25T08:00:00.000Z');
const MINUTE = 60_000;
const device = (id: string, kind: DeviceRecord['kind'] = 'temp_humidity') => ({ id, kind }) as DeviceRecord;
const devicesOf = (event: { event: { data: unknown } }) => (event.event.data as { devices: DeviceReadings[] }).devices;

describe('reading windows', () => {
  it('summarise each device’s reading fields per window: count, min, max, mean, last; battery and signal left out', () => {
    const windows = new ReadingWindows(5 * MINUTE);
    const th = device('th-1');
    windows.observe(th, { temperature: 20, humidity: 40, battery: 90, rssi: -70 }, T0 + 10_000);
    windows.observe(th, { temperature: 24 }, T0 + 2 * MINUTE);
    windows.observe(th, { temperature: 22, humidity: 'high' }, T0 + 4 * MINUTE);
    windows.observe(device('door-1', 'door_contact'), { open: true, battery: 50 }, T0 + MINUTE);
    // Not yet ended: nothing goes.
    expect(windows.close('gw-1', T0 + 5 * MINUTE - 1)).toEqual([]);
    const [sent, ...more] = windows.close('gw-1', T0 + 5 * MINUTE);
    expect(more).toEqual([]);
    const parsed = parseCloudEvent(sent?.event);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    expect(sent?.event.type).toBe('cn.gridlink.readings.window.v1');
    expect(sent?.event.priority).toBe('telemetry');
    expect(sent?.coalesceKey).toBe(`readings:${T0}#1`);
    expect(sent?.event.data).toMatchObject({
      gateway_id: 'gw-1',
      window_start: '2026-11-25T08:00:00.000Z',
      window_end: '2026-11-25T08:05:00.000Z',
      part: 1,
      parts: 1,
    });
    expect(devicesOf(sent as never)).toEqual([
      {
        device_id: 'th-1',
        device_kind: 'temp_humidity',
        fields: {
          temperature: { count: 3, min: 20, max: 24, mean: 22, last: 22 },
          humidity: { count: 1, min: 40, max: 40, mean: 40, last: 40 },
        },
      },
    ]);
    // Sent once: the window is gone.
    expect(windows.close('gw-1', T0 + 10 * MINUTE)).toEqual([]);
  });

  it('keeps windows apart by the clock, sends them oldest first, and everything open at shutdown', () => {
    const windows = new ReadingWindows(5 * MINUTE);
    windows.observe(device('hp-1', 'hydrant_pressure'), { pressure: 300 }, T0 + MINUTE);
    windows.observe(device('hp-1', 'hydrant_pressure'), { pressure: 280 }, T0 + 6 * MINUTE);
    windows.observe(device('hp-1', 'hydrant_pressure'), { pressure: 260 }, T0 + 11 * MINUTE);
    const ended = windows.close('gw-1', T0 + 10 * MINUTE);
    expect(ended.map((e) => (e.event.data as { window_start: string }).window_start)).toEqual([
      '2026-11-25T08:00:00.000Z',
      '2026-11-25T08:05:00.000Z',
    ]);
    expect(windows.openDevices()).toBe(1);
    const [last] = windows.close('gw-1', T0 + 12 * MINUTE, true);
    expect(last?.event.data).toMatchObject({
      window_start: '2026-11-25T08:10:00.000Z',
      window_end: '2026-11-25T08:12:00.000Z',
    });
    expect(devicesOf(last as never)[0]?.fields.pressure?.last).toBe(260);
    expect(windows.openDevices()).toBe(0);
  });

  it('batches many devices an event, in parts of at most READINGS_PART_MAX', () => {
    const windows = new ReadingWindows(5 * MINUTE);
    const count = READINGS_PART_MAX + 20;
    for (let i = 0; i < count; i++) {
      windows.observe(device(`th-${String(i).padStart(4, '0')}`), { temperature: i }, T0 + MINUTE);
    }
    const events = windows.close('gw-1', T0 + 5 * MINUTE);
    expect(events.map((e) => devicesOf(e).length)).toEqual([READINGS_PART_MAX, 20]);
    expect(events.map((e) => e.coalesceKey)).toEqual([`readings:${T0}#1`, `readings:${T0}#2`]);
    expect(events.every((e) => parseCloudEvent(e.event).ok)).toBe(true);
  });

  it('holds a bounded number of windows: when the clock runs on without a close, the oldest goes early', () => {
    const windows = new ReadingWindows(5 * MINUTE);
    for (let w = 0; w < 6; w++) windows.observe(device('th-1'), { temperature: w }, T0 + w * 5 * MINUTE);
    // A close "before" them all (a clock set back): only the excess over the bound goes.
    const early = windows.close('gw-1', T0 - MINUTE);
    expect(early).toHaveLength(2);
    expect(windows.openDevices()).toBe(4);
  });
});
