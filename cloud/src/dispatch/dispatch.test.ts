import { createServer, type IncomingMessage, type Server } from 'node:http';
import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CategoryCatalogue } from '../categories/catalogue.js';
import { IncidentEngine } from '../incidents/index.js';
import { LivePush } from '../notify/live-push.js';
import { Notifier } from '../notify/notifier.js';
import type { SmsProvider } from '../notify/sms.js';
import { DisposalUnitStore } from '../people/disposal-units.js';
import { RosterStore } from '../people/rosters.js';
import { createUser } from '../people/test-support.js';
import { api, BACKENDS, manualClock, registerGateway, silentLogger, useTestCloud } from '../test-support.js';
import { Dispatcher } from './dispatcher.js';
import { DispatchStore } from './store.js';

const ADMIN = { kind: 'admin' } as const;
const COMMUNITY = '320803001001';
const grid = (n: number) => `${COMMUNITY}${String(n).padStart(3, '0')}`;
const HOUR = 3_600_000;

/** An SMS provider test double: records what would have been sent (no SMS gateway here). */
class RecordingSmsProvider implements SmsProvider {
  readonly sent: Array<{ phone: string; text: string }> = [];
  async send(phone: string, text: string): Promise<void> {
    this.sent.push({ phone, text });
  }
}

/** A local HTTP server standing in for the WeCom group robot: records each message, answers errcode 0. */
async function robotServer(): Promise<{ server: Server; url: string; received: unknown[] }> {
  const received: unknown[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push(JSON.parse(body));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ errcode: 0, errmsg: 'ok' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=robot-key-secret`, received };
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(BACKENDS)('automatic dispatch (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const sms = new RecordingSmsProvider();
  // The sweep is tested by calling it; its timer stays out of the way.
  // The stand-in robot listens on loopback, listed as an operator would list a relay.
  const cloud = useTestCloud(
    backend,
    { clock, smsProvider: sms, dispatchSweepMs: HOUR },
    { robots: { allowed_hosts: ['127.0.0.1'] } },
  );
  let robot: Awaited<ReturnType<typeof robotServer>>;
  const users: Record<string, string> = {};
  let counter = 0;

  beforeAll(async () => {
    robot = await robotServer();
    const rosters = new RosterStore(cloud().db, clock);
    for (const name of ['op', 'chief1', 'full1', 'chief2', 'full2', 'sub2', 'chief3', 'op-district']) {
      const roles =
        name === 'op'
          ? [{ role: 'operator' as const, scope: COMMUNITY }]
          : name === 'op-district'
            ? [{ role: 'operator' as const, scope: '320803' }]
            : [];
      users[name] = (await createUser(cloud(), `${backend}-${name}`, { roles })).id;
    }
    const now = clock();
    const shift = { startsAt: new Date(now.getTime() - HOUR), endsAt: new Date(now.getTime() + 8 * HOUR) };
    // grid 1: the full-time worker is on duty
    await rosters.setMember(ADMIN, grid(1), users.chief1 as string, 'grid_chief');
    await rosters.setMember(ADMIN, grid(1), users.full1 as string, 'full_time');
    await rosters.addDutyPeriod(ADMIN, { gridCode: grid(1), userId: users.full1 as string, ...shift });
    // grid 2: the full-time worker is on duty but on leave; sub2 stands in
    await rosters.setMember(ADMIN, grid(2), users.chief2 as string, 'grid_chief');
    await rosters.setMember(ADMIN, grid(2), users.full2 as string, 'full_time');
    await rosters.addDutyPeriod(ADMIN, { gridCode: grid(2), userId: users.full2 as string, ...shift });
    await rosters.addLeave(ADMIN, { userId: users.full2 as string, substituteUserId: users.sub2 as string, ...shift });
    // grid 3: only a chief, nobody on duty
    await rosters.setMember(ADMIN, grid(3), users.chief3 as string, 'grid_chief');
    // grid 4: nobody at all

    const catalogue = new CategoryCatalogue(cloud().db);
    await catalogue.upsert({
      code: 'urban_management',
      name: { zh: '城市管理', en: 'Urban management' },
      default_severity: 'minor',
    });
    await catalogue.upsert({
      code: 'urban_management.manhole_cover',
      name: { zh: '井盖', en: 'Manhole cover' },
      default_severity: 'major',
      unit_type: 'cover_owner',
    });
    const units = new DisposalUnitStore(cloud().db, clock);
    for (const [id, territory] of [
      ['cover-district', '320803'],
      ['cover-street', '320803001'],
      ['cover-other-street', '320803002'],
    ] as const)
      await units.create(ADMIN, { id, name_zh: id, name_en: id, unit_type: 'cover_owner', territory_code: territory });

    await cloud().dispatch.store.setPhone(users.full1 as string, '13800000001');
    await cloud().dispatch.store.replaceRobots(ADMIN, { kind: 'community', id: COMMUNITY }, [
      { name: 'property', kind: 'wecom', webhook: robot.url },
    ]);
  }, 60_000);

  afterAll(() => new Promise<void>((resolve) => (robot ? robot.server.close(() => resolve()) : resolve())));

  /** Reported, accepted and filed by the operator, through `engine` (the cloud's unless given). */
  async function filed(options: { grid?: string; category?: string; engine?: IncidentEngine } = {}) {
    const engine = options.engine ?? cloud().incidents;
    counter++;
    const { incident } = await engine.report({
      requestId: `${backend}-r-${counter}`,
      source: 'patrol',
      category: options.category ?? 'other',
      title: '楼道堆物',
      place: { community: COMMUNITY, ...(options.grid ? { grid: options.grid } : {}), building: '3' },
      actor: users.op as string,
      role: 'operator',
    });
    for (const [action, version] of [
      ['accept', 1],
      ['file', 2],
    ] as const)
      await engine.transition({
        incidentId: incident.id,
        action,
        requestId: `${incident.id}-${action}`,
        expectedVersion: version,
        actor: users.op as string,
        role: 'operator',
      });
    return incident.id;
  }

  it('dispatches a filed incident to the grid’s on-duty worker as system, and tells them by live push and SMS', async () => {
    const pushed: string[] = [];
    const close = cloud().dispatch.live.subscribe(users.full1 as string, (chunk) => pushed.push(chunk));
    try {
      const id = await filed({ grid: grid(1) });
      const decision = await cloud().dispatch.consider(id);
      expect(decision).toMatchObject({ outcome: 'grid_worker', assignee: users.full1, reason: 'on_duty' });
      expect(decision?.result).toBe('dispatched');
      const incident = await cloud().incidents.get(id);
      expect(incident).toMatchObject({ state: 'DISPATCHED', assignee: users.full1, version: 4 });
      const step = (await cloud().incidents.steps(id)).at(-1);
      expect(step).toMatchObject({
        action: 'dispatch',
        role: 'system',
        actor: 'cloud:dispatch',
        requestId: `dispatch:${id}:3`,
        data: { assignee: users.full1, assignee_kind: 'grid_worker', reason: 'on_duty' },
      });
      expect(pushed).toHaveLength(1);
      expect(pushed[0]).toContain(`"key":"${id}:dispatched:4"`);
      expect(sms.sent.filter((message) => message.text.includes(id))).toEqual([
        { phone: '13800000001', text: expect.stringContaining('楼道堆物') },
      ]);
      // not urgent: the community robot is not told
      expect(robot.received.filter((body) => JSON.stringify(body).includes(id))).toEqual([]);
      // again (a retry, the sweep): nothing more
      await cloud().dispatch.consider(id);
      await cloud().dispatch.sweep();
      expect((await cloud().incidents.steps(id)).filter((s) => s.action === 'dispatch')).toHaveLength(1);
      expect(pushed).toHaveLength(1);
    } finally {
      close();
    }
  });

  it('dispatches to the substitute when the on-duty worker is on leave', async () => {
    const id = await filed({ grid: grid(2) });
    expect(await cloud().dispatch.consider(id)).toMatchObject({
      outcome: 'grid_worker',
      assignee: users.sub2,
      reason: 'substitute',
    });
    expect((await cloud().incidents.get(id))?.assignee).toBe(users.sub2);
  });

  it('dispatches to the grid chief when nobody is on duty', async () => {
    const id = await filed({ grid: grid(3) });
    expect(await cloud().dispatch.consider(id)).toMatchObject({ assignee: users.chief3, reason: 'grid_chief' });
  });

  it('leaves the incident FILED and tells the community’s operators when the grid has nobody, or there is no grid', async () => {
    const pushed: string[] = [];
    const close = cloud().dispatch.live.subscribe(users.op as string, (chunk) => pushed.push(chunk));
    const district: string[] = [];
    const closeDistrict = cloud().dispatch.live.subscribe(users['op-district'] as string, (c) => district.push(c));
    try {
      const nobody = await filed({ grid: grid(4) });
      expect(await cloud().dispatch.consider(nobody)).toMatchObject({
        outcome: 'operators',
        reason: 'nobody_on_duty',
        recipients: [users.op],
        result: 'notified',
      });
      const noGrid = await filed();
      expect(await cloud().dispatch.consider(noGrid)).toMatchObject({ outcome: 'operators', reason: 'no_grid' });
      for (const id of [nobody, noGrid]) expect((await cloud().incidents.get(id))?.state).toBe('FILED');
      expect(pushed).toHaveLength(2);
      expect(pushed[0]).toContain(`${nobody}:to_operators:3`);
      // the nearest centre is told, not every centre above it
      expect(district).toEqual([]);
    } finally {
      close();
      closeDistrict();
    }
  });

  it('dispatches to the disposal unit of the category’s unit type with the longest territory match', async () => {
    const id = await filed({ grid: grid(1), category: 'urban_management.manhole_cover' });
    expect(await cloud().dispatch.consider(id)).toMatchObject({
      outcome: 'disposal_unit',
      assignee: 'cover-street',
      reason: 'unit_type cover_owner',
    });
    expect(await cloud().incidents.get(id)).toMatchObject({ state: 'DISPATCHED', assignee: 'cover-street' });
  });

  it('dispatches once when two dispatchers with their own engines run at the same time on one database', async () => {
    const make = () => {
      const engine = new IncidentEngine(cloud().db, clock);
      const live = new LivePush();
      return {
        engine,
        live,
        dispatcher: new Dispatcher({
          db: cloud().db,
          clock,
          logger: silentLogger(),
          engine,
          catalogue: new CategoryCatalogue(cloud().db),
          rosters: new RosterStore(cloud().db, clock),
          store: new DispatchStore(cloud().db, clock),
          notifier: new Notifier(cloud().db, clock, silentLogger()),
          live,
        }),
      };
    };
    const [a, b] = [make(), make()];
    const pushed: string[] = [];
    a.live.subscribe(users.full1 as string, (chunk) => pushed.push(chunk));
    b.live.subscribe(users.full1 as string, (chunk) => pushed.push(chunk));
    // Filed through another engine: the cloud's own dispatcher does not hear of it.
    const id = await filed({ grid: grid(1), engine: a.engine });
    const [first, second] = await Promise.all([a.dispatcher.consider(id), b.dispatcher.consider(id)]);
    expect(first).toEqual(second);
    expect(first).toMatchObject({ outcome: 'grid_worker', assignee: users.full1, result: 'dispatched' });
    const steps = await a.engine.steps(id);
    expect(steps.filter((step) => step.action === 'dispatch')).toHaveLength(1);
    expect(pushed).toHaveLength(1);
    const { rows } = await cloud().db.query('SELECT channel, status FROM notification_log WHERE incident_id = $1', [
      id,
    ]);
    expect(rows).toEqual([{ channel: 'live', status: 'sent' }]);
  });

  it('takes an urgent IoT alert from the gateway through accept → file → dispatch and tells the community’s WeCom robot', async () => {
    const gateway = `gw-${backend}-dispatch`;
    const token = await registerGateway(cloud(), gateway);
    const alertId = `alert-${backend}-dispatch-1`;
    const data: AlertPayload = {
      alert_id: alertId,
      rule_id: 'smoke-confirmed',
      device_id: 'smoke-b3-u2-0401',
      state: 'active',
      severity: 'critical',
      category: 'emergency.fire',
      since: clock().toISOString(),
      last_seen: clock().toISOString(),
      occurrences: 1,
      message: { zh: '3号楼2单元烟感报警', en: 'Smoke alarm, building 3 unit 2' },
      place: { community: COMMUNITY, grid: grid(1), building: '3', unit: '2', floor: 4 },
    };
    const event = createCloudEvent({
      id: `evt-${backend}-dispatch-1`,
      type: 'cn.gridlink.alert.raised.v1',
      gatewayId: gateway,
      deviceId: 'smoke-b3-u2-0401',
      time: clock().toISOString(),
      data,
      priority: 'alarm',
    }) as CloudEvent;
    const sent = await api(cloud(), 'POST', `/api/v1/gateways/${gateway}/events`, {
      token,
      rawBody: JSON.stringify([event]),
      contentType: 'application/cloudevents-batch+json',
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const incident = await until(async () => {
      const { rows } = await cloud().db.query<{ id: string; state: string }>(
        'SELECT id, state FROM incidents WHERE alert_id = $1',
        [alertId],
      );
      const found = rows[0];
      if (found?.state !== 'DISPATCHED') return undefined;
      const decision = await cloud().dispatch.decision(found.id, 3);
      return decision?.doneAt ? found : undefined;
    }, 'the alert’s incident to be dispatched');
    const steps = await cloud().incidents.steps(incident.id);
    expect(steps.map((step) => [step.action, step.role])).toEqual([
      ['report', 'system'],
      ['accept', 'system'],
      ['file', 'system'],
      ['dispatch', 'system'],
    ]);
    expect(steps.slice(1).map((step) => step.requestId)).toEqual(
      [1, 2, 3].map((version) => `dispatch:${incident.id}:${version}`),
    );
    const message = robot.received.find((body) => JSON.stringify(body).includes(incident.id)) as {
      msgtype: string;
      markdown: { content: string };
    };
    expect(message.msgtype).toBe('markdown');
    expect(message.markdown.content).toMatch(new RegExp(`^### 【紧急】3号楼2单元烟感报警 \\(${incident.id}\\)`));
    const { rows } = await cloud().db.query<{ channel: string; status: string }>(
      'SELECT channel, status FROM notification_log WHERE incident_id = $1 ORDER BY channel',
      [incident.id],
    );
    expect(rows).toEqual([
      { channel: 'live', status: 'sent' },
      { channel: `robot:community:${COMMUNITY}:property`, status: 'sent' },
      { channel: 'sms', status: 'sent' },
    ]);
  });

  it('attack: a device’s alert text with @all, <@mentions> and links posts nothing mentioning or clickable to the community group (stand-in for WeCom)', async () => {
    const gateway = `gw-${backend}-mentions`;
    const token = await registerGateway(cloud(), gateway);
    const alertId = `alert-${backend}-mentions-1`;
    // A rule template copies a device field into the message: the device chose these words.
    const data: AlertPayload = {
      alert_id: alertId,
      rule_id: 'smoke-confirmed',
      device_id: 'smoke-b3-u2-0402',
      state: 'active',
      severity: 'critical',
      category: 'emergency.fire',
      since: clock().toISOString(),
      last_seen: clock().toISOString(),
      occurrences: 1,
      message: {
        zh: '烟感报警 @all <@zhangsan> 请点 [处置入口](http://evil.example/pay) 或 https://phish.example/login',
        en: '**Smoke** @13800000000 see www.evil.example',
      },
      place: { community: COMMUNITY, grid: grid(1), building: '5', unit: '1', floor: 2 },
    };
    const event = createCloudEvent({
      id: `evt-${backend}-mentions-1`,
      type: 'cn.gridlink.alert.raised.v1',
      gatewayId: gateway,
      deviceId: 'smoke-b3-u2-0402',
      time: clock().toISOString(),
      data,
      priority: 'alarm',
    }) as CloudEvent;
    const sent = await api(cloud(), 'POST', `/api/v1/gateways/${gateway}/events`, {
      token,
      rawBody: JSON.stringify([event]),
      contentType: 'application/cloudevents-batch+json',
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const message = await until(async () => {
      const { rows } = await cloud().db.query<{ id: string }>('SELECT id FROM incidents WHERE alert_id = $1', [
        alertId,
      ]);
      const id = rows[0]?.id;
      return id === undefined
        ? undefined
        : (robot.received.find((body) => JSON.stringify(body).includes(id)) as { markdown: { content: string } });
    }, 'the community robot to be told');
    const { content } = message.markdown;
    expect(content).toContain(
      '烟感报警 ＠all 请点 处置入口 （链接已删除 link removed） 或 （链接已删除 link removed）',
    );
    for (const forbidden of [/@/, /<@/, /https?:\/\//, /\]\(/, /www\./, /\*\*/]) expect(content).not.toMatch(forbidden);
  });

  it('finishes in the sweep what the listener did not see (another replica, a crash)', async () => {
    const other = new IncidentEngine(cloud().db, clock);
    const id = await filed({ grid: grid(3), engine: other });
    expect((await cloud().incidents.get(id))?.state).toBe('FILED');
    expect(await cloud().dispatch.sweep()).toBeGreaterThanOrEqual(1);
    expect(await cloud().incidents.get(id)).toMatchObject({ state: 'DISPATCHED', assignee: users.chief3 });
  });
});
