import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Gateway } from '../gateway.js';
import { DeviceRegistry, registryPathIn } from '../registry/index.js';
import { silentLogger, testGatewayConfig } from '../test-support.js';
import { request } from './integrator-test-support.js';

const running: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

describe('an integrator on a whole gateway', () => {
  it('lists devices, commands a granted meter into the registry’s audit log, and brings a sensor’s reading onto the bus', async () => {
    const config = testGatewayConfig();
    const registry = DeviceRegistry.open(registryPathIn(config.gateway.data_dir));
    const [meter] = await registry.addDevices([
      { id: 'wm-1', kind: 'water_meter', community: config.gateway.community, building: '1', tags: ['elderly_alone'] },
      { id: 'th-ext-1', kind: 'temp_humidity', community: config.gateway.community, building: 'pump' },
    ]);
    const { password } = await registry.addService('nodered', 'integrator', {
      commandDevices: ['wm-1'],
      ingestDevices: ['th-ext-1'],
    });
    const gateway = new Gateway({ config, directory: registry, logger: silentLogger() });
    await gateway.start();
    const clients: MqttClient[] = [];
    running.push(async () => {
      await Promise.all(clients.map((client) => client.endAsync(true)));
      await gateway.stop();
      registry.close();
    });
    const connect = async (clientId: string, username: string, secret: string) => {
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
        clientId,
        username,
        password: secret,
        reconnectPeriod: 0,
      });
      clients.push(client);
      return client;
    };
    const readings: string[] = [];
    gateway.bus.on('message', ({ device, message }) => readings.push(`${device.id} ${message.type}`));

    const flow = await connect('svc-nodered', 'nodered', password);
    const listed = await request(flow, 'devices/list');
    expect(listed.data).toEqual({
      devices: [
        {
          id: 'th-ext-1',
          kind: 'temp_humidity',
          status: 'active',
          place: { community: '320803001001', building: 'pump' },
          tags: [],
        },
        {
          id: 'wm-1',
          kind: 'water_meter',
          status: 'active',
          place: { community: '320803001001', building: '1' },
          tags: ['elderly_alone'],
        },
      ],
    });

    const device = await connect('wm-1', 'wm-1', meter?.password ?? '');
    const commands: string[] = [];
    device.on('message', (topic, payload) => commands.push(`${topic} ${payload.toString()}`));
    await device.subscribeAsync('gridlink/wm-1/set', { qos: 1 });
    await flow.publishAsync('gridlink/wm-1/set', '{"valve":"close"}', { qos: 1 });
    await expect.poll(() => commands).toEqual(['gridlink/wm-1/set {"valve":"close"}']);
    expect(registry.auditLog(1)[0]).toMatchObject({
      username: 'nodered',
      role: 'integrator',
      action: 'mqtt.command',
      target: 'wm-1',
      detail: 'delivered: {"valve":"close"}',
    });

    await flow.publishAsync('gridlink/th-ext-1', '{"temperature":31.5,"humidity":70}', { qos: 1 });
    await expect.poll(() => readings).toContain('th-ext-1 state');
  });
});
