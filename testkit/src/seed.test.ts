import { describe, expect, it } from 'vitest';
import { testSeed } from './seed.js';

describe('a test seed that can be replayed', () => {
  it('takes GRIDLINK_TEST_SEED when set and prints how to replay it', () => {
    const lines: string[] = [];
    expect(testSeed('kill delays', { env: { GRIDLINK_TEST_SEED: '42' }, log: (line) => lines.push(line) })).toBe(42);
    expect(lines).toEqual(['[seed] kill delays: 42 (replay with GRIDLINK_TEST_SEED=42)']);
  });

  it('otherwise draws one and prints it', () => {
    const lines: string[] = [];
    const seed = testSeed('kill delays', { env: {}, log: (line) => lines.push(line) });
    expect(lines).toEqual([`[seed] kill delays: ${seed} (replay with GRIDLINK_TEST_SEED=${seed})`]);
  });

  it('refuses a seed that is not a whole number, naming the variable and the range', () => {
    expect(() => testSeed('x', { env: { GRIDLINK_TEST_SEED: 'abc' }, log: () => {} })).toThrow(
      'GRIDLINK_TEST_SEED=abc is not a seed: use a whole number from 0 to 4294967295',
    );
  });
});
