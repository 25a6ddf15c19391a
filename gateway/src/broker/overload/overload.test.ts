import { afterEach, describe, expect, it } from 'vitest';
import {
  type BrokerChild,
  deliversOneMessage,
  floodThenDisconnect,
  type SlowSubscriber,
  sampleWhere,
  slowSubscriber,
  startBrokerChild,
  startFlood,
} from './flood-scenario.js';

/**
 * The scenario of the field failure, with the broker in a child process (flood-broker.fixture.ts):
 * an mqtt.js publisher floods QoS0 as fast as its socket takes it while a raw-socket subscriber reads
 * one socket buffer every 10 ms, then both disconnect. Bare aedes 1.2.0 dies of a stack overflow
 * 25-50 ms after the subscriber leaves, when the backlog got deep enough — how often depends on the
 * machine's speed, so that side is a figure (`npm run bench broker-overload-crash`), not a test.
 */
const TIMEOUT = 90_000;
/** How long a condition may take to show in the broker's 250 ms samples on a loaded machine. */
const SAMPLE_WAIT_MS = 30_000;

const cleanups: (() => void)[] = [];
const children: BrokerChild[] = [];
const subscribers: SlowSubscriber[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  for (const subscriber of subscribers.splice(0)) subscriber.close();
  for (const child of children.splice(0)) child.kill();
});

describe('a QoS0 flood with a slow subscriber, then both disconnect (child process)', () => {
  it(
    'the hardened broker survives the scenario that crashes bare aedes',
    async () => {
      const { broker, sent, cleanup } = await floodThenDisconnect('hardened');
      cleanups.push(cleanup);
      // Both disconnects have been seen and sampled after them: the drain is over.
      const drained = await sampleWhere(
        broker,
        (sample) => sample.clients === 0 && sample.guard?.emitterBacklog === 0 && sample.guard.busyClients === 0,
        SAMPLE_WAIT_MS,
      );
      expect(broker.exitedYet(), `hardened broker exited; stderr: ${broker.stderr()}`).toBe(false);
      expect(drained, 'the backlog drained and both clients left').toBeDefined();
      // Still serving: a new subscriber and publisher connect and a message gets through.
      expect(await deliversOneMessage(broker.port, SAMPLE_WAIT_MS)).toBe(true);
      expect(broker.exitedYet()).toBe(false);

      const last = broker.samples.at(-1);
      if (!last?.guard) throw new Error('no samples from the hardened broker');
      const { guard } = last;
      // The backlog that used to recurse was drained as a loop (no stack growth) ...
      expect(guard.emitter.longestChain).toBeGreaterThan(0);
      // ... and nothing is left behind: no queued messages, no busy subscriber.
      expect(guard.emitterBacklog).toBe(0);
      expect(guard.busyClients).toBe(0);
      expect(guard.peakQueuedPerClient).toBeLessThanOrEqual(10_000);
      console.info(
        `[overload] hardened: ${sent} messages sent; alive after the disconnects and delivering; peak RSS ` +
          `${last.peakRssMB} MB; peak emitter backlog ${guard.peakEmitterBacklog}; longest flattened drain ` +
          `${guard.emitter.longestChain}; QoS0 dropped ${guard.droppedQoS0}, shed ${guard.shedQoS0}; peak ` +
          `per-subscriber queue ${guard.peakQueuedPerClient}`,
      );
    },
    TIMEOUT,
  );

  it(
    'the hardened broker drops QoS0 to a frozen subscriber, stays bounded and survives',
    async () => {
      const broker = await startBrokerChild('hardened', { env: { OVERLOAD_MAX_QUEUED: '1000' } });
      children.push(broker);
      const subscriber = await slowSubscriber(broker.port, 'frozen-subscriber', 0);
      subscribers.push(subscriber);
      // The flood goes on until the broker has had to drop for the frozen subscriber, however slow
      // this machine is at filling its queue.
      const flood = await startFlood(broker.port);
      const dropping = await sampleWhere(broker, (sample) => (sample.guard?.droppedQoS0 ?? 0) > 0, SAMPLE_WAIT_MS);
      const sent = flood.stop();
      expect(dropping, 'QoS0 dropped for the frozen subscriber').toBeDefined();
      subscriber.close();
      const left = await sampleWhere(broker, (sample) => sample.disconnected === 'frozen-subscriber', SAMPLE_WAIT_MS);
      expect(broker.exitedYet(), broker.stderr()).toBe(false);
      expect(left, 'the frozen subscriber was let go').toBeDefined();
      const peakQueue = Math.max(...broker.samples.map((sample) => sample.guard?.peakQueuedPerClient ?? 0));
      expect(peakQueue).toBeLessThanOrEqual(1000);
      expect(await deliversOneMessage(broker.port, SAMPLE_WAIT_MS)).toBe(true);
      console.info(
        `[overload] hardened, frozen subscriber: ${sent} sent, ${dropping?.guard?.droppedQoS0} QoS0 dropped when ` +
          `first seen, peak queue ${peakQueue}/1000, peak RSS ${broker.samples.at(-1)?.peakRssMB} MB`,
      );
    },
    TIMEOUT,
  );
});
