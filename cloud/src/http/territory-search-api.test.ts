import { beforeAll, describe, expect, it } from 'vitest';
import { createUser, login } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, BACKENDS, useTestCloud } from '../test-support.js';

interface Place {
  code: string;
  level: string;
  name: { zh: string; en: string };
  parent: { code: string; name: { zh: string; en: string } } | null;
}

/** A call-taker hears a place's name, not its code: `GET /territory/search` finds it by name. */
describe.each(BACKENDS)('territory search by name (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};
  const search = async (who: string, q: string) =>
    api<{ places: Place[] }>(cloud(), 'GET', `/api/v1/territory/search?q=${encodeURIComponent(q)}`, {
      token: tokens[who] ?? '',
    });

  beforeAll(async () => {
    const store = new TerritoryStore(cloud().db);
    await seedFixtureTerritory(store);
    // A community of another street with a like name: nobody of 淮城街道 may find it.
    await store.upsertUnits([
      { code: '320803002', nameZh: '河下街道' },
      { code: '320803002001', nameZh: '河下新村社区', nameEn: 'Hexia New Village' },
    ]);
    for (const [who, role, scope] of [
      ['street-operator', 'operator', FIXTURE.street],
      ['grid-worker', 'grid_worker', FIXTURE.grids[1] as string],
      ['installer', 'installer', 'gw-1'],
    ] as const) {
      await createUser(cloud(), `search-${who}`, { roles: [{ role, scope }] });
      tokens[who] = await login(cloud(), `search-${who}`);
    }
  });

  it('finds communities and grids by part of their Chinese or English name, with their parents', async () => {
    const { status, body } = await search('street-operator', '河下');
    expect(status).toBe(200);
    expect(body.places.map((p) => p.code)).toEqual([FIXTURE.community, ...FIXTURE.grids]);
    expect(body.places[0]).toEqual({
      code: FIXTURE.community,
      level: 'community',
      name: { zh: '河下社区', en: 'Hexia Community' },
      parent: { code: FIXTURE.street, name: { zh: '淮城街道', en: 'Huaicheng Street' } },
    });
    expect(body.places[2]?.parent?.name.zh).toBe('河下社区');
    const english = await search('street-operator', 'hexia GRID 3');
    expect(english.body.places.map((p) => p.code)).toEqual([FIXTURE.grids[2]]);
    // Wildcards are text: "%" matches no name.
    expect((await search('street-operator', '%')).body.places).toEqual([]);
  });

  it('shows only places the caller sees (attack: find another street’s or grid’s places)', async () => {
    expect((await search('grid-worker', '河下')).body.places.map((p) => p.code)).toEqual([FIXTURE.grids[1]]);
    expect((await search('street-operator', '新村')).body.places).toEqual([]);
    expect((await search('installer', '河下')).body.places).toEqual([]);
  });

  it('refuses an empty query (400) and a caller without a session (401)', async () => {
    expect((await search('street-operator', ' ')).status).toBe(400);
    expect((await api(cloud(), 'GET', '/api/v1/territory/search?q=%E6%B2%B3')).status).toBe(401);
  });
});
