import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type AlertPayload, type AttachmentUpload, evidenceMediaType, toTimestamp } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { AttachmentClass, AttachmentQueue } from './attachment-queue.js';

/** A snapshot reference as the cameras write them: `media/<camera>/<file>.jpg` under the data directory. */
const SNAPSHOT_REF = /^media\/[a-z0-9][a-z0-9-]{0,62}\/[A-Za-z0-9_.-]{1,128}\.(jpg|jpeg|png)$/;

/** Something the gateway refused to send, said so that the installer knows the field to change. */
export class SnapshotRefusedError extends Error {
  readonly code = 'snapshot_refused';
}

export interface EvidenceOptions {
  queue: AttachmentQueue;
  dataDir: string;
  /** `uplink.attachments.max_bytes`. */
  maxBytes: number;
  logger: Logger;
  /** Called after a snapshot was queued: the sender goes. */
  queued: () => void;
}

/**
 * Camera evidence on its way up: the snapshot an alert's event fetched (its `snapshot_ref`) and
 * fresh ones the cloud asks for, checked (size, JPEG/PNG) and queued in the outbox. An alert never
 * waits for its picture: the alert is queued first, and a refused picture only costs the picture.
 */
export class Evidence {
  constructor(private readonly options: EvidenceOptions) {}

  /** The snapshot of a raised or updated alert, if its evidence names one. */
  fromAlert(alert: AlertPayload): void {
    const ref = alert.evidence?.snapshot_ref;
    if (typeof ref !== 'string' || !SNAPSHOT_REF.test(ref)) return;
    const file = join(this.options.dataDir, ref);
    try {
      // Checked before reading: an oversize file is never loaded whole.
      this.checkSize(statSync(file).size, `snapshot ${ref} of alert ${alert.alert_id}`);
      const content = readFileSync(file);
      const sha256 = createHash('sha256').update(content).digest('hex');
      this.queue(
        {
          upload_id: `${alert.alert_id}.${sha256.slice(0, 16)}`,
          device_id: alert.device_id,
          taken_at: alert.last_seen,
          sha256,
          alert_id: alert.alert_id,
        },
        content,
        'event',
      );
    } catch (error) {
      this.refused(error, { alert: alert.alert_id, ref });
    }
  }

  /** A fresh snapshot answering the cloud's request; throws (saying why) when it cannot go. */
  fromRequest(requestId: string, deviceId: string, content: Buffer, at: number): void {
    try {
      this.checkSize(content.byteLength, `the fresh snapshot of camera ${deviceId}`);
      const sha256 = createHash('sha256').update(content).digest('hex');
      this.queue(
        {
          upload_id: `${requestId}.${deviceId}`,
          device_id: deviceId,
          taken_at: toTimestamp(at),
          sha256,
          request_id: requestId,
        },
        content,
        'requested',
      );
    } catch (error) {
      this.refused(error, { request: requestId, camera: deviceId });
      throw error;
    }
  }

  private checkSize(bytes: number, what: string): void {
    if (bytes > this.options.maxBytes) {
      throw new SnapshotRefusedError(
        `${what} is ${bytes} bytes, over uplink.attachments.max_bytes (${this.options.maxBytes}): not sent (raise uplink.attachments.max_bytes, or lower the camera's snapshot resolution)`,
      );
    }
  }

  private queue(upload: AttachmentUpload, content: Buffer, kind: AttachmentClass): void {
    const mediaType = evidenceMediaType(content);
    if (!mediaType)
      throw new SnapshotRefusedError(`the snapshot of camera ${upload.device_id} is not a JPEG or PNG image`);
    if (!this.options.queue.add(upload, mediaType, content, kind)) {
      throw new SnapshotRefusedError(
        `no room for the snapshot of camera ${upload.device_id}: the waiting snapshots fill uplink.attachments.quota_bytes`,
      );
    }
    this.options.queued();
  }

  private refused(error: unknown, context: Record<string, unknown>): void {
    const text = error instanceof Error ? error.message : String(error);
    if (!(error instanceof SnapshotRefusedError)) {
      // The file went (the snapshot store's bound) or cannot be read: the alert goes without it.
      this.options.logger.warn({ ...context, err: text }, 'alert snapshot not sent: the alert goes without it');
      return;
    }
    this.options.queue.refusedBeforeQueueing(text);
    this.options.logger.error({ ...context }, `${text}; the alert goes without it`);
  }
}
