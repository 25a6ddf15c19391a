import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verifyPassword } from './password.js';

/**
 * Remembers credentials that verified, so a device reconnecting (flaky link, keep-alive loss)
 * does not pay the password hash again. Entries hold an HMAC of the password under a key that
 * lives only in this process, tied to the stored hash it matched: rotating or retiring a device
 * changes the stored hash and invalidates the entry.
 */
export class VerifiedCredentials {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, { storedHash: string; mac: Buffer }>();

  constructor(private readonly maxEntries = 20_000) {}

  /**
   * `hash` runs the password hash when the cache cannot answer; it may refuse to ('throttled',
   * see hash-budget.ts), which is passed on.
   */
  async verify(
    principal: string,
    password: string | Buffer,
    storedHash: string,
    hash: (run: () => Promise<boolean>) => Promise<boolean | 'throttled'> = (run) => run(),
  ): Promise<boolean | 'throttled'> {
    const mac = createHmac('sha256', this.key).update(password).digest();
    const cached = this.entries.get(principal);
    if (cached && cached.storedHash === storedHash && timingSafeEqual(cached.mac, mac)) return true;
    const verified = await hash(() => verifyPassword(password, storedHash));
    if (verified !== true) return verified;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(principal, { storedHash, mac });
    return true;
  }
}
