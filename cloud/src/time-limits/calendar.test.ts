import { describe, expect, it } from 'vitest';
import { weekdayCalendar } from './calendar.js';
import { chineseCalendar } from './chinese-calendar.js';
import { CivilDateSchema, weekdayOf } from './civil-date.js';
import { withTenantDays } from './tenant-calendar.js';

const workdays = (calendar: { isWorkday(date: string): boolean }, dates: string[]) =>
  Object.fromEntries(dates.map((date) => [date, calendar.isWorkday(date)]));

describe('the statutory calendar (chinese-days)', () => {
  const calendar = chineseCalendar();

  it('knows the 2025 National Day and Mid-Autumn holiday, Oct 1–8, with make-up workdays Sep 28 (Sun) and Oct 11 (Sat)', () => {
    expect(
      workdays(calendar, [
        '2025-09-26', // Friday
        '2025-09-27', // Saturday
        '2025-09-28', // Sunday, worked
        '2025-09-30',
        '2025-10-01',
        '2025-10-04',
        '2025-10-08',
        '2025-10-09', // Thursday, back at work
        '2025-10-11', // Saturday, worked
        '2025-10-12', // Sunday
      ]),
    ).toEqual({
      '2025-09-26': true,
      '2025-09-27': false,
      '2025-09-28': true,
      '2025-09-30': true,
      '2025-10-01': false,
      '2025-10-04': false,
      '2025-10-08': false,
      '2025-10-09': true,
      '2025-10-11': true,
      '2025-10-12': false,
    });
    expect(calendar.occasion('2025-10-01')).toContain('国庆节');
    expect(calendar.occasion('2025-09-28')).toContain('国庆节');
    expect(calendar.occasion('2025-09-29')).toBeUndefined();
  });

  it('knows the 2026 Spring Festival, Feb 15–23, with make-up Saturdays Feb 14 and Feb 28', () => {
    expect(
      workdays(calendar, ['2026-02-13', '2026-02-14', '2026-02-15', '2026-02-23', '2026-02-24', '2026-02-28']),
    ).toEqual({
      '2026-02-13': true,
      '2026-02-14': true,
      '2026-02-15': false,
      '2026-02-23': false,
      '2026-02-24': true,
      '2026-02-28': true,
    });
  });

  it('keeps ordinary weekends off', () => {
    expect(workdays(calendar, ['2025-09-19', '2025-09-20', '2025-09-21', '2025-09-22'])).toEqual({
      '2025-09-19': true,
      '2025-09-20': false,
      '2025-09-21': false,
      '2025-09-22': true,
    });
  });

  it('covers the years with a published arrangement, 2004 to at least 2026', () => {
    expect(calendar.years.first).toBe(2004);
    expect(calendar.years.last).toBeGreaterThanOrEqual(2026);
    expect(calendar.covers('2004-01-01')).toBe(true);
    expect(calendar.covers('2025-10-01')).toBe(true);
    expect(calendar.covers('2026-12-31')).toBe(true);
    expect(calendar.covers('2003-12-31')).toBe(false);
  });

  it('falls back to Monday–Friday for a year it has no data for, and says so', () => {
    // 2099-10-01 is a Thursday: without data, the National Day holiday is not known.
    expect(weekdayOf('2099-10-01')).toBe(4);
    expect(calendar.covers('2099-10-01')).toBe(false);
    expect(workdays(calendar, ['2099-10-01', '2099-10-02', '2099-10-03', '2099-10-04'])).toEqual({
      '2099-10-01': true,
      '2099-10-02': true,
      '2099-10-03': false,
      '2099-10-04': false,
    });
  });
});

describe('the Monday–Friday calendar', () => {
  it('works Monday to Friday, knows no holiday and covers nothing', () => {
    expect(workdays(weekdayCalendar, ['2025-09-28', '2025-09-29', '2025-10-01', '2025-10-03', '2025-10-04'])).toEqual({
      '2025-09-28': false,
      '2025-09-29': true,
      '2025-10-01': true,
      '2025-10-03': true,
      '2025-10-04': false,
    });
    expect(weekdayCalendar.covers('2025-10-01')).toBe(false);
  });
});

describe("a tenant's own days", () => {
  const base = chineseCalendar();

  it('adds a holiday on a workday and a workday on a weekend, both covered', () => {
    const calendar = withTenantDays(base, { holidays: ['2025-09-22'], workdays: ['2025-09-20'] });
    expect(workdays(calendar, ['2025-09-20', '2025-09-21', '2025-09-22', '2025-09-23'])).toEqual({
      '2025-09-20': true,
      '2025-09-21': false,
      '2025-09-22': false,
      '2025-09-23': true,
    });
    expect(calendar.covers('2099-10-01')).toBe(false);
    expect(withTenantDays(base, { holidays: ['2099-10-01'] }).covers('2099-10-01')).toBe(true);
  });

  it('wins over the statutory calendar', () => {
    const calendar = withTenantDays(base, { holidays: ['2025-09-28'], workdays: ['2025-10-08'] });
    expect(calendar.isWorkday('2025-09-28')).toBe(false);
    expect(calendar.isWorkday('2025-10-08')).toBe(true);
  });

  it('refuses a day that is both a holiday and a workday, and dates that do not exist', () => {
    expect(() => withTenantDays(base, { holidays: ['2025-09-22'], workdays: ['2025-09-22'] })).toThrow(
      /2025-09-22 is also a holiday/,
    );
    expect(() => withTenantDays(base, { holidays: ['2025-02-30'] })).toThrow(/not a day of the calendar/);
    expect(() => withTenantDays(base, { holidays: ['2025/10/01'] })).toThrow(/expected a date like 2025-10-01/);
  });
});

describe('civil dates', () => {
  it('accepts real days only, including Feb 29 of a leap year', () => {
    expect(CivilDateSchema.safeParse('2028-02-29').success).toBe(true);
    expect(CivilDateSchema.safeParse('2026-02-29').success).toBe(false);
    expect(CivilDateSchema.safeParse('2025-13-01').success).toBe(false);
  });
});
