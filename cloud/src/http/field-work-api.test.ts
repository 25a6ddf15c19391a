import { beforeAll, describe, expect, it } from 'vitest';
import { distanceMetres, wgs84ToGcj02 } from '../territory/index.js';
import { TerritoryStore } from '../territory/store.js';
import { seedFixtureTerritory } from '../territory/test-support.js';
import { api, BACKENDS } from '../test-support.js';
import { COMMUNITY, GRID, STREET, useIncidentApi } from './incident-api-fixture.js';

/** Building 3 unit 1's entrance, in grid 001; a spot 40 m east of it; a point of grid 002. */
const ENTRANCE = { lon: 119.141, lat: 33.501 };
const BESIDE = { lon: 119.14143, lat: 33.501 };
const IN_GRID_2 = { lon: 119.143, lat: 33.501 };

interface Reported {
  incident: {
    id: string;
    position: { lon: number; lat: number; accuracyM: number | null } | null;
    place: { grid: string | null };
  };
}
interface Nearby {
  radius_m: number;
  incidents: Array<{ id: string; distance_m: number; same_category: boolean; position_from: string }>;
}

/**
 * A grid worker's day in the field over the API (docs/domain.md §3): street reports (随手拍) placed
 * by the phone's fix, duplicates near it suggested before filing, and the arrival on site (到场签到)
 * with its distance and the arrival measure. Scope is the server's: a worker files only in their
 * grid and arrives only on work dispatched to them.
 */
describe.each(BACKENDS)('field work: street reports and arrival on site (%s)', (backend) => {
  const { cloud, tokens, ids, act, offered } = useIncidentApi(backend, 'field', {
    operator: [{ role: 'operator', scope: STREET }],
    worker: [{ role: 'grid_worker', scope: GRID }],
    colleague: [{ role: 'grid_worker', scope: GRID }],
    property: [{ role: 'property_manager', scope: COMMUNITY }],
    stranger: [{ role: 'property_manager', scope: '320803001002' }],
  });

  beforeAll(async () => {
    const store = new TerritoryStore(cloud().db);
    await seedFixtureTerritory(store);
    await store.upsertBuildings([
      { community: COMMUNITY, building: '3', unit: '1', floors: 18, households: 36, grid: GRID, position: ENTRANCE },
    ]);
  });

  const streetReport = (who: 'worker' | 'property' | 'colleague', request: string, body: Record<string, unknown>) =>
    api<Reported & Record<string, unknown>>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens[who],
      body: {
        request_id: request,
        source: 'patrol',
        category: 'urban_management.manhole_cover',
        title: '井盖缺失',
        ...body,
      },
    });

  const nearby = (who: keyof typeof tokens, query: string) =>
    api<Nearby & Record<string, unknown>>(cloud(), 'GET', `/api/v1/incidents/nearby?${query}`, { token: tokens[who] });

  it('files a street report placed by the phone: grid resolved, position kept, from WGS-84 or GCJ-02', async () => {
    const wgs = await streetReport('worker', 'field-wgs', { location: { ...BESIDE, crs: 'wgs84', accuracy_m: 15 } });
    expect(wgs.status, JSON.stringify(wgs.body)).toBe(201);
    expect(wgs.body.incident.place.grid).toBe(GRID);
    expect(wgs.body.incident.position).toEqual({ ...BESIDE, accuracyM: 15 });

    const gcj = await streetReport('worker', 'field-gcj', {
      category: 'urban_management.exposed_garbage',
      title: '垃圾堆放',
      location: { ...wgs84ToGcj02(ENTRANCE), crs: 'gcj02', accuracy_m: 8 },
    });
    expect(gcj.status, JSON.stringify(gcj.body)).toBe(201);
    expect(gcj.body.incident.position?.lon).toBeCloseTo(ENTRANCE.lon, 7);
    expect(gcj.body.incident.position?.lat).toBeCloseTo(ENTRANCE.lat, 7);
  });

  it('refuses a worker outside their grid, a coarse fix and a fix from the future, naming the field', async () => {
    const outside = await streetReport('worker', 'field-outside', { location: { ...IN_GRID_2, crs: 'wgs84' } });
    expect(outside.status).toBe(403);
    expect(outside.body).toMatchObject({ code: 'GL_FORBIDDEN', errors: [{ pointer: '/location' }] });

    const coarse = await streetReport('worker', 'field-coarse', {
      location: { ...BESIDE, crs: 'wgs84', accuracy_m: 50_000 },
    });
    expect(coarse.status).toBe(400);
    expect(coarse.body).toMatchObject({ code: 'GL_VALIDATION_FAILED' });
    expect(JSON.stringify(coarse.body.errors)).toContain('/location/accuracy_m');

    const future = await streetReport('worker', 'field-future', {
      location: { ...BESIDE, crs: 'wgs84', accuracy_m: 10, at: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(future.status).toBe(400);
    expect(future.body).toMatchObject({ errors: [{ pointer: '/location/at' }] });
  });

  it('suggests open incidents near the phone: same category first, then the others, none beyond the radius', async () => {
    const at = `lon=${ENTRANCE.lon}&lat=${ENTRANCE.lat}&crs=wgs84`;
    const found = await nearby('worker', `${at}&category=urban_management.manhole_cover&radius_m=200`);
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(found.body.incidents.map((item) => item.same_category)).toEqual([true, false]);
    const [manhole, garbage] = found.body.incidents;
    expect(manhole?.distance_m).toBe(Math.round(distanceMetres(ENTRANCE, BESIDE)));
    expect(garbage?.distance_m).toBe(0);
    expect(manhole?.position_from).toBe('incident');

    const far = await nearby('worker', `lon=${IN_GRID_2.lon}&lat=${IN_GRID_2.lat}&crs=wgs84&radius_m=50`);
    expect(far.body.incidents).toEqual([]);
    // Another community's property manager sees none of them.
    expect((await nearby('stranger', `${at}&radius_m=500`)).body.incidents).toEqual([]);

    const bad = await nearby('worker', 'lat=33.5&radius_m=5');
    expect(bad.status).toBe(400);
    const fields = JSON.stringify(bad.body.errors);
    expect(fields).toContain('lon');
    expect(fields).toContain('radius_m');
    expect((await api(cloud(), 'GET', `/api/v1/incidents/nearby?${at}`)).status).toBe(401);
  });

  it('lets the property manager file in their community and handle it on the spot', async () => {
    const filed = await streetReport('property', 'field-pm', {
      category: 'urban_management.exposed_garbage',
      title: '楼下垃圾',
      location: { ...BESIDE, crs: 'wgs84', accuracy_m: 20 },
      address: '3 号楼 1 单元门口',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const id = filed.body.incident.id;
    expect((await offered(id, 'property')).actions).toContain('selfHandle');
    expect((await act('property', id, { action: 'selfHandle', request_id: 'field-pm-self' })).status).toBe(200);
  });

  it('takes the assignee’s arrival with the distance to the place; repeats count once; the detail shows the measure', async () => {
    // A hotline report names only the building: the distance is measured to its entrance.
    const filed = await api<Reported>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens.operator,
      body: {
        request_id: 'field-arrive',
        source: 'hotline_12345',
        category: 'urban_management.manhole_cover',
        title: '3 号楼井盖缺失',
        community: COMMUNITY,
        grid: GRID,
        building: '3',
        unit: '1',
      },
    });
    const id = filed.body.incident.id;
    for (const [action, data] of [
      ['accept', undefined],
      ['file', undefined],
      ['dispatch', { assignee: ids.worker }],
    ] as const) {
      const done = await act('operator', id, {
        action,
        request_id: `field-arrive-${action}`,
        ...(data ? { data } : {}),
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
    }
    expect((await offered(id, 'worker')).actions).toContain('arrive');
    // Another worker of the same grid: not theirs.
    expect((await offered(id, 'colleague')).actions).not.toContain('arrive');
    const theirs = await act('colleague', id, {
      action: 'arrive',
      request_id: 'field-colleague',
      data: { position: { ...BESIDE, accuracy_m: 10 } },
    });
    expect(theirs.status).toBe(403);

    const future = await act('worker', id, {
      action: 'arrive',
      request_id: 'field-arrive-future',
      data: { position: { ...BESIDE, accuracy_m: 10, at: new Date(Date.now() + 3600_000).toISOString() } },
    });
    expect(future.status).toBe(400);
    expect(future.body).toMatchObject({ code: 'GL_VALIDATION_FAILED', errors: [{ pointer: '/data/position/at' }] });

    const body = {
      action: 'arrive',
      request_id: 'field-arrive-once',
      data: { position: { ...BESIDE, accuracy_m: 10 } },
    };
    const first = await act('worker', id, body);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const distance = Math.round(distanceMetres(BESIDE, ENTRANCE));
    expect(first.body).toMatchObject({
      incident: { state: 'DISPATCHED' },
      step: { action: 'arrive', data: { distance_m: distance, distance_to: 'building' } },
    });
    const again = await act('worker', id, body);
    expect(again.body).toMatchObject({ repeated: true, step: { seq: (first.body.step as { seq: number }).seq } });

    const detail = await api<Record<string, unknown>>(cloud(), 'GET', `/api/v1/incidents/${id}`, {
      token: tokens.worker,
    });
    expect(detail.body.place_position).toMatchObject({ ...ENTRANCE, source: 'building' });
    expect(detail.body.arrival).toMatchObject({ measure: 'arrival', on_time: true, distance_m: distance });
    const steps = detail.body.steps as Array<{ action: string }>;
    expect(steps.filter((step) => step.action === 'arrive')).toHaveLength(1);
  });
  it('lists each incident with where it is: its own point, else its building’s, as its page says', async () => {
    const list = await api<{
      incidents: Array<{ id: string; title: string; place_position: Record<string, unknown> | null }>;
    }>(cloud(), 'GET', `/api/v1/incidents?grid=${GRID}&limit=200`, { token: tokens.worker });
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    const placed = new Map(list.body.incidents.map((item) => [item.title, item.place_position]));
    expect(placed.get('井盖缺失')).toMatchObject({ ...BESIDE, accuracyM: 15, source: 'incident' });
    for (const item of list.body.incidents) {
      const detail = await api<Record<string, unknown>>(cloud(), 'GET', `/api/v1/incidents/${item.id}`, {
        token: tokens.worker,
      });
      expect(item.place_position, item.title).toEqual(detail.body.place_position);
    }
    expect(list.body.incidents.some((item) => item.place_position?.source === 'building')).toBe(true);
  });
});
