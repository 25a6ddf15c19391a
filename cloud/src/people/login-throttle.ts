import { isIPv6 } from 'node:net';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';

/** Limits on login attempts that are not tenant data: they protect the process (`auth.login`). */
export interface LoginLimits {
  /** Login attempts one source address may make in a burst… */
  perAddressBurst: number;
  /** …and how many it regains per minute (a token bucket shared by every replica). */
  perAddressPerMinute: number;
  /** Password checks (scrypt: ~50 ms and 16 MiB each) running at once in this process… */
  concurrentChecks: number;
  /** …and waiting for their turn; more are refused at once with Retry-After. */
  queuedChecks: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddressBurst: 20,
  perAddressPerMinute: 10,
  concurrentChecks: 4,
  queuedChecks: 32,
};

export type Claim = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Expired rows are deleted at most this often. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The key of a source address's budget: an IPv4 address as it is, an IPv6 one by its /64 (one
 * customer usually holds a whole /64, so each of its addresses must not get a budget of its own).
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/**
 * The login throttle's state in the database, so it holds across replicas: per username, attempts
 * are claimed *before* the password is checked (one statement counts and locks, so a burst of
 * parallel guesses gets no more checks than the budget); per source address, a token bucket.
 */
export class LoginThrottle {
  private nextPruneAt = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly limits: LoginLimits,
  ) {}

  /** Takes one attempt from `address`'s bucket; refused with the seconds until one is back. */
  async takeAddress(address: string): Promise<Claim> {
    const now = this.clock();
    const burst = this.limits.perAddressBurst;
    const perSecond = this.limits.perAddressPerMinute / 60;
    // The bucket as it stands now: what it held, plus what came back since, at most full.
    const refilled = `LEAST($2::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - b.updated_at)))::float8 * $4::float8)`;
    const { rows } = await this.db.query(
      `INSERT INTO login_address_budgets AS b (address, tokens, updated_at, full_at)
       VALUES ($1, $2::float8 - 1, $3, $3::timestamptz + make_interval(secs => 1 / $4::float8))
       ON CONFLICT (address) DO UPDATE SET
         tokens = ${refilled} - 1,
         updated_at = $3,
         full_at = $3::timestamptz + make_interval(secs => ($2::float8 - (${refilled} - 1)) / $4::float8)
       WHERE ${refilled} >= 1
       RETURNING tokens`,
      [addressKey(address), burst, now, perSecond],
    );
    this.prune(now);
    if (rows.length > 0) return { ok: true };
    const bucket = await this.db.query<{ tokens: number; updated_at: Date }>(
      'SELECT tokens, updated_at FROM login_address_budgets WHERE address = $1',
      [addressKey(address)],
    );
    const row = bucket.rows[0];
    const held = row
      ? Math.min(burst, row.tokens + (Math.max(0, now.getTime() - row.updated_at.getTime()) / 1000) * perSecond)
      : burst;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - held) / perSecond)) };
  }

  /** Gives `address` its attempt back: a successful login costs its address nothing. */
  async refundAddress(address: string): Promise<void> {
    await this.db.query(
      `UPDATE login_address_budgets SET tokens = LEAST($2::float8, tokens + 1),
         full_at = full_at - make_interval(secs => 1 / $3::float8)
       WHERE address = $1`,
      [addressKey(address), this.limits.perAddressBurst, this.limits.perAddressPerMinute / 60],
    );
  }

  /**
   * Claims one of `username`'s attempts before its password is checked, counting it as a failure
   * until {@link succeeded} says otherwise. The claim that takes the last attempt of the window
   * also sets the lock; while the lock holds, nothing is claimed (the right password included) and
   * the lock and count stay as they are. A failure outside the window, or after the lock ended,
   * starts a new count.
   */
  async claimUsername(
    username: string,
    policy: { maxFailures: number; failureWindowSeconds: number; lockSeconds: number },
  ): Promise<Claim> {
    const now = this.clock();
    const windowStart = new Date(now.getTime() - policy.failureWindowSeconds * 1000);
    const lockedUntil = new Date(now.getTime() + policy.lockSeconds * 1000);
    const windowEnd = new Date(now.getTime() + policy.failureWindowSeconds * 1000);
    const fresh = '((f.locked_until IS NOT NULL AND f.locked_until <= $2) OR f.first_failure_at <= $3)';
    const count = `(CASE WHEN ${fresh} THEN 1 ELSE f.failures + 1 END)`;
    const { rows } = await this.db.query(
      `INSERT INTO login_failures AS f (username, failures, first_failure_at, locked_until, expires_at)
       VALUES ($1, 1, $2, CASE WHEN $5::int <= 1 THEN $4::timestamptz END,
               CASE WHEN $5::int <= 1 THEN $4::timestamptz ELSE $6::timestamptz END)
       ON CONFLICT (username) DO UPDATE SET
         failures = ${count},
         first_failure_at = CASE WHEN ${fresh} THEN $2 ELSE f.first_failure_at END,
         locked_until = CASE WHEN ${count} >= $5 THEN $4::timestamptz END,
         expires_at = CASE WHEN ${count} >= $5 THEN $4::timestamptz
                           WHEN ${fresh} THEN $6::timestamptz
                           ELSE f.first_failure_at + make_interval(secs => $7::int) END
       WHERE (f.locked_until IS NULL OR f.locked_until <= $2) AND (${fresh} OR f.failures < $5)
       RETURNING failures`,
      [username, now, windowStart, lockedUntil, policy.maxFailures, windowEnd, policy.failureWindowSeconds],
    );
    this.prune(now);
    if (rows.length > 0) return { ok: true };
    const { rows: held } = await this.db.query<{ locked_until: Date | null; first_failure_at: Date }>(
      'SELECT locked_until, first_failure_at FROM login_failures WHERE username = $1',
      [username],
    );
    // No lock but a full count happens only when the limit was lowered meanwhile: wait out the window.
    const until =
      held[0]?.locked_until ??
      (held[0] ? new Date(held[0].first_failure_at.getTime() + policy.failureWindowSeconds * 1000) : lockedUntil);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)) };
  }

  /** The claimed attempt was the right password: the username's count starts again. */
  async succeeded(username: string): Promise<void> {
    await this.db.query('DELETE FROM login_failures WHERE username = $1', [username]);
  }

  /** Deletes rows that no longer hold anything, so sprayed usernames and addresses do not pile up. */
  private prune(now: Date): void {
    if (now.getTime() < this.nextPruneAt) return;
    this.nextPruneAt = now.getTime() + PRUNE_EVERY_MS;
    void (async () => {
      await this.db.query('DELETE FROM login_failures WHERE expires_at <= $1', [now]);
      await this.db.query('DELETE FROM login_address_budgets WHERE full_at <= $1', [now]);
    })().catch(() => {
      // Pruned with a later attempt.
      this.nextPruneAt = 0;
    });
  }
}

/**
 * At most `concurrent` password checks at once and `queued` waiting; a check beyond that is refused
 * at once (the caller answers 503 with Retry-After) rather than piling up memory and latency.
 */
export class CheckLimiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrent: number,
    private readonly queued: number,
  ) {}

  /** A slot to check one password (call the function returned when done), or undefined when full. */
  async acquire(): Promise<(() => void) | undefined> {
    if (this.active < this.concurrent) {
      this.active++;
      return this.releaser();
    }
    if (this.waiting.length >= this.queued) return undefined;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.releaser();
  }

  get running(): number {
    return this.active;
  }

  get queueLength(): number {
    return this.waiting.length;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes to the next waiting check, or is given back.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}
