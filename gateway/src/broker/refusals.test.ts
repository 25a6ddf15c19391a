import { describe, expect, it } from 'vitest';
import { Refusals } from './refusals.js';

describe('refusal log', () => {
  it('logs the first refusal per client, counts repeats, and says how many it held back', () => {
    let now = 0;
    const refusals = new Refusals(() => now, { maxTracked: 10, linesPerMinute: 2 });
    expect(refusals.record('connect', 'wrong_password', 'a')).toBe(0);
    expect(refusals.record('connect', 'wrong_password', 'a')).toBeNull(); // repeat: counted only
    expect(refusals.record('connect', 'wrong_password', 'b')).toBe(0);
    expect(refusals.record('connect', 'wrong_password', 'c')).toBeNull(); // over 2 lines a minute
    now += 60_000;
    expect(refusals.record('connect', 'wrong_password', 'd')).toBe(1); // one held back
    expect(refusals.snapshot()).toEqual({ 'connect:wrong_password': 5 });
  });

  it('remembers at most maxTracked clients, forgetting the least recently refused', () => {
    let now = 0;
    const refusals = new Refusals(() => now, { maxTracked: 3, linesPerMinute: 1_000 });
    for (let n = 0; n < 100; n++) {
      now += 1;
      refusals.record('connect', 'unknown_user', `random-${n}`);
    }
    expect(refusals.tracked).toBe(3);
  });
});
