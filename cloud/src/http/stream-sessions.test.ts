import { afterAll, describe, expect, it } from 'vitest';
import { createUser, login } from '../people/test-support.js';
import type { RunningCloud } from '../start.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';

const GRID = '320803001001001';
const STREAMS = ['/api/v1/notifications/stream', '/api/v1/incidents/stream'] as const;

interface HeldStream {
  status: number;
  /** Resolves when the server has ended the stream (no heartbeat, no timer: the end itself). */
  ended(): Promise<void>;
  close(): Promise<void>;
}

/** A Server-Sent Events stream over real HTTP, read until its first comment so it is surely open. */
async function hold(cloud: RunningCloud, path: string, token: string): Promise<HeldStream> {
  const controller = new AbortController();
  const response = await fetch(`${cloud.url}${path}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  let text = '';
  const decoder = new TextDecoder();
  const read = async () => {
    const chunk = await reader?.read().catch(() => ({ done: true as const, value: undefined }));
    if (!chunk || chunk.done) return false;
    text += decoder.decode(chunk.value, { stream: true });
    return true;
  };
  if (response.status === 200) while (!text.includes(': connected') && (await read())) {}
  return {
    status: response.status,
    async ended() {
      while (await read()) {}
    },
    async close() {
      controller.abort();
      await reader?.cancel().catch(() => undefined);
    },
  };
}

describe.each(BACKENDS)('held streams and their sessions (%s)', (backend) => {
  // Heartbeats at their default (25 s): a stream must end because it was told, not at its next beat.
  const cloud = useTestCloud(backend, { clock: manualClock(), dispatchSweepMs: 3_600_000 });
  const held: HeldStream[] = [];
  afterAll(async () => {
    await Promise.all(held.map((stream) => stream.close()));
  });
  const both = async (token: string) => {
    const streams = await Promise.all(STREAMS.map((path) => hold(cloud(), path, token)));
    held.push(...streams);
    expect(streams.map((stream) => stream.status)).toEqual([200, 200]);
    return streams;
  };
  const worker = async (name: string) => {
    const user = await createUser(cloud(), `${backend}-${name}`, { roles: [{ role: 'grid_worker', scope: GRID }] });
    return { id: user.id, token: await login(cloud(), `${backend}-${name}`) };
  };

  it('attack: notification and incident streams outlive their logout', async () => {
    const { token } = await worker('logout');
    const other = await login(cloud(), `${backend}-logout`);
    const streams = await both(token);
    const kept = await both(other);
    expect((await api(cloud(), 'DELETE', '/api/v1/sessions/current', { token })).status).toBe(204);
    await Promise.all(streams.map((stream) => stream.ended()));
    // Streams of the user's other session go on.
    const stillOpen = await Promise.race([
      kept[0]?.ended().then(() => 'ended'),
      api(cloud(), 'GET', '/api/v1/me', { token: other }).then(() => 'open'),
    ]);
    expect(stillOpen).toBe('open');
  });

  it('attack: a deactivated user keeps receiving on open streams', async () => {
    const { id, token } = await worker('deactivated');
    const streams = await both(token);
    const patched = await api(cloud(), 'PATCH', `/api/v1/users/${id}`, {
      token: TEST_ADMIN_TOKEN,
      body: { active: false },
    });
    expect(patched.status).toBe(200);
    await Promise.all(streams.map((stream) => stream.ended()));
  });

  it('attack: streams survive a password reset', async () => {
    const { id, token } = await worker('reset');
    const streams = await both(token);
    const patched = await api(cloud(), 'PATCH', `/api/v1/users/${id}`, {
      token: TEST_ADMIN_TOKEN,
      body: { password: 'a brand new passphrase 2026' },
    });
    expect(patched.status).toBe(200);
    await Promise.all(streams.map((stream) => stream.ended()));
  });

  it('attack: streams keep the scope of a role that was taken away', async () => {
    const { id, token } = await worker('demoted');
    const streams = await both(token);
    const revoked = await api(cloud(), 'DELETE', `/api/v1/users/${id}/roles/grid_worker/${GRID}`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(revoked.status).toBe(204);
    await Promise.all(streams.map((stream) => stream.ended()));
  });

  it('attack: one token opens any number of notification streams', async () => {
    const { token } = await worker('many');
    const open = [];
    for (let i = 0; i < 5; i++) open.push(await hold(cloud(), STREAMS[0], token));
    held.push(...open);
    expect(open.map((stream) => stream.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await api(cloud(), 'GET', STREAMS[0], { token });
    expect(sixth.status).toBe(429);
    expect(sixth.body.code).toBe('GL_TOO_MANY_STREAMS');
    expect(sixth.headers.get('retry-after')).toBe('30');
    // Closing one frees its place.
    await open[0]?.close();
    await expect
      .poll(async () => {
        const again = await hold(cloud(), STREAMS[0], token);
        held.push(again);
        return again.status;
      })
      .toBe(200);
  });
});

describe('a notification stream whose client does not read (pglite)', () => {
  const cloud = useTestCloud('pglite', {
    clock: manualClock(),
    dispatchSweepMs: 3_600_000,
    notificationStreamLimits: { bufferBytes: 64 * 1024 },
  });

  it('attack: a client that never reads makes the cloud buffer without bound', async () => {
    const user = await createUser(cloud(), 'slow.reader');
    const token = await login(cloud(), 'slow.reader');
    const stream = await hold(cloud(), STREAMS[0], token);
    expect(stream.status).toBe(200);
    const live = cloud().dispatch.live;
    // The client reads nothing more; far more than the socket buffers hold is pushed to it.
    const notification = {
      key: 'k',
      incidentId: 'INC-1',
      title: { zh: '楼道堆物'.repeat(200), en: 'x'.repeat(2000) },
      text: { zh: '', en: '' },
      severity: 'normal',
      urgent: false,
      url: '/incidents/INC-1',
      at: new Date(),
      recipients: { userIds: [user.id] },
    } as unknown as Parameters<typeof live.send>[0];
    let sends = 0;
    while (live.connected > 0 && sends < 4000) {
      await live.send(notification);
      sends++;
    }
    expect(live.connected).toBe(0);
    await stream.close();
  });
});
