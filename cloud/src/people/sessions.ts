import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { hashToken } from '../gateways/tokens.js';
import { CheckLimiter, DEFAULT_LOGIN_LIMITS, type LoginLimits, LoginThrottle } from './login-throttle.js';
import { decoyHash, verifyPassword } from './passwords.js';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings, SessionSettingsStore } from './session-settings.js';

/** How often a session's sliding expiry is written: at most once a minute per session. */
const SLIDE_EVERY_MS = 60_000;

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
  | { ok: false; reason: 'locked'; retryAfterSeconds: number }
  /** The source address spent its budget of attempts: refused without looking at the password. */
  | { ok: false; reason: 'address'; retryAfterSeconds: number }
  /** Too many password checks at once in this process: try again shortly. */
  | { ok: false; reason: 'busy'; retryAfterSeconds: number };

/** Usernames are compared in lower case, so `Wang.Li` and `wang.li` share one throttle. */
export function normalizeUsername(username: string): string {
  return username.normalize('NFC').toLowerCase();
}

/** Checks a password against a stored hash (tests may wrap it to hold checks in flight). */
export type PasswordCheck = (password: string, stored: string) => Promise<boolean>;

export interface SessionStoreOptions {
  /** The per-address budget and the bound on password checks at once; see the defaults. */
  limits?: LoginLimits;
  passwordCheck?: PasswordCheck;
}

/** Logins, sliding sessions, refresh (rotation), logout, and the per-username throttle. */
export class SessionStore {
  readonly settings: SessionSettingsStore;
  private readonly throttle: LoginThrottle;
  private readonly checks: CheckLimiter;
  private readonly passwordCheck: PasswordCheck;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    options: SessionStoreOptions = {},
  ) {
    this.settings = new SessionSettingsStore(db, clock);
    const limits = options.limits ?? DEFAULT_LOGIN_LIMITS;
    this.throttle = new LoginThrottle(db, clock, limits);
    this.checks = new CheckLimiter(limits.concurrentChecks, limits.queuedChecks);
    this.passwordCheck = options.passwordCheck ?? verifyPassword;
  }

  /** The policy in force now (the stored settings). */
  async policy(): Promise<SessionPolicy> {
    return sessionPolicy(await this.settings.get());
  }

  /**
   * Checks a password. `address` is the client's source address (its budget is taken first);
   * the username's attempt is claimed before the password is checked, and the check waits for a
   * free slot of the process's password checks.
   */
  async login(username: string, password: string, address?: string): Promise<LoginResult> {
    const name = normalizeUsername(username);
    if (address !== undefined) {
      const budget = await this.throttle.takeAddress(address);
      if (!budget.ok) return { ok: false, reason: 'address', retryAfterSeconds: budget.retryAfterSeconds };
    }
    const release = await this.checks.acquire();
    if (release === undefined) {
      // Refused for the process's load, not for the address: its attempt is given back.
      if (address !== undefined) await this.throttle.refundAddress(address);
      return { ok: false, reason: 'busy', retryAfterSeconds: 1 };
    }
    let user: { id: string; password_hash: string; active: boolean } | undefined;
    let matches: boolean;
    try {
      const policy = await this.policy();
      const claim = await this.throttle.claimUsername(name, policy);
      if (!claim.ok) return { ok: false, reason: 'locked', retryAfterSeconds: claim.retryAfterSeconds };
      const { rows } = await this.db.query<{ id: string; password_hash: string; active: boolean }>(
        'SELECT id, password_hash, active FROM users WHERE username = $1',
        [name],
      );
      user = rows[0];
      // Verify even for an unknown user, against a decoy, so both take the same time.
      matches = await this.passwordCheck(password, user?.password_hash ?? (await decoyHash()));
    } finally {
      release();
    }
    // The claimed attempt already counts as a failure; only a success changes the count.
    if (user === undefined || !matches || !user.active) return { ok: false, reason: 'failed' };
    const now = this.clock();
    await this.throttle.succeeded(name);
    if (address !== undefined) await this.throttle.refundAddress(address);
    return { ok: true, ...(await this.issue(user.id, now, now, await this.policy())) };
  }

  /** The user of a live session, sliding its expiry forward; undefined when unknown or ended. */
  async authenticate(token: string): Promise<{ userId: string; sessionId: string; expiresAt: Date } | undefined> {
    const now = this.clock();
    // The settings come with the session, so every request sees the current ones in one query.
    const { rows } = await this.db.query<{
      user_id: string;
      session_id: string;
      started_at: Date;
      last_used_at: Date;
      expires_at: Date;
      idle_seconds: number | null;
      absolute_seconds: number | null;
    }>(
      `SELECT s.user_id, s.session_id, s.started_at, s.last_used_at, s.expires_at, p.idle_seconds, p.absolute_seconds
         FROM user_sessions s JOIN users u ON u.id = s.user_id LEFT JOIN session_settings p ON true
        WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.active`,
      [hashToken(token), now],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    // A phone on patrol calls every few seconds: the expiry slides at most once a minute, so a
    // request is one read, not a read and a write (the session may end up to a minute early).
    if (now.getTime() - row.last_used_at.getTime() < SLIDE_EVERY_MS)
      return { userId: row.user_id, sessionId: row.session_id, expiresAt: row.expires_at };
    const expiresAt = expiry(row.started_at, now, {
      idleSeconds: Number(row.idle_seconds ?? DEFAULT_SESSION_POLICY.idleSeconds),
      absoluteSeconds: Number(row.absolute_seconds ?? DEFAULT_SESSION_POLICY.absoluteSeconds),
    });
    await this.db.query('UPDATE user_sessions SET last_used_at = $2, expires_at = $3 WHERE token_sha256 = $1', [
      hashToken(token),
      now,
      expiresAt,
    ]);
    return { userId: row.user_id, sessionId: row.session_id, expiresAt };
  }

  /**
   * Whether the session `sessionId` of `userId` is live (without sliding it), its user active. An
   * API token's id counts too (live while not revoked or expired): links signed for a request made
   * with a token work while the token does.
   */
  async live(sessionId: string, userId: string): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sessionId)) return false;
    const { rows } = await this.db.query(
      `SELECT 1 FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.session_id = $1 AND s.user_id = $2 AND s.expires_at > $3 AND u.active
       UNION ALL
       SELECT 1 FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.id = $1 AND t.user_id = $2 AND t.expires_at > $3 AND t.revoked_at IS NULL AND u.active`,
      [sessionId, userId, this.clock()],
    );
    return rows.length > 0;
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
      const { rows } = await tx.query<{ user_id: string; started_at: Date; session_id: string }>(
        `DELETE FROM user_sessions s USING users u
          WHERE s.token_sha256 = $1 AND s.expires_at > $2 AND u.id = s.user_id AND u.active
          RETURNING s.user_id, s.started_at, s.session_id`,
        [hashToken(token), now],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      const next = generateSessionToken();
      const expiresAt = expiry(row.started_at, now, policy);
      // The session keeps its id (links signed for it go on working); only the token changes.
      await tx.query(
        `INSERT INTO user_sessions (token_sha256, user_id, started_at, last_used_at, expires_at, session_id)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [hashToken(next), row.user_id, row.started_at, now, expiresAt, row.session_id],
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
}

function expiry(startedAt: Date, now: Date, policy: Pick<SessionPolicy, 'idleSeconds' | 'absoluteSeconds'>): Date {
  return new Date(
    Math.min(now.getTime() + policy.idleSeconds * 1000, startedAt.getTime() + policy.absoluteSeconds * 1000),
  );
}
