import { describe, expect, it } from 'vitest';
import { deadline, deadlineWithPauses, elapsed } from './deadline.js';
import { timeContext } from './time-context.js';

/** A time in Beijing, `YYYY-MM-DD HH:MM`. */
const at = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`);
const pause = (from: string, to?: string) => ({ from: at(from), ...(to === undefined ? {} : { to: at(to) }) });
const ctx = timeContext();

describe('a suspension (SUSPENDED, 挂账) stops the clock', () => {
  it('pushes a natural deadline by the time suspended', () => {
    const start = at('2025-09-29 09:00');
    const limit = { value: 2, unit: 'natural_hours' } as const;
    expect(deadlineWithPauses(start, limit, [], ctx)).toEqual(at('2025-09-29 11:00'));
    expect(deadlineWithPauses(start, limit, [pause('2025-09-29 10:00', '2025-09-29 10:30')], ctx)).toEqual(
      at('2025-09-29 11:30'),
    );
  });

  it('pushes a working-hours deadline by the working time suspended', () => {
    const start = at('2025-09-29 09:00');
    const limit = { value: 4, unit: 'working_hours' } as const;
    expect(deadline(start, limit, ctx)).toEqual(at('2025-09-29 14:30'));
    expect(deadlineWithPauses(start, limit, [pause('2025-09-29 10:00', '2025-09-29 11:00')], ctx)).toEqual(
      at('2025-09-29 15:30'),
    );
  });

  it('does not push a working deadline for a suspension outside working hours', () => {
    const start = at('2025-09-29 09:00');
    const limit = { value: 4, unit: 'working_hours' } as const;
    const overLunch = [pause('2025-09-29 12:00', '2025-09-29 13:30')];
    expect(deadlineWithPauses(start, limit, overLunch, ctx)).toEqual(at('2025-09-29 14:30'));
    expect(deadlineWithPauses(start, { value: 6, unit: 'natural_hours' }, overLunch, ctx)).toEqual(
      at('2025-09-29 16:30'),
    );
  });

  it('pushes a working-days deadline into the next workday by the working time suspended', () => {
    // Due Monday 17:30; 3.5 working hours suspended on Monday morning move it to Tuesday 12:00.
    const start = at('2025-09-19 15:00');
    const limit = { value: 1, unit: 'working_days' } as const;
    expect(deadlineWithPauses(start, limit, [pause('2025-09-22 08:30', '2025-09-22 12:00')], ctx)).toEqual(
      at('2025-09-23 12:00'),
    );
    expect(
      elapsed(start, at('2025-09-22 17:30'), 'working_days', [pause('2025-09-22 08:30', '2025-09-22 12:00')], ctx),
    ).toBe(4 / 7.5);
  });

  it('leaves the clock stopped while the suspension lasts: no deadline, elapsed time frozen', () => {
    const start = at('2025-09-29 09:00');
    const open = [pause('2025-09-29 10:00')];
    expect(deadlineWithPauses(start, { value: 2, unit: 'working_hours' }, open, ctx)).toBeUndefined();
    expect(elapsed(start, at('2025-09-29 10:00'), 'working_hours', open, ctx)).toBe(1);
    expect(elapsed(start, at('2025-10-20 10:00'), 'working_hours', open, ctx)).toBe(1);
  });

  it('tells when the step would be due if it resumed now', () => {
    const start = at('2025-09-29 09:00');
    const resumedNow = [pause('2025-09-29 10:00', '2025-09-30 09:00')];
    // 1 working hour before the suspension, 1 after it: Tuesday 10:00.
    expect(deadlineWithPauses(start, { value: 2, unit: 'working_hours' }, resumedNow, ctx)).toEqual(
      at('2025-09-30 10:00'),
    );
  });

  it('keeps a deadline reached before a suspension started', () => {
    const start = at('2025-09-29 09:00');
    expect(deadlineWithPauses(start, { value: 1, unit: 'working_hours' }, [pause('2025-09-29 11:00')], ctx)).toEqual(
      at('2025-09-29 10:00'),
    );
  });

  it('counts overlapping suspensions once and ignores time before the start', () => {
    const start = at('2025-09-29 09:00');
    const pauses = [
      pause('2025-09-29 10:15', '2025-09-29 10:45'),
      pause('2025-09-29 08:00', '2025-09-29 09:30'),
      pause('2025-09-29 10:00', '2025-09-29 10:30'),
    ];
    // Suspended 09:00–09:30 and 10:00–10:45: 75 minutes.
    expect(deadlineWithPauses(start, { value: 2, unit: 'natural_hours' }, pauses, ctx)).toEqual(at('2025-09-29 12:15'));
    expect(elapsed(start, at('2025-09-29 11:00'), 'natural_minutes', pauses, ctx)).toBe(45);
  });

  it('refuses a suspension that ends before it starts', () => {
    expect(() =>
      deadlineWithPauses(
        at('2025-09-29 09:00'),
        { value: 1, unit: 'natural_hours' },
        [pause('2025-09-29 10:00', '2025-09-29 09:30')],
        ctx,
      ),
    ).toThrow(/pauses\[0\] ends before it starts/);
  });
});
