import { beforeAll, describe, expect, it } from 'vitest';
import { RosterStore } from '../people/rosters.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, useTestCloud } from '../test-support.js';

const COMMUNITY = '320803001001';
const GRID = '320803001001001';
const WEBHOOK = 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=very-secret-webhook-key';
const DINGTALK_WEBHOOK = 'https://oapi.dingtalk.com/robot/send?access_token=very-secret-access-token';
const SECRET = 'SEC-very-secret-signing-key';

describe.each(BACKENDS)('notification stream and community robots API (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const cloud = useTestCloud(backend, { clock, dispatchSweepMs: 3_600_000 });
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const people = {
      operator: [{ role: 'operator', scope: COMMUNITY }],
      admin: [{ role: 'district_admin', scope: '320803' }],
      'other-admin': [{ role: 'district_admin', scope: '320804' }],
      worker: [{ role: 'grid_worker', scope: GRID }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    const rosters = new RosterStore(cloud().db, clock);
    await rosters.setMember({ kind: 'admin' }, GRID, ids.worker as string, 'full_time');
    await rosters.addDutyPeriod(
      { kind: 'admin' },
      {
        gridCode: GRID,
        userId: ids.worker as string,
        startsAt: new Date('2026-11-25T00:00:00Z'),
        endsAt: new Date('2026-11-26T00:00:00Z'),
      },
    );
  }, 60_000);

  it('streams the dispatch notification to the grid worker’s open page (SSE over real HTTP)', async () => {
    const controller = new AbortController();
    const response = await fetch(`${cloud().url}/api/v1/notifications/stream`, {
      headers: { authorization: `Bearer ${tokens.worker}` },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
    };
    try {
      await readUntil(/: connected\n\n/);
      const report = await api<{ incident: { id: string } }>(cloud(), 'POST', '/api/v1/incidents', {
        token: tokens.operator as string,
        body: {
          request_id: `${backend}-sse-1`,
          source: 'hotline_12345',
          category: 'other',
          title: '楼道堆物',
          community: COMMUNITY,
          grid: GRID,
        },
      });
      expect(report.status, JSON.stringify(report.body)).toBe(201);
      const id = report.body.incident.id;
      for (const action of ['accept', 'file']) {
        const moved = await api(cloud(), 'POST', `/api/v1/incidents/${id}/transitions`, {
          token: tokens.operator as string,
          body: { action, request_id: `${id}-${action}` },
        });
        expect(moved.status, JSON.stringify(moved.body)).toBe(200);
      }
      await readUntil(/event: notification\nid: [^\n]+\ndata: [^\n]+\n\n/);
      const frame = /event: notification\nid: ([^\n]+)\ndata: ([^\n]+)\n\n/.exec(text) as RegExpExecArray;
      expect(frame[1]).toBe(`${id}:dispatched:4`);
      expect(JSON.parse(frame[2] as string)).toMatchObject({ incident_id: id, title: { zh: '楼道堆物' } });
      expect((await cloud().incidents.get(id))?.assignee).toBe(ids.worker);
    } finally {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
  });

  it('refuses the stream without a session', async () => {
    expect((await api(cloud(), 'GET', '/api/v1/notifications/stream')).status).toBe(401);
  });

  it('lets the operator and the district admin manage the community’s robots, never returning their secrets', async () => {
    const put = await api(cloud(), 'PUT', `/api/v1/communities/${COMMUNITY}/robots`, {
      token: tokens.operator as string,
      body: {
        robots: [
          { name: 'property', kind: 'wecom', webhook: WEBHOOK },
          { name: 'grid', kind: 'dingtalk', webhook: DINGTALK_WEBHOOK, secret: SECRET },
        ],
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({
      community: COMMUNITY,
      robots: [
        { name: 'grid', kind: 'dingtalk', webhook_set: true, secret_set: true },
        { name: 'property', kind: 'wecom', webhook_set: true, secret_set: false },
      ],
    });
    // a robot kept without resending its webhook; the other removed
    const kept = await api(cloud(), 'PUT', `/api/v1/communities/${COMMUNITY}/robots`, {
      token: tokens.admin as string,
      body: { robots: [{ name: 'grid', kind: 'dingtalk' }] },
    });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    const read = await api(cloud(), 'GET', `/api/v1/communities/${COMMUNITY}/robots`, {
      token: tokens.operator as string,
    });
    expect(read.body).toMatchObject({ robots: [{ name: 'grid', secret_set: true }] });
    expect((await cloud().dispatch.store.robots({ kind: 'community', id: COMMUNITY }))[0]).toMatchObject({
      webhook: DINGTALK_WEBHOOK,
      secret: SECRET,
    });
    // a new robot needs its webhook
    const missing = await api(cloud(), 'PUT', `/api/v1/communities/${COMMUNITY}/robots`, {
      token: tokens.operator as string,
      body: { robots: [{ name: 'new', kind: 'wecom' }] },
    });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ errors: [{ pointer: '/robots/0/webhook' }] });
    // no answer and no audit row carries a secret
    const { rows } = await cloud().db.query<{ details: unknown }>('SELECT details FROM audit_log WHERE target = $1', [
      `robots:community:${COMMUNITY}`,
    ]);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const body of [put.body, kept.body, read.body, missing.body, ...rows]) {
      expect(JSON.stringify(body)).not.toContain('very-secret');
    }
  });

  it('attack: a community robot aimed at the cloud’s own loopback (SSRF) is refused at PUT, naming the field and the fix', async () => {
    const before = await cloud().dispatch.store.robots({ kind: 'community', id: COMMUNITY });
    const put = await api(cloud(), 'PUT', `/api/v1/communities/${COMMUNITY}/robots`, {
      token: tokens.operator as string,
      body: {
        robots: [
          { name: 'property', kind: 'wecom', webhook: WEBHOOK },
          { name: 'internal', kind: 'wecom', webhook: 'http://127.0.0.1:8080/cgi-bin/webhook/send?key=very-secret-k' },
        ],
      },
    });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({
      code: 'GL_VALIDATION_FAILED',
      errors: [
        {
          pointer: '/robots/1/webhook',
          detail: expect.stringMatching(/https:\/\/qyapi\.weixin\.qq\.com\/.*robots\.allowed_hosts/),
        },
      ],
    });
    expect(JSON.stringify(put.body)).not.toContain('very-secret');
    expect(await cloud().dispatch.store.robots({ kind: 'community', id: COMMUNITY })).toEqual(before);
  });

  it('refuses the robots routes to a grid worker and to an admin of another district (403), and bad codes (400)', async () => {
    for (const who of ['worker', 'other-admin']) {
      for (const method of ['GET', 'PUT'] as const) {
        const response = await api(cloud(), method, `/api/v1/communities/${COMMUNITY}/robots`, {
          token: tokens[who] as string,
          ...(method === 'PUT' ? { body: { robots: [] } } : {}),
        });
        expect(response.status, `${who} ${method}`).toBe(403);
        expect(response.body).toMatchObject({ code: 'GL_FORBIDDEN' });
      }
    }
    expect((await api(cloud(), 'GET', `/api/v1/communities/${COMMUNITY}/robots`)).status).toBe(401);
    expect(
      (await api(cloud(), 'GET', '/api/v1/communities/3208/robots', { token: tokens.operator as string })).status,
    ).toBe(400);
  });
});
