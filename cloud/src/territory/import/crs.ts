import type { LonLat } from '../gcj02.js';
import { gcj02ToWgs84 } from '../gcj02.js';
import type { TerritoryImportCrs } from './schemas.js';

/**
 * How a GeoJSON file states its coordinate system (our convention; RFC 7946 GeoJSON is WGS-84 and
 * has no member for it, but Chinese map tools export GCJ-02 all the same):
 *
 * - a top-level `"coordinate_system": "wgs84" | "gcj02"` (also written `WGS-84`, `GCJ-02`, any case), or
 * - a top-level `"crs"`: the same words as a string, or the 2008 GeoJSON named form
 *   `{"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}`, where CRS84 and
 *   EPSG:4326 mean WGS-84 and a name containing GCJ02 means GCJ-02.
 *
 * What the file says wins over the request's `crs`; a file and a request that disagree is a problem
 * (one of them is wrong). Neither: WGS-84, as RFC 7946 says.
 */
export function crsOfName(name: string): TerritoryImportCrs | undefined {
  const plain = name.toLowerCase().replace(/[\s_-]/g, '');
  if (plain.includes('gcj02')) return 'gcj02';
  if (plain === 'wgs84' || plain.endsWith('crs84') || plain.endsWith('epsg:4326') || plain.endsWith('epsg::4326'))
    return 'wgs84';
  return undefined;
}

/** The system a file's top-level members name: absent, one of ours, or a value not understood. */
export function crsOfFile(file: Record<string, unknown>): { crs?: TerritoryImportCrs; unknown?: string } {
  const stated = file.coordinate_system ?? file.crs;
  if (stated === undefined || stated === null) return {};
  const name =
    typeof stated === 'string'
      ? stated
      : typeof (stated as { properties?: { name?: unknown } }).properties?.name === 'string'
        ? ((stated as { properties: { name: string } }).properties.name as string)
        : undefined;
  const crs = name === undefined ? undefined : crsOfName(name);
  return crs === undefined ? { unknown: JSON.stringify(stated).slice(0, 80) } : { crs };
}

/** A position in WGS-84, from `crs`. */
export function positionToWgs84(lon: number, lat: number, crs: TerritoryImportCrs): LonLat {
  return crs === 'gcj02' ? gcj02ToWgs84({ lon, lat }) : { lon, lat };
}
