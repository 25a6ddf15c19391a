import { beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../people/audit.js';
import { signedIn } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { PatrolRoute } from './plans.js';
import type { PatrolBatchResult, PatrolDay, PatrolLive, PatrolTrajectory } from './routes.js';
import type { PatrolCheckin, PatrolSession } from './sessions.js';
import type { PatrolTask } from './tasks.js';

const [GRID1, GRID2] = FIXTURE.grids as unknown as [string, string, string];
/** 08:30 in China. */
const clock = manualClock('2026-11-25T00:30:00.000Z');
const iso = (offsetS: number) => new Date(clock().getTime() + offsetS * 1000).toISOString();
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('checkpoint')]);

interface Problem {
  code: string;
  detail: string;
  errors?: Array<{ pointer?: string; parameter?: string; detail: string }>;
}

describe('patrol over HTTP', () => {
  const cloud = useTestCloud('pglite', { clock });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let route: PatrolRoute;
  let otherRoute: PatrolRoute;
  let session: PatrolSession;

  const call = <T = Problem>(
    who: string,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ) =>
    api<T>(cloud(), method, path, {
      token: who === 'admin' ? TEST_ADMIN_TOKEN : tokens[who],
      ...(body === undefined ? {} : { body }),
      ...(headers === undefined ? {} : { headers }),
    });

  beforeAll(async () => {
    await seedFixtureTerritory(new TerritoryStore(cloud().db));
    const cast = {
      operator: [{ role: 'operator', scope: FIXTURE.street }],
      outsider: [{ role: 'operator', scope: '320804' }],
      worker: [{ role: 'grid_worker', scope: GRID1 }],
      peer: [{ role: 'grid_worker', scope: GRID1 }],
      chief: [{ role: 'grid_worker', scope: GRID1 }],
      worker2: [{ role: 'grid_worker', scope: GRID2 }],
    } as const;
    for (const [name, roles] of Object.entries(cast)) {
      const signed = await signedIn(cloud(), `patrol-${name}`, [...roles], FIXTURE.community);
      tokens[name] = signed.token;
      ids[name] = signed.user.id;
    }
    await cloud().db.query(
      "INSERT INTO grid_members (grid_code, user_id, position, created_at) VALUES ($1, $2, 'grid_chief', now())",
      [GRID1, ids.chief],
    );
  }, 60_000);

  it('lets the grid chief and the operators plan routes, not the workers or others, with tag codes unique', async () => {
    const body = {
      name: '河下巡查一线',
      rounds_per_day: 2,
      checkpoints: [
        { kind: 'point', name: '3 号楼门口', lon: 119.141, lat: 33.501, radius_m: 30 },
        { kind: 'tag', name: '配电房', tag_code: 'TAG-G1-0001', lon: 119.1412, lat: 33.5015 },
      ],
    };
    expect((await call('worker', 'POST', `/api/v1/patrol/grids/${GRID1}/routes`, body)).status).toBe(403);
    expect((await call('outsider', 'POST', `/api/v1/patrol/grids/${GRID1}/routes`, body)).status).toBe(403);
    const made = await call<PatrolRoute>('chief', 'POST', `/api/v1/patrol/grids/${GRID1}/routes`, body);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    route = made.body;
    expect(route.checkpoints.map((c) => [c.seq, c.kind])).toEqual([
      [1, 'point'],
      [2, 'tag'],
    ]);
    const other = await call<PatrolRoute>('operator', 'POST', `/api/v1/patrol/grids/${GRID2}/routes`, {
      name: '二网格',
      rounds_per_day: 1,
      windows: [{ from: '08:00', to: '12:00' }],
      checkpoints: [{ kind: 'tag', name: '东门', tag_code: 'TAG-G2-0001' }],
    });
    expect(other.status).toBe(201);
    otherRoute = other.body;
    const taken = await call('operator', 'POST', `/api/v1/patrol/grids/${GRID2}/routes`, {
      name: '重复',
      rounds_per_day: 1,
      checkpoints: [{ kind: 'tag', name: '西门', tag_code: 'TAG-G1-0001' }],
    });
    expect(taken.status).toBe(400);
    expect(taken.body.errors?.[0]?.pointer).toBe('/checkpoints/0/tag_code');
    const windows = await call('operator', 'POST', `/api/v1/patrol/grids/${GRID2}/routes`, {
      name: '窗口',
      rounds_per_day: 2,
      windows: [{ from: '08:00', to: '12:00' }],
      checkpoints: [{ kind: 'tag', name: '北门', tag_code: 'TAG-G2-0009' }],
    });
    expect(windows.status).toBe(400);
    expect(windows.body.errors?.[0]?.pointer).toBe('/windows');
    expect((await call('worker', 'GET', `/api/v1/patrol/grids/${GRID1}/routes`)).status).toBe(200);
    expect((await call('worker2', 'GET', `/api/v1/patrol/grids/${GRID1}/routes`)).status).toBe(403);
  });

  it('has the operator assign special tasks to a worker of the grid, which the worker finishes', async () => {
    const task = {
      grid_code: GRID1,
      worker_id: ids.worker,
      kind: 'visit_household',
      title: '走访 3 号楼 2 单元独居老人',
      place: '3-2-501',
      due_at: iso(4 * 3600),
    };
    expect((await call('chief', 'POST', '/api/v1/patrol/tasks', task)).status).toBe(403);
    const wrong = await call('operator', 'POST', '/api/v1/patrol/tasks', { ...task, worker_id: ids.worker2 });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors?.[0]?.pointer).toBe('/worker_id');
    const made = await call<PatrolTask>('operator', 'POST', '/api/v1/patrol/tasks', task);
    expect(made.status).toBe(201);
    expect(made.body.state).toBe('open');
    expect((await call('peer', 'POST', `/api/v1/patrol/tasks/${made.body.id}/done`, { note: '已走访' })).status).toBe(
      404,
    );
    const day = await call<PatrolDay>('worker', 'GET', '/api/v1/patrol/day');
    expect(day.body.date).toBe('2026-11-25');
    expect(day.body.tasks.map((t) => t.id)).toEqual([made.body.id]);
    expect(day.body.routes[0]?.rounds.map((r) => r.state)).toEqual(['left', 'left']);
    expect(day.body.left).toEqual({ rounds: 2, tasks: 1 });
    const done = await call<PatrolTask>('worker', 'POST', `/api/v1/patrol/tasks/${made.body.id}/done`, {
      note: '已走访，老人身体良好',
    });
    expect(done.body.state).toBe('done');
    const listed = await call<{ tasks: PatrolTask[] }>('operator', 'GET', `/api/v1/patrol/tasks?grid=${GRID1}`);
    expect(listed.body.tasks.map((t) => t.state)).toEqual(['done']);
  });

  it('starts a patrol once per request id, only on a route of the worker’s own grid', async () => {
    const foreign = await call('worker', 'POST', '/api/v1/patrol/sessions', {
      request_id: 'r-0',
      route_id: otherRoute.id,
    });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors?.[0]?.pointer).toBe('/route_id');
    const started = await call<{ session: PatrolSession }>('worker', 'POST', '/api/v1/patrol/sessions', {
      request_id: 'r-1',
      route_id: route.id,
    });
    expect(started.status).toBe(201);
    session = started.body.session;
    const again = await call<{ session: PatrolSession }>('worker', 'POST', '/api/v1/patrol/sessions', {
      request_id: 'r-1',
      route_id: route.id,
    });
    expect(again.status).toBe(200);
    expect(again.body.session.id).toBe(session.id);
    const stale = await call('worker', 'POST', '/api/v1/patrol/sessions', {
      request_id: 'r-old',
      route_id: route.id,
      started_at: iso(-30 * 3600),
    });
    expect(stale.body.errors?.[0]?.pointer).toBe('/started_at');
    const second = await call('worker', 'POST', '/api/v1/patrol/sessions', { request_id: 'r-2', route_id: route.id });
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('GL_PATROL_CONFLICT');
  });

  it('takes batches of positions: each bad one refused by field, duplicates counted, replays stored once', async () => {
    clock.advance(60_000);
    const at = (s: number) => iso(s - 60);
    const batch = {
      batch_id: 'b-1',
      sent_at: iso(0),
      positions: [
        { at: at(20), lon: 119.1408, lat: 33.5008, accuracy_m: 8 },
        { at: at(10), lon: 119.1406, lat: 33.5006, accuracy_m: 8 },
        { at: at(30), lon: 119.141, lat: 33.501, accuracy_m: 6 },
        { at: at(10), lon: 119.1406, lat: 33.5006, accuracy_m: 8 },
        { at: at(40), lon: 119.141, lat: 33.501, accuracy_m: 0 },
        { at: at(50), lon: 119.141, lat: 33.501, accuracy_m: 900 },
        { at: iso(3600), lon: 119.141, lat: 33.501, accuracy_m: 5 },
        { at: iso(-7200), lon: 119.141, lat: 33.501, accuracy_m: 5 },
        { at: at(45), lon: 'east', lat: 33.501, accuracy_m: 5 },
      ],
    };
    const first = await call<PatrolBatchResult>(
      'worker',
      'POST',
      `/api/v1/patrol/sessions/${session.id}/positions`,
      batch,
      {
        'accept-language': 'en',
      },
    );
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ accepted: 3, duplicates: 1, replayed: false, clock_corrected: false });
    expect(first.body.refused.map((r) => [r.index, r.pointer, r.code])).toEqual([
      [4, '/positions/4/accuracy_m', 'accuracy_absurd'],
      [5, '/positions/5/accuracy_m', 'accuracy_absurd'],
      [6, '/positions/6/at', 'time_future'],
      [7, '/positions/7/at', 'time_before_start'],
      [8, '/positions/8/lon', 'invalid'],
    ]);
    expect(first.body.refused[1]?.detail).toContain('900');
    const replay = await call<PatrolBatchResult>(
      'worker',
      'POST',
      `/api/v1/patrol/sessions/${session.id}/positions`,
      batch,
    );
    expect(replay.body).toMatchObject({ accepted: 3, duplicates: 1, replayed: true });
    const overlap = await call<PatrolBatchResult>('worker', 'POST', `/api/v1/patrol/sessions/${session.id}/positions`, {
      ...batch,
      batch_id: 'b-2',
      positions: batch.positions.slice(0, 3),
    });
    expect(overlap.body).toMatchObject({ accepted: 0, duplicates: 3 });
    const { rows } = await cloud().db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM patrol_positions WHERE session_id = $1',
      [Number(session.id)],
    );
    expect(rows[0]?.n).toBe(3);
    expect((await call('peer', 'POST', `/api/v1/patrol/sessions/${session.id}/positions`, batch)).status).toBe(404);
  });

  it('corrects a phone clock hours off by the offset its sent_at shows, and says so', async () => {
    const hours = 3 * 3600;
    const off = await call<PatrolBatchResult>('worker', 'POST', `/api/v1/patrol/sessions/${session.id}/positions`, {
      batch_id: 'b-3',
      sent_at: iso(-hours),
      positions: [{ at: iso(-hours - 5), lon: 119.1411, lat: 33.5011, accuracy_m: 7 }],
    });
    expect(off.body).toMatchObject({ accepted: 1, clock_corrected: true, clock_offset_ms: hours * 1000 });
    const trajectory = await call<PatrolTrajectory>(
      'worker',
      'GET',
      `/api/v1/patrol/sessions/${session.id}/trajectory`,
    );
    expect(trajectory.body.points.at(-1)?.at).toBe(iso(-5));
    expect(trajectory.body.session.clock_offset_ms).toBe(hours * 1000);
  });

  it('checks in near a checkpoint or by its tag; flags a check-in outside the grid or too fast, refuses another grid’s tag', async () => {
    const url = `/api/v1/patrol/sessions/${session.id}/checkins`;
    const photo = await fetch(`${cloud().url}/api/v1/patrol/photos?grid=${GRID1}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.worker}`, 'content-type': 'image/png' },
      body: PNG,
    });
    expect(photo.status).toBe(201);
    const photoId = ((await photo.json()) as { id: string }).id;
    const point = route.checkpoints[0] as PatrolRoute['checkpoints'][number];
    const near = {
      request_id: 'c-1',
      checkpoint_id: point.id,
      at: iso(0),
      lon: 119.1411,
      lat: 33.5011,
      accuracy_m: 6,
      photo_ids: [photoId],
    };
    const first = await call<{ checkin: PatrolCheckin }>('worker', 'POST', url, near);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.checkin.flags).toEqual([]);
    expect(first.body.checkin.distance_m).toBeLessThan(30);
    const again = await call<{ checkin: PatrolCheckin }>('worker', 'POST', url, near);
    expect(again.status).toBe(200);
    expect(again.body.checkin.id).toBe(first.body.checkin.id);
    const far = await call('worker', 'POST', url, { ...near, request_id: 'c-2', lon: 119.143, photo_ids: [] });
    expect(far.status).toBe(400);
    expect(far.body.errors?.[0]?.pointer).toBe('/lon');
    expect(far.body.detail).toMatch(/超出打卡半径 30 米/);
    const foreignTag = await call(
      'worker',
      'POST',
      url,
      { request_id: 'c-3', tag_code: 'TAG-G2-0001', at: iso(0) },
      { 'accept-language': 'en' },
    );
    expect(foreignTag.status).toBe(400);
    expect(foreignTag.body.errors?.[0]?.pointer).toBe('/tag_code');
    expect(foreignTag.body.detail).toContain(GRID2);
    const notMine = await call('worker', 'POST', url, {
      ...near,
      request_id: 'c-4',
      photo_ids: ['00000000-0000-4000-8000-000000000000'],
    });
    expect(notMine.body.errors?.[0]?.pointer).toBe('/photo_ids/0');
    clock.advance(10_000);
    // The tag scanned with a position in grid 3, 300 m from the check-in 10 s before.
    const jumped = await call<{ checkin: PatrolCheckin }>('worker', 'POST', url, {
      request_id: 'c-5',
      tag_code: 'TAG-G1-0001',
      at: iso(0),
      lon: 119.1445,
      lat: 33.5011,
    });
    expect(jumped.status).toBe(201);
    expect(jumped.body.checkin.flags).toEqual(['outside_grid', 'implausible_speed']);
  });

  it('refuses a photo too large, one that is not an image, and one for another grid, each saying why', async () => {
    const upload = (grid: string, type: string, body: Buffer) =>
      fetch(`${cloud().url}/api/v1/patrol/photos?grid=${grid}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.worker}`, 'content-type': type },
        body,
      });
    // One byte over the 10 MiB a photo may have (attachments.max_bytes).
    const large = await upload(GRID1, 'image/png', Buffer.concat([PNG, Buffer.alloc(10 * 1_048_576)]));
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({ code: 'GL_BODY_TOO_LARGE' });
    const text = await upload(GRID1, 'text/html', Buffer.from('<script>alert(1)</script>'));
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ errors: [{ parameter: 'Content-Type' }] });
    const elsewhere = await upload(GRID2, 'image/png', PNG);
    expect(elsewhere.status).toBe(400);
    expect(await elsewhere.json()).toMatchObject({ errors: [{ parameter: 'grid' }] });
  });

  it('shows live positions to the supervisors only, and only while the patrol runs', async () => {
    const live = await call<PatrolLive>('operator', 'GET', `/api/v1/patrol/live?territory=${FIXTURE.street}`);
    expect(live.status).toBe(200);
    expect(live.body.workers.map((w) => w.worker_id)).toEqual([ids.worker]);
    expect(
      (await call<PatrolLive>('chief', 'GET', `/api/v1/patrol/live?territory=${GRID1}`)).body.workers,
    ).toHaveLength(1);
    expect((await call('chief', 'GET', `/api/v1/patrol/live?territory=${GRID2}`)).status).toBe(403);
    expect((await call('outsider', 'GET', `/api/v1/patrol/live?territory=${FIXTURE.street}`)).status).toBe(403);
    expect((await call('worker', 'GET', `/api/v1/patrol/live?territory=${GRID1}`)).status).toBe(403);
    const bad = await call('operator', 'GET', '/api/v1/patrol/live?territory=32');
    expect(bad.body.errors?.[0]?.parameter).toBe('territory');
  });

  it('lets the worker and their supervisors replay the trajectory, audits the supervisors’ reads, hides it from others', async () => {
    const path = `/api/v1/patrol/sessions/${session.id}/trajectory`;
    const own = await call<PatrolTrajectory>('worker', 'GET', path);
    expect(own.status).toBe(200);
    expect(own.body.points.map((p) => p.at)).toEqual([...own.body.points.map((p) => p.at)].sort());
    expect(own.body.display.segments.flat().filter((p) => p.checkin)).toHaveLength(2);
    for (const who of ['peer', 'worker2', 'outsider']) expect((await call(who, 'GET', path)).status).toBe(404);
    expect((await call('chief', 'GET', path)).status).toBe(200);
    expect((await call('operator', 'GET', path)).status).toBe(200);
    const audit = await auditOf(cloud().db, `user:${ids.worker}`);
    expect(audit.filter((a) => a.action === 'patrol.trajectory.view').map((a) => a.actor)).toEqual([
      `user:${ids.chief}`,
      `user:${ids.operator}`,
    ]);
  });

  it('ends the patrol: no longer live; the day shows the round with what was reached', async () => {
    const ended = await call<{ session: PatrolSession }>(
      'worker',
      'POST',
      `/api/v1/patrol/sessions/${session.id}/end`,
      {},
    );
    expect(ended.body.session.running).toBe(false);
    const live = await call<PatrolLive>('operator', 'GET', `/api/v1/patrol/live?territory=${FIXTURE.street}`);
    expect(live.body.workers).toEqual([]);
    const day = await call<PatrolDay>('operator', 'GET', `/api/v1/patrol/workers/${ids.worker}/day`);
    expect(day.status).toBe(200);
    expect(day.body.routes[0]?.rounds[0]).toMatchObject({
      state: 'incomplete',
      checkpoints_reached: 1,
      checkpoints_total: 2,
      checkins_flagged: 1,
    });
    expect((await call('worker2', 'GET', `/api/v1/patrol/workers/${ids.worker}/day`)).status).toBe(404);
    const late = await call<PatrolBatchResult>('worker', 'POST', `/api/v1/patrol/sessions/${session.id}/positions`, {
      batch_id: 'b-late',
      sent_at: iso(0),
      positions: [{ at: iso(-300), lon: 119.141, lat: 33.501, accuracy_m: 5 }],
    });
    expect(late.body.refused[0]?.code).toBe('time_before_start');
  });

  it('keeps the patrol settings validated; only tenant admins change them', async () => {
    const read = await call<Record<string, number>>('worker', 'GET', '/api/v1/settings/patrol');
    expect(read.body.position_interval_s).toBe(10);
    const next = { ...read.body, retention_days: 7 };
    expect((await call('operator', 'PUT', '/api/v1/settings/patrol', next)).status).toBe(403);
    const bad = await call('admin', 'PUT', '/api/v1/settings/patrol', {
      ...next,
      retention_days: 0,
      max_speed_mps: 'fast',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.map((e) => e.pointer).sort()).toEqual(['/max_speed_mps', '/retention_days']);
    const put = await call<Record<string, number>>('admin', 'PUT', '/api/v1/settings/patrol', next);
    expect(put.body.retention_days).toBe(7);
  });
});
