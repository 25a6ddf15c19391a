import { type CloudEvent, createCloudEvent, type GatewayHealth } from '@gridlink/protocol';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, manualClock, registerGateway, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { FleetGatewayPage, FleetList } from './routes.js';

const MINUTE = 60_000;
const STREET = '320803001';
const OTHER_STREET = '320803002';

/**
 * The gateway fleet over HTTP, with health sent through the intake as gateways send it: who sees
 * which gateways, the trouble order, and a gateway's history (contact gaps, version changes).
 */
describe.each(BACKENDS)('the gateway fleet API (%s)', (backend) => {
  const clock = manualClock('2026-11-25T08:00:00.000Z');
  const cloud = useTestCloud(backend, { projectionSettleMs: 0, clock });
  const id = (name: string) => `gw-fleet-${backend}-${name}`;
  const tokens: Record<string, string> = {};
  const gatewayTokens: Record<string, string> = {};
  let seq = 0;

  async function health(name: string, fields: Partial<GatewayHealth> = {}) {
    seq++;
    const observed = clock().toISOString();
    const data: GatewayHealth = {
      gateway_id: id(name),
      version: '1.4.0',
      uptime_s: 3600,
      clients: 12,
      outbox_depth: { alarm: 0, state: 0, telemetry: 3 },
      outbox_dropped: 0,
      cameras: { configured: 2, online: 2, authenticated: 2, subscribed: 2 },
      disk_free_bytes: 1e9,
      clock_offset_ms: 40,
      observed_at: observed,
      seq,
      ...fields,
    };
    const event = createCloudEvent({
      id: `gh-${backend}-${name}-${seq}`,
      type: 'cn.gridlink.gateway.health.v1',
      gatewayId: id(name),
      time: observed,
      priority: 'telemetry',
      data,
    }) as CloudEvent;
    const response = await api(cloud(), 'POST', `/api/v1/gateways/${id(name)}/events`, {
      token: gatewayTokens[name] as string,
      body: [event],
    });
    expect(response.status).toBe(200);
  }

  const fleet = (who: string) =>
    api<FleetList>(cloud(), 'GET', '/api/v1/fleet/gateways', { token: tokens[who] as string });
  const page = (who: string, name: string, query = '') =>
    api<FleetGatewayPage>(cloud(), 'GET', `/api/v1/fleet/gateways/${id(name)}${query}`, {
      token: tokens[who] as string,
    });

  beforeAll(async () => {
    const communities = { quiet: '001', late: '001', backlog: '002', fine: '003', never: '004' } as const;
    for (const [name, community] of Object.entries(communities))
      gatewayTokens[name] = await registerGateway(cloud(), id(name), `${STREET}${community}`);
    gatewayTokens.elsewhere = await registerGateway(cloud(), id('elsewhere'), `${OTHER_STREET}001`);
    tokens.admin = TEST_ADMIN_TOKEN;
    const people = {
      street: [{ role: 'district_admin', scope: STREET }],
      district: [{ role: 'district_admin', scope: '320803' }],
      installer: [{ role: 'installer', scope: id('backlog') }],
      property: [{ role: 'property_manager', scope: `${STREET}001` }],
    } as const;
    for (const [name, roles] of Object.entries(people))
      tokens[name] = (await signedIn(cloud(), `${backend}-fleet-${name}`, [...roles])).token;

    // `late`: on 1.3.0, then silent 40 minutes, back on 1.4.0; last heard 15 minutes ago (link down).
    await health('late', { version: '1.3.0' });
    await health('elsewhere');
    clock.advance(40 * MINUTE);
    await health('late');
    clock.advance(5 * MINUTE);
    await health('late');
    await health('quiet');
    clock.advance(15 * MINUTE);
    await health('backlog', { outbox_depth: { alarm: 3, state: 40, telemetry: 900 } });
    await health('fine');
  }, 60_000);

  it('lists a street administrator only the street’s gateways, trouble first', async () => {
    const response = await fleet('street');
    expect(response.status).toBe(200);
    expect(response.body.gateways.map((g) => [g.gateway_id, g.link, g.troubles[0]?.trouble ?? null])).toEqual([
      // Never heard from, then silent longest first.
      [id('never'), 'silent', 'silent'],
      [id('late'), 'down', 'link_down'],
      [id('quiet'), 'down', 'link_down'],
      [id('backlog'), 'up', 'outbox_backlog'],
      [id('fine'), 'up', null],
    ]);
    const backlog = response.body.gateways.find((g) => g.gateway_id === id('backlog'));
    expect(backlog).toMatchObject({
      community: `${STREET}002`,
      version: '1.4.0',
      outbox: { alarm: 3, total: 943 },
      devices: { online: 0, total: 0 },
      cameras: { configured: 2, online: 2, authenticated: 2, subscribed: 2 },
      token_age_days: 0,
      last_contact_at: clock().toISOString(),
    });
  });

  it("counts a gateway's active and online devices as its inventory and availability arrive", async () => {
    const name = 'counted';
    gatewayTokens[name] = await registerGateway(cloud(), id(name), `${STREET}005`);
    const at = clock().toISOString();
    const device = (deviceId: string) => ({
      device_id: deviceId,
      device_kind: 'smoke_detector' as const,
      tags: [],
      status: 'active' as const,
    });
    const events = [
      createCloudEvent({
        id: `sync-${backend}-${name}`,
        type: 'cn.gridlink.inventory.sync.v1',
        gatewayId: id(name),
        time: at,
        priority: 'telemetry',
        data: {
          gateway_id: id(name),
          community: `${STREET}005`,
          sync_id: 'sync-1',
          part: 1,
          parts: 1,
          devices: [device('c-1'), device('c-2'), device('c-3')],
          observed_at: at,
          seq: 1,
        },
      }),
      ...['c-1', 'c-2'].map((deviceId) =>
        createCloudEvent({
          id: `av-${backend}-${name}-${deviceId}`,
          type: 'cn.gridlink.device.availability.v1',
          gatewayId: id(name),
          deviceId,
          time: at,
          priority: 'state',
          data: { device_id: deviceId, device_kind: 'smoke_detector', state: 'online', reason: 'connected' },
        }),
      ),
    ] as CloudEvent[];
    const sent = await api(cloud(), 'POST', `/api/v1/gateways/${id(name)}/events`, {
      token: gatewayTokens[name] as string,
      body: events,
    });
    expect(sent.status).toBe(200);
    // The projection follows the intake's answer.
    await vi.waitFor(async () => {
      const listed = (await fleet('admin')).body.gateways.find((g) => g.gateway_id === id(name));
      expect(listed?.devices).toEqual({ online: 2, total: 3 });
    });
  });

  it('shows the district administrator every street, an installer their own gateways, and refuses other roles', async () => {
    expect((await fleet('district')).body.gateways.map((g) => g.gateway_id)).toContain(id('elsewhere'));
    expect((await fleet('installer')).body.gateways.map((g) => g.gateway_id)).toEqual([id('backlog')]);
    expect((await fleet('property')).status).toBe(403);
    expect((await api(cloud(), 'GET', '/api/v1/fleet/gateways')).status).toBe(401);
    // Another street's gateway is as good as unknown to a street administrator.
    expect((await page('street', 'elsewhere')).status).toBe(404);
    expect((await page('installer', 'late')).status).toBe(404);
    expect((await page('district', 'elsewhere')).status).toBe(200);
  });

  it('shows a gateway’s history: its health reports, contact gaps and version changes', async () => {
    const response = await page('street', 'late', '?days=1');
    expect(response.status).toBe(200);
    const { gateway, health: points, gaps, versions } = response.body;
    expect(gateway).toMatchObject({ gateway_id: id('late'), link: 'down', version: '1.4.0' });
    expect(points.map((p) => p.version)).toEqual(['1.3.0', '1.4.0', '1.4.0']);
    expect(gaps).toEqual([{ from: '2026-11-25T08:00:00.000Z', to: '2026-11-25T08:40:00.000Z', minutes: 40 }]);
    expect(versions).toEqual([
      { at: '2026-11-25T08:00:00.000Z', from: null, to: '1.3.0' },
      { at: '2026-11-25T08:40:00.000Z', from: '1.3.0', to: '1.4.0' },
    ]);
    expect((await page('street', 'late', '?days=99')).status).toBe(400);
  });

  it('lists a community’s repeat offenders for whoever sees the community', async () => {
    const path = (community: string) => `/api/v1/communities/${community}/maintenance/repeat-offenders`;
    const mine = await api(cloud(), 'GET', path(`${STREET}001`), { token: tokens.property as string });
    expect(mine).toMatchObject({ status: 200, body: { community: `${STREET}001`, window_days: 30, devices: [] } });
    expect((await api(cloud(), 'GET', path(`${STREET}002`), { token: tokens.property as string })).status).toBe(403);
    expect((await api(cloud(), 'GET', path('12'), { token: tokens.street as string })).status).toBe(404);
  });
});
