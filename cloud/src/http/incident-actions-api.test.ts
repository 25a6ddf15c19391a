import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_LIGHT_IDS } from '../incidents/action-routes.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID_A = '320803001001001';
const GRID_B = '320803001001002';

/**
 * What the web pages read besides the incidents API: the transitions a caller may take now (the
 * state machine × their roles and scope, as `POST …/transitions` decides), the lights of a page of
 * incidents, and the category list. Out-of-scope incidents are not confirmed to exist.
 */
describe.each(BACKENDS)('incident actions, lights and categories for the web pages (%s)', (backend) => {
  const cloud = useTestCloud(backend, { dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let incident = '';

  beforeAll(async () => {
    const people = {
      operator: [{ role: 'operator', scope: '320803001' }],
      'worker-a': [{ role: 'grid_worker', scope: GRID_A }],
      'worker-b': [{ role: 'grid_worker', scope: GRID_B }],
      property: [{ role: 'property_manager', scope: COMMUNITY }],
      callback: [{ role: 'callback_agent', scope: '320803001' }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-actions-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    const report = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens.operator as string,
      body: {
        request_id: 'r-1',
        source: 'patrol',
        category: 'other',
        title: '楼道堆物',
        community: COMMUNITY,
        grid: GRID_A,
      },
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    incident = report.body.incident.id;
  }, 60_000);

  const actions = async (who: string) => {
    const response = await api<{
      version: number;
      state: string;
      actions: Array<{ action: string; role: string; to: string }>;
    }>(cloud(), 'GET', `/api/v1/incidents/${incident}/actions`, { token: tokens[who] as string });
    return response;
  };
  const names = async (who: string) => ((await actions(who)).body.actions ?? []).map((a) => a.action).sort();
  const step = async (who: string, action: string, data?: Record<string, unknown>) => {
    const response = await api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
      token: tokens[who] as string,
      body: { action, request_id: `${incident}-${action}`, ...(data ? { data } : {}) },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };

  it('refuses every route without a session (401)', async () => {
    for (const path of [
      `/api/v1/incidents/${incident}/actions`,
      `/api/v1/incident-lights?ids=${incident}`,
      '/api/v1/categories',
    ]) {
      const response = await api(cloud(), 'GET', path);
      expect(response.status, path).toBe(401);
      expect(response.body).toMatchObject({ code: 'GL_UNAUTHENTICATED' });
    }
  });

  it('offers each role exactly the transitions it may take now, and nothing outside its scope', async () => {
    const operator = await actions('operator');
    expect(operator.status).toBe(200);
    expect(operator.body).toMatchObject({ version: 1, state: 'REPORTED' });
    expect(await names('operator')).toEqual(['accept', 'merge', 'needVerify', 'reject', 'supervise']);
    expect(await names('worker-a')).toEqual(['selfHandle']);
    expect(await names('property')).toEqual(['acknowledge', 'reportOnSite', 'selfHandle']);
    const other = await actions('worker-b');
    expect(other.status).toBe(404);
    expect(other.body).toMatchObject({ code: 'GL_INCIDENT_NOT_FOUND' });

    await step('operator', 'accept');
    await step('operator', 'file');
    await step('operator', 'dispatch', { assignee: ids['worker-a'] });
    // The assignee may arrive on site (到场签到) before or after signing.
    expect(await names('worker-a')).toEqual(['arrive', 'return', 'sign']);
    expect(await names('property')).toEqual(['acknowledge', 'reportOnSite']);
    expect(await names('operator')).toEqual(['recall', 'redispatch', 'supervise']);
    // What is offered is what the transitions route takes.
    await step('worker-a', 'sign');
    expect((await actions('worker-a')).body).toMatchObject({ state: 'IN_PROGRESS', version: 5 });
    expect(await names('worker-a')).toEqual(['arrive', 'finish']);
  });

  it('reads the lights of the incidents the caller may see, naming the others unknown', async () => {
    const response = await api<{
      lights: Array<{ id: string; light: string | null; deadline: string | null }>;
      unknown: string[];
    }>(cloud(), 'GET', `/api/v1/incident-lights?ids=${incident},INC-20000101-999999`, {
      token: tokens['worker-a'] as string,
    });
    expect(response.status).toBe(200);
    expect(response.body.unknown).toEqual(['INC-20000101-999999']);
    expect(response.body.lights).toHaveLength(1);
    const [light] = response.body.lights;
    expect(light?.id).toBe(incident);
    expect(['green', 'yellow', 'red']).toContain(light?.light);
    expect(Date.parse(light?.deadline ?? '')).not.toBeNaN();

    const outside = await api<{ lights: unknown[]; unknown: string[] }>(
      cloud(),
      'GET',
      `/api/v1/incident-lights?ids=${incident}`,
      {
        token: tokens['worker-b'] as string,
      },
    );
    expect(outside.body).toEqual({ lights: [], unknown: [incident] });
  });

  it('refuses lights without ids or with too many, naming the parameter', async () => {
    const many = Array.from({ length: MAX_LIGHT_IDS + 1 }, (_, i) => `INC-20261125-${String(i).padStart(6, '0')}`);
    for (const query of ['', '?ids=', `?ids=${many.join(',')}`]) {
      const response = await api(cloud(), 'GET', `/api/v1/incident-lights${query}`, {
        token: tokens.operator as string,
      });
      expect(response.status, query).toBe(400);
      expect(response.body).toMatchObject({ code: 'GL_VALIDATION_FAILED', errors: [{ parameter: 'ids' }] });
    }
  });

  it('lists the active categories with their names for any signed-in user', async () => {
    const response = await api<{
      categories: Array<{ code: string; name: { zh: string; en: string }; level: number }>;
    }>(cloud(), 'GET', '/api/v1/categories', { token: tokens.property as string });
    expect(response.status).toBe(200);
    expect(response.body.categories.find((c) => c.code === 'other')).toMatchObject({ name: { zh: '其他' }, level: 1 });
    expect(response.body.categories.find((c) => c.code === 'emergency.gas_leak')).toMatchObject({
      parent: 'emergency',
      level: 2,
      name: { zh: '燃气泄漏', en: 'Gas leak' },
    });
  });

  it('offers the callback verdicts as the stored incident settings have them at the time', async () => {
    await step('worker-a', 'finish');
    // Checked by the centre: whoever did the work does not check it.
    await step('operator', 'startCheck');
    await step('operator', 'pass');
    await step('operator', 'close');
    const unsatisfiedTo = async () =>
      (await actions('callback')).body.actions.find((a) => a.action === 'callbackUnsatisfied')?.to;
    expect(await unsatisfiedTo()).toBe('DISPATCHED');
    const settings = (unsatisfied_callback: string) =>
      api(cloud(), 'PUT', '/api/v1/settings/incidents', {
        token: TEST_ADMIN_TOKEN,
        body: { dedup_window_seconds: 1800, unsatisfied_callback },
      });
    expect((await settings('evaluate')).status).toBe(200);
    expect(await unsatisfiedTo()).toBe('EVALUATED');
    expect((await settings('rework')).status).toBe(200);
    expect(await unsatisfiedTo()).toBe('DISPATCHED');
  });
});
