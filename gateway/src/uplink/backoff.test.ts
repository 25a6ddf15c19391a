import { describe, expect, it } from 'vitest';
import { Backoff, RateLimit } from './backoff.js';

describe('retry backoff', () => {
  it('doubles from the initial delay to the maximum, each delay between half and all of its step', () => {
    const low = new Backoff({ initialMs: 500, maxMs: 8000, random: () => 0 });
    const high = new Backoff({ initialMs: 500, maxMs: 8000, random: () => 0.999 });
    expect(Array.from({ length: 7 }, () => low.next())).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000]);
    expect(Array.from({ length: 7 }, () => high.next())).toEqual([500, 1000, 1999, 3998, 7996, 7996, 7996]);
  });

  it('starts again from the initial delay after a success', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 10_000, random: () => 0.5 });
    for (let i = 0; i < 5; i++) backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(75);
  });
});

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
