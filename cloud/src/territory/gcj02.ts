/**
 * GCJ-02 (国测局坐标, the datum of Chinese phone maps: AMap, Tencent, Apple in China) and WGS-84
 * (GPS, our polygons). The forward transform WGS-84 → GCJ-02 is the widely published
 * reconstruction of the official obfuscation (Krasovsky 1940 ellipsoid, a = 6 378 245 m,
 * e² = 0.006693421622965943), as in the open-source "eviltransform" and "coordtransform" projects;
 * it reproduces their reference values to 1e-9°. There is no closed-form inverse: GCJ-02 → WGS-84
 * is solved by fixed-point iteration `w ← w − (gcj(w) − g)`, which converges because the offset
 * changes by far less than the distance moved (a contraction); it stops below 1e-10° (about 0.01 mm).
 *
 * Outside China (the rectangle 72.004–137.8347°E, 0.8293–55.8271°N used by the same projects)
 * there is no offset: both datums agree, and the conversions return the point unchanged.
 */

/** A longitude/latitude pair in degrees (east and north positive). */
export interface LonLat {
  lon: number;
  lat: number;
}

const A = 6_378_245;
const EE = 0.006_693_421_622_965_943;

/** Whether the point lies outside the rectangle where GCJ-02 applies an offset. */
export function outOfChina({ lon, lat }: LonLat): boolean {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function offsetLat(x: number, y: number): number {
  let ret = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  ret += ((20 * Math.sin(y * Math.PI) + 40 * Math.sin((y / 3) * Math.PI)) * 2) / 3;
  ret += ((160 * Math.sin((y / 12) * Math.PI) + 320 * Math.sin((y / 30) * Math.PI)) * 2) / 3;
  return ret;
}

function offsetLon(x: number, y: number): number {
  let ret = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += ((20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2) / 3;
  ret += ((20 * Math.sin(x * Math.PI) + 40 * Math.sin((x / 3) * Math.PI)) * 2) / 3;
  ret += ((150 * Math.sin((x / 12) * Math.PI) + 300 * Math.sin((x / 30) * Math.PI)) * 2) / 3;
  return ret;
}

/** WGS-84 → GCJ-02. */
export function wgs84ToGcj02(point: LonLat): LonLat {
  if (outOfChina(point)) return { lon: point.lon, lat: point.lat };
  const { lon, lat } = point;
  const radLat = (lat / 180) * Math.PI;
  const sinLat = Math.sin(radLat);
  const magic = 1 - EE * sinLat * sinLat;
  const sqrtMagic = Math.sqrt(magic);
  const dLat = (offsetLat(lon - 105, lat - 35) * 180) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  const dLon = (offsetLon(lon - 105, lat - 35) * 180) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return { lon: lon + dLon, lat: lat + dLat };
}

const TOLERANCE_DEG = 1e-10;
const MAX_ITERATIONS = 30;

/** GCJ-02 → WGS-84, by iteration to below 1e-10° (see the module comment). */
export function gcj02ToWgs84(point: LonLat): LonLat {
  if (outOfChina(point)) return { lon: point.lon, lat: point.lat };
  let lon = point.lon;
  let lat = point.lat;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const forward = wgs84ToGcj02({ lon, lat });
    const dLon = forward.lon - point.lon;
    const dLat = forward.lat - point.lat;
    lon -= dLon;
    lat -= dLat;
    if (Math.abs(dLon) < TOLERANCE_DEG && Math.abs(dLat) < TOLERANCE_DEG) break;
  }
  return { lon, lat };
}

/** Coordinate systems a location may arrive in. */
export type CoordinateSystem = 'wgs84' | 'gcj02';

/** The point in WGS-84, whichever system it came in. */
export function toWgs84(point: LonLat, system: CoordinateSystem): LonLat {
  return system === 'gcj02' ? gcj02ToWgs84(point) : { lon: point.lon, lat: point.lat };
}

const EARTH_RADIUS_M = 6_371_008.8;

/** Great-circle distance in metres (haversine on the mean Earth radius; ample for checks and tests). */
export function distanceMetres(a: LonLat, b: LonLat): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
