import turfArea from '@turf/area';
import polygonClipping, { type MultiPolygon as ClipMultiPolygon, type Polygon as ClipPolygon } from 'polygon-clipping';
import simplify from 'simplify-js';
import sweeplineModule from 'sweepline-intersections';
import { isDedicatedGrid, parentOf } from '../codes.js';
import { type Area, boundingBox } from '../polygon.js';
import type { ImportedUnit } from './boundaries-file.js';
import { importProblem } from './problems.js';
import type { TerritoryImportProblem } from './schemas.js';

/**
 * How much disagreement between neighbouring boundaries is drawing noise rather than a mistake:
 * a piece outside the parent, an overlap or a gap counts only when it is larger than both
 * `squareMetres` and `share` of the area it is measured against (the unit's own for "outside" and
 * overlaps — the smaller of the two — and the parent's for gaps).
 */
export interface GeometryTolerance {
  squareMetres: number;
  share: number;
}

export const DEFAULT_TOLERANCE: GeometryTolerance = { squareMetres: 100, share: 0.01 };

type Geom = ClipPolygon | ClipMultiPolygon;

// The package is CommonJS exporting the function itself; its types say `export default`.
const sweeplineIntersections = sweeplineModule as unknown as typeof sweeplineModule.default;

/**
 * How far (in degrees, about 0.5 m) an outline may be straightened for the clipping checks: far
 * below their tolerance, and it turns a survey export's thousands of points per edge into a few, so
 * a district of fine outlines is checked in seconds rather than minutes. What is stored is the
 * file's outline, unchanged.
 */
const STRAIGHTEN_DEGREES = 5e-6;

/** The outline as polygon-clipping takes it: [lon, lat] pairs (altitude dropped), straightened (Douglas-Peucker, simplify-js). */
function clipGeom(area: Area): Geom {
  const ring = (r: number[][]): [number, number][] => {
    const points = r.map(([lon, lat]) => ({ x: lon as number, y: lat as number }));
    const kept = simplify(points, STRAIGHTEN_DEGREES, true);
    const closed = kept.length >= 4 ? kept : points;
    return closed.map((p) => [p.x, p.y]);
  };
  return area.type === 'Polygon' ? area.coordinates.map(ring) : area.coordinates.map((p) => p.map(ring));
}

/** Geodesic area in m² (@turf/area). */
function squareMetres(geom: Geom | Area): number {
  if (Array.isArray(geom)) {
    if (geom.length === 0) return 0;
    const multi = Array.isArray((geom as ClipMultiPolygon)[0]?.[0]?.[0])
      ? (geom as ClipMultiPolygon)
      : [geom as ClipPolygon];
    return turfArea({ type: 'MultiPolygon', coordinates: multi });
  }
  return turfArea(geom);
}

const beyond = (piece: number, reference: number, t: GeometryTolerance) =>
  piece > t.squareMetres && piece > t.share * reference;

const percent = (piece: number, reference: number) => (reference > 0 ? ((100 * piece) / reference).toFixed(1) : '100');

/**
 * Geometry problems of a boundaries file (areas already in WGS-84; broken ones are null and skipped):
 * self-intersecting boundaries, units beyond their parent, overlapping siblings and gaps between a
 * community's grids. `storedParentAreas` holds the current areas of parents the file does not have.
 * The clipping is polygon-clipping's (Martinez-Rueda sweep line), areas are @turf/area's, and
 * self-intersections sweepline-intersections' (a sweep line: @turf/kinks tests every pair of
 * edges, minutes for a district with fine outlines): well-kept libraries, not our own geometry.
 *
 * Dedicated grids (专属网格, 9xx: a school, a hospital) are drawn inside ordinary grids on purpose,
 * so they are not checked for overlaps.
 */
export function geometryProblems(
  units: readonly ImportedUnit[],
  storedParentAreas: ReadonlyMap<string, Area>,
  tolerance: GeometryTolerance = DEFAULT_TOLERANCE,
): TerritoryImportProblem[] {
  const problems: TerritoryImportProblem[] = [];
  const sound: Array<ImportedUnit & { area: Area; size: number; clip: Geom }> = [];
  for (const unit of units) {
    if (unit.area === null) continue;
    const crossings = sweeplineIntersections({ type: 'Feature', properties: {}, geometry: unit.area }, false);
    if (crossings.length > 0) {
      const [lon, lat] = crossings[0] ?? [];
      problems.push(
        importProblem(
          'self_intersection',
          { feature: unit.feature, code: unit.code, field: 'geometry' },
          { code: unit.code, count: crossings.length, lon: lon?.toFixed(6), lat: lat?.toFixed(6) },
        ),
      );
      continue;
    }
    sound.push({ ...unit, area: unit.area, size: squareMetres(unit.area), clip: clipGeom(unit.area) });
  }
  const areaOf = new Map<string, Geom>([...storedParentAreas].map(([code, area]) => [code, clipGeom(area)]));
  for (const unit of sound) areaOf.set(unit.code, unit.clip);

  // Beyond the parent.
  for (const unit of sound) {
    const parent = parentOf(unit.code);
    const parentArea = parent === undefined ? undefined : areaOf.get(parent);
    if (parent === undefined || parentArea === undefined) continue;
    const outside = safely(() => squareMetres(polygonClipping.difference(unit.clip, parentArea)));
    if (outside !== undefined && beyond(outside, unit.size, tolerance)) {
      problems.push(
        importProblem(
          'outside_parent',
          { feature: unit.feature, code: unit.code, field: 'geometry' },
          { code: unit.code, parent, area: Math.round(outside), share: percent(outside, unit.size) },
        ),
      );
    }
  }

  // Siblings: overlaps (bounding boxes first), and gaps between a parent's grids.
  const families = new Map<string, typeof sound>();
  for (const unit of sound) {
    const parent = parentOf(unit.code);
    if (parent === undefined) continue;
    families.set(parent, [...(families.get(parent) ?? []), unit]);
  }
  for (const [parent, siblings] of families) {
    const boxes = siblings.map((s) => boundingBox(s.area));
    for (let i = 0; i < siblings.length; i++) {
      const a = siblings[i] as (typeof siblings)[number];
      if (isDedicated(a.code)) continue;
      for (let j = i + 1; j < siblings.length; j++) {
        const b = siblings[j] as (typeof siblings)[number];
        if (isDedicated(b.code)) continue;
        const ba = boxes[i] as ReturnType<typeof boundingBox>;
        const bb = boxes[j] as ReturnType<typeof boundingBox>;
        if (ba.maxLon <= bb.minLon || bb.maxLon <= ba.minLon || ba.maxLat <= bb.minLat || bb.maxLat <= ba.minLat)
          continue;
        const shared = safely(() => squareMetres(polygonClipping.intersection(a.clip, b.clip)));
        const smaller = Math.min(a.size, b.size);
        if (shared !== undefined && beyond(shared, smaller, tolerance)) {
          problems.push(
            importProblem(
              'sibling_overlap',
              { feature: b.feature, code: b.code, field: 'geometry' },
              { code: b.code, other: a.code, area: Math.round(shared), share: percent(shared, smaller) },
            ),
          );
        }
      }
    }
    const parentArea = areaOf.get(parent);
    if (parentArea === undefined || siblings[0]?.level !== 'grid') continue;
    const parentSize = squareMetres(parentArea);
    const gap = safely(() => squareMetres(polygonClipping.difference(parentArea, ...siblings.map((s) => s.clip))));
    if (gap !== undefined && beyond(gap, parentSize, tolerance)) {
      const parentUnit = sound.find((u) => u.code === parent);
      const first = siblings[0] as (typeof siblings)[number];
      problems.push(
        importProblem(
          'sibling_gap',
          { feature: parentUnit?.feature ?? first.feature, code: parent, field: 'geometry' },
          { parent, level: 'grid', area: Math.round(gap), share: percent(gap, parentSize) },
        ),
      );
    }
  }
  return problems;
}

const isDedicated = (code: string) => code.length === 15 && isDedicatedGrid(code);

/** polygon-clipping throws on some degenerate input it cannot sweep; such a check is skipped, not fatal. */
function safely(measure: () => number): number | undefined {
  try {
    return measure();
  } catch {
    return undefined;
  }
}
