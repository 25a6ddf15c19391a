import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CloudEvent, Priority } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import { type MigrationSet, migrate } from '../storage/migrate.js';
import { ATTACHMENTS_MIGRATION, AttachmentQueue } from './attachment-queue.js';

/** Delivery classes, most urgent first (the numbers order the queue). */
export const PRIORITY_RANK: Record<Priority, number> = { alarm: 0, state: 1, telemetry: 2 };
const PRIORITIES = Object.keys(PRIORITY_RANK) as Priority[];

/** An event as handed to the outbox: everything but the per-device sequence it assigns. */
export type OutboxEvent = Omit<CloudEvent, 'deviceseq' | 'replayed'>;

export interface OutboxEntry {
  seq: number;
  id: string;
  priority: Priority;
  /** The event as JSON, `replayed` included when it is not live. */
  json: string;
  attempts: number;
}

export interface QuarantinedEvent {
  seq: number;
  id: string;
  source: string;
  error: string;
  at: number;
}

/** A quarantined event as an installer reviews it: what it is, and the cloud's refusal. */
export interface QuarantinedDetail extends QuarantinedEvent {
  priority: Priority;
  /** The CloudEvent's `type` (`cn.gridlink.alert.raised.v1`). */
  type: string;
  deviceId: string | null;
  /** The event's JSON, cut to `PREVIEW_CHARS`. */
  preview: string;
}

const PREVIEW_CHARS = 600;

export interface OutboxStats {
  depth: Record<Priority, number>;
  /** Enqueue time (ms) of the oldest waiting event of each class, or null when none waits. */
  oldest: Record<Priority, number | null>;
  bytes: number;
  /** Telemetry dropped to stay under the quota (oldest first, or new ones when none is left). */
  dropped: number;
  /** Alarm and state events refused because not even they could be stored. */
  refused: number;
  /** Unsent events replaced by a newer one of the same coalescing key (inventory, health). */
  coalesced: number;
  quarantined: number;
}

/** The outbox file's schema (version 1 is what gateways created before versions were recorded). */
export const OUTBOX_MIGRATIONS: MigrationSet = {
  name: 'outbox',
  migrations: [
    {
      version: 1,
      description: 'events by lane and class, per-device sequence numbers, quarantine',
      sql: `
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        source TEXT NOT NULL,
        lane TEXT NOT NULL,
        priority INTEGER NOT NULL,
        body TEXT NOT NULL,
        enqueued_at INTEGER NOT NULL,
        replayed INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        UNIQUE (source, id)
      ) STRICT;
      CREATE INDEX IF NOT EXISTS outbox_lane ON outbox (lane, seq);
      CREATE INDEX IF NOT EXISTS outbox_class ON outbox (priority, seq);
      CREATE TABLE IF NOT EXISTS device_seq (device TEXT PRIMARY KEY, last INTEGER NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS quarantine (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        source TEXT NOT NULL,
        lane TEXT NOT NULL,
        priority INTEGER NOT NULL,
        body TEXT NOT NULL,
        error TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
`,
    },
    {
      version: 2,
      description: 'coalescing keys: a newer event replaces the unsent one of the same key',
      sql: `
      ALTER TABLE outbox ADD COLUMN coalesce_key TEXT;
      CREATE INDEX outbox_coalesce ON outbox (coalesce_key) WHERE coalesce_key IS NOT NULL;
`,
    },
    ATTACHMENTS_MIGRATION,
  ],
};

/** The outbox cannot take an alarm or state event: the device must not be acknowledged. */
export class OutboxFullError extends Error {
  readonly code = 'outbox_full';
}

export interface OutboxOptions {
  /** Bytes the outbox may use; over it, telemetry goes first. Default: no quota (disk full still applies). */
  quotaBytes?: number;
  /**
   * Disk kept in reserve beside the database: on a full disk it is given up so that deleting
   * telemetry (which itself needs a little space in the WAL) and storing alarms can still happen.
   */
  reserveBytes?: number;
  now?: () => number;
  /** Bytes the waiting camera snapshots may take (`uplink.attachments.quota_bytes`). */
  attachmentQuotaBytes?: number;
}

export interface AppendOptions {
  /**
   * Low-priority events that only the newest of matters (a device's health, an inventory record):
   * appending one deletes the unsent events of the same key, so they stay one per key however long
   * the cloud is away. Telemetry class only.
   */
  coalesceKey?: string;
}

interface Waiter {
  event: OutboxEvent;
  coalesceKey: string | undefined;
  resolve: (seq: number | null) => void;
  reject: (error: Error) => void;
}

/** Telemetry summaries are aggregates: they queue in a lane of their own, beside the device's events. */
function laneOf(event: OutboxEvent): string {
  const device = event.deviceid ?? '';
  return event.priority === 'telemetry' ? `${device}#telemetry` : device;
}

const DISK_FULL = new Set(['SQLITE_FULL', 'SQLITE_IOERR_WRITE', 'SQLITE_IOERR_FSYNC', 'SQLITE_IOERR', 'ENOSPC']);
const isDiskFull = (error: unknown) => DISK_FULL.has((error as { code?: string }).code ?? '');

/**
 * The gateway's durable outbox (SQLite WAL, `synchronous=FULL`). An event is committed here
 * before the device's PUBACK: `append` resolves only once the event is on disk. Appends that
 * arrive together share one transaction and one fsync (group commit), so durability costs one
 * sync per batch, not per event.
 *
 * Ids are assigned at first receipt and never change; each device's events get consecutive
 * sequence numbers in commit order and leave in that order (a lane per device). Among lanes the
 * most urgent head goes first, so a new alarm overtakes another device's day of backlog.
 *
 * Bounded: over the quota, or when the disk is full, the oldest telemetry is deleted (counted);
 * alarm and state events are never deleted — when even they cannot be stored, `append` rejects
 * with OutboxFullError and the broker refuses the publish instead of acknowledging it.
 */
export class Outbox {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly quotaBytes: number;
  private pending: Waiter[] = [];
  private scheduled = false;
  private readonly statements;
  private readonly counts: Record<Priority, number> = { alarm: 0, state: 0, telemetry: 0 };
  private live = true;
  private readonly reservePath: string;
  private readonly reserveBytes: number;
  private reserveHeld = false;
  private dropped = 0;
  private refused = 0;
  private coalesced = 0;
  /** Camera snapshots waiting to go up, in the same file: they leave after alarms and state. */
  readonly attachments: AttachmentQueue;

  constructor(path: string, options: OutboxOptions = {}) {
    this.now = options.now ?? Date.now;
    this.quotaBytes = options.quotaBytes ?? Number.POSITIVE_INFINITY;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.reservePath = `${path}.reserve`;
    this.reserveBytes = options.reserveBytes ?? 1_048_576;
    this.holdReserve();
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    // Without a limit the WAL keeps its high-water size on disk after a checkpoint.
    this.db.pragma('journal_size_limit = 8388608');
    migrate(this.db, path, OUTBOX_MIGRATIONS);
    this.statements = {
      nextDeviceSeq: this.db.prepare(
        'INSERT INTO device_seq (device, last) VALUES (?, 0) ON CONFLICT (device) DO UPDATE SET last = last + 1 RETURNING last',
      ),
      insert: this.db.prepare(
        'INSERT INTO outbox (id, source, lane, priority, body, enqueued_at, replayed, coalesce_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq',
      ),
      replaced: this.db.prepare('DELETE FROM outbox WHERE coalesce_key = ? RETURNING priority'),
      existing: this.db.prepare('SELECT seq FROM outbox WHERE source = ? AND id = ?'),
      // Each lane's head by index seeks, lane after lane (a skip scan): a GROUP BY would read the
      // whole backlog for every batch, which slows the drain of a large one quadratically.
      heads: this.db.prepare(`
        WITH RECURSIVE lanes (lane) AS (
          SELECT (SELECT lane FROM outbox ORDER BY lane LIMIT 1)
          UNION ALL
          SELECT (SELECT o.lane FROM outbox o WHERE o.lane > lanes.lane ORDER BY o.lane LIMIT 1)
            FROM lanes WHERE lanes.lane IS NOT NULL)
        SELECT o.lane FROM lanes l
          JOIN outbox o ON o.seq = (SELECT seq FROM outbox WHERE lane = l.lane ORDER BY seq LIMIT 1)
         ORDER BY o.priority, o.seq`),
      lane: this.db.prepare(
        'SELECT seq, id, priority, body, replayed, attempts FROM outbox WHERE lane = ? ORDER BY seq LIMIT ?',
      ),
      remove: this.db.prepare('DELETE FROM outbox WHERE seq = ? RETURNING priority'),
      attempted: this.db.prepare('UPDATE outbox SET attempts = attempts + 1, replayed = 1 WHERE seq = ?'),
      oldestTelemetry: this.db.prepare(
        'DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox WHERE priority = 2 ORDER BY seq LIMIT ?)',
      ),
      quarantine: this.db.prepare(
        'INSERT INTO quarantine (seq, id, source, lane, priority, body, error, at) SELECT seq, id, source, lane, priority, body, ?, ? FROM outbox WHERE seq = ?',
      ),
      quarantined: this.db.prepare('SELECT seq, id, source, error, at FROM quarantine ORDER BY seq'),
      quarantineCount: this.db.prepare('SELECT COUNT(*) AS n FROM quarantine'),
      quarantinedDetail: this.db.prepare(
        'SELECT seq, id, source, priority, body, error, at FROM quarantine ORDER BY seq LIMIT ?',
      ),
      discard: this.db.prepare('DELETE FROM quarantine WHERE seq = ? RETURNING seq, id, source, error, at'),
      release: this.db.prepare('DELETE FROM quarantine WHERE seq = ? RETURNING id, source, lane, priority, body'),
      requeue: this.db.prepare(
        'INSERT INTO outbox (id, source, lane, priority, body, enqueued_at, replayed) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (source, id) DO NOTHING RETURNING priority',
      ),
      oldest: this.db.prepare('SELECT enqueued_at FROM outbox WHERE priority = ? ORDER BY seq LIMIT 1'),
      depth: this.db.prepare('SELECT priority, COUNT(*) AS n FROM outbox GROUP BY priority'),
    };
    this.attachments = new AttachmentQueue(this.db, {
      quotaBytes: options.attachmentQuotaBytes ?? 67_108_864,
      now: this.now,
    });
    for (const row of this.statements.depth.all() as Array<{ priority: number; n: number }>) {
      const name = PRIORITIES[row.priority];
      if (name) this.counts[name] = row.n;
    }
  }

  /**
   * Resolves with the event's outbox sequence once it is durably committed, or with null for a
   * telemetry summary dropped because the outbox is full. Rejects with OutboxFullError when an
   * alarm or state event cannot be stored.
   */
  append(event: OutboxEvent, options: AppendOptions = {}): Promise<number | null> {
    if (options.coalesceKey !== undefined && event.priority !== 'telemetry') {
      return Promise.reject(new Error('only telemetry-class events coalesce: alarms and state are never replaced'));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ event, coalesceKey: options.coalesceKey, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everything appended in this turn of the event loop commits together.
        setImmediate(() => this.commit());
      }
    });
  }

  /** Whether the cloud link is up: events stored while it is down are marked `replayed`. */
  setLive(live: boolean): void {
    this.live = live;
  }

  private commit(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    if (this.usedBytes() > this.quotaBytes) this.makeRoom();
    const overQuota = this.usedBytes() > this.quotaBytes;
    const keep = overQuota ? batch.filter((w) => w.event.priority !== 'telemetry') : batch;
    try {
      this.settle(keep, this.write(keep, overQuota));
    } catch (error) {
      if (!isDiskFull(error)) {
        for (const waiter of keep) waiter.reject(error as Error);
      } else {
        // The disk is full: give up the reserve, make room from telemetry, and try what must not
        // be lost once more.
        this.releaseReserve();
        this.makeRoom();
        const urgent = keep.filter((w) => w.event.priority !== 'telemetry');
        try {
          this.settle(urgent, this.write(urgent, true));
        } catch (again) {
          this.refuse(urgent, again);
        }
        this.drop(keep.filter((w) => w.event.priority === 'telemetry'));
      }
    }
    if (keep !== batch) this.drop(batch.filter((w) => w.event.priority === 'telemetry'));
    if (!this.reserveHeld && this.freeDiskBytes() > 4 * this.reserveBytes) this.holdReserve();
  }

  private freeDiskBytes(): number {
    try {
      const fs = statfsSync(dirname(this.reservePath));
      return fs.bavail * fs.bsize;
    } catch {
      return 0;
    }
  }

  /** Takes the reserve back once there is room again (it fails quietly while the disk is full). */
  private holdReserve(): void {
    if (this.reserveBytes <= 0) return;
    let fd: number | undefined;
    try {
      fd = openSync(this.reservePath, 'w', 0o600);
      // Written, not just sized: a sparse file would reserve nothing.
      const chunk = Buffer.alloc(Math.min(65_536, this.reserveBytes));
      for (let written = 0; written < this.reserveBytes; written += chunk.length) writeSync(fd, chunk);
      this.reserveHeld = true;
    } catch {
      this.reserveHeld = false;
      rmSync(this.reservePath, { force: true });
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  private releaseReserve(): void {
    rmSync(this.reservePath, { force: true });
    this.reserveHeld = false;
  }

  private write(waiters: Waiter[], full: boolean): Array<number | null> {
    if (full && waiters.length > 0 && this.usedBytes() > this.quotaBytes) {
      throw Object.assign(new Error(`the outbox is over its quota of ${this.quotaBytes} bytes`), {
        code: 'SQLITE_FULL',
      });
    }
    const replayed = this.live ? 0 : 1;
    const at = this.now();
    const added: Priority[] = [];
    const replaced: Array<{ priority: number }> = [];
    const seqs = this.db.transaction(() =>
      waiters.map(({ event, coalesceKey }) => {
        const existing = this.statements.existing.get(event.source, event.id) as { seq: number } | undefined;
        if (existing) return existing.seq; // the same event again: idempotent, keeps its place
        if (coalesceKey !== undefined) {
          // An event on its way to the cloud may be deleted here: its acknowledgement then finds nothing.
          replaced.push(...(this.statements.replaced.all(coalesceKey) as Array<{ priority: number }>));
        }
        const withSeq =
          event.priority === 'telemetry' || event.deviceid === undefined
            ? event
            : { ...event, deviceseq: (this.statements.nextDeviceSeq.get(event.deviceid) as { last: number }).last };
        const row = this.statements.insert.get(
          event.id,
          event.source,
          laneOf(event),
          PRIORITY_RANK[event.priority],
          JSON.stringify(withSeq),
          at,
          replayed,
          coalesceKey ?? null,
        ) as { seq: number };
        added.push(event.priority);
        return row.seq;
      }),
    )();
    // Counted once committed: a transaction that fails changes nothing.
    for (const priority of added) this.counts[priority]++;
    for (const row of replaced) this.forget(row);
    this.coalesced += replaced.length;
    return seqs;
  }

  private settle(waiters: Waiter[], seqs: Array<number | null>): void {
    for (const [index, waiter] of waiters.entries()) waiter.resolve(seqs[index] ?? null);
  }

  private drop(waiters: Waiter[]): void {
    this.dropped += waiters.length;
    for (const waiter of waiters) waiter.resolve(null);
  }

  private refuse(waiters: Waiter[], cause: unknown): void {
    this.refused += waiters.length;
    const error = new OutboxFullError(`the outbox cannot store more events: ${(cause as Error).message}`);
    for (const waiter of waiters) waiter.reject(error);
  }

  /** Deletes the oldest telemetry until the outbox is back under 90 % of its quota (or none is left). */
  private makeRoom(): void {
    const target = Number.isFinite(this.quotaBytes) ? this.quotaBytes * 0.9 : 0;
    while (this.counts.telemetry > 0) {
      try {
        const { changes } = this.statements.oldestTelemetry.run(1000);
        this.counts.telemetry -= changes;
        this.dropped += changes;
        // Moves the WAL into the database and truncates it: the space comes back to the disk.
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        return; // not even a delete fits: what is left is refused or dropped by the caller
      }
      if (this.usedBytes() <= target) return;
    }
  }

  /** Bytes in use: pages holding data (freed pages are reused, so they do not count) plus the WAL. */
  usedBytes(): number {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /**
   * The next events to send, at most `limit`: lanes whose oldest event is most urgent first, and
   * each lane's events in order (a lane is one device's events, or its telemetry summaries).
   */
  nextBatch(limit: number): OutboxEntry[] {
    const entries: OutboxEntry[] = [];
    for (const { lane } of this.statements.heads.all() as Array<{ lane: string }>) {
      const left = limit - entries.length;
      if (left <= 0) break;
      const rows = this.statements.lane.all(lane, left) as Array<{
        seq: number;
        id: string;
        priority: number;
        body: string;
        replayed: number;
        attempts: number;
      }>;
      for (const row of rows) {
        entries.push({
          seq: row.seq,
          id: row.id,
          priority: PRIORITIES[row.priority] ?? 'telemetry',
          // The body is JSON.stringify of an object: the flag is added without parsing it again.
          json: row.replayed ? `${row.body.slice(0, -1)},"replayed":true}` : row.body,
          attempts: row.attempts,
        });
      }
    }
    return entries;
  }

  /** Delivered (or the cloud already had it): gone from the outbox. */
  acknowledge(seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.forget(this.statements.remove.get(seq) as { priority: number } | undefined);
    })();
  }

  /** A delivery attempt failed: counted, and the events are now replays. */
  attempted(seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.statements.attempted.run(seq);
    })();
  }

  /** Refused by the cloud as invalid: set aside with the cloud's error, so it blocks nothing. */
  quarantine(seq: number, error: string): void {
    this.db.transaction(() => {
      this.statements.quarantine.run(error, this.now(), seq);
      this.forget(this.statements.remove.get(seq) as { priority: number } | undefined);
    })();
  }

  quarantined(): QuarantinedEvent[] {
    return this.statements.quarantined.all() as QuarantinedEvent[];
  }

  /** The quarantined events with their class, type and a preview of their JSON, at most `limit`. */
  quarantinedDetails(limit = 200): QuarantinedDetail[] {
    const rows = this.statements.quarantinedDetail.all(limit) as Array<
      QuarantinedEvent & { priority: number; body: string }
    >;
    return rows.map(({ body, priority, ...event }) => {
      let type = '';
      let deviceId: string | null = null;
      try {
        const parsed = JSON.parse(body) as { type?: unknown; deviceid?: unknown };
        type = typeof parsed.type === 'string' ? parsed.type : '';
        deviceId = typeof parsed.deviceid === 'string' ? parsed.deviceid : null;
      } catch {
        // Stored by JSON.stringify: never unreadable, but a preview must not fail the whole list.
      }
      return {
        ...event,
        priority: PRIORITIES[priority] ?? 'telemetry',
        type,
        deviceId,
        preview: body.length > PREVIEW_CHARS ? `${body.slice(0, PREVIEW_CHARS)}…` : body,
      };
    });
  }

  /** An installer gives up on a quarantined event: deleted, never sent; undefined when there is none. */
  discard(seq: number): QuarantinedEvent | undefined {
    return this.statements.discard.get(seq) as QuarantinedEvent | undefined;
  }

  /** An installer sends quarantined events again (all of them when no seqs are given); returns how many. */
  resend(seqs?: readonly number[]): number {
    const chosen = seqs ?? this.quarantined().map((event) => event.seq);
    const at = this.now();
    return this.db.transaction(() => {
      let requeued = 0;
      for (const seq of chosen) {
        const row = this.statements.release.get(seq) as
          | { id: string; source: string; lane: string; priority: number; body: string }
          | undefined;
        if (!row) continue;
        const back = this.statements.requeue.get(row.id, row.source, row.lane, row.priority, row.body, at) as
          | { priority: number }
          | undefined;
        if (back) {
          const name = PRIORITIES[back.priority];
          if (name) this.counts[name]++;
          requeued++;
        }
      }
      return requeued;
    })();
  }

  private forget(row: { priority: number } | undefined): void {
    const name = row ? PRIORITIES[row.priority] : undefined;
    if (name) this.counts[name]--;
  }

  /** Alarms or state changes wait: they go before any camera snapshot. */
  hasUrgent(): boolean {
    return this.counts.alarm + this.counts.state > 0;
  }

  depth(): Record<Priority, number> {
    return { ...this.counts };
  }

  stats(): OutboxStats {
    const oldest = Object.fromEntries(
      PRIORITIES.map((name) => {
        const row = this.statements.oldest.get(PRIORITY_RANK[name]) as { enqueued_at: number } | undefined;
        return [name, row?.enqueued_at ?? null];
      }),
    ) as Record<Priority, number | null>;
    return {
      depth: this.depth(),
      oldest,
      bytes: this.usedBytes(),
      dropped: this.dropped,
      refused: this.refused,
      coalesced: this.coalesced,
      quarantined: (this.statements.quarantineCount.get() as { n: number }).n,
    };
  }

  close(): void {
    this.db.close();
    this.releaseReserve();
  }
}
