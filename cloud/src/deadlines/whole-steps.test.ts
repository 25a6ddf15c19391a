import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../db/db.js';
import { IncidentEngine, type IncidentRole } from '../incidents/index.js';
import { BACKENDS, manualClock, useTestCloud } from '../test-support.js';
import { Deadlines } from './index.js';
import { useDeadlineDatabase } from './test-support.js';

/** Tenant local time (+08:00) as an instant. */
const local = (at: string) => new Date(`${at}:00+08:00`);
const MINUTE = 60_000;

/** A trigger that refuses every update of a step, for the suite: a step must be written whole. */
function refuseStepUpdates(db: () => Db): void {
  beforeAll(async () => {
    await db().query(`
      CREATE FUNCTION test_refuse_step_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'step % of % updated after it was written', OLD.seq, OLD.incident_id; END $$`);
    await db().query(`CREATE TRIGGER test_no_step_update BEFORE UPDATE ON incident_steps
      FOR EACH ROW EXECUTE FUNCTION test_refuse_step_update()`);
  });
  afterAll(async () => {
    await db().query('DROP TRIGGER test_no_step_update ON incident_steps');
    await db().query('DROP FUNCTION test_refuse_step_update()');
  });
}

/** The timers still to fire of an incident, earliest first. */
async function timersOf(db: Db, incidentId: string) {
  const { rows } = await db.query<{ kind: string; due_at: Date }>(
    'SELECT kind, due_at FROM incident_timers WHERE incident_id = $1 AND cancelled_at IS NULL ORDER BY due_at',
    [incidentId],
  );
  return rows.map((row) => [row.kind, row.due_at.toISOString()]);
}

/**
 * A step is written once, whole: the time limits plan its deadline, light and deadline change
 * before it is written, so no step is updated afterwards (each update of a step would recompute the
 * incident's KPI facts a second time). A trigger refuses every update of a step while these run.
 */
describe.each(BACKENDS)('steps written whole with their time limit (%s)', (backend) => {
  const database = useDeadlineDatabase(backend);
  refuseStepUpdates(database.db);

  it('writes a reported incident’s steps with their deadlines, lights and changes, then its timers', async () => {
    const clock = manualClock(local('2025-11-12T10:00').toISOString());
    const engine = new IncidentEngine(database.db(), clock);
    new Deadlines(database.db(), engine, { clock, owner: `whole-${backend}` });
    let counter = 0;
    const act = (action: string, role: IncidentRole, data?: Record<string, unknown>) =>
      engine.transition({
        incidentId: incident.id,
        action,
        requestId: `whole-${backend}-${++counter}`,
        actor: `someone-${role}`,
        role,
        ...(data === undefined ? {} : { data }),
      });
    const { incident } = await engine.report({
      requestId: `whole-${backend}-report`,
      source: 'hotline_12345',
      category: 'urban_management.manhole_cover',
      severity: 'minor',
      title: 'Manhole cover missing',
      place: { community: '320803001001' },
      actor: 'op-li',
      role: 'operator',
    });
    clock.advance(5 * MINUTE);
    await act('accept', 'operator');
    await act('file', 'operator');
    await act('dispatch', 'operator', { assignee: 'unit-1' });
    const signed = await act('sign', 'disposal_unit');
    expect(signed.step.deadline).toEqual(local('2025-11-12T12:05')); // manhole cover: handled in 2 hours
    clock.advance(30 * MINUTE);
    await act('suspend', 'operator');
    clock.advance(60 * MINUTE);
    const resumed = await act('resume', 'operator');
    // The handle clock stood still for the hour suspended.
    expect(resumed.step.deadlineChange).toMatchObject({ reason: 'resumed', step: 'handle' });
    const extended = await act('extend', 'operator', { extra: { value: 90, unit: 'natural_minutes' } });
    expect(extended.step.deadlineChange).toMatchObject({ reason: 'extended', step: 'handle' });

    const steps = await engine.steps(incident.id);
    expect(steps.map((step) => [step.action, step.deadline?.toISOString() ?? null, step.light])).toEqual([
      ['report', local('2025-11-12T10:30').toISOString(), null],
      ['accept', local('2025-11-12T10:30').toISOString(), 'green'],
      ['file', local('2025-11-12T10:30').toISOString(), 'green'],
      ['dispatch', local('2025-11-12T12:05').toISOString(), 'green'],
      ['sign', local('2025-11-12T12:05').toISOString(), 'green'],
      ['suspend', null, 'green'],
      ['resume', local('2025-11-12T13:05').toISOString(), 'green'],
      ['extend', local('2025-11-12T14:35').toISOString(), 'green'],
    ]);
    // Red the first millisecond past the deadline.
    expect((await timersOf(database.db(), incident.id)).at(-1)).toEqual([
      'red',
      new Date(local('2025-11-12T14:35').getTime() + 1).toISOString(),
    ]);
  });
});

describe.each(BACKENDS)('alert incidents written whole with their time limit (%s)', (backend) => {
  const clock = manualClock(local('2025-11-12T10:00').toISOString());
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000, deadlineSweepMs: 3_600_000 });
  refuseStepUpdates(() => cloud().db);

  it('writes the creation steps of a batch of alerts with their deadlines, and their timers', async () => {
    const alert = (n: number): CloudEvent => {
      const data: AlertPayload = {
        alert_id: `whole-${backend}-${n}`,
        rule_id: 'smoke-confirmed',
        device_id: `smoke-whole-${n}`,
        state: 'active',
        severity: 'major',
        category: 'emergency.fire',
        since: clock().toISOString(),
        last_seen: clock().toISOString(),
        occurrences: 1,
        message: { zh: '烟感报警', en: 'Smoke alarm' },
        place: { community: '320803001001', building: `w${n}`, unit: '1', floor: 1 },
      };
      return createCloudEvent({
        id: `evt-whole-${backend}-${n}`,
        type: 'cn.gridlink.alert.raised.v1',
        gatewayId: 'gw-320803-001',
        deviceId: data.device_id,
        time: clock().toISOString(),
        data,
        priority: 'alarm',
      }) as CloudEvent;
    };
    const outcomes = await cloud().incidents.fromAlerts([alert(1), alert(2)]);
    const ids = outcomes.map((outcome) => ('incident' in outcome ? outcome.incident.id : undefined));
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['created', 'created']);
    for (const id of ids as string[]) {
      const [created] = await cloud().incidents.steps(id);
      expect(created?.deadline, id).toBeInstanceOf(Date);
      expect(created?.deadline?.getTime(), id).toBeGreaterThan(clock().getTime());
      expect(created?.deadlineChange, id).toMatchObject({ reason: 'started' });
      const red = (await timersOf(cloud().db, id)).find(([kind]) => kind === 'red');
      expect(red, id).toEqual(['red', new Date((created?.deadline?.getTime() ?? 0) + 1).toISOString()]);
    }
  });
});
