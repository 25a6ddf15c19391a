import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../people/test-support.js';
import { api, BACKENDS, manualClock, useTestCloud } from '../test-support.js';
import { COMMUNITY, GRID_1, GRID_2, openStream, people, report } from './test-support.js';

describe.each(BACKENDS)('GET /incidents/stream on one cloud (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const cloud = useTestCloud(backend, {
    clock,
    dispatchSweepMs: 3_600_000,
    incidentStreamLimits: { perUser: 2, replayMax: 5, heartbeatMs: 200 },
  });
  let tokens: Awaited<ReturnType<typeof people>>;
  const open: Array<{ close(): Promise<void> }> = [];
  const stream = async (token: string, lastEventId?: string) => {
    const opened = await openStream(cloud(), token, lastEventId);
    open.push(opened);
    return opened;
  };

  beforeAll(async () => {
    tokens = await people(cloud(), backend);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
  });

  it('refuses the stream without a session, like every route', async () => {
    const response = await api(cloud(), 'GET', '/api/v1/incidents/stream');
    expect(response.status).toBe(401);
  });

  it("sends a grid worker their grid's new and changed incidents only, without personal data", async () => {
    const worker1 = await stream(tokens.worker1);
    const operator = await stream(tokens.operator);
    expect(worker1.status).toBe(200);
    await worker1.next('ready');
    await operator.next('ready');
    const other = await report(cloud(), tokens.operator, GRID_2, '二网格井盖缺失');
    const mine = await report(cloud(), tokens.operator, GRID_1, '楼道堆物占用消防通道');
    const created = await worker1.next('incident');
    expect(created.data).toEqual({
      id: mine,
      version: 1,
      state: 'REPORTED',
      category: 'other',
      severity: expect.any(String),
      grid: GRID_1,
      community: COMMUNITY,
      updated_at: '2026-11-25T08:00:00.000Z',
    });
    expect(Number(created.id)).toBeGreaterThan(0);
    // The operator of the community sees both, in the order they were made.
    expect((await operator.next('incident')).data.id).toBe(other);
    expect((await operator.next('incident')).data.id).toBe(mine);

    const moved = await api(cloud(), 'POST', `/api/v1/incidents/${mine}/transitions`, {
      token: tokens.operator,
      body: { action: 'accept', request_id: `${mine}-accept` },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const accepted = await worker1.next('incident');
    expect(accepted.data).toMatchObject({ id: mine, version: 2, state: 'ACCEPTED' });
    expect(Number(accepted.id)).toBeGreaterThan(Number(created.id));
    // Grid 002's incident never reached the worker of grid 001.
    expect(worker1.frames.filter((f) => f.event === 'incident').map((f) => f.data.id)).toEqual([mine, mine]);
    await worker1.close();
    await operator.close();
  });

  it('replays what a client missed since its Last-Event-ID, in its scope only', async () => {
    const first = await stream(tokens.worker1);
    const ready = await first.next('ready');
    await first.close();
    const missed = await report(cloud(), tokens.operator, GRID_1);
    await report(cloud(), tokens.operator, GRID_2);
    const resumed = await stream(tokens.worker1, ready.id);
    await resumed.next('ready');
    const replayed = await resumed.next('incident');
    expect(replayed.data).toMatchObject({ id: missed, state: 'REPORTED' });
    // Live changes follow the replay on the same stream.
    const live = await report(cloud(), tokens.operator, GRID_1);
    expect((await resumed.next('incident')).data.id).toBe(live);
    expect(resumed.frames.filter((f) => f.event === 'incident')).toHaveLength(2);
    await resumed.close();
  });

  it('tells the client to reload when too much was missed, or the id is unknown; refuses a malformed one', async () => {
    const first = await stream(tokens.operator);
    const ready = await first.next('ready');
    await first.close();
    for (let i = 0; i < 6; i++) await report(cloud(), tokens.operator, GRID_1);
    const behind = await stream(tokens.operator, ready.id);
    const reload = await behind.next('reload');
    expect(reload.data).toEqual({ reason: 'too many changes since' });
    expect(Number(reload.id)).toBeGreaterThan(Number(ready.id));
    await behind.close();

    const unknown = await stream(tokens.operator, '999999999');
    expect((await unknown.next('reload')).data).toEqual({ reason: 'the stream does not know that id' });
    await unknown.close();

    const bad = await openStream(cloud(), tokens.operator, 'yesterday');
    expect(bad.status).toBe(400);
    await bad.close();
  });

  it('tells a client to reload once the changes it missed are pruned', async () => {
    const first = await stream(tokens.worker2);
    const ready = await first.next('ready');
    await first.close();
    await report(cloud(), tokens.operator, GRID_2);
    clock.advance(2 * 3_600_000);
    await report(cloud(), tokens.operator, GRID_2);
    expect(await cloud().incidentChanges.prune()).toBeGreaterThan(0);
    const behind = await stream(tokens.worker2, ready.id);
    expect((await behind.next('reload')).data).toEqual({ reason: 'the changes since are no longer kept' });
    await behind.close();
  });

  it('ends the stream when its session ends (logout), as the next request would be refused', async () => {
    const token = await login(cloud(), `${backend}-worker-1`);
    const opened = await stream(token);
    await opened.next('ready');
    expect((await api(cloud(), 'DELETE', '/api/v1/sessions/current', { token })).status).toBe(204);
    await opened.ended();
    expect((await openStream(cloud(), token)).status).toBe(401);
  });

  it('does not keep its session alive: the heartbeat reads the session without sliding it', async () => {
    const token = await login(cloud(), `${backend}-worker-2`);
    const opened = await stream(token);
    await opened.next('ready');
    const lastUsed = async () =>
      (
        await cloud().db.query<{ last_used_at: Date }>(
          'SELECT s.last_used_at FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = $1 ORDER BY s.last_used_at DESC LIMIT 1',
          [`${backend}-worker-2`],
        )
      ).rows[0]?.last_used_at.getTime();
    const before = await lastUsed();
    // The clock moves right after a heartbeat is read; a recheck starts with each of the next
    // ones (200 ms apart here), and one of them has finished by the third.
    await opened.heartbeats(1);
    clock.advance(60_000);
    await opened.heartbeats(3);
    expect(await lastUsed()).toBe(before);
    await opened.close();
  });

  it('holds at most the configured number of streams per user', async () => {
    const a = await stream(tokens.worker2);
    const b = await stream(tokens.worker2);
    await a.next('ready');
    await b.next('ready');
    const third = await api(cloud(), 'GET', '/api/v1/incidents/stream', { token: tokens.worker2 });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'GL_TOO_MANY_STREAMS' });
    await a.close();
    // Closing one frees its place.
    await expect
      .poll(async () => {
        const again = await openStream(cloud(), tokens.worker2);
        await again.close();
        return again.status;
      })
      .toBe(200);
    await b.close();
  });
});
