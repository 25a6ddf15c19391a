/**
 * Point-to-grid resolution: points/s resolved against a generated district of 1,300 grids and 130
 * communities, through the spatial index (flatbush over bounding boxes, then the exact test) and,
 * in the same run, through the unindexed scan of every area, with the ratio between the two.
 * One core: resolution is synchronous and runs on the calling thread. Then the same through
 * TerritoryStore on in-process PGlite, which checks the areas table before each resolution.
 *
 *   npm run bench grid-resolution
 */
import { performance } from 'node:perf_hooks';
import {
  GridResolver,
  generateDistrict,
  IN_MEMORY,
  migrate,
  openPglite,
  type PolygonVersion,
  resolveGrid,
  TerritoryStore,
} from '@gridlink/cloud';
import { fmt } from './lib/stats.js';

const SECONDS = Number(process.env.SECONDS ?? 3);
const POINTS = 100_000;

const district = generateDistrict({ buildings: 0, placements: 0 });
const since = new Date('2025-01-01T00:00:00+08:00');
const versions: PolygonVersion[] = district.units
  .filter((unit) => unit.level === 'grid' || unit.level === 'community')
  .map((unit, id) => ({ id, code: unit.code, level: unit.level, area: unit.area, validFrom: since, validTo: null }));
const grids = versions.filter((v) => v.level === 'grid').length;

// Seeded points over the district's bounding box and a margin: most in a grid, some outside.
const ring = district.district.area.coordinates[0] ?? [];
const lons = ring.map((p) => p[0]);
const lats = ring.map((p) => p[1]);
const [west, east, south, north] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
let seed = 2026;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) >>> 0;
  return seed / 2 ** 32;
};
const points = Array.from({ length: POINTS }, () => ({
  lon: west - 0.005 + (east - west + 0.01) * random(),
  lat: south - 0.005 + (north - south + 0.01) * random(),
}));
const at = new Date('2026-06-01T00:00:00+08:00');

/** Resolves points in turn for about `seconds`; returns points/s and how many found a grid. */
function measure(resolve: (point: { lon: number; lat: number }) => { grid?: string }, seconds: number) {
  let done = 0;
  let found = 0;
  const began = performance.now();
  const deadline = began + seconds * 1000;
  while (performance.now() < deadline) {
    for (let k = 0; k < 100; k++) {
      if (resolve(points[done % POINTS] as { lon: number; lat: number }).grid !== undefined) found++;
      done++;
    }
  }
  return { rate: done / ((performance.now() - began) / 1000), foundShare: found / done };
}

const resolver = new GridResolver(versions);
const buildBegan = performance.now();
resolver.resolve(points[0] as { lon: number; lat: number }, at);
const buildMs = performance.now() - buildBegan;

// The two paths agree on every one of the first 2,000 points before anything is timed.
for (const point of points.slice(0, 2000)) {
  const a = JSON.stringify(resolver.resolve(point, at));
  const b = JSON.stringify(resolveGrid(point, at, versions));
  if (a !== b) throw new Error(`the indexed and unindexed answers differ at ${point.lon},${point.lat}: ${a} vs ${b}`);
}

measure((p) => resolver.resolve(p, at), 0.5); // warm-up
const indexed = measure((p) => resolver.resolve(p, at), SECONDS);
const unindexed = measure((p) => resolveGrid(p, at, versions), SECONDS);

console.log(
  `grid-resolution: ${grids} grids and ${versions.length - grids} communities (generated 淮安区), ${SECONDS} s a path, Node ${process.version}`,
);
console.log(`  index built in ${fmt(buildMs)} ms (once per validity window)`);
console.log(
  `  indexed (flatbush + exact test):   ${fmt(indexed.rate)} points/s  (${Math.round(indexed.foundShare * 100)}% in a grid)`,
);
console.log(`  unindexed (every area tested):     ${fmt(unindexed.rate)} points/s`);
console.log(`  ratio indexed / unindexed:         ${fmt(indexed.rate / unindexed.rate)}×`);
console.log('  target: >= 50,000 points/s per core against 1,300 grids');

// Through the store: the index as above, plus one small query per resolution (has the table changed?).
const db = await openPglite(IN_MEMORY);
await migrate(db);
const store = new TerritoryStore(db);
await store.upsertUnits(district.units.map((u) => ({ code: u.code, nameZh: u.nameZh, nameEn: u.nameEn })));
for (const unit of district.units) await store.addPolygon(unit.code, unit.area, since);
await store.resolveGrid(points[0] as { lon: number; lat: number }, at);
let storeDone = 0;
const storeBegan = performance.now();
while (performance.now() - storeBegan < SECONDS * 1000) {
  await store.resolveGrid(points[storeDone % POINTS] as { lon: number; lat: number }, at);
  storeDone++;
}
const storeRate = storeDone / ((performance.now() - storeBegan) / 1000);
console.log(`  through TerritoryStore on PGlite (table checked each time): ${fmt(storeRate)} points/s`);
await db.close();
