import { describe, expect, it } from 'vitest';
import { light } from './light.js';
import { timeContext } from './time-context.js';

/** A time in Beijing, `YYYY-MM-DD HH:MM`. */
const at = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`);
const ctx = timeContext();
const start = at('2025-09-29 09:00');
const hundredMinutes = { value: 100, unit: 'natural_minutes' } as const;
/** The light of a 100-minute limit `minutes` after the start. */
const after = (minutes: number, thresholds?: { yellow?: number; red?: number }) =>
  light(start, new Date(start.getTime() + minutes * 60_000), hundredMinutes, [], ctx, thresholds);

describe('the traffic light of a step', () => {
  it('is green below 80 % of the limit', () => {
    expect(after(0)).toEqual({ light: 'green', used: 0 });
    expect(after(79)).toEqual({ light: 'green', used: 0.79 });
  });

  it('is yellow from 80 % up to and including 100 %', () => {
    expect(after(80)).toEqual({ light: 'yellow', used: 0.8 });
    expect(after(100)).toEqual({ light: 'yellow', used: 1 });
  });

  it('is red above 100 %', () => {
    expect(after(101)).toEqual({ light: 'red', used: 1.01 });
  });

  it('warns at 70 % where the city says so', () => {
    expect(after(69, { yellow: 0.7 })).toEqual({ light: 'green', used: 0.69 });
    expect(after(70, { yellow: 0.7 })).toEqual({ light: 'yellow', used: 0.7 });
    expect(after(79, { yellow: 0.7 })).toEqual({ light: 'yellow', used: 0.79 });
  });

  it('leaves out the time suspended', () => {
    const now = at('2025-09-29 10:30');
    const pauses = [{ from: at('2025-09-29 09:30'), to: at('2025-09-29 09:50') }];
    expect(light(start, now, hundredMinutes, [], ctx)).toEqual({ light: 'yellow', used: 0.9 });
    expect(light(start, now, hundredMinutes, pauses, ctx)).toEqual({ light: 'green', used: 0.7 });
  });

  it('does not move on a weekend for working hours, and moves on a make-up workday', () => {
    const friday = at('2025-09-26 16:00');
    const limit = { value: 4, unit: 'working_hours' } as const;
    expect(light(friday, at('2025-09-27 12:00'), limit, [], ctx)).toEqual({ light: 'green', used: 0.375 });
    expect(light(friday, at('2025-09-28 10:30'), limit, [], ctx)).toEqual({ light: 'yellow', used: 0.875 });
    expect(light(friday, at('2025-09-28 11:00'), limit, [], ctx)).toEqual({ light: 'yellow', used: 1 });
    expect(light(friday, at('2025-09-28 11:01'), limit, [], ctx).light).toBe('red');
  });

  it('turns red after the end of the last working day', () => {
    const limit = { value: 1, unit: 'working_days' } as const;
    const friday = at('2025-09-19 15:00');
    expect(light(friday, at('2025-09-22 17:30'), limit, [], ctx)).toEqual({ light: 'yellow', used: 1 });
    expect(light(friday, at('2025-09-23 08:45'), limit, [], ctx)).toEqual({ light: 'red', used: 7.75 / 7.5 });
  });

  it('refuses thresholds where yellow comes after red, or not above zero', () => {
    expect(() => after(10, { yellow: 1.2, red: 1 })).toThrow(/yellow must not be above red/);
    expect(() => after(10, { yellow: 0 })).toThrow();
  });
});
