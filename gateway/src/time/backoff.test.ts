import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

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

  it('takes a random share of each step as configured: none is exact, all may shorten a delay to nothing', () => {
    const exact = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0, random: () => 0.7 });
    expect(Array.from({ length: 4 }, () => exact.next())).toEqual([1000, 2000, 4000, 4000]);
    const full = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 1, random: () => 0 });
    expect(full.next()).toBe(0);
  });
});
