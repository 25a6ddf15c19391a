/**
 * Calendar months in China time (UTC+8, no daylight saving): the roster's duty calendar shows the
 * days a grid works by, whatever the browser's own zone.
 */
const DAY = 86_400_000;
const OFFSET = 8 * 3_600_000;

/** `2026-12` of an instant, in China time. */
export function monthOf(instant: number): string {
  return new Date(instant + OFFSET).toISOString().slice(0, 7);
}

export function shiftMonth(month: string, by: number): string {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const date = new Date(Date.UTC(year, m - 1 + by, 1));
  return date.toISOString().slice(0, 7);
}

/** The first instant of `month` in China time, as an ISO string with its offset. */
export const monthStart = (month: string) => `${month}-01T00:00:00+08:00`;

export interface CalendarDay {
  /** `2026-12-05` */
  date: string;
  day: number;
  start: number;
  end: number;
}

/**
 * The weeks of `month`, Monday first; days outside the month are null (the grid's blank cells).
 */
export function weeksOf(month: string): Array<Array<CalendarDay | null>> {
  const first = Date.parse(monthStart(month));
  const last = Date.parse(monthStart(shiftMonth(month, 1)));
  const lead = (new Date(first + OFFSET).getUTCDay() + 6) % 7;
  const cells: Array<CalendarDay | null> = Array.from({ length: lead }, () => null);
  for (let start = first; start < last; start += DAY) {
    const date = new Date(start + OFFSET).toISOString().slice(0, 10);
    cells.push({ date, day: Number(date.slice(8)), start, end: start + DAY });
  }
  while (cells.length % 7 !== 0) cells.push(null);
  return Array.from({ length: cells.length / 7 }, (_, i) => cells.slice(i * 7, i * 7 + 7));
}

/** `08:00` of an instant in China time. */
export function clockTime(iso: string): string {
  return new Date(Date.parse(iso) + OFFSET).toISOString().slice(11, 16);
}

/** Whether [starts, ends) overlaps the day. */
export function overlaps(day: CalendarDay, starts: string, ends: string): boolean {
  return Date.parse(starts) < day.end && Date.parse(ends) > day.start;
}
