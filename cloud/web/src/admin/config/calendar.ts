import type { WorkingCalendarYear } from '@gridlink/cloud';

/** What a day is in the working calendar, as the page colours it. */
export type DayKind = 'workday' | 'weekend' | 'holiday' | 'makeup' | 'tenant_holiday' | 'tenant_workday';

export interface CalendarDay {
  date: string;
  day: number;
  /** 0 Monday … 6 Sunday. */
  weekday: number;
  kind: DayKind;
  /** Whether work counts on it, after the tenant's own days. */
  working: boolean;
  /** The statutory occasion, e.g. 国庆节. */
  occasion?: { zh: string; en: string };
}

const pad = (n: number) => String(n).padStart(2, '0');
export const civilDate = (year: number, month: number, day: number) => `${year}-${pad(month)}-${pad(day)}`;

/** The days of `month` (1–12) of the calendar's year, with what each is. */
export function monthDays(calendar: WorkingCalendarYear, month: number): CalendarDay[] {
  const statutory = new Map(calendar.statutory.map((d) => [d.date, d]));
  const holidays = new Set(calendar.tenant.holidays);
  const workdays = new Set(calendar.tenant.workdays);
  const count = new Date(Date.UTC(calendar.year, month, 0)).getUTCDate();
  return Array.from({ length: count }, (_, index) => {
    const day = index + 1;
    const date = civilDate(calendar.year, month, day);
    const weekday = (new Date(Date.UTC(calendar.year, month - 1, day)).getUTCDay() + 6) % 7;
    const official = statutory.get(date);
    const base: DayKind = official
      ? official.kind === 'holiday'
        ? 'holiday'
        : 'makeup'
      : weekday >= 5
        ? 'weekend'
        : 'workday';
    const kind: DayKind = holidays.has(date) ? 'tenant_holiday' : workdays.has(date) ? 'tenant_workday' : base;
    const working = kind === 'workday' || kind === 'makeup' || kind === 'tenant_workday';
    return { date, day, weekday, kind, working, ...(official ? { occasion: official.name } : {}) };
  });
}

/**
 * The tenant's days after a click on `day`: a day of the tenant's own goes back to the statutory
 * calendar; otherwise a working day becomes a local day off, a day off a local workday.
 */
export function toggled(days: { holidays: string[]; workdays: string[] }, day: CalendarDay) {
  const holidays = days.holidays.filter((d) => d !== day.date);
  const workdays = days.workdays.filter((d) => d !== day.date);
  if (day.kind === 'tenant_holiday' || day.kind === 'tenant_workday') return { holidays, workdays, now: undefined };
  if (day.working) return { holidays: [...holidays, day.date].sort(), workdays, now: 'tenant_holiday' as const };
  return { holidays, workdays: [...workdays, day.date].sort(), now: 'tenant_workday' as const };
}
