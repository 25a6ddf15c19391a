import type { CloudEvent } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';

export interface StoredEvent {
  arrival: number;
  event: CloudEvent;
}

export interface ProjectorOptions {
  /** Names the cursor: each projection moves through the events on its own. */
  name: string;
  /** CloudEvent types it consumes. */
  types: readonly string[];
  /** Must be idempotent: an event may be handled again after a crash or by another replica. */
  handle(event: StoredEvent): Promise<void>;
  /**
   * Several events at once, in arrival order, e.g. in one transaction: what the projector uses
   * when given. Idempotent too. When it throws, each event of the batch goes through `handle` on
   * its own, so the one that fails is set aside and the others are not held back.
   */
  handleBatch?(events: StoredEvent[]): Promise<void>;
  logger: Logger;
  clock: Clock;
  batchSize?: number;
  /** How often the sweep looks for events it has not handled (stored by another replica, or before a crash). */
  intervalMs?: number;
  /**
   * The sweep only takes events stored at least this long ago. Arrival numbers are handed out
   * when an insert starts, not when it commits: a slow insert can commit an earlier number after a
   * later one was seen. Waiting until every insert of that time has settled means none is skipped;
   * new events do not wait for it, they are handled as soon as they are stored (`handleNew`).
   */
  settleMs?: number;
  /** How many events handled as they arrived the sweep remembers to pass over; default 200,000. */
  rememberNew?: number;
}

const keyOf = (event: CloudEvent) => `${event.source} ${event.id}`;

interface EventRow {
  arrival: number;
  source: string;
  id: string;
  type: string;
  time: Date;
  gateway_id: string;
  device_id: string | null;
  device_seq: number | null;
  priority: CloudEvent['priority'];
  replayed: boolean;
  drill: boolean;
  data: unknown;
}

const toEvent = (row: EventRow): CloudEvent =>
  ({
    specversion: '1.0',
    id: row.id,
    source: row.source,
    type: row.type,
    time: row.time.toISOString(),
    datacontenttype: 'application/json',
    data: row.data,
    gatewayid: row.gateway_id,
    ...(row.device_id === null ? {} : { deviceid: row.device_id }),
    ...(row.device_seq === null ? {} : { deviceseq: row.device_seq }),
    priority: row.priority,
    ...(row.replayed ? { replayed: true } : {}),
    ...(row.drill ? { drill: true } : {}),
  }) as CloudEvent;

/**
 * Hands stored gateway events of the chosen types to a handler (alerts → incidents): at once, as
 * the intake stores them (`handleNew`), and again in a sweep that follows the events table in
 * arrival order, so nothing is missed when the cloud stopped or another replica took the request.
 * The events table is the durable record and the cursor says where the sweep resumes. Handlers are
 * idempotent, so the rules stay simple: handle, then move the cursor; with two replicas both may
 * handle an event, and only one moves the cursor (compare-and-set). An event whose handler throws
 * in the sweep is set aside with the error (projection_failures) and the sweep goes on: one bad
 * event never blocks those after it.
 */
export class EventProjector {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private again = false;
  private stopped = false;
  /**
   * Events this replica has handled as they arrived (`handleNew`), by key: its sweep moves past
   * them instead of handling them a second time (at thousands of health reports a second, the
   * second pass was as much work as the first). In memory and bounded: after a restart, or once
   * forgotten, an event is simply handled again (handlers are idempotent); events another replica
   * handled are handled again by this one's sweep.
   */
  private readonly handledNew = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly options: ProjectorOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.notify(), this.options.intervalMs ?? 1000);
    this.timer.unref();
    this.notify();
  }

  /** Events the intake has just stored: handled now, not at the next sweep. Errors are left to the sweep. */
  async handleNew(events: readonly CloudEvent[]): Promise<void> {
    const wanted = events
      .filter((event) => this.options.types.includes(event.type))
      .map((event) => ({ arrival: 0, event }));
    const handled = await this.handleAll(wanted, async (stored, err) => {
      this.options.logger.warn(
        { projection: this.options.name, event: stored.event.id, error: (err as Error).message },
        'event not handled yet: the sweep tries again',
      );
    });
    for (const { event } of handled) this.handledNew.add(keyOf(event));
    // Forget the oldest beyond the bound (a Set iterates in insertion order).
    const excess = this.handledNew.size - (this.options.rememberNew ?? 200_000);
    if (excess > 0) {
      let dropped = 0;
      for (const key of this.handledNew) {
        if (dropped++ >= excess) break;
        this.handledNew.delete(key);
      }
    }
  }

  /**
   * The events as one batch when the projection takes batches; one by one, each failure to
   * `failed`, otherwise. Resolves with those handled.
   */
  private async handleAll(
    events: StoredEvent[],
    failed: (stored: StoredEvent, err: unknown) => Promise<void>,
  ): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const { handle, handleBatch } = this.options;
    if (handleBatch !== undefined) {
      try {
        await handleBatch(events);
        return events;
      } catch {
        // One event may be the cause: each goes on its own below.
      }
    }
    const handled: StoredEvent[] = [];
    for (const stored of events) {
      try {
        await handle(stored);
        handled.push(stored);
      } catch (err) {
        await failed(stored, err);
      }
    }
    return handled;
  }

  /** Runs the sweep now (or once more after the one running). */
  notify(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.notify();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => 0);
  }

  /** Handles everything waiting now; resolves with how many events were handled. */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const handled = await this.runOnce().catch((err: unknown) => {
        this.options.logger.error({ err, projection: this.options.name }, 'projection failed; it retries');
        return 0;
      });
      total += handled;
      if (handled < (this.options.batchSize ?? 500) || this.stopped) return total;
    }
  }

  /** One batch: the next events after the cursor, handled (as one batch when the projection takes batches), then the cursor moved. */
  async runOnce(): Promise<number> {
    const { name, logger, clock } = this.options;
    await this.db.query('INSERT INTO projection_cursors (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [name]);
    const cursor = Number(
      (
        await this.db.query<{ last_arrival: number }>('SELECT last_arrival FROM projection_cursors WHERE name = $1', [
          name,
        ])
      ).rows[0]?.last_arrival ?? 0,
    );
    const settled = new Date(clock().getTime() - (this.options.settleMs ?? 30_000));
    const batchSize = this.options.batchSize ?? 500;
    const rows = await this.nextSettled(cursor, settled, batchSize);
    // The events' data only for those not handled yet: most were handled as they arrived, and a
    // health batch's data is a few hundred kilobytes.
    const pending = rows.filter((row) => !this.handledNew.delete(`${row.source} ${row.id}`));
    const full =
      pending.length === 0
        ? []
        : (
            await this.db.query<EventRow>(
              `SELECT arrival, source, id, type, time, gateway_id, device_id, device_seq, priority, replayed, drill, data
                 FROM gateway_events
                WHERE (source, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
                ORDER BY arrival`,
              [pending.map((row) => row.source), pending.map((row) => row.id)],
            )
          ).rows;
    await this.handleAll(
      full.map((row) => ({ arrival: Number(row.arrival), event: toEvent(row) })),
      async ({ event, arrival }, err) => {
        const error = (err as Error).message ?? String(err);
        logger.error(
          { projection: name, event: event.id, source: event.source, error },
          'event set aside: its handler failed',
        );
        await this.db.query(
          `INSERT INTO projection_failures (name, source, id, arrival, error, at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (name, source, id) DO UPDATE SET error = excluded.error, at = excluded.at`,
          [name, event.source, event.id, arrival, error, clock()],
        );
      },
    );
    const last = rows.at(-1);
    if (last) {
      await this.db.query(
        'UPDATE projection_cursors SET last_arrival = $3, updated_at = $4 WHERE name = $1 AND last_arrival = $2',
        [name, cursor, last.arrival, clock()],
      );
    }
    return rows.length;
  }

  /**
   * The next events of the projection's types after the cursor, in arrival order, up to the first
   * one not settled yet (it and those after wait for a later sweep: the cursor never passes an event
   * that may still have an earlier one committing). Each type's next events by the index on (type,
   * arrival), so a sweep reads a batch per type whatever the size of the events table.
   */
  private async nextSettled(cursor: number, settled: Date, batchSize: number): Promise<KeyRow[]> {
    const { rows } = await this.db.query<KeyRow & { received_at: Date }>(
      `SELECT e.arrival, e.source, e.id, e.received_at
         FROM unnest($2::text[]) AS t(type)
        CROSS JOIN LATERAL (
              SELECT arrival, source, id, received_at FROM gateway_events
               WHERE type = t.type AND arrival > $1 ORDER BY arrival LIMIT $3) AS e
        ORDER BY e.arrival LIMIT $3`,
      [cursor, [...this.options.types], batchSize],
    );
    const unsettled = rows.findIndex((row) => row.received_at.getTime() > settled.getTime());
    return (unsettled === -1 ? rows : rows.slice(0, unsettled)).map((row) => ({
      arrival: Number(row.arrival),
      source: row.source,
      id: row.id,
    }));
  }
}

interface KeyRow {
  arrival: number;
  source: string;
  id: string;
}
