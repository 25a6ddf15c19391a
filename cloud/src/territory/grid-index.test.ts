import { describe, expect, it } from 'vitest';
import { generateDistrict } from './fixture-district.js';
import { GridIndex, GridResolver } from './grid-index.js';
import { type PolygonVersion, resolveGrid } from './resolve.js';
import { rectangle } from './test-support.js';

const JANUARY = new Date('2025-01-01T00:00:00+08:00');
const JUNE = new Date('2025-06-01T00:00:00+08:00');

/** A generated district's grids and communities, in force from January; grid 1 of each community redrawn in June. */
function districtVersions(): PolygonVersion[] {
  const district = generateDistrict({ streets: 2, communitiesPerStreet: 3, buildings: 0, placements: 0 });
  const versions: PolygonVersion[] = [];
  for (const unit of district.units.filter((u) => u.level === 'grid' || u.level === 'community')) {
    const redrawn = unit.code.endsWith('001') && unit.level === 'grid';
    versions.push({
      id: versions.length + 1,
      code: unit.code,
      level: unit.level,
      area: unit.area,
      validFrom: JANUARY,
      validTo: redrawn ? JUNE : null,
    });
    // In June grid 1 shrinks to a sliver at its south-west corner: the rest falls back to the community.
    if (redrawn) {
      const [lon, lat] = (unit.area.coordinates[0] ?? [])[0] as [number, number];
      versions.push({
        id: versions.length + 1,
        code: unit.code,
        level: 'grid',
        area: rectangle(lon, lat, lon + 0.0005, lat + 0.0005),
        validFrom: JUNE,
        validTo: null,
      });
    }
  }
  return versions;
}

describe('resolving through the spatial index', () => {
  const versions = districtVersions();
  const lons = versions.flatMap((v) => v.area.coordinates.flat(2).filter((_, k) => k % 2 === 0) as number[]);
  const lats = versions.flatMap((v) => v.area.coordinates.flat(2).filter((_, k) => k % 2 === 1) as number[]);
  const [west, east, south, north] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
  // Points over the district and a margin around it, some exactly on lattice vertices.
  const points = [
    ...Array.from({ length: 3000 }, (_, k) => ({
      lon: west - 0.002 + (east - west + 0.004) * (((k + 1) * Math.SQRT2) % 1),
      lat: south - 0.002 + (north - south + 0.004) * (((k + 1) * Math.E) % 1),
    })),
    ...versions.slice(0, 40).map((v) => {
      const [lon, lat] = (v.area.coordinates[0] ?? [])[2] as [number, number];
      return { lon, lat };
    }),
  ];

  it('answers as the unindexed resolution does, before, across and after a redrawing', () => {
    const resolver = new GridResolver(versions);
    for (const at of [new Date(JANUARY.getTime() - 1), JANUARY, new Date(JUNE.getTime() - 1), JUNE, new Date()]) {
      for (const point of points) expect(resolver.resolve(point, at)).toEqual(resolveGrid(point, at, versions));
    }
  });

  it('finds grids, community fallbacks and nothing, so the comparison above means something', () => {
    const resolver = new GridResolver(versions);
    const answers = points.map((p) => resolver.resolve(p, JUNE));
    expect(answers.filter((a) => a.grid !== undefined).length).toBeGreaterThan(1000);
    expect(answers.filter((a) => a.fallback).length).toBeGreaterThan(100);
    expect(answers.filter((a) => a.community === undefined).length).toBeGreaterThan(100);
  });

  it('keeps one index for the window between two changes, and another after it', () => {
    const before = GridIndex.build(versions, new Date('2025-03-01T00:00:00Z'));
    expect(before.from).toBe(JANUARY.getTime());
    expect(before.to).toBe(JUNE.getTime());
    expect(before.covers(new Date(JUNE.getTime() - 1))).toBe(true);
    expect(before.covers(JUNE)).toBe(false);
    const after = GridIndex.build(versions, JUNE);
    expect([after.from, after.to]).toEqual([JUNE.getTime(), Infinity]);
    expect(GridIndex.build(versions, new Date(0)).from).toBe(-Infinity);
  });

  it('finds nothing when no area is in force', () => {
    expect(new GridResolver([]).resolve({ lon: 119.15, lat: 33.5 }, JUNE)).toEqual({ fallback: false });
  });
});
