import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles the wait after each failure, up to the longest, and starts over after a success', () => {
    const backoff = new Backoff({ minMs: 1000, maxMs: 5000 });
    expect([backoff.next(), backoff.next(), backoff.next(), backoff.next(), backoff.next()]).toEqual([
      1000, 2000, 4000, 5000, 5000,
    ]);
    expect(backoff.attempts).toBe(5);
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });

  it('refuses delays that make no sense, naming them', () => {
    expect(() => new Backoff({ minMs: 0, maxMs: 10 })).toThrow(
      'backoff: need 0 < minMs <= maxMs, got minMs 0 and maxMs 10',
    );
    expect(() => new Backoff({ minMs: 10, maxMs: 5 })).toThrow('got minMs 10 and maxMs 5');
  });
});
