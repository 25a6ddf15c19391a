import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';

/** What the public endpoints allow, so nobody floods the centre or the SMS bill. */
export interface ResidentLimits {
  /** Reports a confirmed phone files in an hour. */
  perPhonePerHour: number;
  /** Reports from one place cell (about 100 m, or one typed address) in an hour. */
  perPlacePerHour: number;
  /** Reports and SMS codes one source address asks in a burst… */
  addressBurst: number;
  /** …and regains per hour (a token bucket shared by every replica). */
  addressPerHour: number;
  /** Photo uploads one source address makes in a burst, and regains per hour. */
  photoBurst: number;
  photoPerHour: number;
  /** Uploads of the very same photo (SHA-256) taken within the window, from anyone. */
  samePhotoTimes: number;
  samePhotoWindowMs: number;
}

export const DEFAULT_RESIDENT_LIMITS: ResidentLimits = {
  perPhonePerHour: 5,
  perPlacePerHour: 5,
  addressBurst: 10,
  addressPerHour: 10,
  photoBurst: 30,
  photoPerHour: 30,
  samePhotoTimes: 3,
  samePhotoWindowMs: 3600_000,
};

const HOUR_MS = 3600_000;

/** A limit reached: 429 naming the limit, with Retry-After. */
export function limited(limit: string, retryAfterSeconds: number): ProblemError {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new ProblemError('GL_RESIDENT_LIMITED', message(`residents.limit.${limit}`, { seconds }), undefined, {
    'retry-after': String(seconds),
  });
}

/**
 * Token buckets in the database (every replica shares them): one statement takes a token when
 * there is one; otherwise the seconds until one is back.
 */
export class Buckets {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async take(key: string, burst: number, perHour: number): Promise<{ ok: true } | { ok: false; retryAfter: number }> {
    const now = this.clock();
    const perSecond = perHour / 3600;
    const refilled = `LEAST($2::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM ($3::timestamptz - b.updated_at)))::float8 * $4::float8)`;
    const { rows } = await this.db.query(
      `INSERT INTO resident_budgets AS b (key, tokens, updated_at) VALUES ($1, $2::float8 - 1, $3)
       ON CONFLICT (key) DO UPDATE SET tokens = ${refilled} - 1, updated_at = $3
       WHERE ${refilled} >= 1 RETURNING tokens`,
      [key, burst, now, perSecond],
    );
    if (rows.length > 0) return { ok: true };
    const { rows: held } = await this.db.query<{ tokens: number; updated_at: Date }>(
      'SELECT tokens, updated_at FROM resident_budgets WHERE key = $1',
      [key],
    );
    const row = held[0];
    const tokens = row
      ? Math.min(burst, row.tokens + ((now.getTime() - new Date(row.updated_at).getTime()) / 1000) * perSecond)
      : burst;
    return { ok: false, retryAfter: (1 - tokens) / perSecond };
  }

  /** Forgets buckets full again (nothing taken for a day). */
  async prune(): Promise<void> {
    await this.db.query('DELETE FROM resident_budgets WHERE updated_at < $1', [
      new Date(this.clock().getTime() - 24 * HOUR_MS),
    ]);
  }
}

/**
 * A sliding window over stored reports: refused when `count` reached `max` within the hour, until
 * the oldest of them leaves the window.
 */
export function windowRefusal(
  limit: string,
  max: number,
  found: { count: number; oldest: Date | null },
  now: Date,
): ProblemError | undefined {
  if (found.count < max || found.oldest === null) return undefined;
  return limited(limit, (found.oldest.getTime() + HOUR_MS - now.getTime()) / 1000);
}

/** About 100 m × 100 m: reports from one spot share a budget, neighbours' do not. */
export const positionCell = (lon: number, lat: number) => `p:${lon.toFixed(3)},${lat.toFixed(3)}`;
/** A typed address, as its words without spaces or case. */
export const addressCell = (address: string) => `a:${address.toLowerCase().replace(/[\s,，。.#-]+/g, '')}`;
