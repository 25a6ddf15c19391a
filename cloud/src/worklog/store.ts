import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import type { ProblemFieldError } from '../http/problems.js';
import { message } from '../i18n/message.js';
import { type Actor, writeAudit } from '../people/audit.js';
import { prefixPattern } from '../people/scope-sql.js';
import { WorklogRefusal } from './errors.js';
import { ENTRY_KINDS, type EntryKind } from './kinds.js';
import { maskPeople } from './mask.js';
import { readsEntry, type WorklogReach } from './reach.js';
import type { EntryEdit, EntryPlace, NewEntry, SearchQuery } from './schemas.js';
import type { PersonalDataSeal } from './seal.js';
import { WorklogSettingsStore } from './settings.js';

/** How long the author may still correct an entry after first saving it; after that it only reads. */
export const EDIT_WINDOW_MS = 24 * 3600_000;
/** A phone's clock may run this far ahead of the server's before a visit counts as in the future. */
const CLOCK_SLACK_MS = 5 * 60_000;

export const entryTarget = (id: string) => `worklog_entry:${id}`;

/** An entry as lists show it: who met is masked. */
export interface EntryView {
  id: string;
  author: { id: string; name: string };
  grid: { code: string; name: string | null };
  visited_at: Date;
  kind: EntryKind;
  kind_name: { zh: string; en: string };
  place: { building: string | null; unit: string | null; room: string | null; address: string | null };
  /** The people met with names and phones masked (张* 138****0001); null when none were noted. */
  people_met_masked: string | null;
  note: string;
  tags: string[];
  incident_id: string | null;
  photo_count: number;
  version: number;
  created_at: Date;
  updated_at: Date;
  /** Until when the author may still edit it. */
  editable_until: Date;
}

export interface EntryPhoto {
  id: string;
  media_type: string;
  name: string;
  size_bytes: number;
  uploaded_at: Date;
}

export interface EntryVersion {
  version: number;
  saved_at: Date;
  saved_by: string;
}

/** One entry as its detail shows it. */
export interface EntryDetail extends EntryView {
  photos: EntryPhoto[];
  history: EntryVersion[];
  /** Whether the reader may see who was met in full (the author, the grid's supervisors): each time audited. */
  may_reveal: boolean;
  /** Whether the reader is the author and the edit window is still open. */
  may_edit: boolean;
}

export interface EntryPage {
  entries: EntryView[];
  total: number;
  page: number;
  page_size: number;
}

/** A building unit of the territory where a grid's households are. */
export interface PlaceOption {
  building: string;
  unit: string;
  floors: number;
  households: number;
}

interface EntryRow {
  id: string;
  author_id: string;
  author_name: string | null;
  grid_code: string;
  grid_name: string | null;
  visited_at: Date;
  kind: EntryKind;
  building: string | null;
  unit: string | null;
  room: string | null;
  address: string | null;
  people_masked: string | null;
  people_sealed: string | null;
  note: string;
  tags: string[];
  incident_id: string | null;
  photo_count: number | string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT_ENTRY = `SELECT e.id, e.author_id, u.display_name AS author_name, e.grid_code, g.name_zh AS grid_name,
    e.visited_at, e.kind, e.building, e.unit, e.room, e.address, e.people_masked, e.people_sealed, e.note, e.tags,
    e.incident_id, e.version, e.created_at, e.updated_at,
    (SELECT count(*) FROM worklog_photos p WHERE p.entry_id = e.id) AS photo_count
  FROM worklog_entries e
  LEFT JOIN users u ON u.id = e.author_id
  LEFT JOIN territory_units g ON g.code = e.grid_code`;

function toView(row: EntryRow): EntryView {
  return {
    id: row.id,
    author: { id: row.author_id, name: row.author_name ?? row.author_id },
    grid: { code: row.grid_code, name: row.grid_name },
    visited_at: row.visited_at,
    kind: row.kind,
    kind_name: ENTRY_KINDS[row.kind],
    place: { building: row.building, unit: row.unit, room: row.room, address: row.address },
    people_met_masked: row.people_masked,
    note: row.note,
    tags: row.tags,
    incident_id: row.incident_id,
    photo_count: Number(row.photo_count),
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
    editable_until: new Date(row.created_at.getTime() + EDIT_WINDOW_MS),
  };
}

const invalid = (pointer: string, code: string, params: Record<string, unknown> = {}) =>
  new WorklogRefusal('GL_VALIDATION_FAILED', message(code, params), [{ detail: message(code, params), pointer }]);

/** `%` and `_` taken literally in an ILIKE pattern. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * The work log's entries (migration 0039): written by grid workers in their grids, read by them
 * and their supervisors ({@link WorklogReach}). Who was met is sealed at rest and masked in every
 * list; revealing it is audited. Each saved version is kept, append-only.
 */
export class WorklogStore {
  readonly settings: WorklogSettingsStore;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly seal: PersonalDataSeal,
  ) {
    this.settings = new WorklogSettingsStore(db, clock);
  }

  /**
   * Stores a new entry by `authorId` in one of their grids (the caller checked the grid is theirs).
   * The same request id again answers the entry already stored, unchanged (`created: false`).
   */
  async create(authorId: string, input: NewEntry): Promise<{ entry: EntryView; created: boolean }> {
    const now = this.clock();
    const existing = await this.byRequest(this.db, authorId, input.request_id);
    if (existing) return { entry: existing, created: false };
    await this.checkVisit(input.visited_at, now);
    const id = randomUUID();
    const inserted = await this.db.transaction(async (tx) => {
      await this.checkPlace(tx, input.grid, input.place, '/place');
      if (input.incident_id !== undefined) await this.checkIncident(tx, input.grid, input.incident_id);
      const people = this.sealPeople(id, input.people_met ?? null);
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO worklog_entries (id, author_id, request_id, grid_code, visited_at, kind, building, unit, room,
           address, people_masked, people_sealed, note, tags, incident_id, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 1, $16, $16)
         ON CONFLICT (author_id, request_id) DO NOTHING RETURNING id`,
        [
          id,
          authorId,
          input.request_id,
          input.grid,
          input.visited_at,
          input.kind,
          input.place.building ?? null,
          input.place.unit ?? null,
          input.place.room ?? null,
          input.place.address ?? null,
          people.masked,
          people.sealed,
          input.note,
          input.tags,
          input.incident_id ?? null,
          now,
        ],
      );
      // A resend that raced the first: the first one stands.
      if (rows.length === 0) return false;
      await this.attachPhotos(tx, id, authorId, input.photo_ids);
      await this.writeVersion(tx, id, authorId, now);
      return true;
    });
    const entry = inserted ? await this.view(this.db, id) : await this.byRequest(this.db, authorId, input.request_id);
    if (!entry) throw new Error(`worklog entry ${id} vanished after its insert`);
    return { entry, created: inserted };
  }

  /** The author's edit within {@link EDIT_WINDOW_MS}; the version before is kept in the history. */
  async edit(authorId: string, id: string, edit: EntryEdit): Promise<EntryView | undefined> {
    const now = this.clock();
    const found = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ author_id: string; grid_code: string; created_at: Date }>(
        'SELECT author_id, grid_code, created_at FROM worklog_entries WHERE id = $1 FOR UPDATE',
        [id],
      );
      const row = rows[0];
      if (!row || row.author_id !== authorId) return false;
      if (now.getTime() > row.created_at.getTime() + EDIT_WINDOW_MS)
        throw new WorklogRefusal(
          'GL_FORBIDDEN',
          message('worklog.edit_window_closed', {
            hours: EDIT_WINDOW_MS / 3600_000,
            until: new Date(row.created_at.getTime() + EDIT_WINDOW_MS).toISOString(),
          }),
        );
      if (edit.visited_at !== undefined) await this.checkVisit(edit.visited_at, now);
      if (edit.place !== undefined) await this.checkPlace(tx, row.grid_code, edit.place, '/place');
      if (edit.incident_id != null) await this.checkIncident(tx, row.grid_code, edit.incident_id);
      const sets: string[] = [];
      const params: unknown[] = [];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (edit.visited_at !== undefined) set('visited_at', edit.visited_at);
      if (edit.kind !== undefined) set('kind', edit.kind);
      if (edit.place !== undefined) {
        set('building', edit.place.building ?? null);
        set('unit', edit.place.unit ?? null);
        set('room', edit.place.room ?? null);
        set('address', edit.place.address ?? null);
      }
      if (edit.people_met !== undefined) {
        const people = this.sealPeople(id, edit.people_met);
        set('people_masked', people.masked);
        set('people_sealed', people.sealed);
      }
      if (edit.note !== undefined) set('note', edit.note);
      if (edit.tags !== undefined) set('tags', edit.tags);
      if (edit.incident_id !== undefined) set('incident_id', edit.incident_id);
      set('updated_at', now);
      params.push(id);
      await tx.query(
        `UPDATE worklog_entries SET ${sets.join(', ')}, version = version + 1 WHERE id = $${params.length}`,
        params,
      );
      if (edit.photo_ids !== undefined) await this.attachPhotos(tx, id, authorId, edit.photo_ids);
      await this.writeVersion(tx, id, authorId, now);
      return true;
    });
    return found ? this.view(this.db, id) : undefined;
  }

  /** The entry if `reach` reads it (its author, or a supervisor of its grid). */
  async detail(reach: WorklogReach, id: string): Promise<EntryDetail | undefined> {
    const entry = await this.view(this.db, id);
    if (!entry || !readsEntry(reach, entry)) return undefined;
    const [photos, history] = await Promise.all([
      this.db.query<EntryPhoto>(
        `SELECT id, media_type, name, size_bytes, uploaded_at FROM worklog_photos
          WHERE entry_id = $1 ORDER BY uploaded_at, id`,
        [id],
      ),
      this.db.query<EntryVersion>(
        'SELECT version, saved_at, saved_by FROM worklog_entry_versions WHERE entry_id = $1 ORDER BY version',
        [id],
      ),
    ]);
    return {
      ...entry,
      photos: photos.rows.map((photo) => ({ ...photo, size_bytes: Number(photo.size_bytes) })),
      history: history.rows.map((version) => ({ ...version, version: Number(version.version) })),
      may_reveal: true,
      may_edit: entry.author.id === reach.userId && this.clock() <= entry.editable_until,
    };
  }

  /**
   * Who was met, in full, for a reader of the entry (its author or a supervisor of its grid):
   * every reveal is written to the audit log in the same transaction, never the text itself.
   */
  async reveal(
    reach: WorklogReach,
    actor: Actor,
    id: string,
  ): Promise<{ people_met: string | null; revealed_at: Date } | undefined> {
    const now = this.clock();
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ author_id: string; grid_code: string; people_sealed: string | null }>(
        'SELECT author_id, grid_code, people_sealed FROM worklog_entries WHERE id = $1',
        [id],
      );
      const row = rows[0];
      if (!row || !readsEntry(reach, { author: { id: row.author_id }, grid: { code: row.grid_code } }))
        return undefined;
      await writeAudit(tx, {
        actor,
        action: 'worklog.people.reveal',
        target: entryTarget(id),
        at: now,
        details: { grid: row.grid_code, author: row.author_id, own: row.author_id === reach.userId },
      });
      const text = row.people_sealed === null ? null : (this.seal.open(row.people_sealed, id) ?? null);
      return { people_met: text, revealed_at: now };
    });
  }

  /**
   * The entries `reach` reads that match `query`, newest visit first. The text filters are
   * substring matches (ILIKE): notes are Chinese, which PostgreSQL's full-text parsers do not cut
   * into words, and they work the same on PGlite.
   */
  async search(reach: WorklogReach, query: SearchQuery): Promise<EntryPage> {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const visible = `(e.author_id = ${param(reach.userId)}
      OR e.grid_code LIKE ANY(${param(reach.territoryPrefixes.map(prefixPattern))}::text[])
      OR e.grid_code = ANY(${param(reach.chiefGrids)}::text[]))`;
    const where = [visible];
    if (query.mine) where.push(`e.author_id = ${param(reach.userId)}`);
    if (query.grid !== undefined) where.push(`e.grid_code = ${param(query.grid)}`);
    if (query.worker !== undefined) where.push(`e.author_id = ${param(query.worker)}`);
    if (query.kind !== undefined) where.push(`e.kind = ${param(query.kind)}`);
    if (query.from !== undefined) where.push(`e.visited_at >= ${param(query.from)}`);
    if (query.to !== undefined) where.push(`e.visited_at < ${param(query.to)}`);
    if (query.place !== undefined) {
      const pattern = param(contains(query.place));
      where.push(
        `concat_ws(' ', e.building, e.unit, e.room, e.address, e.building || e.unit || coalesce(e.room, '')) ILIKE ${pattern}`,
      );
    }
    if (query.q !== undefined) {
      const pattern = param(contains(query.q));
      where.push(`(e.note ILIKE ${pattern} OR array_to_string(e.tags, ' ') ILIKE ${pattern})`);
    }
    const condition = where.join(' AND ');
    const countParams = [...params];
    const limit = param(query.page_size);
    const offset = param((query.page - 1) * query.page_size);
    const [rows, count] = await Promise.all([
      this.db.query<EntryRow>(
        `${SELECT_ENTRY} WHERE ${condition} ORDER BY e.visited_at DESC, e.id DESC LIMIT ${limit} OFFSET ${offset}`,
        params,
      ),
      this.db.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM worklog_entries e WHERE ${condition}`,
        countParams,
      ),
    ]);
    return {
      entries: rows.rows.map(toView),
      total: Number(count.rows[0]?.n ?? 0),
      page: query.page,
      page_size: query.page_size,
    };
  }

  /** Keeps a photo for an entry to come; it is attached when the entry names it. */
  async addPhoto(input: {
    mediaType: string;
    name: string;
    content: Uint8Array;
    uploadedBy: string;
  }): Promise<EntryPhoto> {
    const content = Buffer.from(input.content.buffer, input.content.byteOffset, input.content.byteLength);
    const photo = {
      id: randomUUID(),
      media_type: input.mediaType,
      name: input.name,
      size_bytes: content.byteLength,
      uploaded_at: this.clock(),
    };
    await this.db.query(
      `INSERT INTO worklog_photos (id, media_type, name, size_bytes, sha256, content, uploaded_by, uploaded_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        photo.id,
        photo.media_type,
        photo.name,
        photo.size_bytes,
        createHash('sha256').update(content).digest('hex'),
        content,
        input.uploadedBy,
        photo.uploaded_at,
      ],
    );
    return photo;
  }

  /** A photo's bytes, with what decides who may see it: its entry (or its uploader, before one). */
  async readPhoto(id: string): Promise<
    | {
        photo: EntryPhoto;
        content: Buffer;
        uploadedBy: string;
        entry: { id: string; author: { id: string }; grid: { code: string } } | null;
      }
    | undefined
  > {
    const { rows } = await this.db.query<
      EntryPhoto & {
        content: Uint8Array;
        uploaded_by: string;
        entry_id: string | null;
        author_id: string | null;
        grid_code: string | null;
      }
    >(
      `SELECT p.id, p.media_type, p.name, p.size_bytes, p.uploaded_at, p.content, p.uploaded_by, p.entry_id, e.author_id, e.grid_code
         FROM worklog_photos p LEFT JOIN worklog_entries e ON e.id = p.entry_id WHERE p.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      photo: {
        id: row.id,
        media_type: row.media_type,
        name: row.name,
        size_bytes: Number(row.size_bytes),
        uploaded_at: row.uploaded_at,
      },
      // pg answers a Buffer, PGlite a Uint8Array: both views of the same bytes.
      content: Buffer.from(row.content.buffer, row.content.byteOffset, row.content.byteLength),
      uploadedBy: row.uploaded_by,
      entry:
        row.entry_id === null || row.author_id === null || row.grid_code === null
          ? null
          : { id: row.entry_id, author: { id: row.author_id }, grid: { code: row.grid_code } },
    };
  }

  /** The building units of the territory in `grid` (or in its community, where no grid is on record). */
  async places(grid: string): Promise<PlaceOption[]> {
    const { rows } = await this.db.query<PlaceOption>(
      `SELECT building, unit, floors, households FROM territory_buildings
        WHERE community_code = $1 AND (grid_code = $2 OR grid_code IS NULL)
        ORDER BY building, unit`,
      [grid.slice(0, 12), grid],
    );
    return rows.map((row) => ({ ...row, floors: Number(row.floors), households: Number(row.households) }));
  }

  private async view(q: Queryable, id: string): Promise<EntryView | undefined> {
    const { rows } = await q.query<EntryRow>(`${SELECT_ENTRY} WHERE e.id = $1`, [id]);
    return rows[0] && toView(rows[0]);
  }

  private async byRequest(q: Queryable, authorId: string, requestId: string): Promise<EntryView | undefined> {
    const { rows } = await q.query<EntryRow>(`${SELECT_ENTRY} WHERE e.author_id = $1 AND e.request_id = $2`, [
      authorId,
      requestId,
    ]);
    return rows[0] && toView(rows[0]);
  }

  private sealPeople(id: string, text: string | null): { masked: string | null; sealed: string | null } {
    return text === null
      ? { masked: null, sealed: null }
      : { masked: maskPeople(text), sealed: this.seal.seal(text, id) };
  }

  /** A visit in the future (beyond a phone clock's slack) or older than entries are kept is refused. */
  private async checkVisit(visitedAt: Date, now: Date): Promise<void> {
    if (visitedAt.getTime() > now.getTime() + CLOCK_SLACK_MS)
      throw invalid('/visited_at', 'worklog.visit_in_future', { now: now.toISOString() });
    const { retention_days } = await this.settings.get();
    if (visitedAt.getTime() < now.getTime() - retention_days * 86_400_000)
      throw invalid('/visited_at', 'worklog.visit_too_old', { days: retention_days });
  }

  /** Where the community has its buildings on record, a building and unit must be one of them. */
  private async checkPlace(q: Queryable, grid: string, place: EntryPlace, pointer: string): Promise<void> {
    if (place.building === undefined) return;
    const { rows } = await q.query<{ building: string; unit: string }>(
      'SELECT building, unit FROM territory_buildings WHERE community_code = $1 AND (grid_code = $2 OR grid_code IS NULL)',
      [grid.slice(0, 12), grid],
    );
    if (rows.length === 0) return;
    const known = rows.some(
      (row) => row.building === place.building && (place.unit === undefined || row.unit === place.unit),
    );
    if (!known)
      throw invalid(`${pointer}/${place.unit === undefined ? 'building' : 'unit'}`, 'worklog.place_unknown', {
        building: place.building,
        unit: place.unit ?? '',
        grid,
      });
  }

  /** The linked incident must exist in the entry's grid or community (the places a grid worker works). */
  private async checkIncident(q: Queryable, grid: string, incidentId: string): Promise<void> {
    const { rows } = await q.query<{ territory: string }>(
      "SELECT coalesce(grid, community, '') AS territory FROM incidents WHERE id = $1",
      [incidentId],
    );
    const territory = rows[0]?.territory;
    if (territory === undefined || !(territory.startsWith(grid) || territory === grid.slice(0, 12)))
      throw invalid('/incident_id', 'worklog.incident_unknown', { id: incidentId, grid });
  }

  /** Photos the author uploaded and no entry holds yet; any other id is refused by name. */
  private async attachPhotos(q: Queryable, entryId: string, authorId: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const { rows } = await q.query<{ id: string }>(
      `UPDATE worklog_photos SET entry_id = $1
        WHERE id = ANY($2::uuid[]) AND uploaded_by = $3 AND (entry_id IS NULL OR entry_id = $1) RETURNING id`,
      [entryId, [...ids], authorId],
    );
    const attached = new Set(rows.map((row) => row.id));
    const errors: ProblemFieldError[] = ids.flatMap((id, index) =>
      attached.has(id) ? [] : [{ detail: message('worklog.photo_unknown', { id }), pointer: `/photo_ids/${index}` }],
    );
    const first = errors[0];
    if (first) throw new WorklogRefusal('GL_VALIDATION_FAILED', first.detail, errors);
  }

  /** The entry as it now stands, as the next version of its history (who was met stays sealed). */
  private async writeVersion(q: Queryable, id: string, by: string, at: Date): Promise<void> {
    await q.query(
      `INSERT INTO worklog_entry_versions (entry_id, version, saved_at, saved_by, content)
       SELECT id, version, $2, $3, jsonb_build_object(
           'visited_at', visited_at, 'kind', kind, 'building', building, 'unit', unit, 'room', room,
           'address', address, 'people_sealed', people_sealed, 'note', note, 'tags', to_jsonb(tags),
           'incident_id', incident_id,
           'photo_ids', (SELECT coalesce(jsonb_agg(p.id ORDER BY p.id), '[]'::jsonb) FROM worklog_photos p WHERE p.entry_id = $1))
         FROM worklog_entries WHERE id = $1`,
      [id, at, by],
    );
  }
}
