import type { Community } from './generator.js';

/** A point on the ground, WGS-84 degrees. */
export interface GroundPoint {
  lon: number;
  lat: number;
}

/** A GeoJSON Polygon (RFC 7946): one closed outer ring of `[lon, lat]`. */
export interface GroundPolygon {
  type: 'Polygon';
  coordinates: [number, number][][];
}

/** Where a simulated community lies: its outline, each grid's, each building's centre and the gate. */
export interface CommunityGeography {
  community: GroundPolygon;
  grids: Map<string, GroundPolygon>;
  /** Centre of each building, by its number as the community names it ("1", "2", …). */
  buildings: Map<string, GroundPoint>;
  /** The main gate, on the community's south side (a guard room stands here). */
  gate: GroundPoint;
}

/** A residential block in Huai'an's Qingjiangpu district (WGS-84): the south-west corner of the community. */
export const HUAIAN_BLOCK: GroundPoint = { lon: 119.0153, lat: 33.6104 };

const METRES_PER_DEGREE_LAT = 111_320;
/** A grid is a strip this wide (west to east) and as tall as its buildings need. */
const GRID_WIDTH_M = 120;
/** Buildings stand in a column in their grid, this far apart (a slab and its green). */
const BUILDING_SPACING_M = 70;
const MARGIN_M = 30;

/**
 * Lays a generated community out on the ground: its grids as strips side by side from west to
 * east, each grid's buildings in a column up its middle, the gate on the south edge. Real
 * communities are drawn by the district's surveyors; this gives the simulated one a plausible
 * shape so maps, patrol routes and "which grid is this point in" all have something to work on.
 */
export function layOut(community: Community, corner: GroundPoint = HUAIAN_BLOCK): CommunityGeography {
  const metresPerDegreeLon = METRES_PER_DEGREE_LAT * Math.cos((corner.lat * Math.PI) / 180);
  const at = (x: number, y: number): [number, number] => [
    round(corner.lon + x / metresPerDegreeLon),
    round(corner.lat + y / METRES_PER_DEGREE_LAT),
  ];
  const rectangle = (x0: number, y0: number, x1: number, y1: number): GroundPolygon => ({
    type: 'Polygon',
    coordinates: [[at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)]],
  });

  const buildingsOf = new Map<string, string[]>();
  for (const unit of community.units) {
    const list = buildingsOf.get(unit.grid) ?? [];
    if (!list.includes(unit.building)) list.push(unit.building);
    buildingsOf.set(unit.grid, list);
  }
  const tallest = Math.max(1, ...[...buildingsOf.values()].map((list) => list.length));
  const height = 2 * MARGIN_M + tallest * BUILDING_SPACING_M;

  const grids = new Map<string, GroundPolygon>();
  const buildings = new Map<string, GroundPoint>();
  community.grids.forEach((grid, index) => {
    const x0 = index * GRID_WIDTH_M;
    grids.set(grid, rectangle(x0, 0, x0 + GRID_WIDTH_M, height));
    (buildingsOf.get(grid) ?? []).forEach((building, row) => {
      const [lon, lat] = at(x0 + GRID_WIDTH_M / 2, MARGIN_M + (row + 0.5) * BUILDING_SPACING_M);
      buildings.set(building, { lon, lat });
    });
  });
  const width = community.grids.length * GRID_WIDTH_M;
  const [gateLon, gateLat] = at(width / 2, MARGIN_M / 3);
  return {
    community: rectangle(0, 0, width, height),
    grids,
    buildings,
    gate: { lon: gateLon, lat: gateLat },
  };
}

/** Seven decimals: a centimetre, as phones and surveyors give coordinates. */
const round = (degrees: number) => Math.round(degrees * 1e7) / 1e7;
