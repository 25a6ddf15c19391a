import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { testDevice, testService } from '../test-support.js';
import { encodePublish } from './batched-writes.js';
import { startTestBroker, type TestBroker } from './broker-test-support.js';

const fromAedes = createRequire(import.meta.resolve('aedes'));
const generate = fromAedes('mqtt-packet').generate as (packet: object) => Buffer;
const PASSWORD = 'pw-batched';

describe('a PUBLISH encoded into one Buffer', () => {
  const cases: Array<[string, Parameters<typeof encodePublish>[0]]> = [
    ['QoS0, Buffer payload', { cmd: 'publish', topic: 'gridlink/th-1', payload: Buffer.from('{"t":1}'), qos: 0 }],
    ['QoS1 with its id', { cmd: 'publish', topic: 'gridlink/th-1', payload: '{"t":1}', qos: 1, messageId: 65535 }],
    [
      'QoS2, retained, dup',
      { cmd: 'publish', topic: 'a/b', payload: 'x', qos: 2, messageId: 7, retain: true, dup: true },
    ],
    [
      'a UTF-8 topic and payload',
      { cmd: 'publish', topic: 'gridlink/温度', payload: '湿度 48%', qos: 1, messageId: 3 },
    ],
    ['an empty payload', { cmd: 'publish', topic: 'gridlink/th-1', payload: Buffer.alloc(0) }],
    [
      'a two-byte remaining length',
      { cmd: 'publish', topic: 't', payload: Buffer.alloc(200, 1), qos: 1, messageId: 9 },
    ],
    ['a three-byte remaining length', { cmd: 'publish', topic: 't', payload: Buffer.alloc(20_000, 2) }],
  ];
  for (const [name, packet] of cases) {
    it(`is byte for byte what mqtt-packet writes: ${name}`, () => {
      expect(encodePublish(packet)?.equals(generate(packet))).toBe(true);
    });
  }

  it('is left to mqtt-packet when it carries MQTT 5 properties or lacks its packet id', () => {
    const properties = { cmd: 'publish', topic: 't', payload: 'x', properties: { contentType: 'json' } } as const;
    expect(encodePublish(properties as Parameters<typeof encodePublish>[0])).toBeUndefined();
    expect(encodePublish({ cmd: 'publish', topic: 't', payload: 'x', qos: 1 })).toBeUndefined();
  });
});

describe('packets gathered per socket until the end of the event-loop turn', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    const devices = await Promise.all([1, 2, 3].map((n) => testDevice(`th-${n}`, 'temp_humidity', PASSWORD)));
    broker = await startTestBroker(
      new InMemoryDirectory(devices, [await testService('console', 'observer', PASSWORD)]),
    );
  });
  afterAll(() => broker.close());

  it('reach a subscriber complete and in order, and every device gets its PUBACKs', async () => {
    const watcher = await broker.connect({ clientId: 'svc-console-1', username: 'console', password: PASSWORD });
    const received = new Map<string, number[]>();
    watcher.on('message', (topic, payload) => {
      const list = received.get(topic) ?? [];
      list.push((JSON.parse(payload.toString()) as { battery: number }).battery);
      received.set(topic, list);
    });
    await watcher.subscribeAsync('gridlink/+', { qos: 1 });
    const devices = await Promise.all(
      [1, 2, 3].map((n) => broker.connect({ clientId: `th-${n}`, username: `th-${n}`, password: PASSWORD })),
    );
    // Each device sends its messages back to back (many in one socket read), all at once.
    await Promise.all(
      devices.map((device, n) =>
        Promise.all(
          Array.from({ length: 100 }, (_, battery) =>
            device.publishAsync(`gridlink/th-${n + 1}`, JSON.stringify({ battery }), { qos: 1 }),
          ),
        ),
      ),
    );
    const expected = Array.from({ length: 100 }, (_, battery) => battery);
    await expect
      .poll(() => [1, 2, 3].map((n) => received.get(`gridlink/th-${n}`)?.length ?? 0))
      .toEqual([100, 100, 100]);
    for (const n of [1, 2, 3]) expect(received.get(`gridlink/th-${n}`)).toEqual(expected);
  }, 30_000);

  it('leave a refused login its CONNACK before the connection closes', async () => {
    const refused = broker.connect({ clientId: 'th-1', username: 'th-1', password: 'wrong' });
    await expect(refused).rejects.toThrow(/Bad username or password/);
  });
});
