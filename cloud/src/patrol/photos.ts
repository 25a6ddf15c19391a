import { createHash, randomUUID } from 'node:crypto';
import type { AttachmentMediaType } from '../attachments/media.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';

/** A photo of a check-in or a task, without its bytes. */
export interface PatrolPhoto {
  id: string;
  grid_code: string;
  media_type: AttachmentMediaType;
  size_bytes: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: string;
}

interface Row {
  id: string;
  grid_code: string;
  media_type: AttachmentMediaType;
  size_bytes: number;
  sha256: string;
  uploaded_by: string;
  uploaded_at: Date;
}

const photoOf = (row: Row): PatrolPhoto => ({
  id: row.id,
  grid_code: row.grid_code,
  media_type: row.media_type,
  size_bytes: Number(row.size_bytes),
  sha256: row.sha256,
  uploaded_by: row.uploaded_by,
  uploaded_at: row.uploaded_at.toISOString(),
});

/** Photos taken on patrol (`patrol_photos`): uploaded first, then named by check-ins and finished tasks. */
export class PatrolPhotos {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async add(
    grid: string,
    mediaType: AttachmentMediaType,
    content: Uint8Array,
    uploadedBy: string,
  ): Promise<PatrolPhoto> {
    const id = randomUUID();
    const sha256 = createHash('sha256').update(content).digest('hex');
    const { rows } = await this.db.query<Row>(
      `INSERT INTO patrol_photos (id, grid_code, media_type, size_bytes, sha256, content, uploaded_by, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       RETURNING id, grid_code, media_type, size_bytes, sha256, uploaded_by, uploaded_at`,
      [id, grid, mediaType, content.byteLength, sha256, content, uploadedBy, this.clock()],
    );
    return photoOf(rows[0] as Row);
  }

  async get(id: string): Promise<PatrolPhoto | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const { rows } = await this.db.query<Row>(
      'SELECT id, grid_code, media_type, size_bytes, sha256, uploaded_by, uploaded_at FROM patrol_photos WHERE id = $1',
      [id],
    );
    return rows[0] === undefined ? undefined : photoOf(rows[0]);
  }

  async content(id: string): Promise<Uint8Array | undefined> {
    const { rows } = await this.db.query<{ content: Uint8Array }>('SELECT content FROM patrol_photos WHERE id = $1', [
      id,
    ]);
    return rows[0]?.content;
  }

  /** Ids of `ids` that are not photos the user uploaded (a check-in names only its own worker’s photos). */
  async notOwn(ids: readonly string[], userId: string): Promise<string[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM patrol_photos WHERE id = ANY($1::uuid[]) AND uploaded_by = $2',
      [ids, userId],
    );
    const own = new Set(rows.map((r) => r.id));
    return ids.filter((id) => !own.has(id));
  }
}
