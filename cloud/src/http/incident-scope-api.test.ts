import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, useTestCloud } from '../test-support.js';

const STREET = '320803001';
const COMMUNITY = '320803001001';
const GRID_A = '320803001001001';
const GRID_B = '320803001001002';
const OTHER_STREET = '320803002';
const OTHER_COMMUNITY = '320803002001';
const OTHER_GRID = '320803002001001';

interface Reported {
  incident: { id: string; title: string; description: string | null; place: { community: string; grid?: string } };
  repeated: boolean;
}

/**
 * Where people may file incidents and what their request ids reach: a report lands only in the
 * reporter's territory, a request id is the reporter's own, and a merge joins only incidents the
 * caller sees (a missing one and one out of scope alike "not found").
 */
describe.each(BACKENDS)('incident scope over the API (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const people = {
      operator: [{ role: 'operator', scope: STREET }],
      'other-operator': [{ role: 'operator', scope: OTHER_STREET }],
      'worker-a': [{ role: 'grid_worker', scope: GRID_A }],
      'worker-b': [{ role: 'grid_worker', scope: GRID_B }],
      property: [{ role: 'property_manager', scope: COMMUNITY }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      tokens[name] = (await signedIn(cloud(), `scope-${name}`, [...roles], '320803')).token;
    }
  }, 60_000);

  const report = (who: string, body: Record<string, unknown>) =>
    api<Reported>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens[who] as string,
      body: { source: 'hotline_12345', category: 'urban_management.manhole_cover', title: '井盖缺失', ...body },
    });
  const problem = (response: { body: unknown }) =>
    response.body as { code: string; detail: string; errors?: Array<{ pointer?: string }> };

  it('attack: re-posting another user’s request_id does not return their incident', async () => {
    const theirs = await report('worker-a', {
      request_id: 'ticket-0042',
      title: '独居老人求助',
      description: '3号楼2单元401 王奶奶 电话138…',
      community: COMMUNITY,
      grid: GRID_A,
    });
    expect(theirs.status).toBe(201);
    for (const [who, place] of [
      ['other-operator', { community: OTHER_COMMUNITY }],
      ['worker-b', { community: COMMUNITY, grid: GRID_B }],
    ] as const) {
      const replay = await report(who, { request_id: 'ticket-0042', title: '试探', ...place });
      expect(replay.status, who).toBe(201);
      expect(replay.body.repeated).toBe(false);
      expect(replay.body.incident.id).not.toBe(theirs.body.incident.id);
      expect(replay.body.incident.title).toBe('试探');
      expect(JSON.stringify(replay.body)).not.toContain('王奶奶');
    }
    // The reporter's own retry is still idempotent.
    const retry = await report('worker-a', {
      request_id: 'ticket-0042',
      title: '独居老人求助',
      community: COMMUNITY,
      grid: GRID_A,
    });
    expect(retry.body).toMatchObject({ repeated: true, incident: { id: theirs.body.incident.id } });
  });

  it('attack: pre-registering a hotline ticket number does not swallow the genuine report', async () => {
    const squatted = await report('worker-b', {
      request_id: '12345-20261125-0099',
      title: '无事',
      community: COMMUNITY,
      grid: GRID_B,
    });
    expect(squatted.status).toBe(201);
    const genuine = await report('operator', {
      request_id: '12345-20261125-0099',
      title: '燃气泄漏',
      community: COMMUNITY,
      grid: GRID_A,
    });
    expect(genuine.status).toBe(201);
    expect(genuine.body.repeated).toBe(false);
    expect(genuine.body.incident.id).not.toBe(squatted.body.incident.id);
    expect(genuine.body.incident).toMatchObject({ title: '燃气泄漏', place: { community: COMMUNITY, grid: GRID_A } });
  });

  it('attack: a grid worker cannot file an incident into another community by naming it beside their own grid', async () => {
    const filed = await report('worker-a', { request_id: 'cross-1', community: OTHER_COMMUNITY, grid: GRID_A });
    expect(filed.status).toBe(400);
    expect(problem(filed).errors).toEqual([expect.objectContaining({ pointer: '/grid' })]);
  });

  it('attack: an operator cannot file into a community outside their territory by naming a grid inside it', async () => {
    const filed = await report('operator', { request_id: 'cross-2', community: OTHER_COMMUNITY, grid: GRID_A });
    expect(filed.status).toBe(400);
    expect(problem(filed).errors).toEqual([expect.objectContaining({ pointer: '/grid' })]);
    const outside = await report('operator', { request_id: 'cross-3', community: OTHER_COMMUNITY });
    expect(outside.status).toBe(403);
    expect(problem(outside).errors).toEqual([expect.objectContaining({ pointer: '/community' })]);
  });

  it('attack: a property manager cannot file into another community’s grid', async () => {
    const filed = await report('property', { request_id: 'cross-4', community: COMMUNITY, grid: OTHER_GRID });
    expect(filed.status).toBe(400);
    expect(problem(filed).errors).toEqual([expect.objectContaining({ pointer: '/grid' })]);
    const { rows } = await cloud().db.query('SELECT id FROM incidents WHERE grid = $1', [OTHER_GRID]);
    expect(rows).toEqual([]);
    const own = await report('property', { request_id: 'own-1', community: COMMUNITY, grid: GRID_B });
    expect(own.status).toBe(201);
  });

  it('attack: an operator cannot merge an incident into an open incident outside their territory, nor probe which exist', async () => {
    const mine = await report('operator', { request_id: 'merge-mine', community: COMMUNITY, grid: GRID_A });
    const theirs = await report('other-operator', { request_id: 'merge-theirs', community: OTHER_COMMUNITY });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    const merge = (into: string, request: string) =>
      api(cloud(), 'POST', `/api/v1/incidents/${mine.body.incident.id}/transitions`, {
        token: tokens.operator as string,
        body: { action: 'merge', request_id: request, data: { into } },
      });
    const outOfScope = await merge(theirs.body.incident.id, 'merge-1');
    const missing = await merge('INC-20991231-999999', 'merge-2');
    for (const refused of [outOfScope, missing]) {
      expect(refused.status).toBe(404);
      expect(problem(refused).code).toBe('GL_INCIDENT_NOT_FOUND');
      expect(problem(refused).errors).toEqual([expect.objectContaining({ pointer: '/data/into' })]);
    }
    // Alike but for the id asked about.
    expect(problem(outOfScope).detail.replace(theirs.body.incident.id, '?')).toBe(
      problem(missing).detail.replace('INC-20991231-999999', '?'),
    );
    const untouched = await api<{ incident: { state: string; occurrences: number } }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${theirs.body.incident.id}`,
      { token: tokens['other-operator'] as string },
    );
    expect(untouched.body.incident).toMatchObject({ state: 'REPORTED', occurrences: 1 });
    // Inside the territory the merge works.
    const sibling = await report('operator', { request_id: 'merge-sibling', community: COMMUNITY, grid: GRID_B });
    const merged = await merge(sibling.body.incident.id, 'merge-3');
    expect(merged.status, JSON.stringify(merged.body)).toBe(200);
  });
});
