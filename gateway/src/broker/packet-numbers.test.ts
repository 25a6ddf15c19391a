import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { testDevice } from '../test-support.js';
import { startTestBroker, type TestBroker } from './broker-test-support.js';

const fromAedes = createRequire(import.meta.resolve('aedes'));
const numbers = fromAedes('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };

let broker: TestBroker;

beforeAll(async () => {
  broker = await startTestBroker(new InMemoryDirectory([await testDevice('smoke-1', 'smoke_detector', 'pw-smoke')]));
});
afterAll(() => broker.close());

describe('packet ids', () => {
  it('are written without mqtt-packet’s cache of 65,536 Buffers, which is never built', async () => {
    const device = await broker.connect({ clientId: 'smoke-1', username: 'smoke-1', password: 'pw-smoke' });
    // A QoS1 PUBLISH resolves once the broker's PUBACK, carrying the packet id, came back.
    await device.publishAsync('gridlink/smoke-1', '{"battery":90}', { qos: 1 });
    expect(Object.keys(numbers.cache)).toHaveLength(0);
    expect(fromAedes('mqtt-packet').writeToStream.cacheNumbers).toBe(false);
  });
});
