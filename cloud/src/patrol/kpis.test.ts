import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { distanceMetres, type LonLat } from '../territory/gcj02.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, BACKENDS, manualClock, useTestCloud } from '../test-support.js';
import type { PatrolKpis } from './kpis.js';
import type { PatrolRoute } from './plans.js';
import type { PatrolSession } from './sessions.js';

const [GRID1, GRID2] = FIXTURE.grids as unknown as [string, string];
/** Building 3’s entrance in grid 1, and a walk of three fixes 20 m apart towards it, ten seconds apart (no gap). */
const ENTRANCE = { lon: 119.141, lat: 33.501 };
const WALK = [
  { lon: 119.14036, lat: 33.501 },
  { lon: 119.14058, lat: 33.501 },
  { lon: 119.1408, lat: 33.501 },
];
const china = (hhmm: string) => new Date(`2026-11-25T${hhmm}:00+08:00`);

/**
 * Patrol KPIs (巡查考核) over one day of one worker, counted by hand from what the day holds: two
 * rounds planned, the morning's walked in full, the afternoon's missing a checkpoint; two street
 * reports, one rejected; one dispatch answered by an arrival twelve minutes later.
 */
describe.each(BACKENDS)('patrol KPIs (%s)', (backend) => {
  const clock = manualClock(china('08:20').toISOString());
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let route: PatrolRoute;

  const call = <T = Record<string, unknown>>(who: string, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, path, { token: tokens[who], ...(body === undefined ? {} : { body }) });
  const ok = async <T = Record<string, unknown>>(who: string, method: string, path: string, body?: unknown) => {
    const response = await call<T>(who, method, path, body);
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
    return response.body;
  };
  /** The manual clock moves forward or back to `time`. */
  const setTo = (time: Date) => clock.advance(time.getTime() - clock().getTime());
  const at = (hhmm: string) => setTo(china(hhmm));

  /** One round: start, the walk’s fixes, check-ins, end half an hour after the start. */
  const round = async (name: string, start: string, checkins: Array<Record<string, unknown>>) => {
    at(start);
    const { session } = await ok<{ session: PatrolSession }>('worker', 'POST', '/api/v1/patrol/sessions', {
      request_id: name,
      route_id: route.id,
    });
    const t0 = clock().getTime();
    setTo(new Date(t0 + 3 * 60_000));
    await ok('worker', 'POST', `/api/v1/patrol/sessions/${session.id}/positions`, {
      batch_id: `${name}-b1`,
      sent_at: clock().toISOString(),
      positions: WALK.map((p, i) => ({ ...p, at: new Date(t0 + i * 10_000).toISOString(), accuracy_m: 5 })),
    });
    for (const [i, checkin] of checkins.entries())
      await ok('worker', 'POST', `/api/v1/patrol/sessions/${session.id}/checkins`, {
        request_id: `${name}-c${i}`,
        at: clock().toISOString(),
        ...checkin,
      });
    setTo(new Date(t0 + 30 * 60_000));
    await ok('worker', 'POST', `/api/v1/patrol/sessions/${session.id}/end`, {});
  };

  beforeAll(async () => {
    await seedFixtureTerritory(new TerritoryStore(cloud().db));
    const cast = {
      operator: [{ role: 'operator', scope: FIXTURE.street }],
      worker: [{ role: 'grid_worker', scope: GRID1 }],
      worker2: [{ role: 'grid_worker', scope: GRID2 }],
      property: [{ role: 'property_manager', scope: FIXTURE.community }],
    } as const;
    for (const [name, roles] of Object.entries(cast)) {
      const signed = await signedIn(cloud(), `${backend}-pkpi-${name}`, [...roles], FIXTURE.community);
      tokens[name] = signed.token;
      ids[name] = signed.user.id;
    }
    route = await ok<PatrolRoute>('operator', 'POST', `/api/v1/patrol/grids/${GRID1}/routes`, {
      name: '河下巡查一线',
      rounds_per_day: 2,
      windows: [
        { from: '08:00', to: '12:00' },
        { from: '14:00', to: '18:00' },
      ],
      checkpoints: [
        { kind: 'point', name: '3 号楼门口', ...ENTRANCE, radius_m: 30 },
        { kind: 'tag', name: '配电房', tag_code: `${backend}-KPI-TAG-1` },
      ],
    });
    const checkpoint = route.checkpoints[0]?.id;
    await round('kpi-morning', '08:30', [
      { checkpoint_id: checkpoint, ...ENTRANCE, accuracy_m: 5 },
      { tag_code: `${backend}-KPI-TAG-1` },
    ]);
    await round('kpi-afternoon', '14:10', [{ checkpoint_id: checkpoint, ...ENTRANCE, accuracy_m: 5 }]);

    // Two street reports; the centre rejects one as invalid.
    at('10:00');
    const reports: string[] = [];
    for (const n of [1, 2]) {
      const filed = await ok<{ incident: { id: string } }>('worker', 'POST', '/api/v1/incidents', {
        request_id: `kpi-report-${n}`,
        source: 'patrol',
        category: 'urban_management.manhole_cover',
        title: `井盖缺失 ${n}`,
        location: { ...ENTRANCE, crs: 'wgs84', accuracy_m: 8 },
      });
      reports.push(filed.incident.id);
    }
    await ok('operator', 'POST', `/api/v1/incidents/${reports[1]}/transitions`, {
      action: 'reject',
      request_id: 'kpi-reject',
      comment: '重复上报',
    });

    // A hotline incident dispatched to the worker at 15:00; they arrive at 15:12, and again at 15:20.
    at('15:00');
    const hotline = await ok<{ incident: { id: string } }>('operator', 'POST', '/api/v1/incidents', {
      request_id: 'kpi-hotline',
      source: 'hotline_12345',
      category: 'urban_management.manhole_cover',
      title: '3 号楼井盖缺失',
      community: FIXTURE.community,
      grid: GRID1,
      building: '3',
      unit: '1',
    });
    const id = hotline.incident.id;
    for (const [action, data] of [['accept'], ['file'], ['dispatch', { assignee: ids.worker }]] as const)
      await ok('operator', 'POST', `/api/v1/incidents/${id}/transitions`, {
        action,
        request_id: `kpi-${action}`,
        ...(data ? { data } : {}),
      });
    for (const hhmm of ['15:12', '15:20']) {
      at(hhmm);
      await ok('worker', 'POST', `/api/v1/incidents/${id}/transitions`, {
        action: 'arrive',
        request_id: `kpi-arrive-${hhmm}`,
        data: { position: { ...ENTRANCE, accuracy_m: 6 } },
      });
    }
    at('20:00');
  }, 120_000);

  it('counts the day exactly: rounds and checkpoints, metres and minutes, reports, arrivals', async () => {
    const kpis = await ok<PatrolKpis>('operator', 'GET', '/api/v1/kpis/patrol?from=2026-11-25&to=2026-11-26');
    const worker = kpis.workers.find((w) => w.worker_id === ids.worker);
    const walked = Math.round(
      2 * (distanceMetres(WALK[0] as LonLat, WALK[1] as LonLat) + distanceMetres(WALK[1] as LonLat, WALK[2] as LonLat)),
    );
    const expected = {
      rounds_planned: 2,
      rounds_done: 1,
      round_rate: 50,
      checkpoints_planned: 4,
      checkpoints_reached: 3,
      checkpoint_rate: 75,
      checkins_flagged: 0,
      patrols: 2,
      distance_m: walked,
      patrol_minutes: 60,
      reports_filed: 2,
      reports_valid: 1,
      arrivals: 1,
      arrival_median_minutes: 12,
    };
    expect(worker).toMatchObject({ grids: [GRID1], ...expected });
    expect(kpis.grids.find((g) => g.grid_code === GRID1)).toMatchObject(expected);
    // A worker with no route planned nothing: no rate rather than 0 %.
    expect(kpis.workers.find((w) => w.worker_id === ids.worker2)).toMatchObject({
      rounds_planned: 0,
      round_rate: null,
      arrival_median_minutes: null,
    });
  });

  it('counts a round only once it is due: the evening before, the afternoon round is not yet planned', async () => {
    const noon = china('12:30');
    const saved = clock();
    setTo(noon);
    try {
      const kpis = await ok<PatrolKpis>('operator', 'GET', '/api/v1/kpis/patrol?from=2026-11-25&to=2026-11-26');
      expect(kpis.workers.find((w) => w.worker_id === ids.worker)).toMatchObject({ rounds_planned: 1, rounds_done: 1 });
    } finally {
      setTo(saved);
    }
  });

  it('exports the sheet as CSV in the reader’s language, and keeps it to the caller’s territory', async () => {
    const csv = await fetch(`${cloud().url}/api/v1/kpis/patrol.csv?from=2026-11-25&to=2026-11-26`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(csv.status).toBe(200);
    // Read as bytes: fetch's text() would drop the byte-order mark Excel needs.
    const text = Buffer.from(await csv.arrayBuffer()).toString('utf8');
    expect(text.startsWith('\uFEFF层级,编码,名称,应巡轮次,到位轮次,巡查到位率(%)')).toBe(true);
    expect(text).toContain(`网格员,${ids.worker},`);
    expect(text).toContain(`网格,${GRID1},河下社区第1网格,2,1,50,4,3,75,`);

    // A worker of grid 2 reads their own grid, not grid 1; a property manager reads no KPIs.
    expect(
      (await call('worker2', 'GET', `/api/v1/kpis/patrol?from=2026-11-25&to=2026-11-26&territory=${GRID1}`)).status,
    ).toBe(403);
    const own = await ok<PatrolKpis>('worker2', 'GET', '/api/v1/kpis/patrol?from=2026-11-25&to=2026-11-26');
    expect(own.workers.map((w) => w.worker_id)).toEqual([ids.worker2]);
    expect((await call('property', 'GET', '/api/v1/kpis/patrol?from=2026-11-25&to=2026-11-26')).status).toBe(403);
    const bad = await call<{ errors: Array<{ parameter?: string; pointer?: string }> }>(
      'operator',
      'GET',
      '/api/v1/kpis/patrol?from=2026-11-26&to=2026-11-25',
    );
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.errors)).toContain('to');
  });
});
