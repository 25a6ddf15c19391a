import { z } from 'zod';
import { SnakeName } from '../ids.js';
import { SamePlace, Selector } from './selector.js';

export const Comparison = z.enum(['>', '>=', '<', '<=']);
export type Comparison = z.infer<typeof Comparison>;

const seconds = (what: string, min = 0) =>
  z
    .int()
    .min(min)
    .max(31 * 86_400)
    .meta({ description: `${what}, in seconds` });

/** Field filters on an event or state: `{ result: denied }` or `{ gas_lel: { '>=': 20 } }`. */
export const Where = z.record(
  SnakeName,
  z.union([z.string(), z.number(), z.boolean(), z.partialRecord(Comparison, z.number())]),
);
export type Where = z.infer<typeof Where>;

/**
 * A numeric field crossing a threshold, held for `for_s`, cleared with hysteresis: e.g. raise at
 * `tilt > 15 for 3 s`, clear only when `tilt < 5`. Without `clear`, it clears when the raise
 * comparison stops holding.
 */
export const ThresholdCondition = z.strictObject({
  type: z.literal('threshold'),
  field: SnakeName,
  op: Comparison,
  value: z.number(),
  for_s: seconds('How long the comparison must hold before raising').default(0),
  clear: z.strictObject({ op: Comparison, value: z.number() }).optional(),
});

/** A device event (door forced, smoke alarm, e-bike detected), optionally filtered by its fields. */
export const EventCondition = z.strictObject({
  type: z.literal('event'),
  event: SnakeName,
  where: Where.optional(),
  /** The event that clears the alert (e.g. `alarm_cleared`); without it the alert clears after `clear_after_s`. */
  clear_event: SnakeName.optional(),
  clear_after_s: seconds('Quiet time after which the alert clears').default(300),
});

/** At least `at_least` matching events within a sliding window (≥ 3 fire-lane occupations in 24 h). */
export const CountCondition = z.strictObject({
  type: z.literal('count'),
  event: SnakeName,
  where: Where.optional(),
  at_least: z.int().min(1),
  window_s: seconds('Sliding window', 1),
});

/**
 * Nothing matching within `within_s` (no water use in 12 h, door never opened for 48 h). Without
 * `event`, any message from the device counts as a sign of life.
 */
export const AbsenceCondition = z.strictObject({
  type: z.literal('absence'),
  event: SnakeName.optional(),
  where: Where.optional(),
  within_s: seconds('Period that must contain a match', 1),
});

/** Events from several devices in the same place within a window (two smoke detectors in one unit). */
export const CorrelationCondition = z.strictObject({
  type: z.literal('correlation'),
  of: z.array(z.strictObject({ selector: Selector.optional(), event: SnakeName, where: Where.optional() })).min(1),
  /** Distinct devices that must match; defaults to one per entry of `of`. */
  at_least: z.int().min(2).optional(),
  within_s: seconds('Window in which the events must fall', 1),
  same: SamePlace,
});

export const Condition = z.discriminatedUnion('type', [
  ThresholdCondition,
  EventCondition,
  CountCondition,
  AbsenceCondition,
  CorrelationCondition,
]);
export type Condition = z.infer<typeof Condition>;
