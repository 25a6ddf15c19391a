import { describe, expect, it } from 'vitest';
import { clockTime, monthOf, overlaps, shiftMonth, weeksOf } from './month.js';

/** The duty calendar's months are China's, whatever zone the browser is in. */
describe('calendar months in China time', () => {
  it('lays December 2026 out Monday first: it starts on a Tuesday and ends on a Thursday', () => {
    const weeks = weeksOf('2026-12');
    expect(weeks).toHaveLength(5);
    expect(weeks[0]?.map((day) => day?.day ?? null)).toEqual([null, 1, 2, 3, 4, 5, 6]);
    expect(weeks[4]?.map((day) => day?.day ?? null)).toEqual([28, 29, 30, 31, null, null, null]);
    expect(weeks[0]?.[1]?.start).toBe(Date.parse('2026-12-01T00:00:00+08:00'));
  });

  it('puts an instant after 16:00 UTC on the next China day and month', () => {
    expect(monthOf(Date.parse('2026-11-30T16:30:00Z'))).toBe('2026-12');
    expect(clockTime('2026-11-30T16:30:00Z')).toBe('00:30');
    expect(shiftMonth('2026-12', 1)).toBe('2027-01');
    expect(shiftMonth('2027-01', -1)).toBe('2026-12');
  });

  it('shows a night shift on both days it spans, and not on the day after it ends', () => {
    const [first, second, third] = weeksOf('2026-12')[0]?.slice(1, 4) ?? [];
    const night = ['2026-12-01T20:00:00+08:00', '2026-12-02T08:00:00+08:00'] as const;
    expect(first && overlaps(first, ...night)).toBe(true);
    expect(second && overlaps(second, ...night)).toBe(true);
    expect(third && overlaps(third, ...night)).toBe(false);
  });
});
