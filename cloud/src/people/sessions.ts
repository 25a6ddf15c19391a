import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { hashToken } from '../gateways/tokens.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings, SessionSettingsStore } from './session-settings.js';

/**
 * How long sessions live and when failed logins lock a username: the tenant's `session_settings`
 * row, read on every login and request (so an edit counts at once on every replica).
 */
export interface SessionPolicy {
  /** A session unused this long ends (it slides forward with every use). */
  idleSeconds: number;
  /** A session ends this long after the login, however much it is used or refreshed. */
  absoluteSeconds: number;
  /** Failed logins of one username within `failureWindowSeconds` that lock it… */
  maxFailures: number;
  failureWindowSeconds: number;
  /** …for this long. */
  lockSeconds: number;
}

export function sessionPolicy(settings: SessionSettings): SessionPolicy {
  return {
    idleSeconds: settings.idle_seconds,
    absoluteSeconds: settings.absolute_seconds,
    maxFailures: settings.max_failures,
    failureWindowSeconds: settings.failure_window_seconds,
    lockSeconds: settings.lock_seconds,
  };
}

/** The seeds of the stored settings, which the code used before they were data. */
export const DEFAULT_SESSION_POLICY: SessionPolicy = sessionPolicy(DEFAULT_SESSION_SETTINGS);

/** Session tokens are 32 random bytes; like gateway tokens only their SHA-256 is stored. */
export const SESSION_TOKEN_PREFIX = 'glus_';

function generateSessionToken(): string {
  return `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export interface IssuedSession {
  token: string;
  userId: string;
  expiresAt: Date;
}

export type LoginResult =
  | ({ ok: true } & IssuedSession)
  /** Wrong username or password, or a deactivated user: callers never learn which. */
  | { ok: false; reason: 'failed' }
  /** Too many failures: refused without looking at the password until `retryAfterSeconds` pass. */
  | { ok: false; reason: 'locked'; retryAfterSeconds: number };

/** Usernames are compared in lower case, so `Wang.Li` and `wang.li` share one throttle. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

/** Logins, sliding sessions, refresh (rotation), logout, and the per-username throttle. */
export class SessionStore {
  readonly settings: SessionSettingsStore;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.settings = new SessionSettingsStore(db, clock);
  }

  /** The policy in force now (the stored settings). */
  async policy(): Promise<SessionPolicy> {
    return sessionPolicy(await this.settings.get());
  }

  async login(username: string, password: string): Promise<LoginResult> {
    const name = normalizeUsername(username);
    const now = this.clock();
    const policy = await this.policy();
    const lock = await this.db.query<{ locked_until: Date | null }>(
      'SELECT locked_until FROM login_failures WHERE username = $1',
      [name],
    );
    const lockedUntil = lock.rows[0]?.locked_until;
    if (lockedUntil && lockedUntil > now) {
      return {
        ok: false,
        reason: 'locked',
        retryAfterSeconds: Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000),
      };
    }
    const { rows } = await this.db.query<{ id: string; password_hash: string; active: boolean }>(
      'SELECT id, password_hash, active FROM users WHERE username = $1',
      [name],
    );
    const user = rows[0];
    // Verify even for an unknown user, against a decoy, so both take the same time.
    const matches = await verifyPassword(password, user?.password_hash ?? (await decoyHash()));
    if (user === undefined || !matches || !user.active) {
      return this.recordFailure(name, now, policy);
    }
    await this.db.query('DELETE FROM login_failures WHERE username = $1', [name]);
    return { ok: true, ...(await this.issue(user.id, now, now, policy)) };
  }

  /** The user of a live session, sliding its expiry forward; undefined when unknown or ended. */
  async authenticate(token: string): Promise<{ userId: string; expiresAt: Date } | undefined> {
    const now = this.clock();
    // The settings come with the session, so every request sees the current ones in one query.
    const { rows } = await this.db.query<{
      user_id: string;
      started_at: Date;
      idle_seconds: number | null;
      absolute_seconds: number | null;
    }>(
      `SELECT s.user_id, s.started_at, p.idle_seconds, p.absolute_seconds
         FROM user_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN session_settings p ON true
        WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.active`,
      [hashToken(token), now],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const expiresAt = expiry(row.started_at, now, {
      idleSeconds: Number(row.idle_seconds ?? DEFAULT_SESSION_POLICY.idleSeconds),
      absoluteSeconds: Number(row.absolute_seconds ?? DEFAULT_SESSION_POLICY.absoluteSeconds),
    });
    await this.db.query('UPDATE user_sessions SET last_used_at = $2, expires_at = $3 WHERE token_sha256 = $1', [
      hashToken(token),
      now,
      expiresAt,
    ]);
    return { userId: row.user_id, expiresAt };
  }

  /**
   * The user of a live session, without sliding its expiry: for connections held open (streams),
   * which must not keep an unattended session alive. Undefined when unknown or ended.
   */
  async peek(token: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ user_id: string }>(
      `SELECT s.user_id FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.active`,
      [hashToken(token), this.clock()],
    );
    return rows[0]?.user_id;
  }

  /**
   * Replaces a live session's token with a new one: the old token stops working at once. The
   * absolute limit still counts from the login. Undefined when the token is unknown or ended.
   */
  async refresh(token: string): Promise<IssuedSession | undefined> {
    const now = this.clock();
    const policy = await this.policy();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ user_id: string; started_at: Date }>(
        `DELETE FROM user_sessions s USING users u
          WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.id = s.user_id AND u.active
          RETURNING s.user_id, s.started_at`,
        [hashToken(token), now],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      const next = generateSessionToken();
      const expiresAt = expiry(row.started_at, now, policy);
      await tx.query(
        `INSERT INTO user_sessions (token_sha256, user_id, started_at, last_used_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)`,
        [hashToken(next), row.user_id, row.started_at, now, expiresAt],
      );
      return { token: next, userId: row.user_id, expiresAt };
    });
  }

  /** Ends one session; false when the token was unknown. */
  async logout(token: string): Promise<boolean> {
    const { rows } = await this.db.query('DELETE FROM user_sessions WHERE token_sha256 = $1 RETURNING user_id', [
      hashToken(token),
    ]);
    return rows.length > 0;
  }

  private async issue(userId: string, startedAt: Date, now: Date, policy: SessionPolicy): Promise<IssuedSession> {
    const token = generateSessionToken();
    const expiresAt = expiry(startedAt, now, policy);
    // Ended sessions of this user go as new ones come, so the table does not grow without bound.
    await this.db.query('DELETE FROM user_sessions WHERE user_id = $1 AND expires_at <= $2', [userId, now]);
    await this.db.query(
      `INSERT INTO user_sessions (token_sha256, user_id, started_at, last_used_at, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [hashToken(token), userId, startedAt, now, expiresAt],
    );
    return { token, userId, expiresAt };
  }

  private async recordFailure(username: string, now: Date, policy: SessionPolicy): Promise<LoginResult> {
    const windowStart = new Date(now.getTime() - policy.failureWindowSeconds * 1000);
    const lockedUntil = new Date(now.getTime() + policy.lockSeconds * 1000);
    // One statement, so concurrent failures count correctly: a failure outside the window (or
    // after an expired lock) starts a new count; reaching the limit sets the lock and resets it.
    await this.db.query(
      `INSERT INTO login_failures AS f (username, failures, first_failure_at, locked_until)
       VALUES ($1, 1, $2, CASE WHEN $5::int <= 1 THEN $4::timestamptz END)
       ON CONFLICT (username) DO UPDATE SET
         failures = CASE WHEN f.first_failure_at <= $3 OR f.locked_until IS NOT NULL THEN 1 ELSE f.failures + 1 END,
         first_failure_at = CASE WHEN f.first_failure_at <= $3 OR f.locked_until IS NOT NULL THEN $2 ELSE f.first_failure_at END,
         locked_until = CASE
           WHEN (CASE WHEN f.first_failure_at <= $3 OR f.locked_until IS NOT NULL THEN 1 ELSE f.failures + 1 END) >= $5
           THEN $4::timestamptz END`,
      [username, now, windowStart, lockedUntil, policy.maxFailures],
    );
    // The attempt that reaches the limit still answers "failed"; the following ones "locked".
    return { ok: false, reason: 'failed' };
  }
}

function expiry(startedAt: Date, now: Date, policy: Pick<SessionPolicy, 'idleSeconds' | 'absoluteSeconds'>): Date {
  return new Date(
    Math.min(now.getTime() + policy.idleSeconds * 1000, startedAt.getTime() + policy.absoluteSeconds * 1000),
  );
}
