import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../test-support.js';
import { gcj02ToWgs84, wgs84ToGcj02 } from './gcj02.js';
import { TerritoryStore } from './store.js';
import { FIXTURE, rectangle, useTerritoryStore } from './test-support.js';

const [GRID_1, GRID_2, GRID_3] = FIXTURE.grids;

describe.each(BACKENDS)('territory store (%s)', (backend) => {
  const territory = useTerritoryStore(backend);
  const store = () => territory().store;
  const now = new Date('2026-03-01T10:00:00+08:00');

  describe('units', () => {
    it('keep their level, parent and names', async () => {
      expect(await store().unit(GRID_2)).toEqual({
        code: GRID_2,
        level: 'grid',
        parentCode: FIXTURE.community,
        nameZh: '河下社区第2网格',
        nameEn: 'Hexia grid 2',
      });
      expect(await store().unit(FIXTURE.district)).toMatchObject({ level: 'district', parentCode: null });
      expect(await store().unit('320803001001999')).toBeUndefined();
    });

    it('are added parents first whatever the order given, and renamed by a second upsert', async () => {
      await store().upsertUnits([
        { code: '320803002001001', nameZh: '第一网格' },
        { code: '320803002001', nameZh: '新社区' },
        { code: '320803002', nameZh: '新街道' },
      ]);
      await store().upsertUnits([{ code: '320803002001', nameZh: '新社区', nameEn: 'New Community' }]);
      expect(await store().unit('320803002001')).toMatchObject({ parentCode: '320803002', nameEn: 'New Community' });
      expect(await store().unit('320803002001001')).toMatchObject({ parentCode: '320803002001' });
    });

    it('are refused, with the field named, when the code is malformed or the parent unknown', async () => {
      await expect(
        store().upsertUnits([
          { code: '320803001001', nameZh: 'x' },
          { code: '3208', nameZh: 'y' },
        ]),
      ).rejects.toThrow(
        'units.1.code: expected a territory code of 6, 9, 12, 15 or 18 digits, received "3208" (4 digits)',
      );
      await expect(store().upsertUnits([{ code: '320803009001', nameZh: '孤儿社区' }])).rejects.toThrow(
        'units.0.code: parent 320803009 of 320803009001 is unknown: add it first or in the same call',
      );
      await expect(store().upsertUnits([{ code: '320803001001004', nameZh: ' ' }])).rejects.toThrow(
        /^units\.0\.nameZh: /,
      );
      expect(await store().unit('320803009001')).toBeUndefined();
    });
  });

  describe('resolving a point to its grid', () => {
    it('finds the grid whose area holds the point, and its community', async () => {
      expect(await store().resolveGrid({ lon: 119.141, lat: 33.502 }, now)).toEqual({
        grid: GRID_1,
        community: FIXTURE.community,
        fallback: false,
        polygonId: expect.any(Number),
      });
      expect(await store().resolveGrid({ lon: 119.145, lat: 33.501 }, now)).toMatchObject({ grid: GRID_3 });
    });

    it('falls back to the community where no grid holds the point (属地兜底)', async () => {
      expect(await store().resolveGrid(FIXTURE.uncovered, now)).toEqual({
        community: FIXTURE.community,
        fallback: true,
        polygonId: expect.any(Number),
      });
    });

    it('finds nothing outside every community, or before any area was in force', async () => {
      expect(await store().resolveGrid({ lon: 119.2, lat: 33.6 }, now)).toEqual({ fallback: false });
      expect(await store().resolveGrid({ lon: 119.141, lat: 33.502 }, new Date('2024-12-31T23:59:59+08:00'))).toEqual({
        fallback: false,
      });
    });

    it('takes the lower code on the edge two grids share', async () => {
      expect(await store().resolveGrid({ lon: 119.142, lat: 33.502 }, now)).toMatchObject({ grid: GRID_1 });
    });

    it('places a phone report given in GCJ-02 once it is converted to WGS-84', async () => {
      const gps = { lon: 119.1431, lat: 33.5035 };
      const phone = wgs84ToGcj02(gps);
      expect(await store().resolveGrid(phone, now)).toEqual({ fallback: false });
      expect(await store().resolveGrid(gcj02ToWgs84(phone), now)).toMatchObject({ grid: GRID_2 });
    });

    it('refuses a point that is not one', async () => {
      await expect(store().resolveGrid({ lon: 200, lat: 33.5 }, now)).rejects.toThrow(/^point\.lon: /);
    });
  });

  describe('area versions', () => {
    // Community 320803001002: two grids split at 119.150 until 1 July 2026, then at 119.151.
    const community = '320803001002';
    const [west, east] = ['320803001002001', '320803001002002'];
    const change = new Date('2026-07-01T00:00:00+08:00');
    const point = { lon: 119.1505, lat: 33.51 };

    it('assign an event to the grid in force at the event’s time, before and after a boundary change', async () => {
      await store().upsertUnits([
        { code: community, nameZh: '城东社区' },
        { code: west, nameZh: '城东第1网格' },
        { code: east, nameZh: '城东第2网格' },
      ]);
      await store().addPolygon(community, rectangle(119.148, 33.508, 119.154, 33.512), FIXTURE.validFrom);
      await store().addPolygon(west, rectangle(119.148, 33.508, 119.15, 33.512), FIXTURE.validFrom);
      await store().addPolygon(east, rectangle(119.15, 33.508, 119.154, 33.512), FIXTURE.validFrom);

      await store().addPolygon(west, rectangle(119.148, 33.508, 119.151, 33.512), change);
      await store().addPolygon(east, rectangle(119.151, 33.508, 119.154, 33.512), change);

      const justBefore = new Date(change.getTime() - 1);
      expect(await store().resolveGrid(point, justBefore)).toMatchObject({ grid: east, fallback: false });
      expect(await store().resolveGrid(point, change)).toMatchObject({ grid: west, fallback: false });
      expect(await store().resolveGrid(point, new Date('2027-01-01T00:00:00+08:00'))).toMatchObject({ grid: west });
    });

    it('close the previous version when a new one starts', async () => {
      const versions = await store().polygonVersions(west);
      expect(versions.map((v) => [v.validFrom, v.validTo])).toEqual([
        [FIXTURE.validFrom, change],
        [change, null],
      ]);
      expect(versions[1]?.area).toEqual(rectangle(119.148, 33.508, 119.151, 33.512));
    });

    it('are added in time order and never overlap', async () => {
      await expect(store().addPolygon(west, rectangle(119.148, 33.508, 119.152, 33.512), change)).rejects.toThrow(
        'valid_from: 2026-06-30T16:00:00.000Z is not after 2026-06-30T16:00:00.000Z, when the latest area of 320803001002001 starts; versions are added in time order',
      );
      const abolished = new Date('2027-01-01T00:00:00+08:00');
      expect(await store().closePolygon(east, abolished)).toBe(true);
      await expect(
        store().addPolygon(east, rectangle(119.151, 33.508, 119.154, 33.512), new Date('2026-12-01T00:00:00+08:00')),
      ).rejects.toThrow(
        'valid_from: 2026-11-30T16:00:00.000Z is before 2026-12-31T16:00:00.000Z, when the latest area of 320803001002002 ends; versions may not overlap',
      );
      expect(await store().resolveGrid({ lon: 119.153, lat: 33.51 }, abolished)).toEqual({
        community,
        fallback: true,
        polygonId: expect.any(Number),
      });
    });

    it('need a known unit and a valid area', async () => {
      await expect(store().addPolygon('320803001001998', FIXTURE.communityArea, now)).rejects.toThrow(
        'code: territory unit 320803001001998 is unknown: add it first',
      );
      await expect(
        store().addPolygon(GRID_1, { type: 'Polygon', coordinates: [] }, new Date('2030-01-01T00:00:00Z')),
      ).rejects.toThrow('area.coordinates: a polygon has an outer ring');
      await expect(
        store().addPolygon(
          GRID_1,
          FIXTURE.communityArea,
          new Date('2030-01-01T00:00:00Z'),
          new Date('2029-01-01T00:00:00Z'),
        ),
      ).rejects.toThrow('valid_to: 2029-01-01T00:00:00.000Z is not after valid_from 2030-01-01T00:00:00.000Z');
      expect(await store().polygonVersions(GRID_1)).toHaveLength(1);
    });
  });

  describe('indexed areas', () => {
    // Community 320803001003 and its one grid, added for these tests; both stores share one database.
    const community = '320803001003';
    const grid = '320803001003001';
    const point = { lon: 119.161, lat: 33.521 };
    const at = new Date('2026-03-01T00:00:00+08:00');

    it('are read again at once after a change through any store on the same database', async () => {
      const other = new TerritoryStore(territory().db);
      await store().upsertUnits([
        { code: community, nameZh: '城北社区' },
        { code: grid, nameZh: '城北第1网格' },
      ]);
      expect(await store().resolveGrid(point, at)).toEqual({ fallback: false });
      await other.addPolygon(community, rectangle(119.16, 33.52, 119.162, 33.522), FIXTURE.validFrom);
      expect(await store().resolveGrid(point, at)).toMatchObject({ community, fallback: true });
      await other.addPolygon(grid, rectangle(119.16, 33.52, 119.162, 33.522), FIXTURE.validFrom);
      expect(await store().resolveGrid(point, at)).toMatchObject({ grid, fallback: false });
    });

    it('are read again after recheckMs when the table was changed behind the stores’ backs', async () => {
      let clock = new Date('2026-03-01T10:00:00Z');
      const watching = new TerritoryStore(territory().db, { clock: () => clock, recheckMs: 1000 });
      expect(await watching.resolveGrid(point, at)).toMatchObject({ grid });
      // Another process ends the grid's area with its own SQL.
      await territory().db.query(
        `UPDATE territory_polygons SET valid_to = $2 WHERE unit_code = $1 AND valid_to IS NULL`,
        [grid, new Date('2026-02-01T00:00:00+08:00')],
      );
      expect(await watching.resolveGrid(point, at)).toMatchObject({ grid });
      clock = new Date(clock.getTime() + 1000);
      expect(await watching.resolveGrid(point, at)).toMatchObject({ community, fallback: true });
    });

    it('are checked against the table before each resolution by default: a change made elsewhere is seen at once', async () => {
      const plain = new TerritoryStore(territory().db);
      expect(await plain.resolveGrid(point, at)).toMatchObject({ community, fallback: true });
      // The grid's area reopened by someone else's SQL.
      await territory().db.query('UPDATE territory_polygons SET valid_to = NULL WHERE unit_code = $1', [grid]);
      expect(await plain.resolveGrid(point, at)).toMatchObject({ grid, fallback: false });
    });
  });

  describe('device placements', () => {
    const installed = new Date('2026-02-10T09:30:00+08:00');

    it('map a fixed device to its grid, building, unit and floor at installation', async () => {
      const placed = await store().placeDevice({
        gatewayId: 'gw-320803-001',
        deviceId: 'smoke-b3-u2-0401',
        grid: GRID_1,
        building: '3',
        unit: '2',
        floor: 4,
        installedAt: installed,
      });
      expect(placed).toEqual({
        gatewayId: 'gw-320803-001',
        deviceId: 'smoke-b3-u2-0401',
        grid: GRID_1,
        community: FIXTURE.community,
        building: '3',
        unit: '2',
        floor: 4,
        installedAt: installed,
        removedAt: null,
      });
      expect(await store().placeOf('gw-320803-001', 'smoke-b3-u2-0401')).toEqual(placed);
      expect(await store().placeOf('gw-320803-001', 'smoke-b3-u2-0401', now)).toEqual(placed);
      expect(
        await store().placeOf('gw-320803-001', 'smoke-b3-u2-0401', new Date(installed.getTime() - 1)),
      ).toBeUndefined();
      expect(await store().placeOf('gw-320803-001', 'no-such-device')).toBeUndefined();
    });

    it('keep where a moved device was, so an event is placed where the device was at its time', async () => {
      const moved = new Date('2026-05-01T10:00:00+08:00');
      const first = { gatewayId: 'gw-320803-001', deviceId: 'cover-0007', grid: GRID_2, installedAt: installed };
      await store().placeDevice(first);
      expect(await store().placeDevice(first)).toMatchObject({ grid: GRID_2, removedAt: null });
      await store().placeDevice({ ...first, grid: GRID_3, installedAt: moved });

      expect(await store().placeOf('gw-320803-001', 'cover-0007', now)).toMatchObject({
        grid: GRID_2,
        removedAt: moved,
      });
      expect(await store().placeOf('gw-320803-001', 'cover-0007', moved)).toMatchObject({
        grid: GRID_3,
        removedAt: null,
      });
      expect(await store().placeOf('gw-320803-001', 'cover-0007')).toMatchObject({ grid: GRID_3, building: null });
      await expect(store().placeDevice({ ...first, installedAt: now })).rejects.toThrow(
        /^placement\.installedAt: 2026-03-01T02:00:00\.000Z is not after 2026-05-01T02:00:00\.000Z/,
      );
    });

    it('are refused when the place does not exist or does not fit', async () => {
      const base = { gatewayId: 'gw-320803-001', deviceId: 'gas-0001', installedAt: installed };
      await expect(store().placeDevice({ ...base, grid: '320803001001' })).rejects.toThrow(
        /^placement\.grid: expected a grid code of 15 digits/,
      );
      await expect(store().placeDevice({ ...base, grid: '320803001001997' })).rejects.toThrow(
        'placement.grid: grid 320803001001997 is unknown: add it first',
      );
      await expect(store().placeDevice({ ...base, grid: GRID_1, building: '9', unit: '1' })).rejects.toThrow(
        'placement.building: building 9 unit 1 is not a building unit of community 320803001001',
      );
      await expect(store().placeDevice({ ...base, grid: GRID_2, building: '3', unit: '1' })).rejects.toThrow(
        'placement.grid: building 3 unit 1 belongs to grid 320803001001001, not 320803001001002',
      );
      await expect(store().placeDevice({ ...base, grid: GRID_1, building: '3', unit: '1', floor: 19 })).rejects.toThrow(
        'placement.floor: building 3 unit 1 has 18 floors, not 19',
      );
      await expect(store().placeDevice({ ...base, grid: GRID_1, building: '3' })).rejects.toThrow(
        'placement.unit: building and unit are given together or not at all',
      );
      await expect(store().placeDevice({ ...base, deviceId: 'Gas 1', grid: GRID_1 })).rejects.toThrow(
        /^placement\.deviceId: a device id is 1-63/,
      );
      expect(await store().placeOf('gw-320803-001', 'gas-0001')).toBeUndefined();
    });
  });

  describe('buildings', () => {
    it('list a community’s building units with floors, households and grid', async () => {
      expect(await store().buildings(FIXTURE.community)).toEqual([
        { community: FIXTURE.community, building: '3', unit: '1', floors: 18, households: 36, grid: GRID_1 },
        { community: FIXTURE.community, building: '3', unit: '2', floors: 18, households: 36, grid: GRID_1 },
      ]);
    });

    it('belong to a grid of their own community', async () => {
      await expect(
        store().upsertBuildings([
          {
            community: FIXTURE.community,
            building: '5',
            unit: '1',
            floors: 6,
            households: 12,
            grid: '320803001002001',
          },
        ]),
      ).rejects.toThrow('buildings.0.grid: a building belongs to a grid of its own community');
    });
  });
});
