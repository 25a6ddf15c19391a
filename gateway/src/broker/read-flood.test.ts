import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDevice, testGatewayConfig, testService } from '../test-support.js';
import { capturingLogger, startTestBroker } from './broker-test-support.js';
import { connectPacket, publishPacket, type RawMqtt, rawMqtt } from './raw-mqtt.js';

const PASSWORD = 'read-flood-secret-1';
/** Small on purpose: the floods below are many times larger, so the bounds are what is tested. */
const MAX_INFLIGHT = 64;
const PER_TURN = 32;
const FLOODERS = ['dc-f1', 'dc-f2', 'dc-f3', 'dc-f4'];
const TIMEOUT = 120_000;

let gateway: Gateway;
let port: number;
const clients: MqttClient[] = [];
const raws: RawMqtt[] = [];

beforeAll(async () => {
  const directory = new InMemoryDirectory(
    await Promise.all([...FLOODERS, 'dc-ok'].map((id) => testDevice(id, 'door_contact', PASSWORD))),
    [await testService('console', 'observer', PASSWORD)],
  );
  gateway = new Gateway({
    config: testGatewayConfig({
      mqtt: { limits: { max_inflight_inbound: MAX_INFLIGHT, max_inbound_per_turn: PER_TURN } },
    }),
    directory,
    logger: silentLogger(),
  });
  await gateway.start();
  port = gateway.ports.tcp ?? 0;
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.endAsync(true)));
  for (const raw of raws.splice(0)) raw.socket.destroy();
});
afterAll(async () => {
  await gateway.stop();
});

/** A signed-in device on a raw socket that reads its PUBACKs (4 bytes each, after the 4-byte CONNACK). */
async function signedIn(id: string): Promise<RawMqtt> {
  const raw = await rawMqtt(port);
  raws.push(raw);
  raw.send(connectPacket({ clientId: id, username: id, password: PASSWORD }));
  expect(await raw.connack()).toBe(0);
  return raw;
}

/**
 * Writes valid QoS1 readings as fast as the socket takes them (hundreds per write, so each of the
 * broker's reads holds many), until `count` are written or `stop()` is called.
 */
function flood(raw: RawMqtt, id: string, count = Number.POSITIVE_INFINITY) {
  let sent = 0;
  let stopped = false;
  const readings = [`{"contact":"open"}`, `{"contact":"closed"}`];
  const done = (async () => {
    while (!stopped && sent < count && !raw.socket.destroyed) {
      const batch = Math.min(500, count - sent);
      const bytes = Buffer.concat(
        Array.from({ length: batch }, (_, k) =>
          publishPacket(`gridlink/${id}`, readings[(sent + k) % 2] as string, {
            qos: 1,
            messageId: ((sent + k) % 65535) + 1,
          }),
        ),
      );
      sent += batch;
      if (!raw.socket.write(bytes)) await new Promise((resolve) => raw.socket.once('drain', resolve));
      else await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  return {
    sent: () => sent,
    stop: async () => {
      stopped = true;
      await done;
    },
    done,
  };
}

describe('floods of valid messages from signed-in devices', () => {
  it(
    'attack: devices flooding QoS1 readings as fast as their sockets take them: every one is acknowledged and taken exactly once, and the broker handles a bounded number at a time',
    async () => {
      const before = gateway.stats().valid;
      const PER_DEVICE = 5000;
      const flooders = await Promise.all(FLOODERS.map((id) => signedIn(id)));
      const floods = flooders.map((raw, n) => flood(raw, FLOODERS[n] as string, PER_DEVICE));
      await Promise.all(floods.map((f) => f.done));
      // The CONNACK came before (4 bytes); every PUBACK is 4 bytes more.
      await expect
        .poll(() => flooders.map((raw) => raw.received().length), { timeout: TIMEOUT, interval: 200 })
        .toEqual(flooders.map(() => 4 + 4 * PER_DEVICE));
      await expect.poll(() => gateway.stats().valid, { timeout: TIMEOUT }).toBe(before + FLOODERS.length * PER_DEVICE);
      const inbound = gateway.stats().inbound;
      // Room for MAX_INFLIGHT, overrun by at most one turn of each client that read in the same turn.
      expect(inbound.peakInflight).toBeLessThanOrEqual(MAX_INFLIGHT + FLOODERS.length * PER_TURN);
      expect(inbound.waited).toBeGreaterThan(0);
      expect(inbound.inflight).toBe(0);
    },
    TIMEOUT,
  );

  it(
    'attack: devices flooding without end: a device sending one message at a time still completes its QoS1 round trips meanwhile',
    async () => {
      const flooders = await Promise.all(FLOODERS.map((id) => signedIn(id)));
      const floods = flooders.map((raw, n) => flood(raw, FLOODERS[n] as string));
      // The flood is under way: the broker is already turning clients away.
      const waitedBefore = gateway.stats().inbound.waited;
      await expect.poll(() => gateway.stats().inbound.waited, { timeout: TIMEOUT }).toBeGreaterThan(waitedBefore);

      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'dc-ok',
        username: 'dc-ok',
        password: PASSWORD,
        reconnectPeriod: 0,
        protocolVersion: 4,
      });
      clients.push(device);
      for (let n = 0; n < 5; n++) {
        await device.publishAsync('gridlink/dc-ok', n % 2 ? '{"contact":"open"}' : '{"contact":"closed"}', { qos: 1 });
      }
      // Still flooding when the device was done: none of the flooders ran out.
      expect(flooders.map((raw) => raw.socket.destroyed)).toEqual(flooders.map(() => false));
      await Promise.all(floods.map((f) => f.stop()));
      // Nothing the flooders sent is lost: every reading is acknowledged.
      await expect
        .poll(() => flooders.map((raw) => raw.received().length), { timeout: TIMEOUT, interval: 200 })
        .toEqual(floods.map((f) => 4 + 4 * f.sent()));
    },
    TIMEOUT,
  );
  it(
    'attack: devices flooding without end: a device that has just been served does not queue behind the floods for its next message',
    async () => {
      const flooders = await Promise.all(FLOODERS.map((id) => signedIn(id)));
      const floods = flooders.map((raw, n) => flood(raw, FLOODERS[n] as string));
      const waitedBefore = gateway.stats().inbound.waited;
      await expect.poll(() => gateway.stats().inbound.waited, { timeout: TIMEOUT }).toBeGreaterThan(waitedBefore);

      const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
        clientId: 'dc-ok',
        username: 'dc-ok',
        password: PASSWORD,
        reconnectPeriod: 0,
        protocolVersion: 4,
      });
      clients.push(device);
      // How many flooders' readings the broker takes while one reading of the device waits for
      // its PUBACK: the device is served at the broker's next turn, after what is being handled
      // and one turn of each flooder (MAX_INFLIGHT + FLOODERS × PER_TURN), not after their floods.
      const taken: number[] = [];
      for (let n = 0; n < 6; n++) {
        const before = gateway.stats().valid;
        await device.publishAsync('gridlink/dc-ok', n % 2 ? '{"contact":"open"}' : '{"contact":"closed"}', { qos: 1 });
        taken.push(gateway.stats().valid - before);
      }
      await Promise.all(floods.map((f) => f.stop()));
      expect(Math.max(...taken)).toBeLessThanOrEqual(2 * (MAX_INFLIGHT + FLOODERS.length * PER_TURN));
    },
    TIMEOUT,
  );
});

describe('a client that stops reading', () => {
  it(
    'attack: a subscriber that stops reading while QoS1 messages are sent to it is cut off at max_queued_bytes_per_client, logged and counted',
    async () => {
      const LIMIT = 16_384;
      const { logger, lines } = capturingLogger();
      const directory = new InMemoryDirectory(
        [await testDevice('dc-ok', 'door_contact', PASSWORD)],
        [await testService('console', 'observer', PASSWORD)],
      );
      const running = await startTestBroker(directory, {
        logger,
        config: { mqtt: { limits: { max_queued_bytes_per_client: LIMIT } } },
      });
      try {
        const reader = await rawMqtt(Number(new URL(running.url).port));
        reader.send(connectPacket({ clientId: 'svc-console', username: 'console', password: PASSWORD }));
        expect(await reader.connack()).toBe(0);
        // SUBSCRIBE gridlink/# at QoS1, then no more reading.
        reader.send(Buffer.from([0x82, 0x0f, 0x00, 0x01, 0x00, 0x0a, ...Buffer.from('gridlink/#'), 0x01]));
        await expect.poll(() => reader.received().length).toBe(4 + 5);
        reader.stopReading();

        // 100 KB messages until the kernel's socket buffers are full and the broker's fills up.
        const payload = 'x'.repeat(100_000);
        // (The reader itself reads nothing, so it cannot see its socket close: the broker's count says.)
        const cutOff = () => running.broker.overload.stats().disconnectedBacklog > 0;
        for (let published = 0; !cutOff(); published++) {
          if (published === 2000) throw new Error('never cut off: 200 MB sent to a client that reads nothing');
          await new Promise<void>((resolve) =>
            running.broker.aedes.publish(
              { cmd: 'publish', topic: 'gridlink/dc-ok/event/x', payload, qos: 1, retain: false, dup: false },
              () => resolve(),
            ),
          );
        }
        expect(running.broker.overload.stats().disconnectedBacklog).toBe(1);
        const cut = lines.find((line) => line.msg === 'slow subscriber: disconnected');
        expect(cut).toMatchObject({ clientId: 'svc-console', reason: 'backlog' });
        // What the broker held for it: its byte budget, overrun by at most the message that filled it.
        expect(cut?.bufferedBytes).toBeLessThan(LIMIT + 100_100);

        // Everyone else is served as before.
        const device = await running.connect({ clientId: 'dc-ok', username: 'dc-ok', password: PASSWORD });
        await device.publishAsync('gridlink/dc-ok', '{"contact":"open"}', { qos: 1 });
      } finally {
        await running.close();
      }
    },
    TIMEOUT,
  );
});
