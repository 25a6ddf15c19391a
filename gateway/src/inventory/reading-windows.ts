import {
  createCloudEvent,
  type DeviceKind,
  type DeviceReadings,
  READINGS_PART_MAX,
  type ReadingStats,
  readingFields,
  toTimestamp,
} from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';
import type { CoalescedEvent } from './inventory-events.js';

/** Most windows held before the oldest is sent early: a stalled timer cannot grow memory without bound. */
const MAX_OPEN_WINDOWS = 4;

interface Window {
  start: number;
  /** device id → kind and field → running summary. */
  devices: Map<string, { kind: DeviceKind; fields: Map<string, ReadingStats> }>;
}

/**
 * Summarises the devices' readings (their profiles' numeric state fields: temperature, humidity,
 * pressure, water level, gas concentration…; battery and signal are health) per window aligned on
 * the clock: count, min, max, mean and last per device and field. A window closes once its end has
 * passed and goes up as CloudEvents of many devices each, in the lowest class.
 */
export class ReadingWindows {
  private readonly windows = new Map<number, Window>();
  private readonly fieldsOf = new Map<DeviceKind, ReadonlySet<string>>();

  constructor(private readonly windowMs: number) {}

  /** Adds a state report's reading fields to the window its time falls in. */
  observe(device: DeviceRecord, state: Record<string, unknown>, at: number): void {
    const readings = this.readingsOf(device.kind);
    if (readings.size === 0) return;
    const start = Math.floor(at / this.windowMs) * this.windowMs;
    let window = this.windows.get(start);
    for (const [field, value] of Object.entries(state)) {
      if (!readings.has(field) || typeof value !== 'number' || !Number.isFinite(value)) continue;
      if (!window) {
        window = { start, devices: new Map() };
        this.windows.set(start, window);
      }
      let entry = window.devices.get(device.id);
      if (!entry) {
        entry = { kind: device.kind, fields: new Map() };
        window.devices.set(device.id, entry);
      }
      const stats = entry.fields.get(field);
      if (!stats) {
        entry.fields.set(field, { count: 1, min: value, max: value, mean: value, last: value });
        continue;
      }
      stats.count++;
      stats.min = Math.min(stats.min, value);
      stats.max = Math.max(stats.max, value);
      stats.mean += (value - stats.mean) / stats.count;
      stats.last = value;
    }
  }

  /**
   * The windows ended by `now` (all of them when `all`, ending now: at shutdown), oldest first, as
   * events of at most READINGS_PART_MAX devices; they are forgotten here once returned.
   */
  close(gatewayId: string, now: number, all = false): CoalescedEvent[] {
    const starts = [...this.windows.keys()].sort((a, b) => a - b);
    const events: CoalescedEvent[] = [];
    for (const [index, start] of starts.entries()) {
      const ended = start + this.windowMs <= now;
      const tooMany = starts.length - index > MAX_OPEN_WINDOWS;
      if (!ended && !all && !tooMany) continue;
      const window = this.windows.get(start) as Window;
      this.windows.delete(start);
      const end = ended ? start + this.windowMs : Math.max(now, start + 1);
      events.push(...windowEvents(gatewayId, window, end));
    }
    return events;
  }

  /** Devices with readings in the windows still open. */
  openDevices(): number {
    let count = 0;
    for (const window of this.windows.values()) count += window.devices.size;
    return count;
  }

  private readingsOf(kind: DeviceKind): ReadonlySet<string> {
    let fields = this.fieldsOf.get(kind);
    if (!fields) {
      fields = new Set(readingFields(kind).map((f) => f.field));
      this.fieldsOf.set(kind, fields);
    }
    return fields;
  }
}

function windowEvents(gatewayId: string, window: Window, end: number): CoalescedEvent[] {
  const devices: DeviceReadings[] = [...window.devices.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, { kind, fields }]) => ({ device_id: id, device_kind: kind, fields: Object.fromEntries(fields) }));
  const parts = Math.ceil(devices.length / READINGS_PART_MAX);
  return Array.from({ length: parts }, (_, index) => ({
    // The same window and part sent again (a restart within it) replaces the unsent one.
    coalesceKey: `readings:${window.start}#${index + 1}`,
    event: createCloudEvent({
      id: `rw-${window.start}-${end}-${index + 1}`,
      type: 'cn.gridlink.readings.window.v1',
      gatewayId,
      time: toTimestamp(end),
      priority: 'telemetry',
      data: {
        gateway_id: gatewayId,
        window_start: toTimestamp(window.start),
        window_end: toTimestamp(end),
        part: index + 1,
        parts,
        devices: devices.slice(index * READINGS_PART_MAX, (index + 1) * READINGS_PART_MAX),
      },
    }),
  }));
}
