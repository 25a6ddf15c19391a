import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../../people/audit.js';
import { BACKENDS, manualClock, useMigratedDatabase } from '../../test-support.js';
import { generateDistrict } from '../fixture-district.js';
import { TerritoryStore } from '../store.js';
import { rectangle } from '../test-support.js';
import { TerritoryImports } from './imports.js';
import { TerritoryImportPreview } from './schemas.js';
import { featureCollection, lattice } from './test-files.js';

const DISTRICT = '320803';
const STREET = '320803001';
const COMMUNITY = '320803001001';
const grid = (n: number) => `${COMMUNITY}${String(n).padStart(3, '0')}`;
const admin = { kind: 'user' as const, userId: 'admin-1' };
const bytes = (text: string) => new TextEncoder().encode(text);
const T1 = new Date('2026-01-01T00:00:00Z');
const T2 = new Date('2026-06-01T00:00:00Z');
const T3 = new Date('2026-09-01T00:00:00Z');

describe.each(BACKENDS)('territory import: preview, then apply (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'territory import database' });
  const clock = manualClock('2026-12-01T00:00:00Z');
  let imports: TerritoryImports;
  let store: TerritoryStore;
  const boundaries = (text: string) => imports.preview({ kind: 'boundaries', bytes: bytes(text), actor: admin });
  const count = async (sql: string) => Number((await db().query<{ n: string }>(sql)).rows[0]?.n);

  beforeAll(async () => {
    imports = new TerritoryImports(db(), clock);
    store = new TerritoryStore(db());
    await store.upsertUnits([
      { code: DISTRICT, nameZh: '淮安区' },
      { code: STREET, nameZh: '淮城街道' },
    ]);
  });

  it('previews a community and its grids as added, stores nothing until applied, then applies once', async () => {
    const preview = await boundaries(featureCollection(lattice(COMMUNITY, 3, 1, 119.14, 33.5, 0.002)));
    expect(preview).toMatchObject({
      kind: 'boundaries',
      state: 'previewed',
      root: COMMUNITY,
      crs: 'wgs84',
      encoding: 'utf-8',
      counts: { items: 4, added: 4, changed: 0, retired: 0, unchanged: 0, problems: 0 },
    });
    expect(preview.added.map((i) => i.key)).toEqual([COMMUNITY, grid(1), grid(2), grid(3)]);
    expect(TerritoryImportPreview.parse(preview)).toEqual(preview);
    expect(await store.unit(COMMUNITY)).toBeUndefined();
    expect((await imports.get(preview.id))?.preview).toEqual(preview);

    const applied = await imports.apply(preview.id, admin, T1);
    expect(applied).toMatchObject({ state: 'applied', valid_from: T1.toISOString() });
    expect(TerritoryImportPreview.parse(applied)).toEqual(applied);
    expect(await store.unit(grid(2))).toMatchObject({ nameZh: '第2网格', parentCode: COMMUNITY });
    expect(await store.resolveGrid({ lon: 119.143, lat: 33.501 }, T1)).toMatchObject({ grid: grid(2) });
    expect(await auditOf(db(), `territory:${COMMUNITY}`)).toEqual([
      expect.objectContaining({ action: 'territory.import.apply', actor: 'user:admin-1' }),
    ]);
    // Applying twice is refused; nothing changes.
    await expect(imports.apply(preview.id, admin, T2)).rejects.toMatchObject({
      problem: 'GL_TERRITORY_IMPORT_REFUSED',
    });
    expect(await store.polygonVersions(grid(2))).toHaveLength(1);
  });

  it('redraws and renames grids from valid_from, keeping history, and retires the grids the file no longer has', async () => {
    const units = lattice(COMMUNITY, 3, 1, 119.14, 33.5, 0.002).filter((u) => u.code !== grid(3));
    // Grid 002 now takes the east third too (grid 003 is merged into it) and is renamed.
    units[2] = { code: grid(2), name_zh: '第2网格（合并）', geometry: rectangle(119.142, 33.5, 119.146, 33.502) };
    const preview = await boundaries(featureCollection(units));
    expect(preview.counts).toMatchObject({ added: 0, changed: 1, retired: 1, unchanged: 2, problems: 0 });
    expect(preview.changed[0]).toMatchObject({
      key: grid(2),
      changes: ['renamed', 'redrawn'],
      previous_name: '第2网格',
    });
    expect(preview.retired[0]).toMatchObject({ key: grid(3), level: 'grid' });
    await imports.apply(preview.id, admin, T2);

    // An incident before T2 is placed by the grids then in force, one after by the new ones.
    expect(await store.resolveGrid({ lon: 119.145, lat: 33.501 }, new Date('2026-03-01T00:00:00Z'))).toMatchObject({
      grid: grid(3),
    });
    expect(await store.resolveGrid({ lon: 119.145, lat: 33.501 }, T2)).toMatchObject({ grid: grid(2) });
    const versions = await store.polygonVersions(grid(2));
    expect(versions.map((v) => [v.validFrom.toISOString(), v.validTo?.toISOString() ?? null])).toEqual([
      [T1.toISOString(), T2.toISOString()],
      [T2.toISOString(), null],
    ]);
    expect((await store.polygonVersions(grid(3)))[0]?.validTo).toEqual(T2);
    expect((await db().query('SELECT retired_at FROM territory_units WHERE code = $1', [grid(3)])).rows[0]).toEqual({
      retired_at: T2,
    });
  });

  it('refuses a stale preview: the territory changed after it was made', async () => {
    const units = lattice(COMMUNITY, 3, 1, 119.14, 33.5, 0.002).filter((u) => u.code !== grid(3));
    units[2] = { code: grid(2), name_zh: '第2网格（合并）', geometry: rectangle(119.142, 33.5, 119.146, 33.502) };
    const first = await boundaries(
      featureCollection(units.map((u) => (u.code === grid(1) ? { ...u, name_zh: '甲' } : u))),
    );
    const second = await boundaries(
      featureCollection(units.map((u) => (u.code === grid(1) ? { ...u, name_zh: '乙' } : u))),
    );
    await imports.apply(second.id, admin, T3);
    await expect(imports.apply(first.id, admin, T3)).rejects.toMatchObject({
      problem: 'GL_TERRITORY_IMPORT_STALE',
      message: expect.stringContaining('upload the file again'),
    });
    expect((await store.unit(grid(1)))?.nameZh).toBe('乙');
  });

  it('writes nothing when the transaction fails half-way (forced by a trigger on the areas)', async () => {
    const units = lattice('320803001002', 2, 1, 119.15, 33.5, 0.002);
    const preview = await boundaries(featureCollection(units));
    expect(preview.counts.problems).toBe(0);
    const before = await count('SELECT count(*) AS n FROM territory_units');
    await db().exec(`
      CREATE FUNCTION refuse_second_grid() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.unit_code = '320803001002002' THEN RAISE EXCEPTION 'forced failure'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_second_grid BEFORE INSERT ON territory_polygons
        FOR EACH ROW EXECUTE FUNCTION refuse_second_grid();`);
    try {
      await expect(imports.apply(preview.id, admin, T1)).rejects.toThrow(/forced failure/);
    } finally {
      await db().exec('DROP TRIGGER refuse_second_grid ON territory_polygons; DROP FUNCTION refuse_second_grid();');
    }
    expect(await count('SELECT count(*) AS n FROM territory_units')).toBe(before);
    expect(await count("SELECT count(*) AS n FROM territory_polygons WHERE unit_code LIKE '320803001002%'")).toBe(0);
    expect((await imports.get(preview.id))?.preview.state).toBe('previewed');
    expect(await auditOf(db(), 'territory:320803001002')).toEqual([]);
    // Once the failure is gone, the same preview applies.
    await imports.apply(preview.id, admin, T1);
    expect(await count("SELECT count(*) AS n FROM territory_polygons WHERE unit_code LIKE '320803001002%'")).toBe(3);
  });

  it('lists every problem of 2,000 grids of which 40 are broken, and refuses to apply any of them', async () => {
    const district = generateDistrict({ communitiesPerStreet: 20, gridsPerCommunity: 10, breakages: 40 });
    expect(district.grids).toHaveLength(2000);
    const units = await count('SELECT count(*) AS n FROM territory_units');
    const preview = await boundaries(JSON.stringify(district.boundaries()));
    expect(preview.counts.problems).toBeGreaterThanOrEqual(40);
    const placed = new Set(preview.problems.map((p) => p.code));
    for (const broken of district.broken) {
      if (broken.kind === 'malformed_code') continue; // its code is not one: the problem names the feature
      expect(placed.has(broken.featureCode) || placed.has(broken.code) || placed.has(broken.sibling ?? '')).toBe(true);
    }
    expect(preview.problems.every((p) => p.message.zh !== '' && p.message.en !== '' && p.fix.zh !== '')).toBe(true);
    await expect(imports.apply(preview.id, admin, T1)).rejects.toMatchObject({
      problem: 'GL_TERRITORY_IMPORT_REFUSED',
    });
    expect(await count('SELECT count(*) AS n FROM territory_units')).toBe(units);
  });

  it('reads a GBK buildings CSV with Chinese headings, then placements, moving a device later', async () => {
    const csv = [
      '社区,楼栋,单元,层数,户数,网格,经度,纬度',
      `${COMMUNITY},3,1,18,36,${grid(1)},119.1405,33.5005`,
      `${COMMUNITY},3,2,18,34,${grid(1)},,`,
    ].join('\r\n');
    const preview = await imports.preview({ kind: 'buildings', bytes: iconv.encode(csv, 'gbk'), actor: admin });
    expect(preview).toMatchObject({ encoding: 'gb18030', root: COMMUNITY, counts: { added: 2, problems: 0 } });
    await imports.apply(preview.id, admin);
    expect(await store.buildings(COMMUNITY)).toEqual([
      expect.objectContaining({ building: '3', unit: '1', floors: 18, households: 36, grid: grid(1) }),
      expect.objectContaining({ building: '3', unit: '2', households: 34 }),
    ]);

    const placements = (lines: string[]) =>
      imports.preview({
        kind: 'placements',
        bytes: bytes(['gateway,device,grid,building,unit,floor,installed_at', ...lines].join('\n')),
        actor: admin,
      });
    const first = await placements([
      `gw-a,smoke-1,${grid(1)},3,1,5,2026-02-01T08:00:00+08:00`,
      `gw-a,smoke-2,${grid(1)},,,,2026-02-01T08:00:00+08:00`,
    ]);
    expect(first).toMatchObject({ counts: { added: 2, problems: 0 }, unregistered_gateways: ['gw-a'] });
    await imports.apply(first.id, admin);
    const moved = await placements([
      `gw-a,smoke-1,${grid(1)},3,2,6,2026-03-01T08:00:00+08:00`,
      `gw-a,smoke-2,${grid(1)},,,,2026-02-01T08:00:00+08:00`,
      `gw-a,smoke-3,${grid(1)},3,1,40,2026-03-01T08:00:00+08:00`,
      `gw-a,smoke-4,${grid(1)},9,1,1,2026-03-01T08:00:00+08:00`,
    ]);
    expect(moved.counts).toMatchObject({ added: 0, changed: 1, unchanged: 1, problems: 2 });
    expect(moved.problems.map((p) => [p.kind, p.line])).toEqual([
      ['floor_above', 4],
      ['building_unknown', 5],
    ]);
    const fixed = await placements([`gw-a,smoke-1,${grid(1)},3,2,6,2026-03-01T08:00:00+08:00`]);
    await imports.apply(fixed.id, admin);
    expect(await store.placeOf('gw-a', 'smoke-1', new Date('2026-02-15T00:00:00Z'))).toMatchObject({
      unit: '1',
      floor: 5,
    });
    expect(await store.placeOf('gw-a', 'smoke-1')).toMatchObject({ unit: '2', floor: 6 });
  });
});
