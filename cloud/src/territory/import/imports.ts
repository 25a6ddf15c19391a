import { createHash, randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Db, Queryable } from '../../db/db.js';
import { message } from '../../i18n/message.js';
import { type Actor, actorName, writeAudit } from '../../people/audit.js';
import { applyPayload, type ImportPayload } from './apply.js';
import { compareBoundaries } from './boundaries.js';
import { compareBuildings } from './buildings.js';
import { decodeText } from './encoding.js';
import type { ImportOutcome } from './outcome.js';
import { comparePlacements } from './placements.js';
import { inFileOrder } from './problems.js';
import { TerritoryImportRefusal } from './refusal.js';
import {
  PREVIEW_LIST_LIMIT,
  type TerritoryImportCrs,
  type TerritoryImportKind,
  type TerritoryImportPreview,
} from './schemas.js';
import { territoryStamp } from './stamp.js';

/** The largest file an import takes: a district's boundaries with fine outlines, or its placements. */
export const IMPORT_MAX_BYTES = 64 * 1024 * 1024;

export interface ImportFile {
  kind: TerritoryImportKind;
  bytes: Uint8Array;
  /** The coordinate system the request names; a boundaries file may state its own. */
  crs?: TerritoryImportCrs | undefined;
  actor: Actor;
}

/** The stored import: its preview, and what the scope check and applying need. */
export interface StoredImport {
  preview: TerritoryImportPreview;
  root: string | null;
}

interface ImportRow {
  id: string;
  kind: TerritoryImportKind;
  root_code: string | null;
  preview: TerritoryImportPreview;
  state: 'previewed' | 'applied';
  applied_at: Date | null;
  valid_from: Date | null;
  state_stamp: string;
}

/**
 * Territory imports: a file is previewed (compared with the stored territory, every problem
 * listed), stored with its parsed payload, and applied later in one transaction, only when the
 * preview had no problems and the territory is as it was then.
 */
export class TerritoryImports {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Reads and checks a file, stores the preview and returns it. `authorize` sees the file's root
   * before anything is stored, and throws to refuse the caller.
   */
  async preview(
    file: ImportFile,
    authorize: (root: string | null) => void = () => {},
  ): Promise<TerritoryImportPreview> {
    const { text, encoding } = decodeText(file.bytes);
    const requested = file.crs;
    let outcome: ImportOutcome<ImportPayload['data']>;
    let crs: TerritoryImportCrs = requested ?? 'wgs84';
    let crsSource: TerritoryImportPreview['crs_source'] = requested === undefined ? 'default' : 'request';
    if (file.kind === 'boundaries') {
      const compared = await compareBoundaries(this.db, text, requested);
      ({ crs, crsSource } = compared);
      outcome = compared;
    } else if (file.kind === 'buildings') {
      outcome = await compareBuildings(this.db, text, crs);
    } else {
      outcome = await comparePlacements(this.db, text);
    }
    authorize(outcome.root);
    const gateways = file.kind === 'placements' ? placementGateways(outcome.payload) : [];
    const stamp = await territoryStamp(this.db, file.kind, outcome.root, gateways);
    const cut = <T>(list: T[]) => list.slice(0, PREVIEW_LIST_LIMIT);
    const problems = inFileOrder(outcome.problems);
    const preview: TerritoryImportPreview = {
      id: randomUUID(),
      kind: file.kind,
      state: 'previewed',
      created_at: this.clock().toISOString(),
      actor: actorName(file.actor),
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
      bytes: file.bytes.byteLength,
      encoding,
      crs,
      crs_source: crsSource,
      root: outcome.root,
      counts: {
        items: outcome.items,
        added: outcome.added.length,
        changed: outcome.changed.length,
        retired: outcome.retired.length,
        unchanged: outcome.unchanged.length,
        problems: problems.length,
      },
      added: cut(outcome.added),
      changed: cut(outcome.changed),
      retired: cut(outcome.retired),
      unchanged: cut(outcome.unchanged),
      problems: cut(problems),
      lists_truncated: [outcome.added, outcome.changed, outcome.retired, outcome.unchanged, problems].some(
        (list) => list.length > PREVIEW_LIST_LIMIT,
      ),
      unregistered_gateways: cut(outcome.unregisteredGateways),
      applied_at: null,
      valid_from: null,
    };
    // A file with problems cannot be applied: its payload is not kept.
    const payload: ImportPayload = {
      kind: file.kind,
      data: problems.length > 0 ? emptyData(file.kind) : outcome.payload,
    } as ImportPayload;
    await this.db.query(
      `INSERT INTO territory_imports (id, kind, actor, created_at, sha256, root_code, preview, payload, state_stamp)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)`,
      [
        preview.id,
        preview.kind,
        preview.actor,
        preview.created_at,
        preview.sha256,
        outcome.root,
        JSON.stringify(preview),
        JSON.stringify(payload),
        stamp,
      ],
    );
    return preview;
  }

  /** A stored import; undefined when there is none of that id. */
  async get(id: string): Promise<StoredImport | undefined> {
    if (!UUID.test(id)) return undefined;
    const { rows } = await this.db.query<ImportRow>(
      `SELECT id, kind, root_code, preview, state, applied_at, valid_from, state_stamp FROM territory_imports WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    return row === undefined ? undefined : { preview: withState(row), root: row.root_code };
  }

  /**
   * Applies a previewed import in one transaction: units added or renamed, areas redrawn from
   * `validFrom` (the old version closes then: history is kept), retired units closed and marked,
   * buildings and placements written, the audit record and the import's state. Refused — nothing
   * written — when the preview had problems, was applied already, or the territory changed since.
   */
  async apply(id: string, actor: Actor, validFrom: Date = this.clock()): Promise<TerritoryImportPreview> {
    const notFound = () => new TerritoryImportRefusal('GL_NOT_FOUND', message('territory_import.not_found', { id }));
    if (!UUID.test(id)) throw notFound();
    return this.db.transaction(async (tx) => {
      // Applies one at a time, and nobody else changes units meanwhile (readers are not held up).
      await tx.query('LOCK TABLE territory_units IN SHARE ROW EXCLUSIVE MODE');
      const { rows } = await tx.query<ImportRow & { payload: ImportPayload }>(
        `SELECT id, kind, root_code, preview, payload, state, applied_at, valid_from, state_stamp
         FROM territory_imports WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const row = rows[0];
      if (row === undefined) throw notFound();
      if (row.state === 'applied')
        throw new TerritoryImportRefusal(
          'GL_TERRITORY_IMPORT_REFUSED',
          message('territory_import.already_applied', { id, at: row.applied_at?.toISOString() }),
        );
      if (row.preview.counts.problems > 0)
        throw new TerritoryImportRefusal(
          'GL_TERRITORY_IMPORT_REFUSED',
          message('territory_import.has_problems', { id, count: row.preview.counts.problems }),
        );
      const gateways = row.kind === 'placements' ? placementGateways(row.payload.data) : [];
      const now = await territoryStamp(tx, row.kind, row.root_code, gateways);
      if (now !== row.state_stamp)
        throw new TerritoryImportRefusal('GL_TERRITORY_IMPORT_STALE', message('territory_import.stale', { id }));
      await applyPayload(tx, row.payload, validFrom);
      const appliedAt = this.clock();
      await writeAuditOf(tx, actor, row, validFrom, appliedAt);
      await tx.query(`UPDATE territory_imports SET state = 'applied', applied_at = $2, valid_from = $3 WHERE id = $1`, [
        id,
        appliedAt,
        validFrom,
      ]);
      return withState({ ...row, state: 'applied', applied_at: appliedAt, valid_from: validFrom });
    });
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function withState(row: Pick<ImportRow, 'preview' | 'state' | 'applied_at' | 'valid_from'>): TerritoryImportPreview {
  return {
    ...row.preview,
    state: row.state,
    applied_at: row.applied_at?.toISOString() ?? null,
    valid_from: row.valid_from?.toISOString() ?? null,
  };
}

function placementGateways(data: ImportPayload['data']): string[] {
  return 'placements' in data ? [...new Set(data.placements.map((p) => p.gateway))].sort() : [];
}

function emptyData(kind: TerritoryImportKind): ImportPayload['data'] {
  if (kind === 'boundaries') return { units: [], areas: [], retire: [] };
  return kind === 'buildings' ? { buildings: [] } : { placements: [] };
}

async function writeAuditOf(tx: Queryable, actor: Actor, row: ImportRow, validFrom: Date, at: Date): Promise<void> {
  await writeAudit(tx, {
    actor,
    action: 'territory.import.apply',
    target: `territory:${row.root_code ?? ''}`,
    details: {
      import: row.id,
      kind: row.kind,
      sha256: row.preview.sha256,
      counts: row.preview.counts,
      valid_from: validFrom.toISOString(),
    },
    at,
  });
}
