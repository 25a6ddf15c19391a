import { type DeviceHealth, toTimestamp } from '@gridlink/protocol';
import type { NormalisedMessage } from '../bus.js';
import type { DeviceRecord } from '../devices/directory.js';
import type { AvailabilityChange } from '../liveness/tracker.js';

interface Seen {
  lastSeen?: number;
  battery?: number;
  signalDbm?: number;
  tamperFlag: boolean;
  /** Since the last summary. */
  tamperEvent: boolean;
  faults: Set<string>;
  availability: DeviceHealth['availability'];
}

const MAX_FAULTS = 16;

/**
 * What the gateway knows of each device's health, from the messages it validates: when it was last
 * heard, its battery and signal (state fields `battery`, `rssi`), its tamper flag, the faults and
 * tamper events it reported since the last summary, and its availability.
 */
export class HealthTracker {
  private readonly seen = new Map<string, Seen>();

  private entry(id: string): Seen {
    let entry = this.seen.get(id);
    if (!entry) {
      entry = { tamperFlag: false, tamperEvent: false, faults: new Set(), availability: 'unknown' };
      this.seen.set(id, entry);
    }
    return entry;
  }

  message({ device, message, receivedAt }: NormalisedMessage): void {
    const entry = this.entry(device.id);
    entry.lastSeen = receivedAt;
    if (message.type === 'state') {
      const { battery, rssi, tamper } = message.state;
      if (typeof battery === 'number') entry.battery = battery;
      if (typeof rssi === 'number') entry.signalDbm = rssi;
      if (typeof tamper === 'boolean') entry.tamperFlag = tamper;
    } else if (message.type === 'event') {
      if (message.eventType === 'fault' && entry.faults.size < MAX_FAULTS) {
        const code = message.payload.code;
        entry.faults.add(typeof code === 'string' && code.length > 0 ? code.slice(0, 32) : 'fault');
      }
      if (message.eventType === 'tamper') entry.tamperEvent = true;
    }
  }

  availability(change: AvailabilityChange): void {
    this.entry(change.device.id).availability = change.state;
  }

  /** The device's summary for the period now ending; its faults and tamper events start over. */
  summarise(device: DeviceRecord): Omit<DeviceHealth, 'observed_at' | 'seq'> {
    const entry = this.entry(device.id);
    const summary = {
      device_id: device.id,
      device_kind: device.kind,
      availability: entry.availability,
      last_seen: entry.lastSeen === undefined ? null : toTimestamp(entry.lastSeen),
      ...(entry.battery === undefined ? {} : { battery: Math.min(100, Math.max(0, entry.battery)) }),
      ...(entry.signalDbm === undefined ? {} : { signal_dbm: Math.min(0, Math.max(-150, entry.signalDbm)) }),
      faults: [...entry.faults],
      tamper: entry.tamperFlag || entry.tamperEvent,
    };
    entry.faults.clear();
    entry.tamperEvent = false;
    return summary;
  }
}
