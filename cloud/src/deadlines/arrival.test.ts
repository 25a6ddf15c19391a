import { describe, expect, it } from 'vitest';
import { TIME_LIMIT_SEEDS } from '../categories/seeds.js';
import type { IncidentStep } from '../incidents/records.js';
import { STATE_MACHINE } from '../incidents/state-machine.js';
import { timeContext } from '../time-limits/index.js';
import { measuredSpan, responseStatus } from './arrival.js';
import { ARRIVAL_MEASURE } from './rules.js';

const ctx = timeContext();
const HOUR = { value: 1, unit: 'natural_hours' } as const;

let seq = 0;
function step(action: string, at: string, data: Record<string, unknown> = {}): IncidentStep {
  seq += 1;
  return {
    incidentId: 'INC-1',
    seq,
    requestId: `r-${seq}`,
    action,
    fromState: 'DISPATCHED',
    toState: 'DISPATCHED',
    version: seq,
    actor: 'worker-wang',
    role: 'grid_worker',
    comment: null,
    attachments: [],
    data,
    at: new Date(at),
    deadline: null,
    light: null,
    deadlineChange: null,
  };
}

describe('the arrival measure (到场时效), as data beside the time limits', () => {
  it('runs from dispatch to arrive, actions the state machine has, against a seeded limit of its own', () => {
    const actions = new Set(STATE_MACHINE.map((rule) => rule.action));
    for (const action of [...ARRIVAL_MEASURE.startsAt, ...ARRIVAL_MEASURE.endsAt]) expect(actions).toContain(action);
    expect(TIME_LIMIT_SEEDS).toContainEqual({
      category: '*',
      severity: '*',
      step: 'arrive',
      limit: { value: 1, unit: 'natural_hours' },
    });
    expect(TIME_LIMIT_SEEDS.some((rule) => rule.step === 'arrive' && rule.severity === 'critical')).toBe(true);
  });

  it('has not started before a dispatch', () => {
    const steps = [step('report', '2026-12-01T01:00:00Z'), step('accept', '2026-12-01T01:05:00Z')];
    expect(measuredSpan(steps, ARRIVAL_MEASURE)).toBeUndefined();
    expect(responseStatus(steps, ARRIVAL_MEASURE, HOUR, ctx, new Date('2026-12-01T02:00:00Z'))).toBeUndefined();
  });

  it('ends at the first arrival: on time within the limit, with the distance it recorded', () => {
    const steps = [
      step('dispatch', '2026-12-01T01:00:00Z'),
      step('arrive', '2026-12-01T01:40:00Z', { distance_m: 35 }),
      step('arrive', '2026-12-01T03:00:00Z', { distance_m: 4 }),
    ];
    expect(responseStatus(steps, ARRIVAL_MEASURE, HOUR, ctx, new Date('2026-12-01T05:00:00Z'))).toEqual({
      measure: 'arrival',
      started_at: new Date('2026-12-01T01:00:00Z'),
      due_by: new Date('2026-12-01T02:00:00Z'),
      ended_at: new Date('2026-12-01T01:40:00Z'),
      minutes: 40,
      on_time: true,
      distance_m: 35,
    });
  });

  it('is late past the limit, while running and once arrived; a re-dispatch starts the round again', () => {
    const dispatched = [step('dispatch', '2026-12-01T01:00:00Z')];
    const running = responseStatus(dispatched, ARRIVAL_MEASURE, HOUR, ctx, new Date('2026-12-01T01:30:00Z'));
    expect(running).toMatchObject({ ended_at: null, minutes: 30, on_time: null });
    const overdue = responseStatus(dispatched, ARRIVAL_MEASURE, HOUR, ctx, new Date('2026-12-01T02:30:00Z'));
    expect(overdue).toMatchObject({ ended_at: null, minutes: 90, on_time: false });

    const late = [...dispatched, step('arrive', '2026-12-01T02:10:00Z')];
    expect(responseStatus(late, ARRIVAL_MEASURE, HOUR, ctx, new Date('2026-12-01T03:00:00Z'))).toMatchObject({
      minutes: 70,
      on_time: false,
      distance_m: null,
    });

    const again = [...late, step('redispatch', '2026-12-01T04:00:00Z')];
    expect(responseStatus(again, ARRIVAL_MEASURE, HOUR, ctx, new Date('2026-12-01T04:20:00Z'))).toMatchObject({
      started_at: new Date('2026-12-01T04:00:00Z'),
      ended_at: null,
      on_time: null,
    });
  });
});
