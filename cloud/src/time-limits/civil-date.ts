import { z } from 'zod';

/** A calendar date without a time or zone, `YYYY-MM-DD`, as printed on a holiday notice. */
export type CivilDate = string;

export const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A `YYYY-MM-DD` string that names a real day (no 2025-02-30). */
export const CivilDateSchema = z
  .string()
  .regex(ISO_DATE, 'expected a date like 2025-10-01')
  .refine((date) => civilDateOf(epochDayOf(date) * DAY_MS) === date, 'not a day of the calendar');

/** Days since 1970-01-01 of a civil date; also works as a sortable key. */
export function epochDayOf(date: CivilDate): number {
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`expected a date like 2025-10-01, received "${date}"`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

/** The civil date of a time given in milliseconds of local time (UTC milliseconds plus the zone offset). */
export function civilDateOf(localMs: number): CivilDate {
  return new Date(Math.floor(localMs / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

export function nextDay(date: CivilDate): CivilDate {
  return civilDateOf((epochDayOf(date) + 1) * DAY_MS);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: CivilDate): number {
  // 1970-01-01 was a Thursday.
  return (((epochDayOf(date) + 4) % 7) + 7) % 7;
}

export function yearOf(date: CivilDate): number {
  return Number(date.slice(0, 4));
}
