import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../test-support.js';
import { finishedBy, GRID, STREET, useIncidentApi } from './incident-api-fixture.js';

/**
 * Separation of duties (docs/domain.md §3): whoever signed for or finished the work does not check
 * it. The server refuses it with a code and does not offer it; a tenant may let the handler check
 * their own work for listed categories (and their children).
 */
describe.each(BACKENDS)('checking one’s own work (%s)', (backend) => {
  const { ids, transition, step, names, brought, updateIncidentSettings } = useIncidentApi(backend, 'sod', {
    operator: [{ role: 'operator', scope: STREET }],
    handler: [{ role: 'grid_worker', scope: GRID }],
    colleague: [{ role: 'grid_worker', scope: GRID }],
  });
  const handled = (title: string, category: string) =>
    brought('operator', title, category, finishedBy('operator', 'handler', ids));

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
    await updateIncidentSettings({ self_check_categories: ['livelihood'] });
    const own = await handled('sod-listed', 'livelihood.water_leak');
    expect(await names(own, 'handler')).toEqual(['startCheck']);
    await step(own, 'handler', 'startCheck');
    await step(own, 'handler', 'pass');
    // Other categories keep the default.
    const other = await handled('sod-other', 'other');
    expect(await names(other, 'handler')).toEqual([]);
  });
});
