import { seededRandom } from '@gridlink/simulators';
import type { MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { testDevice, testService } from '../test-support.js';
import { startTestBroker, type TestBroker } from './broker-test-support.js';
import { decodePublish } from './publish-decoder.js';
import { connectPacket, PINGREQ, publishPacket, rawMqtt } from './raw-mqtt.js';

const PASSWORD = 'decoder-secret-1';

/** What mqtt-packet, the reference, parses from `bytes`. */
function referenceParse(bytes: Buffer): Array<Record<string, unknown>> {
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: Array<Record<string, unknown>> = [];
  parser.on('packet', (packet) => packets.push({ ...packet }));
  parser.parse(bytes);
  return packets;
}

function decodeAll(bytes: Buffer, maxLength = 1 << 20): Array<Record<string, unknown>> {
  const packets: Array<Record<string, unknown>> = [];
  for (let at = 0; at < bytes.length; ) {
    const decoded = decodePublish(bytes, at, maxLength);
    if (decoded === undefined) throw new Error(`not decoded at ${at}`);
    packets.push({ ...decoded.packet });
    at = decoded.end;
  }
  return packets;
}

describe('decodePublish', () => {
  it('decodes a QoS 0 or 1 PUBLISH field for field as mqtt-packet does: flags, ids, UTF-8 topics, empty and long payloads', () => {
    const random = seededRandom(22);
    const topics = ['gridlink/th-1', 'gridlink/门磁-1/event/opened', 'a', 'gridlink/dc-1/set'];
    const frames: Buffer[] = [];
    for (let n = 0; n < 300; n++) {
      const qos = random() < 0.5 ? 0 : 1;
      // Payload sizes across the 1-, 2- and 3-byte remaining lengths.
      const size = [0, 1, 100, 126, 127, 128, 16_383, 16_384, 70_000][Math.floor(random() * 9)] as number;
      const frame = publishPacket(topics[n % topics.length] as string, Buffer.alloc(size, n % 251), {
        qos,
        retain: random() < 0.3,
        messageId: 1 + Math.floor(random() * 65_535),
      });
      if (random() < 0.2) frame[0] = (frame[0] as number) | 0x08; // DUP
      frames.push(frame);
    }
    const bytes = Buffer.concat(frames);
    expect(decodeAll(bytes)).toEqual(referenceParse(bytes));
  });

  it('leaves to mqtt-packet what it does not handle: other packets, QoS 2, incomplete or malformed ones, and those over the limit', () => {
    const publish = publishPacket('gridlink/th-1', '{"temperature":21.5}', { qos: 1, messageId: 7 });
    const cases: Array<[string, Buffer, number?]> = [
      ['a SUBSCRIBE', Buffer.from([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x23, 0x00])],
      ['a PINGREQ', PINGREQ],
      ['a QoS 2 PUBLISH', publishPacket('gridlink/th-1', '{}', { qos: 2 })],
      ['both QoS bits set', Buffer.concat([Buffer.from([0x36]), publish.subarray(1)])],
      ['a packet whose body is still to come', publish.subarray(0, publish.length - 1)],
      ['a fixed header split across reads', Buffer.from([0x30, 0x80])],
      ['a remaining length of five bytes', Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])],
      ['a topic longer than the packet', Buffer.from([0x30, 0x04, 0x00, 0x09, 0x61, 0x62])],
      ['a QoS 1 PUBLISH without its packet id', Buffer.from([0x32, 0x03, 0x00, 0x01, 0x61])],
      ['a packet over the limit', publish, publish.length - 3],
    ];
    for (const [name, bytes, maxLength = 1 << 20] of cases) {
      expect(decodePublish(bytes, 0, maxLength), name).toBeUndefined();
    }
  });
});

describe('a signed-in client’s PUBLISH packets, decoded by the gateway', () => {
  let test: TestBroker;
  let observer: MqttClient;
  const seen: string[] = [];

  beforeAll(async () => {
    test = await startTestBroker(
      new InMemoryDirectory(
        [await testDevice('th-1', 'temp_humidity', PASSWORD)],
        [await testService('console', 'observer', PASSWORD)],
      ),
      { config: { mqtt: { limits: { max_device_packet_bytes: 2048 } } } },
    );
    observer = await test.connect({ clientId: 'svc-console-1', username: 'console', password: PASSWORD });
    observer.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
    await observer.subscribeAsync('gridlink/#', { qos: 1 });
  });
  afterAll(async () => {
    await test.close();
  });

  it('reaches subscribers in the order sent at each QoS, whatever way the reads cut the packets and whatever other packets lie between', async () => {
    seen.length = 0;
    const device = await rawMqtt(test.listeners.ports.tcp ?? 0);
    device.send(connectPacket({ clientId: 'th-1', username: 'th-1', password: PASSWORD }));
    expect(await device.connack()).toBe(0);
    const qosOf = (n: number): 0 | 1 | 2 => (n % 25 === 24 ? 2 : ((n % 2) as 0 | 1));
    const sent: string[] = [];
    const packets: Buffer[] = [];
    for (let n = 0; n < 200; n++) {
      const body = `{"temperature":${(n % 125) - 40},"humidity":${Math.floor(n / 125)}}`; // unique, valid
      sent.push(`gridlink/th-1 ${body}`);
      // QoS 2 (a few, left unreleased: within max_inflight_qos2_per_client) goes through
      // mqtt-packet, between decoded ones; so does a PINGREQ now and then.
      packets.push(publishPacket('gridlink/th-1', body, { qos: qosOf(n), messageId: n + 1 }));
      if (n % 50 === 0) packets.push(PINGREQ);
    }
    // Cut at seeded places: packets split across writes, several in one write.
    const bytes = Buffer.concat(packets);
    const random = seededRandom(7);
    for (let at = 0; at < bytes.length; ) {
      const next = Math.min(bytes.length, at + 1 + Math.floor(random() * 90));
      device.send(bytes.subarray(at, next));
      at = next;
    }
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(sent.length);
    // aedes orders a client's messages per QoS (a QoS 0 message is not held up behind a QoS 1's
    // store), with mqtt-packet as with the decoder.
    for (const qos of [0, 1, 2]) {
      const ofQos = (list: string[]) => list.filter((entry) => qosOf(sent.indexOf(entry)) === qos);
      expect(ofQos(seen), `QoS ${qos}`).toEqual(ofQos(sent));
    }
    device.socket.destroy();
  });

  it('attack: a device packet over max_device_packet_bytes is still refused and the connection closed', async () => {
    const device = await rawMqtt(test.listeners.ports.tcp ?? 0);
    device.send(connectPacket({ clientId: 'th-1', username: 'th-1', password: PASSWORD }));
    expect(await device.connack()).toBe(0);
    device.send(publishPacket('gridlink/th-1', `{"temperature":21,"pad":"${'x'.repeat(4000)}"}`));
    await device.closed;
    expect(test.broker.refusals.snapshot()).toMatchObject({ 'publish:packet_too_large': 1 });
  });
});
