import { createHash, randomUUID } from 'node:crypto';
import type { AttachmentUpload, EvidenceMediaType } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';

/** The tag camera snapshots carry among an incident's files. */
export const CAMERA_TAG = 'camera';

export interface ReceivedSnapshot {
  /** False when this upload id was received before (a retry): nothing changed. */
  stored: boolean;
  /** The incident it is linked to, once both exist. */
  incidentId: string | null;
}

export type SnapshotRequestState = 'pending' | 'done' | 'failed';
/**
 * Why a request failed: the gateway refused it (its reason in `error`: the camera's failure), or
 * nothing came back in time — the gateway never fetched it (its link is down) or took it but
 * sent no picture.
 */
export type SnapshotRequestFailure = 'refused' | 'not_fetched' | 'no_snapshot';

export interface SnapshotRequest {
  id: string;
  incidentId: string;
  gatewayId: string;
  deviceIds: string[];
  requestedBy: string;
  requestedAt: Date;
  deadline: Date;
  state: SnapshotRequestState;
  failure: SnapshotRequestFailure | null;
  /** The gateway's own words when it refused (the camera's failure), or what timed out. */
  error: string | null;
  /** The incident's files the answer became. */
  attachmentIds: string[];
}

interface RequestRow {
  id: string;
  incident_id: string;
  gateway_id: string;
  device_ids: string[];
  requested_by: string;
  requested_at: Date;
  deadline: Date;
  result: string | null;
  error: string | null;
  attachment_ids: string[] | null;
}

/** The downlink message that carries a request to its gateway. */
export const downlinkIdOf = (requestId: string) => `snapshot.${requestId}`;

/**
 * Camera snapshots from gateways: the bytes once per content hash (attachment_blobs), each upload
 * as its gateway sent it (camera_snapshots), and each linked to its incident as an attachment
 * tagged `camera` whichever arrives first — the picture or the incident born from its alert.
 */
export class CameraEvidenceStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async receive(
    gatewayId: string,
    upload: AttachmentUpload,
    mediaType: EvidenceMediaType,
    content: Buffer,
  ): Promise<ReceivedSnapshot> {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const now = this.clock();
    const stored = await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO attachment_blobs (sha256, media_type, size_bytes, content, stored_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING`,
        [sha256, mediaType, content.byteLength, content, now],
      );
      const { rowCount } = await tx.query(
        `INSERT INTO camera_snapshots (gateway_id, upload_id, device_id, taken_at, alert_id, request_id, sha256, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (gateway_id, upload_id) DO NOTHING`,
        [
          gatewayId,
          upload.upload_id,
          upload.device_id,
          new Date(upload.taken_at),
          upload.alert_id ?? null,
          upload.request_id ?? null,
          sha256,
          now,
        ],
      );
      return rowCount > 0;
    });
    await this.link({ gatewayId, uploadId: upload.upload_id });
    const { rows } = await this.db.query<{ incident_id: string | null }>(
      `SELECT a.incident_id FROM camera_snapshots s LEFT JOIN attachments a ON a.id = s.attachment_id
        WHERE s.gateway_id = $1 AND s.upload_id = $2`,
      [gatewayId, upload.upload_id],
    );
    return { stored, incidentId: rows[0]?.incident_id ?? null };
  }

  /**
   * Makes each waiting snapshot (one upload, or all of an incident's) an attachment of its
   * incident: the alert's (the gateway's own alert ids only) or the request's. Idempotent, and
   * safe when two replicas link the same snapshot at once (one wins, the other changes nothing).
   */
  async link(
    which: { gatewayId: string; uploadId: string } | { incidentId: string } | { gatewayId: string; alertIds: string[] },
  ): Promise<number> {
    const filter =
      'incidentId' in which
        ? { sql: 'coalesce(ia.incident_id, r.incident_id) = $1', params: [which.incidentId] }
        : 'alertIds' in which
          ? { sql: 's.gateway_id = $1 AND s.alert_id = ANY($2::text[])', params: [which.gatewayId, which.alertIds] }
          : { sql: 's.gateway_id = $1 AND s.upload_id = $2', params: [which.gatewayId, which.uploadId] };
    const { rows } = await this.db.query<{
      gateway_id: string;
      upload_id: string;
      device_id: string;
      taken_at: Date;
      sha256: string;
      media_type: string;
      size_bytes: number;
      received_at: Date;
      incident_id: string;
    }>(
      `SELECT s.gateway_id, s.upload_id, s.device_id, s.taken_at, s.sha256, b.media_type, b.size_bytes, s.received_at,
              coalesce(ia.incident_id, r.incident_id) AS incident_id
         FROM camera_snapshots s
         JOIN attachment_blobs b ON b.sha256 = s.sha256
         LEFT JOIN incident_alerts ia ON ia.gateway_id = s.gateway_id AND ia.alert_id = s.alert_id
         LEFT JOIN snapshot_requests r ON r.id = s.request_id AND r.gateway_id = s.gateway_id
        WHERE s.attachment_id IS NULL AND coalesce(ia.incident_id, r.incident_id) IS NOT NULL AND ${filter.sql}`,
      filter.params,
    );
    let linked = 0;
    for (const row of rows) {
      const done = await this.db
        .transaction(async (tx: Queryable) => {
          const id = randomUUID();
          const stamp = row.taken_at
            .toISOString()
            .replace(/[-:]/g, '')
            .replace(/\.\d+Z$/, 'Z');
          await tx.query(
            `INSERT INTO attachments (id, incident_id, media_type, name, tag, size_bytes, sha256, content, uploaded_by, uploaded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)`,
            [
              id,
              row.incident_id,
              row.media_type,
              `${row.device_id}-${stamp}.${row.media_type === 'image/png' ? 'png' : 'jpg'}`,
              CAMERA_TAG,
              row.size_bytes,
              row.sha256,
              `gateway:${row.gateway_id}`,
              row.received_at,
            ],
          );
          const { rowCount } = await tx.query(
            `UPDATE camera_snapshots SET attachment_id = $3
            WHERE gateway_id = $1 AND upload_id = $2 AND attachment_id IS NULL`,
            [row.gateway_id, row.upload_id, id],
          );
          // Linked meanwhile by another replica: this attachment row goes with the rollback.
          if (rowCount === 0) throw new AlreadyLinked();
          return true;
        })
        .catch((error: unknown) => {
          if (error instanceof AlreadyLinked) return false;
          throw error;
        });
      if (done) linked++;
    }
    return linked;
  }

  /** How many distinct images are stored (a test's and an operator's view of the deduplication). */
  async blobCount(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM attachment_blobs');
    return Number(rows[0]?.n ?? 0);
  }

  /** The cameras whose snapshots an incident has, and its own device: what a fresh snapshot is asked of. */
  async camerasOf(incidentId: string): Promise<{ gatewayId: string; deviceIds: string[] } | undefined> {
    const { rows } = await this.db.query<{ gateway_id: string; device_id: string }>(
      `SELECT DISTINCT s.gateway_id, s.device_id FROM camera_snapshots s
         JOIN attachments a ON a.id = s.attachment_id WHERE a.incident_id = $1 ORDER BY s.gateway_id, s.device_id`,
      [incidentId],
    );
    const first = rows[0];
    if (!first) return undefined;
    // An incident's cameras are those of one gateway: its own (another's snapshots cannot reach it).
    return {
      gatewayId: first.gateway_id,
      deviceIds: rows.filter((row) => row.gateway_id === first.gateway_id).map((row) => row.device_id),
    };
  }

  /**
   * Records a request (idempotent on its id: the same id again answers the request as it is); null
   * when the id is already taken by a request of another incident.
   */
  async request(input: {
    id: string;
    incidentId: string;
    gatewayId: string;
    deviceIds: string[];
    requestedBy: string;
    timeoutMs: number;
  }): Promise<{ created: boolean; request: SnapshotRequest } | null> {
    const now = this.clock();
    const { rowCount } = await this.db.query(
      `INSERT INTO snapshot_requests (id, incident_id, gateway_id, device_ids, requested_by, requested_at, deadline)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
      [
        input.id,
        input.incidentId,
        input.gatewayId,
        input.deviceIds,
        input.requestedBy,
        now,
        new Date(now.getTime() + input.timeoutMs),
      ],
    );
    const request = await this.requestOf(input.incidentId, input.id);
    return request ? { created: rowCount > 0, request } : null;
  }

  /** One request of the incident with its state now; undefined when the incident has no such request. */
  async requestOf(incidentId: string, id: string): Promise<SnapshotRequest | undefined> {
    return (await this.requests(incidentId, id))[0];
  }

  /** The incident's requests, newest first, each with its state now. */
  async requests(incidentId: string, id?: string): Promise<SnapshotRequest[]> {
    await this.link({ incidentId });
    const { rows } = await this.db.query<RequestRow>(
      `SELECT r.id, r.incident_id, r.gateway_id, r.device_ids, r.requested_by, r.requested_at, r.deadline,
              d.result, d.error,
              (SELECT array_agg(s.attachment_id::text ORDER BY s.taken_at) FROM camera_snapshots s
                WHERE s.request_id = r.id AND s.gateway_id = r.gateway_id AND s.attachment_id IS NOT NULL) AS attachment_ids
         FROM snapshot_requests r
         LEFT JOIN downlink d ON d.gateway_id = r.gateway_id AND d.id = 'snapshot.' || r.id
        WHERE r.incident_id = $1 AND ($2::text IS NULL OR r.id = $2)
        ORDER BY r.requested_at DESC, r.id LIMIT 20`,
      [incidentId, id ?? null],
    );
    const now = this.clock().getTime();
    return rows.map((row) => {
      const attachmentIds = row.attachment_ids ?? [];
      let state: SnapshotRequestState = 'pending';
      let error: string | null = null;
      let failure: SnapshotRequestFailure | null = null;
      if (attachmentIds.length > 0) state = 'done';
      else if (row.result === 'rejected') {
        state = 'failed';
        failure = 'refused';
        error = row.error ?? 'the gateway refused the request';
      } else if (row.deadline.getTime() <= now) {
        state = 'failed';
        failure = row.result === null ? 'not_fetched' : 'no_snapshot';
        error =
          row.result === null
            ? 'timeout: the gateway did not fetch the request in time (is its link to the cloud up?)'
            : 'timeout: the gateway took the request but no snapshot arrived in time';
      }
      return {
        id: row.id,
        incidentId: row.incident_id,
        gatewayId: row.gateway_id,
        deviceIds: row.device_ids,
        requestedBy: row.requested_by,
        requestedAt: row.requested_at,
        deadline: row.deadline,
        state,
        failure,
        error,
        attachmentIds,
      };
    });
  }

  /** Whether `requestId` names a request of this gateway (a gateway answers only its own). */
  async isRequestOf(gatewayId: string, requestId: string): Promise<boolean> {
    const { rows } = await this.db.query('SELECT 1 FROM snapshot_requests WHERE id = $1 AND gateway_id = $2', [
      requestId,
      gatewayId,
    ]);
    return rows.length > 0;
  }
}

class AlreadyLinked extends Error {}
