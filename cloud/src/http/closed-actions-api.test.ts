import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';

/**
 * After 结案 the page offers the next step the tenant's callback policy defines (docs/domain.md §3):
 * the callback (回访) to those who make it, or archiving when the tenant makes none; never 督办 or
 * anything else that makes no sense once the loop is closed.
 */
describe.each(BACKENDS)('what a closed incident offers (%s)', (backend) => {
  const cloud = useTestCloud(backend, { dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const people = {
      operator: [{ role: 'operator', scope: '320803001' }],
      worker: [{ role: 'grid_worker', scope: GRID }],
      callback: [{ role: 'callback_agent', scope: '320803001' }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-closed-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
  }, 60_000);

  const step = async (incident: string, who: string, action: string, data?: Record<string, unknown>) => {
    const response = await api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
      token: tokens[who] as string,
      body: { action, request_id: `${incident}-${action}`, ...(data ? { data } : {}) },
    });
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
  const setCallback = async (callback: string) => {
    const now = await api<Record<string, unknown>>(cloud(), 'GET', '/api/v1/settings/incidents', {
      token: TEST_ADMIN_TOKEN,
    });
    const put = await api(cloud(), 'PUT', '/api/v1/settings/incidents', {
      token: TEST_ADMIN_TOKEN,
      body: { ...now.body, callback },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  };
  const closedIncident = async (title: string) => {
    const report = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens.operator as string,
      body: { request_id: title, source: 'patrol', category: 'other', title, community: COMMUNITY, grid: GRID },
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    const id = report.body.incident.id;
    await step(id, 'operator', 'accept');
    await step(id, 'operator', 'file');
    await step(id, 'operator', 'dispatch', { assignee: ids.worker });
    await step(id, 'worker', 'sign');
    await step(id, 'worker', 'finish');
    await step(id, 'operator', 'startCheck');
    await step(id, 'operator', 'pass');
    await step(id, 'operator', 'close');
    return id;
  };

  it('offers the callback to callback agents and no 督办 to anyone (default policy)', async () => {
    await setCallback('agents');
    const id = await closedIncident('closed-default');
    expect(await names(id, 'callback')).toEqual(['callbackSatisfied', 'callbackUnsatisfied']);
    expect(await names(id, 'operator')).toEqual([]);
    // Refused on the server too, not only left out of the list.
    const supervise = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
      token: tokens.operator as string,
      body: { action: 'supervise', request_id: `${id}-supervise` },
    });
    expect(supervise.status).toBe(409);
    expect(supervise.body).toMatchObject({ code: 'GL_INCIDENT_ACTION_NOT_ALLOWED' });
  });

  it('offers the callback to the centre’s operators when the tenant’s centre calls back', async () => {
    await setCallback('centre');
    const id = await closedIncident('closed-centre');
    expect(await names(id, 'operator')).toEqual(['callbackSatisfied', 'callbackUnsatisfied']);
    await step(id, 'operator', 'callbackSatisfied', { satisfaction: 'satisfied' });
    expect(await names(id, 'operator')).toEqual(['archive']);
  });

  it('offers archiving, not a callback, when the tenant makes no callbacks', async () => {
    await setCallback('none');
    const id = await closedIncident('closed-none');
    expect(await names(id, 'callback')).toEqual([]);
    expect(await names(id, 'operator')).toEqual(['archive']);
    await step(id, 'operator', 'archive');
    expect(await names(id, 'operator')).toEqual([]);
  });

  it('refuses an unknown callback policy, naming the field', async () => {
    const put = await api(cloud(), 'PUT', '/api/v1/settings/incidents', {
      token: TEST_ADMIN_TOKEN,
      body: { dedup_window_seconds: 1800, unsatisfied_callback: 'rework', callback: 'sometimes' },
    });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({ code: 'GL_VALIDATION_FAILED', errors: [{ pointer: '/callback' }] });
  });
});
