import simplify from 'simplify-js';
import { z } from 'zod';
import type { Queryable } from '../db/db.js';
import { Area, type Position } from './polygon.js';

/** The levels a boundaries query lists (a district is the `within` of one, never a child). */
export const BOUNDARY_LEVELS = ['street', 'community', 'grid', 'micro_grid'] as const;
export type BoundaryLevel = (typeof BOUNDARY_LEVELS)[number];

const CODE_PATTERN = /^\d{6}(\d{3}){0,4}$/;
const LEVEL_BY_LENGTH: Record<number, string> = {
  6: 'district',
  9: 'street',
  12: 'community',
  15: 'grid',
  18: 'micro_grid',
};

/** How many levels below the district: a street 1, a micro-grid 4. */
const depthOf = (level: BoundaryLevel) => BOUNDARY_LEVELS.indexOf(level) + 1;

/** The query of `GET /territory/boundaries`. */
export const BoundariesQuery = z
  .strictObject({
    within: z.string().regex(CODE_PATTERN, { error: 'expected a territory code of 6, 9, 12, 15 or 18 digits' }),
    /** Default: the level just below `within`. */
    level: z.enum(BOUNDARY_LEVELS).optional(),
    /** The time the areas are in force at; default now. */
    at: z.iso.datetime({ offset: true }).optional(),
    /** Douglas–Peucker tolerance in metres, to draw a large district with fewer points; default none. */
    simplify: z.coerce.number().min(0).max(1000).optional(),
  })
  .refine((q) => q.level === undefined || depthOf(q.level) > (q.within.length - 6) / 3, {
    error: 'level must be below the level of within',
    path: ['level'],
  });
export type BoundariesQuery = z.output<typeof BoundariesQuery>;

/** A unit's area and names, as one Feature of {@link TerritoryBoundaries}. */
export const TerritoryBoundary = z.object({
  type: z.literal('Feature'),
  /** The unit's code, as in `properties.code`. */
  id: z.string(),
  properties: z.object({
    code: z.string(),
    level: z.enum(BOUNDARY_LEVELS),
    parent_code: z.string(),
    name_zh: z.string(),
    name_en: z.string().nullable(),
  }),
  geometry: Area,
});
export type TerritoryBoundary = z.infer<typeof TerritoryBoundary>;

/**
 * The answer of `GET /territory/boundaries`: a GeoJSON FeatureCollection (WGS-84) of the units of
 * one level under `within` whose areas are in force `at`, by code.
 */
export const TerritoryBoundaries = z.object({
  type: z.literal('FeatureCollection'),
  within: z.string(),
  /** The unit asked for, to name it above its units; null when no such unit is known. */
  within_unit: z
    .object({
      code: z.string(),
      level: z.enum(['district', ...BOUNDARY_LEVELS]),
      name_zh: z.string(),
      name_en: z.string().nullable(),
    })
    .nullable(),
  level: z.enum(BOUNDARY_LEVELS),
  /** The time the areas are in force at (ISO 8601). */
  at: z.string(),
  features: z.array(TerritoryBoundary),
});
export type TerritoryBoundaries = z.infer<typeof TerritoryBoundaries>;

/** The level of the units one below `within`; undefined under a micro-grid. */
export function levelBelow(within: string): BoundaryLevel | undefined {
  const level = LEVEL_BY_LENGTH[within.length];
  const index = ['district', ...BOUNDARY_LEVELS].indexOf(level ?? '');
  return BOUNDARY_LEVELS[index];
}

interface BoundaryRow {
  code: string;
  parent_code: string;
  name_zh: string;
  name_en: string | null;
  area: Area;
}

/**
 * The units of `level` under `within` whose area is in force at `at`, limited to those under one
 * of `visible` (the caller's territory prefixes), by code.
 */
export async function readBoundaries(
  q: Queryable,
  query: { within: string; level: BoundaryLevel; at: Date; simplifyMetres?: number },
  visible: readonly string[],
): Promise<TerritoryBoundaries> {
  const { rows } = await q.query<BoundaryRow>(
    `SELECT u.code, u.parent_code, u.name_zh, u.name_en, p.area
     FROM territory_units u JOIN territory_polygons p ON p.unit_code = u.code
     WHERE u.level = $1 AND u.code LIKE $2 || '%'
       AND p.valid_from <= $3 AND (p.valid_to IS NULL OR p.valid_to > $3)
       AND EXISTS (SELECT 1 FROM unnest($4::text[]) AS s(prefix) WHERE u.code LIKE s.prefix || '%')
     ORDER BY u.code`,
    [query.level, query.within, query.at, visible],
  );
  const { rows: units } = await q.query<{
    code: string;
    level: BoundaryLevel | 'district';
    name_zh: string;
    name_en: string | null;
  }>('SELECT code, level, name_zh, name_en FROM territory_units WHERE code = $1', [query.within]);
  const tolerance = (query.simplifyMetres ?? 0) / METRES_PER_DEGREE;
  return {
    type: 'FeatureCollection',
    within: query.within,
    within_unit: units[0] ?? null,
    level: query.level,
    at: query.at.toISOString(),
    features: rows.map((row) => ({
      type: 'Feature',
      id: row.code,
      properties: {
        code: row.code,
        level: query.level,
        parent_code: row.parent_code,
        name_zh: row.name_zh,
        name_en: row.name_en,
      },
      geometry: tolerance > 0 ? simplifyArea(row.area, tolerance) : row.area,
    })),
  };
}

// Degrees of latitude per metre, about; longitude degrees are shorter, so the tolerance errs small.
const METRES_PER_DEGREE = 111_320;

/**
 * The area with fewer points (Douglas–Peucker, simplify-js), for drawing only: neighbours are
 * simplified apart, so their shared edges may part by up to the tolerance. A ring that would fall
 * below a triangle keeps its points.
 */
export function simplifyArea(area: Area, toleranceDegrees: number): Area {
  const ring = (positions: Position[]): Position[] => {
    const kept = simplify(
      positions.map(([x, y]) => ({ x, y })),
      toleranceDegrees,
      true,
    ).map((p): Position => [p.x, p.y]);
    return kept.length >= 4 ? kept : positions;
  };
  if (area.type === 'Polygon') return { type: 'Polygon', coordinates: area.coordinates.map(ring) };
  return { type: 'MultiPolygon', coordinates: area.coordinates.map((polygon) => polygon.map(ring)) };
}
