import { type CloudEvent, createCloudEvent } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditOf } from '../people/audit.js';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, registerGateway, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { CommunityAlert } from './alerts.js';
import type { PropertyMonthKpis } from './kpis.js';
import type { PropertyOverview } from './overview.js';

const COMMUNITY = '320803001001';
const OTHER = '320803001002';
const STREET = '320803001';
const GRID = '320803001001001';
const place = (building: string, unit: string, floor: number) => ({ community: COMMUNITY, building, unit, floor });

/**
 * The property manager's API with events sent through the intake as a gateway sends them: alerts
 * an `alert_only` policy opens no incident for are kept for the property, who acknowledges and
 * handles them; the overview counts devices by condition; scope is checked on the server (another
 * community's manager neither sees nor acts, a dispatcher sees but does not act for the property).
 */
describe.each(BACKENDS)('the property manager’s API (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:30:00.000Z');
  const cloud = useTestCloud(backend, { projectionSettleMs: 0, clock });
  const gateway = `gw-prop-${backend}`;
  const otherGateway = `gw-prop-other-${backend}`;
  const tokens: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let gatewayToken = '';
  let otherToken = '';
  let n = 0;

  const event = (gatewayId: string, type: string, data: Record<string, unknown>, time: string, deviceId?: string) =>
    createCloudEvent({
      id: `prop-${backend}-${++n}`,
      type,
      gatewayId,
      ...(deviceId === undefined ? {} : { deviceId }),
      time,
      priority: type.startsWith('cn.gridlink.alert') ? 'alarm' : 'state',
      data,
    } as Parameters<typeof createCloudEvent>[0]) as CloudEvent;
  const send = async (events: CloudEvent[], token = gatewayToken, id = gateway) => {
    const response = await api(cloud(), 'POST', `/api/v1/gateways/${id}/events`, { token, body: events });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  };
  const alert = (alertId: string, category: string, device: string, time: string, community = COMMUNITY) => ({
    alert_id: alertId,
    rule_id: 'rule-1',
    device_id: device,
    state: 'active',
    severity: 'warning',
    category,
    since: time,
    last_seen: time,
    occurrences: 1,
    message: { zh: '电动车进入电梯', en: 'E-bike in the lift' },
    place: { community, building: '3', unit: '2' },
  });
  const get = <T>(who: string, path: string) => api<T>(cloud(), 'GET', `/api/v1${path}`, { token: tokens[who] });
  const post = <T>(who: string, path: string, body: unknown = {}) =>
    api<T>(cloud(), 'POST', `/api/v1${path}`, { token: tokens[who], body });
  const alertsOf = async (who: string, community = COMMUNITY) =>
    (await get<{ alerts: CommunityAlert[] }>(who, `/communities/${community}/alerts`)).body.alerts;

  beforeAll(async () => {
    gatewayToken = await registerGateway(cloud(), gateway, COMMUNITY);
    otherToken = await registerGateway(cloud(), otherGateway, OTHER);
    const people = {
      property: [{ role: 'property_manager', scope: COMMUNITY }],
      stranger: [{ role: 'property_manager', scope: OTHER }],
      operator: [{ role: 'operator', scope: STREET }],
      worker: [{ role: 'grid_worker', scope: GRID }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      const { user, token } = await signedIn(cloud(), `${backend}-prop-${name}`, [...roles]);
      tokens[name] = token;
      ids[name] = user.id;
    }
    await send([
      event(
        gateway,
        'cn.gridlink.inventory.sync.v1',
        {
          gateway_id: gateway,
          community: COMMUNITY,
          sync_id: 'sync-1',
          part: 1,
          parts: 1,
          observed_at: '2026-11-25T08:00:00.000Z',
          seq: 1,
          devices: [
            {
              device_id: 'smoke-3-2-4',
              device_kind: 'smoke_detector',
              place: place('3', '2', 4),
              tags: [],
              status: 'active',
            },
            {
              device_id: 'smoke-3-2-5',
              device_kind: 'smoke_detector',
              place: place('3', '2', 5),
              tags: [],
              status: 'active',
            },
            {
              device_id: 'door-3-1',
              device_kind: 'door_contact',
              place: place('3', '1', 1),
              tags: [],
              status: 'active',
            },
          ],
        },
        '2026-11-25T08:00:00.000Z',
      ),
      ...['smoke-3-2-4', 'smoke-3-2-5', 'door-3-1'].map((device) =>
        event(
          gateway,
          'cn.gridlink.device.availability.v1',
          {
            device_id: device,
            device_kind: device.startsWith('door') ? 'door_contact' : 'smoke_detector',
            state: 'online',
            reason: 'connected',
          },
          '2026-11-25T08:01:00.000Z',
          device,
        ),
      ),
      event(
        gateway,
        'cn.gridlink.device.availability.v1',
        { device_id: 'smoke-3-2-4', device_kind: 'smoke_detector', state: 'offline', reason: 'heartbeat_missed' },
        '2026-11-25T08:20:00.000Z',
        'smoke-3-2-4',
      ),
      event(
        gateway,
        'cn.gridlink.device.health.v1',
        {
          device_id: 'smoke-3-2-5',
          device_kind: 'smoke_detector',
          availability: 'online',
          last_seen: '2026-11-25T08:10:00.000Z',
          battery: 12,
          faults: [],
          tamper: false,
          observed_at: '2026-11-25T08:10:00.000Z',
          seq: 2,
        },
        '2026-11-25T08:10:00.000Z',
        'smoke-3-2-5',
      ),
    ]);
  }, 60_000);

  it('keeps an alert_only alert (an e-bike in the lift) for the community’s property: no incident, yet listed', async () => {
    await send([
      event(
        gateway,
        'cn.gridlink.alert.raised.v1',
        alert('ebike-1', 'safety.ebike_elevator', 'door-3-1', '2026-11-25T08:25:00.000Z'),
        '2026-11-25T08:25:00.000Z',
        'door-3-1',
      ),
    ]);
    // What the incident intake made of it shows once it has taken the alert too (its own projection).
    await expect
      .poll(async () => (await alertsOf('property')).map((a) => [a.alert_id, a.disposition]))
      .toEqual([['ebike-1', 'held']]);
    const [kept] = await alertsOf('property');
    expect(kept, JSON.stringify(kept)).toMatchObject({
      policy: 'alert_only',
      // Counting toward the policy's repeat threshold (the 5th in a week in one building opens an incident).
      disposition: 'held',
      incident_id: null,
      device_id: 'door-3-1',
      acknowledged: null,
      handled: null,
    });
    // The dispatchers over the community see it too.
    expect((await alertsOf('operator')).map((a) => a.alert_id)).toEqual(['ebike-1']);
  });

  it('attack: another community’s property manager neither sees nor acknowledges it; a grid worker does not see it', async () => {
    const seen = await get('stranger', `/communities/${COMMUNITY}/alerts`);
    expect(seen.status).toBe(403);
    expect(seen.body).toMatchObject({ code: 'GL_FORBIDDEN' });
    expect((await get('worker', `/communities/${COMMUNITY}/alerts`)).status).toBe(403);
    expect((await get('stranger', `/communities/${COMMUNITY}/property/overview`)).status).toBe(403);
    const acked = await post('stranger', `/communities/${COMMUNITY}/alerts/${gateway}/ebike-1/acknowledge`);
    expect(acked.status).toBe(403);
    // Asking under their own community finds nothing of the other's.
    const mine = await post('stranger', `/communities/${OTHER}/alerts/${gateway}/ebike-1/acknowledge`);
    expect(mine.status).toBe(404);
    // A dispatcher sees, but acknowledging is the property's.
    expect((await post('operator', `/communities/${COMMUNITY}/alerts/${gateway}/ebike-1/acknowledge`)).status).toBe(
      403,
    );
    expect((await alertsOf('property'))[0]?.acknowledged).toBeNull();
  });

  it('acknowledges, then handles with a note: who and when kept, audited; the first acknowledgement stands', async () => {
    clock.advance(5 * 60_000);
    const acked = await post<{ alert: CommunityAlert }>(
      'property',
      `/communities/${COMMUNITY}/alerts/${gateway}/ebike-1/acknowledge`,
    );
    expect(acked.status, JSON.stringify(acked.body)).toBe(200);
    expect(acked.body.alert.acknowledged).toMatchObject({ by: ids.property, at: clock().toISOString() });
    clock.advance(60_000);
    const again = await post<{ alert: CommunityAlert }>(
      'property',
      `/communities/${COMMUNITY}/alerts/${gateway}/ebike-1/acknowledge`,
    );
    expect(again.body.alert.acknowledged?.at).toBe(acked.body.alert.acknowledged?.at);

    const empty = await post('property', `/communities/${COMMUNITY}/alerts/${gateway}/ebike-1/handle`, { note: ' ' });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ code: 'GL_VALIDATION_FAILED' });
    const handled = await post<{ alert: CommunityAlert }>(
      'property',
      `/communities/${COMMUNITY}/alerts/${gateway}/ebike-1/handle`,
      { note: '已劝离电动车，提醒住户' },
    );
    expect(handled.status, JSON.stringify(handled.body)).toBe(200);
    expect(handled.body.alert.handled).toMatchObject({ by: ids.property, note: '已劝离电动车，提醒住户' });
    expect(
      (await get<{ alerts: CommunityAlert[] }>('property', `/communities/${COMMUNITY}/alerts?open=true`)).body.alerts,
    ).toEqual([]);
    const audit = await auditOf(cloud().db, `community_alert:${gateway}/ebike-1`);
    expect(audit.map((entry) => [entry.action, entry.actor])).toEqual([
      ['community_alert.acknowledge', `user:${ids.property}`],
      ['community_alert.handle', `user:${ids.property}`],
    ]);
  });

  it('follows the gateway: an update newer than the row changes it, an older one does not; a clear keeps it for the record', async () => {
    const raised = alert('ebike-2', 'safety.ebike_elevator', 'door-3-1', '2026-11-25T08:40:00.000Z');
    await send([event(gateway, 'cn.gridlink.alert.raised.v1', raised, '2026-11-25T08:40:00.000Z', 'door-3-1')]);
    await send([
      event(
        gateway,
        'cn.gridlink.alert.updated.v1',
        { ...raised, occurrences: 3, last_seen: '2026-11-25T08:42:00.000Z' },
        '2026-11-25T08:42:00.000Z',
        'door-3-1',
      ),
      event(
        gateway,
        'cn.gridlink.alert.updated.v1',
        { ...raised, occurrences: 2, last_seen: '2026-11-25T08:41:00.000Z' },
        '2026-11-25T08:41:00.000Z',
        'door-3-1',
      ),
      event(
        gateway,
        'cn.gridlink.alert.cleared.v1',
        {
          alert_id: 'ebike-2',
          rule_id: 'rule-1',
          device_id: 'door-3-1',
          cleared_at: '2026-11-25T08:45:00.000Z',
          reason: 'condition_false',
        },
        '2026-11-25T08:45:00.000Z',
        'door-3-1',
      ),
    ]);
    await expect
      .poll(async () => (await alertsOf('property')).find((a) => a.alert_id === 'ebike-2')?.cleared_at ?? null)
      .toBe('2026-11-25T08:45:00.000Z');
    expect((await alertsOf('property')).find((a) => a.alert_id === 'ebike-2')).toMatchObject({
      occurrences: 3,
      clear_reason: 'condition_false',
      handled: null,
    });
    // The other community's gateway's alerts stay the other community's.
    await send(
      [
        event(
          otherGateway,
          'cn.gridlink.alert.raised.v1',
          alert('ebike-9', 'safety.ebike_elevator', 'door-9', '2026-11-25T08:46:00.000Z', OTHER),
          '2026-11-25T08:46:00.000Z',
          'door-9',
        ),
      ],
      otherToken,
      otherGateway,
    );
    await expect.poll(async () => (await alertsOf('stranger', OTHER)).map((a) => a.alert_id)).toEqual(['ebike-9']);
    expect((await alertsOf('property')).map((a) => a.alert_id)).not.toContain('ebike-9');
  });

  it('shows the community at a glance: conditions, counts, offline since when, low battery since when, gateway link', async () => {
    const { status, body } = await get<PropertyOverview>('property', `/communities/${COMMUNITY}/property/overview`);
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.counts).toEqual({ total: 3, online: 1, offline: 1, low_battery: 1, fault: 0, unknown: 0 });
    expect(body.devices.map((d) => [d.device_id, d.condition])).toEqual([
      ['door-3-1', 'online'],
      ['smoke-3-2-4', 'offline'],
      ['smoke-3-2-5', 'low_battery'],
    ]);
    expect(body.offline.map((d) => [d.device_id, d.availability_since])).toEqual([
      ['smoke-3-2-4', '2026-11-25T08:20:00.000Z'],
    ]);
    expect(body.low_battery.map((d) => [d.device_id, d.low_battery_since])).toEqual([
      ['smoke-3-2-5', '2026-11-25T08:10:00.000Z'],
    ]);
    expect(body.gateways).toEqual([expect.objectContaining({ gateway_id: gateway, linked: true, outbox_depth: null })]);
  });

  it('counts the month’s online rate from availability intervals and exports it as CSV', async () => {
    // A maintenance ticket the property reports, responds to 7 minutes later and closes on photos.
    const reported = await post<{ incident: { id: string } }>('property', '/incidents', {
      request_id: `prop-ticket-${backend}`,
      source: 'property',
      category: 'device_maintenance.offline',
      severity: 'minor',
      title: '3 号楼 2 单元 4 层烟感离线',
      community: COMMUNITY,
    });
    expect(reported.status, JSON.stringify(reported.body)).toBe(201);
    const ticket = reported.body.incident.id;
    clock.advance(7 * 60_000);
    const act = async (action: string, extra: Record<string, unknown> = {}) => {
      const response = await post('property', `/incidents/${ticket}/transitions`, {
        action,
        request_id: `${ticket}-${action}`,
        ...extra,
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
    };
    await act('selfHandle');
    const photos = [];
    for (const tag of ['before', 'after']) {
      const upload = await fetch(`${cloud().url}/api/v1/incidents/${ticket}/attachments?tag=${tag}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.property}`, 'content-type': 'image/jpeg' },
        body: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(tag)]),
      });
      expect(upload.status).toBe(201);
      photos.push({ id: ((await upload.json()) as { id: string }).id, tag });
    }
    await act('close', { comment: '已更换电池', attachments: photos });

    const { status, body } = await get<{ months: PropertyMonthKpis[] }>(
      'property',
      `/communities/${COMMUNITY}/property/kpis?from=2026-10&to=2026-11`,
    );
    expect(status, JSON.stringify(body)).toBe(200);
    const [october, november] = body.months;
    expect(october).toMatchObject({ month: '2026-10', device_online_rate: null, tickets_closed: 0 });
    // Up to now (08:36): three devices online from 08:01, one offline from 08:20.
    const now = clock().getTime();
    const from = Date.parse('2026-11-25T08:01:00.000Z');
    const offline = now - Date.parse('2026-11-25T08:20:00.000Z');
    expect(november?.offline_ms).toBe(offline);
    expect(november?.online_ms).toBe(3 * (now - from) - offline);
    expect(november).toMatchObject({
      alerts_raised: 2,
      alerts_acknowledged: 1,
      mean_acknowledge_minutes: 10,
      tickets_opened: 1,
      tickets_responded: 1,
      tickets_awaiting_response: 0,
      mean_response_minutes: 7,
      tickets_closed: 1,
      tickets_closed_on_time: 1,
      closed_on_time_rate: 1,
    });

    const csv = await fetch(
      `${cloud().url}/api/v1/communities/${COMMUNITY}/property/kpis?from=2026-11&to=2026-11&format=csv`,
      {
        headers: { authorization: `Bearer ${tokens.property}` },
      },
    );
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').trim().split('\r\n');
    expect(lines[0]).toMatch(/^月份 Month,设备在线率/);
    expect(lines[1]).toMatch(/^2026-11,/);
    const reversed = await get('property', `/communities/${COMMUNITY}/property/kpis?from=2026-11&to=2026-10`);
    expect(reversed.status).toBe(400);
  });

  it('shows a device’s page: availability intervals, health, its alerts', async () => {
    const { status, body } = await get<{ availability: unknown[]; alerts: CommunityAlert[]; tickets: unknown[] }>(
      'property',
      `/communities/${COMMUNITY}/property/devices/door-3-1`,
    );
    expect(status).toBe(200);
    expect(body.availability).toHaveLength(1);
    expect(body.alerts.map((a) => a.alert_id)).toEqual(['ebike-2', 'ebike-1']);
    expect((await get('stranger', `/communities/${COMMUNITY}/property/devices/door-3-1`)).status).toBe(403);
    expect((await get('property', `/communities/${COMMUNITY}/property/devices/nope`)).status).toBe(404);
  });
  it('charts a device’s readings from its window summaries, for the community’s readers alone', async () => {
    const window = (start: string, end: string, temperature: number) =>
      event(
        gateway,
        'cn.gridlink.telemetry.summary.v1',
        {
          device_id: 'smoke-3-2-5',
          device_kind: 'smoke_detector',
          window_start: start,
          window_end: end,
          fields: {
            temperature: { count: 3, min: temperature - 1, max: temperature + 1, mean: temperature, last: temperature },
            battery: { count: 3, min: 12, max: 12, mean: 12, last: 12 },
          },
        },
        end,
        'smoke-3-2-5',
      );
    const first = window('2026-11-25T08:00:00.000Z', '2026-11-25T08:05:00.000Z', 24);
    // Twice (a retried request), and the later window ahead of the earlier one.
    await send([window('2026-11-25T08:05:00.000Z', '2026-11-25T08:10:00.000Z', 26), first]);
    await send([first, window('2026-11-25T05:00:00.000Z', '2026-11-25T05:05:00.000Z', 20)]);
    const path = `/communities/${COMMUNITY}/property/devices/smoke-3-2-5/readings`;
    type Readings = {
      series: Array<{ field: string; unit: string; name: { zh: string }; points: { mean: number }[] }>;
    };
    await expect
      .poll(async () => (await get<Readings>('property', path)).body.series?.[0]?.points.map((p) => p.mean))
      .toEqual([20, 24, 26]);
    // The last hour (the clock reads 08:30) leaves the 05:00 window out; a dispatcher over the community reads too.
    const { body } = await get<Readings>('operator', `${path}?hours=1`);
    expect(body.series.map((s) => [s.field, s.unit, s.name.zh])).toEqual([['temperature', '°C', '温度']]);
    expect(body.series[0]?.points.map((p) => p.mean)).toEqual([24, 26]);
    expect((await get('stranger', path)).status).toBe(403);
    expect((await get('worker', path)).status).toBe(403);
    expect((await api(cloud(), 'GET', `/api/v1${path}`)).status).toBe(401);
    expect((await get('property', `/communities/${COMMUNITY}/property/devices/nope/readings`)).status).toBe(404);
    const refused = await get<{ detail: string }>('property', `${path}?hours=0`);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('hours');
    expect(
      (await get<Readings>('property', `/communities/${COMMUNITY}/property/devices/door-3-1/readings`)).body,
    ).toEqual(expect.objectContaining({ hours: 24, series: [] }));
  });

  it('keeps an alert whose policy is alert_only without a threshold: no incident, no count, only the property’s', async () => {
    const policy = await api(cloud(), 'PUT', '/api/v1/device-event-policies/safety.access.door_held_open', {
      token: TEST_ADMIN_TOKEN,
      body: { policy: 'alert_only', note: 'a door held open: the property sees to it' },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(201);
    const raised = event(
      gateway,
      'cn.gridlink.alert.raised.v1',
      {
        ...alert('door-held-1', 'safety.access.door_held_open', 'door-3-2-1', '2026-12-02T02:00:00.000Z'),
        message: { zh: '3 号楼 2 单元门长时间未关', en: 'Door of building 3 unit 2 held open' },
      },
      '2026-12-02T02:00:00.000Z',
      'door-3-2-1',
    );
    await send([raised]);
    await expect
      .poll(async () => (await alertsOf('property')).find((a) => a.alert_id === 'door-held-1')?.policy ?? null)
      .toBe('alert_only');
    // What the incident intake makes of it (idempotent: the same whether it has taken it already): nothing.
    expect(await cloud().incidents.fromAlert(raised)).toMatchObject({ outcome: 'ignored', reason: 'alert_only' });
    const kept = (await alertsOf('property')).find((a) => a.alert_id === 'door-held-1');
    expect(kept).toMatchObject({ disposition: 'alert_only', incident_id: null });
    const { rows } = await cloud().db.query(`SELECT 1 FROM incidents WHERE alert_id = 'door-held-1'`);
    expect(rows).toEqual([]);
  });

  it('streams a change of the community to its pages, and to nobody else', async () => {
    expect((await get('stranger', `/communities/${COMMUNITY}/property/stream`)).status).toBe(403);
    const controller = new AbortController();
    const response = await fetch(`${cloud().url}/api/v1/communities/${COMMUNITY}/property/stream`, {
      headers: { authorization: `Bearer ${tokens.property}`, accept: 'text/event-stream' },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (what: string) => {
      while (!text.includes(what)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${what}`);
        text += value;
      }
    };
    try {
      await until('event: ready');
      await send([
        event(
          gateway,
          'cn.gridlink.device.availability.v1',
          { device_id: 'smoke-3-2-5', device_kind: 'smoke_detector', state: 'offline', reason: 'lwt' },
          '2026-12-02T03:00:00.000Z',
          'smoke-3-2-5',
        ),
      ]);
      await until('event: changed');
    } finally {
      controller.abort();
    }
  });
  it('holds at most five page streams per user: the sixth is refused with a time to retry', async () => {
    const controllers = Array.from({ length: 5 }, () => new AbortController());
    const open = (signal?: AbortSignal) =>
      fetch(`${cloud().url}/api/v1/communities/${COMMUNITY}/property/stream`, {
        headers: { authorization: `Bearer ${tokens.operator}`, accept: 'text/event-stream' },
        ...(signal === undefined ? {} : { signal }),
      });
    try {
      for (const controller of controllers) expect((await open(controller.signal)).status).toBe(200);
      const refused = await open();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(await refused.json()).toMatchObject({ code: 'GL_TOO_MANY_STREAMS' });
    } finally {
      for (const controller of controllers) controller.abort();
    }
  });
});
