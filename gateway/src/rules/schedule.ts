import type { Schedule } from '@gridlink/protocol';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const formatters = new Map<string, Intl.DateTimeFormat>();
let memo:
  | { minute: number; timeZone: string; value: { minutes: number; weekday: (typeof WEEKDAYS)[number] } }
  | undefined;

/** Local wall-clock time in a time zone: minutes since midnight and the weekday (memoised per minute). */
export function localTime(at: number, timeZone: string): { minutes: number; weekday: (typeof WEEKDAYS)[number] } {
  const minute = Math.floor(at / 60_000);
  if (memo && memo.minute === minute && memo.timeZone === timeZone) return memo.value;
  const value = computeLocalTime(at, timeZone);
  memo = { minute, timeZone, value };
  return value;
}

function computeLocalTime(at: number, timeZone: string): { minutes: number; weekday: (typeof WEEKDAYS)[number] } {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? '';
  const weekday = get('weekday').toLowerCase().slice(0, 3) as (typeof WEEKDAYS)[number];
  return { minutes: Number(get('hour')) * 60 + Number(get('minute')), weekday };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether a schedule is active at `at`. A period whose `to` is earlier than its `from` runs past
 * midnight; its `days` name the day it starts on.
 */
export function scheduleActive(schedule: Schedule | undefined, at: number, timeZone: string): boolean {
  if (!schedule) return true;
  const { minutes, weekday } = localTime(at, timeZone);
  const yesterday = WEEKDAYS[(WEEKDAYS.indexOf(weekday) + 6) % 7] as (typeof WEEKDAYS)[number];
  return schedule.periods.some((period) => {
    const from = toMinutes(period.from);
    const to = toMinutes(period.to);
    const on = (day: (typeof WEEKDAYS)[number]) => !period.days || period.days.includes(day);
    if (from <= to) return on(weekday) && minutes >= from && minutes < to;
    return (on(weekday) && minutes >= from) || (on(yesterday) && minutes < to);
  });
}
