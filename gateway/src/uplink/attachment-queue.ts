import type { AttachmentUpload, EvidenceMediaType } from '@gridlink/protocol';
import type Database from 'better-sqlite3';
import type { Migration } from '../storage/migrate.js';

/**
 * Snapshot classes, most urgent first: one someone is waiting for on the incident page, then
 * those taken at events. Both leave after alarms and state changes, before telemetry.
 */
export const ATTACHMENT_CLASSES = { requested: 0, event: 1 } as const;
export type AttachmentClass = keyof typeof ATTACHMENT_CLASSES;

/** Version 3 of the outbox file: camera snapshots waiting for the cloud. */
export const ATTACHMENTS_MIGRATION: Migration = {
  version: 3,
  description: 'camera snapshots waiting to go up, by class',
  sql: `
      CREATE TABLE attachments (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        upload_id TEXT NOT NULL UNIQUE,
        class INTEGER NOT NULL,
        meta TEXT NOT NULL,
        media_type TEXT NOT NULL,
        content BLOB NOT NULL,
        enqueued_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX attachments_next ON attachments (class, seq);
`,
};

export interface QueuedAttachment {
  seq: number;
  upload: AttachmentUpload;
  mediaType: EvidenceMediaType;
  content: Buffer;
  attempts: number;
}

export interface AttachmentQueueStats {
  waiting: number;
  bytes: number;
  sent: number;
  /** Larger than uplink.attachments.max_bytes, or refused by the cloud: never sent. */
  refused: number;
  /** Event snapshots deleted unsent to stay under the quota. */
  dropped: number;
  lastError: string | null;
}

/**
 * Camera snapshots in the outbox file, bounded in bytes: over the quota the oldest event snapshots
 * go first; a requested one that still does not fit is refused. One row per upload id, so the
 * same picture queued twice for one alert goes up once.
 */
export class AttachmentQueue {
  private readonly statements;
  readonly counters = { sent: 0, refused: 0, dropped: 0 };
  lastError: string | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly options: { quotaBytes: number; now: () => number },
  ) {
    this.statements = {
      insert: db.prepare(
        'INSERT INTO attachments (upload_id, class, meta, media_type, content, enqueued_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id) DO NOTHING',
      ),
      bytes: db.prepare('SELECT coalesce(sum(length(content)), 0) AS bytes, count(*) AS n FROM attachments'),
      oldestEvent: db.prepare(
        `DELETE FROM attachments WHERE seq = (SELECT seq FROM attachments WHERE class = ${ATTACHMENT_CLASSES.event} ORDER BY seq LIMIT 1) RETURNING seq`,
      ),
      next: db.prepare('SELECT seq, meta, media_type, content, attempts FROM attachments ORDER BY class, seq LIMIT 1'),
      remove: db.prepare('DELETE FROM attachments WHERE seq = ?'),
      attempted: db.prepare('UPDATE attachments SET attempts = attempts + 1 WHERE seq = ?'),
    };
  }

  /** Queues a snapshot; false when it cannot fit even after dropping older event snapshots. */
  add(upload: AttachmentUpload, mediaType: EvidenceMediaType, content: Buffer, kind: AttachmentClass): boolean {
    return this.db.transaction(() => {
      while (this.usage().bytes + content.byteLength > this.options.quotaBytes) {
        if (this.statements.oldestEvent.get() === undefined) {
          this.counters.refused++;
          this.lastError = `the waiting snapshots fill uplink.attachments.quota_bytes (${this.options.quotaBytes})`;
          return false;
        }
        this.counters.dropped++;
      }
      this.statements.insert.run(
        upload.upload_id,
        ATTACHMENT_CLASSES[kind],
        JSON.stringify(upload),
        mediaType,
        content,
        this.options.now(),
      );
      return true;
    })();
  }

  next(): QueuedAttachment | undefined {
    const row = this.statements.next.get() as
      | { seq: number; meta: string; media_type: string; content: Buffer; attempts: number }
      | undefined;
    if (!row) return undefined;
    return {
      seq: row.seq,
      upload: JSON.parse(row.meta) as AttachmentUpload,
      mediaType: row.media_type as EvidenceMediaType,
      content: row.content,
      attempts: row.attempts,
    };
  }

  /** The cloud has it (or already had it). */
  sent(seq: number): void {
    this.statements.remove.run(seq);
    this.counters.sent++;
  }

  /** The cloud refused it as invalid: it would be refused again, so it goes. */
  refused(seq: number, error: string): void {
    this.statements.remove.run(seq);
    this.counters.refused++;
    this.lastError = error;
  }

  /** Counts a refusal that happened before queueing (a snapshot over the size limit). */
  refusedBeforeQueueing(error: string): void {
    this.counters.refused++;
    this.lastError = error;
  }

  attempted(seq: number): void {
    this.statements.attempted.run(seq);
  }

  private usage(): { bytes: number; n: number } {
    return this.statements.bytes.get() as { bytes: number; n: number };
  }

  stats(): AttachmentQueueStats {
    const { bytes, n } = this.usage();
    return { waiting: n, bytes, ...this.counters, lastError: this.lastError };
  }
}
