import { type DeviceKind, profileOf } from '@gridlink/protocol';
import type { Random } from '../random.js';

/** One thing that goes wrong with a device as a community ages: it falls silent, or its battery runs low. */
export type Wear =
  | { at_ms: number; deviceId: string; kind: 'offline' }
  | { at_ms: number; deviceId: string; kind: 'low_battery'; battery: number };

export interface WearOptions {
  /** Share of the devices that fall silent (power cut, radio lost); at least one. */
  offlineShare?: number;
  /** Share of the battery-powered devices whose battery runs low; at least one. */
  lowBatteryShare?: number;
  /** Everything happens within this time from the start. */
  withinMs?: number;
}

const hasBattery = (kind: DeviceKind) => 'battery' in profileOf(kind).state;

/**
 * What goes wrong in a simulated community over its first minutes, so the property manager's pages
 * show offline devices and low batteries without waiting weeks: a few devices fall silent and a few
 * batteries drop under the low-battery threshold (20 %), at seeded times, each device at most once.
 * The same seed gives the same plan.
 */
export function planWear(
  devices: readonly { id: string; kind: DeviceKind }[],
  random: Random,
  { offlineShare = 0.02, lowBatteryShare = 0.03, withinMs = 180_000 }: WearOptions = {},
): Wear[] {
  const shuffled = [...devices]
    .map((device) => ({ device, key: random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ device }) => device);
  if (shuffled.length === 0) return [];
  const offlineCount = Math.max(1, Math.round(shuffled.length * offlineShare));
  const offline = shuffled.slice(0, offlineCount);
  const battery = shuffled.slice(offlineCount).filter((device) => hasBattery(device.kind));
  const lowCount = battery.length === 0 ? 0 : Math.max(1, Math.round(battery.length * lowBatteryShare));
  const at = () => Math.round(random() * withinMs);
  return [
    ...offline.map((device): Wear => ({ at_ms: at(), deviceId: device.id, kind: 'offline' })),
    ...battery.slice(0, lowCount).map(
      (device): Wear => ({
        at_ms: at(),
        deviceId: device.id,
        kind: 'low_battery',
        // 5–19 %: under the built-in rule's 20 % threshold.
        battery: 5 + Math.floor(random() * 15),
      }),
    ),
  ].sort((a, b) => a.at_ms - b.at_ms);
}
