import type { Queryable } from '../../db/db.js';
import { parentOf, type TerritoryLevel } from '../codes.js';
import type { Area } from '../polygon.js';
import { type ImportedUnit, readBoundaries } from './boundaries-file.js';
import { DEFAULT_TOLERANCE, type GeometryTolerance, geometryProblems } from './geometry-checks.js';
import { commonRoot, type ImportOutcome, item } from './outcome.js';
import { importProblem } from './problems.js';
import type { TerritoryImportCrs, TerritoryImportItem } from './schemas.js';

/** What applying a boundaries file writes. */
export interface BoundariesPayload {
  /** Units to add or rename, parents first. */
  units: Array<{ code: string; level: TerritoryLevel; nameZh: string; nameEn: string | null }>;
  /** Units whose area is new or redrawn: their open version closes and this one starts. */
  areas: Array<{ code: string; area: Area }>;
  /** Stored units the file no longer has: their area closes and they are marked retired. */
  retire: string[];
}

interface StoredUnit {
  code: string;
  level: TerritoryLevel;
  name_zh: string;
  name_en: string | null;
  retired_at: Date | null;
  area: Area | null;
}

/**
 * A boundaries file against the stored territory. Its root is the lowest unit at or above every
 * unit of the file. Each unit is added, or changed (`renamed`, `redrawn`), or unchanged; stored
 * units under the root at the levels the file has, that the file does not have, are retired (a
 * file of streets, communities and grids retires none of the micro-grids it does not speak of).
 */
export async function compareBoundaries(
  db: Queryable,
  text: string,
  requested: TerritoryImportCrs | undefined,
  tolerance: GeometryTolerance = DEFAULT_TOLERANCE,
): Promise<ImportOutcome<BoundariesPayload> & { crs: TerritoryImportCrs; crsSource: 'file' | 'request' | 'default' }> {
  const file = readBoundaries(text, requested);
  const problems = [...file.problems];
  const root = commonRoot(file.units.map((u) => u.code)) ?? null;
  const byCode = new Map(file.units.map((u) => [u.code, u]));

  const stored = root === null ? [] : await storedUnder(db, root);
  const storedOf = new Map(stored.map((s) => [s.code, s]));
  // Parents above the file's units that the file does not have: they must be stored.
  const outside = [
    ...new Set(file.units.flatMap((u) => parentOf(u.code) ?? []).filter((parent) => !byCode.has(parent))),
  ];
  const { rows: parents } = await db.query<{ code: string; area: Area | null }>(
    `SELECT u.code, p.area FROM territory_units u
     LEFT JOIN territory_polygons p ON p.unit_code = u.code AND p.valid_to IS NULL
     WHERE u.code = ANY($1) AND u.retired_at IS NULL`,
    [outside],
  );
  const parentAreas = new Map(parents.filter((p) => p.area !== null).map((p) => [p.code, p.area as Area]));
  const parentKnown = new Set(parents.map((p) => p.code));
  for (const unit of file.units) {
    const parent = parentOf(unit.code);
    if (parent !== undefined && !byCode.has(parent) && !parentKnown.has(parent))
      problems.push(
        importProblem(
          'parent_missing',
          { feature: unit.feature, code: unit.code, field: 'properties.code' },
          { code: unit.code, parent },
        ),
      );
  }
  problems.push(...geometryProblems(file.units, parentAreas, tolerance));

  const added: TerritoryImportItem[] = [];
  const changed: TerritoryImportItem[] = [];
  const unchanged: TerritoryImportItem[] = [];
  const areas: BoundariesPayload['areas'] = [];
  const sorted = [...file.units].sort((a, b) => a.code.length - b.code.length || a.code.localeCompare(b.code));
  for (const unit of sorted) {
    const before = storedOf.get(unit.code);
    const fields = { level: unit.level, name: unit.nameZh };
    if (unit.area !== null && (before?.area == null || !sameArea(before.area, unit.area)))
      areas.push({ code: unit.code, area: unit.area });
    if (before === undefined || before.retired_at !== null) {
      added.push(item(unit.code, fields));
      continue;
    }
    const renamed = before.name_zh !== unit.nameZh || before.name_en !== unit.nameEn;
    const redrawn = unit.area !== null && (before.area === null || !sameArea(before.area, unit.area));
    const changes = [renamed ? 'renamed' : '', redrawn ? 'redrawn' : ''].filter((c) => c !== '');
    if (changes.length === 0) unchanged.push(item(unit.code, fields));
    else changed.push(item(unit.code, { ...fields, changes, previous_name: renamed ? before.name_zh : null }));
  }
  const levels = new Set(file.units.map((u) => u.level));
  const retired = stored.filter(
    (s) => s.code !== root && s.retired_at === null && levels.has(s.level) && !byCode.has(s.code),
  );
  return {
    root,
    items: file.items,
    crs: file.crs,
    crsSource: file.crsSource,
    added,
    changed,
    retired: retired.map((s) => item(s.code, { level: s.level, name: s.name_zh })),
    unchanged,
    problems,
    unregisteredGateways: [],
    payload: {
      units: sorted.map((u: ImportedUnit) => ({ code: u.code, level: u.level, nameZh: u.nameZh, nameEn: u.nameEn })),
      areas,
      retire: retired.map((s) => s.code),
    },
  };
}

async function storedUnder(db: Queryable, root: string): Promise<StoredUnit[]> {
  const { rows } = await db.query<StoredUnit>(
    `SELECT u.code, u.level, u.name_zh, u.name_en, u.retired_at, p.area FROM territory_units u
     LEFT JOIN territory_polygons p ON p.unit_code = u.code AND p.valid_to IS NULL
     WHERE u.code LIKE $1 || '%'`,
    [root],
  );
  return rows;
}

/** Same area: same positions to the file's grain (1e-7°), whatever altitude or key order. */
function sameArea(a: Area, b: Area): boolean {
  const flat = (area: Area) =>
    JSON.stringify(
      (area.type === 'Polygon' ? [area.coordinates] : area.coordinates).map((polygon) =>
        polygon.map((ring) => ring.map(([lon, lat]) => [Math.round(lon * 1e7), Math.round(lat * 1e7)])),
      ),
    );
  return flat(a) === flat(b);
}
