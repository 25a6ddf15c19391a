import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { DrillStatus } from '@gridlink/protocol';
import { type AlertPayload, type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchedNotification } from '../dispatch/messages.js';
import type { Incident } from '../incidents/index.js';
import type { SmsProvider } from '../notify/sms.js';
import { RosterStore } from '../people/rosters.js';
import { createUser } from '../people/test-support.js';
import { TerritoryStore } from '../territory/store.js';
import { FIXTURE, seedFixtureTerritory } from '../territory/test-support.js';
import { api, manualClock, registerGateway, useTestCloud } from '../test-support.js';

const ADMIN = { kind: 'admin' } as const;
const GRID = FIXTURE.grids[0];
const HOUR = 3_600_000;

/** Records what would have gone out by SMS (no SMS gateway here). */
class RecordingSms implements SmsProvider {
  readonly sent: string[] = [];
  async send(phone: string): Promise<void> {
    this.sent.push(phone);
  }
}

/** A loopback stand-in for the community's group robot: records each message it is sent. */
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
  return { server, url: `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=robot-key`, received };
}

describe('drill incidents from a gateway’s commissioning check', () => {
  const clock = manualClock(new Date().toISOString());
  const sms = new RecordingSms();
  const cloud = useTestCloud(
    'postgres',
    { clock, smsProvider: sms, dispatchSweepMs: HOUR },
    { robots: { allowed_hosts: ['127.0.0.1'] } },
  );
  let robot: Awaited<ReturnType<typeof robotServer>>;
  let worker = '';
  const gateway = 'gw-drill-1';
  let token = '';

  beforeAll(async () => {
    robot = await robotServer();
    await seedFixtureTerritory(new TerritoryStore(cloud().db));
    const user = await createUser(cloud(), 'drill.worker', {
      territory: FIXTURE.community,
      roles: [{ role: 'grid_worker', scope: GRID }],
    });
    worker = user.id;
    const rosters = new RosterStore(cloud().db, clock);
    await rosters.setMember(ADMIN, GRID, worker, 'full_time');
    const now = clock().getTime();
    await rosters.addDutyPeriod(ADMIN, {
      gridCode: GRID,
      userId: worker,
      startsAt: new Date(now - HOUR),
      endsAt: new Date(now + 8 * HOUR),
    });
    // Both outward channels are set up: a drill must use neither.
    await cloud().dispatch.store.setPhone(worker, '13800000001');
    await cloud().dispatch.store.replaceRobots(ADMIN, { kind: 'community', id: FIXTURE.community }, [
      { name: 'property', kind: 'wecom', webhook: robot.url },
    ]);
    token = await registerGateway(cloud(), gateway, FIXTURE.community);
  }, 60_000);

  afterAll(() => new Promise<void>((resolve) => (robot ? robot.server.close(() => resolve()) : resolve())));

  /** A smoke alarm's alert as the gateway sends it, a drill's or not. */
  const send = async (alertId: string, drill: boolean) => {
    const at = clock().toISOString();
    const data: AlertPayload = {
      alert_id: alertId,
      rule_id: 'smoke.alarm',
      device_id: 'smoke-b3-u1-0101',
      state: 'active',
      severity: 'critical',
      category: 'emergency.fire',
      since: at,
      last_seen: at,
      occurrences: 1,
      message: { zh: '烟雾报警', en: 'Smoke alarm' },
      place: { community: FIXTURE.community, grid: GRID, building: '3', unit: '1', floor: 1, room: '0101' },
    };
    const event = createCloudEvent({
      id: `${alertId}.raised`,
      type: 'cn.gridlink.alert.raised.v1',
      gatewayId: gateway,
      deviceId: 'smoke-b3-u1-0101',
      time: at,
      data,
      priority: 'alarm',
      drill,
    }) as CloudEvent;
    const sent = await api<{ results: Array<{ status: string }> }>(
      cloud(),
      'POST',
      `/api/v1/gateways/${gateway}/events`,
      { token, rawBody: JSON.stringify([event]), contentType: 'application/cloudevents-batch+json' },
    );
    expect(sent.body.results).toEqual([expect.objectContaining({ status: 'accepted' })]);
  };

  const status = (alertId: string, as = token) =>
    api<DrillStatus>(cloud(), 'GET', `/api/v1/gateways/${gateway}/commissioning/drills/${alertId}`, { token: as });

  it('makes the drill alert an incident in drill mode, dispatches it to the worker on duty, and tells only the app', async () => {
    await send('drill-a1', true);
    await expect
      .poll(
        async () => {
          const { body } = await status('drill-a1');
          return body.notified_at !== null && body.notified_at !== undefined;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    const { status: code, body } = await status('drill-a1');
    expect(code).toBe(200);
    expect(body).toMatchObject({
      drill: true,
      state: 'DISPATCHED',
      dispatched: { assignee_kind: 'grid_worker', reason: 'on_duty', assignee_name: 'T**' },
    });
    const incident = await cloud().incidents.get(body.incident_id);
    expect(incident).toMatchObject({ drill: true, assignee: worker });
    // The event kept its flag: a sweep after a restart would make the same drill incident.
    const { rows } = await cloud().db.query<{ drill: boolean }>(
      "SELECT drill FROM gateway_events WHERE id = 'drill-a1.raised'",
    );
    expect(rows).toEqual([{ drill: true }]);
    // In the app only: no SMS, no robot group, for the dispatch or anything else.
    const channels = await cloud().db.query<{ channel: string }>(
      'SELECT DISTINCT channel FROM notification_log WHERE incident_id = $1',
      [body.incident_id],
    );
    expect(channels.rows.map((row) => row.channel)).toEqual(['live']);
    expect(sms.sent).toEqual([]);
    expect(robot.received).toEqual([]);
  });

  it('marks a drill’s notice as a drill (演练) for the person it goes to', async () => {
    const incident = (await status('drill-a1')).body;
    const notice = dispatchedNotification(
      (await cloud().incidents.get(incident.incident_id)) as Incident,
      3,
      { kind: 'you' },
      [worker],
      clock(),
    );
    expect(notice.title.zh).toMatch(/^【演练】/);
    expect(notice.title.en).toMatch(/^\[Drill\] /);
  });

  it('keeps a real alarm’s notices as they are, and answers a real alert’s drill question with 404', async () => {
    await send('real-a1', false);
    await expect
      .poll(
        async () => {
          const { rows } = await cloud().db.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM notification_log l JOIN incidents i ON i.id = l.incident_id WHERE i.alert_id = 'real-a1' AND l.channel <> 'live'",
          );
          return rows[0]?.n ?? 0;
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);
    expect((await status('real-a1')).status).toBe(404);
  });

  it('archives the drill incident when the gateway ends the drill, and never a real one', async () => {
    const end = (alertId: string) =>
      api<DrillStatus>(cloud(), 'POST', `/api/v1/gateways/${gateway}/commissioning/drills/${alertId}/end`, {
        token,
        body: {},
      });
    const ended = await end('drill-a1');
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ drill: true, state: 'ARCHIVED' });
    expect((await end('drill-a1')).body).toMatchObject({ state: 'ARCHIVED' });
    const steps = await cloud().incidents.steps(ended.body.incident_id);
    expect(steps.filter((step) => step.action === 'endDrill')).toHaveLength(1);
    expect((await end('real-a1')).status).toBe(404);
    const { rows } = await cloud().db.query<{ id: string }>("SELECT id FROM incidents WHERE alert_id = 'real-a1'");
    await expect(
      cloud().incidents.transition({
        incidentId: rows[0]?.id ?? '',
        action: 'endDrill',
        requestId: 'end-real',
        actor: 'test',
        role: 'system',
      }),
    ).rejects.toThrow(/action "endDrill" is not allowed on incident/);
  });

  it('answers a gateway only about its own drills, and the link check with its own record', async () => {
    const other = await registerGateway(cloud(), 'gw-drill-other', FIXTURE.community);
    expect((await status('drill-a1', other)).status).toBe(403);
    const link = await api(cloud(), 'GET', `/api/v1/gateways/${gateway}/commissioning/link`, { token });
    expect(link.status).toBe(200);
    expect(link.body).toMatchObject({ gateway_id: gateway, community: FIXTURE.community });
  });
});
