import { codeProblem, levelOf, type TerritoryLevel } from '../codes.js';
import type { Area } from '../polygon.js';
import { crsOfFile, positionToWgs84 } from './crs.js';
import { importProblem } from './problems.js';
import type { TerritoryImportCrs, TerritoryImportProblem } from './schemas.js';

/** A unit of a boundaries file: its code, names and area in WGS-84 (null when the geometry is broken). */
export interface ImportedUnit {
  feature: number;
  code: string;
  level: TerritoryLevel;
  nameZh: string;
  nameEn: string | null;
  area: Area | null;
}

export interface BoundariesFile {
  units: ImportedUnit[];
  /** Features in the file. */
  items: number;
  crs: TerritoryImportCrs;
  crsSource: 'file' | 'request' | 'default';
  problems: TerritoryImportProblem[];
}

const NAME_MAX = 100;
/** Coordinates are kept to 1e-7° (about 1 cm): finer digits are noise of the export, and comparing redrawn areas needs a grain. */
const GRAIN = 1e7;

type Ring = number[][];

/**
 * Reads a GeoJSON FeatureCollection of streets, communities, grids and micro-grids (and their
 * district, when the file has it): each feature's
 * `properties.code`, `name_zh` (or `name`) and optional `name_en`, and its Polygon or MultiPolygon
 * turned into WGS-84 (see {@link crsOfFile} for how the file states its coordinate system).
 * Everything wrong with a feature becomes a problem naming it; the other features are still read.
 */
export function readBoundaries(text: string, requested: TerritoryImportCrs | undefined): BoundariesFile {
  const problems: TerritoryImportProblem[] = [];
  const empty = (crs: TerritoryImportCrs, crsSource: BoundariesFile['crsSource']): BoundariesFile => ({
    units: [],
    items: 0,
    crs,
    crsSource,
    problems,
  });
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (err) {
    problems.push(importProblem('not_json', {}, { detail: (err as Error).message.slice(0, 200) }));
    return empty(requested ?? 'wgs84', requested === undefined ? 'default' : 'request');
  }
  if (
    typeof file !== 'object' ||
    file === null ||
    (file as { type?: unknown }).type !== 'FeatureCollection' ||
    !Array.isArray((file as { features?: unknown }).features)
  ) {
    problems.push(importProblem('not_feature_collection', {}));
    return empty(requested ?? 'wgs84', requested === undefined ? 'default' : 'request');
  }
  const stated = crsOfFile(file as Record<string, unknown>);
  if (stated.unknown !== undefined)
    problems.push(importProblem('crs_unknown', { field: 'crs' }, { value: stated.unknown }));
  if (stated.crs !== undefined && requested !== undefined && stated.crs !== requested)
    problems.push(importProblem('crs_conflict', { field: 'crs' }, { file: stated.crs, request: requested }));
  const crs = stated.crs ?? requested ?? 'wgs84';
  const crsSource = stated.crs !== undefined ? 'file' : requested !== undefined ? 'request' : 'default';

  const features = (file as { features: unknown[] }).features;
  const units: ImportedUnit[] = [];
  const firstOf = new Map<string, number>();
  for (const [feature, raw] of features.entries()) {
    const f = raw as { type?: unknown; properties?: unknown; geometry?: unknown } | null;
    if (
      typeof f !== 'object' ||
      f === null ||
      f.type !== 'Feature' ||
      typeof f.properties !== 'object' ||
      f.properties === null
    ) {
      problems.push(importProblem('feature_invalid', { feature }, { index: feature }));
      continue;
    }
    const props = f.properties as Record<string, unknown>;
    const rawCode = props.code;
    if (rawCode === undefined || rawCode === null || rawCode === '') {
      problems.push(importProblem('code_missing', { feature, field: 'properties.code' }));
      continue;
    }
    // A spreadsheet may have turned the code into a number; its digits are still the code.
    const code = typeof rawCode === 'number' && Number.isSafeInteger(rawCode) ? String(rawCode) : rawCode;
    const bad = codeProblem(code);
    if (bad !== undefined || typeof code !== 'string') {
      problems.push(
        importProblem(
          'code_malformed',
          { feature, field: 'properties.code' },
          { code: JSON.stringify(code), problem: bad },
        ),
      );
      continue;
    }
    const level = levelOf(code);
    const other = firstOf.get(code);
    if (other !== undefined) {
      problems.push(importProblem('duplicate_code', { feature, code, field: 'properties.code' }, { code, other }));
      continue;
    }
    firstOf.set(code, feature);
    const name = props.name_zh ?? props.name;
    const nameZh = typeof name === 'string' ? name.trim() : '';
    if (nameZh === '' || nameZh.length > NAME_MAX)
      problems.push(importProblem('name_missing', { feature, code, field: 'properties.name_zh' }, { code }));
    const nameEn =
      typeof props.name_en === 'string' && props.name_en.trim() !== '' ? props.name_en.trim().slice(0, 200) : null;
    const area = readArea(f.geometry, crs, { feature, code }, problems);
    units.push({ feature, code, level, nameZh, nameEn, area });
  }
  if (features.length === 0) problems.push(importProblem('empty', {}));
  return { units, items: features.length, crs, crsSource, problems };
}

/** The feature's area in WGS-84, or null after listing what is wrong with it. */
function readArea(
  geometry: unknown,
  crs: TerritoryImportCrs,
  place: { feature: number; code: string },
  problems: TerritoryImportProblem[],
): Area | null {
  const g = geometry as { type?: unknown; coordinates?: unknown } | null;
  const type = typeof g === 'object' && g !== null ? g.type : undefined;
  if ((type !== 'Polygon' && type !== 'MultiPolygon') || !Array.isArray(g?.coordinates)) {
    problems.push(
      importProblem(
        'geometry_type',
        { ...place, field: 'geometry' },
        { code: place.code, type: String(type ?? 'null') },
      ),
    );
    return null;
  }
  const polygons = (type === 'Polygon' ? [g.coordinates] : g.coordinates) as unknown[];
  const converted: Ring[][] = [];
  let ringNumber = 0;
  let broken = false;
  for (const polygon of polygons) {
    const rings: Ring[] = [];
    for (const ring of Array.isArray(polygon) ? polygon : [polygon]) {
      ringNumber++;
      const reason = ringProblem(ring);
      if (reason !== undefined) {
        problems.push(
          importProblem(
            'ring_invalid',
            { ...place, field: 'geometry.coordinates' },
            { code: place.code, ring: ringNumber, reason },
          ),
        );
        broken = true;
        continue;
      }
      rings.push(
        (ring as number[][]).map(([lon, lat]) => {
          const p = positionToWgs84(lon as number, lat as number, crs);
          return [Math.round(p.lon * GRAIN) / GRAIN, Math.round(p.lat * GRAIN) / GRAIN];
        }),
      );
    }
    if (rings.length === 0 && !broken) {
      problems.push(
        importProblem(
          'ring_invalid',
          { ...place, field: 'geometry.coordinates' },
          { code: place.code, ring: ringNumber, reason: 'too_short' },
        ),
      );
      broken = true;
    }
    converted.push(rings);
  }
  if (broken || converted.length === 0) return null;
  return type === 'Polygon'
    ? { type: 'Polygon', coordinates: converted[0] as [number, number][][] }
    : { type: 'MultiPolygon', coordinates: converted as [number, number][][][] };
}

/** Why a ring is not one ({@link RING_REASONS}); undefined when it is. */
function ringProblem(ring: unknown): string | undefined {
  if (!Array.isArray(ring) || ring.length < 4) return 'too_short';
  for (const position of ring) {
    if (!Array.isArray(position) || position.length < 2) return 'bad_position';
    const [lon, lat] = position;
    if (typeof lon !== 'number' || typeof lat !== 'number' || Math.abs(lon) > 180 || Math.abs(lat) > 90)
      return 'bad_position';
  }
  const first = ring[0] as number[];
  const last = ring[ring.length - 1] as number[];
  if (first[0] !== last[0] || first[1] !== last[1]) return 'not_closed';
  if (shoelace(ring as number[][]) === 0) return 'no_area';
  return undefined;
}

/** Twice the planar signed area: zero when the ring encloses nothing. */
function shoelace(ring: number[][]): number {
  let sum = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const [x1 = 0, y1 = 0] = ring[i] as number[];
    const [x2 = 0, y2 = 0] = ring[i + 1] as number[];
    sum += x1 * y2 - x2 * y1;
  }
  return sum;
}
