/**
 * The gateway's memory under hostile MQTT traffic from signed-in devices and from strangers, and
 * after it stops: RSS before (devices connected, idle), at its peak, and after the flood (idle
 * again). The gateway's target is < 150 MB at 2,000 devices.
 *
 *   npm run bench broker-flood-memory                    # 2,000 devices, 20 s of flood
 *   DEVICES=500 SECONDS=10 npm run bench broker-flood-memory
 *   HEAP_SNAPSHOT=1 npm run bench broker-flood-memory    # heap snapshots mid-flood and after it (working dir)
 *   EXTRA_NODE_FLAGS='--max-semi-space-size=8' npm run bench broker-flood-memory   # try other V8 flags
 *
 * Besides RSS it prints what the RSS is made of (the gateway's own process.memoryUsage() and V8
 * heap spaces): the V8 heap, Buffers outside it (external) and the rest (code, stacks, malloc).
 *
 * Attack mix, each from its own connections, all at once: oversized-but-allowed invalid payloads
 * (QoS1, acknowledged, dead-lettered), QoS2 PUBLISHes never released, ping floods from clients
 * that never read, retained publishes on made-up event topics, wrong passwords for real device ids,
 * and CONNECTs with random client ids and no account.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { DEFAULT_BROKER_LIMITS, GATEWAY_NODE_ENV, GATEWAY_NODE_FLAGS } from '@gridlink/gateway';
import mqttPacket from 'mqtt-packet';
import { RawClient } from './lib/raw-client.js';
import { startScript } from './lib/servers.js';
import { fmt, rssOf } from './lib/stats.js';

const DEVICES = Number(process.env.DEVICES ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 20);
const ATTACKERS = 20; // signed-in devices per attack kind
const PASSWORD = 'bench-secret';

const mb = (bytes: number) => `${fmt(bytes / 1_048_576)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const gateway = await startScript(
  'gateway',
  'gateway-server.ts',
  {
    ...(process.env.PLAIN_MALLOC ? {} : GATEWAY_NODE_ENV),
    DEVICES: String(DEVICES),
    DEVICE_PASSWORD: PASSWORD,
    MEMORY_EVERY_MS: '100',
  },
  [
    ...GATEWAY_NODE_FLAGS,
    ...(process.env.EXTRA_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ...(process.env.HEAP_SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2'] : []),
  ],
);
const port = gateway.port;

/** The gateway's own `process.memoryUsage()`, sampled every 100 ms (see servers/gateway-server.ts). */
type Memory = NodeJS.MemoryUsage & { spaces: Record<string, number> };
let memory: Memory | undefined;
let memoryAtPeak: Memory | undefined;
let memoryLines = '';
let flooding = false;
gateway.stdout?.on('data', (chunk: Buffer) => {
  memoryLines += chunk.toString();
  const lines = memoryLines.split('\n');
  memoryLines = lines.pop() ?? '';
  for (const line of lines) {
    if (!line.startsWith('MEMORY ')) continue;
    memory = JSON.parse(line.slice('MEMORY '.length)) as Memory;
    if (flooding && memory.rss > (memoryAtPeak?.rss ?? 0)) memoryAtPeak = memory;
  }
});
/** RSS = V8 heap + Buffers/ArrayBuffers (external) + the rest (code, stacks, allocator arenas, …). */
const breakdown = (m: Memory | undefined) =>
  m
    ? `RSS ${mb(m.rss)} = heap ${mb(m.heapTotal)} (used ${mb(m.heapUsed)}: old ${mb(m.spaces.old_space ?? 0)}, ` +
      `young ${mb(m.spaces.new_space ?? 0)}, large ${mb((m.spaces.large_object_space ?? 0) + (m.spaces.new_large_object_space ?? 0))}) ` +
      `+ external ${mb(m.external)} (ArrayBuffers ${mb(m.arrayBuffers)}) + other ${mb(m.rss - m.heapTotal - m.external)}`
    : 'n/a';

async function rawSocket(): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}
const connectBytes = (clientId: string, username?: string, password?: string) =>
  mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 600,
    clientId,
    ...(username ? { username, password: Buffer.from(password ?? '') } : {}),
  });

// Idle devices, connected in waves as after a gateway restart.
const idle: RawClient[] = [];
for (let start = ATTACKERS * 5; start < DEVICES; start += 100) {
  const wave = [];
  for (let n = start; n < Math.min(DEVICES, start + 100); n++) {
    wave.push(RawClient.connect(port, `th-${n}`, { username: `th-${n}`, password: PASSWORD }));
  }
  idle.push(...(await Promise.all(wave)));
}
await sleep(2000);
const before = await rssOf(gateway.pid);
let peak = before;
const memoryBefore = memory;
flooding = true;
const sampler = setInterval(() => {
  void rssOf(gateway.pid).then((rss) => {
    peak = Math.max(peak, rss);
  });
}, 100);

let running = true;
const loops: Array<Promise<void>> = [];
/** Runs `attack` again and again (it returns when its connection is cut) until the flood ends. */
const repeat = (attack: () => Promise<void>) =>
  loops.push(
    (async () => {
      while (running) await attack().catch(() => sleep(50));
    })(),
  );

const signedIn = async (n: number) => {
  const socket = await rawSocket();
  socket.write(connectBytes(`th-${n}`, `th-${n}`, PASSWORD));
  return socket;
};
const until = (socket: Socket) =>
  new Promise<void>((resolve) => {
    const stop = setInterval(() => {
      if (!running) socket.destroy();
    }, 200);
    socket.once('close', () => {
      clearInterval(stop);
      resolve();
    });
  });
const pump = async (socket: Socket, packet: () => Buffer) => {
  while (running && !socket.destroyed) {
    if (!socket.write(packet())) await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
  }
};

/** Message ids 1 … 65535, round and round. */
const messageIds = () => {
  let id = 0;
  return () => {
    id = (id % 65535) + 1;
    return id;
  };
};

// As large as a device may send (the packet is topic + payload), and not JSON: dead-lettered.
const big = Buffer.alloc(DEFAULT_BROKER_LIMITS.max_device_packet_bytes - 64, 0x41);
for (let a = 0; a < ATTACKERS; a++) {
  // Large invalid QoS1 payloads on the device's own state topic.
  repeat(async () => {
    const socket = await signedIn(a);
    const nextId = messageIds();
    await Promise.all([
      pump(socket, () =>
        mqttPacket.generate({
          cmd: 'publish',
          topic: `gridlink/th-${a}`,
          payload: big,
          qos: 1,
          messageId: nextId(),
          retain: false,
          dup: false,
        }),
      ),
      until(socket),
    ]);
  });
  // QoS2 PUBLISHes never released.
  repeat(async () => {
    const n = ATTACKERS + a;
    const socket = await signedIn(n);
    const nextId = messageIds();
    await Promise.all([
      pump(socket, () =>
        mqttPacket.generate({
          cmd: 'publish',
          topic: `gridlink/th-${n}/event/x`,
          payload: Buffer.from('{}'),
          qos: 2,
          messageId: nextId(),
          retain: false,
          dup: false,
        }),
      ),
      until(socket),
    ]);
  });
  // Pings from a client that never reads.
  repeat(async () => {
    const socket = await signedIn(2 * ATTACKERS + a);
    socket.pause();
    const pings = Buffer.concat(Array.from({ length: 1000 }, () => mqttPacket.generate({ cmd: 'pingreq' })));
    await Promise.all([pump(socket, () => pings), until(socket)]);
  });
  // Retained publishes on made-up event topics.
  repeat(async () => {
    const n = 3 * ATTACKERS + a;
    const socket = await signedIn(n);
    let k = 0;
    await Promise.all([
      pump(socket, () =>
        mqttPacket.generate({
          cmd: 'publish',
          topic: `gridlink/th-${n}/event/e${k++}`,
          payload: Buffer.from('{"ts":"2026-11-25T07:31:02.000Z"}'),
          qos: 0,
          retain: true,
          dup: false,
        }),
      ),
      until(socket),
    ]);
  });
  // Wrong passwords for a real device id, and strangers with random client ids.
  repeat(async () => {
    const socket = await rawSocket();
    socket.write(connectBytes(`th-${4 * ATTACKERS + a}`, `th-${4 * ATTACKERS + a}`, `guess-${Math.random()}`));
    await until(socket);
  });
  repeat(async () => {
    const socket = await rawSocket();
    socket.write(connectBytes(`random-${Math.random().toString(36).slice(2)}`, `nobody-${a}`, 'x'));
    await until(socket);
  });
}

await sleep((SECONDS * 1000) / 2);
if (process.env.HEAP_SNAPSHOT) process.kill(gateway.pid, 'SIGUSR2');
await sleep((SECONDS * 1000) / 2);
running = false;
await Promise.all(loops);
flooding = false;
await sleep(5000); // the flood is over; let the gateway settle
clearInterval(sampler);
const after = await rssOf(gateway.pid);
// The bench's own sampler can miss the peak while its event loop is busy pumping the flood.
peak = Math.max(peak, memoryAtPeak?.rss ?? 0);
console.log(
  `broker under flood (${fmt(DEVICES)} devices, ${SECONDS} s, ${ATTACKERS} attackers per kind): RSS before ${mb(before)}, peak ${mb(peak)}, after ${mb(after)}`,
);
console.log(`  before: ${breakdown(memoryBefore)}`);
console.log(`  peak:   ${breakdown(memoryAtPeak)}`);
console.log(`  after:  ${breakdown(memory)}`);
const TARGET = 150_000_000; // bytes: the gateway's target is < 150 MB at 2,000 devices
const verdict = (rss: number) => `${fmt(rss / 1e6)} MB ${rss < TARGET ? '<' : '>='} 150 MB`;
console.log(`  target < 150 MB: before ${verdict(before)}, peak ${verdict(peak)}, after ${verdict(after)}`);
if (process.env.HEAP_SNAPSHOT) {
  process.kill(gateway.pid, 'SIGUSR2');
  await sleep(10_000);
  console.log('heap snapshots (mid-flood, after) written to the working directory (Heap.*.heapsnapshot)');
}
for (const client of idle) client.close();
await gateway.stop();
