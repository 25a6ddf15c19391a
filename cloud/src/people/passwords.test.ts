import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';

const FAST = { N: 1024, r: 8, p: 1 };

describe('passwords', () => {
  it('are stored as scrypt with their parameters and a random salt', async () => {
    const first = await hashPassword('correct horse battery staple');
    const second = await hashPassword('correct horse battery staple');
    expect(first).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(second).not.toBe(first);
    expect(first).not.toContain('horse');
  });

  it('verify with the parameters stored in the hash, so the cost can change later', async () => {
    const cheap = await hashPassword('correct horse battery staple', FAST);
    expect(cheap.startsWith('scrypt$1024$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse battery staple', cheap)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', cheap)).toBe(false);
    expect(await verifyPassword('', cheap)).toBe(false);
  });

  it('match nothing against a malformed stored hash', async () => {
    for (const stored of ['', 'plain', 'scrypt$1024$8$1$salt', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$AAAA$AAAA']) {
      expect(await verifyPassword('anything', stored)).toBe(false);
    }
  });

  it('need 12 to 256 characters', () => {
    expect(passwordProblem('short')).toBe('a password needs at least 12 characters');
    expect(passwordProblem('x'.repeat(257))).toBe('a password has at most 256 characters');
    expect(passwordProblem('twelve chars')).toBeUndefined();
  });

  it('refuse what guessing lists try first, and the username inside', () => {
    expect(passwordProblem('aaaaaaaaaaaa')).toBe('a password needs at least 6 different characters');
    expect(passwordProblem('123456789012')).toBe(
      'a password of digits only is guessed quickly: use words or mix in letters',
    );
    for (const guessable of ['Password2026!', 'qwertyuiop123', 'admin@123456', '1qaz2wsx3edc']) {
      expect(passwordProblem(guessable), guessable).toBe(
        'this password is among the first any attacker tries: choose another',
      );
    }
    expect(passwordProblem('wang.li-2026-spring', 'wang.li')).toBe('a password must not contain the username');
    expect(passwordProblem('correct horse battery staple', 'wang.li')).toBeUndefined();
  });
});
