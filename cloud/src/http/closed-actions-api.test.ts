import { describe, expect, it } from 'vitest';
import { api, BACKENDS, TEST_ADMIN_TOKEN } from '../test-support.js';
import { finishedBy, GRID, STREET, useIncidentApi } from './incident-api-fixture.js';

/**
 * After 结案 the page offers the next step the tenant's callback policy defines (docs/domain.md §3):
 * the callback (回访) to those who make it, or archiving when the tenant makes none; never 督办 or
 * anything else that makes no sense once the loop is closed.
 */
describe.each(BACKENDS)('what a closed incident offers (%s)', (backend) => {
  const { cloud, ids, act, step, names, brought, updateIncidentSettings } = useIncidentApi(backend, 'closed', {
    operator: [{ role: 'operator', scope: STREET }],
    worker: [{ role: 'grid_worker', scope: GRID }],
    callback: [{ role: 'callback_agent', scope: STREET }],
  });
  const setCallback = (callback: string) => updateIncidentSettings({ callback });
  const closedIncident = (title: string) =>
    brought('operator', title, 'other', [
      ...finishedBy('operator', 'worker', ids),
      ['operator', 'startCheck'],
      ['operator', 'pass'],
      ['operator', 'close'],
    ]);

  it('offers the callback to callback agents and no 督办 to anyone (default policy)', async () => {
    await setCallback('agents');
    const id = await closedIncident('closed-default');
    expect(await names(id, 'callback')).toEqual(['callbackSatisfied', 'callbackUnsatisfied']);
    expect(await names(id, 'operator')).toEqual([]);
    // Refused on the server too, not only left out of the list.
    const supervise = await act('operator', id, { action: 'supervise', request_id: `${id}-supervise` });
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
