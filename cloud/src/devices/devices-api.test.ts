import { type CloudEvent, createCloudEvent, type InventoryDevice } from '@gridlink/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { signedIn } from '../people/test-support.js';
import { api, BACKENDS, registerGateway, TEST_ADMIN_TOKEN, useTestCloud } from '../test-support.js';
import type { DeviceView } from './read.js';

const COMMUNITY = '320803001001';
const OTHER_COMMUNITY = '320803001002';
const GRID = '320803001001001';

const device = (id: string, grid?: string): InventoryDevice => ({
  device_id: id,
  device_kind: 'smoke_detector',
  place: { community: COMMUNITY, ...(grid === undefined ? {} : { grid }) },
  tags: ['elderly_alone'],
  status: 'active',
});

/**
 * The read APIs of the device inventory, with events sent through the intake as a gateway sends
 * them: who sees which devices, and what a device shows.
 */
describe.each(BACKENDS)('the device inventory API (%s)', (backend) => {
  const cloud = useTestCloud(backend, { projectionSettleMs: 0 });
  const gateway = `gw-devices-${backend}`;
  const otherGateway = `gw-devices-other-${backend}`;
  const tokens: Record<string, string> = {};
  let gatewayToken = '';

  const send = async (events: CloudEvent[], token = gatewayToken, id = gateway) => {
    const response = await api<{ results: Array<{ status: string }> }>(
      cloud(),
      'POST',
      `/api/v1/gateways/${id}/events`,
      {
        token,
        body: events,
      },
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body.results.map((result) => result.status);
  };
  const sync = (gatewayId: string, community: string, devices: InventoryDevice[], minute: number) =>
    createCloudEvent({
      id: `sync-${backend}-${gatewayId}-${minute}`,
      type: 'cn.gridlink.inventory.sync.v1',
      gatewayId,
      time: `2026-11-25T08:${String(minute).padStart(2, '0')}:00.000Z`,
      priority: 'telemetry',
      data: {
        gateway_id: gatewayId,
        community,
        sync_id: `sync-${minute}`,
        part: 1,
        parts: 1,
        devices,
        observed_at: `2026-11-25T08:${String(minute).padStart(2, '0')}:00.000Z`,
        seq: minute,
      },
    }) as CloudEvent;
  const list = (path: string, who: string) =>
    api<{ devices: DeviceView[]; health?: unknown }>(cloud(), 'GET', path, { token: tokens[who] as string });

  beforeAll(async () => {
    gatewayToken = await registerGateway(cloud(), gateway, COMMUNITY);
    await registerGateway(cloud(), otherGateway, OTHER_COMMUNITY);
    tokens.admin = TEST_ADMIN_TOKEN;
    const people = {
      property: [{ role: 'property_manager', scope: COMMUNITY }],
      stranger: [{ role: 'property_manager', scope: OTHER_COMMUNITY }],
      worker: [{ role: 'grid_worker', scope: GRID }],
      installer: [{ role: 'installer', scope: gateway }],
    } as const;
    for (const [name, roles] of Object.entries(people)) {
      tokens[name] = (await signedIn(cloud(), `${backend}-dev-${name}`, [...roles])).token;
    }
    expect(
      await send([sync(gateway, COMMUNITY, [device('smoke-1', GRID), device('smoke-2'), device('smoke-3')], 1)]),
    ).toEqual(['accepted']);
    expect(await send([sync(gateway, COMMUNITY, [device('smoke-1', GRID), device('smoke-2')], 2)])).toEqual([
      'accepted',
    ]);
    // The projection follows the intake's answer: wait until it has reconciled the second sync.
    const missing = async () =>
      (await list(`/api/v1/communities/${COMMUNITY}/devices?status=missing`, 'admin')).body.devices.length;
    for (const deadline = Date.now() + 20_000; (await missing()) !== 1; ) {
      if (Date.now() > deadline) throw new Error('the device projection did not reconcile the second sync');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }, 60_000);

  it('lists a community’s devices for the admin token and its property manager, the missing one kept', async () => {
    for (const who of ['admin', 'property']) {
      const response = await list(`/api/v1/communities/${COMMUNITY}/devices`, who);
      expect(response.status).toBe(200);
      expect(response.body.devices.map((d) => [d.device_id, d.status])).toEqual([
        ['smoke-1', 'active'],
        ['smoke-2', 'active'],
        ['smoke-3', 'missing'],
      ]);
    }
    const [first] = (await list(`/api/v1/communities/${COMMUNITY}/devices`, 'admin')).body.devices;
    expect(first).toMatchObject({ gateway_id: gateway, tags: ['elderly_alone'], health: null, availability: null });
  });

  it('shows a grid worker only the devices of their grid, and refuses another community’s manager', async () => {
    const worker = await list(`/api/v1/communities/${COMMUNITY}/devices`, 'worker');
    expect(worker.body.devices.map((d) => d.device_id)).toEqual(['smoke-1']);
    const stranger = await list(`/api/v1/communities/${COMMUNITY}/devices`, 'stranger');
    expect([stranger.status, (stranger.body as unknown as { code: string }).code]).toEqual([403, 'GL_FORBIDDEN']);
    const anonymous = await api(cloud(), 'GET', `/api/v1/communities/${COMMUNITY}/devices`);
    expect(anonymous.status).toBe(401);
  });

  it('lists a gateway’s devices for its installer and its community, and hides it from everyone else', async () => {
    for (const who of ['admin', 'property', 'installer']) {
      const response = await list(`/api/v1/gateways/${gateway}/devices?status=active`, who);
      expect([who, response.status]).toEqual([who, 200]);
      expect(response.body.devices.map((d) => d.device_id)).toEqual(['smoke-1', 'smoke-2']);
    }
    const stranger = await list(`/api/v1/gateways/${gateway}/devices`, 'stranger');
    expect(stranger.status).toBe(404);
    expect((await list('/api/v1/gateways/gw-nobody/devices', 'admin')).status).toBe(404);
    expect((await list(`/api/v1/gateways/${gateway}/devices?state=x`, 'admin')).status).toBe(400);
  });

  it('shows one device with its availability intervals and health summaries, to those who see it', async () => {
    const at = (minute: number) => `2026-11-25T09:${String(minute).padStart(2, '0')}:00.000Z`;
    const availability = (minute: number, state: 'online' | 'offline') =>
      createCloudEvent({
        id: `av-${backend}-${minute}`,
        type: 'cn.gridlink.device.availability.v1',
        gatewayId: gateway,
        deviceId: 'smoke-1',
        time: at(minute),
        priority: 'state',
        data: {
          device_id: 'smoke-1',
          device_kind: 'smoke_detector',
          state,
          reason: state === 'online' ? 'connected' : 'heartbeat_missed',
        },
      }) as CloudEvent;
    const health = (minute: number, battery: number) =>
      createCloudEvent({
        id: `dh-${backend}-${minute}`,
        type: 'cn.gridlink.device.health.v1',
        gatewayId: gateway,
        deviceId: 'smoke-1',
        time: at(minute),
        priority: 'telemetry',
        data: {
          device_id: 'smoke-1',
          device_kind: 'smoke_detector',
          availability: 'online',
          last_seen: at(minute),
          battery,
          faults: [],
          tamper: false,
          observed_at: at(minute),
          seq: 100 + minute,
        },
      }) as CloudEvent;
    // Reordered, and the newest health sent twice.
    await send([health(20, 30), availability(10, 'offline'), availability(5, 'online'), health(10, 60)]);
    await send([health(20, 30), availability(15, 'online')]);
    const path = `/api/v1/communities/${COMMUNITY}/devices/smoke-1`;
    type Detail = { device: DeviceView; availability: Array<{ state: string }>; health: Array<{ battery: number }> };
    const detail = () => api<Detail>(cloud(), 'GET', path, { token: TEST_ADMIN_TOKEN });
    for (const deadline = Date.now() + 20_000; (await detail()).body.availability?.length !== 3; ) {
      if (Date.now() > deadline) throw new Error('the device projection did not take the availability changes');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const deadline = Date.now() + 20_000; (await detail()).body.health?.length !== 2; ) {
      if (Date.now() > deadline) throw new Error('the device projection did not take the health summaries');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const who of ['admin', 'property', 'worker']) {
      const response = await api<Detail>(cloud(), 'GET', path, { token: tokens[who] as string });
      expect([who, response.status]).toEqual([who, 200]);
      expect(response.body.availability.map((interval) => interval.state)).toEqual(['online', 'offline', 'online']);
      expect(response.body.health.map((summary) => summary.battery)).toEqual([30, 60]);
      expect(response.body.device).toMatchObject({ availability: 'online', health: { battery: 30 } });
    }
    // The grid worker sees only the devices of their grid; another community's manager nothing.
    const outside = await api(cloud(), 'GET', `/api/v1/communities/${COMMUNITY}/devices/smoke-2`, {
      token: tokens.worker as string,
    });
    expect(outside.status).toBe(404);
    expect((await api(cloud(), 'GET', path, { token: tokens.stranger as string })).status).toBe(404);
  });

  it('takes the health of many devices in one batched event through the intake, once however often it is sent', async () => {
    const at = '2026-11-25T10:00:00.000Z';
    const entry = (deviceId: string, battery: number, seq: number) => ({
      device_id: deviceId,
      device_kind: 'smoke_detector' as const,
      availability: 'online' as const,
      last_seen: at,
      battery,
      faults: [],
      tamper: false,
      observed_at: at,
      seq,
    });
    const batch = createCloudEvent({
      id: `dhb-${backend}-1`,
      type: 'cn.gridlink.device.health_batch.v1',
      gatewayId: gateway,
      time: at,
      priority: 'telemetry',
      data: { devices: [entry('smoke-2', 44, 500), entry('smoke-3', 33, 501)] },
    }) as CloudEvent;
    expect(await send([batch])).toEqual(['accepted']);
    expect(await send([batch])).toEqual(['duplicate']);
    type Detail = { device: DeviceView; health: Array<{ battery: number }> };
    const detail = (id: string) =>
      api<Detail>(cloud(), 'GET', `/api/v1/communities/${COMMUNITY}/devices/${id}`, { token: TEST_ADMIN_TOKEN });
    for (const deadline = Date.now() + 20_000; (await detail('smoke-3')).body.health?.length !== 1; ) {
      if (Date.now() > deadline) throw new Error('the device projection did not take the batched health');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await detail('smoke-2')).body.health.map((summary) => summary.battery)).toEqual([44]);
    expect((await detail('smoke-3')).body.device).toMatchObject({ health: { battery: 33 } });
  });

  it('refuses a full sync naming another community than the one the gateway serves', async () => {
    expect(await send([sync(gateway, OTHER_COMMUNITY, [device('smoke-9')], 3)])).toEqual(['rejected']);
  });

  it('documents both routes in /openapi.json', async () => {
    const doc = await api<{ paths: Record<string, unknown> }>(cloud(), 'GET', '/openapi.json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/communities/{code}/devices', '/api/v1/gateways/{id}/devices']),
    );
  });
});
