import { describe, expect, it } from 'vitest';
import { RateLimit } from './rate-limit.js';

describe('the delivery rate limit', () => {
  it('lets one second of events through at once, then paces them', () => {
    let now = 0;
    const rate = new RateLimit(1000, () => now);
    expect(rate.take(1000)).toBe(0);
    expect(rate.take(500)).toBe(500);
    now += 500;
    expect(rate.take(0)).toBe(0);
    expect(rate.take(1000)).toBe(1000);
  });

  it('reads only the monotonic clock it is given (a wall-clock step cannot refill or drain it)', () => {
    let now = 1000;
    const rate = new RateLimit(10, () => now);
    rate.take(10);
    const wallClockBefore = Date.now;
    Date.now = () => wallClockBefore() + 7_200_000;
    try {
      expect(rate.take(10)).toBe(1000);
    } finally {
      Date.now = wallClockBefore;
    }
    now += 2000;
    expect(rate.take(0)).toBe(0);
  });
});
