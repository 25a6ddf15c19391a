import { describe, expect, it } from 'vitest';
import { distanceMetres, gcj02ToWgs84, outOfChina, toWgs84, wgs84ToGcj02 } from './gcj02.js';

// Reference values published with the open-source converters "coordtransform" (Beijing) and
// "eviltransform" (Shanghai, Shenzhen, Beijing): WGS-84 in, GCJ-02 out.
const TIANANMEN = {
  place: 'Beijing, Tiananmen',
  wgs: { lon: 116.404, lat: 39.915 },
  gcj: { lon: 116.41024449916938, lat: 39.91640428150164 },
};
const REFERENCE = [
  TIANANMEN,
  {
    place: 'Beijing',
    wgs: { lon: 116.377817, lat: 39.911954 },
    gcj: { lon: 116.38404722455657, lat: 39.91334545536069 },
  },
  {
    place: 'Shanghai',
    wgs: { lon: 121.5272106, lat: 31.1774276 },
    gcj: { lon: 121.531541859215, lat: 31.17530398364597 },
  },
  {
    place: 'Shenzhen',
    wgs: { lon: 113.912316, lat: 22.543847 },
    gcj: { lon: 113.9171764808363, lat: 22.540796131694766 },
  },
];

const HUAIAN = { lon: 119.1466, lat: 33.5046 };

describe('GCJ-02 and WGS-84', () => {
  it.each(REFERENCE)('WGS-84 → GCJ-02 matches the published value for $place', ({ wgs, gcj }) => {
    const converted = wgs84ToGcj02(wgs);
    expect(converted.lon).toBeCloseTo(gcj.lon, 9);
    expect(converted.lat).toBeCloseTo(gcj.lat, 9);
  });

  it.each(REFERENCE)('GCJ-02 → WGS-84 recovers the GPS point for $place to under a millimetre', ({ wgs, gcj }) => {
    expect(distanceMetres(gcj02ToWgs84(gcj), wgs)).toBeLessThan(0.001);
  });

  it('offsets a point by a few hundred metres in China (about 555 m at Tiananmen, 540 m in Huai’an)', () => {
    expect(distanceMetres(TIANANMEN.wgs, TIANANMEN.gcj)).toBeCloseTo(555, -1);
    const offset = distanceMetres(HUAIAN, wgs84ToGcj02(HUAIAN));
    expect(offset).toBeGreaterThan(100);
    expect(offset).toBeLessThan(700);
  });

  it('round-trips WGS → GCJ → WGS to under 1 m across China', () => {
    for (let lon = 74; lon <= 134; lon += 4.5) {
      for (let lat = 18; lat <= 53; lat += 3.5) {
        const point = { lon, lat };
        expect(distanceMetres(gcj02ToWgs84(wgs84ToGcj02(point)), point)).toBeLessThan(1);
      }
    }
    expect(distanceMetres(gcj02ToWgs84(wgs84ToGcj02(HUAIAN)), HUAIAN)).toBeLessThan(0.001);
  });

  it('leaves points outside China unchanged in both directions', () => {
    const tokyo = { lon: 139.6917, lat: 35.6895 };
    const paris = { lon: 2.3522, lat: 48.8566 };
    for (const point of [tokyo, paris]) {
      expect(outOfChina(point)).toBe(true);
      expect(wgs84ToGcj02(point)).toEqual(point);
      expect(gcj02ToWgs84(point)).toEqual(point);
    }
    expect(outOfChina(HUAIAN)).toBe(false);
  });

  it('converts to WGS-84 from either system', () => {
    const gcj = wgs84ToGcj02(HUAIAN);
    expect(distanceMetres(toWgs84(gcj, 'gcj02'), HUAIAN)).toBeLessThan(0.001);
    expect(toWgs84(HUAIAN, 'wgs84')).toEqual(HUAIAN);
  });
});
