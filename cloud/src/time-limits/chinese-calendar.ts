import { createRequire } from 'node:module';
import { z } from 'zod';
import { type WorkCalendar, weekdayCalendar } from './calendar.js';
import { type CivilDate, yearOf } from './civil-date.js';

// chinese-days ships its State Council arrangements as data keyed by `YYYY-MM-DD`: `holidays` are
// days off (weekends inside a holiday included), `workdays` are make-up workdays (调休上班, a
// Saturday or Sunday that is worked). We read that data rather than call the package's functions,
// which turn a Date into a day with the process's local time zone; the tenant's zone is ours to
// apply. The file is read with require: the package is UMD without an `exports` map, and Node 20
// still flags JSON modules as experimental.
const ChineseDaysData = z.object({
  holidays: z.record(z.string(), z.string()),
  workdays: z.record(z.string(), z.string()),
});

/** The statutory calendar of mainland China, with the package's years and the years it covers. */
export interface ChineseCalendar extends WorkCalendar {
  /** First and last year with a published arrangement; chinese-days 1.5.7 holds 2004–2026. */
  readonly years: { readonly first: number; readonly last: number };
  /** The name of the holiday or of the holiday a make-up workday belongs to, e.g. `National Day,国庆节,3`. */
  occasion(date: CivilDate): string | undefined;
  /** The year's statutory days off and make-up workdays, by date (empty for a year not covered). */
  arrangements(year: number): StatutoryDay[];
}

/** A day of the State Council's arrangement: a day off (`holiday`) or a make-up workday (调休上班). */
export interface StatutoryDay {
  date: CivilDate;
  kind: 'holiday' | 'workday';
  /** The holiday's name as the data gives it: `National Day,国庆节,3` (English, Chinese, days). */
  occasion: string;
}

let loaded: ChineseCalendar | undefined;

/**
 * Statutory holidays and make-up workdays from chinese-days. A date in a year the package has no
 * arrangement for (the State Council publishes each year's in November of the year before) falls back
 * to Monday–Friday, and `covers` answers false for it: update the package once a new year is out.
 */
export function chineseCalendar(): ChineseCalendar {
  loaded ??= fromData(ChineseDaysData.parse(createRequire(import.meta.url)('chinese-days/dist/chinese-days.json')));
  return loaded;
}

function fromData(data: z.infer<typeof ChineseDaysData>): ChineseCalendar {
  const holidays = new Map(Object.entries(data.holidays));
  const workdays = new Map(Object.entries(data.workdays));
  const coveredYears = new Set([...holidays.keys()].map(yearOf));
  if (coveredYears.size === 0) throw new Error('chinese-days holds no holidays: its data format has changed');
  const years = { first: Math.min(...coveredYears), last: Math.max(...coveredYears) };
  return {
    years,
    isWorkday: (date) => {
      if (workdays.has(date)) return true;
      if (holidays.has(date)) return false;
      return weekdayCalendar.isWorkday(date);
    },
    covers: (date) => coveredYears.has(yearOf(date)),
    occasion: (date) => holidays.get(date) ?? workdays.get(date),
    arrangements: (year) => {
      const of = (days: Map<string, string>, kind: StatutoryDay['kind']) =>
        [...days].filter(([date]) => yearOf(date) === year).map(([date, occasion]) => ({ date, kind, occasion }));
      return [...of(holidays, 'holiday'), ...of(workdays, 'workday')].sort((a, b) => a.date.localeCompare(b.date));
    },
  };
}
