import { type DeviceKind, profileOf } from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';

export type Availability = 'online' | 'offline';
/** Why availability changed; these are the uplink's `cn.gridlink.device.availability.v1` reasons. */
export type AvailabilityReason = 'connected' | 'lwt' | 'disconnected' | 'heartbeat_missed';

export interface AvailabilityChange {
  device: DeviceRecord;
  state: Availability;
  reason: AvailabilityReason;
  at: number;
}

export interface LivenessOptions {
  /** Consecutive missed heartbeat deadlines (profile `heartbeat_s`) before a device is offline. */
  offlineAfterMissed: number;
  /** Messages needed to bring an offline device back online. */
  onlineAfterMessages: number;
  /** A disconnect or LWT counts only if the device is not heard from within this grace. */
  disconnectGraceMs: number;
}

interface Entry {
  device: DeviceRecord;
  state: Availability | 'unknown';
  lastSeen: number;
  /** Messages since the device was declared offline (hysteresis towards online). */
  recovering: number;
  /** Set while a disconnect/LWT waits out its grace period. */
  goneSince?: number;
  goneReason?: 'lwt' | 'disconnected';
}

/**
 * Device availability from three signals — messages, disconnects/LWT, and heartbeat deadlines per
 * profile — with hysteresis so a device on a poor link does not flap. Pure: the caller feeds in
 * observations and the time, and publishes the changes this returns.
 */
export class LivenessTracker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: LivenessOptions) {}

  /** Starts watching a device that has not been heard from yet (it goes offline if it stays silent). */
  expect(device: DeviceRecord, now: number): void {
    if (!this.entries.has(device.id))
      this.entries.set(device.id, { device, state: 'unknown', lastSeen: now, recovering: 0 });
  }

  forget(deviceId: string): void {
    this.entries.delete(deviceId);
  }

  /** Any valid message from the device, including its own `online` availability. */
  heard(device: DeviceRecord, now: number): AvailabilityChange | undefined {
    const entry = this.entry(device, now);
    entry.lastSeen = now;
    entry.goneSince = undefined;
    entry.goneReason = undefined;
    if (entry.state === 'online') return undefined;
    entry.recovering++;
    if (entry.state === 'offline' && entry.recovering < this.options.onlineAfterMessages) return undefined;
    return this.change(entry, 'online', 'connected', now);
  }

  /** The device's connection closed, or it published its own `offline` (its LWT). */
  gone(device: DeviceRecord, reason: 'lwt' | 'disconnected', now: number): void {
    const entry = this.entry(device, now);
    if (entry.state === 'offline') return;
    entry.goneSince ??= now;
    entry.goneReason = reason;
  }

  /** Applies grace periods and heartbeat deadlines; call periodically. */
  check(now: number): AvailabilityChange[] {
    const changes: AvailabilityChange[] = [];
    for (const entry of this.entries.values()) {
      if (entry.state === 'offline') continue;
      if (entry.goneSince !== undefined && now - entry.goneSince >= this.options.disconnectGraceMs) {
        changes.push(this.change(entry, 'offline', entry.goneReason ?? 'disconnected', now));
        continue;
      }
      const deadline = heartbeatMs(entry.device.kind) * this.options.offlineAfterMissed;
      if (now - entry.lastSeen > deadline) changes.push(this.change(entry, 'offline', 'heartbeat_missed', now));
    }
    return changes;
  }

  stateOf(deviceId: string): Availability | 'unknown' {
    return this.entries.get(deviceId)?.state ?? 'unknown';
  }

  counts(): Record<Availability | 'unknown', number> {
    const counts = { online: 0, offline: 0, unknown: 0 };
    for (const entry of this.entries.values()) counts[entry.state]++;
    return counts;
  }

  private entry(device: DeviceRecord, now: number): Entry {
    let entry = this.entries.get(device.id);
    if (!entry) {
      entry = { device, state: 'unknown', lastSeen: now, recovering: 0 };
      this.entries.set(device.id, entry);
    }
    return entry;
  }

  private change(entry: Entry, state: Availability, reason: AvailabilityReason, at: number): AvailabilityChange {
    entry.state = state;
    entry.recovering = 0;
    entry.goneSince = undefined;
    entry.goneReason = undefined;
    return { device: entry.device, state, reason, at };
  }
}

function heartbeatMs(kind: DeviceKind): number {
  return profileOf(kind).heartbeat_s * 1000;
}
