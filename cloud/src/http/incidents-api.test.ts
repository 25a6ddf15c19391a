import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { wgs84ToGcj02 } from '../territory/gcj02.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID_A = '320803001001001';
const GRID_B = '320803001001002';
const OTHER_COMMUNITY = '320803001002';

/**
 * The incidents API and its access matrix: each role against each route, refusals included. Who
 * may see an incident is decided by scope (docs/domain.md §2): a grid worker their grids, a property
 * manager their community, an operator their centre's territory, a disposal unit what was
 * dispatched to it; everyone else gets "not found" (existence is not confirmed).
 */
describe.each(BACKENDS)('the incidents API (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};
  let inA = '';
  let inOther = '';

  beforeAll(async () => {
    // The operator dispatches by hand here: automatic dispatch, deciding as the incident is filed,
    // could otherwise send it to the cover's owner the moment that unit exists, before the operator.
    const settings = await api<Record<string, unknown>>(cloud(), 'GET', '/api/v1/settings/dispatch', {
      token: TEST_ADMIN_TOKEN,
    });
    const manual = await api(cloud(), 'PUT', '/api/v1/settings/dispatch', {
      token: TEST_ADMIN_TOKEN,
      body: { ...settings.body, auto_dispatch: false },
    });
    expect(manual.status, JSON.stringify(manual.body)).toBe(200);
    const unit = await api(cloud(), 'POST', '/api/v1/disposal-units', {
      token: TEST_ADMIN_TOKEN,
      body: {
        id: 'unit-gas',
        name_zh: '港华燃气',
        name_en: 'Towngas',
        unit_type: 'gas_company',
        territory_code: '320803',
      },
    });
    expect(unit.status, JSON.stringify(unit.body)).toBe(201);
    const people = {
      operator: [{ role: 'operator', scope: '320803001' }],
      'worker-a': [{ role: 'grid_worker', scope: GRID_A }],
      'worker-b': [{ role: 'grid_worker', scope: GRID_B }],
      property: [{ role: 'property_manager', scope: COMMUNITY }],
      unit: [{ role: 'disposal_unit', scope: 'unit-gas' }],
      callback: [{ role: 'callback_agent', scope: '320803' }],
      nobody: [],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      tokens[name] = (await signedIn(cloud(), name, [...roles], '320803')).token;
    }
    const report = async (token: string, grid: string | undefined, community: string, request: string) => {
      const response = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token,
        body: {
          request_id: request,
          source: 'patrol',
          category: 'urban_management.manhole_cover',
          title: '井盖缺失',
          community,
          ...(grid ? { grid } : {}),
        },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.incident.id as string;
    };
    inA = await report(tokens['worker-a'] as string, GRID_A, COMMUNITY, 'r-a');
    inOther = await report(tokens.operator as string, undefined, OTHER_COMMUNITY, 'r-other');
  }, 60_000);

  const list = async (who: string) => {
    const response = await api<{ incidents: Array<{ id: string }> }>(cloud(), 'GET', '/api/v1/incidents', {
      token: tokens[who] as string,
    });
    expect(response.status).toBe(200);
    return response.body.incidents.map((incident) => incident.id).sort();
  };

  it('refuses every route without a session (401), naming how to authenticate', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/incidents'],
      ['GET', `/api/v1/incidents/${inA}`],
      ['POST', '/api/v1/incidents'],
      ['POST', `/api/v1/incidents/${inA}/transitions`],
    ] as const) {
      const response = await api(cloud(), method, path, method === 'POST' ? { body: {} } : {});
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.body).toMatchObject({ code: 'GL_UNAUTHENTICATED' });
    }
  });

  it('lists only what each role may see', async () => {
    expect(await list('operator')).toEqual([inA, inOther].sort());
    expect(await list('worker-a')).toEqual([inA]);
    expect(await list('worker-b')).toEqual([]);
    expect(await list('property')).toEqual([inA]);
    expect(await list('unit')).toEqual([]); // nothing dispatched to it yet
    expect(await list('callback')).toEqual([]); // callback agents see closed incidents only
    expect(await list('nobody')).toEqual([]);
  });

  it('filters the list on the server by category (with sub-categories), grid, community, severity and state', async () => {
    const ids = async (query: string, who = 'operator') => {
      const response = await api<{ incidents: Array<{ id: string; severity: string }> }>(
        cloud(),
        'GET',
        `/api/v1/incidents?${query}`,
        { token: tokens[who] as string },
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.incidents.map((incident) => incident.id).sort();
    };
    expect(await ids('category=urban_management')).toEqual([inA, inOther].sort());
    expect(await ids('category=urban_management.manhole_cover')).toEqual([inA, inOther].sort());
    expect(await ids('category=urban')).toEqual([]); // a prefix of a code is not a parent category
    expect(await ids('category=fire')).toEqual([]);
    expect(await ids(`grid=${GRID_A}`)).toEqual([inA]);
    expect(await ids(`community=${OTHER_COMMUNITY}`)).toEqual([inOther]);
    expect(await ids(`community=${COMMUNITY}&category=urban_management`)).toEqual([inA]);
    expect(await ids(`grid=${GRID_A}`, 'worker-b')).toEqual([]); // a filter never widens the scope
    const seen = await api<{ incidents: Array<{ id: string; severity: string }> }>(
      cloud(),
      'GET',
      '/api/v1/incidents',
      {
        token: tokens.operator as string,
      },
    );
    const severity = seen.body.incidents.find((incident) => incident.id === inA)?.severity as string;
    expect(await ids(`severity=${severity}&grid=${GRID_A}`)).toEqual([inA]);
    expect(await ids(`severity=${severity === 'critical' ? 'info' : 'critical'}&grid=${GRID_A}`)).toEqual([]);
    expect(await ids(`state=CLOSED&grid=${GRID_A}`)).toEqual([]);
    const bad = await api(cloud(), 'GET', '/api/v1/incidents?grid=12&severity=huge', {
      token: tokens.operator as string,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      code: 'GL_VALIDATION_FAILED',
      errors: [{ parameter: 'grid' }, { parameter: 'severity' }],
    });
  });

  it('lists urgent incidents nobody has been dispatched to first, flagged needs_attention, whatever their age', async () => {
    const report = async (request: string, urgent: boolean) => {
      const response = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: tokens.operator as string,
        body: {
          request_id: request,
          source: 'hotline_12345',
          category: urgent ? 'emergency.fire' : 'urban_management.manhole_cover',
          urgent,
          title: urgent ? '起火' : '井盖缺失',
          community: OTHER_COMMUNITY,
        },
      });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.incident.id;
    };
    const fire = await report('attention-urgent', true);
    const later = await report('attention-later', false);
    const response = await api<{ incidents: Array<{ id: string; needsAttention: boolean }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents?community=${OTHER_COMMUNITY}`,
      { token: tokens.operator as string },
    );
    expect(response.status).toBe(200);
    const listed = response.body.incidents;
    expect(listed[0]).toMatchObject({ id: fire, needsAttention: true });
    expect(listed.find((incident) => incident.id === later)).toMatchObject({ needsAttention: false });
    // Every flagged incident comes before every other one.
    const flags = listed.map((incident) => incident.needsAttention);
    expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
  });

  it('answers "not found" for an incident outside the caller’s scope, and records who viewed what', async () => {
    expect(
      (await api(cloud(), 'GET', `/api/v1/incidents/${inA}`, { token: tokens['worker-b'] as string })).status,
    ).toBe(404);
    const seen = await api<{ steps: unknown[] }>(cloud(), 'GET', `/api/v1/incidents/${inA}`, {
      token: tokens.property as string,
    });
    expect(seen.status).toBe(200);
    expect(seen.body.steps[0]).toMatchObject({ action: 'report', toState: 'REPORTED' });
    const { rows } = await cloud().db.query(
      "SELECT action FROM audit_log WHERE target = $1 AND action = 'incident.view'",
      [`incident:${inA}`],
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a report outside the caller’s territory, and one from a role that does not report', async () => {
    const body = {
      request_id: 'r-x',
      source: 'patrol',
      category: 'other',
      title: 'x',
      community: COMMUNITY,
      grid: GRID_A,
    };
    expect(
      (await api(cloud(), 'POST', '/api/v1/incidents', { token: tokens['worker-b'] as string, body })).status,
    ).toBe(403);
    expect((await api(cloud(), 'POST', '/api/v1/incidents', { token: tokens.unit as string, body })).status).toBe(403);
    const bad = await api(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens.operator as string,
      body: { ...body, community: 'somewhere' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'GL_VALIDATION_FAILED', errors: [{ pointer: '/community' }] });
  });

  it('lets each role act only where the state machine and its scope allow', async () => {
    const act = (who: string, action: string, request: string, data?: Record<string, unknown>) =>
      api(cloud(), 'POST', `/api/v1/incidents/${inA}/transitions`, {
        token: tokens[who] as string,
        body: { action, request_id: request, ...(data ? { data } : {}) },
      });
    // a grid worker of another grid cannot even see it; a property manager may not accept it
    expect((await act('worker-b', 'accept', 't1')).status).toBe(404);
    expect((await act('property', 'accept', 't2')).body).toMatchObject({ status: 403, code: 'GL_FORBIDDEN' });
    // the operator of the street accepts and files; an action the state does not allow is 409
    expect((await act('operator', 'accept', 't3')).status).toBe(200);
    expect((await act('operator', 'sign', 't4')).body).toMatchObject({
      status: 409,
      code: 'GL_INCIDENT_ACTION_NOT_ALLOWED',
    });
    expect((await act('operator', 'file', 't5')).status).toBe(200);
    // not to a gas company: a manhole cover is its owner's work
    expect((await act('operator', 'dispatch', 't6-gas', { assignee: 'unit-gas' })).body).toMatchObject({
      status: 400,
      code: 'GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE',
      errors: [{ pointer: '/data/assignee' }],
    });
    const owner = await api(cloud(), 'POST', '/api/v1/disposal-units', {
      token: TEST_ADMIN_TOKEN,
      body: {
        id: 'unit-cover',
        name_zh: '井盖权属单位',
        name_en: 'Cover owner',
        unit_type: 'cover_owner',
        territory_code: '320803',
      },
    });
    expect(owner.status, JSON.stringify(owner.body)).toBe(201);
    tokens['cover-unit'] = (
      await signedIn(cloud(), 'cover-unit', [{ role: 'disposal_unit', scope: 'unit-cover' }], '320803')
    ).token;
    // dispatched to the cover's owner: from now on the unit sees it and may sign for it
    expect((await act('operator', 'dispatch', 't6', { assignee: 'unit-cover' })).status).toBe(200);
    expect(await list('cover-unit')).toEqual([inA]);
    expect((await act('cover-unit', 'sign', 't7')).body).toMatchObject({ incident: { state: 'IN_PROGRESS' } });
    // repeating a request id changes nothing
    expect((await act('cover-unit', 'sign', 't7')).body).toMatchObject({ repeated: true });
  });

  it('answers a stale version with a conflict naming the current one', async () => {
    const response = await api(cloud(), 'POST', `/api/v1/incidents/${inOther}/transitions`, {
      token: tokens.operator as string,
      body: { action: 'accept', request_id: 'stale-1', expected_version: 99 },
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'GL_INCIDENT_VERSION_CONFLICT' });
  });

  it('places a report made with a phone’s location (GCJ-02) in the grid in force there, or the community when no grid covers it', async () => {
    await seedFixtureTerritory(new TerritoryStore(cloud().db));
    const report = (request: string, location: Record<string, unknown>) =>
      api<{ incident: { place: { community: string; grid: string | null } } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: tokens.operator as string,
        body: { request_id: request, source: 'hotline_12345', category: 'other', title: '路灯不亮', location },
      });
    const phone = wgs84ToGcj02({ lon: 119.143, lat: 33.501 }); // grid 002, as a phone reports it
    expect((await report('loc-1', { ...phone, crs: 'gcj02' })).body.incident.place).toMatchObject({
      community: FIXTURE.community,
      grid: '320803001001002',
    });
    expect((await report('loc-2', { ...FIXTURE.uncovered, crs: 'wgs84' })).body.incident.place).toMatchObject({
      community: FIXTURE.community,
      grid: null,
    });
    const nowhere = await report('loc-3', { lon: 116.4, lat: 39.9, crs: 'wgs84' });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body).toMatchObject({ errors: [{ pointer: '/location' }] });
  });
});
