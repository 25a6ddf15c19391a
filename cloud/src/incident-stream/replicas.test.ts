import { useTestDatabase } from '@gridlink/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login } from '../people/test-support.js';
import { type RunningCloud, startCloud } from '../start.js';
import { api, manualClock, silentLogger, testCloudConfig } from '../test-support.js';
import { GRID_1, GRID_2, openStream, people, report } from './test-support.js';

describe('GET /incidents/stream across two cloud replicas on one PostgreSQL', () => {
  const database = useTestDatabase();
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  let a: RunningCloud;
  let b: RunningCloud;
  let tokens: Awaited<ReturnType<typeof people>>;
  const open: Array<{ close(): Promise<void> }> = [];
  const stream = async (cloud: RunningCloud, token: string, lastEventId?: string) => {
    const opened = await openStream(cloud, token, lastEventId);
    open.push(opened);
    return opened;
  };

  beforeAll(async () => {
    const options = { clock, dispatchSweepMs: 3_600_000, incidentStreamLimits: { bufferBytes: 16 * 1024 } };
    a = await startCloud(testCloudConfig({ url: database.url }), silentLogger(), options);
    b = await startCloud(testCloudConfig({ url: database.url }), silentLogger(), options);
    tokens = await people(a, 'replicas');
  }, 60_000);
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close()));
    await a?.stop();
    await b?.stop();
  });

  it("delivers a change made on replica A to a subscriber of replica B, in the subscriber's scope only", async () => {
    const worker1 = await stream(b, tokens.worker1);
    const worker2 = await stream(b, tokens.worker2);
    await worker1.next('ready');
    await worker2.next('ready');
    const other = await report(a, tokens.operator, GRID_2);
    const mine = await report(a, tokens.operator, GRID_1);
    expect((await worker1.next('incident')).data).toMatchObject({ id: mine, grid: GRID_1 });
    expect((await worker2.next('incident')).data).toMatchObject({ id: other, grid: GRID_2 });
    // A change on B reaches B's own subscriber the same way.
    const moved = await api(b, 'POST', `/api/v1/incidents/${mine}/transitions`, {
      token: tokens.operator,
      body: { action: 'accept', request_id: `${mine}-accept` },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect((await worker1.next('incident')).data).toMatchObject({ id: mine, state: 'ACCEPTED', version: 2 });
    expect(worker1.frames.filter((f) => f.event === 'incident').map((f) => f.data.id)).toEqual([mine, mine]);
    expect(worker2.frames.filter((f) => f.event === 'incident').map((f) => f.data.id)).toEqual([other]);
  });

  it('resumes on replica B from the Last-Event-ID replica A sent', async () => {
    const first = await stream(a, tokens.worker1);
    const ready = await first.next('ready');
    await first.close();
    const missed = await report(a, tokens.operator, GRID_1);
    const resumed = await stream(b, tokens.worker1, ready.id);
    await resumed.next('ready');
    expect((await resumed.next('incident')).data).toMatchObject({ id: missed });
  });

  it('attack: a logout on replica A leaves the streams on replica B open', async () => {
    const token = await login(a, 'replicas-worker-2');
    const incidents = await stream(b, token);
    await incidents.next('ready');
    const notifications = await fetch(`${b.url}/api/v1/notifications/stream`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(notifications.status).toBe(200);
    expect((await api(a, 'DELETE', '/api/v1/sessions/current', { token })).status).toBe(204);
    // Both end on B at once (the heartbeat is 25 s away): read to their ends.
    await incidents.ended();
    const reader = notifications.body?.getReader();
    while (reader && !(await reader.read()).done) {}
  });

  it('catches up from the database when its listening connection was lost', async () => {
    const worker1 = await stream(b, tokens.worker1);
    await worker1.next('ready');
    // The database drops every listening connection (a failover, a restart of PostgreSQL).
    const killed = await a.db.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gridlink-cloud-listen'",
    );
    // Two replicas, each listening for incident changes, session changes and hotline push-backs.
    expect(killed.rows.length).toBe(6);
    // Made while B is not listening: it arrives anyway, read from incident_changes on reconnect.
    const during = await report(a, tokens.operator, GRID_1);
    expect((await worker1.next('incident')).data).toMatchObject({ id: during });
    const after = await report(a, tokens.operator, GRID_1);
    expect((await worker1.next('incident')).data).toMatchObject({ id: after });
    expect(worker1.frames.filter((f) => f.event === 'incident').map((f) => f.data.id)).toEqual([during, after]);
  });

  it('disconnects a client that does not read instead of buffering for it', async () => {
    const id = await report(a, tokens.operator, GRID_1);
    const slow = await stream(b, tokens.worker1);
    await slow.next('ready');
    // 20 000 changes in one transaction, each ~250 bytes on the stream: far more than the socket
    // buffers and the 16 KiB the replica may hold for the client.
    await a.db.exec(`DO $$
      BEGIN
        FOR i IN 1..20000 LOOP
          UPDATE incidents SET updated_at = updated_at + interval '1 millisecond' WHERE id = '${id}';
        END LOOP;
      END
    $$`);
    await expect.poll(() => b.incidentChanges.position, { timeout: 20_000 }).toBeGreaterThan(20_000);
    const frames = await slow.ended();
    const received = frames.filter((f) => f.event === 'incident').length;
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(20_000);
    // Other clients are unaffected.
    const fresh = await stream(b, tokens.worker1);
    await fresh.next('ready');
    const next = await report(a, tokens.operator, GRID_1);
    expect((await fresh.next('incident')).data).toMatchObject({ id: next });
  }, 60_000);
});
