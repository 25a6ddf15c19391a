import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKING_HOURS, TenantTimeSettings, timeContext } from './time-context.js';

const HOUR_MS = 3_600_000;

describe('tenant time settings', () => {
  it('default to Beijing time and 08:30–12:00, 13:30–17:30: 7.5 working hours a day', () => {
    expect(TenantTimeSettings.parse({})).toEqual({
      utcOffset: '+08:00',
      workingHours: DEFAULT_WORKING_HOURS,
      days: { holidays: [], workdays: [] },
    });
    const ctx = timeContext();
    expect(ctx.offsetMs).toBe(8 * HOUR_MS);
    expect(ctx.workdayMs).toBe(7.5 * HOUR_MS);
    expect(ctx.periods).toEqual([
      { from: 8.5 * HOUR_MS, to: 12 * HOUR_MS },
      { from: 13.5 * HOUR_MS, to: 17.5 * HOUR_MS },
    ]);
  });

  it('take other hours, a period ending at midnight and a negative offset', () => {
    const ctx = timeContext({ utcOffset: '-05:30', workingHours: [{ start: '18:00', end: '24:00' }] });
    expect(ctx.offsetMs).toBe(-5.5 * HOUR_MS);
    expect(ctx.workdayMs).toBe(6 * HOUR_MS);
  });

  it('refuse periods that end before they start, overlap or are out of order', () => {
    expect(() => timeContext({ workingHours: [{ start: '12:00', end: '08:30' }] })).toThrow(/08:30 is not after 12:00/);
    expect(() =>
      timeContext({
        workingHours: [
          { start: '08:30', end: '12:00' },
          { start: '11:00', end: '17:30' },
        ],
      }),
    ).toThrow(/before the previous period ends/);
    expect(() => timeContext({ workingHours: [] })).toThrow();
  });

  it('refuse times and offsets that are not HH:MM', () => {
    expect(() => timeContext({ workingHours: [{ start: '8:30', end: '12:00' }] })).toThrow(
      /expected a time like 08:30/,
    );
    expect(() => timeContext({ workingHours: [{ start: '08:30', end: '24:30' }] })).toThrow(/expected a time/);
    expect(() => timeContext({ utcOffset: 'Asia/Shanghai' })).toThrow(/expected an offset like \+08:00/);
  });
});
