import { describe, expect, it } from 'vitest';
import { HashBudget } from './hash-budget.js';

/** A verification the test settles by hand, so the order of hashes is observable. */
function pending() {
  const started: string[] = [];
  const settle = new Map<string, (ok: boolean) => void>();
  const verify = (label: string) => () => {
    started.push(label);
    return new Promise<boolean>((resolve) => settle.set(label, resolve));
  };
  const finish = async (label: string, ok: boolean) => {
    settle.get(label)?.(ok);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { started, verify, finish };
}

describe('hash budget', () => {
  it('lets an address fail its burst, then refuses it without hashing until it earns a token back', async () => {
    let now = 0;
    const budget = new HashBudget({ burst: 2, perMinute: 1, concurrency: 2 }, () => now);
    const wrong = async () => false;
    expect(await budget.run('10.0.0.9', wrong)).toBe(false);
    expect(await budget.run('10.0.0.9', wrong)).toBe(false);
    expect(await budget.run('10.0.0.9', wrong)).toBe('throttled');
    expect(budget.counts).toEqual({ refused: 1, hashed: 2 });
    now += 60_000;
    expect(await budget.run('10.0.0.9', wrong)).toBe(false);
    expect(await budget.run('10.0.0.9', async () => true)).toBe('throttled');
  });

  it('runs one hash per address at a time, addresses taking turns, and successes cost nothing', async () => {
    const budget = new HashBudget({ burst: 1, perMinute: 1, concurrency: 1 }, () => 0);
    const { started, verify, finish } = pending();
    const flood = [1, 2, 3].map((n) => budget.run('flood', verify(`flood-${n}`)));
    const good = budget.run('device', verify('device'));
    expect(started).toEqual(['flood-1']);
    await finish('flood-1', false); // the flood's only token is spent: its queue is refused
    expect(started).toEqual(['flood-1', 'device']);
    await finish('device', true);
    expect(await Promise.all(flood)).toEqual([false, 'throttled', 'throttled']);
    expect(await good).toBe(true);
    expect(await budget.run('device', async () => true)).toBe(true);
  });

  it('forgets the least recently seen addresses beyond its bound', async () => {
    const budget = new HashBudget({ burst: 1, perMinute: 1, concurrency: 1, maxAddresses: 3 }, () => 0);
    for (let n = 0; n < 10; n++) await budget.run(`10.0.0.${n}`, async () => false);
    expect(budget.addresses).toBe(3);
  });
});
