import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { hashToken } from '../gateways/tokens.js';
import { type Actor, actorName, writeAudit } from './audit.js';

/** What an API token starts with, so a leaked one is recognised (secret scanners, logs) and told from a session's. */
export const API_TOKEN_PREFIX = 'glt_';

/** A use is written at most this often per token: a flow polling every second costs reads, not writes. */
const TOUCH_EVERY_MS = 60_000;

const DAY_MS = 86_400_000;

/** How long a new token lives when its creator names no expiry, and the longest it may live (`auth.api_tokens`). */
export interface ApiTokenLimits {
  defaultDays: number;
  maxDays: number;
}

export const DEFAULT_API_TOKEN_LIMITS: ApiTokenLimits = { defaultDays: 365, maxDays: 730 };

/** A token as listed: never the secret, only its hint. */
export interface ApiToken {
  id: string;
  user_id: string;
  name: string;
  /** `glt_…` and the secret's last four characters: enough to tell tokens apart, useless to an attacker. */
  hint: string;
  created_by: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** A token just created: the secret is in `token`, here and nowhere else. */
export interface IssuedApiToken extends ApiToken {
  token: string;
}

/** Why a presented API token does not authenticate; each is a 401 naming the reason. */
export type ApiTokenRefusal =
  | { reason: 'unknown' }
  | { reason: 'revoked'; at: Date }
  | { reason: 'expired'; at: Date }
  | { reason: 'user_inactive' };

export type ApiTokenCheck = { ok: true; userId: string; tokenId: string } | ({ ok: false } & ApiTokenRefusal);

/** Whether a bearer token is an API token (and so not a session's or the admin token). */
export function isApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}

function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Why an expiry is refused, or undefined when it may be used. */
export type ExpiryRefusal = { kind: 'past' } | { kind: 'too_far'; latest: Date; days: number };

interface Row {
  id: string;
  user_id: string;
  name: string;
  hint: string;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, user_id, name, hint, created_by, created_at, expires_at, last_used_at, revoked_at';

function tokenJson(row: Row): ApiToken {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    hint: row.hint,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

/**
 * Long-lived bearer tokens of users, for integrations that cannot log in (a flow running for
 * months). A token acts as its user: the same roles, so the same scope checks; it ends when it
 * expires, is revoked, or its user is deactivated. Only the token's SHA-256 is stored: 32 random
 * bytes cannot be found from their digest by trying, so a slow password hash would add nothing but
 * cost to every request.
 */
export class ApiTokenStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly limits: ApiTokenLimits = DEFAULT_API_TOKEN_LIMITS,
  ) {}

  /** Why `expiresAt` may not be a new token's expiry (in the past, or beyond `maxDays`). */
  expiryRefusal(expiresAt: Date): ExpiryRefusal | undefined {
    const now = this.clock().getTime();
    if (expiresAt.getTime() <= now) return { kind: 'past' };
    const latest = new Date(now + this.limits.maxDays * DAY_MS);
    if (expiresAt > latest) return { kind: 'too_far', latest, days: this.limits.maxDays };
    return undefined;
  }

  /**
   * A new token of `userId` named `name`, expiring at `expiresAt` (default `defaultDays` from now;
   * check it with {@link expiryRefusal} first). Audited as `api_token.create` without the secret.
   */
  async create(actor: Actor, userId: string, input: { name: string; expiresAt?: Date }): Promise<IssuedApiToken> {
    const now = this.clock();
    const expiresAt = input.expiresAt ?? new Date(now.getTime() + this.limits.defaultDays * DAY_MS);
    const token = generateApiToken();
    const row: Row = {
      id: randomUUID(),
      user_id: userId,
      name: input.name,
      hint: `${API_TOKEN_PREFIX}…${token.slice(-4)}`,
      created_by: actorName(actor),
      created_at: now,
      expires_at: expiresAt,
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO api_tokens (id, user_id, name, token_sha256, hint, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [row.id, userId, row.name, hashToken(token), row.hint, row.created_by, now, expiresAt],
      );
      await writeAudit(tx, {
        actor,
        action: 'api_token.create',
        target: `user:${userId}`,
        details: { token_id: row.id, name: row.name, hint: row.hint, expires_at: expiresAt.toISOString() },
        at: now,
      });
    });
    return { ...tokenJson(row), token };
  }

  /** The tokens of `userId`, newest first, revoked and expired ones included (for the record). */
  async list(userId: string): Promise<ApiToken[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id`,
      [userId],
    );
    return rows.map(tokenJson);
  }

  /**
   * Revokes token `tokenId` of `userId` at once (a second revoke keeps the first time). Undefined
   * when the user has no such token. Audited as `api_token.revoke` the first time.
   */
  async revoke(actor: Actor, userId: string, tokenId: string): Promise<ApiToken | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tokenId)) return undefined;
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<Row>(
        `SELECT ${COLUMNS} FROM api_tokens WHERE id = $1 AND user_id = $2 FOR UPDATE`,
        [tokenId, userId],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      if (row.revoked_at !== null) return tokenJson(row);
      await tx.query('UPDATE api_tokens SET revoked_at = $2 WHERE id = $1', [tokenId, now]);
      await writeAudit(tx, {
        actor,
        action: 'api_token.revoke',
        target: `user:${userId}`,
        details: { token_id: row.id, name: row.name, hint: row.hint },
        at: now,
      });
      return tokenJson({ ...row, revoked_at: now });
    });
  }

  /**
   * The user a presented token acts for, or why it does not: unknown, revoked, expired, or its user
   * deactivated. Records the use (at most once a minute per token) unless `touch` is false, as for
   * a held stream's re-checks.
   */
  async authenticate(token: string, touch = true): Promise<ApiTokenCheck> {
    const now = this.clock();
    const digest = hashToken(token);
    const { rows } = await this.db.query<{
      id: string;
      user_id: string;
      expires_at: Date;
      revoked_at: Date | null;
      last_used_at: Date | null;
      active: boolean;
    }>(
      `SELECT t.id, t.user_id, t.expires_at, t.revoked_at, t.last_used_at, u.active
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1`,
      [digest],
    );
    const row = rows[0];
    if (row === undefined) return { ok: false, reason: 'unknown' };
    if (row.revoked_at !== null) return { ok: false, reason: 'revoked', at: row.revoked_at };
    if (row.expires_at <= now) return { ok: false, reason: 'expired', at: row.expires_at };
    if (!row.active) return { ok: false, reason: 'user_inactive' };
    if (touch && (row.last_used_at === null || now.getTime() - row.last_used_at.getTime() >= TOUCH_EVERY_MS)) {
      await this.db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [row.id, now]);
    }
    return { ok: true, userId: row.user_id, tokenId: row.id };
  }

  /** Whether token `tokenId` of `userId` still authenticates (for links signed while it was used). */
  async live(tokenId: string, userId: string, q: Queryable = this.db): Promise<boolean> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tokenId)) return false;
    const { rows } = await q.query(
      `SELECT 1 FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL AND t.expires_at > $3 AND u.active`,
      [tokenId, userId, this.clock()],
    );
    return rows.length > 0;
  }
}
