import { join } from 'node:path';
import type { CloudEvent, ReadingsWindow } from '@gridlink/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayBus } from '../bus.js';
import { DeviceRegistry, registryPathIn } from '../registry/index.js';
import { silentLogger, testDataDir, testGatewayConfig } from '../test-support.js';
import { InventoryModule, type InventoryModuleOptions } from './inventory-module.js';

const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const handle of opened.splice(0)) handle.close();
});

const T0 = Date.parse('2026-11-25T08:00:00.000Z');

describe('the inventory module’s readings', () => {
  it('sends each window’s readings of every device in one event once the window has ended, and the open one at stop', async () => {
    const dataDir = testDataDir();
    const registry = DeviceRegistry.open(registryPathIn(join(dataDir, 'data')));
    opened.push(registry);
    await registry.addDevice({ id: 'th-1', kind: 'temp_humidity' });
    await registry.addDevice({ id: 'gas-1', kind: 'gas_detector' });
    const sent: Array<{ event: CloudEvent; coalesceKey: string | undefined }> = [];
    const uplink = {
      enqueue: (event: CloudEvent, options: { coalesceKey?: string } = {}) =>
        sent.push({ event, coalesceKey: options.coalesceKey }),
      outbox: { stats: () => ({ depth: { alarm: 0, state: 0, telemetry: 0 }, dropped: 0, coalesced: 0 }) },
      clockOffsetMs: () => null,
    } as unknown as InventoryModuleOptions['uplink'];
    const bus = new GatewayBus();
    let now = T0;
    const inventory = new InventoryModule({
      config: testGatewayConfig({
        gateway: { id: 'gw-test', community: '320803001001', data_dir: dataDir },
        inventory: { readings_window_s: 300 },
      }),
      bus,
      directory: registry,
      uplink,
      health: () => ({}),
      version: '0.1.0',
      logger: silentLogger(),
      now: () => now,
    });
    inventory.start();
    const state = (id: string, values: Record<string, unknown>, at: number) => {
      const device = registry.device(id);
      if (!device) throw new Error(`${id} is registered above`);
      bus.emit('message', { device, message: { type: 'state', deviceId: id, state: values }, receivedAt: at });
    };
    const windows = () =>
      sent.filter((s) => s.event.type === 'cn.gridlink.readings.window.v1').map((s) => s.event.data as ReadingsWindow);

    state('th-1', { temperature: 20, humidity: 50 }, T0 + 1000);
    state('gas-1', { gas_lel: 2 }, T0 + 2000);
    state('th-1', { temperature: 22 }, T0 + 60_000);
    now = T0 + 299_999;
    expect(inventory.reportReadings()).toBe(0);
    now = T0 + 300_000;
    expect(inventory.reportReadings()).toBe(1);
    const [first] = windows();
    expect(first?.devices.map((d) => [d.device_id, Object.keys(d.fields)])).toEqual([
      ['gas-1', ['gas_lel']],
      ['th-1', ['temperature', 'humidity']],
    ]);
    expect(first?.devices[1]?.fields.temperature).toEqual({ count: 2, min: 20, max: 22, mean: 21, last: 22 });

    state('th-1', { temperature: 25 }, T0 + 310_000);
    now = T0 + 320_000;
    inventory.stop();
    expect(windows()[1]).toMatchObject({
      window_start: '2026-11-25T08:05:00.000Z',
      window_end: '2026-11-25T08:05:20.000Z',
    });
    expect(inventory.stats()).toMatchObject({ reading_events: 2, reading_devices_open: 0 });
  });
});
