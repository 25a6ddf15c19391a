import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CloudEvent, Priority } from '@gridlink/protocol';
import Database from 'better-sqlite3';

/** Delivery classes, most urgent first (the numbers order the queue). */
export const PRIORITY_RANK: Record<Priority, number> = { alarm: 0, state: 1, telemetry: 2 };

export interface OutboxEntry {
  seq: number;
  event: CloudEvent;
  attempts: number;
}

interface Waiter {
  event: Omit<CloudEvent, 'deviceseq'>;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

/**
 * The gateway's durable outbox (SQLite WAL, `synchronous=FULL`). An event is committed here
 * before the device's PUBACK: `append` resolves only once the event is on disk. Appends that
 * arrive together share one transaction and one fsync (group commit), so durability costs one
 * sync per batch, not per event. Ids are assigned at first receipt and never change; each device
 * gets consecutive sequence numbers in commit order.
 */
export class Outbox {
  private readonly db: Database.Database;
  private pending: Waiter[] = [];
  private scheduled = false;
  private readonly statements;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL,
        source TEXT NOT NULL,
        device TEXT NOT NULL,
        priority INTEGER NOT NULL,
        body TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        UNIQUE (source, id)
      ) STRICT;
      CREATE INDEX IF NOT EXISTS outbox_device ON outbox (device, seq);
      CREATE TABLE IF NOT EXISTS device_seq (device TEXT PRIMARY KEY, last INTEGER NOT NULL) STRICT;
      CREATE TABLE IF NOT EXISTS quarantine (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        source TEXT NOT NULL,
        body TEXT NOT NULL,
        error TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
    `);
    this.statements = {
      nextDeviceSeq: this.db.prepare(
        'INSERT INTO device_seq (device, last) VALUES (?, 0) ON CONFLICT (device) DO UPDATE SET last = last + 1 RETURNING last',
      ),
      insert: this.db.prepare(
        'INSERT INTO outbox (id, source, device, priority, body) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, id) DO NOTHING RETURNING seq',
      ),
      existing: this.db.prepare('SELECT seq FROM outbox WHERE source = ? AND id = ?'),
      // Per device, only its oldest pending event is eligible (order per device); among those the
      // most urgent class first, then the oldest.
      heads: this.db.prepare(`
        SELECT o.seq, o.body, o.attempts FROM outbox o
        JOIN (SELECT device, MIN(seq) AS seq FROM outbox GROUP BY device) h ON h.seq = o.seq
        ORDER BY o.priority, o.seq LIMIT ?`),
      remove: this.db.prepare('DELETE FROM outbox WHERE seq = ?'),
      attempted: this.db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?'),
      quarantine: this.db.prepare(
        'INSERT INTO quarantine (seq, id, source, body, error, at) SELECT seq, id, source, body, ?, ? FROM outbox WHERE seq = ?',
      ),
      quarantined: this.db.prepare('SELECT seq, id, source, error, at FROM quarantine ORDER BY seq'),
      depth: this.db.prepare('SELECT priority, COUNT(*) AS n FROM outbox GROUP BY priority'),
    };
  }

  /** Resolves with the event's outbox sequence once it is durably committed. */
  append(event: Omit<CloudEvent, 'deviceseq'>): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Everything appended in this turn of the event loop commits together.
        setImmediate(() => this.commit());
      }
    });
  }

  private commit(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    const write = this.db.transaction((waiters: Waiter[]) =>
      waiters.map(({ event }) => {
        const device = event.deviceid ?? '';
        const existing = this.statements.existing.get(event.source, event.id) as { seq: number } | undefined;
        if (existing) return existing.seq; // the same event again: idempotent, keeps its place
        const { last } = this.statements.nextDeviceSeq.get(device) as { last: number };
        const body = JSON.stringify({ ...event, deviceseq: last });
        const row = this.statements.insert.get(event.id, event.source, device, PRIORITY_RANK[event.priority], body) as {
          seq: number;
        };
        return row.seq;
      }),
    );
    try {
      const seqs = write(batch);
      for (const [index, waiter] of batch.entries()) waiter.resolve(seqs[index] as number);
    } catch (error) {
      for (const waiter of batch) waiter.reject(error as Error);
    }
  }

  /** The next events to send: per device in order, alarms before state before telemetry. */
  peek(limit: number): OutboxEntry[] {
    return (this.statements.heads.all(limit) as Array<{ seq: number; body: string; attempts: number }>).map((row) => ({
      seq: row.seq,
      event: JSON.parse(row.body) as CloudEvent,
      attempts: row.attempts,
    }));
  }

  /** Delivered (or the cloud already had it): gone from the outbox. */
  acknowledge(seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.statements.remove.run(seq);
    })();
  }

  attempted(seqs: readonly number[]): void {
    this.db.transaction(() => {
      for (const seq of seqs) this.statements.attempted.run(seq);
    })();
  }

  /** Refused by the cloud as invalid: set aside with the cloud's error, so it blocks nothing. */
  quarantine(seq: number, error: string, at: number): void {
    this.db.transaction(() => {
      this.statements.quarantine.run(error, at, seq);
      this.statements.remove.run(seq);
    })();
  }

  quarantined(): Array<{ seq: number; id: string; source: string; error: string; at: number }> {
    return this.statements.quarantined.all() as Array<{
      seq: number;
      id: string;
      source: string;
      error: string;
      at: number;
    }>;
  }

  depth(): Record<Priority, number> {
    const depth: Record<Priority, number> = { alarm: 0, state: 0, telemetry: 0 };
    const names = Object.keys(PRIORITY_RANK) as Priority[];
    for (const row of this.statements.depth.all() as Array<{ priority: number; n: number }>) {
      const name = names[row.priority];
      if (name) depth[name] = row.n;
    }
    return depth;
  }

  close(): void {
    this.db.close();
  }
}
