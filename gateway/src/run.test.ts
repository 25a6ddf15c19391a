import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestInfluxDatabase, testServices } from '@gridlink/testkit';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry, registryPathIn } from './registry/index.js';
import { startGatewayFromConfig } from './run.js';
import { silentLogger, testGatewayConfig } from './test-support.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataDir() {
  const dir = await mkdtemp(join(tmpdir(), 'gridlink-gw-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function provision(dir: string) {
  const registry = DeviceRegistry.open(registryPathIn(dir));
  const th = await registry.addDevice({
    id: 'th-101',
    kind: 'temp_humidity',
    community: '320803001001',
    building: '3',
  });
  const old = await registry.addDevice({ id: 'th-old', kind: 'temp_humidity' });
  registry.retire('th-old', 'replaced');
  registry.close();
  return { th: th.password, old: old.password };
}

const connect = (port: number, id: string, password: string) =>
  mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: id, username: id, password, reconnectPeriod: 0 });

describe('the gateway started from its configuration', () => {
  it('admits devices provisioned in its registry, refuses retired ones, and writes telemetry to InfluxDB', async () => {
    const dir = await dataDir();
    const passwords = await provision(dir);
    const influx = await createTestInfluxDatabase();
    cleanups.push(() => influx.drop());
    const config = testGatewayConfig({
      gateway: { id: 'gw-test', community: '320803001001', data_dir: dir },
      telemetry: {
        enabled: true,
        flush_interval_ms: 50,
        influx: { version: 1, url: testServices().influx.url, database: influx.database },
      },
    });
    const started = await startGatewayFromConfig(config, silentLogger());
    cleanups.push(() => started.stop());
    const port = started.gateway.ports.tcp ?? 0;

    await expect(connect(port, 'th-old', passwords.old)).rejects.toThrow('Connection refused: Not authorized');
    const device = await connect(port, 'th-101', passwords.th);
    cleanups.push(() => device.endAsync());
    await device.publishAsync('gridlink/th-101', '{"temperature":21.5,"humidity":40}', { qos: 1 });

    await expect
      .poll(async () => {
        const q = new URLSearchParams({
          db: influx.database,
          q: 'SELECT temperature, humidity FROM sensor',
          epoch: 'ms',
        });
        const body = (await (await fetch(`${testServices().influx.url}/query?${q}`)).json()) as {
          results: Array<{ series?: Array<{ values: unknown[][] }> }>;
        };
        return body.results[0]?.series?.[0]?.values.map((row) => row.slice(1));
      })
      .toEqual([[21.5, 40]]);
  });

  it('loses no broker traffic while InfluxDB is down: every message is acknowledged and validated, points wait in a bounded queue', async () => {
    const dir = await dataDir();
    const passwords = await provision(dir);
    const config = testGatewayConfig({
      gateway: { id: 'gw-test', community: '320803001001', data_dir: dir },
      // Nothing listens on port 9 (discard) here: every write fails fast.
      telemetry: {
        enabled: true,
        flush_interval_ms: 10,
        max_queued_points: 100,
        influx: { version: 1, url: 'http://127.0.0.1:9', database: 'down' },
      },
    });
    const started = await startGatewayFromConfig(config, silentLogger());
    cleanups.push(() => started.stop());
    const device = await connect(started.gateway.ports.tcp ?? 0, 'th-101', passwords.th);
    cleanups.push(() => device.endAsync());

    for (let n = 0; n < 300; n++) {
      await device.publishAsync('gridlink/th-101', JSON.stringify({ temperature: 20 + n / 100 }), { qos: 1 });
    }
    const stats = started.gateway.stats();
    expect(stats.valid).toBe(300);
    expect(stats.telemetry?.written).toBe(0);
    // The queue holds at most 100 points, plus the one batch being retried.
    expect((stats.telemetry?.queued ?? 0) - (stats.telemetry?.inFlight ?? 0)).toBeLessThanOrEqual(100);
    expect((stats.telemetry?.queued ?? 0) + (stats.telemetry?.dropped.queue_full ?? 0)).toBe(300);
    expect(stats.telemetry?.failures).toBeGreaterThan(0);
  });
});
