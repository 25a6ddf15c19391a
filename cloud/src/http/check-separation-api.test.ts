import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';

/**
 * Separation of duties (docs/domain.md §3): whoever signed for or finished the work does not check
 * it. The server refuses it with a code and does not offer it; a tenant may let the handler check
 * their own work for listed categories (and their children).
 */
describe.each(BACKENDS)('checking one’s own work (%s)', (backend) => {
  const cloud = useTestCloud(backend, { dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const people = {
      operator: [{ role: 'operator', scope: '320803001' }],
      handler: [{ role: 'grid_worker', scope: GRID }],
      colleague: [{ role: 'grid_worker', scope: GRID }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-sod-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
  }, 60_000);

  const transition = (incident: string, who: string, action: string, data?: Record<string, unknown>) =>
    api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
      token: tokens[who] as string,
      body: { action, request_id: `${incident}-${action}-${who}`, ...(data ? { data } : {}) },
    });
  const step = async (incident: string, who: string, action: string, data?: Record<string, unknown>) => {
    const response = await transition(incident, who, action, data);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };
  const names = async (incident: string, who: string) => {
    const response = await api<{ actions: Array<{ action: string }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${incident}/actions`,
      { token: tokens[who] as string },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.actions.map((a) => a.action).sort();
  };
  const handled = async (title: string, category: string) => {
    const report = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens.operator as string,
      body: { request_id: title, source: 'patrol', category, title, community: COMMUNITY, grid: GRID },
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    const id = report.body.incident.id;
    await step(id, 'operator', 'accept');
    await step(id, 'operator', 'file');
    await step(id, 'operator', 'dispatch', { assignee: ids.handler });
    await step(id, 'handler', 'sign');
    await step(id, 'handler', 'finish');
    return id;
  };

  it('neither offers nor lets the handler check their own work; a colleague or the centre checks it', async () => {
    const id = await handled('sod-default', 'other');
    expect(await names(id, 'handler')).toEqual([]);
    expect(await names(id, 'colleague')).toEqual(['startCheck']);
    const refused = await transition(id, 'handler', 'startCheck');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      code: 'GL_INCIDENT_SEPARATION_OF_DUTIES',
      detail: expect.stringContaining('须由他人执行'),
    });
    await step(id, 'colleague', 'startCheck');
    // Checking started by a colleague: the handler may still not pass or fail it.
    expect(await names(id, 'handler')).toEqual([]);
    expect((await transition(id, 'handler', 'pass')).body).toMatchObject({ code: 'GL_INCIDENT_SEPARATION_OF_DUTIES' });
    expect(await names(id, 'colleague')).toEqual(['fail', 'pass']);
    await step(id, 'colleague', 'pass');
  });

  it('lets the handler check their own work in the categories the tenant lists', async () => {
    const settings = await api<Record<string, unknown>>(cloud(), 'GET', '/api/v1/settings/incidents', {
      token: TEST_ADMIN_TOKEN,
    });
    const put = await api(cloud(), 'PUT', '/api/v1/settings/incidents', {
      token: TEST_ADMIN_TOKEN,
      body: { ...settings.body, self_check_categories: ['livelihood'] },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const own = await handled('sod-listed', 'livelihood.water_leak');
    expect(await names(own, 'handler')).toEqual(['startCheck']);
    await step(own, 'handler', 'startCheck');
    await step(own, 'handler', 'pass');
    // Other categories keep the default.
    const other = await handled('sod-other', 'other');
    expect(await names(other, 'handler')).toEqual([]);
  });
});
