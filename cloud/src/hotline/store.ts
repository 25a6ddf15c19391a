import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { HotlineChannel, HotlineOrder, HotlinePushKind, HotlineUpdate } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { message } from '../i18n/message.js';
import { type Actor, writeAudit } from '../people/audit.js';
import { PersonalDataSeal } from '../privacy/seal.js';
import { HotlineError, replayConflict } from './errors.js';
import { maskCaller, maskPhonesIn } from './mask.js';

/** Channel the outbox worker listens on: a push was queued (by any replica). */
export const OUTBOX_CHANNEL = 'hotline_outbox';

/** How long a gap in a platform's update numbers is held before the later updates apply anyway. */
export const GAP_HOLD_MS = 10 * 60_000;

export interface HotlinePlatform {
  id: string;
  name: string;
  user_id: string;
  territory_code: string;
  webhook_url: string;
  category_map: Record<string, string>;
  fallback_category: string;
  created_at: string;
}

export interface NewPlatform {
  id: string;
  name: string;
  user_id: string;
  territory_code: string;
  webhook_url: string;
  category_map: Record<string, string>;
  fallback_category: string;
}

interface OrderRow {
  id: string;
  platform_id: string;
  ticket: string;
  channel: HotlineChannel;
  incident_id: string;
  fingerprints: Record<string, string>;
  caller_name_sealed: string;
  caller_phone_sealed: string;
  caller_masked: string;
  content_sealed: string;
  content_masked: string;
  platform_category: string;
  platform_deadline: Date | null;
  status: string;
  applied_seq: number;
  urge_count: number;
  supplements: { seq: number; at: string; content_masked: string }[];
  extension: ExtensionState | null;
  created_at: Date;
}

export interface ExtensionState {
  status: 'pending' | 'approved' | 'refused';
  requested_deadline: string;
  reason: string;
  requested_at: string;
  answered_at?: string;
  deadline?: string;
  comment?: string;
}

/** A push-back as the staff view lists it. */
export interface PushView {
  id: number;
  kind: HotlinePushKind;
  status: 'delivered' | 'pending';
  attempts: number;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
}

/** An order as staff see it: the caller and phones in the content masked. */
export interface OrderView {
  id: string;
  platform: { id: string; name: string };
  ticket: string;
  channel: HotlineChannel;
  incident_id: string;
  caller_masked: string;
  content_masked: string;
  platform_category: string;
  platform_deadline: string | null;
  status: string;
  applied_seq: number;
  urge_count: number;
  supplements: { seq: number; at: string; content_masked: string }[];
  extension: ExtensionState | null;
  created_at: string;
}

const fingerprint = (value: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('hex');

/** The fields of an order a replay must repeat, each fingerprinted (the caller's data is not kept in clear). */
const ORDER_FIELDS = [
  'channel',
  'caller',
  'content',
  'category_code',
  'territory_code',
  'address',
  'deadline',
] as const;

export function orderFingerprints(order: HotlineOrder): Record<string, string> {
  const deadline = order.deadline === undefined ? null : new Date(order.deadline).toISOString();
  const values: Record<(typeof ORDER_FIELDS)[number], unknown> = { ...order, deadline };
  return Object.fromEntries(ORDER_FIELDS.map((field) => [field, fingerprint(values[field])]));
}

/**
 * Hotline platforms, their orders, updates and the push-back outbox. The caller's name and phone
 * and the content as sent are sealed per order; what anyone reads without a reveal are masks.
 */
export class HotlineStore {
  private readonly callerSeal: PersonalDataSeal;
  private readonly secretSeal: PersonalDataSeal;

  constructor(
    readonly db: Db,
    private readonly clock: Clock,
    dataSecret: string,
  ) {
    this.callerSeal = new PersonalDataSeal(dataSecret, 'hotline caller');
    this.secretSeal = new PersonalDataSeal(dataSecret, 'hotline platform secret');
  }

  /** A new platform and its webhook secret, returned here once. Audited without the secret. */
  async createPlatform(actor: Actor, input: NewPlatform): Promise<HotlinePlatform & { secret: string }> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `INSERT INTO hotline_platforms (id, name, user_id, territory_code, webhook_url, secret_sealed, category_map, fallback_category, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id`,
        [
          input.id,
          input.name,
          input.user_id,
          input.territory_code,
          input.webhook_url,
          this.secretSeal.seal(secret, input.id),
          JSON.stringify(input.category_map),
          input.fallback_category,
          now,
        ],
      );
      if (rows.length === 0)
        throw new HotlineError(
          'GL_HOTLINE_PLATFORM_EXISTS',
          message('hotline.platform_exists', { id: input.id, user: input.user_id }),
          '/id',
        );
      await writeAudit(tx, {
        actor,
        action: 'hotline.platform.create',
        target: `hotline_platform:${input.id}`,
        details: { user_id: input.user_id, territory_code: input.territory_code, webhook_url: input.webhook_url },
        at: now,
      });
      return { ...input, created_at: now.toISOString(), secret };
    });
  }

  /**
   * Replaces a platform's name, webhook and category map and rotates its secret (returned here
   * once); the old secret stops signing at once. Undefined when there is no such platform.
   */
  async replacePlatform(
    actor: Actor,
    id: string,
    input: Omit<NewPlatform, 'id' | 'user_id' | 'territory_code'>,
  ): Promise<(HotlinePlatform & { secret: string }) | undefined> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<HotlinePlatform & { created_at: Date }>(
        `UPDATE hotline_platforms SET name = $2, webhook_url = $3, secret_sealed = $4, category_map = $5, fallback_category = $6
          WHERE id = $1 RETURNING id, name, user_id, territory_code, webhook_url, category_map, fallback_category, created_at`,
        [
          id,
          input.name,
          input.webhook_url,
          this.secretSeal.seal(secret, id),
          JSON.stringify(input.category_map),
          input.fallback_category,
        ],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      await writeAudit(tx, {
        actor,
        action: 'hotline.platform.replace',
        target: `hotline_platform:${id}`,
        details: { webhook_url: input.webhook_url, secret_rotated: true },
        at: now,
      });
      return { ...row, created_at: row.created_at.toISOString(), secret };
    });
  }

  async platform(id: string): Promise<HotlinePlatform | undefined> {
    const { rows } = await this.db.query<HotlinePlatform & { created_at: Date }>(
      'SELECT id, name, user_id, territory_code, webhook_url, category_map, fallback_category, created_at FROM hotline_platforms WHERE id = $1',
      [id],
    );
    const row = rows[0];
    return row && { ...row, created_at: row.created_at.toISOString() };
  }

  async platformOfUser(userId: string): Promise<HotlinePlatform | undefined> {
    const { rows } = await this.db.query<HotlinePlatform & { created_at: Date }>(
      'SELECT id, name, user_id, territory_code, webhook_url, category_map, fallback_category, created_at FROM hotline_platforms WHERE user_id = $1',
      [userId],
    );
    const row = rows[0];
    return row && { ...row, created_at: row.created_at.toISOString() };
  }

  /** Where and with which secret to push for a platform (the worker's read). */
  async pushTarget(platformId: string, q: Queryable = this.db): Promise<{ url: string; secret: string } | undefined> {
    const { rows } = await q.query<{ webhook_url: string; secret_sealed: string }>(
      'SELECT webhook_url, secret_sealed FROM hotline_platforms WHERE id = $1',
      [platformId],
    );
    const row = rows[0];
    const secret = row && this.secretSeal.open(row.secret_sealed, platformId);
    return row && secret !== undefined ? { url: row.webhook_url, secret } : undefined;
  }

  /** The platform's cloud category for its code: the mapping, else the fallback. */
  static categoryOf(platform: HotlinePlatform, code: string): string {
    return platform.category_map[code] ?? platform.fallback_category;
  }

  private async orderRow(
    q: Queryable,
    platformId: string,
    ticket: string,
    lock = false,
  ): Promise<OrderRow | undefined> {
    const { rows } = await q.query<OrderRow>(
      `SELECT * FROM hotline_orders WHERE platform_id = $1 AND ticket = $2${lock ? ' FOR UPDATE' : ''}`,
      [platformId, ticket],
    );
    return rows[0];
  }

  async orderOfIncident(incidentId: string, q: Queryable = this.db): Promise<OrderRow | undefined> {
    const { rows } = await q.query<OrderRow>('SELECT * FROM hotline_orders WHERE incident_id = $1', [incidentId]);
    return rows[0];
  }

  /** The order for `ticket`, or a 404 naming the ticket. */
  async requireOrder(platformId: string, ticket: string, q: Queryable = this.db, lock = false): Promise<OrderRow> {
    const row = await this.orderRow(q, platformId, ticket, lock);
    if (row === undefined)
      throw new HotlineError('GL_HOTLINE_ORDER_NOT_FOUND', message('hotline.order_unknown', { ticket }));
    return row;
  }

  /**
   * The incident an earlier filing of `order` made, or undefined for a new ticket; a replay whose
   * content differs is refused naming the first field that does.
   */
  async replayOf(platformId: string, order: HotlineOrder): Promise<string | undefined> {
    const row = await this.orderRow(this.db, platformId, order.ticket);
    if (row === undefined) return undefined;
    const now = orderFingerprints(order);
    const differing = ORDER_FIELDS.find((field) => row.fingerprints[field] !== now[field]);
    if (differing !== undefined) throw replayConflict(order.ticket, differing);
    return row.incident_id;
  }

  /**
   * Records an order whose incident was just filed, and queues its 受理 push in the same
   * transaction. Another request that recorded it first wins: its incident is returned.
   */
  async recordOrder(
    platform: HotlinePlatform,
    order: HotlineOrder,
    incident: { id: string; state: string },
  ): Promise<{ incidentId: string; created: boolean }> {
    const id = randomUUID();
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO hotline_orders (id, platform_id, ticket, channel, incident_id, fingerprints, caller_name_sealed,
           caller_phone_sealed, caller_masked, content_sealed, content_masked, platform_category, platform_deadline, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (platform_id, ticket) DO NOTHING RETURNING id`,
        [
          id,
          platform.id,
          order.ticket,
          order.channel,
          incident.id,
          JSON.stringify(orderFingerprints(order)),
          this.callerSeal.seal(order.caller.name, `${id}:name`),
          this.callerSeal.seal(order.caller.phone, `${id}:phone`),
          maskCaller(order.caller.name, order.caller.phone),
          this.callerSeal.seal(order.content, `${id}:content`),
          maskPhonesIn(order.content),
          order.category_code,
          order.deadline === undefined ? null : new Date(order.deadline),
          now,
        ],
      );
      if (rows.length === 0) {
        const first = await this.requireOrder(platform.id, order.ticket, tx);
        return { incidentId: first.incident_id, created: false };
      }
      await queuePush(tx, id, 'accepted', { state: incident.state }, now);
      return { incidentId: incident.id, created: true };
    });
  }

  /**
   * Takes update `update` of an order in whatever order the platform sends them: stored once (a
   * replay changes nothing, a replay with other content is refused), then every update whose
   * predecessors are all in is applied in sequence. A gap older than {@link GAP_HOLD_MS} is given up on.
   */
  async receiveUpdate(
    platformId: string,
    ticket: string,
    update: HotlineUpdate,
  ): Promise<{ applied_seq: number; held: number[]; repeated: boolean }> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const order = await this.requireOrder(platformId, ticket, tx, true);
      const print = fingerprint({ kind: update.kind, content: update.content ?? null });
      const { rows: existing } = await tx.query<{ fingerprint: string; kind: string }>(
        'SELECT fingerprint, kind FROM hotline_updates WHERE order_id = $1 AND seq = $2',
        [order.id, update.seq],
      );
      const before = existing[0];
      if (before !== undefined && before.fingerprint !== print)
        throw replayConflict(ticket, before.kind !== update.kind ? 'kind' : 'content');
      if (before === undefined) {
        await tx.query(
          `INSERT INTO hotline_updates (order_id, seq, kind, fingerprint, content_sealed, received_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            order.id,
            update.seq,
            update.kind,
            print,
            update.content === undefined
              ? null
              : this.callerSeal.seal(update.content, `${order.id}:update:${update.seq}`),
            now,
          ],
        );
      }
      const appliedSeq = await this.applyReady(tx, order, now);
      const { rows: held } = await tx.query<{ seq: number }>(
        'SELECT seq FROM hotline_updates WHERE order_id = $1 AND applied_at IS NULL ORDER BY seq',
        [order.id],
      );
      return { applied_seq: appliedSeq, held: held.map((row) => row.seq), repeated: before !== undefined };
    });
  }

  /** Applies what has waited out its gap on every order (the worker's tick). */
  async releaseGaps(): Promise<number> {
    const now = this.clock();
    const { rows } = await this.db.query<{ order_id: string }>(
      'SELECT DISTINCT order_id FROM hotline_updates WHERE applied_at IS NULL AND received_at <= $1',
      [new Date(now.getTime() - GAP_HOLD_MS)],
    );
    for (const { order_id } of rows) {
      await this.db.transaction(async (tx) => {
        const { rows: orders } = await tx.query<OrderRow>('SELECT * FROM hotline_orders WHERE id = $1 FOR UPDATE', [
          order_id,
        ]);
        if (orders[0] !== undefined) await this.applyReady(tx, orders[0], now);
      });
    }
    return rows.length;
  }

  private async applyReady(tx: Queryable, order: OrderRow, now: Date): Promise<number> {
    let appliedSeq = order.applied_seq;
    for (;;) {
      const { rows } = await tx.query<{ seq: number; kind: string; content_sealed: string | null; received_at: Date }>(
        `SELECT seq, kind, content_sealed, received_at FROM hotline_updates
          WHERE order_id = $1 AND applied_at IS NULL AND seq > $2 ORDER BY seq LIMIT 1`,
        [order.id, appliedSeq],
      );
      const next = rows[0];
      if (next === undefined) break;
      const waitedOut = now.getTime() - next.received_at.getTime() >= GAP_HOLD_MS;
      if (next.seq !== appliedSeq + 1 && !waitedOut) break;
      await this.applyUpdate(tx, order, next, now);
      appliedSeq = next.seq;
    }
    await tx.query('UPDATE hotline_orders SET applied_seq = $2 WHERE id = $1', [order.id, appliedSeq]);
    return appliedSeq;
  }

  private async applyUpdate(
    tx: Queryable,
    order: OrderRow,
    update: { seq: number; kind: string; content_sealed: string | null },
    now: Date,
  ): Promise<void> {
    const content =
      update.content_sealed === null
        ? null
        : (this.callerSeal.open(update.content_sealed, `${order.id}:update:${update.seq}`) ?? null);
    if (update.kind === 'supplement') {
      const entry = { seq: update.seq, at: now.toISOString(), content_masked: maskPhonesIn(content ?? '') };
      await tx.query('UPDATE hotline_orders SET supplements = supplements || $2::jsonb WHERE id = $1', [
        order.id,
        JSON.stringify([entry]),
      ]);
    } else if (update.kind === 'urge') {
      await tx.query('UPDATE hotline_orders SET urge_count = urge_count + 1 WHERE id = $1', [order.id]);
    } else if (update.kind === 'withdraw') {
      await tx.query("UPDATE hotline_orders SET status = 'withdrawn' WHERE id = $1", [order.id]);
    }
    await tx.query('UPDATE hotline_updates SET applied_at = $3 WHERE order_id = $1 AND seq = $2', [
      order.id,
      update.seq,
      now,
    ]);
  }

  /** The centre asks the platform for a later deadline (延期申请): recorded and pushed. */
  async requestExtension(
    order: OrderRow,
    actor: Actor,
    input: { deadline: string; reason: string },
  ): Promise<ExtensionState> {
    const now = this.clock();
    const extension: ExtensionState = {
      status: 'pending',
      requested_deadline: new Date(input.deadline).toISOString(),
      reason: input.reason,
      requested_at: now.toISOString(),
    };
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<OrderRow>('SELECT * FROM hotline_orders WHERE id = $1 FOR UPDATE', [order.id]);
      if (rows[0]?.extension?.status === 'pending')
        throw new HotlineError(
          'GL_HOTLINE_STATE_CONFLICT',
          message('hotline.extension_pending', { ticket: order.ticket }),
          '/deadline',
        );
      await tx.query('UPDATE hotline_orders SET extension = $2 WHERE id = $1', [order.id, JSON.stringify(extension)]);
      await queuePush(
        tx,
        order.id,
        'extension_request',
        { requested_deadline: extension.requested_deadline, reason: input.reason },
        now,
      );
      await writeAudit(tx, {
        actor,
        action: 'hotline.extension.request',
        target: `incident:${order.incident_id}`,
        details: { ticket: order.ticket, requested_deadline: extension.requested_deadline },
        at: now,
      });
    });
    return extension;
  }

  /** The platform's answer to the pending extension; the old deadline is returned for the incident's limit. */
  async answerExtension(
    platformId: string,
    ticket: string,
    answer: { approved: boolean; deadline?: string; comment?: string },
  ): Promise<{ order: OrderRow; extension: ExtensionState; previousDeadline: Date | null }> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const order = await this.requireOrder(platformId, ticket, tx, true);
      const pending = order.extension;
      if (pending?.status !== 'pending')
        throw new HotlineError('GL_HOTLINE_STATE_CONFLICT', message('hotline.extension_none', { ticket }), '/approved');
      const deadline = answer.approved
        ? new Date(answer.deadline ?? pending.requested_deadline).toISOString()
        : undefined;
      const extension: ExtensionState = {
        ...pending,
        status: answer.approved ? 'approved' : 'refused',
        answered_at: now.toISOString(),
        ...(deadline === undefined ? {} : { deadline }),
        ...(answer.comment === undefined ? {} : { comment: answer.comment }),
      };
      await tx.query(
        'UPDATE hotline_orders SET extension = $2, platform_deadline = COALESCE($3, platform_deadline) WHERE id = $1',
        [order.id, JSON.stringify(extension), deadline === undefined ? null : new Date(deadline)],
      );
      return { order, extension, previousDeadline: order.platform_deadline };
    });
  }

  /** The caller's phone in clear, for the callback queue's mask and reveal; the callback route audits the reveal. */
  callerPhone(order: OrderRow): string | undefined {
    return this.callerSeal.open(order.caller_phone_sealed, `${order.id}:phone`);
  }

  /** The caller and content in clear, for a reveal; audited in the same transaction. */
  async reveal(order: OrderRow, actor: Actor): Promise<{ caller_name: string; caller_phone: string; content: string }> {
    const opened = {
      caller_name: this.callerSeal.open(order.caller_name_sealed, `${order.id}:name`) ?? '',
      caller_phone: this.callerSeal.open(order.caller_phone_sealed, `${order.id}:phone`) ?? '',
      content: this.callerSeal.open(order.content_sealed, `${order.id}:content`) ?? '',
    };
    await writeAudit(this.db, {
      actor,
      action: 'hotline.caller.reveal',
      target: `incident:${order.incident_id}`,
      details: { ticket: order.ticket, order_id: order.id },
      at: this.clock(),
    });
    return opened;
  }

  async view(order: OrderRow): Promise<OrderView> {
    const { rows } = await this.db.query<{ name: string }>('SELECT name FROM hotline_platforms WHERE id = $1', [
      order.platform_id,
    ]);
    return {
      id: order.id,
      platform: { id: order.platform_id, name: rows[0]?.name ?? order.platform_id },
      ticket: order.ticket,
      channel: order.channel,
      incident_id: order.incident_id,
      caller_masked: order.caller_masked,
      content_masked: order.content_masked,
      platform_category: order.platform_category,
      platform_deadline: order.platform_deadline?.toISOString() ?? null,
      status: order.status,
      applied_seq: order.applied_seq,
      urge_count: order.urge_count,
      supplements: order.supplements,
      extension: order.extension,
      created_at: order.created_at.toISOString(),
    };
  }

  async pushes(orderId: string): Promise<PushView[]> {
    const { rows } = await this.db.query<{
      id: string;
      kind: HotlinePushKind;
      attempts: number;
      last_error: string | null;
      created_at: Date;
      delivered_at: Date | null;
      next_attempt_at: Date;
    }>(
      'SELECT id, kind, attempts, last_error, created_at, delivered_at, next_attempt_at FROM hotline_outbox WHERE order_id = $1 ORDER BY id',
      [orderId],
    );
    return rows.map((row) => ({
      id: Number(row.id),
      kind: row.kind,
      status: row.delivered_at === null ? 'pending' : 'delivered',
      attempts: row.attempts,
      last_error: row.last_error,
      created_at: row.created_at.toISOString(),
      delivered_at: row.delivered_at?.toISOString() ?? null,
      next_attempt_at: row.delivered_at === null ? row.next_attempt_at.toISOString() : null,
    }));
  }
}

export type { OrderRow };

/** Queues a push-back of an order in the caller's transaction and wakes the workers on commit. */
export async function queuePush(
  tx: Queryable,
  orderId: string,
  kind: HotlinePushKind,
  data: Record<string, unknown>,
  at: Date,
): Promise<void> {
  await tx.query(
    'INSERT INTO hotline_outbox (order_id, kind, payload, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $4)',
    [orderId, kind, JSON.stringify(data), at],
  );
  await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, orderId]);
}
