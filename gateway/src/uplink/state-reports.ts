import type { DeviceRecord } from '../devices/directory.js';
import type { FieldSummary } from './cloud-events.js';

/**
 * How a device's state reports reach the cloud. Discrete fields (a door open, a valve closed, a
 * flag) matter each time they change: the report goes up as a state change. Numeric fields
 * (temperature, pressure, battery) arrive every few seconds and are summarised per device and
 * window instead (count/min/max/mean/last): the cloud needs the trend, InfluxDB keeps every point.
 */
export class StateReports {
  private readonly discrete = new Map<string, Map<string, unknown>>();
  private readonly windows = new Map<
    string,
    { record: DeviceRecord; start: number; fields: Map<string, FieldSummary> }
  >();

  constructor(
    private readonly windowMs: number,
    private readonly onWindow: (
      record: DeviceRecord,
      start: number,
      end: number,
      fields: Record<string, FieldSummary>,
    ) => void,
  ) {}

  /** Accumulates the numeric fields; returns whether a discrete field changed (or is first seen). */
  observe(record: DeviceRecord, state: Record<string, unknown>, at: number): boolean {
    let changed = false;
    const known = this.discrete.get(record.id) ?? new Map<string, unknown>();
    this.discrete.set(record.id, known);
    for (const [field, value] of Object.entries(state)) {
      if (typeof value === 'number') this.accumulate(record, field, value, at);
      else if (!known.has(field) || known.get(field) !== value) {
        known.set(field, value);
        changed = true;
      }
    }
    return changed;
  }

  private accumulate(record: DeviceRecord, field: string, value: number, at: number): void {
    const start = Math.floor(at / this.windowMs) * this.windowMs;
    let window = this.windows.get(record.id);
    if (window && window.start !== start) {
      this.close(record.id, window.start + this.windowMs);
      window = undefined;
    }
    if (!window) {
      window = { record, start, fields: new Map() };
      this.windows.set(record.id, window);
    }
    const summary = window.fields.get(field);
    if (!summary) {
      window.fields.set(field, { count: 1, min: value, max: value, mean: value, last: value });
      return;
    }
    summary.count++;
    summary.min = Math.min(summary.min, value);
    summary.max = Math.max(summary.max, value);
    summary.mean += (value - summary.mean) / summary.count;
    summary.last = value;
  }

  /** Sends every window that has ended by `now`. */
  flushDue(now: number): void {
    for (const [device, window] of this.windows) {
      if (window.start + this.windowMs <= now) this.close(device, window.start + this.windowMs);
    }
  }

  /** On shutdown: sends the windows still open, ending now. */
  flushAll(now: number): void {
    for (const device of [...this.windows.keys()]) this.close(device, now);
  }

  forget(deviceId: string): void {
    this.discrete.delete(deviceId);
    this.windows.delete(deviceId);
  }

  private close(device: string, end: number): void {
    const window = this.windows.get(device);
    if (!window) return;
    this.windows.delete(device);
    if (window.fields.size > 0) this.onWindow(window.record, window.start, end, Object.fromEntries(window.fields));
  }
}
