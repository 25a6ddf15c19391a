import { createHash, randomUUID } from 'node:crypto';
import type { IncidentState, ResidentPhoto, ResidentStatus, ResidentTracking, Satisfaction } from '@gridlink/protocol';
import type { AttachmentMediaType } from '../attachments/media.js';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { maskPhone } from '../privacy/mask.js';
import type { PersonalDataSeal } from '../privacy/seal.js';
import { trackingDigest } from './codes.js';
import { RESIDENT_STATUS, RESIDENT_STEPS } from './status.js';

export interface NewResidentReport {
  incidentId: string;
  channel: 'web' | 'open311';
  trackingCode: string;
  phone?: string | undefined;
  phoneHash?: string | undefined;
  email?: string | undefined;
  cell: string | null;
  addressKey: string;
  open311?: { id: string; token: string; client: string };
  mediaUrl?: string;
}

export interface ReportRow {
  id: string;
  incident_id: string;
  channel: 'web' | 'open311';
  open311_id: string | null;
  open311_token: string | null;
  phone_sealed: string | null;
  email_sealed: string | null;
  created_at: Date;
  rating: Satisfaction | null;
  solved: boolean | null;
  rating_note: string | null;
  rated_at: Date | null;
}

interface IncidentFacts {
  id: string;
  state: IncidentState;
  category_code: string;
  created_at: Date;
  updated_at: Date;
  name_zh: string | null;
  name_en: string | null;
}

interface StepFacts {
  action: string;
  to_state: IncidentState;
  at: Date;
  comment: string | null;
  attachments: Array<{ uri: string; media_type?: string }>;
}

/** The result's photos: what was attached when the work was finished, checked or closed. */
const RESULT_ACTIONS = new Set(['finish', 'selfHandle', 'close', 'check', 'pass', 'verifyPass']);
const ATTACHMENT_URI = /^\/api\/v1\/attachments\/([0-9a-f-]{36})$/;

/** Residents' reports beside their incidents: channel, sealed contact, tracking code, rating. */
export class ResidentStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly seal: PersonalDataSeal,
  ) {}

  async add(q: Queryable, input: NewResidentReport): Promise<string> {
    const id = randomUUID();
    await q.query(
      `INSERT INTO resident_reports (id, incident_id, channel, tracking_sha256, open311_id, open311_token,
         open311_client, phone_sealed, phone_hash, email_sealed, cell, address_key, created_at, media_url)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [
        id,
        input.incidentId,
        input.channel,
        trackingDigest(input.trackingCode),
        input.open311?.id ?? null,
        input.open311?.token ?? null,
        input.open311?.client ?? null,
        input.phone === undefined ? null : this.seal.seal(input.phone, `resident_report:${id}:phone`),
        input.phoneHash ?? null,
        input.email === undefined ? null : this.seal.seal(input.email, `resident_report:${id}:email`),
        input.cell,
        input.addressKey,
        this.clock(),
        input.mediaUrl ?? null,
      ],
    );
    return id;
  }

  /** Reports counted for a sliding window: how many since `since`, and the oldest of them. */
  async countSince(column: 'phone_hash' | 'cell', value: string, since: Date) {
    const { rows } = await this.db.query<{ count: number; oldest: Date | null }>(
      `SELECT count(*)::int AS count, min(created_at) AS oldest FROM resident_reports
        WHERE ${column} = $1 AND created_at > $2`,
      [value, since],
    );
    const row = rows[0];
    return { count: row?.count ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
  }

  async byTrackingCode(code: string): Promise<ReportRow | undefined> {
    return this.one('tracking_sha256 = $1', trackingDigest(code));
  }

  async byOpen311Id(id: string): Promise<ReportRow | undefined> {
    return this.one("channel = 'open311' AND open311_id = $1", id);
  }

  async byOpen311Token(token: string): Promise<ReportRow | undefined> {
    return this.one("channel = 'open311' AND open311_token = $1", token);
  }

  async byIncident(incidentId: string): Promise<ReportRow | undefined> {
    return this.one('incident_id = $1', incidentId);
  }

  private async one(where: string, value: string): Promise<ReportRow | undefined> {
    const { rows } = await this.db.query<ReportRow>(
      `SELECT id, incident_id, channel, open311_id, open311_token, phone_sealed, email_sealed, created_at,
              rating, solved, rating_note, rated_at
         FROM resident_reports WHERE ${where}`,
      [value],
    );
    return rows[0];
  }

  /** The reporter's phone masked, for staff lists (138****1234); null when anonymous. */
  maskedPhone(report: ReportRow): string | null {
    const phone = this.phoneOf(report);
    return phone === undefined ? null : maskPhone(phone);
  }

  /** The reporter's phone in clear: the caller audits the reveal. */
  phoneOf(report: ReportRow): string | undefined {
    return report.phone_sealed === null
      ? undefined
      : this.seal.open(report.phone_sealed, `resident_report:${report.id}:phone`);
  }

  async incident(id: string): Promise<IncidentFacts> {
    const { rows } = await this.db.query<IncidentFacts>(
      `SELECT i.id, i.state, i.category_code, i.created_at, i.updated_at, c.name_zh, c.name_en
         FROM incidents i LEFT JOIN categories c ON c.code = i.category_code WHERE i.id = $1`,
      [id],
    );
    return rows[0] as IncidentFacts;
  }

  /**
   * What a resident sees of their report: the four steps' times, and once closed the result's words
   * and photos (as attachment ids, which the routes turn into links). Nobody's name, no incident id.
   */
  async tracking(report: ReportRow, code: string): Promise<ResidentTracking & { resultPhotoIds: string[] }> {
    const incident = await this.incident(report.incident_id);
    const { rows: steps } = await this.db.query<StepFacts>(
      'SELECT action, to_state, at, comment, attachments FROM incident_steps WHERE incident_id = $1 ORDER BY seq',
      [report.incident_id],
    );
    const status = RESIDENT_STATUS[incident.state];
    const reached = RESIDENT_STEPS.indexOf(status);
    const times = new Map<ResidentStatus, Date>();
    for (const step of steps) times.set(RESIDENT_STATUS[step.to_state], new Date(step.at));
    const closed = status === 'closed';
    const results = steps.filter((step) => RESULT_ACTIONS.has(step.action) || step.to_state === 'INVALID');
    const photos = results.flatMap((step) =>
      step.attachments.flatMap((attachment) => {
        const id = ATTACHMENT_URI.exec(attachment.uri)?.[1];
        return id === undefined ? [] : [{ id, media_type: attachment.media_type ?? 'image/jpeg' }];
      }),
    );
    const text = [...results].reverse().find((step) => step.comment !== null && step.comment !== '')?.comment ?? null;
    const rated = report.rating !== null && report.rated_at !== null;
    return {
      tracking_code: code,
      category: {
        code: incident.category_code,
        name: { zh: incident.name_zh ?? incident.category_code, en: incident.name_en ?? incident.category_code },
      },
      status,
      reported_at: new Date(report.created_at).toISOString(),
      steps: RESIDENT_STEPS.map((step, index) => ({
        status: step,
        at: index <= reached ? (times.get(step) ?? new Date(incident.created_at)).toISOString() : null,
      })),
      result: closed
        ? { text, photos: photos.map((photo) => ({ url: photo.id, media_type: photo.media_type })) }
        : null,
      rating: rated
        ? {
            satisfaction: report.rating as Satisfaction,
            solved: report.solved ?? false,
            note: report.rating_note,
            rated_at: new Date(report.rated_at as Date).toISOString(),
          }
        : null,
      can_rate: closed && !rated && incident.state !== 'INVALID' && incident.state !== 'MERGED',
      resultPhotoIds: closed ? photos.map((photo) => photo.id) : [],
    };
  }

  /** A photo a resident uploaded before sending the report. */
  async addPhoto(input: {
    mediaType: AttachmentMediaType;
    content: Buffer;
    addressKey: string;
  }): Promise<ResidentPhoto & { sha256: string }> {
    const id = randomUUID();
    const sha256 = createHash('sha256').update(input.content).digest('hex');
    await this.db.query(
      `INSERT INTO resident_photos (id, media_type, sha256, size_bytes, content, address_key, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, input.mediaType, sha256, input.content.byteLength, input.content, input.addressKey, this.clock()],
    );
    return { id, media_type: input.mediaType, size_bytes: input.content.byteLength, sha256 };
  }

  /** How often the same bytes were uploaded since `since`, and the first of those times. */
  async samePhotos(sha256: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
    const { rows } = await this.db.query<{ count: number; oldest: Date | null }>(
      'SELECT count(*)::int AS count, min(uploaded_at) AS oldest FROM resident_photos WHERE sha256 = $1 AND uploaded_at > $2',
      [sha256, since],
    );
    const row = rows[0];
    return { count: row?.count ?? 0, oldest: row?.oldest ? new Date(row.oldest) : null };
  }

  /** Unused photos among `ids`, bytes and all, taken for a report (in its transaction). */
  async takePhotos(
    q: Queryable,
    ids: readonly string[],
  ): Promise<Array<{ id: string; media_type: AttachmentMediaType; content: Buffer }>> {
    if (ids.length === 0) return [];
    const { rows } = await q.query<{ id: string; media_type: AttachmentMediaType; content: Uint8Array }>(
      `UPDATE resident_photos SET used_at = $2 WHERE id = ANY($1::uuid[]) AND used_at IS NULL
       RETURNING id, media_type, content`,
      [[...ids], this.clock()],
    );
    return rows.map((row) => ({
      id: row.id,
      media_type: row.media_type,
      content: Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength),
    }));
  }

  /** Photos never sent with a report go after a day. */
  async prune(): Promise<void> {
    await this.db.query('DELETE FROM resident_photos WHERE uploaded_at < $1', [
      new Date(this.clock().getTime() - 24 * 3600_000),
    ]);
  }
}
