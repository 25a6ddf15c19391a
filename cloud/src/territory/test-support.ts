import { beforeAll } from 'vitest';
import type { Db } from '../db/db.js';
import { type Backend, useMigratedDatabase } from '../test-support.js';
import type { GeneratedDistrict } from './fixture-district.js';
import type { GeoPolygon } from './polygon.js';
import { TerritoryStore } from './store.js';

/** A closed rectangle as a GeoJSON Polygon (WGS-84 degrees), counter-clockwise from south-west. */
export function rectangle(west: number, south: number, east: number, north: number): GeoPolygon {
  return {
    type: 'Polygon',
    coordinates: [
      [
        [west, south],
        [east, south],
        [east, north],
        [west, north],
        [west, south],
      ],
    ],
  };
}

/**
 * A small territory in 淮安区 (Huai'an district, 320803), about 560 m × 450 m near its centre:
 *
 * ```
 *  33.504 ┌────────┬────────┬────────┐
 *         │  001   │  002   │ (none) │   community 320803001001
 *  33.502 │        │        ├────────┤   spans all of it;
 *         │        │        │  003   │   the top-right cell has no grid
 *  33.500 └────────┴────────┴────────┘
 *      119.140  119.142  119.144  119.146
 * ```
 *
 * All areas are in force from {@link FIXTURE.validFrom}. Building 3 (units 1 and 2, 18 floors)
 * stands in grid 001.
 */
export const FIXTURE = {
  district: '320803',
  street: '320803001',
  community: '320803001001',
  grids: ['320803001001001', '320803001001002', '320803001001003'],
  validFrom: new Date('2025-01-01T00:00:00+08:00'),
  communityArea: rectangle(119.14, 33.5, 119.146, 33.504),
  gridAreas: [
    rectangle(119.14, 33.5, 119.142, 33.504),
    rectangle(119.142, 33.5, 119.144, 33.504),
    rectangle(119.144, 33.5, 119.146, 33.502),
  ],
  /** A point of the community that no grid covers. */
  uncovered: { lon: 119.145, lat: 33.503 },
} as const;

/** Loads {@link FIXTURE} into the store. */
export async function seedFixtureTerritory(store: TerritoryStore): Promise<void> {
  await store.upsertUnits([
    { code: FIXTURE.district, nameZh: '淮安区', nameEn: 'Huai’an District' },
    { code: FIXTURE.street, nameZh: '淮城街道', nameEn: 'Huaicheng Street' },
    { code: FIXTURE.community, nameZh: '河下社区', nameEn: 'Hexia Community' },
    ...FIXTURE.grids.map((code, index) => ({
      code,
      nameZh: `河下社区第${index + 1}网格`,
      nameEn: `Hexia grid ${index + 1}`,
    })),
  ]);
  await store.addPolygon(FIXTURE.community, FIXTURE.communityArea, FIXTURE.validFrom);
  for (const [index, code] of FIXTURE.grids.entries()) {
    await store.addPolygon(code, FIXTURE.gridAreas[index] as GeoPolygon, FIXTURE.validFrom);
  }
  await store.upsertBuildings(
    ['1', '2'].map((unit) => ({
      community: FIXTURE.community,
      building: '3',
      unit,
      floors: 18,
      households: 36,
      grid: FIXTURE.grids[0],
    })),
  );
}

/**
 * Call at suite level: a migrated database on `backend` (a throwaway PostgreSQL database of the
 * testkit, or in-memory PGlite) holding {@link FIXTURE}, and a store on it.
 */
export function useTerritoryStore(backend: Backend): () => { db: Db; store: TerritoryStore } {
  const db = useMigratedDatabase(backend, { what: 'territory store' });
  let store: TerritoryStore | undefined;
  beforeAll(async () => {
    store = new TerritoryStore(db());
    await seedFixtureTerritory(store);
  });
  return () => {
    if (store === undefined) throw new Error('the territory store is only available inside tests and hooks');
    return { db: db(), store };
  };
}

/** Loads a generated district's units and areas (in force from {@link FIXTURE.validFrom}) into the store. */
export async function seedGeneratedDistrict(store: TerritoryStore, district: GeneratedDistrict): Promise<void> {
  await store.upsertUnits(district.units.map((u) => ({ code: u.code, nameZh: u.nameZh, nameEn: u.nameEn })));
  for (const unit of district.units) await store.addPolygon(unit.code, unit.area, FIXTURE.validFrom);
}
