import { describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../devices/directory.js';
import type { FieldSummary } from './cloud-events.js';
import { StateReports } from './state-reports.js';

const MIN = 60_000;
const testDevice = (id: string, kind: DeviceRecord['kind']): DeviceRecord => ({
  id,
  kind,
  status: 'active',
  passwordHash: '',
});

describe('state reports on their way to the cloud', () => {
  const windows: Array<{ device: string; start: number; end: number; fields: Record<string, FieldSummary> }> = [];
  const reports = () => {
    windows.length = 0;
    return new StateReports(5 * MIN, (record, start, end, fields) =>
      windows.push({ device: record.id, start, end, fields }),
    );
  };

  it('reports a discrete field when it first appears and each time it changes, never numbers', () => {
    const r = reports();
    const door = testDevice('door-1', 'door_contact');
    expect(r.observe(door, { open: false, battery: 90 }, 0)).toBe(true);
    expect(r.observe(door, { open: false, battery: 89 }, 1000)).toBe(false);
    expect(r.observe(door, { battery: 88 }, 2000)).toBe(false);
    expect(r.observe(door, { open: true }, 3000)).toBe(true);
  });

  it('summarises numbers per device and window: count, min, max, mean and last', () => {
    const r = reports();
    const th = testDevice('th-1', 'temp_humidity');
    r.observe(th, { temperature: 20, humidity: 40 }, 0);
    r.observe(th, { temperature: 22 }, MIN);
    r.observe(th, { temperature: 24 }, 2 * MIN);
    r.flushDue(4 * MIN);
    expect(windows).toEqual([]);
    r.flushDue(5 * MIN);
    expect(windows).toEqual([
      {
        device: 'th-1',
        start: 0,
        end: 5 * MIN,
        fields: {
          temperature: { count: 3, min: 20, max: 24, mean: 22, last: 24 },
          humidity: { count: 1, min: 40, max: 40, mean: 40, last: 40 },
        },
      },
    ]);
  });

  it('closes a window when the next report falls in a later one, and sends open windows on shutdown', () => {
    const r = reports();
    const th = testDevice('th-1', 'temp_humidity');
    r.observe(th, { temperature: 20 }, MIN);
    r.observe(th, { temperature: 30 }, 6 * MIN);
    expect(windows.map((w) => [w.start, w.end, w.fields.temperature?.last])).toEqual([[0, 5 * MIN, 20]]);
    r.flushAll(7 * MIN);
    expect(windows.map((w) => [w.start, w.end, w.fields.temperature?.last])).toEqual([
      [0, 5 * MIN, 20],
      [5 * MIN, 7 * MIN, 30],
    ]);
  });
});
