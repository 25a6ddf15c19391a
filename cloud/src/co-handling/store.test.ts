import { beforeAll, describe, expect, it } from 'vitest';
import { IncidentEngine } from '../incidents/engine.js';
import { BACKENDS, manualClock, useMigratedDatabase } from '../test-support.js';
import { coHandlingGate } from './access.js';
import { CoTaskEscalation } from './escalation.js';
import { coTaskKpis } from './kpis.js';
import { CoHandlingStore } from './store.js';

const HOUR = 3_600_000;
const OPERATOR = { userId: 'op-li', role: 'operator' as const };
const unit = (id: string) => ({ userId: `user-${id}`, role: 'disposal_unit' as const });

/**
 * The co-handling store and the engine's guard, without HTTP: the engine itself refuses the lead's
 * step into HANDLED while a co-task is open; the operator's override (with a reason) lets it
 * through and is kept; the escalation sweep runs on the injected clock; the KPIs read the steps.
 */
describe.each(BACKENDS)('co-handling store and engine gate (%s)', (backend) => {
  const db = useMigratedDatabase(backend, { what: 'co-handling database' });
  const clock = manualClock('2026-11-23T01:00:00.000Z');
  let engine: IncidentEngine;
  let store: CoHandlingStore;
  let requests = 0;
  const request = () => {
    requests += 1;
    return `r-${requests}`;
  };

  beforeAll(async () => {
    engine = new IncidentEngine(db(), clock);
    store = new CoHandlingStore(db(), clock);
    engine.onGuard(coHandlingGate(store));
    for (const id of ['unit-lead', 'unit-road', 'unit-police'])
      await db().query(
        `INSERT INTO disposal_units (id, name_zh, name_en, unit_type, territory_code, created_at)
         VALUES ($1, $1, $1, 'any', '320803', $2)`,
        [id, clock()],
      );
  });

  /** Reported, filed, dispatched to the lead and signed for: IN_PROGRESS. */
  async function inProgress(): Promise<string> {
    const { incident } = await engine.report({
      requestId: request(),
      source: 'hotline_12345',
      category: 'urban_management.manhole_cover',
      title: '井盖缺失',
      place: { community: '320803001001', grid: '320803001001001' },
      actor: 'op-li',
      role: 'operator',
    });
    for (const [action, role, data] of [
      ['accept', 'operator'],
      ['file', 'operator'],
      ['dispatch', 'operator', { assignee: 'unit-lead' }],
      ['sign', 'disposal_unit'],
    ] as const)
      await engine.transition({
        incidentId: incident.id,
        action,
        requestId: request(),
        actor: role === 'operator' ? 'op-li' : 'user-unit-lead',
        role,
        ...(data ? { data } : {}),
      });
    return incident.id;
  }
  const finish = (id: string) =>
    engine.transition({
      incidentId: id,
      action: 'finish',
      requestId: request(),
      actor: 'user-unit-lead',
      role: 'disposal_unit',
    });

  it('refuses the step into HANDLED in the engine while a co-task is open, and lets it through once done', async () => {
    const id = await inProgress();
    await store.add(id, OPERATOR, {
      request_id: request(),
      co_units: [{ unit: 'unit-road', task: '修复路面' }],
      copy_units: ['unit-police'],
    });
    await expect(finish(id)).rejects.toMatchObject({ problem: 'GL_INCIDENT_ACTION_NOT_ALLOWED' });
    expect((await engine.get(id))?.state).toBe('IN_PROGRESS');
    const [task] = await store.tasksOf(id);
    await store.act(task?.id as string, unit('unit-road'), { action: 'done', request_id: request() });
    expect((await finish(id)).incident.state).toBe('HANDLED');
    // The copied unit reads, and only reads.
    expect(await store.involves(id, ['unit-police'])).toBe(true);
    expect(await store.involves(id, ['unit-police'], true)).toBe(false);
    expect(await store.involves(id, ['unit-lead'])).toBe(false);
  });

  it('keeps a refused task open until reassigned; an override needs open tasks and covers only those given before it', async () => {
    const id = await inProgress();
    await store.add(id, OPERATOR, {
      request_id: request(),
      co_units: [{ unit: 'unit-road', task: '修复' }],
      copy_units: [],
    });
    const [road] = await store.tasksOf(id);
    await store.act(road?.id as string, unit('unit-road'), {
      action: 'refuse',
      request_id: request(),
      reason: '不归我们',
    });
    await expect(finish(id)).rejects.toMatchObject({ problem: 'GL_INCIDENT_ACTION_NOT_ALLOWED' });
    const moved = await store.reassign(road?.id as string, OPERATOR, { request_id: request(), unit: 'unit-police' });
    expect(moved.task).toMatchObject({ unitId: 'unit-police', state: 'assigned', replaces: road?.id });
    await store.override(id, OPERATOR, request(), '主体完成，收尾不影响');
    // A task named after the override is not covered by it.
    clock.advance(1000);
    await store.add(id, OPERATOR, {
      request_id: request(),
      co_units: [{ unit: 'unit-road', task: '复查' }],
      copy_units: [],
    });
    await expect(finish(id)).rejects.toMatchObject({ problem: 'GL_INCIDENT_ACTION_NOT_ALLOWED' });
    clock.advance(1000);
    await store.override(id, OPERATOR, request(), '再次放行');
    expect((await finish(id)).incident.state).toBe('HANDLED');
    expect((await store.overridesOf(id)).map((o) => o.reason)).toEqual(['主体完成，收尾不影响', '再次放行']);
    const steps = (await engine.steps(id)).filter((s) => s.action.startsWith('co')).map((s) => s.action);
    expect(steps).toEqual(['coAssign', 'coRefuse', 'coReassign', 'coOverride', 'coAssign', 'coOverride']);
  });

  it('escalates an overdue co-task once on the injected clock, and counts it in the unit KPIs', async () => {
    const id = await inProgress();
    const told: string[] = [];
    const sweep = new CoTaskEscalation(db(), {
      clock,
      notify: async (notification) => {
        told.push(notification.key);
      },
    });
    await store.add(id, OPERATOR, {
      request_id: request(),
      co_units: [{ unit: 'unit-road', task: '修复', deadline: new Date(clock().getTime() + HOUR).toISOString() }],
      copy_units: [],
    });
    const [task] = (await store.tasksOf(id)).filter((t) => t.state === 'assigned');
    expect((await store.timeOf([task as NonNullable<typeof task>], clock())).get(task?.id as string)?.light).toBe(
      'green',
    );
    clock.advance(2 * HOUR);
    expect(await sweep.sweep()).toBeGreaterThanOrEqual(1);
    expect(await sweep.sweep()).toBe(0);
    expect(told).toContain(`${id}:co-overdue:${task?.id}`);
    const after = await store.task(task?.id as string);
    expect(after).toMatchObject({ supervision: 'red_card' });
    expect((await store.timeOf([after as NonNullable<typeof after>], clock())).get(task?.id as string)?.light).toBe(
      'red',
    );
    const kpis = await coTaskKpis(
      db(),
      { from: new Date('2026-11-01T00:00:00+08:00'), to: new Date('2026-12-01T00:00:00+08:00') },
      ['320803'],
      clock(),
    );
    const road = kpis.find((k) => k.unit === 'unit-road');
    // Done once on time (the first test), refused once, overdue at least once.
    expect(road?.counts).toMatchObject({ done: 1, doneOnTime: 1, refusals: 1 });
    expect(road?.counts.due).toBeGreaterThanOrEqual(2);
  });
});
