import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { Gateway } from '../gateway.js';
import { silentLogger, testDevice, testGatewayConfig, testService } from '../test-support.js';
import { connectPacket, publishPacket, type RawMqtt, rawMqtt } from './raw-mqtt.js';

const PASSWORD = 'flood-ends-secret-1';
/** Two socket reads of read-ahead: a turn lets at most two waiting clients read their sockets. */
const READ_AHEAD = 2 * 65_536;
const DEVICES = Array.from({ length: 100 }, (_, n) => `dc-e${n}`);
/** Readings each device floods: far more than one turn takes, so every one of them waits its turns. */
const PER_DEVICE = 500;
const TIMEOUT = 120_000;

let gateway: Gateway;
let port: number;
const raws: RawMqtt[] = [];

beforeAll(async () => {
  const directory = new InMemoryDirectory(
    await Promise.all(DEVICES.map((id) => testDevice(id, 'door_contact', PASSWORD))),
    [await testService('console', 'observer', PASSWORD)],
  );
  gateway = new Gateway({
    config: testGatewayConfig({
      mqtt: {
        limits: { max_inflight_inbound: 64, max_inbound_per_turn: 8, max_inbound_read_ahead_bytes: READ_AHEAD },
      },
    }),
    directory,
    logger: silentLogger(),
  });
  await gateway.start();
  port = gateway.ports.tcp ?? 0;
});
afterAll(async () => {
  for (const raw of raws.splice(0)) raw.socket.destroy();
  await gateway.stop();
});

const reading = (id: string, messageId: number) =>
  publishPacket(`gridlink/${id}`, messageId % 2 ? '{"contact":"open"}' : '{"contact":"closed"}', {
    qos: 1,
    messageId,
  });

describe('when a flood ends', () => {
  it(
    'attack: many devices flood at once and then go quiet: the next message of each, sent one device at a time, is still read and acknowledged',
    async () => {
      const devices = await Promise.all(
        DEVICES.map(async (id) => {
          const raw = await rawMqtt(port);
          raws.push(raw);
          raw.send(connectPacket({ clientId: id, username: id, password: PASSWORD }));
          expect(await raw.connack()).toBe(0);
          return raw;
        }),
      );
      // Every device writes its whole flood at once; the broker reads it in turns.
      devices.forEach((raw, n) => {
        const id = DEVICES[n] as string;
        raw.socket.write(Buffer.concat(Array.from({ length: PER_DEVICE }, (_, k) => reading(id, k + 1))));
      });
      // CONNACK (4 bytes), then a PUBACK (4 bytes) for every reading.
      await expect
        .poll(() => devices.map((raw) => raw.received().length), { timeout: TIMEOUT, interval: 100 })
        .toEqual(devices.map(() => 4 + 4 * PER_DEVICE));

      // Quiet now: nothing being handled. Each device in turn (the last served first) sends one
      // more reading, as devices report now and then, and waits for its PUBACK before the next.
      for (const [n, raw] of [...devices.entries()].reverse()) {
        raw.send(reading(DEVICES[n] as string, PER_DEVICE + 1));
        await expect.poll(() => raw.received().length, { timeout: 5000, interval: 20 }).toBe(4 + 4 * (PER_DEVICE + 1));
      }
      expect(gateway.stats().inbound).toMatchObject({ inflight: 0, waiting: 0, readAheadBytes: 0 });
    },
    TIMEOUT,
  );
});
