import type { IncidentStreamChange } from '@gridlink/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConnectionState } from '../kit/connection-state.js';
import { cloudClient } from './cloud-client.js';
import { IncidentStreamClient } from './incident-stream-client.js';
import { COMMUNITY, CuttableProxy, GRID_1, GRID_2, TestCloud } from './test-cloud.js';

const WAIT = { timeout: 15_000, interval: 20 };

describe('the incident stream client, against a real cloud', () => {
  const cloud = new TestCloud();
  const proxy = new CuttableProxy(() => cloud.url);
  let proxyUrl: string;
  let operator: string;
  let worker1: string;
  const clients: IncidentStreamClient[] = [];

  /** A client through the proxy, recording what it hands on. */
  function open(token: string, options: { lastEventId?: string; direct?: boolean; idleMs?: number } = {}) {
    const changes: Array<{ change: IncidentStreamChange; id: string }> = [];
    const reloads: string[] = [];
    const statuses: ConnectionState[] = [];
    const link = cloudClient(options.direct ? cloud.url : proxyUrl, token);
    if (!link.ok) throw new Error(link.reason);
    const client = new IncidentStreamClient({
      cloud: link.cloud,
      ...(options.lastEventId === undefined ? {} : { lastEventId: options.lastEventId }),
      backoff: { minMs: 20, maxMs: 200 },
      ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
      onChange: (change, id) => changes.push({ change, id }),
      onReload: (reason) => reloads.push(reason),
      onStatus: (status) => statuses.push(status),
    });
    clients.push(client);
    client.start();
    const connected = (count = 1) =>
      vi.waitFor(
        () => expect(statuses.filter((s) => s.state === 'connected').length).toBeGreaterThanOrEqual(count),
        WAIT,
      );
    const received = (ids: string[]) =>
      vi.waitFor(() => expect(changes.map((c) => c.change.id)).toEqual(expect.arrayContaining(ids)), WAIT);
    return { client, changes, reloads, statuses, connected, received };
  }

  beforeAll(async () => {
    await cloud.start();
    proxyUrl = await proxy.listen();
    operator = await cloud.signedIn([{ role: 'operator', scope: COMMUNITY }]);
    worker1 = await cloud.signedIn([{ role: 'grid_worker', scope: GRID_1 }]);
  }, 60_000);
  afterEach(async () => {
    proxy.release();
    await Promise.all(clients.splice(0).map((client) => client.stop()));
  });
  afterAll(async () => {
    await proxy.close();
    await cloud.remove();
  });

  it("hands on the created and changed incidents of the token's scope, each once, typed by the protocol", async () => {
    const stream = open(worker1);
    await stream.connected();
    const other = await cloud.report(operator, GRID_2);
    const mine = await cloud.report(operator, GRID_1);
    const accepted = await cloud.call('POST', `/api/v1/incidents/${mine}/transitions`, operator, {
      action: 'accept',
      request_id: `${mine}-accept`,
    });
    expect(accepted.status).toBe(200);
    await vi.waitFor(() => expect(stream.changes).toHaveLength(2), WAIT);
    expect(stream.changes.map((c) => [c.change.id, c.change.state, c.change.version])).toEqual([
      [mine, 'REPORTED', 1],
      [mine, 'ACCEPTED', 2],
    ]);
    expect(stream.changes[0]?.change).toMatchObject({ category: 'other', grid: GRID_1, community: COMMUNITY });
    expect(stream.changes.map((c) => c.change.id)).not.toContain(other);
    expect(Number(stream.changes[1]?.id)).toBeGreaterThan(Number(stream.changes[0]?.id));
  });

  it('resumes after the connection is cut mid-stream: what was made while it was down arrives, none twice, none lost', async () => {
    const stream = open(operator);
    await stream.connected();
    const before = [await cloud.report(operator, GRID_1), await cloud.report(operator, GRID_2)];
    await stream.received(before);

    // The network goes away: the open stream is reset and new connections are refused for a while.
    proxy.hold();
    proxy.cut();
    await vi.waitFor(() => expect(stream.statuses.some((s) => s.state === 'error')).toBe(true), WAIT);
    const during = [await cloud.report(operator, GRID_1), await cloud.report(operator, GRID_2)];
    proxy.release();
    await stream.connected(2);
    const after = [await cloud.report(operator, GRID_1)];
    await stream.received([...before, ...during, ...after]);

    expect(stream.changes.map((c) => c.change.id)).toEqual([...before, ...during, ...after]);
    expect(stream.statuses.find((s) => s.state === 'error')).toMatchObject({
      reason: expect.any(String),
      retryInMs: 20,
    });
    expect(stream.statuses).toContainEqual({ state: 'reconnecting', attempt: 2 });
    // The reconnect resumed from the last change received, so the cloud replayed only what was missed.
    expect(proxy.resumedFrom.at(-1)).toBe(stream.changes[1]?.id);
    expect(stream.reloads).toEqual([]);
  });

  it('resumes across a restart of the cloud itself, without duplicates or losses', async () => {
    const stream = open(operator);
    await stream.connected();
    const before = [await cloud.report(operator, GRID_1)];
    await stream.received(before);
    await cloud.restart();
    const after = [await cloud.report(operator, GRID_2), await cloud.report(operator, GRID_1)];
    await stream.received([...before, ...after]);
    expect(stream.changes.map((c) => c.change.id)).toEqual([...before, ...after]);
  }, 60_000);

  it('drops changes it already delivered when a reconnect resumes from an earlier id (a replica replaying from behind)', async () => {
    const stream = open(operator);
    await stream.connected();
    const first = await cloud.report(operator, GRID_1);
    await stream.received([first]);
    const readyAt = String(Number(stream.changes[0]?.id) - 1);
    const second = await cloud.report(operator, GRID_2);
    await stream.received([second]);

    // The next request resumes from before both: the cloud replays them, the client hands on neither again.
    proxy.resumeNextFrom(readyAt);
    proxy.cut();
    await stream.connected(2);
    const third = await cloud.report(operator, GRID_1);
    await stream.received([third]);
    expect(proxy.resumedFrom.at(-1)).toBe(readyAt);
    expect(stream.changes.map((c) => c.change.id)).toEqual([first, second, third]);
  });

  it('shows a refused token with the reason and keeps trying with growing delays', async () => {
    const stream = open('not-a-token-of-this-cloud', { direct: true });
    const refusals = () => stream.statuses.filter((s) => s.state === 'error');
    await vi.waitFor(() => expect(refusals().length).toBeGreaterThan(4), WAIT);
    for (const refusal of refusals())
      expect(refusal).toMatchObject({ reason: expect.stringMatching(/^401 GL_UNAUTHENTICATED: /) });
    // Doubling from 20 ms, capped at 200 ms.
    expect(
      refusals()
        .slice(0, 5)
        .map((s) => (s.state === 'error' ? s.retryInMs : 0)),
    ).toEqual([20, 40, 80, 160, 200]);
    expect(stream.changes).toEqual([]);
  });

  it('takes a connection that goes silent for dead (no heartbeat), reconnects and resumes', async () => {
    // The cloud's heartbeat is 25 s; a client that heard nothing for 0.5 s here gives up on the connection.
    const stream = open(operator, { idleMs: 500 });
    await stream.connected();
    const first = await cloud.report(operator, GRID_1);
    await stream.received([first]);
    proxy.stall();
    const second = await cloud.report(operator, GRID_2);
    await vi.waitFor(
      () =>
        expect(stream.statuses).toContainEqual({ state: 'error', reason: 'nothing heard for 0.5 s', retryInMs: 20 }),
      WAIT,
    );
    await stream.received([first, second]);
    expect(stream.changes.map((c) => c.change.id)).toEqual([first, second]);
  });

  it('reports an unreachable cloud as reconnecting with the cause', async () => {
    const stream = open(operator);
    proxy.hold();
    proxy.cut();
    await vi.waitFor(() => expect(stream.statuses.some((s) => s.state === 'error')).toBe(true), WAIT);
    const status = stream.statuses.find((s) => s.state === 'error');
    expect(status?.state === 'error' && status.reason).toMatch(/connection|socket|reset|closed|fetch/i);
    proxy.release();
    await stream.connected();
  });
});
