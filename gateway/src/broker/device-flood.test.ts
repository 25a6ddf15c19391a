import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayBus } from '../bus.js';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { attachNormaliser } from '../ingest/normalise.js';
import { silentLogger, testDevice, testGatewayConfig, testService } from '../test-support.js';
import { startTestBroker } from './broker-test-support.js';
import { connectPacket, PINGREQ, publishPacket, rawMqtt } from './raw-mqtt.js';

const PASSWORD = 'flood-secret-1';

/** aedes' retained store (memory persistence); untyped in aedes' declarations. */
interface RetainedStore {
  createRetainedStream(pattern: string): AsyncIterable<unknown>;
}
const LIMIT_QOS2 = 8;
let gateway: Gateway;
let url: string;
let port: number;
const clients: MqttClient[] = [];

beforeAll(async () => {
  const directory = new InMemoryDirectory(
    [
      await testDevice('dc-1', 'door_contact', PASSWORD),
      await testDevice('dc-2', 'door_contact', PASSWORD),
      await testDevice('dc-3', 'door_contact', PASSWORD),
      await testDevice('dc-ok', 'door_contact', PASSWORD),
    ],
    [await testService('console', 'observer', PASSWORD)],
  );
  gateway = new Gateway({
    config: testGatewayConfig({ mqtt: { limits: { max_inflight_qos2_per_client: LIMIT_QOS2 } } }),
    directory,
    logger: silentLogger(),
  });
  await gateway.start();
  port = gateway.ports.tcp ?? 0;
  url = `mqtt://127.0.0.1:${port}`;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
});
afterAll(async () => {
  await gateway.stop();
});

async function connect(clientId: string, username: string, options: mqtt.IClientOptions = {}) {
  const client = await mqtt.connectAsync(url, {
    clientId,
    username,
    password: PASSWORD,
    reconnectPeriod: 0,
    protocolVersion: 4,
    ...options,
  });
  clients.push(client);
  return client;
}

/** A legitimate device's QoS1 round trip through the broker to an observer. */
async function roundTrip(): Promise<string> {
  const observer = await connect('svc-console-check', 'console');
  const got = new Promise<string>((resolve) => observer.once('message', (_t, payload) => resolve(payload.toString())));
  await observer.subscribeAsync('gridlink/dc-ok/event/opened', { qos: 1 });
  const device = await connect('dc-ok', 'dc-ok');
  await device.publishAsync('gridlink/dc-ok/event/opened', '{"ts":"2026-11-25T07:31:02.000Z"}', { qos: 1 });
  return got;
}

describe('a device flooding the broker', () => {
  it('attack: an invalid payload on its own topic is acknowledged but reaches subscribers only as a dead letter', async () => {
    const observer = await connect('svc-console-1', 'console');
    const seen: string[] = [];
    observer.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await observer.subscribeAsync(['gridlink/dc-1', 'gridlink/bridge/dead_letter/dc-1'], { qos: 1 });
    const device = await connect('dc-1', 'dc-1');
    await device.publishAsync('gridlink/dc-1', '{"contact":"ajar"}', { qos: 1 }); // acknowledged
    await device.publishAsync('gridlink/dc-1', '{"contact":"open"}', { qos: 1 });
    // The device's messages arrive in order: once the valid one is here, a routed invalid one would be too.
    await expect.poll(() => seen.filter((line) => line.startsWith('gridlink/dc-1 {"contact":"open"}'))).toHaveLength(1);
    expect(seen.filter((line) => line.startsWith('gridlink/dc-1 '))).toEqual(['gridlink/dc-1 {"contact":"open"}']);
    await expect
      .poll(() => seen.filter((line) => /^gridlink\/bridge\/dead_letter\/dc-1 .*ajar/.test(line)))
      .toHaveLength(1);
    expect(device.connected).toBe(true);
  });

  it('attack: a device cannot create retained topics beyond its state and availability', async () => {
    // The broker and normaliser the gateway runs, with the retained store in reach.
    const directory = new InMemoryDirectory([await testDevice('dc-2', 'door_contact', PASSWORD)]);
    const running = await startTestBroker(directory);
    try {
      attachNormaliser(running.broker, new GatewayBus(), running.publisher, 'gridlink');
      const device = await running.connect({ clientId: 'dc-2', username: 'dc-2', password: PASSWORD });
      const event = '{"ts":"2026-11-25T07:31:02.000Z"}';
      await device.publishAsync('gridlink/dc-2/event/opened', event, { qos: 1, retain: true });
      for (let n = 0; n < 20; n++) {
        await device.publishAsync(`gridlink/dc-2/event/made_up_${n}`, event, { qos: 1, retain: true });
      }
      await device.publishAsync('gridlink/dc-2', '{"contact":"closed"}', { qos: 1, retain: true });
      await device.publishAsync('gridlink/dc-2/availability', '{"state":"online"}', { qos: 1, retain: true });

      const retained: string[] = [];
      const store = (running.broker.aedes as unknown as { persistence: RetainedStore }).persistence;
      for await (const packet of store.createRetainedStream('gridlink/#')) {
        retained.push((packet as { topic: string }).topic);
      }
      expect(retained.sort()).toEqual(['gridlink/dc-2', 'gridlink/dc-2/availability']);
    } finally {
      await running.close();
    }
  });

  it('attack: a device cannot hold more unreleased QoS2 messages than the limit, even across reconnects', async () => {
    const before = gateway.stats().refused['session:too_many_unreleased_qos2'] ?? 0;
    const event = '{"ts":"2026-11-25T07:31:02.000Z"}';
    const first = await rawMqtt(port);
    first.send(connectPacket({ clientId: 'dc-3', username: 'dc-3', password: PASSWORD, clean: false }));
    expect(await first.connack()).toBe(0);
    // LIMIT_QOS2 publishes whose PUBREL never comes: held, and the connection stays.
    for (let id = 1; id <= LIMIT_QOS2; id++) {
      first.send(publishPacket('gridlink/dc-3/event/opened', event, { qos: 2, messageId: id }));
    }
    // PUBREC is 4 bytes each.
    await expect.poll(() => first.received().length).toBe(4 + 4 * LIMIT_QOS2);
    first.socket.destroy();
    await first.closed;

    // The resumed session still holds them: one more new id is over the limit.
    const again = await rawMqtt(port);
    again.send(connectPacket({ clientId: 'dc-3', username: 'dc-3', password: PASSWORD, clean: false }));
    expect(await again.connack()).toBe(0);
    again.send(publishPacket('gridlink/dc-3/event/opened', event, { qos: 2, messageId: LIMIT_QOS2 + 1 }));
    await again.closed;
    expect(gateway.stats().refused['session:too_many_unreleased_qos2']).toBe(before + 1);
    expect(await roundTrip()).toBe('{"ts":"2026-11-25T07:31:02.000Z"}');
  });
});

describe('floods from a signed-in client', () => {
  it('attack: a ping flood from a client that stopped reading is cut off, and a device still gets through', async () => {
    const flooder = await rawMqtt(port);
    flooder.send(connectPacket({ clientId: 'dc-1', username: 'dc-1', password: PASSWORD }));
    expect(await flooder.connack()).toBe(0);
    flooder.stopReading();
    flooder.send(Buffer.concat(Array.from({ length: 5000 }, () => PINGREQ)));
    await flooder.closed;
    expect(gateway.stats().refused['session:too_many_pings']).toBeGreaterThanOrEqual(1);
    expect(await roundTrip()).toBe('{"ts":"2026-11-25T07:31:02.000Z"}');
  });

  it('attack: a CONNECT with the bridge bit (protocol level 132) is refused', async () => {
    const bridge = await rawMqtt(port);
    bridge.send(connectPacket({ clientId: 'dc-1', username: 'dc-1', password: PASSWORD, protocolLevel: 132 }));
    expect(await bridge.connack()).toBe('closed');
    expect(gateway.stats().refused['connect:bridge_connect']).toBe(1);
    const plain = await rawMqtt(port);
    plain.send(connectPacket({ clientId: 'dc-1', username: 'dc-1', password: PASSWORD, protocolLevel: 4 }));
    expect(await plain.connack()).toBe(0);
    plain.socket.destroy();
  });
});
