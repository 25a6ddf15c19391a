import { describe, expect, it } from 'vitest';
import { weekdayCalendar } from './calendar.js';
import { deadline, elapsed } from './deadline.js';
import type { TimeLimit } from './limits.js';
import { timeContext } from './time-context.js';

/** A time in Beijing, `YYYY-MM-DD HH:MM`. */
const at = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`);
const ctx = timeContext();
const due = (start: string, value: number, unit: TimeLimit['unit']) => deadline(at(start), { value, unit }, ctx);

// Calendar used below (chinese-days): 2025-09-19 Fri, 20–21 weekend, 26 Fri, 27 Sat off, 28 Sun worked,
// 30 Tue, Oct 1–8 National Day off, 9 Thu, 10 Fri, 11 Sat worked, 12 Sun off, 13 Mon.

describe('natural time runs day and night, weekends and holidays alike', () => {
  it('natural minutes: past the end of the working day and into a holiday', () => {
    expect(due('2025-09-26 17:20', 30, 'natural_minutes')).toEqual(at('2025-09-26 17:50'));
    expect(due('2025-09-30 23:00', 90, 'natural_minutes')).toEqual(at('2025-10-01 00:30'));
  });

  it('natural hours: through an evening and across a holiday weekend', () => {
    expect(due('2025-09-26 16:00', 4, 'natural_hours')).toEqual(at('2025-09-26 20:00'));
    expect(due('2025-10-04 10:00', 72, 'natural_hours')).toEqual(at('2025-10-07 10:00'));
  });

  it('natural days: 24 hours each, across a weekend with a make-up workday', () => {
    expect(due('2025-09-26 15:00', 2, 'natural_days')).toEqual(at('2025-09-28 15:00'));
    expect(due('2025-09-19 15:00', 3, 'natural_days')).toEqual(at('2025-09-22 15:00'));
  });
});

describe('working hours count only working periods of workdays', () => {
  it('within one period', () => {
    expect(due('2025-09-29 09:00', 2, 'working_hours')).toEqual(at('2025-09-29 11:00'));
  });

  it('across the lunch break', () => {
    expect(due('2025-09-29 11:00', 2, 'working_hours')).toEqual(at('2025-09-29 14:30'));
  });

  it('ending exactly at the end of a period: due at 12:00, not when work resumes at 13:30', () => {
    expect(due('2025-09-29 11:00', 1, 'working_hours')).toEqual(at('2025-09-29 12:00'));
  });

  it('across the end of the day', () => {
    expect(due('2025-09-25 16:00', 4, 'working_hours')).toEqual(at('2025-09-26 11:00'));
  });

  it('across an ordinary weekend', () => {
    expect(due('2025-09-19 16:00', 4, 'working_hours')).toEqual(at('2025-09-22 11:00'));
  });

  it('on a make-up workday: Sunday 2025-09-28 is worked', () => {
    expect(due('2025-09-26 16:00', 4, 'working_hours')).toEqual(at('2025-09-28 11:00'));
  });

  it('across the National Day holiday and onto make-up Saturday 2025-10-11', () => {
    expect(due('2025-09-30 16:00', 4, 'working_hours')).toEqual(at('2025-10-09 11:00'));
    expect(due('2025-10-10 16:00', 8, 'working_hours')).toEqual(at('2025-10-11 16:30'));
  });

  it('across the 2026 Spring Festival, from make-up Saturday 2026-02-14', () => {
    expect(due('2026-02-13 16:00', 4, 'working_hours')).toEqual(at('2026-02-14 11:00'));
    expect(due('2026-02-14 16:00', 8, 'working_hours')).toEqual(at('2026-02-24 16:30'));
  });

  it('starting outside working hours: the clock starts when work does', () => {
    expect(due('2025-09-29 07:00', 1, 'working_hours')).toEqual(at('2025-09-29 09:30'));
    expect(due('2025-09-29 12:30', 1, 'working_hours')).toEqual(at('2025-09-29 14:30'));
    expect(due('2025-09-19 18:00', 1, 'working_hours')).toEqual(at('2025-09-22 09:30'));
  });

  it('in the tenant time zone, not UTC', () => {
    const utcTenant = timeContext({ utcOffset: '+00:00' });
    const start = new Date('2025-09-29T09:00:00Z');
    expect(deadline(start, { value: 2, unit: 'working_hours' }, utcTenant)).toEqual(new Date('2025-09-29T11:00:00Z'));
    // 09:00 UTC is 17:00 in Beijing: half an hour today, the rest tomorrow morning.
    expect(deadline(start, { value: 2, unit: 'working_hours' }, ctx)).toEqual(at('2025-09-30 10:00'));
  });

  it("with the tenant's own working hours", () => {
    const longDay = timeContext({ workingHours: [{ start: '09:00', end: '18:00' }] });
    expect(deadline(at('2025-09-29 17:00'), { value: 2, unit: 'working_hours' }, longDay)).toEqual(
      at('2025-09-30 10:00'),
    );
  });
});

describe('working days: due at the end of working hours on the Nth workday after the start day', () => {
  it('a step started on Friday at 15:00 with 1 working day is due on Monday at 17:30', () => {
    expect(due('2025-09-19 15:00', 1, 'working_days')).toEqual(at('2025-09-22 17:30'));
  });

  it('never counts the start day, whatever the time of day or whether it is a workday', () => {
    expect(due('2025-09-19 08:00', 1, 'working_days')).toEqual(at('2025-09-22 17:30'));
    expect(due('2025-09-19 23:00', 1, 'working_days')).toEqual(at('2025-09-22 17:30'));
    expect(due('2025-09-20 10:00', 1, 'working_days')).toEqual(at('2025-09-22 17:30'));
  });

  it('counts make-up workday Sunday 2025-09-28', () => {
    expect(due('2025-09-26 15:00', 1, 'working_days')).toEqual(at('2025-09-28 17:30'));
  });

  it('skips the National Day holiday and counts make-up Saturday 2025-10-11', () => {
    expect(due('2025-09-30 10:00', 1, 'working_days')).toEqual(at('2025-10-09 17:30'));
    expect(due('2025-09-30 10:00', 3, 'working_days')).toEqual(at('2025-10-11 17:30'));
    expect(due('2025-09-30 10:00', 4, 'working_days')).toEqual(at('2025-10-13 17:30'));
  });

  it('15 working days for illegal construction, through the whole holiday season', () => {
    // Sep 23–26, 28–30 (7), Oct 9–11 (10), 13–17 (15).
    expect(due('2025-09-22 09:00', 15, 'working_days')).toEqual(at('2025-10-17 17:30'));
  });

  it('across the 2026 Spring Festival', () => {
    expect(due('2026-02-13 15:00', 2, 'working_days')).toEqual(at('2026-02-24 17:30'));
  });

  it('ends when the tenant stops work', () => {
    const longDay = timeContext({ workingHours: [{ start: '09:00', end: '18:00' }] });
    expect(deadline(at('2025-09-19 15:00'), { value: 1, unit: 'working_days' }, longDay)).toEqual(
      at('2025-09-22 18:00'),
    );
  });
});

describe("a tenant's extra holiday and workday", () => {
  const tenant = timeContext({ days: { holidays: ['2025-09-22'], workdays: ['2025-10-08'] } });

  it('moves working deadlines past the extra holiday', () => {
    expect(deadline(at('2025-09-19 15:00'), { value: 1, unit: 'working_days' }, tenant)).toEqual(
      at('2025-09-23 17:30'),
    );
    expect(deadline(at('2025-09-19 16:00'), { value: 4, unit: 'working_hours' }, tenant)).toEqual(
      at('2025-09-23 11:00'),
    );
  });

  it('counts the extra workday inside a statutory holiday', () => {
    expect(deadline(at('2025-09-30 10:00'), { value: 1, unit: 'working_days' }, tenant)).toEqual(
      at('2025-10-08 17:30'),
    );
  });

  it('leaves natural time alone', () => {
    expect(deadline(at('2025-09-21 15:00'), { value: 1, unit: 'natural_days' }, tenant)).toEqual(
      at('2025-09-22 15:00'),
    );
  });
});

describe('beyond the calendar data', () => {
  it('counts Monday–Friday: 2099-10-01, a Thursday, is a workday', () => {
    expect(due('2099-09-30 10:00', 1, 'working_days')).toEqual(at('2099-10-01 17:30'));
  });

  it('matches a Monday–Friday calendar', () => {
    const plain = timeContext({}, weekdayCalendar);
    expect(deadline(at('2025-09-30 10:00'), { value: 1, unit: 'working_days' }, plain)).toEqual(at('2025-10-01 17:30'));
  });
});

describe('elapsed time, in the unit of the limit', () => {
  it('natural hours', () => {
    expect(elapsed(at('2025-09-26 15:00'), at('2025-09-26 18:30'), 'natural_hours', [], ctx)).toBe(3.5);
    expect(elapsed(at('2025-09-26 15:00'), at('2025-09-26 15:45'), 'natural_minutes', [], ctx)).toBe(45);
    expect(elapsed(at('2025-09-26 15:00'), at('2025-09-27 03:00'), 'natural_days', [], ctx)).toBe(0.5);
  });

  it('working hours leave out lunch, nights and weekends', () => {
    expect(elapsed(at('2025-09-29 11:00'), at('2025-09-29 14:30'), 'working_hours', [], ctx)).toBe(2);
    expect(elapsed(at('2025-09-19 16:00'), at('2025-09-22 09:30'), 'working_hours', [], ctx)).toBe(2.5);
    expect(elapsed(at('2025-09-26 16:00'), at('2025-09-28 11:00'), 'working_hours', [], ctx)).toBe(4);
  });

  it('working days: nothing on the start day, then each workday by the share of its working time gone by', () => {
    const start = at('2025-09-19 15:00');
    expect(elapsed(start, at('2025-09-19 17:30'), 'working_days', [], ctx)).toBe(0);
    expect(elapsed(start, at('2025-09-21 12:00'), 'working_days', [], ctx)).toBe(0);
    expect(elapsed(start, at('2025-09-22 12:00'), 'working_days', [], ctx)).toBe(3.5 / 7.5);
    expect(elapsed(start, at('2025-09-22 17:30'), 'working_days', [], ctx)).toBe(1);
    expect(elapsed(start, at('2025-09-23 17:30'), 'working_days', [], ctx)).toBe(2);
  });

  it('reaches the limit exactly at the deadline', () => {
    const start = at('2025-09-30 10:00');
    const end = deadline(start, { value: 4, unit: 'working_days' }, ctx);
    expect(elapsed(start, end, 'working_days', [], ctx)).toBe(4);
    const endHours = deadline(start, { value: 9, unit: 'working_hours' }, ctx);
    expect(elapsed(start, endHours, 'working_hours', [], ctx)).toBe(9);
  });

  it('is zero before the start', () => {
    expect(elapsed(at('2025-09-29 09:00'), at('2025-09-29 08:00'), 'natural_minutes', [], ctx)).toBe(0);
  });
});

describe('bad input', () => {
  it('refuses invalid limits and times', () => {
    expect(() => deadline(at('2025-09-29 09:00'), { value: 0, unit: 'working_hours' }, ctx)).toThrow();
    expect(() => deadline(at('2025-09-29 09:00'), { value: 1.5, unit: 'natural_hours' }, ctx)).toThrow();
    expect(() => deadline(new Date(Number.NaN), { value: 1, unit: 'natural_hours' }, ctx)).toThrow(
      /start is not a valid time/,
    );
  });

  it('stops searching a calendar that never works', () => {
    const never = timeContext({}, { isWorkday: () => false, covers: () => true });
    expect(() => deadline(at('2025-09-29 09:00'), { value: 1, unit: 'working_days' }, never)).toThrow(/no workday/);
  });
});
