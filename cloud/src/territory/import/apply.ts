import type { Queryable } from '../../db/db.js';
import { message } from '../../i18n/message.js';
import { parentOf, TERRITORY_LEVELS } from '../codes.js';
import { boundingBox } from '../polygon.js';
import type { BoundariesPayload } from './boundaries.js';
import type { BuildingRecord } from './buildings.js';
import type { PlacementRecord } from './placements.js';
import { TerritoryImportRefusal } from './refusal.js';

/** What a preview keeps for applying, by kind. */
export type ImportPayload =
  | { kind: 'boundaries'; data: BoundariesPayload }
  | { kind: 'buildings'; data: { buildings: BuildingRecord[] } }
  | { kind: 'placements'; data: { placements: PlacementRecord[] } };

/** Rows per statement: large enough to be few round trips, small enough for PGlite's memory. */
const CHUNK = 5000;

function chunks<T>(list: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Writes a payload inside the caller's transaction (set-based statements: a district is thousands of rows). */
export async function applyPayload(tx: Queryable, payload: ImportPayload, validFrom: Date): Promise<void> {
  if (payload.kind === 'boundaries') await applyBoundaries(tx, payload.data, validFrom);
  else if (payload.kind === 'buildings') await applyBuildings(tx, payload.data.buildings);
  else await applyPlacements(tx, payload.data.placements);
}

async function applyBoundaries(tx: Queryable, data: BoundariesPayload, validFrom: Date): Promise<void> {
  // Units level by level, parents first (the parent's row must exist for the child's foreign key).
  for (const level of TERRITORY_LEVELS) {
    for (const part of chunks(data.units.filter((u) => u.level === level))) {
      await tx.query(
        `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (code) DO UPDATE SET name_zh = EXCLUDED.name_zh, name_en = EXCLUDED.name_en, retired_at = NULL`,
        [
          part.map((u) => u.code),
          part.map((u) => u.level),
          part.map((u) => parentOf(u.code) ?? null),
          part.map((u) => u.nameZh),
          part.map((u) => u.nameEn),
        ],
      );
    }
  }
  // Versions are added in time order: a new or closing version must start after the latest one.
  const touched = [...data.areas.map((a) => a.code), ...data.retire];
  const { rows: late } = await tx.query<{ unit_code: string; valid_from: Date }>(
    `SELECT unit_code, max(valid_from) AS valid_from FROM territory_polygons
     WHERE unit_code = ANY($1) GROUP BY unit_code HAVING max(valid_from) >= $2 OR max(coalesce(valid_to, $2)) > $2`,
    [touched, validFrom],
  );
  const first = late[0];
  if (first !== undefined) {
    throw new TerritoryImportRefusal(
      'GL_VALIDATION_FAILED',
      message('territory_import.valid_from_order', {
        valid_from: validFrom.toISOString(),
        code: first.unit_code,
        current: first.valid_from.toISOString(),
      }),
    );
  }
  await tx.query('UPDATE territory_polygons SET valid_to = $2 WHERE unit_code = ANY($1) AND valid_to IS NULL', [
    touched,
    validFrom,
  ]);
  // Big areas (fine outlines) go in smaller statements.
  for (const part of chunks(data.areas, 200)) {
    const boxes = part.map((a) => boundingBox(a.area));
    await tx.query(
      `INSERT INTO territory_polygons (unit_code, valid_from, area, min_lon, min_lat, max_lon, max_lat)
       SELECT code, $2, area::jsonb, min_lon, min_lat, max_lon, max_lat
       FROM unnest($1::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])
         AS a(code, area, min_lon, min_lat, max_lon, max_lat)`,
      [
        part.map((a) => a.code),
        validFrom,
        part.map((a) => JSON.stringify(a.area)),
        boxes.map((b) => b.minLon),
        boxes.map((b) => b.minLat),
        boxes.map((b) => b.maxLon),
        boxes.map((b) => b.maxLat),
      ],
    );
  }
  if (data.retire.length > 0)
    await tx.query('UPDATE territory_units SET retired_at = $2 WHERE code = ANY($1)', [data.retire, validFrom]);
}

async function applyBuildings(tx: Queryable, buildings: readonly BuildingRecord[]): Promise<void> {
  for (const part of chunks(buildings)) {
    await tx.query(
      `INSERT INTO territory_buildings (community_code, building, unit, floors, households, grid_code, lon, lat)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::text[], $7::float8[], $8::float8[])
       ON CONFLICT (community_code, building, unit) DO UPDATE SET floors = EXCLUDED.floors,
         households = EXCLUDED.households, grid_code = EXCLUDED.grid_code,
         lon = coalesce(EXCLUDED.lon, territory_buildings.lon), lat = coalesce(EXCLUDED.lat, territory_buildings.lat)`,
      [
        part.map((b) => b.community),
        part.map((b) => b.building),
        part.map((b) => b.unit),
        part.map((b) => b.floors),
        part.map((b) => b.households),
        part.map((b) => b.grid),
        part.map((b) => b.lon),
        part.map((b) => b.lat),
      ],
    );
  }
}

async function applyPlacements(tx: Queryable, placements: readonly PlacementRecord[]): Promise<void> {
  for (const part of chunks(placements.filter((p) => p.moved))) {
    await tx.query(
      `UPDATE device_placements AS d SET removed_at = m.installed_at
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS m(gateway_id, device_id, installed_at)
       WHERE d.gateway_id = m.gateway_id AND d.device_id = m.device_id AND d.removed_at IS NULL`,
      [part.map((p) => p.gateway), part.map((p) => p.device), part.map((p) => p.installedAt)],
    );
  }
  for (const part of chunks(placements)) {
    await tx.query(
      `INSERT INTO device_placements (gateway_id, device_id, installed_at, grid_code, community_code, building, unit, floor)
       SELECT gateway_id, device_id, installed_at, grid_code, left(grid_code, 12), building, unit, floor
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::int[])
         AS p(gateway_id, device_id, installed_at, grid_code, building, unit, floor)`,
      [
        part.map((p) => p.gateway),
        part.map((p) => p.device),
        part.map((p) => p.installedAt),
        part.map((p) => p.grid),
        part.map((p) => p.building),
        part.map((p) => p.unit),
        part.map((p) => p.floor),
      ],
    );
  }
}
