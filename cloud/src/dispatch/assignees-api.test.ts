import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID_A = '320803001001001';
const GRID_B = '320803001001002';

/**
 * A manual dispatch goes to a real unit or person eligible for the category and the place, chosen
 * from the suggestions the API lists for the incident; anything else is refused naming the field.
 * A dispatch can be recalled (撤回) or re-dispatched (改派) with a reason, before and after signing
 * (docs/domain.md §3), and the KPIs count the work for the assignee who kept it.
 */
describe.each(BACKENDS)('who a dispatch may go to, and taking it back (%s)', (backend) => {
  const cloud = useTestCloud(backend, { dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let incident = '';

  beforeAll(async () => {
    // The operator dispatches by hand here (automatic dispatch would send it to the brigade at once).
    const settings = await api<Record<string, unknown>>(cloud(), 'GET', '/api/v1/settings/dispatch', {
      token: TEST_ADMIN_TOKEN,
    });
    const manual = await api(cloud(), 'PUT', '/api/v1/settings/dispatch', {
      token: TEST_ADMIN_TOKEN,
      body: { ...settings.body, auto_dispatch: false },
    });
    expect(manual.status, JSON.stringify(manual.body)).toBe(200);
    const units = [
      // Fire and rescue over the whole district: serves the incident's place, though above the operator's street.
      { id: 'fire-district', name_zh: '区消防救援大队', name_en: 'District fire brigade', unit_type: 'fire_rescue' },
      { id: 'gas-co', name_zh: '港华燃气', name_en: 'Towngas', unit_type: 'gas_company' },
    ];
    for (const unit of units) {
      const created = await api(cloud(), 'POST', '/api/v1/disposal-units', {
        token: TEST_ADMIN_TOKEN,
        body: { ...unit, territory_code: '320803' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
    }
    const people = {
      operator: [{ role: 'operator', scope: '320803001' }],
      'worker-a': [{ role: 'grid_worker', scope: GRID_A }],
      'worker-b': [{ role: 'grid_worker', scope: GRID_B }],
      fire: [{ role: 'disposal_unit', scope: 'fire-district' }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-assignees-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    const report = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
      token: tokens.operator as string,
      body: {
        request_id: 'assignees-1',
        source: 'patrol',
        category: 'emergency.fire',
        severity: 'major',
        title: '楼道冒烟',
        community: COMMUNITY,
        grid: GRID_A,
      },
    });
    expect(report.status, JSON.stringify(report.body)).toBe(201);
    incident = report.body.incident.id;
  }, 60_000);

  const transition = (who: string, action: string, request: string, extra: Record<string, unknown> = {}) =>
    api<{ incident: { state: string; assignee: string | null } }>(
      cloud(),
      'POST',
      `/api/v1/incidents/${incident}/transitions`,
      { token: tokens[who] as string, body: { action, request_id: request, ...extra } },
    );
  const names = async (who: string) => {
    const response = await api<{ actions: Array<{ action: string }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${incident}/actions`,
      { token: tokens[who] as string },
    );
    return (response.body.actions ?? []).map((a) => a.action).sort();
  };
  const facts = async () =>
    (
      await cloud().db.query<{ assignee: string | null; should_handle: boolean }>(
        'SELECT assignee, should_handle FROM incident_kpi_facts WHERE incident_id = $1',
        [incident],
      )
    ).rows[0];

  it('suggests the units and grid workers eligible for the category and place', async () => {
    expect((await transition('operator', 'accept', 'a-accept')).status).toBe(200);
    expect((await transition('operator', 'file', 'a-file')).status).toBe(200);
    const response = await api<{ assignees: Array<{ kind: string; id: string; name: { zh: string } }> }>(
      cloud(),
      'GET',
      `/api/v1/incidents/${incident}/assignees`,
      { token: tokens.operator as string },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.assignees.map((a) => [a.kind, a.id])).toEqual([
      ['disposal_unit', 'fire-district'],
      ['grid_worker', ids['worker-a']],
    ]);
    expect(response.body.assignees[0]?.name.zh).toBe('区消防救援大队');
    // Out of scope: not found, as for the incident itself.
    const outside = await api(cloud(), 'GET', `/api/v1/incidents/${incident}/assignees`, {
      token: tokens['worker-b'] as string,
    });
    expect(outside.status).toBe(404);
  });

  it('refuses an assignee that does not exist or is not eligible, naming the field and why in the reader’s language', async () => {
    // Whom it may go to, by name in Chinese (the picker's names), by id in English.
    const eligibleZh = `可选：区消防救援大队、Test ${backend}-assignees-worker-a`;
    for (const [assignee, zh, en] of [
      ['nobody-here', '没有编号为 nobody-here 的责任单位或网格员', 'no disposal unit or active grid worker'],
      ['gas-co', '港华燃气不承办此类事件，或不服务事发地', 'not eligible'],
      [ids['worker-b'], `Test ${backend}-assignees-worker-b不是事发网格的在岗网格员`, 'not eligible'],
    ] as const) {
      const response = await transition('operator', 'dispatch', `a-dispatch-${assignee}`, { data: { assignee } });
      expect(response.status, assignee).toBe(400);
      expect(response.body).toMatchObject({
        code: 'GL_INCIDENT_ASSIGNEE_NOT_ELIGIBLE',
        title: '承办对象不符合条件',
        errors: [{ pointer: '/data/assignee', detail: `${zh}；${eligibleZh}` }],
      });
      const english = await api(cloud(), 'POST', `/api/v1/incidents/${incident}/transitions`, {
        token: tokens.operator as string,
        headers: { 'accept-language': 'en' },
        body: { action: 'dispatch', request_id: `a-dispatch-en-${assignee}`, data: { assignee } },
      });
      expect(english.body).toMatchObject({
        title: 'Assignee not eligible',
        errors: [
          {
            pointer: '/data/assignee',
            detail: expect.stringMatching(new RegExp(`${en}.*; eligible: fire-district, ${ids['worker-a']}$`)),
          },
        ],
      });
    }
    expect(await cloud().incidents.get(incident)).toMatchObject({ state: 'FILED', assignee: null });
  });

  it('re-dispatches (改派) and recalls (撤回) with a reason, before and after signing', async () => {
    const dispatched = await transition('operator', 'dispatch', 'a-dispatch', { data: { assignee: ids['worker-a'] } });
    expect(dispatched.status, JSON.stringify(dispatched.body)).toBe(200);
    expect(await names('operator')).toEqual(['recall', 'redispatch', 'supervise']);
    // A reason is required.
    const bare = await transition('operator', 'redispatch', 'a-redispatch-bare', {
      data: { assignee: 'fire-district' },
    });
    expect(bare.status).toBe(400);
    expect(bare.body).toMatchObject({ errors: [{ pointer: '/comment' }] });
    // Before signing: to the fire brigade instead; the worker no longer has it.
    const moved = await transition('operator', 'redispatch', 'a-redispatch', {
      data: { assignee: 'fire-district' },
      comment: '明火，转消防',
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.incident).toMatchObject({ state: 'DISPATCHED', assignee: 'fire-district' });
    expect((await facts())?.assignee).toBe('fire-district');
    expect(await names('worker-a')).toEqual([]);
    // After signing: recalled to the centre, which decides again.
    expect((await transition('fire', 'sign', 'a-sign')).status).toBe(200);
    expect(await names('operator')).toEqual(['extend', 'recall', 'redispatch', 'supervise', 'suspend']);
    const recalled = await transition('operator', 'recall', 'a-recall', { comment: '重复派遣，撤回' });
    expect(recalled.status, JSON.stringify(recalled.body)).toBe(200);
    expect(recalled.body.incident).toMatchObject({ state: 'FILED', assignee: null });
    const steps = await cloud().incidents.steps(incident);
    expect(steps.slice(-3).map((step) => [step.action, step.comment])).toEqual([
      ['redispatch', '明火，转消防'],
      ['sign', null],
      ['recall', '重复派遣，撤回'],
    ]);
    // Nobody holds the work: no assignee is counted as having had it, and it is not due for handling.
    expect(await facts()).toEqual({ assignee: null, should_handle: false });
  });
});
