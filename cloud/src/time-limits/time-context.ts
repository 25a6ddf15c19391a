import { z } from 'zod';
import { message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import type { WorkCalendar } from './calendar.js';
import { chineseCalendar } from './chinese-calendar.js';
import { TenantDays, withTenantDays } from './tenant-calendar.js';

const MINUTE_MS = 60_000;

/** `HH:MM` on a 24-hour clock; `24:00` ends a period at midnight. */
const ClockTime = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected a time like 08:30');

/** One stretch of working time in a day, tenant local time; `end` is when work stops. */
export const WorkPeriod = z.strictObject({ start: ClockTime, end: ClockTime });
export type WorkPeriod = z.infer<typeof WorkPeriod>;

/** A workday's working periods, in order and not overlapping: the lunch break is the gap between two. */
export const WorkingHours = z
  .array(WorkPeriod)
  .min(1)
  .superRefine((periods, ctx) => {
    periods.forEach((period, index) => {
      if (minutesOf(period.end) <= minutesOf(period.start)) {
        const said = message('rule.period_not_after', { end: period.end, start: period.start });
        ctx.addIssue({ code: 'custom', path: [index, 'end'], message: render(said, 'en'), params: { said } });
      }
      const previous = periods[index - 1];
      if (previous && minutesOf(period.start) < minutesOf(previous.end)) {
        const said = message('rule.period_overlaps', { start: period.start, end: previous.end });
        ctx.addIssue({ code: 'custom', path: [index, 'start'], message: render(said, 'en'), params: { said } });
      }
    });
  });
export type WorkingHours = z.infer<typeof WorkingHours>;

/** Office hours of most Chinese government centres, with a lunch break. */
export const DEFAULT_WORKING_HOURS: WorkingHours = [
  { start: '08:30', end: '12:00' },
  { start: '13:30', end: '17:30' },
];

/**
 * A tenant's time settings, kept as data. Time is counted in a fixed offset from UTC: China has had
 * no daylight saving time since 1991, so `+08:00` (Asia/Shanghai) is exact all year.
 */
export const TenantTimeSettings = z.strictObject({
  utcOffset: z
    .string()
    .regex(/^[+-](?:0\d|1[0-4]):[0-5]\d$/, 'expected an offset like +08:00')
    .default('+08:00'),
  workingHours: WorkingHours.default(DEFAULT_WORKING_HOURS),
  days: TenantDays.prefault({}),
});
export type TenantTimeSettings = z.output<typeof TenantTimeSettings>;
export type TenantTimeSettingsInput = z.input<typeof TenantTimeSettings>;

/** Everything the time-limit functions need to know about a tenant's time. */
export interface TimeContext {
  readonly calendar: WorkCalendar;
  /** Milliseconds to add to UTC to get tenant local time. */
  readonly offsetMs: number;
  /** Working periods as milliseconds since local midnight, in order. */
  readonly periods: readonly { readonly from: number; readonly to: number }[];
  /** Working milliseconds in one workday: one working day of a limit. */
  readonly workdayMs: number;
}

/**
 * The time context of a tenant: its settings over a base calendar, by default the statutory
 * calendar of chinese-days (pass `weekdayCalendar` or another `WorkCalendar` to replace it).
 */
export function timeContext(
  settings: TenantTimeSettingsInput = {},
  base: WorkCalendar = chineseCalendar(),
): TimeContext {
  const parsed = TenantTimeSettings.parse(settings);
  const sign = parsed.utcOffset.startsWith('-') ? -1 : 1;
  const periods = parsed.workingHours.map((period) => ({
    from: minutesOf(period.start) * MINUTE_MS,
    to: minutesOf(period.end) * MINUTE_MS,
  }));
  return {
    calendar: withTenantDays(base, parsed.days),
    offsetMs: sign * minutesOf(parsed.utcOffset.slice(1)) * MINUTE_MS,
    periods,
    workdayMs: periods.reduce((sum, period) => sum + period.to - period.from, 0),
  };
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}
