/**
 * The overload scenario, client side: one mqtt.js publisher floods QoS0 as fast as its socket takes
 * it while one subscriber (a raw socket) reads slowly; then both disconnect. Used by the tests against
 * flood-broker.fixture.ts running in a child process, and reusable from a bench script.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect as netConnect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { GATEWAY_NODE_FLAGS } from '../../cli/node-flags.js';
import type { OverloadStats } from './harden.js';

export const FLOOD_TOPIC = 'flood/t';

export interface BrokerSample {
  t: number;
  rssMB: number;
  peakRssMB: number;
  emitterBacklog: number;
  peakEmitterBacklog: number;
  clients: number;
  /** Valid device messages so far (the full gateway only). */
  valid?: number;
  disconnected?: string;
  guard?: OverloadStats;
}

export interface BrokerChild {
  port: number;
  child: ChildProcess;
  samples: BrokerSample[];
  stderr(): string;
  /** Resolves with the exit once the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  exitedYet(): boolean;
  kill(): void;
}

/**
 * Starts flood-broker.fixture.ts (or another script with the same stdout protocol) in a child process,
 * with the gateway's own Node flags, and waits until it listens.
 */
export async function startBrokerChild(
  mode: string,
  options: { env?: Record<string, string>; fixture?: string; nodeFlags?: readonly string[] } = {},
): Promise<BrokerChild> {
  const fixture = options.fixture ?? fileURLToPath(new URL('./flood-broker.fixture.ts', import.meta.url));
  const env = options.env ?? {};
  const flags = options.nodeFlags ?? GATEWAY_NODE_FLAGS;
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, [...flags, '--import', tsx, '--conditions=gridlink-source', fixture, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    // Keep the head (the exception) and a bounded amount after it.
    if (stderr.length < 64 * 1024) stderr += chunk;
  });
  let hasExited = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolve({ code, signal, at: Date.now() });
    });
  });
  const samples: BrokerSample[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const parsed = JSON.parse(line) as { port?: number } & BrokerSample;
        if (parsed.port !== undefined) resolve(parsed.port);
        else samples.push(parsed);
      }
    });
    void exited.then(() => reject(new Error(`broker child exited before listening: ${stderr}`)));
  });
  return {
    port,
    child,
    samples,
    stderr: () => stderr,
    exited,
    exitedYet: () => hasExited,
    kill: () => {
      if (!hasExited) child.kill('SIGKILL');
    },
  };
}

const utf8 = (text: string) => {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

/** One MQTT 3.1.1 packet with a short (< 128 bytes) body. */
const packet = (firstByte: number, body: Buffer) => {
  if (body.length >= 128) throw new Error('packet body too long for a one-byte remaining length');
  return Buffer.concat([Buffer.from([firstByte, body.length]), body]);
};

export interface Credentials {
  username: string;
  password: string;
}

/**
 * CONNECT (clean session, keepalive 60 s, credentials if given) and SUBSCRIBE (message id 1) for a
 * raw-socket client.
 */
export function connectAndSubscribeBytes(clientId: string, topic: string, qos: 0 | 1, auth?: Credentials): Buffer {
  const flags = auth ? 0xc2 : 0x02;
  const connect = packet(
    0x10,
    Buffer.concat([
      utf8('MQTT'),
      Buffer.from([4, flags, 0, 60]),
      utf8(clientId),
      ...(auth ? [utf8(auth.username), utf8(auth.password)] : []),
    ]),
  );
  const subscribe = packet(0x82, Buffer.concat([Buffer.from([0, 1]), utf8(topic), Buffer.from([qos])]));
  return Buffer.concat([connect, subscribe]);
}

export interface SlowSubscriber {
  socket: Socket;
  /** PUBLISH bytes read so far. */
  bytesRead(): number;
  close(): void;
}

/**
 * A subscriber on a raw socket: CONNECT + SUBSCRIBE, then reads at most one socket buffer every
 * `readEveryMs` (0: never reads again, a frozen client; negative: reads everything, keeps up).
 */
export async function slowSubscriber(
  port: number,
  clientId: string,
  readEveryMs: number,
  qos: 0 | 1 = 0,
  topic = FLOOD_TOPIC,
  auth?: Credentials,
): Promise<SlowSubscriber> {
  const socket = netConnect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(connectAndSubscribeBytes(clientId, topic, qos, auth));
  // CONNACK (4 bytes) + SUBACK (5 bytes).
  await new Promise<void>((resolve) => {
    let seen = 0;
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen >= 9) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  let bytes = 0;
  if (readEveryMs < 0) {
    // A subscriber that keeps up: reads everything as it arrives.
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
  } else {
    socket.pause();
  }
  const timer =
    readEveryMs > 0
      ? setInterval(() => {
          const chunk = socket.read() as Buffer | null;
          if (chunk) bytes += chunk.length;
        }, readEveryMs)
      : undefined;
  return {
    socket,
    bytesRead: () => bytes,
    close: () => {
      if (timer) clearInterval(timer);
      socket.destroy();
    },
  };
}

export interface Flood {
  /** Messages handed to the publisher's socket so far. */
  sent(): number;
  /** Stops flooding and disconnects the publisher (without a DISCONNECT packet). */
  stop(): number;
}

export interface FloodOptions {
  payload?: Buffer;
  /** Connect as this client (e.g. a provisioned device) instead of the anonymous 'flooder'. */
  clientId?: string;
  auth?: Credentials;
}

/** Publishes QoS0 on FLOOD_TOPIC as fast as the publisher's socket accepts it, until stopped. */
export async function startFlood(port: number, payloadBytes = 16, options: FloodOptions = {}): Promise<Flood> {
  const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: options.clientId ?? 'flooder',
    ...(options.auth ?? {}),
    keepalive: options.auth ? 60 : 0,
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  publisher.on('error', () => {});
  const payload = options.payload ?? Buffer.alloc(payloadBytes, 120);
  const stream = publisher.stream as unknown as {
    writableNeedDrain: boolean;
    once(event: 'drain', fn: () => void): void;
  };
  let sent = 0;
  let flooding = true;
  const burst = () => {
    if (!flooding || !publisher.connected) return;
    for (let i = 0; i < 200; i++) publisher.publish(FLOOD_TOPIC, payload, { qos: 0 });
    sent += 200;
    if (stream.writableNeedDrain) stream.once('drain', () => setImmediate(burst));
    else setImmediate(burst);
  };
  burst();
  return {
    sent: () => sent,
    stop: () => {
      flooding = false;
      publisher.end(true);
      return sent;
    },
  };
}

/** Floods for `durationMs`, then stops. */
export async function floodQoS0(port: number, durationMs: number, payloadBytes = 16): Promise<{ sent: number }> {
  const flood = await startFlood(port, payloadBytes);
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  return { sent: flood.stop() };
}

/** A fresh subscriber and publisher: does one message get through? */
export async function deliversOneMessage(port: number, timeoutMs = 5000): Promise<boolean> {
  const url = `mqtt://127.0.0.1:${port}`;
  const options = { keepalive: 0, reconnectPeriod: 0, protocolVersion: 4 as const, connectTimeout: timeoutMs };
  const subscriber = await mqtt.connectAsync(url, { ...options, clientId: 'after-sub' });
  const publisher = await mqtt.connectAsync(url, { ...options, clientId: 'after-pub' });
  try {
    await subscriber.subscribeAsync('after/check', { qos: 1 });
    const received = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      subscriber.once('message', (_topic, payload) => {
        clearTimeout(timer);
        resolve(payload.toString() === 'still here');
      });
    });
    await publisher.publishAsync('after/check', 'still here', { qos: 1 });
    return await received;
  } finally {
    await Promise.all([subscriber.endAsync(true), publisher.endAsync(true)]);
  }
}

/**
 * The scenario of the field failure: a QoS0 flood with a subscriber that reads one socket buffer
 * every `readEveryMs`, then the subscriber leaves while the publisher is still at it, then the
 * publisher leaves. (Subscriber first: the crash needs a backlog in the emitter at the moment the
 * subscription goes; with the publisher gone first the broker sometimes drains it in between.)
 */
export async function floodThenDisconnect(
  mode: 'bare' | 'hardened',
  floodMs = 3000,
  readEveryMs = 10,
): Promise<{ broker: BrokerChild; sent: number; disconnectedAt: number; cleanup(): void }> {
  const broker = await startBrokerChild(mode);
  const subscriber = await slowSubscriber(broker.port, 'slow-subscriber', readEveryMs);
  const flood = await startFlood(broker.port);
  await new Promise((resolve) => setTimeout(resolve, floodMs));
  subscriber.close();
  const disconnectedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const sent = flood.stop();
  return {
    broker,
    sent,
    disconnectedAt,
    cleanup: () => {
      subscriber.close();
      broker.kill();
    },
  };
}

/** Resolves with the first sample (past or future) that `matches`, or undefined after `timeoutMs`. */
export function sampleWhere(
  broker: BrokerChild,
  matches: (sample: BrokerSample) => boolean,
  timeoutMs: number,
): Promise<BrokerSample | undefined> {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const look = () => {
      const found = broker.samples.find(matches);
      if (found !== undefined || broker.exitedYet() || Date.now() > deadline) resolve(found);
      else setTimeout(look, 50);
    };
    look();
  });
}
