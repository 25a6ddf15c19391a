import { z } from 'zod';
import type { LonLat } from './gcj02.js';

/**
 * GeoJSON areas (RFC 7946) in WGS-84: a Polygon (an outer ring, then holes) or a MultiPolygon.
 * Positions are `[longitude, latitude]`; a ring is closed (its last position repeats the first)
 * and has at least 4 positions. Ring orientation is not required: the test below does not use it.
 */
const Position = z
  .tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])
  .rest(z.number())
  .meta({ description: '[longitude, latitude] in degrees (WGS-84); further numbers (altitude) are ignored' });
export type Position = z.infer<typeof Position>;

const LinearRing = z
  .array(Position)
  .min(4, 'a ring has at least 4 positions (a triangle and the first position repeated)')
  .refine((ring) => ring[0]?.[0] === ring.at(-1)?.[0] && ring[0]?.[1] === ring.at(-1)?.[1], {
    message: 'a ring is closed: its last position repeats its first',
  });

const PolygonRings = z.array(LinearRing).min(1, 'a polygon has an outer ring');

export const GeoPolygon = z.strictObject({ type: z.literal('Polygon'), coordinates: PolygonRings });
export type GeoPolygon = z.infer<typeof GeoPolygon>;

export const GeoMultiPolygon = z.strictObject({
  type: z.literal('MultiPolygon'),
  coordinates: z.array(PolygonRings).min(1, 'a MultiPolygon has at least one polygon'),
});
export type GeoMultiPolygon = z.infer<typeof GeoMultiPolygon>;

/** The area of a territory unit: a GeoJSON Polygon or MultiPolygon. */
export const Area = z.discriminatedUnion('type', [GeoPolygon, GeoMultiPolygon]);
export type Area = z.infer<typeof Area>;

/** Smallest and largest longitude and latitude of an area. */
export interface BoundingBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

function polygonsOf(area: Area): Position[][][] {
  return area.type === 'Polygon' ? [area.coordinates] : area.coordinates;
}

/** The bounding box of an area (of its outer rings: holes lie inside them). */
export function boundingBox(area: Area): BoundingBox {
  const box = { minLon: Infinity, minLat: Infinity, maxLon: -Infinity, maxLat: -Infinity };
  for (const [outer] of polygonsOf(area)) {
    for (const [lon, lat] of outer ?? []) {
      box.minLon = Math.min(box.minLon, lon);
      box.minLat = Math.min(box.minLat, lat);
      box.maxLon = Math.max(box.maxLon, lon);
      box.maxLat = Math.max(box.maxLat, lat);
    }
  }
  return box;
}

/** Whether the point lies in the box, edges included. */
export function boxContains(box: BoundingBox, { lon, lat }: LonLat): boolean {
  return lon >= box.minLon && lon <= box.maxLon && lat >= box.minLat && lat <= box.maxLat;
}

// Far below a millimetre (1e-12° ≈ 0.1 µm); only absorbs rounding of points meant to be on an edge.
const EDGE_EPSILON = 1e-12;

/** Whether the point is on the segment a–b (within rounding). */
function onSegment(lon: number, lat: number, a: Position, b: Position): boolean {
  const [ax, ay] = a;
  const [bx, by] = b;
  const cross = (bx - ax) * (lat - ay) - (by - ay) * (lon - ax);
  const length = Math.hypot(bx - ax, by - ay);
  if (Math.abs(cross) > EDGE_EPSILON * Math.max(length, 1)) return false;
  return (
    lon >= Math.min(ax, bx) - EDGE_EPSILON &&
    lon <= Math.max(ax, bx) + EDGE_EPSILON &&
    lat >= Math.min(ay, by) - EDGE_EPSILON &&
    lat <= Math.max(ay, by) + EDGE_EPSILON
  );
}

/** Where a point lies relative to one ring: ray casting (even-odd rule) along +longitude. */
function ringPosition(lon: number, lat: number, ring: readonly Position[]): 'inside' | 'outside' | 'edge' {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[j] as Position;
    const b = ring[i] as Position;
    if (onSegment(lon, lat, a, b)) return 'edge';
    const [ax, ay] = a;
    const [bx, by] = b;
    // Half-open in latitude, so a ray through a vertex counts the two edges meeting there once.
    if (ay > lat !== by > lat) {
      const crossLon = ax + ((lat - ay) * (bx - ax)) / (by - ay);
      if (lon < crossLon) inside = !inside;
    }
  }
  return inside ? 'inside' : 'outside';
}

/**
 * Whether a WGS-84 point lies in a GeoJSON Polygon or MultiPolygon (planar ray casting on
 * longitude/latitude, exact enough for grids a few hundred metres across).
 *
 * Boundary behaviour: an area is a closed set. A point on the outer ring is inside; a point in a
 * hole is outside, but a point on a hole's ring is inside (the hole is open). So a point on the
 * edge shared by two neighbouring grids lies in both; {@link resolveGrid} then picks one by a stated rule.
 */
export function pointInArea(point: LonLat, area: Area): boolean {
  for (const [outer, ...holes] of polygonsOf(area)) {
    if (outer === undefined) continue;
    const position = ringPosition(point.lon, point.lat, outer);
    if (position === 'outside') continue;
    if (position === 'edge') return true;
    if (holes.every((hole) => ringPosition(point.lon, point.lat, hole) !== 'inside')) return true;
  }
  return false;
}
