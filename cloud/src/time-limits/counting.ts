import { civilDateOf, DAY_MS, epochDayOf, nextDay } from './civil-date.js';
import type { TimeLimitUnit } from './limits.js';
import type { TimeContext } from './time-context.js';

/** A period in which the step's clock stood still (SUSPENDED, 挂账/缓办); no `to` while it lasts. */
export interface Pause {
  from: Date;
  to?: Date | undefined;
}

/** A half-open span of time [from, to) in UTC milliseconds; `to` may be Infinity. */
type Span = readonly [from: number, to: number];

// Longer than any holiday: a calendar without a workday for a year is a broken calendar, and
// searching on would never end.
const MAX_DAYS_WITHOUT_WORK = 366;

const UNIT_MS: Record<Exclude<TimeLimitUnit, 'working_days'>, number> = {
  natural_minutes: 60_000,
  natural_hours: 3_600_000,
  natural_days: DAY_MS,
  working_hours: 3_600_000,
};

/** Counted milliseconds in one of `unit`. */
export function unitMs(unit: TimeLimitUnit, ctx: TimeContext): number {
  return unit === 'working_days' ? ctx.workdayMs : UNIT_MS[unit];
}

export function millisOf(time: Date, name: string): number {
  const ms = time.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid time`);
  return ms;
}

/**
 * The spans, from `startMs` on and in order, in which a step's clock runs for `unit`, leaving out
 * the pauses. Natural units run all the time. Working units run in the working periods of workdays;
 * `working_days` only from the day after the start day, which is never counted (see `deadline`).
 */
export function countedSpans(startMs: number, unit: TimeLimitUnit, pauses: readonly Pause[], ctx: TimeContext) {
  const spans = unit.startsWith('natural_') ? naturalSpans(startMs) : workingSpans(startMs, unit, ctx);
  return withoutPauses(spans, pauseSpans(pauses));
}

/** Counted milliseconds from the first span up to `untilMs`. */
export function measure(spans: Iterable<Span>, untilMs: number): number {
  let counted = 0;
  for (const [from, to] of spans) {
    if (from >= untilMs) break;
    counted += Math.min(to, untilMs) - from;
  }
  return counted;
}

/** When `budgetMs` counted milliseconds are used up; undefined if the spans end first (an open pause). */
export function consume(spans: Iterable<Span>, budgetMs: number): number | undefined {
  let left = budgetMs;
  for (const [from, to] of spans) {
    if (left <= to - from) return from + left;
    left -= to - from;
  }
  return undefined;
}

function* naturalSpans(startMs: number): Generator<Span> {
  yield [startMs, Number.POSITIVE_INFINITY];
}

function* workingSpans(startMs: number, unit: TimeLimitUnit, ctx: TimeContext): Generator<Span> {
  const startDay = civilDateOf(startMs + ctx.offsetMs);
  let idleDays = 0;
  for (let day = startDay; ; day = nextDay(day)) {
    if (!ctx.calendar.isWorkday(day) || (unit === 'working_days' && day === startDay)) {
      idleDays += 1;
      if (idleDays > MAX_DAYS_WITHOUT_WORK) {
        throw new RangeError(`the calendar has no workday in the ${MAX_DAYS_WITHOUT_WORK} days before ${day}`);
      }
      continue;
    }
    idleDays = 0;
    const midnight = epochDayOf(day) * DAY_MS - ctx.offsetMs;
    for (const period of ctx.periods) {
      const from = Math.max(midnight + period.from, startMs);
      const to = midnight + period.to;
      if (from < to) yield [from, to];
    }
  }
}

/** Pauses as ordered spans, overlapping ones merged. */
function pauseSpans(pauses: readonly Pause[]): Span[] {
  const spans = pauses
    .map((pause, index): Span => {
      const from = millisOf(pause.from, `pauses[${index}].from`);
      const to = pause.to === undefined ? Number.POSITIVE_INFINITY : millisOf(pause.to, `pauses[${index}].to`);
      if (to < from) throw new RangeError(`pauses[${index}] ends before it starts`);
      return [from, to];
    })
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of spans) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

function* withoutPauses(spans: Iterable<Span>, pauses: readonly Span[]): Generator<Span> {
  let next = 0;
  for (const span of spans) {
    let from = span[0];
    const to = span[1];
    while (from < to) {
      while ((pauses[next]?.[1] ?? Number.POSITIVE_INFINITY) <= from) next += 1;
      const pause = pauses[next];
      if (pause === undefined || pause[0] >= to) {
        yield [from, to];
        break;
      }
      if (pause[0] > from) yield [from, pause[0]];
      // An open pause: the clock stands still from here on.
      if (pause[1] === Number.POSITIVE_INFINITY) return;
      from = pause[1];
    }
  }
}
