import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceRecord } from '../devices/directory.js';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDataDir, testDevice, testGatewayConfig } from '../test-support.js';
import { startTestCloud } from '../uplink/test-cloud.js';

const PASSWORD = 'device-secret-1';
const GATEWAY = 'gw-inventory';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Devices that never connect (the hash is never checked): a large community, cheaply. */
const quiet = (count: number): DeviceRecord[] =>
  Array.from({ length: count }, (_, n) => ({
    id: `wm-${String(n).padStart(4, '0')}`,
    kind: 'water_meter',
    status: 'active',
    passwordHash: 'never-used',
    place: { community: '320803001001', building: String(1 + (n % 6)) },
  }));

async function system(devices: DeviceRecord[], uplink: Record<string, unknown> = {}) {
  const cloud = await startTestCloud(GATEWAY);
  cleanup.push(() => cloud.stop());
  const directory = new InMemoryDirectory([await testDevice('smoke-1', 'smoke_detector', PASSWORD), ...devices]);
  const config = testGatewayConfig({
    gateway: { id: GATEWAY, community: '320803001001', data_dir: testDataDir() },
    uplink: {
      enabled: true,
      url: cloud.url,
      token: cloud.token,
      backoff_initial_ms: 50,
      backoff_max_ms: 400,
      request_timeout_ms: 2000,
      downlink: false,
      ...uplink,
    },
    // Periodic reports are triggered by the tests; the change check runs often.
    inventory: { change_check_interval_ms: 100, device_health_interval_s: 86_400, gateway_health_interval_s: 86_400 },
  });
  const gateway = new Gateway({ config, directory, logger: silentLogger() });
  await gateway.start();
  cleanup.push(() => gateway.stop());
  const connect = async (id: string) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: id,
      username: id,
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    cleanup.push(() => client.endAsync(true));
    return client;
  };
  const devicesInCloud = async () =>
    Object.fromEntries(
      (
        await cloud.query<{ device_id: string; status: string }>(
          "SELECT device_id, status FROM devices WHERE community = '320803001001' ORDER BY device_id",
        )
      ).map((row) => [row.device_id, row.status]),
    );
  return { cloud, gateway, directory, connect, devicesInCloud };
}

describe('the inventory module, with a real cloud', () => {
  it('sends a full sync at start and a change record when a device is added or retired; the cloud keeps each device', async () => {
    const { gateway, directory, devicesInCloud } = await system(quiet(3));
    await expect
      .poll(devicesInCloud, { timeout: 15_000 })
      .toEqual({ 'smoke-1': 'active', 'wm-0000': 'active', 'wm-0001': 'active', 'wm-0002': 'active' });

    directory.addDevice({ ...quiet(4)[3], id: 'wm-new' } as DeviceRecord);
    directory.addDevice({ ...quiet(1)[0], status: 'retired' } as DeviceRecord);
    await expect.poll(devicesInCloud, { timeout: 15_000 }).toEqual({
      'smoke-1': 'active',
      'wm-0000': 'retired',
      'wm-0001': 'active',
      'wm-0002': 'active',
      'wm-new': 'active',
    });
    expect(gateway.inventory?.stats()).toMatchObject({ syncs: 1, changes: 2 });
  }, 60_000);

  it('reports device health and its own; a device heard from shows its battery and last seen in the cloud', async () => {
    const { cloud, gateway, connect } = await system([]);
    const smoke = await connect('smoke-1');
    const state = { smoke: false, smoke_density: 0.01, temperature: 21, battery: 42, rssi: -77, tamper: false };
    await smoke.publishAsync('gridlink/smoke-1', JSON.stringify(state), { qos: 1 });
    await smoke.publishAsync(
      'gridlink/smoke-1/event/fault',
      JSON.stringify({ ts: new Date().toISOString(), code: 'E03' }),
      { qos: 1 },
    );
    // Reported again on each look until the cloud shows them: a summary taken before the gateway
    // had handled both messages would lack them (the next one replaces it, unsent ones coalesce).
    await expect
      .poll(
        async () => {
          gateway.inventory?.reportDeviceHealth();
          gateway.inventory?.reportGatewayHealth();
          return (
            await cloud.query<{ battery: number; signal_dbm: number; faults: string[]; seen: boolean }>(
              "SELECT battery, signal_dbm, faults, last_seen IS NOT NULL AS seen FROM devices WHERE device_id = 'smoke-1'",
            )
          )[0];
        },
        { timeout: 15_000, interval: 200 },
      )
      .toEqual({ battery: 42, signal_dbm: -77, faults: ['E03'], seen: true });
    // The gateway's own health is an event of its own: projected on its own time, not with the device's.
    const gatewayHealth = async () =>
      (
        await cloud.query<{ data: { clients: number; clock_offset_ms: number | null } }>(
          `SELECT data FROM gateway_health WHERE gateway_id = '${GATEWAY}' ORDER BY observed_at DESC, seq DESC LIMIT 1`,
        )
      )[0];
    // Its clock offset is known once the cloud has answered once; a report taken before says null.
    await expect
      .poll(
        async () => {
          gateway.inventory?.reportGatewayHealth();
          return (await gatewayHealth())?.data.clock_offset_ms ?? null;
        },
        { timeout: 15_000, interval: 200 },
      )
      .not.toBeNull();
    const health = await gatewayHealth();
    expect(health?.data.clients).toBeGreaterThanOrEqual(1);
    // The cloud runs on this machine: the offset measured from its Date header (whole seconds, read
    // after the request's round trip) is a second or so, a few on a loaded machine; never unknown.
    expect(Math.abs(health?.data.clock_offset_ms ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(5000);
  }, 60_000);

  it('never delays an alarm: one raised behind a backlog of health batches reaches the cloud before them', async () => {
    const { cloud, gateway, connect } = await system(quiet(1500), { batch_max_events: 50, max_events_per_second: 500 });
    cloud.proxy.set({ kind: 'refuse' }, { cut: true });
    const smoke = await connect('smoke-1');
    gateway.inventory?.reportDeviceHealth();
    gateway.inventory?.reportDeviceHealth(); // coalesced: still one round of 1,501 devices in 4 batches
    await expect.poll(() => gateway.uplink?.stats().outbox.coalesced, { timeout: 10_000 }).toBe(4);
    const waiting = gateway.uplink?.outbox.depth().telemetry ?? 0;
    // Four health batches, the four parts of the start's full sync and the gateway's health.
    expect(waiting).toBe(4 + 4 + 1);
    expect(gateway.uplink?.stats().outbox.coalesced).toBe(4);
    await smoke.publishAsync('gridlink/smoke-1/event/alarm', JSON.stringify({ ts: new Date().toISOString() }), {
      qos: 1,
    });
    cloud.proxy.set({ kind: 'pass' });
    await expect
      .poll(
        async () => (await cloud.events()).filter((row) => row.type === 'cn.gridlink.device.health_batch.v1').length,
        { timeout: 30_000 },
      )
      .toBe(4);
    // Every device's health of the newer round is in the cloud.
    await expect
      .poll(
        async () =>
          (await cloud.query<{ n: number }>('SELECT count(*)::int AS n FROM devices WHERE health_at IS NOT NULL'))[0]
            ?.n,
        { timeout: 30_000 },
      )
      .toBe(1501);
    const rows = await cloud.events();
    const alarmAt = rows.findIndex((row) => row.type === 'cn.gridlink.device.event.v1' && row.device_id === 'smoke-1');
    const firstHealth = rows.findIndex((row) => row.type === 'cn.gridlink.device.health_batch.v1');
    expect(alarmAt).toBeGreaterThanOrEqual(0);
    expect(alarmAt).toBeLessThan(firstHealth);
    expect(rows[alarmAt]?.priority).toBe('alarm');
  }, 90_000);
});
