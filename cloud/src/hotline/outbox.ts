import { HOTLINE_SIGNATURE_HEADER, HOTLINE_TIMESTAMP_HEADER, type HotlinePush } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { signPush } from './signature.js';
import { type HotlineStore, OUTBOX_CHANNEL } from './store.js';

export interface PushWorkerOptions {
  db: Db;
  clock: Clock;
  store: HotlineStore;
  logger: Logger;
  /** How often due retries and held update gaps are looked at; default 1000 ms. */
  tickMs?: number;
  /** First retry delay, doubled per failed attempt up to `maxBackoffMs`; defaults 5 s and 10 min. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How long one delivery may hold its row against other replicas; default 60 s. */
  leaseMs?: number;
  /** How long the platform may take to answer; default 10 s. */
  timeoutMs?: number;
}

interface OutboxRow {
  id: string;
  order_id: string;
  kind: HotlinePush['kind'];
  payload: Record<string, unknown>;
  created_at: Date;
  attempts: number;
  ticket: string;
  incident_id: string;
  platform_id: string;
}

/** The delay before retry `attempts` (1, 2, …): base × 2^(attempts−1), capped. */
export function backoffMs(attempts: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delivers the hotline outbox: per order strictly in id order (only the oldest undelivered push
 * of an order is ever tried), orders independently of each other, each failure retried with
 * exponential backoff and never dropped. State is all in the table, so a restart (or another
 * replica) carries on where it stopped; a lease keeps two deliverers off the same push.
 */
export class HotlinePushWorker {
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private draining: Promise<number> | undefined;
  private again = false;
  private readonly base: number;
  private readonly max: number;

  constructor(private readonly options: PushWorkerOptions) {
    this.base = options.baseBackoffMs ?? 5_000;
    this.max = options.maxBackoffMs ?? 600_000;
  }

  async start(): Promise<void> {
    // Woken at once by a queued push on any replica; the tick catches retries and lost wake-ups.
    this.unlisten = await this.options.db.listen(OUTBOX_CHANNEL, {
      message: () => this.wake(),
      reconnected: () => this.wake(),
    });
    this.timer = setInterval(() => {
      this.options.store
        .releaseGaps()
        .catch((err: unknown) => this.options.logger.warn({ err }, 'releasing held hotline updates failed'));
      this.wake();
    }, this.options.tickMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.unlisten?.();
    this.unlisten = undefined;
    await this.draining;
  }

  private wake(): void {
    this.drain().catch((err: unknown) => this.options.logger.warn({ err }, 'hotline push-back failed'));
  }

  /** Delivers everything due now, until a pass delivers nothing more; resolves to how many were delivered. */
  drain(): Promise<number> {
    if (this.draining !== undefined) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      let delivered = 0;
      try {
        do {
          this.again = false;
          for (let n = await this.pass(); n > 0; n = await this.pass()) delivered += n;
        } while (this.again);
      } finally {
        this.draining = undefined;
      }
      return delivered;
    })();
    return this.draining;
  }

  /** One pass: the head push of each order that is due and not leased, delivered concurrently. */
  private async pass(): Promise<number> {
    const now = this.options.clock();
    const { rows } = await this.options.db.query<OutboxRow>(
      `SELECT b.id, b.order_id, b.kind, b.payload, b.created_at, b.attempts, o.ticket, o.incident_id, o.platform_id
         FROM hotline_outbox b JOIN hotline_orders o ON o.id = b.order_id
        WHERE b.delivered_at IS NULL
          AND b.id = (SELECT min(h.id) FROM hotline_outbox h WHERE h.order_id = b.order_id AND h.delivered_at IS NULL)
          AND b.next_attempt_at <= $1 AND (b.leased_until IS NULL OR b.leased_until <= $1)
        ORDER BY b.id LIMIT 50`,
      [now],
    );
    const results = await Promise.all(rows.map((row) => this.deliverOne(row)));
    return results.filter(Boolean).length;
  }

  private async deliverOne(row: OutboxRow): Promise<boolean> {
    const { db, clock } = this.options;
    const now = clock();
    const { rows: claimed } = await db.query(
      `UPDATE hotline_outbox SET leased_until = $2
        WHERE id = $1 AND delivered_at IS NULL AND (leased_until IS NULL OR leased_until <= $3) RETURNING id`,
      [row.id, new Date(now.getTime() + (this.options.leaseMs ?? 60_000)), now],
    );
    if (claimed.length === 0) return false;
    const failure = await this.post(row);
    const at = clock();
    if (failure === undefined) {
      await db.query(
        'UPDATE hotline_outbox SET delivered_at = $2, attempts = attempts + 1, leased_until = NULL, last_error = NULL WHERE id = $1',
        [row.id, at],
      );
      return true;
    }
    const attempts = row.attempts + 1;
    await db.query(
      'UPDATE hotline_outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, leased_until = NULL WHERE id = $1',
      [row.id, attempts, new Date(at.getTime() + backoffMs(attempts, this.base, this.max)), failure],
    );
    this.options.logger.info(
      { push: row.id, ticket: row.ticket, attempts, failure },
      'hotline push-back will be retried',
    );
    return false;
  }

  /** Posts one push; undefined when the platform took it, else why not (never the secret). */
  private async post(row: OutboxRow): Promise<string | undefined> {
    const target = await this.options.store.pushTarget(row.platform_id);
    if (target === undefined) return 'platform has no readable secret';
    const push: HotlinePush = {
      push_id: Number(row.id),
      ticket: row.ticket,
      kind: row.kind,
      incident_id: row.incident_id,
      at: row.created_at.toISOString(),
      data: row.payload,
    };
    const body = JSON.stringify(push);
    const timestamp = String(Math.floor(this.options.clock().getTime() / 1000));
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [HOTLINE_TIMESTAMP_HEADER]: timestamp,
          [HOTLINE_SIGNATURE_HEADER]: signPush(target.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (err) {
      return err instanceof Error ? err.message.slice(0, 200) : 'request failed';
    }
  }
}
