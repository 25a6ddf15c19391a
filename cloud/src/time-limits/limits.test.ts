import { describe, expect, it } from 'vitest';
import { deadline } from './deadline.js';
import { effectiveLimit, extend, TimeLimit } from './limits.js';
import { timeContext } from './time-context.js';

/** A time in Beijing, `YYYY-MM-DD HH:MM`. */
const at = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`);
const ctx = timeContext();

describe('a time limit', () => {
  it('is a whole number of one of five units', () => {
    expect(TimeLimit.parse({ value: 4, unit: 'working_hours' })).toEqual({ value: 4, unit: 'working_hours' });
    expect(TimeLimit.safeParse({ value: 0, unit: 'working_hours' }).success).toBe(false);
    expect(TimeLimit.safeParse({ value: 1.5, unit: 'natural_hours' }).success).toBe(false);
    expect(TimeLimit.safeParse({ value: 1, unit: 'working_minutes' }).success).toBe(false);
    expect(TimeLimit.safeParse({ value: 1, unit: 'natural_days', urgent: true }).success).toBe(false);
  });
});

describe('urgent incidents run on natural time', () => {
  it('turn working units into the same number of natural units', () => {
    expect(effectiveLimit({ value: 4, unit: 'working_hours' }, true)).toEqual({ value: 4, unit: 'natural_hours' });
    expect(effectiveLimit({ value: 2, unit: 'working_days' }, true)).toEqual({ value: 2, unit: 'natural_days' });
    expect(effectiveLimit({ value: 10, unit: 'natural_minutes' }, true)).toEqual({
      value: 10,
      unit: 'natural_minutes',
    });
  });

  it('keep the limit of a non-urgent incident', () => {
    expect(effectiveLimit({ value: 4, unit: 'working_hours' }, false)).toEqual({ value: 4, unit: 'working_hours' });
  });

  it('are due over the weekend', () => {
    const limit = { value: 4, unit: 'working_hours' } as const;
    expect(deadline(at('2025-09-19 16:00'), limit, ctx)).toEqual(at('2025-09-22 11:00'));
    expect(deadline(at('2025-09-19 16:00'), effectiveLimit(limit, true), ctx)).toEqual(at('2025-09-19 20:00'));
  });
});

describe('an approved extension (延期) lengthens the limit', () => {
  it('adds up in the same unit', () => {
    expect(extend({ value: 5, unit: 'working_days' }, { value: 2, unit: 'working_days' })).toEqual({
      value: 7,
      unit: 'working_days',
    });
  });

  it('adds natural units in the smaller one', () => {
    expect(extend({ value: 1, unit: 'natural_days' }, { value: 2, unit: 'natural_hours' })).toEqual({
      value: 26,
      unit: 'natural_hours',
    });
    expect(extend({ value: 30, unit: 'natural_minutes' }, { value: 1, unit: 'natural_hours' })).toEqual({
      value: 90,
      unit: 'natural_minutes',
    });
  });

  it('refuses to mix natural and working time, or working hours and working days', () => {
    expect(() => extend({ value: 4, unit: 'working_hours' }, { value: 2, unit: 'natural_hours' })).toThrow(RangeError);
    expect(() => extend({ value: 4, unit: 'working_hours' }, { value: 1, unit: 'working_days' })).toThrow(
      /an extension in working_days cannot lengthen a limit in working_hours/,
    );
  });

  it('moves the deadline, counted from the start of the step, across a holiday', () => {
    // 5 working days from Monday 2025-09-22: Sep 23–26 and make-up Sunday Sep 28.
    const start = at('2025-09-22 09:00');
    const limit = { value: 5, unit: 'working_days' } as const;
    expect(deadline(start, limit, ctx)).toEqual(at('2025-09-28 17:30'));
    expect(deadline(start, extend(limit, { value: 2, unit: 'working_days' }), ctx)).toEqual(at('2025-09-30 17:30'));
    expect(deadline(start, extend(limit, { value: 3, unit: 'working_days' }), ctx)).toEqual(at('2025-10-09 17:30'));
  });
});
