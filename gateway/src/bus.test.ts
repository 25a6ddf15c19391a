import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { NormalisedMessage } from './bus.js';
import { InMemoryDirectory } from './devices/directory.js';
import { Gateway } from './gateway.js';
import { silentLogger, testDevice, testGatewayConfig } from './test-support.js';

const PASSWORD = 'device-secret-1';
const running: Gateway[] = [];
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  await Promise.all(running.splice(0).map((gateway) => gateway.stop()));
});

describe('the gateway bus', () => {
  it('keeps a throwing listener to itself: the device still gets its PUBACK and the other listeners their message', async () => {
    const directory = new InMemoryDirectory([await testDevice('dc-1', 'door_contact', PASSWORD)]);
    const gateway = new Gateway({ config: testGatewayConfig(), directory, logger: silentLogger() });
    await gateway.start();
    running.push(gateway);
    gateway.bus.on('message', () => {
      throw new Error('a feature module failed');
    });
    const heard: NormalisedMessage[] = [];
    gateway.bus.on('message', (message) => heard.push(message));

    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${gateway.ports.tcp}`, {
      clientId: 'dc-1',
      username: 'dc-1',
      password: PASSWORD,
      reconnectPeriod: 0,
    });
    clients.push(device);
    // MQTT 3.1.1 has no reason codes: a refused publish closes the connection, so a resolved publish is a PUBACK.
    await device.publishAsync('gridlink/dc-1', '{"contact":"open"}', { qos: 1 });
    await device.publishAsync('gridlink/dc-1', '{"contact":"closed"}', { qos: 1 });

    await expect.poll(() => heard.length).toBe(2);
    expect(gateway.bus.listenerErrors()).toEqual({ message: 2 });
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.ports.http}/metrics`)).text();
    expect(metrics).toContain('gridlink_gateway_bus_listener_errors_total{event="message"} 2');
  });
});
