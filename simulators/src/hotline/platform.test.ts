import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HotlinePlatformSimulator } from './platform.js';

const SECRET = 'platform-secret-for-the-test';
const NOW = Date.parse('2026-12-06T02:00:00Z');

/** The platform simulator takes only pushes signed with its secret, near its own time. */
describe('the hotline platform simulator', () => {
  const sim = new HotlinePlatformSimulator({ secret: SECRET, now: () => NOW, seed: 7 });
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());
  const post = (body: string, timestamp: string, signature: string) =>
    fetch(sim.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-gridlink-timestamp': timestamp,
        'x-gridlink-signature': signature,
      },
      body,
    });
  const push = (id: number) =>
    JSON.stringify({
      push_id: id,
      ticket: 'SZ-1',
      kind: 'progress',
      incident_id: 'INC-1',
      at: '2026-12-06T02:00:00Z',
      data: {},
    });
  const sign = (timestamp: string, body: string) =>
    createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex');

  it('records pushes signed with its secret, in arrival order', async () => {
    const ts = String(NOW / 1000);
    for (const id of [1, 2]) expect((await post(push(id), ts, sign(ts, push(id)))).status).toBe(200);
    expect(sim.pushesOf('SZ-1').map((p) => p.push_id)).toEqual([1, 2]);
  });

  it('refuses a wrong signature, a stale timestamp, and everything while down', async () => {
    const ts = String(NOW / 1000);
    expect((await post(push(3), ts, sign(ts, push(4)))).status).toBe(401);
    const stale = String(NOW / 1000 - 3600);
    expect((await post(push(3), stale, sign(stale, push(3)))).status).toBe(401);
    expect(sim.refusedSignatures).toEqual(['signature mismatch', 'timestamp too far from now']);
    sim.refuse(true);
    expect((await post(push(3), ts, sign(ts, push(3)))).status).toBe(503);
    sim.refuse(false);
    expect(sim.pushes).toHaveLength(2);
  });

  it('makes the same realistic orders from the same seed', () => {
    const a = new HotlinePlatformSimulator({ seed: 3 }).sampleOrders(3, '320803001001');
    const b = new HotlinePlatformSimulator({ seed: 3 }).sampleOrders(3, '320803001001');
    expect(a).toEqual(b);
    expect(a[0]?.caller.phone).toMatch(/^1[3-9]\d{9}$/);
    expect(new Set(a.map((o) => o.ticket)).size).toBe(3);
  });
});
