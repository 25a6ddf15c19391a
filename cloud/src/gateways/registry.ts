import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { generateToken, hashToken } from './tokens.js';

export interface IssuedToken {
  id: string;
  token: string;
}

export interface RotatedToken {
  token: string;
  /** When the token that was current stops working; null if the gateway had none. */
  previous_token_expires_at: string | null;
}

/** Who a gateway token belongs to. `current` is false for a previous token in its grace period. */
export interface TokenOwner {
  gatewayId: string;
  current: boolean;
  /** The community the gateway serves, null when none is on record (read with the token: the intake needs it). */
  community: string | null;
}

const UNIQUE_VIOLATION = '23505';

/** Registered gateways and their tokens. Only hashes of tokens are stored; each token is shown once. */
export class GatewayRegistry {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** How long a replaced token keeps working. */
    private readonly graceSeconds: number,
  ) {}

  /**
   * Registers a gateway and issues its first token; `exists` when the id is taken. `community` is
   * the community it serves (its `gateway.community`): its alerts may place incidents there only.
   */
  async register(
    id: string,
    name?: string,
    community?: string,
  ): Promise<{ ok: true; issued: IssuedToken } | { ok: false; reason: 'exists' }> {
    const token = generateToken();
    const now = this.clock();
    try {
      await this.db.transaction(async (tx) => {
        await tx.query('INSERT INTO gateways (id, name, community, created_at) VALUES ($1, $2, $3, $4)', [
          id,
          name ?? null,
          community ?? null,
          now,
        ]);
        await tx.query('INSERT INTO gateway_tokens (token_sha256, gateway_id, created_at) VALUES ($1, $2, $3)', [
          hashToken(token),
          id,
          now,
        ]);
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return { ok: false, reason: 'exists' };
      throw err;
    }
    return { ok: true, issued: { id, token } };
  }

  /**
   * Issues a new current token. The one that was current keeps working for the grace period;
   * tokens already in their grace period keep their own end; expired ones are deleted.
   * Undefined when the gateway is unknown.
   */
  async rotate(id: string): Promise<RotatedToken | undefined> {
    const token = generateToken();
    const now = this.clock();
    const graceEnd = new Date(now.getTime() + this.graceSeconds * 1000);
    return this.db.transaction(async (tx) => {
      // The row lock serialises concurrent rotations of one gateway.
      const gateway = await tx.query('SELECT id FROM gateways WHERE id = $1 AND retired_at IS NULL FOR UPDATE', [id]);
      if (gateway.rows.length === 0) return undefined;
      await tx.query('DELETE FROM gateway_tokens WHERE gateway_id = $1 AND expires_at <= $2', [id, now]);
      const previous = await tx.query<{ token_sha256: string }>(
        'UPDATE gateway_tokens SET expires_at = $2 WHERE gateway_id = $1 AND expires_at IS NULL RETURNING token_sha256',
        [id, graceEnd],
      );
      await tx.query('INSERT INTO gateway_tokens (token_sha256, gateway_id, created_at) VALUES ($1, $2, $3)', [
        hashToken(token),
        id,
        now,
      ]);
      return {
        token,
        previous_token_expires_at: previous.rows.length > 0 ? graceEnd.toISOString() : null,
      };
    });
  }

  /** Sets the community a gateway serves; false when the gateway is unknown or retired. */
  async setCommunity(id: string, community: string): Promise<boolean> {
    const { rows } = await this.db.query(
      'UPDATE gateways SET community = $2 WHERE id = $1 AND retired_at IS NULL RETURNING id',
      [id, community],
    );
    return rows.length > 0;
  }

  /** The gateway a token belongs to, if the token is current or still in its grace period. */
  async authenticate(token: string): Promise<TokenOwner | undefined> {
    const { rows } = await this.db.query<{ gateway_id: string; expires_at: Date | null; community: string | null }>(
      `SELECT t.gateway_id, t.expires_at, g.community
         FROM gateway_tokens t JOIN gateways g ON g.id = t.gateway_id
        WHERE t.token_sha256 = $1 AND g.retired_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)`,
      [hashToken(token), this.clock()],
    );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { gatewayId: row.gateway_id, current: row.expires_at === null, community: row.community };
  }
}
