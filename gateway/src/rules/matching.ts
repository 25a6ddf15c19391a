import type { Comparison, Selector, Where } from '@gridlink/protocol';
import type { RuleDevice } from './rule-device.js';

export function compare(value: number, op: Comparison, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

/** Every given selector field must match the device (absent fields match anything). */
export function selects(selector: Selector, device: RuleDevice): boolean {
  const place = device.place;
  if (selector.kinds && !selector.kinds.includes(device.kind)) return false;
  if (selector.devices && !selector.devices.includes(device.id)) return false;
  if (selector.community !== undefined && place?.community !== selector.community) return false;
  if (selector.building !== undefined && place?.building !== selector.building) return false;
  if (selector.unit !== undefined && place?.unit !== selector.unit) return false;
  if (selector.floor !== undefined && place?.floor !== selector.floor) return false;
  if (selector.tags && !selector.tags.every((tag) => device.tags?.includes(tag))) return false;
  return true;
}

/** `{ result: denied }` matches equal values; `{ gas_lel: { '>=': 20 } }` every comparison. */
export function whereMatches(where: Where | undefined, fields: Record<string, unknown>): boolean {
  if (!where) return true;
  for (const [field, expected] of Object.entries(where)) {
    const actual = fields[field];
    if (typeof expected === 'object') {
      if (typeof actual !== 'number') return false;
      for (const [op, threshold] of Object.entries(expected)) {
        if (threshold !== undefined && !compare(actual, op as Comparison, threshold)) return false;
      }
    } else if (actual !== expected) return false;
  }
  return true;
}

/** A key naming the place at the given granularity, or undefined when the device lacks it. */
export function placeKey(
  device: RuleDevice,
  same: 'room' | 'unit' | 'floor' | 'building' | 'community',
): string | undefined {
  const p = device.place;
  if (!p) return undefined;
  const parts = {
    community: [p.community],
    building: [p.community, p.building],
    unit: [p.community, p.building, p.unit],
  };
  const chosen =
    same === 'floor'
      ? [p.community, p.building, p.unit, p.floor]
      : same === 'room'
        ? [p.community, p.building, p.unit, p.floor, p.room]
        : parts[same];
  return chosen.some((part) => part === undefined) ? undefined : chosen.join('/');
}
