import type { IncidentState } from '@gridlink/protocol';
import { describe, expect, it } from 'vitest';
import type { Db } from '../db/db.js';
import { IncidentEngine, IncidentError, type IncidentRole, type ReportInput } from '../incidents/index.js';
import { BACKENDS, manualClock } from '../test-support.js';
import { type DeadlineSettingsInput, Deadlines, type EscalatedEvent, type SupervisedEvent } from './index.js';
import { useDeadlineDatabase } from './test-support.js';

/** Tenant local time (+08:00) as an instant. */
const local = (at: string) => new Date(`${at}:00+08:00`);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

const ROLE_OF: Record<string, IncidentRole> = {
  accept: 'operator',
  file: 'operator',
  dispatch: 'operator',
  sign: 'disposal_unit',
  finish: 'disposal_unit',
  startCheck: 'grid_worker',
  pass: 'grid_worker',
  close: 'operator',
  callbackSatisfied: 'callback_agent',
  suspend: 'operator',
  resume: 'operator',
  extend: 'operator',
};

describe.each(BACKENDS)('time limits on incidents (%s)', (backend) => {
  const database = useDeadlineDatabase(backend);

  function setup(start: string | Date, db: Db = database.db(), settings?: DeadlineSettingsInput) {
    const clock = manualClock(typeof start === 'string' ? start : start.toISOString());
    const engine = new IncidentEngine(db, clock);
    const deadlines = new Deadlines(db, engine, { clock, owner: unique('replica'), ...(settings ? { settings } : {}) });
    const supervised: SupervisedEvent[] = [];
    const escalated: EscalatedEvent[] = [];
    deadlines.on('supervised', (event) => supervised.push(event));
    deadlines.on('escalated', (event) => escalated.push(event));
    const report = async (overrides: Partial<ReportInput> = {}) =>
      (
        await engine.report({
          requestId: unique('intake'),
          source: 'hotline_12345',
          category: 'urban_management.manhole_cover',
          severity: 'minor',
          title: 'Manhole cover missing',
          place: { community: '320803001001' },
          actor: 'op-li',
          role: 'operator',
          ...overrides,
        })
      ).incident.id;
    const act = async (id: string, action: string, data?: Record<string, unknown>) =>
      engine.transition({
        incidentId: id,
        action,
        requestId: unique('req'),
        // Whoever did the work does not check it (separation of duties): a person per role.
        actor: `someone-${ROLE_OF[action] ?? 'operator'}`,
        role: ROLE_OF[action] ?? 'operator',
        ...(action === 'dispatch' ? { data: { assignee: 'unit-1' } } : data ? { data } : {}),
      });
    const walk = async (id: string, ...actions: string[]) => {
      for (const action of actions) await act(id, action);
    };
    const stepsOf = async (id: string, action?: string) =>
      (await engine.steps(id)).filter((step) => action === undefined || step.action === action);
    return { clock, engine, deadlines, supervised, escalated, report, act, walk, stepsOf };
  }

  describe('deadlines of each limited step', () => {
    it('runs file+dispatch from the report to the dispatch, then sign, handle, check, close and callback', async () => {
      // A Wednesday at 10:00 in Shanghai, an ordinary workday.
      const t = setup(local('2025-11-12T10:00'));
      const id = await t.report();
      const expected: Array<[string, IncidentState, Date | null]> = [];
      const check = async (action: string, state: IncidentState, deadline: Date | null) => {
        if (action !== 'report') await t.act(id, action);
        expected.push([action, state, deadline]);
      };
      await check('report', 'REPORTED', local('2025-11-12T10:30')); // file+dispatch 30 natural minutes
      t.clock.advance(5 * MINUTE);
      await check('accept', 'ACCEPTED', local('2025-11-12T10:30')); // the same clock runs on
      await check('file', 'FILED', local('2025-11-12T10:30'));
      await check('dispatch', 'DISPATCHED', local('2025-11-12T12:05')); // sign: 2 natural hours
      t.clock.advance(10 * MINUTE);
      await check('sign', 'IN_PROGRESS', local('2025-11-12T12:15')); // manhole cover: handled in 2 hours
      t.clock.advance(HOUR);
      await check('finish', 'HANDLED', local('2025-11-12T12:15')); // check: 1 natural hour
      await check('startCheck', 'CHECKING', local('2025-11-12T12:15'));
      await check('pass', 'PENDING_CLOSE', local('2025-11-13T17:30')); // close: 1 working day
      await check('close', 'CLOSED', local('2025-11-17T17:30')); // callback: 3 working days (Thu, Fri, Mon)
      await check('callbackSatisfied', 'EVALUATED', null);
      const steps = await t.stepsOf(id);
      expect(steps.map((step) => [step.action, step.toState, step.deadline])).toEqual(expected);
      // The light at the time of each step: the clock it ended or continued.
      expect(steps.map((step) => step.light)).toEqual([
        null,
        'green',
        'green',
        'green',
        'green',
        'green',
        'green',
        'green',
        'green',
        'green',
      ]);
    });

    it('counts working hours across a weekend', async () => {
      // Exposed garbage: 4 working hours; signed on Friday 14 November 2025 at 16:00.
      const t = setup(local('2025-11-14T15:50'));
      const id = await t.report({ category: 'urban_management.exposed_garbage' });
      await t.walk(id, 'accept', 'file', 'dispatch');
      t.clock.advance(10 * MINUTE);
      const { step } = await t.act(id, 'sign');
      // 16:00–17:30 on Friday, then 08:30–11:00 on Monday.
      expect(step.deadline).toEqual(local('2025-11-17T11:00'));
    });

    it('counts working days across National Day 2025 and its make-up workdays', async () => {
      // Closed on Saturday 27 September: the close clock of the day before runs into Sunday 28 (a make-up workday).
      const t = setup(local('2025-09-26T10:00'));
      const id = await t.report();
      await t.walk(id, 'accept', 'file', 'dispatch', 'sign', 'finish', 'startCheck');
      t.clock.advance(local('2025-09-27T10:00').getTime() - t.clock().getTime());
      const pass = await t.act(id, 'pass');
      expect(pass.step.deadline).toEqual(local('2025-09-28T17:30')); // 1 working day: Sunday 28, worked
      t.clock.advance(local('2025-09-30T10:00').getTime() - t.clock().getTime());
      const close = await t.act(id, 'close');
      // 3 working days after Tuesday 30 September: 1–8 October are off; Thursday 9, Friday 10, Saturday 11 (worked).
      expect(close.step.deadline).toEqual(local('2025-10-11T17:30'));
    });

    it('runs urgent incidents on natural time', async () => {
      const t = setup(local('2025-11-14T15:50'));
      const id = await t.report({ category: 'urban_management.exposed_garbage', urgent: true });
      await t.walk(id, 'accept', 'file', 'dispatch');
      t.clock.advance(10 * MINUTE);
      const { step } = await t.act(id, 'sign');
      expect(step.deadline).toEqual(local('2025-11-14T20:00')); // 4 hours, not 4 working hours
    });
  });

  describe('suspensions and extensions', () => {
    it('stops the clock while suspended and moves the deadline by the time paused', async () => {
      const t = setup(local('2025-11-12T10:00'));
      const id = await t.report();
      await t.walk(id, 'accept', 'file', 'dispatch', 'sign'); // handle: 2 hours, due 12:00
      t.clock.advance(30 * MINUTE);
      const suspend = await t.act(id, 'suspend');
      expect(suspend.step.deadline).toBeNull();
      t.clock.advance(HOUR);
      const incident = await t.engine.get(id);
      const paused = await t.deadlines.lightOf(incident as never, await t.stepsOf(id));
      expect(paused).toMatchObject({ step: 'handle', deadline: null, paused: true, light: 'green', used: 0.25 });
      const resume = await t.act(id, 'resume');
      expect(resume.step.deadline).toEqual(local('2025-11-12T13:00'));
      // Nothing fires at the old deadline.
      t.clock.advance(local('2025-11-12T12:30').getTime() - t.clock().getTime());
      await t.deadlines.sweep();
      expect(await t.stepsOf(id, 'overdue')).toEqual([]);
    });

    it('moves the deadline by the extra limit an approved extension carries', async () => {
      const t = setup(local('2025-11-12T10:00'));
      const id = await t.report();
      await t.walk(id, 'accept', 'file', 'dispatch', 'sign'); // due 12:00
      const refused = await t.act(id, 'extend').catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(IncidentError);
      expect((refused as IncidentError).code).toBe('GL_INCIDENT_INVALID_INPUT');
      const mixed = await t.act(id, 'extend', { extra: { value: 1, unit: 'working_days' } }).catch((err) => err);
      expect((mixed as IncidentError).code).toBe('GL_INCIDENT_INVALID_INPUT');
      const { step } = await t.act(id, 'extend', { extra: { value: 90, unit: 'natural_minutes' } });
      expect(step.deadline).toEqual(local('2025-11-12T13:30'));
      expect((await t.stepsOf(id)).at(-1)?.deadline).toEqual(local('2025-11-12T13:30'));
    });
  });

  describe('supervision and escalation', () => {
    it('raises supervision at yellow, red card and one level up at the breach, and again at a second breach', async () => {
      const t = setup(local('2025-11-12T10:00'));
      const id = await t.report();
      await t.walk(id, 'accept', 'file', 'dispatch', 'sign'); // handle 2 h: yellow 11:36, red after 12:00
      t.clock.advance(95 * MINUTE);
      await t.deadlines.sweep();
      expect(await t.engine.get(id)).toMatchObject({ supervision: 'none' });
      t.clock.advance(MINUTE);
      await t.deadlines.sweep();
      let incident = await t.engine.get(id);
      expect(incident).toMatchObject({ supervision: 'normal', level: 'community', state: 'IN_PROGRESS' });
      const mine = <T extends { incident: { id: string } }>(events: T[]) =>
        events.filter((event) => event.incident.id === id);
      expect(mine(t.supervised).map((event) => [event.supervision, event.reason])).toEqual([['normal', 'yellow']]);

      t.clock.advance(local('2025-11-12T12:00').getTime() - t.clock().getTime());
      await t.deadlines.sweep(); // at the deadline it is still yellow (red is above 100 %)
      expect(await t.stepsOf(id, 'overdue')).toEqual([]);
      t.clock.advance(MINUTE);
      await t.deadlines.sweep();
      incident = await t.engine.get(id);
      expect(incident).toMatchObject({ supervision: 'red_card', level: 'street', state: 'IN_PROGRESS' });
      const [overdue] = await t.stepsOf(id, 'overdue');
      expect(overdue).toMatchObject({
        fromState: 'IN_PROGRESS',
        toState: 'IN_PROGRESS',
        role: 'system',
        light: 'red',
        deadline: local('2025-11-12T14:01'), // a new clock at the new level
      });
      expect(overdue?.requestId).toMatch(/^timer:\d+$/);
      expect(mine(t.escalated)).toMatchObject([{ kind: 'level', level: 'street', limitedStep: 'handle' }]);

      // At the street level: yellow changes nothing (already a red card), the second breach escalates again.
      t.clock.advance(100 * MINUTE);
      await t.deadlines.sweep();
      expect(await t.stepsOf(id, 'supervise')).toHaveLength(1);
      expect(await t.stepsOf(id, 'overdue')).toHaveLength(1);
      t.clock.advance(21 * MINUTE);
      await t.deadlines.sweep();
      expect(await t.engine.get(id)).toMatchObject({ supervision: 'red_card', level: 'district' });
      expect(await t.stepsOf(id, 'overdue')).toHaveLength(2);
      expect(mine(t.escalated).map((event) => event.kind === 'level' && event.level)).toEqual(['street', 'district']);

      // At the district nobody is above: a third breach writes nothing more.
      t.clock.advance(3 * HOUR);
      await t.deadlines.sweep();
      expect(await t.stepsOf(id, 'overdue')).toHaveLength(2);
      const actions = (await t.stepsOf(id)).map((step) => step.action);
      expect(actions.slice(5)).toEqual(['supervise', 'overdue', 'overdue']);
    });

    it('lets two replicas race on the same due timers: one escalation per incident', async () => {
      const start = local('2025-11-12T10:00');
      const a = setup(start, database.db());
      const b = setup(start, database.second());
      const ids: string[] = [];
      for (let i = 0; i < 8; i += 1) ids.push(await a.report());
      a.clock.advance(31 * MINUTE); // file+dispatch: 30 minutes, so yellow and red are both due
      b.clock.advance(31 * MINUTE);
      const [handledA, handledB] = await Promise.all([a.deadlines.sweep(), b.deadlines.sweep()]);
      expect(handledA + handledB).toBeGreaterThanOrEqual(ids.length);
      for (const id of ids) {
        const steps = await a.stepsOf(id);
        expect(steps.filter((step) => step.action === 'overdue')).toHaveLength(1);
        expect(steps.filter((step) => step.action === 'supervise').length).toBeLessThanOrEqual(1);
        expect(await a.engine.get(id)).toMatchObject({ level: 'street', supervision: 'red_card' });
      }
      const ours = [...a.escalated, ...b.escalated].filter((event) => ids.includes(event.incident.id));
      expect(ours.map((event) => event.incident.id).sort()).toEqual([...ids].sort());
      // Nothing is left due; sweeping again on both writes nothing.
      await Promise.all([a.deadlines.sweep(), b.deadlines.sweep()]);
      for (const id of ids) expect(await a.stepsOf(id, 'overdue')).toHaveLength(1);
    });
  });

  describe('the unsigned life-safety chain', () => {
    it('tells the community, then the street, while nobody signs for an urgent incident', async () => {
      const t = setup(local('2025-11-12T10:00'));
      const id = await t.report({ category: 'emergency.gas_leak', severity: 'critical' });
      await t.walk(id, 'accept', 'file', 'dispatch');
      t.clock.advance(9 * MINUTE);
      await t.deadlines.sweep();
      expect(await t.stepsOf(id, 'notifyUp')).toEqual([]);
      t.clock.advance(MINUTE);
      await t.deadlines.sweep();
      t.clock.advance(10 * MINUTE);
      await t.deadlines.sweep();
      const chain = await t.stepsOf(id, 'notifyUp');
      expect(chain.map((step) => [step.data.notify, step.role, step.toState])).toEqual([
        ['community', 'system', 'DISPATCHED'],
        ['street', 'system', 'DISPATCHED'],
      ]);
      expect(
        t.escalated.filter((event) => event.kind === 'notification_chain' && event.incident.id === id),
      ).toMatchObject([
        { notify: 'community', unsignedMinutes: 10 },
        { notify: 'street', unsignedMinutes: 20 },
      ]);
    });

    it('stops once someone signs, and leaves non-urgent incidents alone', async () => {
      const t = setup(local('2025-11-12T10:00'));
      const urgent = await t.report({ category: 'emergency.gas_leak', severity: 'critical' });
      const ordinary = await t.report();
      await t.walk(urgent, 'accept', 'file', 'dispatch');
      t.clock.advance(5 * MINUTE);
      await t.act(urgent, 'sign');
      t.clock.advance(30 * MINUTE);
      await t.deadlines.sweep();
      expect(await t.stepsOf(urgent, 'notifyUp')).toEqual([]);
      expect(await t.stepsOf(ordinary, 'notifyUp')).toEqual([]);
    });

    it('runs for the tenant’s listed categories too, urgent or not', async () => {
      // A tenant that counts safety hazards (and their children) as life safety.
      const t = setup(local('2025-11-12T10:00'), database.db(), { unsignedCategories: ['safety'] });
      const blocked = await t.report({ category: 'safety.fire_lane', severity: 'major', urgent: false });
      const ordinary = await t.report();
      await t.walk(blocked, 'accept', 'file', 'dispatch');
      await t.walk(ordinary, 'accept', 'file', 'dispatch');
      t.clock.advance(10 * MINUTE);
      await t.deadlines.sweep();
      expect((await t.stepsOf(blocked, 'notifyUp')).map((step) => step.data.notify)).toEqual(['community']);
      expect(await t.stepsOf(ordinary, 'notifyUp')).toEqual([]);
    });
  });

  describe('lights on read', () => {
    it('reads green, yellow and red for the open step, and none for a finished loop', async () => {
      const t = setup(local('2025-11-12T10:00'));
      const id = await t.report(); // file+dispatch: 30 minutes
      const read = async (minutes: number) => {
        const incident = await t.engine.get(id);
        return t.deadlines.lightOf(
          incident as never,
          await t.stepsOf(id),
          new Date(local('2025-11-12T10:00').getTime() + minutes * MINUTE),
        );
      };
      expect(await read(10)).toMatchObject({
        step: 'file_dispatch',
        light: 'green',
        deadline: local('2025-11-12T10:30'),
      });
      expect(await read(24)).toMatchObject({ light: 'yellow' });
      expect(await read(30)).toMatchObject({ light: 'yellow' });
      expect(await read(31)).toMatchObject({ light: 'red', paused: false });
      await t.act(id, 'reject');
      expect(await read(40)).toBeNull();
    });
  });
});
