import { type DownlinkAck, DownlinkMessage, parseWith } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { DownlinkHub } from './hub.js';

export type EnqueueResult = { status: 'queued' | 'duplicate' } | { status: 'unknown_gateway' };

interface Row {
  seq: number;
  id: string;
  type: DownlinkMessage['type'];
  data: DownlinkMessage['data'];
  created_at: Date;
}

/**
 * Cloud → gateway messages, durable until the gateway acknowledges them. The gateway fetches them
 * (it opens every connection, so this works behind NAT) and acknowledges each id; until then the
 * message is fetched again, and the gateway applies each id at most once.
 */
export class DownlinkQueue {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly hub: DownlinkHub,
  ) {}

  /**
   * Queues `message` for `gatewayId`; idempotent on (gateway, message id): queueing the same id
   * again changes nothing. Throws a ProtocolValidationError if the message is not valid.
   */
  async enqueue(gatewayId: string, message: DownlinkMessage): Promise<EnqueueResult> {
    const parsed = parseWith(DownlinkMessage, message, 'downlink message');
    if (!parsed.ok) throw parsed.error;
    const { id, type, data, created_at } = parsed.value;
    const { rows } = await this.db.query<{ queued: boolean }>(
      `WITH gateway AS (SELECT id, left(community, 6) AS district FROM gateways WHERE id = $1 AND retired_at IS NULL),
            queued AS (
              INSERT INTO downlink (gateway_id, district, id, type, data, created_at, enqueued_at)
              SELECT gateway.id, gateway.district, $2, $3, $4::jsonb, $5, $6 FROM gateway
              ON CONFLICT (gateway_id, id) DO NOTHING
              RETURNING seq)
       SELECT EXISTS (SELECT 1 FROM gateway) AS known, EXISTS (SELECT 1 FROM queued) AS queued`,
      [gatewayId, id, type, JSON.stringify(data), created_at, this.clock()],
    );
    const row = rows[0] as { known: boolean; queued: boolean } | undefined;
    if (!row?.known) return { status: 'unknown_gateway' };
    if (!row.queued) return { status: 'duplicate' };
    this.hub.notify(gatewayId);
    return { status: 'queued' };
  }

  /** Up to `limit` unacknowledged messages in queue order; each fetch is counted as an attempt. */
  async fetch(gatewayId: string, limit: number): Promise<DownlinkMessage[]> {
    const { rows } = await this.db.query<Row>(
      `UPDATE downlink d SET delivered_at = $3, attempts = d.attempts + 1
         FROM (SELECT seq FROM downlink WHERE gateway_id = $1 AND acked_at IS NULL ORDER BY seq LIMIT $2) pending
        WHERE d.seq = pending.seq
       RETURNING d.seq, d.id, d.type, d.data, d.created_at`,
      [gatewayId, limit, this.clock()],
    );
    return rows
      .sort((a, b) => a.seq - b.seq)
      .map(
        (row) =>
          ({ id: row.id, type: row.type, data: row.data, created_at: row.created_at.toISOString() }) as DownlinkMessage,
      );
  }

  /**
   * Waits up to `waitMs` for messages: answers as soon as one is queued in this process, and
   * re-checks every `recheckMs` for messages queued by another replica.
   */
  async poll(
    gatewayId: string,
    limit: number,
    waitMs: number,
    options: { signal?: AbortSignal; recheckMs?: number } = {},
  ): Promise<DownlinkMessage[]> {
    const deadline = Date.now() + waitMs;
    const recheckMs = options.recheckMs ?? 1000;
    for (;;) {
      const messages = await this.fetch(gatewayId, limit);
      const remaining = deadline - Date.now();
      if (messages.length > 0 || remaining <= 0 || this.hub.isClosed || options.signal?.aborted) return messages;
      await this.hub.wait(gatewayId, Math.min(recheckMs, remaining), options.signal);
    }
  }

  /** Marks messages acknowledged; unknown or already acknowledged ids are left alone. Returns how many were new. */
  async acknowledge(gatewayId: string, acks: readonly DownlinkAck[]): Promise<number> {
    if (acks.length === 0) return 0;
    const { rowCount } = await this.db.query(
      `UPDATE downlink d SET acked_at = $2, result = a.result, error = a.error
         FROM unnest($3::text[], $4::text[], $5::text[]) AS a(id, result, error)
        WHERE d.gateway_id = $1 AND d.id = a.id AND d.acked_at IS NULL`,
      [gatewayId, this.clock(), acks.map((a) => a.id), acks.map((a) => a.result), acks.map((a) => a.error ?? null)],
    );
    return rowCount;
  }
}
