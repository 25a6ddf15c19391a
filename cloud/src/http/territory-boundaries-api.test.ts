import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { TerritoryBoundaries } from '../territory/boundaries.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, rectangle, seedFixtureTerritory } from '../territory/test-support.js';
import { api, BACKENDS, useTestCloud } from '../test-support.js';

interface Problem {
  code: string;
  errors?: { parameter?: string; detail: string }[];
}

// Grid 003 was redrawn on 1 June 2025: taller, up to the community's north edge.
const REDRAWN = new Date('2025-06-01T00:00:00+08:00');
const REDRAWN_AREA = rectangle(119.144, 33.5, 119.146, 33.504);

/** The maps read `GET /territory/boundaries`: one level of units under a unit, as in force at a time. */
describe.each(BACKENDS)('territory boundaries (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};
  const boundaries = async (who: string, query: string) =>
    api<TerritoryBoundaries & Problem>(cloud(), 'GET', `/api/v1/territory/boundaries?${query}`, {
      token: tokens[who] ?? '',
      headers: { 'accept-language': 'en' },
    });
  const codes = (body: TerritoryBoundaries) => body.features.map((f) => f.properties.code);

  beforeAll(async () => {
    const store = new TerritoryStore(cloud().db);
    await seedFixtureTerritory(store);
    await store.closePolygon(FIXTURE.grids[2], REDRAWN);
    await store.addPolygon(FIXTURE.grids[2], REDRAWN_AREA, REDRAWN);
    for (const [who, role, scope] of [
      ['district-admin', 'district_admin', FIXTURE.district],
      ['grid-worker', 'grid_worker', FIXTURE.grids[1]],
      ['other-street', 'operator', '320803002'],
      ['installer', 'installer', 'gw-1'],
    ] as const) {
      tokens[who] = (await signedIn(cloud(), `boundaries-${who}`, [{ role, scope }])).token;
    }
  });

  it('lists the units of the level just below, by default, with code, level, parent and names', async () => {
    const { status, body } = await boundaries('district-admin', `within=${FIXTURE.community}`);
    expect(status).toBe(200);
    expect(TerritoryBoundaries.parse(body)).toEqual(body);
    expect(body).toMatchObject({
      type: 'FeatureCollection',
      within: FIXTURE.community,
      within_unit: { code: FIXTURE.community, level: 'community', name_zh: '河下社区', name_en: 'Hexia Community' },
      level: 'grid',
    });
    expect(codes(body)).toEqual(FIXTURE.grids);
    expect(body.features[0]).toEqual({
      type: 'Feature',
      id: FIXTURE.grids[0],
      properties: {
        code: FIXTURE.grids[0],
        level: 'grid',
        parent_code: FIXTURE.community,
        name_zh: '河下社区第1网格',
        name_en: 'Hexia grid 1',
      },
      geometry: FIXTURE.gridAreas[0],
    });
  });

  it('lists a level further down when asked: a district’s grids', async () => {
    const { body } = await boundaries('district-admin', `within=${FIXTURE.district}&level=grid`);
    expect(codes(body)).toEqual(FIXTURE.grids);
    const streets = await boundaries('district-admin', `within=${FIXTURE.district}`);
    expect(streets.body.level).toBe('street');
    // The street has no area of its own in the fixture: a unit without an area in force is not drawn.
    expect(codes(streets.body)).toEqual([]);
  });

  it('draws the areas in force at the time asked: before, across and after a redrawing', async () => {
    const at = (iso: string) =>
      boundaries('district-admin', `within=${FIXTURE.community}&at=${encodeURIComponent(iso)}`);
    expect(codes((await at('2024-12-31T23:59:59+08:00')).body)).toEqual([]);
    const before = (await at('2025-05-31T23:59:59+08:00')).body;
    expect(before.at).toBe('2025-05-31T15:59:59.000Z');
    expect(before.features[2]?.geometry).toEqual(FIXTURE.gridAreas[2]);
    expect((await at('2025-06-01T00:00:00+08:00')).body.features[2]?.geometry).toEqual(REDRAWN_AREA);
    // Without `at`: now, long after the redrawing.
    expect((await boundaries('district-admin', `within=${FIXTURE.community}`)).body.features[2]?.geometry).toEqual(
      REDRAWN_AREA,
    );
  });

  it('gives a caller only their part of a unit that holds it, and refuses one that holds none (attack)', async () => {
    const own = await boundaries('grid-worker', `within=${FIXTURE.community}`);
    expect(own.status).toBe(200);
    expect(codes(own.body)).toEqual([FIXTURE.grids[1]]);
    // The whole community is not theirs to see, so not its outline either.
    expect(codes((await boundaries('grid-worker', `within=${FIXTURE.street}&level=community`)).body)).toEqual([]);
    for (const [who, within] of [
      ['other-street', FIXTURE.community],
      ['grid-worker', '320803002'],
      ['installer', FIXTURE.district],
    ] as const) {
      const refused = await boundaries(who, `within=${within}`);
      expect(refused.status, `${who} ${within}`).toBe(403);
      expect(refused.body.code).toBe('GL_FORBIDDEN');
    }
  });

  it('names the parameter at fault: not a code, a level not below, nothing below a micro-grid, not a time', async () => {
    const cases = [
      ['within=huaian', 'within', /territory code of 6, 9, 12, 15 or 18 digits/],
      [`within=${FIXTURE.grids[0]}&level=community`, 'level', /level must be below the level of within/],
      [`within=${FIXTURE.district}&level=district`, 'level', /street|community/],
      [`within=${FIXTURE.community}&at=yesterday`, 'at', /.+/],
      [`within=${FIXTURE.community}&simplify=-1`, 'simplify', /0/],
      [`within=${FIXTURE.community}&zoom=3`, 'zoom', /zoom/],
    ] as const;
    for (const [query, parameter, detail] of cases) {
      const { status, body } = await boundaries('district-admin', query);
      expect(status, query).toBe(400);
      expect(body.errors?.[0]?.parameter, query).toBe(parameter);
      expect(body.errors?.[0]?.detail, query).toMatch(detail);
    }
    const microGrid = await boundaries('district-admin', `within=${FIXTURE.grids[0]}001`);
    expect(microGrid.status).toBe(400);
    expect(JSON.stringify(microGrid.body)).toMatch(/micro-grid.*within/);
  });

  it('refuses a caller without a session (401)', async () => {
    expect((await api(cloud(), 'GET', `/api/v1/territory/boundaries?within=${FIXTURE.community}`)).status).toBe(401);
  });
});
