import { z } from 'zod';
import type { Queryable } from '../db/db.js';
import type { ScopeFilter } from '../people/scope.js';
import { scopeCondition, TERRITORY_OF_ROW } from '../people/scope-sql.js';
import { distanceMetres, type LonLat } from '../territory/index.js';
import { categoryLineage } from './device-event-policy.js';
import { type Incident, type IncidentRow, toIncident } from './records.js';

/**
 * `GET /incidents/nearby`: before a street report (随手拍) is filed, the open incidents near the
 * phone, so the worker adds to one instead of filing it twice. Defaults: 300 m, the last 3 days.
 */
export const NearbyQuery = z.strictObject({
  lon: z.coerce.number().min(-180).max(180),
  lat: z.coerce.number().min(-90).max(90),
  /** The datum of lon/lat: the browser's geolocation gives WGS-84, Chinese map SDKs GCJ-02. */
  crs: z.enum(['wgs84', 'gcj02']).default('wgs84'),
  /** Same category (and its children) ranked first; others follow, nearest first. */
  category: z
    .string()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, { error: 'expected a category code, e.g. urban_management' })
    .optional(),
  radius_m: z.coerce.number().int().min(10).max(2000).default(300),
  within_hours: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .default(72),
  limit: z.coerce.number().int().min(1).max(20).default(5),
});
export type NearbyQuery = z.output<typeof NearbyQuery>;

export interface NearbyIncident {
  incident: Incident;
  distanceM: number;
  /** The report's category, one of its sub-categories or its parent: likely the same thing. */
  sameCategory: boolean;
  /** The incident's own point, or its building's when it has none. */
  positionFrom: 'incident' | 'building';
}

/** At most this many candidates in the box are measured: a busy street's recent open incidents. */
const CANDIDATES = 500;
const METRES_PER_DEGREE = 111_320;

/**
 * Open, real (not drill) incidents the scope holds, created since `since`, whose point (or
 * building's point) lies within `radiusM` of `center` (WGS-84): same category first, then nearest.
 */
export async function readNearby(
  q: Queryable,
  center: LonLat,
  options: { radiusM: number; since: Date; category?: string | undefined; limit: number },
  scope: ScopeFilter,
): Promise<NearbyIncident[]> {
  const dLat = options.radiusM / METRES_PER_DEGREE;
  const dLon = dLat / Math.max(Math.cos((center.lat * Math.PI) / 180), 0.01);
  const condition = scopeCondition(
    scope,
    { territory: TERRITORY_OF_ROW, assignee: 'assignee', gateway: 'gateway_id', closed: 'closed_at IS NOT NULL' },
    7,
  );
  const { rows } = await q.query<IncidentRow & { near_lon: number; near_lat: number; from_building: boolean }>(
    `SELECT i.*, coalesce(i.position_lon, b.lon) AS near_lon, coalesce(i.position_lat, b.lat) AS near_lat,
            i.position_lat IS NULL AS from_building
       FROM incidents AS i
       LEFT JOIN LATERAL (
         SELECT avg(tb.lon) AS lon, avg(tb.lat) AS lat FROM territory_buildings AS tb
          WHERE i.position_lat IS NULL AND tb.community_code = i.community AND tb.building = i.building
            AND (i.unit IS NULL OR tb.unit = i.unit) AND tb.lon IS NOT NULL
       ) AS b ON true
      WHERE i.closed_at IS NULL AND NOT i.drill AND i.created_at >= $1
        AND coalesce(i.position_lat, b.lat) BETWEEN $2 AND $3
        AND coalesce(i.position_lon, b.lon) BETWEEN $4 AND $5
        AND ${condition.sql}
      ORDER BY i.created_at DESC LIMIT $6`,
    [
      options.since,
      center.lat - dLat,
      center.lat + dLat,
      center.lon - dLon,
      center.lon + dLon,
      CANDIDATES,
      ...condition.params,
    ],
  );
  const wanted = options.category;
  const related = (code: string) =>
    wanted !== undefined && (categoryLineage(code).includes(wanted) || categoryLineage(wanted).includes(code));
  return rows
    .map((row) => ({
      incident: toIncident(row),
      distanceM: Math.round(distanceMetres(center, { lon: Number(row.near_lon), lat: Number(row.near_lat) })),
      sameCategory: related(row.category_code),
      positionFrom: row.from_building ? ('building' as const) : ('incident' as const),
    }))
    .filter((found) => found.distanceM <= options.radiusM)
    .sort((a, b) => Number(b.sameCategory) - Number(a.sameCategory) || a.distanceM - b.distanceM)
    .slice(0, options.limit);
}
