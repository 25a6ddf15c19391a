import { z } from 'zod';

/**
 * Natural units count every minute; working units count only working time of workdays
 * (`working_days` by the rule documented on `deadline`).
 */
export const TimeLimitUnit = z.enum([
  'natural_minutes',
  'natural_hours',
  'natural_days',
  'working_hours',
  'working_days',
]);
export type TimeLimitUnit = z.infer<typeof TimeLimitUnit>;

/** A step's time limit, e.g. 4 working hours. Whole numbers: half an hour is 30 natural minutes. */
export const TimeLimit = z.strictObject({ value: z.int().min(1), unit: TimeLimitUnit });
export type TimeLimit = z.infer<typeof TimeLimit>;

const NATURAL_MINUTES: Partial<Record<TimeLimitUnit, number>> = {
  natural_minutes: 1,
  natural_hours: 60,
  natural_days: 1440,
};

/**
 * The limit an incident runs on. Urgent incidents (加急) run on natural time, day and night: a
 * working unit becomes the same number of natural units (4 working hours → 4 hours, 2 working days →
 * 48 hours). Natural limits and non-urgent incidents keep their limit.
 */
export function effectiveLimit(limit: TimeLimit, urgent: boolean): TimeLimit {
  if (!urgent) return limit;
  if (limit.unit === 'working_hours') return { value: limit.value, unit: 'natural_hours' };
  if (limit.unit === 'working_days') return { value: limit.value, unit: 'natural_days' };
  return limit;
}

/**
 * A limit lengthened by an approved extension (延期): the deadline moves to where the longer limit,
 * counted from the step's start, ends (suspensions still push it). An extension is granted in the
 * step's unit; natural units of different sizes add up in the smaller one (1 day + 2 hours = 26
 * hours). Natural and working time, or working hours and working days, do not add up: a RangeError.
 */
export function extend(limit: TimeLimit, extra: TimeLimit): TimeLimit {
  if (limit.unit === extra.unit) return { value: limit.value + extra.value, unit: limit.unit };
  const a = NATURAL_MINUTES[limit.unit];
  const b = NATURAL_MINUTES[extra.unit];
  if (a === undefined || b === undefined) {
    throw new RangeError(`an extension in ${extra.unit} cannot lengthen a limit in ${limit.unit}`);
  }
  const [unit, size] = a <= b ? [limit.unit, a] : [extra.unit, b];
  return { value: (limit.value * a + extra.value * b) / size, unit };
}
