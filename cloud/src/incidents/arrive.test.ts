import { describe, expect, it } from 'vitest';
import { distanceMetres, wgs84ToGcj02 } from '../territory/index.js';
import { BACKENDS, manualClock } from '../test-support.js';
import { IncidentEngine } from './engine.js';
import { IncidentError } from './errors.js';
import type { ReportInput } from './inputs.js';
import { allowedActions, STATE_MACHINE } from './state-machine.js';
import { useIncidentDatabase } from './test-database.js';

// The gate of 河湖社区 building 3 (WGS-84), and a point about 80 m to its north-east.
const GATE = { lon: 119.0215, lat: 33.5975 };
const NEAR = { lon: 119.0221, lat: 33.598 };

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

describe('the arrive step in the state machine (到场签到)', () => {
  it('is offered to the assignee once the work is theirs, before and after signing, and keeps the state', () => {
    for (const state of ['DISPATCHED', 'IN_PROGRESS'] as const) {
      expect(allowedActions(STATE_MACHINE, state)).toContain('arrive');
      const rule = STATE_MACHINE.find((r) => r.from === state && r.action === 'arrive');
      expect(rule).toMatchObject({
        to: state,
        assigneeOnly: true,
        positionRequired: true,
        roles: ['grid_worker', 'disposal_unit'],
      });
    }
    for (const state of ['REPORTED', 'FILED', 'HANDLED', 'CLOSED'] as const)
      expect(allowedActions(STATE_MACHINE, state)).not.toContain('arrive');
  });
});

describe.each(BACKENDS)('arrival on site (%s)', (backend) => {
  const db = useIncidentDatabase(backend);
  const clock = manualClock('2026-12-01T02:00:00.000Z');
  const engine = () => new IncidentEngine(db(), clock);

  async function dispatched(overrides: Partial<ReportInput> = {}) {
    const e = engine();
    const { incident } = await e.report({
      requestId: unique('report'),
      source: 'patrol',
      category: 'urban_management.manhole_cover',
      title: 'Manhole cover missing',
      place: { community: '320803001001', grid: '320803001001001', building: '3', unit: '1' },
      actor: 'op-li',
      role: 'operator',
      ...overrides,
    });
    for (const [action, data] of [
      ['accept', undefined],
      ['file', undefined],
      ['dispatch', { assignee: 'worker-wang' }],
    ] as const)
      await e.transition({
        incidentId: incident.id,
        action,
        requestId: unique(action),
        actor: 'op-li',
        role: 'operator',
        ...(data ? { data } : {}),
      });
    return incident.id;
  }

  const arrive = (incidentId: string, position: unknown, requestId = unique('arrive')) =>
    engine().transition({
      incidentId,
      action: 'arrive',
      requestId,
      actor: 'worker-wang',
      role: 'grid_worker',
      data: { position },
    });

  async function refusal(work: Promise<unknown>): Promise<IncidentError> {
    const err = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IncidentError);
    return err as IncidentError;
  }

  it('records the fix and the distance to the incident’s own point; the state stays', async () => {
    const id = await dispatched({ position: { ...GATE, accuracyM: 8 } });
    expect((await engine().get(id))?.position).toEqual({ ...GATE, accuracyM: 8 });
    const at = new Date(clock().getTime() - 30_000).toISOString();
    const { incident, step, repeated } = await arrive(id, { ...NEAR, accuracy_m: 12, at });
    expect(repeated).toBe(false);
    expect(incident.state).toBe('DISPATCHED');
    expect(step).toMatchObject({ action: 'arrive', fromState: 'DISPATCHED', toState: 'DISPATCHED' });
    expect(step.data).toMatchObject({
      position: { ...NEAR, accuracy_m: 12, at, crs_sent: 'wgs84' },
      distance_m: Math.round(distanceMetres(NEAR, GATE)),
      distance_to: 'incident',
    });
    expect(step.data.distance_m).toBeGreaterThan(60);
    expect(step.data.distance_m).toBeLessThan(100);
  });

  it('converts a GCJ-02 fix to WGS-84 before measuring', async () => {
    const id = await dispatched({ position: { ...GATE } });
    const { step } = await arrive(id, { ...wgs84ToGcj02(GATE), accuracy_m: 5, crs: 'gcj02' });
    const recorded = step.data.position as { lon: number; lat: number; crs_sent: string };
    expect(recorded.crs_sent).toBe('gcj02');
    expect(recorded.lon).toBeCloseTo(GATE.lon, 7);
    expect(recorded.lat).toBeCloseTo(GATE.lat, 7);
    expect(step.data.distance_m).toBe(0);
  });

  it('measures to the building when the incident has no point of its own, and to nothing when that is unknown', async () => {
    const q = db();
    await q.query(
      `INSERT INTO territory_units (code, level, parent_code, name_zh) VALUES
         ('320803', 'district', NULL, '淮安区'), ('320803001', 'street', '320803', '街道'),
         ('320803001001', 'community', '320803001', '河湖社区')
       ON CONFLICT DO NOTHING`,
    );
    await q.query(
      `INSERT INTO territory_buildings (community_code, building, unit, floors, households, lon, lat)
       VALUES ('320803001001', '3', '1', 6, 24, $1, $2) ON CONFLICT (community_code, building, unit) DO UPDATE
       SET lon = excluded.lon, lat = excluded.lat`,
      [GATE.lon, GATE.lat],
    );
    const placed = await dispatched();
    const { step } = await arrive(placed, { ...NEAR, accuracy_m: 10 });
    expect(step.data).toMatchObject({ distance_m: Math.round(distanceMetres(NEAR, GATE)), distance_to: 'building' });

    const nowhere = await dispatched({ place: { community: '320803001001', building: '99', unit: '1' } });
    const blind = await arrive(nowhere, { ...NEAR, accuracy_m: 10 });
    expect(blind.step.data).toMatchObject({ distance_m: null, distance_to: null });
  });

  it('also after signing, and repeating the request id counts once', async () => {
    const id = await dispatched({ position: GATE });
    await engine().transition({
      incidentId: id,
      action: 'sign',
      requestId: unique('sign'),
      actor: 'worker-wang',
      role: 'grid_worker',
    });
    const first = await arrive(id, { ...NEAR, accuracy_m: 10 }, 'arrive-once');
    const again = await arrive(id, { ...NEAR, accuracy_m: 10 }, 'arrive-once');
    expect(first.incident.state).toBe('IN_PROGRESS');
    expect(again.repeated).toBe(true);
    expect(again.step.seq).toBe(first.step.seq);
    const arrivals = (await engine().steps(id)).filter((s) => s.action === 'arrive');
    expect(arrivals).toHaveLength(1);
  });

  it('refuses absurd accuracy, a fix in the future or a day old, and a missing position, naming the field', async () => {
    const id = await dispatched({ position: GATE });
    const coarse = await refusal(arrive(id, { ...NEAR, accuracy_m: 50_000 }));
    expect(coarse.details).toMatchObject({ pointer: '/data/position/accuracy_m' });
    const zero = await refusal(arrive(id, { ...NEAR, accuracy_m: 0 }));
    expect(zero.details).toMatchObject({ pointer: '/data/position/accuracy_m' });
    const future = new Date(clock().getTime() + 3600_000).toISOString();
    const ahead = await refusal(arrive(id, { ...NEAR, accuracy_m: 10, at: future }));
    expect(ahead.details).toMatchObject({ pointer: '/data/position/at', need: 'position_future' });
    const old = new Date(clock().getTime() - 2 * 86_400_000).toISOString();
    const stale = await refusal(arrive(id, { ...NEAR, accuracy_m: 10, at: old }));
    expect(stale.details).toMatchObject({ pointer: '/data/position/at', need: 'position_stale' });
    const missing = await refusal(arrive(id, undefined));
    expect(missing.details).toMatchObject({ pointer: '/data/position' });
    expect((await engine().steps(id)).some((s) => s.action === 'arrive')).toBe(false);
  });

  it('is not a step before dispatch', async () => {
    const { incident } = await engine().report({
      requestId: unique('report'),
      source: 'patrol',
      category: 'urban_management.manhole_cover',
      title: 'Manhole cover missing',
      place: { community: '320803001001' },
      actor: 'op-li',
      role: 'operator',
    });
    const err = await refusal(arrive(incident.id, { ...NEAR, accuracy_m: 10 }));
    expect(err.code).toBe('GL_INCIDENT_ACTION_NOT_ALLOWED');
  });
});
