import { join } from 'node:path';
import {
  type CloudEvent,
  DEVICE_HEALTH_BATCH_MAX,
  type DeviceHealth,
  type DeviceHealthBatch,
  type InventoryChanged,
  type InventorySync,
} from '@gridlink/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayBus } from '../bus.js';
import { DeviceRegistry, registryPathIn } from '../registry/index.js';
import { silentLogger, testDataDir, testGatewayConfig } from '../test-support.js';
import { deviceHealthBatches } from './inventory-events.js';
import { InventoryModule, type InventoryModuleOptions } from './inventory-module.js';

const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const handle of opened.splice(0)) handle.close();
});

/** The module on a real registry file, its events caught where the outbox would take them. */
async function setup() {
  const dataDir = testDataDir();
  const path = registryPathIn(join(dataDir, 'data'));
  const registry = DeviceRegistry.open(path);
  opened.push(registry);
  await registry.addDevice({ id: 'smoke-1', kind: 'smoke_detector', community: '320803001001', building: '3' });
  await registry.addDevice({ id: 'gas-1', kind: 'gas_detector' });
  await registry.addDevice({ id: 'gas-2', kind: 'gas_detector' });
  registry.retire('gas-2');
  const sent: Array<{ event: CloudEvent; coalesceKey: string | undefined }> = [];
  const uplink = {
    enqueue: (event: CloudEvent, options: { coalesceKey?: string } = {}) =>
      sent.push({ event, coalesceKey: options.coalesceKey }),
    outbox: {
      stats: () => ({ depth: { alarm: 0, state: 0, telemetry: 0 }, dropped: 0, coalesced: 0 }),
    },
    clockOffsetMs: () => null,
  } as unknown as InventoryModuleOptions['uplink'];
  const bus = new GatewayBus();
  let now = Date.parse('2026-11-25T08:00:00.000Z');
  const inventory = new InventoryModule({
    config: testGatewayConfig({ gateway: { id: 'gw-test', community: '320803001001', data_dir: dataDir } }),
    bus,
    directory: registry,
    uplink,
    health: () => ({ clients: 2 }),
    version: '0.1.0',
    logger: silentLogger(),
    now: () => now++,
  });
  opened.push({ close: () => inventory.stop() });
  const of = <T>(type: string) => sent.filter((s) => s.event.type === type).map((s) => s.event.data as T);
  /** Every device's summary, from the batched health events, in the order sent. */
  const healths = () => of<DeviceHealthBatch>('cn.gridlink.device.health_batch.v1').flatMap((batch) => batch.devices);
  return { registry, path, inventory, sent, bus, of, healths };
}

describe('the inventory module', () => {
  it('sends a full sync of the registry at start, retired devices included, and its own health', async () => {
    const { inventory, of } = await setup();
    inventory.start();
    const [sync] = of<InventorySync>('cn.gridlink.inventory.sync.v1');
    expect(sync?.devices.map((d) => [d.device_id, d.status])).toEqual([
      ['gas-1', 'active'],
      ['gas-2', 'retired'],
      ['smoke-1', 'active'],
    ]);
    expect(sync).toMatchObject({ community: '320803001001', part: 1, parts: 1 });
    expect(of('cn.gridlink.gateway.health.v1')).toHaveLength(1);
  });

  it('sends a change record for what another process changed in the registry, once', async () => {
    const { inventory, path, sent, of } = await setup();
    inventory.start();
    // The CLI, beside the running gateway, on the same file.
    const cli = DeviceRegistry.open(path);
    opened.push(cli);
    await cli.addDevice({ id: 'door-1', kind: 'door_contact' });
    cli.addTags('smoke-1', ['elderly_alone']);
    expect(inventory.checkChanges()).toBe(2);
    expect(inventory.checkChanges()).toBe(0);
    expect(of<InventoryChanged>('cn.gridlink.inventory.changed.v1').map((c) => [c.device_id, c.tags])).toEqual([
      ['door-1', []],
      ['smoke-1', ['elderly_alone']],
    ]);
    // Every report is in the lowest class, under a key a newer one of the same thing replaces.
    expect(new Set(sent.map((s) => s.event.priority))).toEqual(new Set(['telemetry']));
    expect(sent.every((s) => s.coalesceKey !== undefined)).toBe(true);
  });

  it('summarises each active device’s health from its messages: battery, signal, faults and tamper of the period', async () => {
    const { inventory, registry, bus, healths } = await setup();
    inventory.start();
    const smoke = registry.device('smoke-1');
    if (!smoke) throw new Error('smoke-1 is registered above');
    const at = Date.parse('2026-11-25T08:30:00.000Z');
    bus.emit('message', {
      device: smoke,
      message: { type: 'state', deviceId: 'smoke-1', state: { battery: 17, rssi: -91, tamper: false } },
      receivedAt: at,
    });
    bus.emit('message', {
      device: smoke,
      message: {
        type: 'event',
        deviceId: 'smoke-1',
        eventType: 'fault',
        payload: { ts: '2026-11-25T08:31:00.000Z', code: 'E03' },
      },
      receivedAt: at + 60_000,
    });
    bus.emit('message', {
      device: smoke,
      message: { type: 'event', deviceId: 'smoke-1', eventType: 'tamper', payload: { ts: '2026-11-25T08:32:00.000Z' } },
      receivedAt: at + 120_000,
    });
    inventory.reportDeviceHealth();
    inventory.reportDeviceHealth(); // the next period: faults and tamper events start over
    const health = healths().filter((h) => h.device_id === 'smoke-1');
    expect(
      health.map(({ battery, signal_dbm, faults, tamper, last_seen }) => ({
        battery,
        signal_dbm,
        faults,
        tamper,
        last_seen,
      })),
    ).toEqual([
      { battery: 17, signal_dbm: -91, faults: ['E03'], tamper: true, last_seen: '2026-11-25T08:32:00.000Z' },
      { battery: 17, signal_dbm: -91, faults: [], tamper: false, last_seen: '2026-11-25T08:32:00.000Z' },
    ]);
    // Retired devices get no health summary; observations keep their order.
    const all = healths();
    expect(all.map((h) => h.device_id).sort()).toEqual(['gas-1', 'gas-1', 'smoke-1', 'smoke-1']);
    const seqs = all.map((h) => h.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('sends a round of health in batched events: one per device in id order per round, sent but once per batch number', async () => {
    const { inventory, sent } = await setup();
    inventory.reportDeviceHealth();
    const batches = sent.filter((s) => s.event.type === 'cn.gridlink.device.health_batch.v1');
    expect(batches.map((s) => [s.coalesceKey, s.event.priority, s.event.deviceid])).toEqual([
      ['device-health#1', 'telemetry', undefined],
    ]);
    const [batch] = batches.map((s) => s.event.data as DeviceHealthBatch);
    expect(batch?.devices.map((h) => h.device_id)).toEqual(['gas-1', 'smoke-1']);
  });
});

describe('batched device health', () => {
  const summary = (n: number) => ({
    health: {
      device_id: `wm-${String(n).padStart(4, '0')}`,
      device_kind: 'water_meter' as const,
      availability: 'online' as const,
      last_seen: null,
      faults: [],
      tamper: false,
    },
    observation: { at: Date.parse('2026-11-25T08:00:00.000Z') + n, seq: n },
  });

  it('splits a round into events of at most DEVICE_HEALTH_BATCH_MAX, each summary with its own observation, keyed by batch number', () => {
    const count = 2 * DEVICE_HEALTH_BATCH_MAX + 1;
    const events = deviceHealthBatches(
      'gw-test',
      Array.from({ length: count }, (_, n) => summary(n)),
    );
    expect(events.map((e) => [e.coalesceKey, (e.event.data as DeviceHealthBatch).devices.length])).toEqual([
      ['device-health#1', DEVICE_HEALTH_BATCH_MAX],
      ['device-health#2', DEVICE_HEALTH_BATCH_MAX],
      ['device-health#3', 1],
    ]);
    const all: DeviceHealth[] = events.flatMap((e) => (e.event.data as DeviceHealthBatch).devices);
    expect(all.map((h) => h.seq)).toEqual(Array.from({ length: count }, (_, n) => n));
    expect(all[1]?.observed_at).toBe('2026-11-25T08:00:00.001Z');
    // Ids differ between batches and rounds: the cloud's idempotency key never merges two of them.
    expect(new Set(events.map((e) => e.event.id)).size).toBe(3);
    expect(events[0]?.event.source).toBe('/gateways/gw-test');
  });

  it('sends no event for a round without devices', () => {
    expect(deviceHealthBatches('gw-test', [])).toEqual([]);
  });
});
