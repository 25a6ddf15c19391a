import { type CivilDate, weekdayOf } from './civil-date.js';

/** Which days are workdays, in the tenant's civil dates. */
export interface WorkCalendar {
  isWorkday(date: CivilDate): boolean;
  /**
   * Whether the answer for `date` rests on published data (the State Council's holiday arrangement,
   * a tenant override). When it does not, the calendar answers Monday–Friday, which misses holidays:
   * callers can warn an administrator before relying on deadlines that far ahead.
   */
  covers(date: CivilDate): boolean;
}

/** Monday to Friday, no holidays: the fallback for years without published data. */
export const weekdayCalendar: WorkCalendar = {
  isWorkday: (date) => {
    const weekday = weekdayOf(date);
    return weekday >= 1 && weekday <= 5;
  },
  covers: () => false,
};
