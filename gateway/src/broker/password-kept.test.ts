import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryDirectory } from '../devices/directory.js';
import { testDevice, testService } from '../test-support.js';
import { startTestBroker, type TestBroker } from './broker-test-support.js';

const PASSWORD = 'kept-secret-1';
let running: TestBroker | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** What aedes' parser keeps of a client's CONNECT for as long as the connection lives. */
const keptConnect = (running: TestBroker, clientId: string) =>
  (running.broker.aedes as unknown as { clients: Record<string, { _parser: { settings: Record<string, unknown> } }> })
    .clients[clientId]?._parser.settings;

describe("a client's password after its login", () => {
  it('is not kept by the broker: neither the bytes nor the socket read they came in (at 2,000 devices ~2 MiB of reads)', async () => {
    running = await startTestBroker(
      new InMemoryDirectory(
        [await testDevice('smoke-1', 'smoke_detector', PASSWORD)],
        [await testService('observer', 'observer', PASSWORD)],
      ),
    );
    const device = await running.connect({ clientId: 'smoke-1', username: 'smoke-1', password: PASSWORD });
    const service = await running.connect({ clientId: 'svc-observer-1', username: 'observer', password: PASSWORD });
    expect(device.connected && service.connected).toBe(true);
    for (const id of ['smoke-1', 'svc-observer-1']) {
      const kept = keptConnect(running, id);
      // The CONNECT itself stays (aedes reads its protocol version from it); its password does not.
      expect(kept?.cmd).toBe('connect');
      expect(kept?.username).toBeTypeOf('string');
      expect(kept?.password).toBeUndefined();
    }
  });
});
