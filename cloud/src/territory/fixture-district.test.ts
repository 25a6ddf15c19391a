import { GatewayId } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import { codeProblem, levelOf, parentOf } from './codes.js';
import {
  type BoundaryFeature,
  BREAKAGE_KINDS,
  type DistrictUnit,
  generateDistrict,
  PLACEMENT_COLUMNS,
} from './fixture-district.js';
import { gcj02ToWgs84 } from './gcj02.js';
import { Area, type GeoPolygon, type Position, pointInArea } from './polygon.js';

const small = { streets: 3, communitiesPerStreet: 4, gridsPerCommunity: 10, buildings: 200, placements: 1_000 };

/** Planar area of a ring (shoelace), in square degrees. */
function ringArea(ring: readonly Position[]): number {
  let sum = 0;
  for (let k = 0; k + 1 < ring.length; k++) {
    const [ax, ay] = ring[k] as Position;
    const [bx, by] = ring[k + 1] as Position;
    sum += ax * by - bx * ay;
  }
  return Math.abs(sum) / 2;
}

const outer = (area: GeoPolygon) => area.coordinates[0] as Position[];

function segmentsCross(a: Position, b: Position, c: Position, d: Position): boolean {
  const side = (p: Position, q: Position, r: Position) =>
    Math.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]));
  return side(a, b, c) * side(a, b, d) < 0 && side(c, d, a) * side(c, d, b) < 0;
}

/** Whether two edges of the ring that do not share a point cross each other. */
function selfIntersects(ring: readonly Position[]): boolean {
  const n = ring.length - 1;
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue;
      if (segmentsCross(ring[i] as Position, ring[i + 1] as Position, ring[j] as Position, ring[j + 1] as Position)) {
        return true;
      }
    }
  }
  return false;
}

/** Whether the point lies within 1e-8° (about 1 mm) of one of the ring's edges: it then belongs to both sides. */
function nearEdge({ lon, lat }: { lon: number; lat: number }, ring: readonly Position[]): boolean {
  for (let k = 0; k + 1 < ring.length; k++) {
    const [ax, ay] = ring[k] as Position;
    const [bx, by] = ring[k + 1] as Position;
    const t = Math.max(
      0,
      Math.min(1, ((lon - ax) * (bx - ax) + (lat - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)),
    );
    if (Math.hypot(lon - (ax + t * (bx - ax)), lat - (ay + t * (by - ay))) < 1e-8) return true;
  }
  return false;
}

/** Seeded points spread over the unit's bounding box. */
function samplePoints(area: GeoPolygon, n: number) {
  const ring = outer(area);
  const lons = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  const [w, e, s, north] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  // Irrational steps, so no point falls exactly on a lattice edge.
  return Array.from({ length: n }, (_, k) => ({
    lon: w + (e - w) * (((k + 1) * Math.SQRT2) % 1),
    lat: s + (north - s) * (((k + 1) * Math.PI) % 1),
  }));
}

describe('district fixture generator', () => {
  it('makes by default a district of 10 streets, 130 communities and 1,300 grids in 淮安区 (320803)', () => {
    const district = generateDistrict({ buildings: 0, placements: 0 });
    const levels = district.units.map((u) => u.level);
    expect(district.district).toMatchObject({ code: '320803', nameZh: '淮安区' });
    expect(levels.filter((l) => l === 'street')).toHaveLength(10);
    expect(levels.filter((l) => l === 'community')).toHaveLength(130);
    expect(district.grids).toHaveLength(1_300);
  });

  it('gives the same district for the same seed and another for another seed', () => {
    const a = generateDistrict(small);
    const b = generateDistrict(small);
    expect(JSON.stringify(a.boundaries())).toBe(JSON.stringify(b.boundaries()));
    expect([...a.placementsCsv()].join('')).toBe([...b.placementsCsv()].join(''));
    expect(JSON.stringify(generateDistrict({ ...small, seed: 7 }).boundaries())).not.toBe(
      JSON.stringify(a.boundaries()),
    );
  });

  it('codes each unit for its level under its parent, uniquely, with Chinese and English names', () => {
    const { units } = generateDistrict(small);
    const codes = new Set(units.map((u) => u.code));
    expect(codes.size).toBe(units.length);
    for (const unit of units) {
      expect(codeProblem(unit.code, unit.level)).toBeUndefined();
      expect(levelOf(unit.code)).toBe(unit.level);
      expect(unit.parentCode).toBe(parentOf(unit.code) ?? null);
      if (unit.parentCode !== null) expect(codes.has(unit.parentCode)).toBe(true);
      expect(unit.nameZh).toMatch(/^[\u4e00-\u9fff0-9]+$/);
      expect(unit.nameEn).toMatch(/^[A-Za-z0-9' ]+$/);
      expect(Area.safeParse(unit.area).success).toBe(true);
    }
    expect(new Set(units.filter((u) => u.level === 'community').map((u) => u.nameZh)).size).toBe(12);
  });

  it('tiles each community with its grids: simple polygons, areas adding up, every point in exactly one grid', () => {
    const { units, grids } = generateDistrict(small);
    for (const unit of units) expect(selfIntersects(outer(unit.area)), unit.code).toBe(false);
    const children = (parent: DistrictUnit, of: readonly DistrictUnit[]) =>
      of.filter((u) => u.parentCode === parent.code);
    for (const parent of units.filter((u) => u.level !== 'grid')) {
      const sum = children(parent, units).reduce((total, child) => total + ringArea(outer(child.area)), 0);
      expect(sum / ringArea(outer(parent.area))).toBeCloseTo(1, 9);
    }
    for (const community of units.filter((u) => u.level === 'community')) {
      const own = children(community, grids);
      expect(own).toHaveLength(10);
      for (const point of samplePoints(community.area, 400)) {
        if (grids.some((g) => nearEdge(point, outer(g.area)))) continue;
        const holding = grids.filter((g) => pointInArea(point, g.area));
        if (pointInArea(point, community.area)) expect(holding.map((g) => g.parentCode)).toEqual([community.code]);
        else expect(holding.filter((g) => g.parentCode === community.code)).toEqual([]);
      }
    }
  });

  it('writes a GeoJSON FeatureCollection of every unit, in WGS-84 by default, declaring it', () => {
    const district = generateDistrict(small);
    const collection = district.boundaries();
    expect(collection.coordinate_system).toBe('wgs84');
    expect(collection.features.map((f) => f.properties.code)).toEqual(district.units.map((u) => u.code));
    const below = generateDistrict({ ...small, includeDistrict: false }).boundaries().features;
    expect(below.map((f) => f.properties.code)).toEqual(district.units.slice(1).map((u) => u.code));
    const first = collection.features[0] as BoundaryFeature;
    expect(first.properties).toEqual({ code: '320803', name_zh: '淮安区', name_en: "Huai'an District" });
    expect(first.geometry).toEqual(district.district.area);
    expect(generateDistrict({ ...small, declareCoordinateSystem: false }).boundaries()).not.toHaveProperty(
      'coordinate_system',
    );
  });

  it('writes GCJ-02 when asked: the same places, offset as a Chinese phone map shows them', () => {
    const wgs = generateDistrict(small);
    const gcj = generateDistrict({ ...small, coordinateSystem: 'gcj02' });
    expect(gcj.boundaries().coordinate_system).toBe('gcj02');
    const [lon, lat] = outer(gcj.boundaries().features[20]?.geometry as GeoPolygon)[0] as Position;
    const [wLon, wLat] = outer(wgs.boundaries().features[20]?.geometry as GeoPolygon)[0] as Position;
    expect(Math.abs(lon - wLon) + Math.abs(lat - wLat)).toBeGreaterThan(1e-3);
    const back = gcj02ToWgs84({ lon, lat });
    expect(back.lon).toBeCloseTo(wLon, 6);
    expect(back.lat).toBeCloseTo(wLat, 6);
    const [building] = gcj.buildingRows();
    const [wBuilding] = wgs.buildingRows();
    expect(gcj02ToWgs84({ lon: building?.lon ?? 0, lat: building?.lat ?? 0 }).lon).toBeCloseTo(wBuilding?.lon ?? 0, 6);
  });

  it('stands each building unit inside its grid, which belongs to its community', () => {
    const district = generateDistrict(small);
    const rows = [...district.buildingRows()];
    expect(rows).toHaveLength(200);
    const byCode = new Map(district.grids.map((g) => [g.code, g]));
    const keys = new Set<string>();
    for (const row of rows) {
      const grid = byCode.get(row.grid);
      expect(grid?.parentCode).toBe(row.community);
      expect(pointInArea({ lon: row.lon, lat: row.lat }, grid?.area as GeoPolygon), row.grid).toBe(true);
      expect(row.households).toBeGreaterThan(0);
      keys.add(`${row.community}/${row.building}/${row.unit}`);
    }
    expect(keys.size).toBe(rows.length);
    const [header, line] = district.buildingsCsv();
    expect(header).toBe('community,building,unit,floors,households,grid,lon,lat\n');
    expect(line).toMatch(/^320803001001,1,1,\d+,\d+,320803001001\d{3},119\.\d+,33\.\d+\n$/);
  });

  it('places devices lazily, each once, on a floor of its building, in its building’s grid', () => {
    const district = generateDistrict({ ...small, placements: 5_000 });
    const floors = new Map([...district.buildingRows()].map((b) => [`${b.community}/${b.building}/${b.unit}`, b]));
    const seen = new Set<string>();
    for (const row of district.placementRows()) {
      const community = row.grid.slice(0, 12);
      const building = floors.get(`${community}/${row.building}/${row.unit}`);
      expect(building?.grid).toBe(row.grid);
      expect(row.floor).toBeGreaterThanOrEqual(1);
      expect(row.floor).toBeLessThanOrEqual(building?.floors ?? 0);
      expect(GatewayId.safeParse(row.gateway).success).toBe(true);
      expect(Number.isNaN(Date.parse(row.installed_at))).toBe(false);
      seen.add(`${row.gateway}/${row.device}`);
    }
    expect(seen.size).toBe(5_000);
    const lines = district.placementsCsv()[Symbol.iterator]();
    expect(lines.next().value).toBe(`${PLACEMENT_COLUMNS.join(',')}\n`);
  });

  it('streams the default 500,000 placements from a generator, not a list', () => {
    const rows = generateDistrict({ ...small, buildings: 10_000, placements: undefined }).placementRows();
    expect(Array.isArray(rows)).toBe(false);
    let n = 0;
    for (const _ of rows) n++;
    expect(n).toBe(500_000);
  });

  it('damages the grids it was asked to, each kind as it says, and lists them', () => {
    const district = generateDistrict({ ...small, breakages: 5 });
    expect(district.broken.map((b) => b.kind)).toEqual([...BREAKAGE_KINDS]);
    expect(new Set(district.broken.map((b) => b.code.slice(0, 12))).size).toBe(5);
    const features = district.boundaries().features;
    const withCode = (code: string) => features.filter((f) => f.properties.code === code);
    const truth = new Map(district.units.map((u) => [u.code, u]));
    for (const broken of district.broken) {
      const community = truth.get(broken.code.slice(0, 12)) as DistrictUnit;
      switch (broken.kind) {
        case 'self_intersection': {
          const [feature] = withCode(broken.code);
          expect(selfIntersects(outer(feature?.geometry as GeoPolygon))).toBe(true);
          break;
        }
        case 'overlaps_sibling': {
          const [feature] = withCode(broken.code);
          const sibling = truth.get(broken.sibling as string) as DistrictUnit;
          const ring = outer(feature?.geometry as GeoPolygon);
          const bulge = ring[3] as Position;
          const inside = { lon: bulge[0] - 1e-6, lat: bulge[1] };
          expect(pointInArea(inside, sibling.area)).toBe(true);
          expect(pointInArea(inside, feature?.geometry as GeoPolygon)).toBe(true);
          expect(selfIntersects(ring)).toBe(false);
          break;
        }
        case 'outside_community': {
          const [feature] = withCode(broken.code);
          for (const [lon, lat] of outer(feature?.geometry as GeoPolygon)) {
            expect(pointInArea({ lon, lat }, community.area)).toBe(false);
          }
          break;
        }
        case 'duplicate_code':
          expect(withCode(broken.code)).toEqual([]);
          expect(withCode(broken.featureCode)).toHaveLength(2);
          break;
        case 'malformed_code':
          expect(withCode(broken.code)).toEqual([]);
          expect(codeProblem(broken.featureCode)).toMatch(/not only digits/);
          break;
      }
    }
    // Everything else is as generated.
    const damaged = new Set(district.broken.flatMap((b) => [b.code, b.featureCode]));
    const untouched = features.filter((f) => !damaged.has(f.properties.code));
    expect(untouched.length).toBe(features.length - 6);
    for (const feature of untouched) expect(feature.geometry).toEqual(truth.get(feature.properties.code)?.area);
  });

  it('makes another district when given its code and names', () => {
    const district = generateDistrict({
      ...small,
      district: { code: '320804', nameZh: '清江浦区', nameEn: 'Qingjiangpu District' },
    });
    expect(district.district).toMatchObject({ code: '320804', nameZh: '清江浦区' });
    expect(district.units.every((u) => u.code.startsWith('320804'))).toBe(true);
    expect(() => generateDistrict({ district: { code: '3208', nameZh: '区', nameEn: 'D' } })).toThrow(/district.code/);
  });

  it('names the option at fault when a count is not one', () => {
    expect(() => generateDistrict({ streets: 0 })).toThrow(/streets: expected a whole number from 1 to 999/);
    expect(() => generateDistrict({ ...small, breakages: 13 })).toThrow(/breakages: at most 12/);
  });
});
