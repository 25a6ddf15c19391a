import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { Aedes, type AedesOptions, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { capEmitterBacklog } from './emitter-backlog.js';
import { trampolineEmitterDrain } from './emitter-trampoline.js';
import { type SlowSubscriber, slowSubscriber } from './flood-scenario.js';
import { hardenAgainstOverload, type OverloadEvent, type OverloadGuard, type OverloadOptions } from './harden.js';

const TIMEOUT = 150_000;
/**
 * How long a condition that must come may take to come: only a safety net (each wait ends as soon
 * as its condition holds), generous because a busy two-core machine can take seconds to move 20 MB
 * through loopback sockets.
 */
const SETTLE_MS = 60_000;
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Broker {
  aedes: Aedes;
  port: number;
  guard?: OverloadGuard;
  events: OverloadEvent[];
}

async function startBroker(
  aedesOptions: AedesOptions,
  guardOptions?: Omit<OverloadOptions, 'onEvent'>,
): Promise<Broker> {
  const aedes = await Aedes.createBroker(aedesOptions);
  const events: OverloadEvent[] = [];
  const guard = guardOptions
    ? hardenAgainstOverload(aedes, { ...guardOptions, onEvent: (event) => events.push(event) })
    : undefined;
  const server: Server = createServer({ noDelay: true }, (socket) => aedes.handle(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    server.close();
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
  });
  return { aedes, port: (server.address() as AddressInfo).port, events, ...(guard ? { guard } : {}) };
}

async function client(port: number, clientId: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId,
    keepalive: 0,
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  cleanups.push(() => c.endAsync(true));
  return c;
}

async function frozen(port: number, clientId: string, topic: string, qos: 0 | 1 = 0): Promise<SlowSubscriber> {
  const subscriber = await slowSubscriber(port, clientId, 0, qos, topic);
  cleanups.push(() => subscriber.close());
  return subscriber;
}

const waitFor = async (condition: () => boolean, timeoutMs: number, stepMs = 20) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, stepMs));
  return condition();
};

/** Counts the messages one mqtt.js subscriber receives on `topic`. */
async function counter(port: number, clientId: string, topic: string) {
  const c = await client(port, clientId);
  let received = 0;
  c.on('message', () => {
    received++;
  });
  await c.subscribeAsync(topic, { qos: 0 });
  return () => received;
}

/**
 * Publishes `count` messages of `bytes` bytes, respecting the publisher's socket; `paced` yields to
 * the event loop every 10 messages so that a healthy subscriber in this process keeps up.
 */
async function publishMany(c: MqttClient, topic: string, count: number, bytes: number, qos: 0 | 1 = 0, paced = false) {
  const payload = Buffer.alloc(bytes, 97);
  const stream = c.stream as unknown as { writableNeedDrain: boolean };
  for (let i = 0; i < count; i++) {
    c.publish(topic, payload, { qos });
    if (stream.writableNeedDrain) await once(c.stream, 'drain');
    if (paced && i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const packet = (topic: string, qos: 0 | 1 = 0) =>
  ({ cmd: 'publish', topic, payload: Buffer.alloc(1), qos, retain: false, dup: false }) as const;

/** Holds every emitter slot with a listener that never completes, then queues `n` messages nobody matches. */
function backlogWithoutListener(aedes: Aedes, n: number) {
  const held: Array<() => void> = [];
  aedes.subscribe(
    'hold/t',
    (_packet, done) => held.push(done),
    () => {},
  );
  const order: number[] = [];
  for (let i = 0; i < 100; i++) aedes.publish(packet('hold/t'), () => {});
  for (let i = 0; i < n; i++) aedes.publish(packet('none/t'), () => order.push(i));
  return { held, order };
}

async function bareAedes(): Promise<Aedes> {
  const aedes = await Aedes.createBroker();
  cleanups.push(() => new Promise<void>((resolve) => aedes.close(() => resolve())));
  return aedes;
}

/** aedes' registry of connected clients (not in its typings). */
const clientsOf = (aedes: Aedes) => (aedes as unknown as { clients: Record<string, Client | undefined> }).clients;

const emitterOf = (aedes: Aedes) => (aedes as unknown as { mq: { length: number; current: number } }).mq;

describe('the recursive drain of the emitter (the crash)', () => {
  it('bare aedes 1.2.0: draining a backlog nobody subscribes to any more overflows the stack', async () => {
    const aedes = await bareAedes();
    const { held } = backlogWithoutListener(aedes, 20_000);
    expect(emitterOf(aedes).length).toBe(20_000);
    // The frames of the crash: released -> _do -> _parallel (no match: completes synchronously) -> released -> ...
    expect(() => held[0]?.()).toThrow(/Maximum call stack size exceeded/);
  });

  it('with the trampoline the same backlog drains in order, with the slot accounting intact', async () => {
    const aedes = await bareAedes();
    const mq = emitterOf(aedes);
    const stats = trampolineEmitterDrain(mq);
    const { held, order } = backlogWithoutListener(aedes, 20_000);
    expect(mq.length).toBe(20_000);
    expect(() => held[0]?.()).not.toThrow();
    expect(mq.length).toBe(0);
    expect(order).toHaveLength(20_000);
    expect(order.every((value, index) => value === index)).toBe(true);
    // The first message ran as the outermost call; each of the other 19 999 would have been deeper.
    expect(stats.longestChain).toBe(19_999);
    // The 99 messages still held keep their slots; releasing them empties the emitter.
    expect(mq.current).toBe(99);
    for (const done of held.slice(1)) done();
    expect(mq.current).toBe(0);
  });

  it(
    'caps the emitter backlog by shedding QoS0 routing, never QoS1',
    async () => {
      const aedes = await bareAedes();
      const mq = emitterOf(aedes);
      const stats = capEmitterBacklog(mq, 50);
      const { held, order } = backlogWithoutListener(aedes, 200);
      expect(mq.length).toBe(50);
      expect(stats.shed).toBe(150);
      let completed = 0;
      aedes.publish(packet('none/q1', 1), () => completed++);
      // QoS1 reaches the emitter after aedes' (asynchronous) offline enqueue, and is queued regardless.
      expect(await waitFor(() => mq.length === 51, SETTLE_MS)).toBe(true);
      expect(stats.shed).toBe(150);
      for (const done of held) done();
      // Shed messages still complete (aedes' 'publish' event, hence the gateway's ingest, still sees them).
      expect(await waitFor(() => completed === 1 && order.length === 200, SETTLE_MS)).toBe(true);
    },
    TIMEOUT,
  );
});

describe('per-subscriber delivery windows (real sockets)', () => {
  it(
    'bare aedes 1.2.0: one frozen subscriber stalls routing for every other subscriber',
    async () => {
      const { port } = await startBroker({ drainTimeout: 30_000 });
      await frozen(port, 'frozen', 'big/t');
      const received = await counter(port, 'healthy', 'big/t');
      const publisher = await client(port, 'publisher');
      // 300 x 64 KiB: far more than the loopback socket buffers of the frozen subscriber hold.
      void publishMany(publisher, 'big/t', 300, 64 * 1024, 0, true);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // Once the frozen subscriber holds all 100 emitter slots nothing is routed to anyone.
      expect(received()).toBeLessThan(300);
    },
    TIMEOUT,
  );

  it(
    'drops QoS0 to a frozen subscriber beyond max_queued_per_client, counts it, and keeps the others flowing',
    async () => {
      const { aedes, port, guard, events } = await startBroker(
        { drainTimeout: 30_000 },
        { maxQueuedPerClient: 20, drainTimeoutMs: 30_000 },
      );
      if (!guard) throw new Error('no guard');
      await frozen(port, 'frozen', 'big/t');
      const received = await counter(port, 'healthy', 'big/t');
      const publisher = await client(port, 'publisher');
      await publishMany(publisher, 'big/t', 300, 64 * 1024, 0, true);
      expect(await waitFor(() => received() === 300, SETTLE_MS)).toBe(true);
      const { frozen: frozenClient, healthy: healthyClient } = clientsOf(aedes);
      if (!frozenClient || !healthyClient) throw new Error('clients not found');
      expect(guard.dropped(healthyClient)).toBe(0);
      expect(guard.dropped(frozenClient)).toBeGreaterThan(0);
      expect(guard.queued(frozenClient)).toBeLessThanOrEqual(20);
      const stats = guard.stats();
      expect(stats.droppedQoS0).toBe(guard.dropped(frozenClient));
      expect(stats.peakQueuedPerClient).toBeLessThanOrEqual(20);
      expect(stats.disconnectedBacklog + stats.disconnectedStalled).toBe(0);
      // One 'dropping' event for the episode, not one per message.
      expect(events.filter((event) => event.kind === 'dropping')).toEqual([
        expect.objectContaining({ kind: 'dropping', clientId: 'frozen' }),
      ]);
      // When it goes, the episode ends with the number dropped.
      frozenClient.close();
      expect(await waitFor(() => events.some((event) => event.kind === 'recovered'), SETTLE_MS)).toBe(true);
      expect(events.filter((event) => event.kind === 'recovered')).toEqual([
        { kind: 'recovered', clientId: 'frozen', dropped: guard.dropped(frozenClient), closed: true },
      ]);
    },
    TIMEOUT,
  );

  it(
    'disconnects a subscriber whose queue makes no progress for drain_timeout_ms (even with aedes drainTimeout 0)',
    async () => {
      const { aedes, port, guard, events } = await startBroker(
        { drainTimeout: 0 },
        { maxQueuedPerClient: 10_000, drainTimeoutMs: 300 },
      );
      if (!guard) throw new Error('no guard');
      await frozen(port, 'stuck', 'big/t');
      const publisher = await client(port, 'publisher');
      void publishMany(publisher, 'big/t', 200, 64 * 1024);
      // (The frozen peer never reads its socket, so it would not notice the close itself.)
      expect(await waitFor(() => clientsOf(aedes).stuck === undefined, SETTLE_MS)).toBe(true);
      expect(guard.stats().disconnectedStalled).toBe(1);
      expect(events).toContainEqual(
        expect.objectContaining({ kind: 'disconnected', clientId: 'stuck', reason: 'stalled' }),
      );
    },
    TIMEOUT,
  );

  it(
    'disconnects a QoS1 subscriber whose backlog exceeds the limit instead of dropping its messages',
    async () => {
      const { aedes, port, guard, events } = await startBroker(
        { drainTimeout: 30_000 },
        { maxQueuedPerClient: 10, drainTimeoutMs: 30_000 },
      );
      if (!guard) throw new Error('no guard');
      await frozen(port, 'stuck-q1', 'big/t', 1);
      const publisher = await client(port, 'publisher');
      void publishMany(publisher, 'big/t', 200, 64 * 1024, 1);
      expect(await waitFor(() => clientsOf(aedes)['stuck-q1'] === undefined, SETTLE_MS)).toBe(true);
      expect(guard.stats()).toMatchObject({ disconnectedBacklog: 1, droppedQoS0: 0 });
      expect(events).toContainEqual(
        expect.objectContaining({ kind: 'disconnected', clientId: 'stuck-q1', reason: 'backlog' }),
      );
    },
    TIMEOUT,
  );

  it(
    'bounds by bytes in the socket buffer as well as by messages',
    async () => {
      const { port, guard } = await startBroker(
        { drainTimeout: 30_000 },
        { maxQueuedPerClient: 10_000, maxQueuedBytesPerClient: 256 * 1024, drainTimeoutMs: 30_000 },
      );
      if (!guard) throw new Error('no guard');
      await frozen(port, 'frozen', 'big/t');
      const received = await counter(port, 'healthy', 'big/t');
      const publisher = await client(port, 'publisher');
      await publishMany(publisher, 'big/t', 300, 64 * 1024, 0, true);
      expect(await waitFor(() => received() === 300, SETTLE_MS)).toBe(true);
      const stats = guard.stats();
      expect(stats.droppedQoS0).toBeGreaterThan(0);
      // 256 KiB of 64 KiB messages, plus what was handed over in the same turn before the socket
      // buffer reflected it; far below the 10 000-message bound.
      expect(stats.peakQueuedPerClient).toBeLessThan(150);
    },
    TIMEOUT,
  );
});

describe('hardenAgainstOverload', () => {
  it('refuses to start on an aedes that is not 1.2.x', async () => {
    const aedes = await Aedes.createBroker();
    cleanups.push(() => new Promise<void>((resolve) => aedes.close(() => resolve())));
    Object.defineProperty(aedes, 'version', { value: '1.3.0' });
    expect(() => hardenAgainstOverload(aedes, { maxQueuedPerClient: 10, drainTimeoutMs: 1000 })).toThrow(
      /written for aedes 1\.2\.x but found aedes 1\.3\.0/,
    );
  });

  it('wraps aedes.handle once and is idempotent', async () => {
    const aedes = await Aedes.createBroker();
    cleanups.push(() => new Promise<void>((resolve) => aedes.close(() => resolve())));
    const original = aedes.handle;
    const guard = hardenAgainstOverload(aedes, { maxQueuedPerClient: 10, drainTimeoutMs: 1000 });
    expect(aedes.handle).not.toBe(original);
    expect(aedes.handle).toBe(guard.handle);
    expect(hardenAgainstOverload(aedes, { maxQueuedPerClient: 99, drainTimeoutMs: 1 })).toBe(guard);
  });
});
