import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditOf } from '../people/audit.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, silentLogger, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { HotlinePushWorker } from './outbox.js';
import { HotlineStore } from './store.js';
import { PushReceiver } from './test-support.js';

const STREET_A = '320803001';
const COMMUNITY_A = `${STREET_A}001`;
const GRID_A = `${COMMUNITY_A}001`;
const COMMUNITY_B = '320803002001';

type Problem = { code: string; detail: string; errors?: { pointer?: string; detail: string }[] };
type Filed = { ticket: string; incident_id: string; created: boolean };

/**
 * The hotline over HTTP: a platform files orders once however often it resends them, its
 * updates apply in its own order, the caller stays masked unless a callback agent reveals them
 * (audited), and every change goes back to the platform signed, in order, even across an outage.
 */
/** Deliveries go over real HTTP on a shared machine: give them time, never a fixed sleep. */
const WAIT = { timeout: 15_000, interval: 20 };

describe.each(BACKENDS)('the hotline API (%s)', (backend) => {
  const clock = manualClock('2026-12-06T02:00:00.000Z');
  const cloud = useTestCloud(backend, { clock });
  const sim = new PushReceiver(() => clock().getTime());
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  const call = <T>(who: string, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, `/api/v1${path}`, {
      token: tokens[who] as string,
      ...(body === undefined ? {} : { body }),
    });
  const order = (ticket: string, fields: Record<string, unknown> = {}) => ({
    ticket,
    channel: 'hotline_12345',
    caller: { name: '王建国', phone: '13812341234' },
    content: '小区门口污水井冒水，请回电 13987654321 或 0755-87654321。',
    category_code: 'SZ-0301',
    territory_code: GRID_A,
    address: '幸福里 3 栋',
    deadline: '2026-12-09T10:00:00+08:00',
    ...fields,
  });
  const incidentOf = async (ticket: string) => {
    const filed = await call<Filed>('platform', 'POST', '/hotline/orders', order(ticket));
    expect(filed.status, JSON.stringify(filed.body)).toBeLessThan(300);
    return filed.body.incident_id;
  };

  beforeAll(async () => {
    await sim.start();
    const cast = {
      platform: [{ role: 'operator', scope: STREET_A }],
      operator: [{ role: 'operator', scope: STREET_A }],
      agent: [{ role: 'callback_agent', scope: STREET_A }],
      worker: [{ role: 'grid_worker', scope: GRID_A }],
    } as const;
    for (const [name, roles] of Object.entries(cast)) {
      const { user, token } = await signedIn(cloud(), `${backend}-hl-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    tokens.admin = TEST_ADMIN_TOKEN;
    const issued = await call<{ token: string }>('admin', 'POST', `/users/${ids.platform}/api-tokens`, {
      name: '12345 platform',
    });
    tokens.platform = issued.body.token;
    const platform = await call<{ secret: string }>('admin', 'POST', '/hotline/platforms', {
      id: '12345-a',
      name: '12345 热线（测试）',
      user_id: ids.platform,
      territory_code: STREET_A,
      webhook_url: sim.url,
      category_map: { 'SZ-0301': 'urban_management', 'GA-110-07': 'safety.fire_lane' },
    });
    expect(platform.status, JSON.stringify(platform.body)).toBe(201);
    sim.useSecret(platform.body.secret);
  });
  afterAll(() => sim.stop());

  it('files an order once: a replay returns the same incident, a changed replay is refused naming the field', async () => {
    const first = await call<Filed>('platform', 'POST', '/hotline/orders', order('SZ-1'));
    expect(first.status).toBe(201);
    const again = await call<Filed>('platform', 'POST', '/hotline/orders', order('SZ-1'));
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ticket: 'SZ-1', incident_id: first.body.incident_id, created: false });
    const changed = await call<Problem>('platform', 'POST', '/hotline/orders', order('SZ-1', { address: '别处' }));
    expect(changed.status).toBe(409);
    expect(changed.body.code).toBe('GL_HOTLINE_REPLAY_CONFLICT');
    expect(changed.body.errors?.[0]?.pointer).toBe('/address');
    const incident = await call<{ source: string; categoryCode: string; state: string }>(
      'operator',
      'GET',
      `/incidents/${first.body.incident_id}`,
    );
    expect((incident.body as unknown as { incident: object }).incident).toMatchObject({
      source: 'hotline_12345',
      categoryCode: 'urban_management',
      state: 'REPORTED',
    });
  });

  it('refuses a place outside the platform’s territory, and anyone who is not a platform', async () => {
    const outside = await call<Problem>(
      'platform',
      'POST',
      '/hotline/orders',
      order('SZ-2', { territory_code: COMMUNITY_B }),
    );
    expect(outside.status).toBe(403);
    expect(outside.body.errors?.[0]?.pointer).toBe('/territory_code');
    const notPlatform = await call<Problem>('operator', 'POST', '/hotline/orders', order('SZ-3'));
    expect(notPlatform.status).toBe(403);
    const bad = await call<Problem>(
      'platform',
      'POST',
      '/hotline/orders',
      order('SZ-4', { caller: { name: '李', phone: '12' } }),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors?.[0]?.pointer).toBe('/caller/phone');
  });

  it('masks the caller and phones in the content in lists and detail; reveals to a callback agent only, audited', async () => {
    const id = await incidentOf('SZ-5');
    const list = await call<unknown>('operator', 'GET', '/incidents');
    const detail = await call<{ order: { caller_masked: string; content_masked: string }; may_reveal: boolean }>(
      'operator',
      'GET',
      `/incidents/${id}/hotline`,
    );
    for (const body of [list.body, detail.body]) {
      const text = JSON.stringify(body);
      expect(text).not.toContain('13812341234');
      expect(text).not.toContain('13987654321');
      expect(text).not.toContain('87654321');
    }
    expect(detail.body.order.caller_masked).toBe('王** 138****1234');
    expect(detail.body.order.content_masked).toContain('139****4321');
    expect(detail.body.may_reveal).toBe(false);
    const refused = await call<Problem>('operator', 'POST', `/incidents/${id}/hotline/reveal`);
    expect(refused.status).toBe(403);
    const revealed = await call<{ caller_phone: string; content: string }>(
      'agent',
      'POST',
      `/incidents/${id}/hotline/reveal`,
    );
    expect(revealed.status).toBe(200);
    expect(revealed.body.caller_phone).toBe('13812341234');
    expect(revealed.body.content).toContain('13987654321');
    const audit = await auditOf(cloud().db, `incident:${id}`);
    expect(audit.filter((entry) => entry.action === 'hotline.caller.reveal')).toHaveLength(1);
    expect(audit.at(-1)?.actor).toBe(`user:${ids.agent}`);
  });

  it('applies updates in the platform’s sequence whatever their arrival order, each once; a gap is held, then given up', async () => {
    const id = await incidentOf('SZ-6');
    const send = (seq: number, kind: string, content?: string) =>
      call<{ applied_seq: number; held: number[] }>('platform', 'POST', '/hotline/orders/SZ-6/updates', {
        seq,
        kind,
        ...(content === undefined ? {} : { content }),
      });
    expect((await send(2, 'urge')).body).toMatchObject({ applied_seq: 0, held: [2] });
    expect((await send(3, 'supplement', '补充：电话 13700001111')).body).toMatchObject({
      applied_seq: 0,
      held: [2, 3],
    });
    expect((await send(1, 'supplement', '补充一')).body).toMatchObject({ applied_seq: 3, held: [] });
    const replay = await send(2, 'urge');
    expect(replay.status).toBe(200);
    const conflicting = await call<Problem>('platform', 'POST', '/hotline/orders/SZ-6/updates', {
      seq: 2,
      kind: 'withdraw',
    });
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.errors?.[0]?.pointer).toBe('/kind');
    const view = await call<{ order: { urge_count: number; supplements: { seq: number; content_masked: string }[] } }>(
      'operator',
      'GET',
      `/incidents/${id}/hotline`,
    );
    expect(view.body.order.urge_count).toBe(1);
    expect(view.body.order.supplements.map((s) => s.seq)).toEqual([1, 3]);
    expect(view.body.order.supplements[1]?.content_masked).toBe('补充：电话 137****1111');
    // Update 5 arrives, 4 never does: after the hold, 5 applies anyway.
    expect((await send(5, 'urge')).body).toMatchObject({ applied_seq: 3, held: [5] });
    clock.advance(11 * 60_000);
    await new HotlineStore(cloud().db, clock, TEST_ADMIN_TOKEN).releaseGaps();
    const after = await call<{ order: { applied_seq: number; urge_count: number } }>(
      'operator',
      'GET',
      `/incidents/${id}/hotline`,
    );
    expect(after.body.order).toMatchObject({ applied_seq: 5, urge_count: 2 });
  });

  it('pushes every change signed and in order, and loses nothing while the platform is down, across a worker restart', async () => {
    const id = await incidentOf('SZ-7');
    await vi.waitFor(() => expect(sim.pushesOf('SZ-7').map((p) => p.kind)).toEqual(['accepted']), WAIT);
    expect(sim.refusedSignatures).toEqual([]);
    sim.refuse(true);
    for (const action of ['accept', 'file']) {
      const step = await call('operator', 'POST', `/incidents/${id}/transitions`, {
        action,
        request_id: `${action}-sz7`,
      });
      expect(step.status, JSON.stringify(step.body)).toBe(200);
    }
    // The first attempt fails; the second push waits behind it.
    await vi.waitFor(async () => {
      const log = await call<{ pushes: { kind: string; status: string; attempts: number }[] }>(
        'operator',
        'GET',
        `/incidents/${id}/hotline`,
      );
      expect(log.body.pushes.map((p) => [p.status, p.attempts])).toEqual([
        ['delivered', 1],
        ['pending', 1],
        ['pending', 0],
      ]);
    }, WAIT);
    // The worker stops mid-outage; an hour passes; a new one takes over once the platform is back.
    await cloud().hotlinePush.stop();
    clock.advance(3_600_000);
    sim.refuse(false);
    const worker = new HotlinePushWorker({
      db: cloud().db,
      clock,
      store: new HotlineStore(cloud().db, clock, TEST_ADMIN_TOKEN),
      logger: silentLogger(),
    });
    await worker.start();
    await vi.waitFor(() => expect(sim.pushesOf('SZ-7')).toHaveLength(3), WAIT);
    await worker.stop();
    const pushes = sim.pushesOf('SZ-7');
    expect(pushes.map((p) => [p.kind, p.data.action ?? null])).toEqual([
      ['accepted', null],
      ['progress', 'accept'],
      ['progress', 'file'],
    ]);
    expect(pushes.map((p) => p.push_id)).toEqual([...pushes.map((p) => p.push_id)].sort((a, b) => a - b));
    expect(sim.refusedSignatures).toEqual([]);
    await cloud().hotlinePush.start();
  });

  it('refuses pushes whose signature does not verify, and delivers them once the secret is right', async () => {
    sim.useSecret('not-the-secret');
    const id = await incidentOf('SZ-8');
    await vi.waitFor(() => expect(sim.refusedSignatures).toContain('signature mismatch'), WAIT);
    expect(sim.pushesOf('SZ-8')).toEqual([]);
    const platform = await cloud().db.query<{ secret_sealed: string }>(
      "SELECT secret_sealed FROM hotline_platforms WHERE id = '12345-a'",
    );
    const secret = (await new HotlineStore(cloud().db, clock, TEST_ADMIN_TOKEN).pushTarget('12345-a'))?.secret;
    expect(platform.rows[0]?.secret_sealed).not.toContain(secret as string);
    sim.useSecret(secret as string);
    clock.advance(3_600_000);
    await cloud().hotlinePush.drain();
    await vi.waitFor(() => expect(sim.pushesOf('SZ-8').map((p) => p.incident_id)).toEqual([id]), WAIT);
  });

  it('returns a misrouted order (退单) with its reason, by an operator of the place only', async () => {
    const id = await incidentOf('SZ-9');
    const byAgent = await call<Problem>('agent', 'POST', `/incidents/${id}/hotline/return`, { reason: '不属本辖区' });
    expect(byAgent.status).toBe(403);
    const noReason = await call<Problem>('operator', 'POST', `/incidents/${id}/hotline/return`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors?.[0]?.pointer).toBe('/reason');
    const returned = await call<{ state: string }>('operator', 'POST', `/incidents/${id}/hotline/return`, {
      reason: '地址属于相邻街道，请改派',
    });
    expect(returned.body.state).toBe('INVALID');
    await vi.waitFor(
      () =>
        expect(sim.pushesOf('SZ-9').at(-1)).toMatchObject({
          kind: 'returned',
          data: { reason: '地址属于相邻街道，请改派' },
        }),
      WAIT,
    );
  });

  it('asks for an extension and, approved by the platform, lengthens the incident’s limit', async () => {
    const id = await incidentOf('SZ-10');
    const engine = cloud().incidents;
    await engine.transition({ incidentId: id, action: 'accept', requestId: 'a-10', actor: 'cloud', role: 'system' });
    await engine.transition({ incidentId: id, action: 'file', requestId: 'f-10', actor: 'cloud', role: 'system' });
    await engine.transition({
      incidentId: id,
      action: 'dispatch',
      requestId: 'd-10',
      actor: 'cloud',
      role: 'system',
      data: { assignee: ids.worker },
    });
    await engine.transition({
      incidentId: id,
      action: 'sign',
      requestId: 's-10',
      actor: ids.worker as string,
      role: 'grid_worker',
    });
    const asked = await call<{ extension: { status: string } }>(
      'operator',
      'POST',
      `/incidents/${id}/hotline/extension`,
      {
        deadline: '2026-12-11T10:00:00+08:00',
        reason: '需协调供水公司更换管道',
      },
    );
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    await vi.waitFor(() => expect(sim.pushesOf('SZ-10').at(-1)?.kind).toBe('extension_request'), WAIT);
    const answer = await call('platform', 'POST', '/hotline/orders/SZ-10/extension-answer', {
      approved: true,
      comment: '同意',
    });
    expect(answer.body, JSON.stringify(answer.body)).toMatchObject({
      incident_limit_extended: true,
      extension: { status: 'approved' },
    });
    // The platform's deadline (Wednesday) came before the category's 5 working days and governed: the
    // two days it added extend it in natural time.
    const steps = await engine.steps(id);
    expect(steps.at(-1)).toMatchObject({
      action: 'extend',
      data: { extra: { value: 2 * 24 * 60, unit: 'natural_minutes' } },
      deadlineChange: { reason: 'extended', to: '2026-12-11T02:00:00.000Z' },
    });
    const view = await call<{ order: { platform_deadline: string } }>('operator', 'GET', `/incidents/${id}/hotline`);
    expect(view.body.order.platform_deadline).toBe('2026-12-11T02:00:00.000Z');
    const none = await call('platform', 'POST', '/hotline/orders/SZ-10/extension-answer', { approved: true });
    expect(none.status).toBe(409);
  });
});
