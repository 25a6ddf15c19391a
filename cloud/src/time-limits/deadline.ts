import { consume, countedSpans, measure, millisOf, type Pause, unitMs } from './counting.js';
import { TimeLimit, type TimeLimitUnit } from './limits.js';
import type { TimeContext } from './time-context.js';

/**
 * When a step started at `start` is due.
 *
 * - Natural units: `start` plus the limit, day and night (a natural day is 24 hours).
 * - `working_hours`: only minutes inside the working periods of workdays count. A step started
 *   outside working hours starts counting when work next starts; a deadline that falls on the end of
 *   a period is that end (12:00), not the start of the next one (13:30).
 * - `working_days`: the end of working hours (the end of the last period) on the Nth workday after
 *   the start day. The start day itself never counts, whatever the time: something received on
 *   Friday at 15:00 (or at 08:00) with 1 working day is due at 17:30 on the next workday. This is how
 *   Chinese law counts periods in days (民法典 §201: the day a period begins is not counted; §203: the
 *   last day ends when business stops), so deadlines agree with what citizens and units are told.
 *   "The same time of day N workdays later" would make a step received after hours due outside them.
 */
export function deadline(start: Date, limit: TimeLimit, ctx: TimeContext): Date {
  const due = deadlineWithPauses(start, limit, [], ctx);
  if (due === undefined) throw new Error('a clock without pauses runs forever, so it always reaches its limit');
  return due;
}

/**
 * The deadline pushed by the time the step was suspended: the moment at which the counted time,
 * leaving out the pauses, reaches the limit. A pause in working time pushes a working limit by
 * that much working time; a pause outside working hours changes nothing.
 * Undefined while an open pause (no `to`) stops the clock before the limit is used up: pass
 * `{ from, to: now }` to ask when the step would be due if it resumed now.
 */
export function deadlineWithPauses(
  start: Date,
  limit: TimeLimit,
  pauses: readonly Pause[],
  ctx: TimeContext,
): Date | undefined {
  const { value, unit } = TimeLimit.parse(limit);
  const due = consume(countedSpans(millisOf(start, 'start'), unit, pauses, ctx), value * unitMs(unit, ctx));
  return due === undefined ? undefined : new Date(due);
}

/**
 * How much of `unit` has been used from `start` to `now`, leaving out the pauses: 2.5 working
 * hours, or in working days the workdays after the start day, each counted by the share of its
 * working time gone by (at the deadline of an N-working-day limit this is exactly N). Zero before
 * `start`.
 */
export function elapsed(
  start: Date,
  now: Date,
  unit: TimeLimitUnit,
  pauses: readonly Pause[],
  ctx: TimeContext,
): number {
  const spans = countedSpans(millisOf(start, 'start'), unit, pauses, ctx);
  return measure(spans, millisOf(now, 'now')) / unitMs(unit, ctx);
}
