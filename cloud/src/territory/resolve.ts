import { isDedicatedGrid, parentOf, type TerritoryLevel } from './codes.js';
import type { LonLat } from './gcj02.js';
import { type Area, pointInArea } from './polygon.js';

/**
 * One version of a unit's area. It is in force from `validFrom` (inclusive) until `validTo`
 * (exclusive; null while it is the current version). The versions of one unit never overlap.
 */
export interface PolygonVersion {
  id: number;
  code: string;
  level: TerritoryLevel;
  area: Area;
  validFrom: Date;
  validTo: Date | null;
}

/** Whether the version is the one in force at `at`. */
export function validAt(version: Pick<PolygonVersion, 'validFrom' | 'validTo'>, at: Date): boolean {
  return (
    version.validFrom.getTime() <= at.getTime() &&
    (version.validTo === null || at.getTime() < version.validTo.getTime())
  );
}

/**
 * Who owns a location. A grid matched: `grid`, its `community`, `fallback: false`. No grid, but a
 * community's area holds the point (属地兜底): only `community`, `fallback: true`. Neither: no
 * codes and `fallback: false` (the location is outside the territory we know).
 * `polygonId` is the version whose area matched, to record what the assignment was based on.
 */
export interface GridResolution {
  grid?: string;
  community?: string;
  fallback: boolean;
  polygonId?: number;
}

const byCode = (a: PolygonVersion, b: PolygonVersion) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);

/**
 * The grid whose area in force at `at` contains the WGS-84 `point`, else the community whose
 * area does (属地兜底), chosen among `versions` (any units and times; the others are ignored).
 *
 * Several grids can hold one point: a dedicated grid (专属网格, a school or hospital) drawn inside
 * an ordinary grid, or a point exactly on the edge two grids share. A dedicated grid wins; among
 * equals the lowest code does, so the answer never depends on the order of `versions`.
 */
export function resolveGrid(point: LonLat, at: Date, versions: readonly PolygonVersion[]): GridResolution {
  const holding = (level: TerritoryLevel) =>
    versions.filter((v) => v.level === level && validAt(v, at) && pointInArea(point, v.area)).sort(byCode);
  const grids = holding('grid');
  const grid = grids.find((v) => isDedicatedGrid(v.code)) ?? grids[0];
  if (grid !== undefined) {
    return { grid: grid.code, community: parentOf(grid.code) as string, fallback: false, polygonId: grid.id };
  }
  const [community] = holding('community');
  if (community !== undefined) return { community: community.code, fallback: true, polygonId: community.id };
  return { fallback: false };
}
