import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const STREET = '320803001';
const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const HOUR = 3_600_000;
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('site')]);

const UNITS = {
  'unit-lead': ['井盖权属单位', 'Cover owner', 'cover_owner'],
  'unit-road': ['市政道路养护', 'Road maintenance', 'road_maintenance'],
  'unit-police': ['交警大队', 'Traffic police', 'traffic_police'],
  'unit-water': ['自来水公司', 'Water company', 'water_company'],
  'unit-copy': ['街道办事处', 'Street office', 'street_office'],
  'unit-other': ['港华燃气', 'Towngas', 'gas_company'],
} as const;
type Unit = keyof typeof UNITS;

interface Task {
  id: string;
  unit: string;
  state: string;
  light: string | null;
  outcome: string | null;
  deadline: string;
  supervision: string;
  escalated_at: string | null;
  refusal_reason: string | null;
  steps: Array<{ action: string; actor: string; at: string; comment: string | null; attachments: unknown[] }>;
}
interface Panel {
  lead: string;
  tasks: Task[];
  copies: Array<{ unit: string }>;
  overrides: Array<{ reason: string; actor: string }>;
  open_tasks: number;
}
interface Step {
  action: string;
  actor: string;
  role: string;
  at: string;
  comment: string | null;
  fromState: string;
  toState: string;
}

/**
 * Co-handling (多部门联动) over the API, on the running cloud and its engine: the operator names a
 * lead, co-handling units and copied units; each unit answers its task; the lead cannot report
 * handled while a task is open, unless an operator overrides with a reason; a refused task goes to
 * another unit; a silent unit is escalated by the sweep on the injected clock; KPIs per unit come
 * from the step records.
 */
describe.each(BACKENDS)('co-handling over the API (%s)', (backend) => {
  const clock = manualClock('2026-11-23T01:00:00.000Z'); // Monday 09:00 in China: working time
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let requests = 0;
  /** A fresh request id: each call here is a new request (repeats are tested on purpose). */
  const fresh = (what: string) => {
    requests += 1;
    return `${what}-${requests}`;
  };

  beforeAll(async () => {
    const settings = await api<Record<string, unknown>>(cloud(), 'GET', '/api/v1/settings/dispatch', {
      token: TEST_ADMIN_TOKEN,
    });
    await api(cloud(), 'PUT', '/api/v1/settings/dispatch', {
      token: TEST_ADMIN_TOKEN,
      body: { ...settings.body, auto_dispatch: false },
    });
    for (const [id, [zh, en, type]] of Object.entries(UNITS)) {
      const made = await api(cloud(), 'POST', '/api/v1/disposal-units', {
        token: TEST_ADMIN_TOKEN,
        body: { id, name_zh: zh, name_en: en, unit_type: type, territory_code: '320803' },
      });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
    }
    const people: Record<string, Array<{ role: 'operator' | 'disposal_unit'; scope: string }>> = {
      operator: [{ role: 'operator', scope: STREET }],
      'other-operator': [{ role: 'operator', scope: '320803002' }],
      ...Object.fromEntries(Object.keys(UNITS).map((unit) => [unit, [{ role: 'disposal_unit', scope: unit }]])),
    };
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-co-${name}`, roles);
      tokens[name] = token;
      ids[name] = user.id;
    }
  }, 60_000);

  const call = <T = Record<string, unknown>>(who: string, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, `/api/v1${path}`, {
      token: tokens[who] as string,
      ...(body === undefined ? {} : { body }),
    });
  const act = async (who: string, incident: string, action: string, data?: Record<string, unknown>) =>
    call(who, 'POST', `/incidents/${incident}/transitions`, {
      action,
      request_id: fresh(`${incident}-${action}-${who}`),
      ...(data ? { data } : {}),
    });
  const must = async (response: Promise<{ status: number; body: unknown }>, status = 200) => {
    const answered = await response;
    expect(answered.status, JSON.stringify(answered.body)).toBe(status);
    return answered.body;
  };
  /** Reported, accepted, filed and dispatched to the lead unit, which signs: in progress. */
  const inProgress = async (title: string) => {
    const reported = (await must(
      call('operator', 'POST', '/incidents', {
        request_id: `${backend}-${title}`,
        source: 'hotline_12345',
        category: 'urban_management.manhole_cover',
        title,
        community: COMMUNITY,
        grid: GRID,
      }),
      201,
    )) as { incident: { id: string } };
    const id = reported.incident.id;
    await must(act('operator', id, 'accept'));
    await must(act('operator', id, 'file'));
    await must(act('operator', id, 'dispatch', { assignee: 'unit-lead' }));
    await must(act('unit-lead', id, 'sign'));
    return id;
  };
  const add = (incident: string, body: Record<string, unknown>, who = 'operator') =>
    call<Panel>(who, 'POST', `/incidents/${incident}/co-handling`, { request_id: fresh('add'), ...body });
  const panel = async (incident: string, who = 'operator') =>
    (await must(call<Panel>(who, 'GET', `/incidents/${incident}/co-handling`))) as Panel;
  const taskOf = (p: Panel, unit: Unit) => p.tasks.find((t) => t.unit === unit && t.state !== 'reassigned') as Task;
  const answer = (who: Unit, task: string, body: Record<string, unknown>) =>
    call(who, 'POST', `/co-tasks/${task}/actions`, {
      request_id: fresh(`${who}-${String(body.action)}`),
      ...body,
    });
  const steps = async (incident: string) =>
    ((await must(call<{ steps: Step[] }>('operator', 'GET', `/incidents/${incident}`))) as { steps: Step[] }).steps;

  it('gates the lead until both co-handling units are done; a refusal is reassigned; every change is a step', async () => {
    const id = await inProgress('道路塌陷联办');
    const added = await add(id, {
      co_units: [
        { unit: 'unit-road', task: '封闭道路并修复路面' },
        { unit: 'unit-police', task: '现场交通疏导' },
      ],
      copy_units: ['unit-copy'],
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body.lead).toBe('unit-lead');
    expect(added.body.tasks.map((t) => [t.unit, t.state, t.light])).toEqual([
      ['unit-road', 'assigned', 'green'],
      ['unit-police', 'assigned', 'green'],
    ]);
    // The deadline defaults to the category's handling limit, counted from now.
    expect(new Date((added.body.tasks[0] as Task).deadline).getTime()).toBeGreaterThan(clock().getTime());
    expect(added.body.copies).toEqual([expect.objectContaining({ unit: 'unit-copy' })]);
    // The units named are told: each co-handling unit of its task, the copied unit for information.
    const told = await cloud().db.query<{ key: string }>(
      `SELECT key FROM notification_log WHERE incident_id = $1 AND key LIKE $2 ORDER BY key`,
      [id, `${id}:co-%`],
    );
    expect(told.rows.map((row) => row.key)).toEqual([
      `${id}:co-copy:unit-copy`,
      `${id}:co-task:unit-police`,
      `${id}:co-task:unit-road`,
    ]);

    // The gate: the lead may not report handled while a task is open (the engine refuses it).
    const blocked = await act('unit-lead', id, 'finish');
    expect(blocked.status).toBe(409);
    expect(blocked.body).toMatchObject({ code: 'GL_INCIDENT_ACTION_NOT_ALLOWED' });
    expect(String(blocked.body.detail)).toContain('unit-road');

    // The road unit accepts, reports on site with a photo, and is done.
    const road = taskOf(added.body, 'unit-road');
    await must(answer('unit-road', road.id, { action: 'accept' }));
    const upload = await fetch(`${cloud().url}/api/v1/incidents/${id}/attachments?tag=site`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['unit-road']}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(upload.status).toBe(201);
    const photo = ((await upload.json()) as { id: string }).id;
    await must(answer('unit-road', road.id, { action: 'feedback', comment: '已封闭道路', attachments: [photo] }));
    const empty = await answer('unit-road', road.id, { action: 'feedback', comment: '' });
    expect(empty.status).toBe(400);
    clock.advance(HOUR);
    await must(answer('unit-road', road.id, { action: 'done' }));

    // The police refuse: the centre sees the reason and reassigns to the water company.
    const police = taskOf(added.body, 'unit-police');
    const noReason = await answer('unit-police', police.id, { action: 'refuse', reason: ' ' });
    expect(noReason.status).toBe(400);
    await must(answer('unit-police', police.id, { action: 'refuse', reason: '不属于本单位职责' }));
    const refused = taskOf(await panel(id), 'unit-police');
    expect(refused).toMatchObject({ state: 'refused', refusal_reason: '不属于本单位职责' });
    expect((await act('unit-lead', id, 'finish')).status).toBe(409);
    const reassigned = (await must(
      call<Panel>('operator', 'POST', `/co-tasks/${police.id}/reassign`, {
        request_id: 'reassign-1',
        unit: 'unit-water',
      }),
      201,
    )) as Panel;
    const water = taskOf(reassigned, 'unit-water');
    expect(water).toMatchObject({ state: 'assigned' });
    expect(reassigned.tasks.find((t) => t.id === police.id)?.state).toBe('reassigned');
    // A unit with no task of that id learns nothing of it.
    expect((await answer('unit-road', water.id, { action: 'accept' })).status).toBe(404);
    await must(answer('unit-water', water.id, { action: 'done', comment: '管道已修复' }));

    // All done: the lead reports handled and the loop goes on.
    const handled = await must(act('unit-lead', id, 'finish'));
    expect(handled).toMatchObject({ incident: { state: 'HANDLED' } });

    const history = await steps(id);
    const co = history.filter((s) => s.action.startsWith('co'));
    expect(co.map((s) => [s.action, s.actor])).toEqual([
      ['coAssign', ids.operator],
      ['coAccept', ids['unit-road']],
      ['coFeedback', ids['unit-road']],
      ['coDone', ids['unit-road']],
      ['coRefuse', ids['unit-police']],
      ['coReassign', ids.operator],
      ['coDone', ids['unit-water']],
    ]);
    // Co-handling keeps the incident's state: each step is from and to the state it was in.
    expect(co.every((s) => s.fromState === 'IN_PROGRESS' && s.toState === 'IN_PROGRESS')).toBe(true);
    expect(co.find((s) => s.action === 'coRefuse')?.comment).toBe('不属于本单位职责');
    const feedback = taskOf(await panel(id), 'unit-road').steps.find((s) => s.action === 'coFeedback');
    expect(feedback).toMatchObject({
      comment: '已封闭道路',
      attachments: [expect.objectContaining({ tag: 'co_feedback' })],
    });
  });

  it('lets a copied unit read the incident but not act; an unrelated unit gets not found', async () => {
    const id = await inProgress('抄告只读');
    const added = await add(id, { co_units: [{ unit: 'unit-road', task: '修复' }], copy_units: ['unit-copy'] });
    expect(added.status).toBe(201);
    const road = taskOf(added.body, 'unit-road');
    // The copied unit reads the incident, its co-handling and its files.
    expect((await call('unit-copy', 'GET', `/incidents/${id}`)).status).toBe(200);
    expect((await call('unit-copy', 'GET', `/incidents/${id}/co-handling`)).status).toBe(200);
    expect((await call('unit-copy', 'GET', `/incidents/${id}/attachments`)).status).toBe(200);
    // …and can do nothing: no step of the loop, no co-task, no upload, no co-handling change.
    expect((await act('unit-copy', id, 'finish')).status).toBe(404);
    expect((await answer('unit-copy', road.id, { action: 'done' })).status).toBe(404);
    const upload = await fetch(`${cloud().url}/api/v1/incidents/${id}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens['unit-copy']}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(upload.status).toBe(403);
    expect((await add(id, { copy_units: ['unit-other'] }, 'unit-copy')).status).toBe(403);
    // A co-handling unit reads too, but takes no step of the lead's.
    expect((await call('unit-road', 'GET', `/incidents/${id}`)).status).toBe(200);
    expect((await act('unit-road', id, 'finish')).status).toBe(404);
    // An unrelated unit and another street's operator: not found, everywhere.
    for (const who of ['unit-other', 'other-operator']) {
      expect((await call(who, 'GET', `/incidents/${id}`)).status, who).toBe(404);
      expect((await call(who, 'GET', `/incidents/${id}/co-handling`)).status, who).toBe(404);
    }
    expect((await answer('unit-other', road.id, { action: 'accept' })).status).toBe(404);
    expect(
      (await call('other-operator', 'POST', `/co-tasks/${road.id}/reassign`, { request_id: 'x', unit: 'unit-other' }))
        .status,
    ).toBe(404);
    // The lead's own unit reads its co-handling.
    expect((await call('unit-lead', 'GET', `/incidents/${id}/co-handling`)).status).toBe(200);
  });

  it('refuses bad co-handling input naming the field', async () => {
    const id = await inProgress('输入校验');
    const lead = await add(id, { co_units: [{ unit: 'unit-lead', task: '自己协办自己' }] });
    expect(lead.status).toBe(400);
    expect(lead.body).toMatchObject({ errors: [{ pointer: '/co_units/0/unit' }] });
    const unknown = await add(id, { co_units: [{ unit: 'unit-nobody', task: '不存在' }] });
    expect(unknown.body).toMatchObject({ errors: [{ pointer: '/co_units/0/unit' }] });
    const past = await add(id, {
      co_units: [{ unit: 'unit-road', task: '已过期', deadline: '2020-01-01T00:00:00+08:00' }],
    });
    expect(past.body).toMatchObject({ errors: [{ pointer: '/co_units/0/deadline' }] });
    const nothing = await add(id, {});
    expect(nothing.status).toBe(400);
    expect(nothing.body).toMatchObject({ errors: [{ pointer: '/co_units' }] });
  });

  it('lets an operator override the gate with a reason, recorded; never without one', async () => {
    const id = await inProgress('放行');
    await must(add(id, { co_units: [{ unit: 'unit-road', task: '修复' }] }), 201);
    expect((await act('unit-lead', id, 'finish')).status).toBe(409);
    const without = await call('operator', 'POST', `/incidents/${id}/co-handling/override`, {
      request_id: 'o-1',
      reason: '',
    });
    expect(without.status).toBe(400);
    expect(without.body).toMatchObject({ errors: [{ pointer: '/reason' }] });
    expect((await act('unit-lead', id, 'finish')).status).toBe(409);
    // Only the centre overrides: not the lead.
    expect(
      (
        await call('unit-lead', 'POST', `/incidents/${id}/co-handling/override`, {
          request_id: 'o-2',
          reason: '我说可以',
        })
      ).status,
    ).toBe(403);
    const overridden = (await must(
      call<Panel>('operator', 'POST', `/incidents/${id}/co-handling/override`, {
        request_id: 'o-3',
        reason: '主体工程已完成，协办收尾不影响结案',
      }),
    )) as Panel;
    expect(overridden.overrides).toEqual([
      expect.objectContaining({ reason: '主体工程已完成，协办收尾不影响结案', actor: ids.operator }),
    ]);
    await must(act('unit-lead', id, 'finish'));
    const recorded = (await steps(id)).find((s) => s.action === 'coOverride');
    expect(recorded).toMatchObject({
      actor: ids.operator,
      role: 'operator',
      comment: '主体工程已完成，协办收尾不影响结案',
    });
  });

  it('escalates a co-task whose deadline passed to the centre, once, on the injected clock', async () => {
    const id = await inProgress('协办超时');
    const due = new Date(clock().getTime() + 2 * HOUR).toISOString();
    const added = (await must(
      add(id, { co_units: [{ unit: 'unit-road', task: '修复', deadline: due }] }),
      201,
    )) as Panel;
    const task = taskOf(added, 'unit-road');
    expect(task.light).toBe('green');
    clock.advance(1.7 * HOUR);
    expect(taskOf(await panel(id), 'unit-road').light).toBe('yellow');
    expect(await cloud().coHandling.escalation.sweep()).toBe(0);
    clock.advance(0.5 * HOUR);
    // Tasks of the earlier incidents may fall due too: each is escalated once, this one among them.
    expect(await cloud().coHandling.escalation.sweep()).toBeGreaterThanOrEqual(1);
    expect(await cloud().coHandling.escalation.sweep()).toBe(0);
    const after = taskOf(await panel(id), 'unit-road');
    expect(after).toMatchObject({ light: 'red', supervision: 'red_card' });
    expect(after.escalated_at).not.toBeNull();
    const overdue = (await steps(id)).filter((s) => s.action === 'coOverdue');
    expect(overdue).toEqual([expect.objectContaining({ actor: 'cloud:co-handling', role: 'system' })]);
    const { rows } = await cloud().db.query<{ key: string }>(
      'SELECT key FROM notification_log WHERE incident_id = $1 AND key LIKE $2',
      [id, '%:co-overdue:%'],
    );
    expect(rows.map((row) => row.key)).toEqual([`${id}:co-overdue:${task.id}`]);
    // The unit's own list shows the task red and marked.
    const list = (await must(call<{ tasks: Task[] }>('unit-road', 'GET', '/co-tasks'))) as { tasks: Task[] };
    expect(list.tasks.find((t) => t.id === task.id)).toMatchObject({ light: 'red', supervision: 'red_card' });
  });

  it('computes co-task KPIs per unit from the step records', async () => {
    const from = '2026-11-01T00:00:00+08:00';
    const to = '2026-12-01T00:00:00+08:00';
    const kpis = (await must(
      call('operator', 'GET', `/co-handling/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`),
    )) as {
      units: Array<{ unit: string; counts: Record<string, number>; values: Record<string, number | null> }>;
    };
    const of = (unit: string) => kpis.units.find((u) => u.unit === unit);
    // The police refused once; the water company did the reassigned task on time.
    expect(of('unit-police')?.values.co_task_refusals).toBe(1);
    expect(of('unit-water')?.counts).toMatchObject({ done: 1, doneOnTime: 1 });
    expect(of('unit-water')?.values.co_task_on_time_rate).toBe(1);
    // The road unit: done on time in the first incident (an hour of handling); the overdue task is due and late.
    expect(of('unit-road')?.counts.done).toBe(1);
    expect(of('unit-road')?.values.co_task_average_handling_hours).toBe(1);
    // Due: that one, and the open tasks whose deadline has passed (the overdue one at least).
    const due = of('unit-road')?.counts.due ?? 0;
    expect(due).toBeGreaterThanOrEqual(2);
    expect(of('unit-road')?.values.co_task_on_time_rate).toBe(Math.round((1 / due) * 10_000) / 10_000);
    const bad = await call(
      'operator',
      'GET',
      `/co-handling/kpis?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`,
    );
    expect(bad.status).toBe(400);
    expect(
      (
        await call(
          'unit-road',
          'GET',
          `/co-handling/kpis?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
        )
      ).status,
    ).toBe(403);
  });
});
