import { describe, expect, it } from 'vitest';
import { hashPassword } from './password.js';
import { VerifiedCredentials } from './verified-cache.js';

describe('verified credentials cache', () => {
  it('verifies, then answers repeats from memory, and never accepts a wrong password', async () => {
    const cache = new VerifiedCredentials();
    const stored = await hashPassword('right');
    expect(await cache.verify('th-1', 'right', stored)).toBe(true);
    expect(await cache.verify('th-1', 'right', stored)).toBe(true);
    expect(await cache.verify('th-1', 'wrong', stored)).toBe(false);
  });

  it('forgets an entry when the stored hash changes (rotation, retirement)', async () => {
    const cache = new VerifiedCredentials();
    const before = await hashPassword('old');
    expect(await cache.verify('th-1', 'old', before)).toBe(true);
    const after = await hashPassword('new');
    expect(await cache.verify('th-1', 'old', after)).toBe(false);
    expect(await cache.verify('th-1', 'new', after)).toBe(true);
  });

  it('stays bounded', async () => {
    const cache = new VerifiedCredentials(2);
    const stored = await hashPassword('pw');
    for (const id of ['a', 'b', 'c']) await cache.verify(id, 'pw', stored);
    expect((cache as unknown as { entries: Map<string, unknown> }).entries.size).toBe(2);
  });
});
