import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';

/** Waits (polling, no fixed sleep) until `done` holds. */
async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface Named {
  names: Record<string, string>;
}

/**
 * Names, not codes: the list and the detail name the community and grid, the assignee and the
 * people who took the steps, in the reader's language, so pages never show a bare code or UUID.
 */
describe.each(BACKENDS)('incident names over the API (%s)', (backend) => {
  const cloud = useTestCloud(backend);
  let operator = { token: '', id: '' };
  let incidentId = '';

  beforeAll(async () => {
    await cloud().db.query(
      `INSERT INTO territory_units (code, level, parent_code, name_zh, name_en) VALUES
         ('320803', 'district', NULL, '某区', 'Some District'),
         ('320803001', 'street', '320803', '一街道', NULL),
         ($1, 'community', '320803001', '幸福社区', 'Xingfu Community'),
         ($2, 'grid', $1, '幸福第一网格', NULL)`,
      [COMMUNITY, GRID],
    );
    const unit = await api(cloud(), 'POST', '/api/v1/disposal-units', {
      token: TEST_ADMIN_TOKEN,
      body: {
        id: 'unit-cover',
        name_zh: '井盖权属单位',
        name_en: 'Cover owner',
        unit_type: 'cover_owner',
        territory_code: '320803',
      },
    });
    expect(unit.status, JSON.stringify(unit.body)).toBe(201);
    const signed = await signedIn(cloud(), 'names-operator', [{ role: 'operator', scope: '320803001' }]);
    operator = { token: signed.token, id: signed.user.id };
    const report = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: operator.token,
      body: {
        request_id: 'names-1',
        source: 'patrol',
        category: 'urban_management.manhole_cover',
        title: '井盖缺失',
        community: COMMUNITY,
        grid: GRID,
      },
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    incidentId = report.body.incident.id;
    // Filed, the incident goes to the one eligible unit by itself (the system's own step).
    for (const action of ['accept', 'file']) {
      const step = await api(cloud(), 'POST', `/api/v1/incidents/${incidentId}/transitions`, {
        token: operator.token,
        body: { action, request_id: `names-${action}` },
      });
      expect(step.status, JSON.stringify(step.body)).toBe(200);
    }
    await until(async () => {
      const detail = await api<{ incident: { assignee: string | null } }>(
        cloud(),
        'GET',
        `/api/v1/incidents/${incidentId}`,
        { token: operator.token },
      );
      return detail.body.incident.assignee === 'unit-cover';
    }, 'the automatic dispatch');
  }, 60_000);

  it('names the place, the assignee and the actors in the detail', async () => {
    const detail = await api<Named>(cloud(), 'GET', `/api/v1/incidents/${incidentId}`, { token: operator.token });
    expect(detail.status).toBe(200);
    expect(detail.body.names).toEqual({
      [COMMUNITY]: '幸福社区',
      [GRID]: '幸福第一网格',
      'unit-cover': '井盖权属单位',
      [operator.id]: 'Test names-operator',
      'cloud:dispatch': '系统（自动派遣）',
    });
  });

  it('names them in the list, in English when asked, falling back to the Chinese name', async () => {
    const list = await api<Named & { incidents: Array<{ id: string }> }>(cloud(), 'GET', '/api/v1/incidents', {
      token: operator.token,
      headers: { 'accept-language': 'en' },
    });
    expect(list.status).toBe(200);
    expect(list.body.incidents.map((incident) => incident.id)).toEqual([incidentId]);
    expect(list.body.names).toEqual({
      [COMMUNITY]: 'Xingfu Community',
      [GRID]: '幸福第一网格',
      'unit-cover': 'Cover owner',
      [operator.id]: 'Test names-operator',
      'cloud:dispatch': 'system (automatic dispatch)',
    });
  });
});
