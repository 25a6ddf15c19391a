import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { IncidentRole } from '../incidents/index.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { PushReceiver } from './test-support.js';

const STREET = '320803001';
const GRID = `${STREET}001001`;
const MINUTE = 60_000;
/** Tenant local time (+08:00) as an instant. */
const local = (at: string) => new Date(`${at}:00+08:00`);
/** Timers are swept on every replica, the test's included: wait on what they wrote, never sleep. */
const WAIT = { timeout: 15_000, interval: 20 };

/**
 * The platform's deadline governs the handling when it is stricter than the category's (docs/domain.md
 * §4, docs/hotline.md): the incident's deadline, its light, its 督办 and escalation, and the KPIs'
 * on-time judgement all follow the earlier of the two; an approved extension moves it.
 */
describe.each(BACKENDS)('the platform’s deadline on a hotline incident (%s)', (backend) => {
  // A Monday, 10:00 in Shanghai: an ordinary workday. 城市管理 hands in 5 working days.
  const clock = manualClock(local('2026-12-07T10:00').toISOString());
  const cloud = useTestCloud(backend, { clock });
  const sim = new PushReceiver(() => clock().getTime());
  const tokens: Record<string, string> = {};
  let worker = '';
  const call = <T>(who: string, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, `/api/v1${path}`, {
      token: tokens[who] as string,
      ...(body === undefined ? {} : { body }),
    });

  const file = async (ticket: string, deadline?: string) => {
    const filed = await call<{ incident_id: string }>('platform', 'POST', '/hotline/orders', {
      ticket,
      channel: 'hotline_12345',
      caller: { name: '李红', phone: '13812345678' },
      content: '路灯不亮，夜间行人摔倒风险大。',
      category_code: 'SZ-0301',
      territory_code: GRID,
      address: '幸福里 5 栋',
      ...(deadline === undefined ? {} : { deadline }),
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    return filed.body.incident_id;
  };
  const act = (id: string, action: string, actor: string, role: IncidentRole, data?: Record<string, unknown>) =>
    cloud().incidents.transition({
      incidentId: id,
      action,
      requestId: `${id}:${action}:${clock().getTime()}`,
      actor,
      role,
      ...(data === undefined ? {} : { data }),
    });
  /** Accepted, filed, dispatched and signed for now: the handling clock starts. */
  const toHandling = async (id: string) => {
    await act(id, 'accept', 'cloud', 'system');
    await act(id, 'file', 'cloud', 'system');
    await act(id, 'dispatch', 'cloud', 'system', { assignee: worker });
    await act(id, 'sign', worker, 'grid_worker');
  };
  /** Finished by the worker, checked by someone else, closed by the centre. */
  const toClosed = async (id: string) => {
    await act(id, 'finish', worker, 'grid_worker');
    await act(id, 'startCheck', 'checker', 'operator');
    await act(id, 'pass', 'checker', 'operator');
    await act(id, 'close', 'checker', 'operator');
  };
  const status = async (id: string) => {
    const incident = await cloud().incidents.get(id);
    if (incident === undefined) throw new Error(`no incident ${id}`);
    return { incident, ...(await cloud().deadlines.statusOf(incident, await cloud().incidents.steps(id))) };
  };
  const closedOnTime = async (id: string) => {
    const { rows } = await cloud().db.query<{ closed_on_time: boolean }>(
      'SELECT closed_on_time FROM incident_kpi_facts WHERE incident_id = $1',
      [id],
    );
    return rows[0]?.closed_on_time;
  };
  const sweepUntil = async (id: string, action: string) =>
    vi.waitFor(async () => {
      await cloud().deadlines.sweep();
      expect((await cloud().incidents.steps(id)).map((step) => step.action)).toContain(action);
    }, WAIT);

  beforeAll(async () => {
    await sim.start();
    for (const [name, role] of [
      ['platform', 'operator'],
      ['worker', 'grid_worker'],
    ] as const) {
      const signed = await signedIn(cloud(), `${backend}-pd-${name}`, [
        { role, scope: role === 'grid_worker' ? GRID : STREET },
      ]);
      tokens[name] = signed.token;
      if (name === 'worker') worker = signed.user.id;
      if (name === 'platform') {
        const issued = await api<{ token: string }>(cloud(), 'POST', `/api/v1/users/${signed.user.id}/api-tokens`, {
          token: TEST_ADMIN_TOKEN,
          body: { name: '12345 platform' },
        });
        tokens.platform = issued.body.token;
        const platform = await api<{ secret: string }>(cloud(), 'POST', '/api/v1/hotline/platforms', {
          token: TEST_ADMIN_TOKEN,
          body: {
            id: '12345-pd',
            name: '12345 热线（时限）',
            user_id: signed.user.id,
            territory_code: STREET,
            webhook_url: sim.url,
            category_map: { 'SZ-0301': 'urban_management' },
          },
        });
        expect(platform.status, JSON.stringify(platform.body)).toBe(201);
        sim.useSecret(platform.body.secret);
      }
    }
  });
  afterAll(() => sim.stop());

  it('runs the handling to a stricter platform deadline: yellow, then red and one level up by it, and late in the KPIs', async () => {
    const id = await file('PD-1', '2026-12-07T18:00:00+08:00');
    expect((await status(id)).incident.externalDeadline).toEqual(local('2026-12-07T18:00'));
    await toHandling(id);
    expect(await status(id)).toMatchObject({ light: 'green', due_by: local('2026-12-07T18:00') });

    // 80 % of the 8 hours to the platform's deadline: 16:24.
    clock.advance((6 * 60 + 30) * MINUTE);
    await sweepUntil(id, 'supervise');
    expect(await status(id)).toMatchObject({ light: 'yellow', incident: { supervision: 'normal' } });

    clock.advance(2 * 60 * MINUTE); // 18:30, past the platform's deadline, days before the category's
    await sweepUntil(id, 'overdue');
    const late = await status(id);
    expect(late).toMatchObject({
      light: 'red',
      overdue_since: local('2026-12-07T18:00'),
      incident: { level: 'street', supervision: 'red_card' },
    });
    const overdue = (await cloud().incidents.steps(id)).find((step) => step.action === 'overdue');
    expect(overdue?.data).toMatchObject({ step: 'handle', deadline: local('2026-12-07T18:00').toISOString() });

    await toClosed(id);
    expect(await closedOnTime(id)).toBe(false);
  });

  it('keeps the category’s deadline when the platform’s comes later, and judges on time by it', async () => {
    const own = await file('PD-2');
    const lenient = await file('PD-3', '2026-12-31T18:00:00+08:00');
    await toHandling(own);
    await toHandling(lenient);
    const category = (await status(own)).due_by;
    expect(category).not.toBeNull();
    expect((await status(lenient)).due_by).toEqual(category);

    // A day later: far from the category's 5 working days, though a stricter platform would have passed.
    clock.advance(24 * 60 * MINUTE);
    expect(await status(lenient)).toMatchObject({ light: 'green', incident: { level: 'community' } });
    await toClosed(lenient);
    expect(await closedOnTime(lenient)).toBe(true);
  });

  it('moves the governing deadline by an approved extension, the platform’s or the category’s', async () => {
    const strict = await file('PD-4', '2026-12-09T12:00:00+08:00');
    const lenient = await file('PD-5', '2026-12-31T18:00:00+08:00');
    for (const id of [strict, lenient]) await toHandling(id);
    const before = (await status(lenient)).due_by as Date;
    expect((await status(strict)).due_by).toEqual(local('2026-12-09T12:00'));

    for (const [id, ticket, deadline] of [
      [strict, 'PD-4', '2026-12-10T12:00:00+08:00'],
      [lenient, 'PD-5', '2027-01-04T18:00:00+08:00'],
    ] as const) {
      const asked = await call('platform', 'POST', `/incidents/${id}/hotline/extension`, {
        deadline,
        reason: '需协调供电公司更换线路',
      });
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      const answer = await call('platform', 'POST', `/hotline/orders/${ticket}/extension-answer`, { approved: true });
      expect(answer.body, JSON.stringify(answer.body)).toMatchObject({ incident_limit_extended: true });
    }

    // The platform's deadline governed: the day it added, in natural time.
    expect((await cloud().incidents.steps(strict)).at(-1)).toMatchObject({
      action: 'extend',
      deadlineChange: { reason: 'extended', to: local('2026-12-10T12:00').toISOString() },
      data: { extra: { value: 24 * 60, unit: 'natural_minutes' } },
    });
    expect((await status(strict)).due_by).toEqual(local('2026-12-10T12:00'));
    // The category's governed: its limit grows as before, in working days.
    expect((await cloud().incidents.steps(lenient)).at(-1)).toMatchObject({
      action: 'extend',
      data: { extra: { unit: 'working_days' } },
    });
    expect(((await status(lenient)).due_by as Date).getTime()).toBeGreaterThan(before.getTime());
  });
});
