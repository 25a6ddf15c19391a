import { describe, expect, it } from 'vitest';
import { timeContext } from '../time-limits/index.js';
import { governingLimit } from './clock.js';

/** Tenant local time (+08:00) as an instant. */
const local = (at: string) => new Date(`${at}:00+08:00`);
const ctx = timeContext();
const FIVE_WORKING_DAYS = { value: 5, unit: 'working_days' } as const;
// A Monday at 10:00: the category's 5 working days end the next Monday.
const handling = { step: 'handle', startedAt: local('2026-12-07T10:00') } as const;

/**
 * An incident's external deadline (a hotline platform's) against the category's limit (docs/domain.md
 * §4): the earlier of the two governs the handling clock; nothing else changes.
 */
describe('the limit a clock starts from', () => {
  it('is the span to the external deadline, in natural minutes, when that comes first', () => {
    expect(governingLimit(FIVE_WORKING_DAYS, false, handling, local('2026-12-07T18:00'), ctx)).toEqual({
      value: 8 * 60,
      unit: 'natural_minutes',
    });
  });

  it('is the category’s when the external deadline comes later, or there is none', () => {
    expect(governingLimit(FIVE_WORKING_DAYS, false, handling, local('2026-12-31T18:00'), ctx)).toEqual(
      FIVE_WORKING_DAYS,
    );
    expect(governingLimit(FIVE_WORKING_DAYS, false, handling, null, ctx)).toEqual(FIVE_WORKING_DAYS);
    // Urgent: natural days, still the category's when it comes first.
    expect(governingLimit(FIVE_WORKING_DAYS, true, handling, local('2026-12-31T18:00'), ctx)).toEqual({
      value: 5,
      unit: 'natural_days',
    });
  });

  it('leaves the other steps’ clocks to the category', () => {
    const signing = { step: 'sign', startedAt: handling.startedAt } as const;
    const twoHours = { value: 2, unit: 'natural_hours' } as const;
    expect(governingLimit(twoHours, false, signing, local('2026-12-07T10:30'), ctx)).toEqual(twoHours);
  });

  it('leaves a clock starting at or after the external deadline to the category (the breach was the clock before)', () => {
    const restarted = { step: 'handle', startedAt: local('2026-12-07T18:00') } as const;
    expect(governingLimit(FIVE_WORKING_DAYS, false, restarted, local('2026-12-07T18:00'), ctx)).toEqual(
      FIVE_WORKING_DAYS,
    );
  });
});
