import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { CHANGES_CHANNEL, changeRange, changesAfter, IncidentChange } from './changes.js';

/** What the feed hands its subscribers: a change, or "changes were lost: read everything again". */
export type FeedItem = { kind: 'change'; change: IncidentChange } | { kind: 'reset'; lastSeq: number };
export type FeedListener = (item: FeedItem) => void;

export interface IncidentChangeFeedOptions {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** How long changes are kept for clients that reconnect; default one hour. */
  retentionMs?: number;
  /** How often old changes are deleted; default every 5 minutes. */
  pruneEveryMs?: number;
}

/** Most changes a catch-up after a lost listening connection sends on; beyond, subscribers reset. */
const CATCH_UP_MAX = 1000;
/**
 * Sequence numbers are taken when a transaction writes, not when it commits, so a change can
 * commit after one with a higher number: a catch-up looks this far back, and seen numbers are
 * remembered so none is handed on twice.
 */
const CATCH_UP_LOOKBACK = 200;
const REMEMBERED = 10_000;

/**
 * The changes of incidents on this replica, whichever replica made them: one listening database
 * connection (PostgreSQL NOTIFY from the `incident_changes` trigger, sent on commit) feeds every
 * open stream of this process. When that connection is lost and comes back, the changes recorded
 * meanwhile are read from the table, so none is missed.
 */
export class IncidentChangeFeed {
  private readonly listeners = new Set<FeedListener>();
  private readonly seen = new Set<number>();
  private lastSeq = 0;
  private unlisten: (() => Promise<void>) | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private catchingUp: Promise<void> | undefined;
  private readonly retentionMs: number;

  constructor(private readonly options: IncidentChangeFeedOptions) {
    this.retentionMs = options.retentionMs ?? 3_600_000;
  }

  /** The highest change number handed on (or found on start). */
  get position(): number {
    return this.lastSeq;
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  async start(): Promise<void> {
    // Listening first, then reading where the table is: a change in between is heard, not lost.
    this.unlisten = await this.options.db.listen(CHANGES_CHANNEL, {
      message: (payload) => this.heard(payload),
      reconnected: () => {
        this.options.logger.info('listening for incident changes again; catching up');
        void this.catchUp();
      },
    });
    this.lastSeq = (await changeRange(this.options.db)).last ?? 0;
    this.pruneTimer = setInterval(() => {
      this.prune().catch((err: unknown) => this.options.logger.warn({ err }, 'pruning incident changes failed'));
    }, this.options.pruneEveryMs ?? 300_000);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.pruneTimer);
    await this.catchingUp;
    await this.unlisten?.();
    this.unlisten = undefined;
    this.listeners.clear();
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Reads the changes recorded since the last one handed on (after a lost listening connection). */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.readMissed().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  /** Deletes changes older than the retention, always keeping the newest (the stream's position). */
  async prune(): Promise<number> {
    const cutoff = new Date(this.options.clock().getTime() - this.retentionMs);
    const { rowCount } = await this.options.db.query(
      `DELETE FROM incident_changes
        WHERE seq <= (SELECT max(seq) FROM incident_changes WHERE updated_at < $1)
          AND seq < (SELECT max(seq) FROM incident_changes)`,
      [cutoff],
    );
    return rowCount;
  }

  private async readMissed(): Promise<void> {
    try {
      const from = Math.max(0, this.lastSeq - CATCH_UP_LOOKBACK);
      const missed = await changesAfter(this.options.db, from, CATCH_UP_MAX + CATCH_UP_LOOKBACK + 1);
      if (missed.length > CATCH_UP_MAX + CATCH_UP_LOOKBACK) {
        const last = (await changeRange(this.options.db)).last ?? this.lastSeq;
        this.reset(last);
        return;
      }
      for (const change of missed) this.handOn(change);
    } catch (err) {
      this.options.logger.warn({ err }, 'catching up on incident changes failed; streams are told to reload');
      this.reset(this.lastSeq);
    }
  }

  private heard(payload: string): void {
    let change: IncidentChange;
    try {
      change = IncidentChange.parse(JSON.parse(payload));
    } catch (err) {
      this.options.logger.warn({ err }, 'an incident change notification is not one; ignored');
      return;
    }
    this.handOn(change);
  }

  private handOn(change: IncidentChange): void {
    if (this.seen.has(change.seq)) return;
    this.seen.add(change.seq);
    if (this.seen.size > REMEMBERED) {
      // Sets iterate in insertion order: the first is the oldest remembered.
      const oldest = this.seen.values().next().value as number;
      this.seen.delete(oldest);
    }
    if (change.seq > this.lastSeq) this.lastSeq = change.seq;
    for (const listener of this.listeners) listener({ kind: 'change', change });
  }

  private reset(lastSeq: number): void {
    if (lastSeq > this.lastSeq) this.lastSeq = lastSeq;
    for (const listener of this.listeners) listener({ kind: 'reset', lastSeq: this.lastSeq });
  }
}
