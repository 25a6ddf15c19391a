import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { type AttachmentMediaType, safeAttachmentName } from './media.js';

/** A stored file without its bytes. */
export interface StoredAttachment {
  id: string;
  incidentId: string;
  mediaType: AttachmentMediaType;
  name: string;
  tag: string | null;
  sizeBytes: number;
  sha256: string;
  uploadedBy: string;
  uploadedAt: Date;
}

export interface NewAttachment {
  incidentId: string;
  mediaType: AttachmentMediaType;
  name: string;
  tag?: string | undefined;
  content: Uint8Array;
  uploadedBy: string;
}

interface Row {
  id: string;
  incident_id: string;
  media_type: string;
  name: string;
  tag: string | null;
  size_bytes: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: Date;
}

const COLUMNS = 'id, incident_id, media_type, name, tag, size_bytes, sha256, uploaded_by, uploaded_at';

// Names are made safe as they are stored and again as they are read, for rows stored before.
const toStored = (row: Row): StoredAttachment => ({
  id: row.id,
  incidentId: row.incident_id,
  mediaType: row.media_type as AttachmentMediaType,
  name: safeAttachmentName(row.name, row.media_type as AttachmentMediaType, row.tag ?? undefined),
  tag: row.tag,
  sizeBytes: row.size_bytes,
  sha256: row.sha256,
  uploadedBy: row.uploaded_by,
  uploadedAt: row.uploaded_at,
});

/** How a step names a stored file. */
export const attachmentUri = (id: string) => `/api/v1/attachments/${id}`;

/** A file as an incident's step names it (the incidents' `Attachment`, which builds on this store). */
export interface StepAttachment {
  uri: string;
  media_type?: string;
  tag?: string;
  name?: string;
}

/** A stored file as a step carries it. */
export const asStepAttachment = (stored: StoredAttachment, tag?: string): StepAttachment => {
  const chosenTag = tag ?? stored.tag ?? undefined;
  return {
    uri: attachmentUri(stored.id),
    media_type: stored.mediaType,
    name: stored.name,
    ...(chosenTag === undefined ? {} : { tag: chosenTag }),
  };
};

/** Files of incidents, bytes and all, in the `attachments` table (PostgreSQL bytea, or PGlite's). */
export class AttachmentStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async add(input: NewAttachment): Promise<StoredAttachment> {
    const content = Buffer.from(input.content.buffer, input.content.byteOffset, input.content.byteLength);
    const { rows } = await this.db.query<Row>(
      `INSERT INTO attachments (id, incident_id, media_type, name, tag, size_bytes, sha256, content, uploaded_by, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        randomUUID(),
        input.incidentId,
        input.mediaType,
        safeAttachmentName(input.name, input.mediaType, input.tag),
        input.tag ?? null,
        content.byteLength,
        createHash('sha256').update(content).digest('hex'),
        content,
        input.uploadedBy,
        this.clock(),
      ],
    );
    return toStored(rows[0] as Row);
  }

  /** One file with its bytes. */
  async read(id: string): Promise<{ attachment: StoredAttachment; content: Buffer } | undefined> {
    // Camera snapshots keep their bytes once per content hash, in attachment_blobs.
    const { rows } = await this.db.query<Row & { content: Uint8Array }>(
      `SELECT ${COLUMNS.split(', ')
        .map((column) => `a.${column}`)
        .join(', ')}, coalesce(a.content, b.content) AS content
         FROM attachments a LEFT JOIN attachment_blobs b ON a.content IS NULL AND b.sha256 = a.sha256
        WHERE a.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    // pg answers a Buffer, PGlite a Uint8Array: both views of the same bytes.
    const content = Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength);
    return { attachment: toStored(row), content };
  }

  /** The incident's files, oldest first. */
  async list(incidentId: string): Promise<StoredAttachment[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM attachments WHERE incident_id = $1 ORDER BY uploaded_at, id`,
      [incidentId],
    );
    return rows.map(toStored);
  }

  /** Those of `ids` uploaded for `incidentId` (ids of other incidents are simply not among them). */
  async ofIncident(incidentId: string, ids: readonly string[]): Promise<Map<string, StoredAttachment>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM attachments WHERE incident_id = $1 AND id = ANY($2::uuid[])`,
      [incidentId, [...ids]],
    );
    return new Map(rows.map((row) => [row.id, toStored(row)]));
  }
}
