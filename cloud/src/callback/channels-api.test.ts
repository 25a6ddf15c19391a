import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushReceiver } from '../hotline/test-support.js';
import type { SmsProvider } from '../notify/sms.js';
import { auditOf } from '../people/audit.js';
import { login, signedIn } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, BACKENDS, manualClock, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import { verdictsOf } from './verdicts.js';

const HOUR = 3600_000;
const OTHER_STREET = '320803002';
const RESIDENT_PHONE = '13812341234';
const CALLER_PHONE = '13912345678';

type Queue = { items?: Array<{ id: string; reporter_phone_masked: string | null; may_reveal: boolean }> };
type Kpis = { groups: Array<{ key: string; counts: Record<string, number> }> };

/**
 * The callback's verdicts from every channel, and the reporters' phones from every kind of report:
 * a resident's rating is the callback's verdict, given by the cloud on the channel `resident`, kept
 * in `callback_verdicts` and counted in the KPIs like an agent's; the first verdict closes the
 * callback, a later one is kept on the report and explained, never counted twice. The agent's queue
 * shows a resident's and a hotline caller's phone masked; the reveal is audited, and out of scope "not found".
 */
describe.each(BACKENDS)('callback verdicts and contacts across channels (%s)', (backend) => {
  const clock = manualClock('2026-12-08T01:00:00.000Z');
  const sent: Array<{ phone: string; text: string }> = [];
  const sms: SmsProvider = { send: async (phone, text) => void sent.push({ phone, text }) };
  const cloud = useTestCloud(backend, { clock, smsProvider: sms, dispatchSweepMs: 3_600_000 });
  const receiver = new PushReceiver(() => clock().getTime());
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let reports = 0;
  const PEOPLE = ['operator', 'worker', 'agent', 'elsewhere'] as const;

  /** A day later: fresh budgets for the public endpoints, the same hour of the day, new sessions. */
  const nextDay = async () => {
    clock.advance(24 * HOUR);
    for (const name of PEOPLE) tokens[name] = await login(cloud(), `${backend}-chan-${name}`);
  };

  const call = <T>(who: string, method: string, path: string, body?: unknown) =>
    api<T>(cloud(), method, `/api/v1${path}`, { token: tokens[who] as string, ...(body ? { body } : {}) });
  const act = async (who: string, incident: string, action: string, extra: Record<string, unknown> = {}) => {
    const done = await call(who, 'POST', `/incidents/${incident}/transitions`, {
      action,
      request_id: `${incident}-${action}-${who}`,
      ...extra,
    });
    expect(done.status, `${action}: ${JSON.stringify(done.body)}`).toBe(200);
  };
  const stateOf = async (incident: string) =>
    (await call<{ incident: { state: string } }>('operator', 'GET', `/incidents/${incident}`)).body.incident.state;

  /** Taken from wherever it was reported to CLOSED, the worker's result with its photo. */
  const close = async (incident: string) => {
    const state = await stateOf(incident);
    if (state === 'REPORTED') await act('operator', incident, 'accept');
    if (state === 'REPORTED' || state === 'ACCEPTED') await act('operator', incident, 'file');
    await act('operator', incident, 'dispatch', { data: { assignee: ids.worker } });
    await act('worker', incident, 'sign');
    const upload = await fetch(`${cloud().url}/api/v1/incidents/${incident}/attachments?tag=after`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.worker}`, 'content-type': 'image/jpeg' },
      body: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(64)]),
    });
    const photo = (await upload.json()) as { id: string };
    await act('worker', incident, 'finish', { comment: '已处理', attachments: [{ id: photo.id, tag: 'after' }] });
    for (const action of ['startCheck', 'pass', 'close']) await act('operator', incident, action);
  };

  /** A resident's report with their phone confirmed by SMS, closed: its tracking code and incident. */
  const residentReport = async () => {
    const n = ++reports;
    await nextDay();
    expect((await call('none', 'POST', '/residents/phone-codes', { phone: RESIDENT_PHONE })).status).toBe(202);
    const code = /(\d{6})/.exec(sent.filter((s) => s.phone === RESIDENT_PHONE).at(-1)?.text ?? '')?.[1];
    const filed = await call<{ tracking_code: string }>('none', 'POST', '/residents/reports', {
      request_id: `${backend}-channels-${n}`,
      category: 'other',
      description: '楼道灯坏了，晚上看不见台阶',
      position: { lon: 119.141, lat: 33.502, accuracy_m: 10 },
      contact: { kind: 'phone', phone: RESIDENT_PHONE, code },
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const { rows } = await cloud().db.query<{ incident_id: string }>(
      "SELECT incident_id FROM resident_reports WHERE tracking_sha256 = encode(sha256(convert_to('gridlink tracking ' || $1, 'UTF8')), 'hex')",
      [filed.body.tracking_code],
    );
    const incident = rows[0]?.incident_id as string;
    await close(incident);
    return { code: filed.body.tracking_code, incident };
  };
  const rate = (code: string, body: Record<string, unknown>) =>
    call<{ applied: string; explanation: string }>('none', 'POST', `/residents/track/${code}/rating`, body);
  const verdict = (incident: string, body: Record<string, unknown>) =>
    call('agent', 'POST', `/callbacks/${incident}/verdict`, { request_id: `${incident}-agent`, ...body });
  const setPolicy = async (unsatisfied: 'rework' | 'evaluate') => {
    const now = await call<Record<string, unknown>>('admin', 'GET', '/settings/incidents');
    const put = await call('admin', 'PUT', '/settings/incidents', {
      ...now.body,
      callback: 'agents',
      unsatisfied_callback: unsatisfied,
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  };
  const streetCounts = async () => {
    const from = new Date(clock().getTime() - 30 * 24 * HOUR).toISOString();
    const to = new Date(clock().getTime() + 24 * HOUR).toISOString();
    const kpis = await call<Kpis>('operator', 'GET', `/kpis?from=${from}&to=${to}&group_by=street`);
    expect(kpis.status, JSON.stringify(kpis.body)).toBe(200);
    return kpis.body.groups.find((g) => g.key === FIXTURE.street)?.counts ?? {};
  };
  const revealAs = (who: string, incident: string) =>
    call<{ phone?: string }>(who, 'POST', `/callbacks/${incident}/reveal-contact`);
  const reveals = async (incident: string) =>
    (await auditOf(cloud().db, `incident:${incident}`)).filter((r) => r.action === 'callback.reveal_contact');

  beforeAll(async () => {
    await seedFixtureTerritory(new TerritoryStore(cloud().db));
    await receiver.start();
    const cast = {
      operator: [{ role: 'operator', scope: FIXTURE.street }],
      worker: [{ role: 'grid_worker', scope: FIXTURE.grids[0] }],
      agent: [{ role: 'callback_agent', scope: FIXTURE.street }],
      elsewhere: [{ role: 'callback_agent', scope: OTHER_STREET }],
      platform: [{ role: 'operator', scope: FIXTURE.street }],
    } as const;
    for (const [name, roles] of Object.entries(cast)) {
      const { user, token } = await signedIn(cloud(), `${backend}-chan-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    tokens.admin = TEST_ADMIN_TOKEN;
    const issued = await call<{ token: string }>('admin', 'POST', `/users/${ids.platform}/api-tokens`, {
      name: '12345 platform',
    });
    tokens.platform = issued.body.token;
    const platform = await call<{ secret: string }>('admin', 'POST', '/hotline/platforms', {
      id: `12345-${backend}`,
      name: '12345 热线（测试）',
      user_id: ids.platform,
      territory_code: FIXTURE.street,
      webhook_url: receiver.url,
      category_map: { 'SZ-0301': 'other' },
    });
    expect(platform.status, JSON.stringify(platform.body)).toBe(201);
    receiver.useSecret(platform.body.secret);
  }, 60_000);
  afterAll(() => receiver.stop());

  it('takes a resident’s rating as the callback’s verdict, counted once in the KPIs; the agent’s later one is refused', async () => {
    await setPolicy('rework');
    const { code, incident } = await residentReport();
    const before = await streetCounts();
    const rated = await rate(code, { satisfaction: 'satisfied', solved: true, note: '修得很快' });
    expect(rated.status, JSON.stringify(rated.body)).toBe(201);
    expect(rated.body).toMatchObject({ applied: 'callback', explanation: expect.stringContaining('回访') });
    expect(await stateOf(incident)).toBe('EVALUATED');
    // Given by the cloud on the resident's channel: no agent's role borrowed.
    expect(await verdictsOf(cloud().db, incident)).toEqual([
      expect.objectContaining({
        action: 'callbackSatisfied',
        satisfaction: 'satisfied',
        solved: true,
        note: '修得很快',
        channel: 'resident',
        actor: 'cloud',
      }),
    ]);
    const { rows } = await cloud().db.query<{ role: string }>(
      "SELECT role FROM incident_steps WHERE incident_id = $1 AND action = 'callbackSatisfied'",
      [incident],
    );
    expect(rows).toEqual([{ role: 'system' }]);
    const after = await streetCounts();
    expect(after.callbacks).toBe((before.callbacks ?? 0) + 1);
    expect(after.satisfied).toBe((before.satisfied ?? 0) + 1);
    expect(after.strictlySatisfied).toBe((before.strictlySatisfied ?? 0) + 1);

    const listed = await call<{ items: unknown[] }>('agent', 'GET', `/callbacks/${incident}/verdicts`);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ channel: 'resident', satisfaction: 'satisfied', note: '修得很快', by: null }),
    ]);
    // The callback is done: an agent's verdict finds nothing to call back, and nothing counts twice.
    expect((await verdict(incident, { satisfaction: 'unsatisfied', solved: false })).status).toBe(404);
    expect(await verdictsOf(cloud().db, incident)).toHaveLength(1);
    expect((await streetCounts()).callbacks).toBe(after.callbacks);
  });

  it('keeps a rating that comes after the agent’s verdict on the report, explained, and counts the first verdict only', async () => {
    await setPolicy('evaluate');
    const { code, incident } = await residentReport();
    expect((await verdict(incident, { satisfaction: 'basically_satisfied', solved: true })).status).toBe(200);
    const before = await streetCounts();
    const rated = await rate(code, { satisfaction: 'unsatisfied', solved: false });
    expect(rated.status, JSON.stringify(rated.body)).toBe(201);
    expect(rated.body).toMatchObject({ applied: 'kept', explanation: expect.stringContaining('首次回访') });
    expect(await verdictsOf(cloud().db, incident)).toEqual([
      expect.objectContaining({ channel: 'agent', satisfaction: 'basically_satisfied', actor: ids.agent }),
    ]);
    expect(await streetCounts()).toEqual(before);
    // The incident's page lists the verdict that counts, by whom; out of scope, no such incident.
    const listed = await call<{ items: unknown[] }>('operator', 'GET', `/callbacks/${incident}/verdicts`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        channel: 'agent',
        satisfaction: 'basically_satisfied',
        solved: true,
        by: expect.any(String),
      }),
    ]);
    expect((await call('elsewhere', 'GET', `/callbacks/${incident}/verdicts`)).status).toBe(404);
    // The resident's page shows their rating back all the same.
    const tracked = await call<{ rating: unknown }>('none', 'GET', `/residents/track/${code}`);
    expect(tracked.body.rating).toMatchObject({ satisfaction: 'unsatisfied', solved: false });
  });

  it('shows a resident’s sealed phone masked in the queue and reveals it to the agent, audited once, to nobody out of scope', async () => {
    await setPolicy('rework');
    const { incident } = await residentReport();
    const queue = await call<Queue>('agent', 'GET', '/callbacks/queue');
    expect(queue.status).toBe(200);
    expect(queue.body.items?.find((item) => item.id === incident)).toMatchObject({
      reporter_phone_masked: '138****1234',
      may_reveal: true,
    });
    expect(JSON.stringify(queue.body)).not.toContain(RESIDENT_PHONE);
    const shown = await revealAs('agent', incident);
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    expect(shown.body.phone).toBe(RESIDENT_PHONE);
    expect(await reveals(incident)).toHaveLength(1);
    expect(JSON.stringify(await reveals(incident))).not.toContain(RESIDENT_PHONE);
    expect((await revealAs('elsewhere', incident)).status).toBe(404);
    expect((await revealAs('worker', incident)).status).toBe(404);
    expect(await reveals(incident)).toHaveLength(1);
  });

  it('shows a hotline caller’s sealed phone masked in the queue and reveals it to the agent, audited once, to nobody out of scope', async () => {
    await setPolicy('rework');
    await nextDay();
    const filed = await call<{ incident_id: string }>('platform', 'POST', '/hotline/orders', {
      ticket: `SZ-${backend}-1`,
      channel: 'hotline_12345',
      caller: { name: '王建国', phone: CALLER_PHONE },
      content: '小区门口污水井冒水',
      category_code: 'SZ-0301',
      territory_code: FIXTURE.grids[0],
      address: '幸福里 3 栋',
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const incident = filed.body.incident_id;
    await close(incident);
    const queue = await call<Queue>('agent', 'GET', '/callbacks/queue');
    expect(queue.body.items?.find((item) => item.id === incident)).toMatchObject({
      reporter_phone_masked: '139****5678',
      may_reveal: true,
    });
    expect(JSON.stringify(queue.body)).not.toMatch(/13912345678|王建国/);
    expect((await call<Queue>('elsewhere', 'GET', '/callbacks/queue')).body.items?.map((i) => i.id)).not.toContain(
      incident,
    );
    const shown = await revealAs('agent', incident);
    expect(shown.status, JSON.stringify(shown.body)).toBe(200);
    expect(shown.body.phone).toBe(CALLER_PHONE);
    expect(await reveals(incident)).toHaveLength(1);
    expect((await revealAs('elsewhere', incident)).status).toBe(404);
    expect(await reveals(incident)).toHaveLength(1);
  });
});
