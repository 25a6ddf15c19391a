/**
 * The gateway's memory under a flood, run as a real box runs it: on a device registry of 2,000
 * devices, with the installer console (a page open on its live stream) and each device's history.
 * Every registered device floods valid readings while attackers send hostile MQTT traffic; RSS
 * before (devices connected, idle), at its peak, and after the flood (idle again), and the
 * messages per second the gateway took meanwhile (a memory win that costs throughput shows here).
 * The gateway's target is < 150 MB at 2,000 devices.
 *
 *   npm run bench broker-flood-memory                    # 2,000 devices, 20 s of flood
 *   DEVICES=500 SECONDS=10 npm run bench broker-flood-memory
 *   HEAP_SNAPSHOT=1 npm run bench broker-flood-memory    # heap snapshots before, mid-flood and after it (working dir)
 *   EXTRA_NODE_FLAGS='--max-semi-space-size=8' npm run bench broker-flood-memory   # try other V8 flags
 *   DEVICE_FLOOD=0 npm run bench broker-flood-memory     # the attacks alone, the devices idle
 *
 * Besides RSS it prints what the RSS is made of (the gateway's own process.memoryUsage() and V8
 * heap spaces): the V8 heap, Buffers outside it (external) and the rest (code, stacks, malloc);
 * and, after a full garbage collection, what the gateway still holds (retained).
 *
 * Attack mix, each from its own connections, all at once: oversized-but-allowed invalid payloads
 * (QoS1, acknowledged, dead-lettered), QoS2 PUBLISHes never released, ping floods from clients
 * that never read, retained publishes on made-up event topics, wrong passwords for real device ids,
 * and CONNECTs with random client ids and no account.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_BROKER_LIMITS,
  DeviceRegistry,
  GATEWAY_NODE_ENV,
  GATEWAY_NODE_FLAGS,
  registryPathIn,
} from '@gridlink/gateway';
import mqttPacket from 'mqtt-packet';
import { encodePublish, RawClient } from './lib/raw-client.js';
import { startScript } from './lib/servers.js';
import { fmt, percentile, rssOf } from './lib/stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const DEVICES = Number(process.env.DEVICES ?? 2000);
const SECONDS = Number(process.env.SECONDS ?? 20);
const ATTACKERS = 20; // signed-in devices per attack kind
const COMMUNITY = '320803001001';

const mb = (bytes: number) => `${fmt(bytes / 1_048_576)} MiB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The registry a box is installed with: DEVICES sensors (each its own password) and an installer.
const dataDir = mkdtempSync(join(tmpdir(), 'gridlink-flood-'));
const registry = DeviceRegistry.open(registryPathIn(dataDir));
const issued = await registry.addDevices([
  ...Array.from({ length: DEVICES }, (_, n) => ({
    id: `th-${n}`,
    kind: 'temp_humidity' as const,
    community: COMMUNITY,
  })),
  // One more device that sends a reading at a time, as a real one does, and times its round trips.
  { id: 'probe-0', kind: 'temp_humidity' as const, community: COMMUNITY },
]);
const passwords = new Map(issued.map(({ device, password }) => [device.id, password]));
const password = (n: number) => passwords.get(`th-${n}`) ?? '';
const installer = await registry.addService('installer-1', 'installer');
registry.close();

const gateway = await startScript(
  'gateway',
  'gateway-server.ts',
  {
    ...(process.env.PLAIN_MALLOC ? {} : GATEWAY_NODE_ENV),
    DATA_DIR: dataDir,
    DEVICES: String(DEVICES),
    MEMORY_EVERY_MS: '100',
  },
  [
    ...GATEWAY_NODE_FLAGS,
    // Only exposes gc() (for the RETAINED figure); collection itself is unchanged.
    '--expose-gc',
    ...(process.env.EXTRA_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
    ...(process.env.HEAP_SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2'] : []),
  ],
);
const port = gateway.port;
const http = Number(gateway.ready?.http);

/** The gateway's own `process.memoryUsage()`, sampled every 100 ms (see servers/gateway-server.ts). */
type Memory = NodeJS.MemoryUsage & {
  spaces: Record<string, number>;
  valid: number;
  invalid: number;
  inbound: { waiting: number; readAheadBytes: number; inflight: number };
};
let memory: Memory | undefined;
let memoryAtPeak: Memory | undefined;
let retained: Memory | undefined;
let memoryLines = '';
let flooding = false;
gateway.stdout?.on('data', (chunk: Buffer) => {
  memoryLines += chunk.toString();
  const lines = memoryLines.split('\n');
  memoryLines = lines.pop() ?? '';
  for (const line of lines) {
    if (line.startsWith('RETAINED ')) retained = JSON.parse(line.slice('RETAINED '.length)) as Memory;
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

// The devices, connected in waves as after a gateway restart (the first ones are the attackers').
const devices: RawClient[] = [];
for (let start = ATTACKERS * 5; start < DEVICES; start += 100) {
  const wave = [];
  for (let n = start; n < Math.min(DEVICES, start + 100); n++) {
    wave.push(RawClient.connect(port, `th-${n}`, { username: `th-${n}`, password: password(n) }));
  }
  devices.push(...(await Promise.all(wave)));
}

// An installer's console open on its live stream, as during commissioning (the page first: the
// gateway then holds the console's files in memory).
const page = await fetch(`http://127.0.0.1:${http}/`);
if (page.status !== 200) throw new Error(`the console page answered ${page.status}`);
await page.arrayBuffer();
const signIn = await fetch(`http://127.0.0.1:${http}/api/console/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'installer-1', password: installer.password }),
});
if (signIn.status !== 200) throw new Error(`console sign-in answered ${signIn.status}`);
const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
const consoleStream = request(`http://127.0.0.1:${http}/api/console/events`, { headers: { cookie } }, (res) =>
  res.resume(),
);
consoleStream.on('error', () => {});
consoleStream.end();

// A device that is not flooding, timing its QoS1 round trips from a process of its own.
const probe = spawn(process.execPath, ['--import', 'tsx', join(here, 'lib', 'round-trip-probe.ts')], {
  env: { ...process.env, PORT: String(port), DEVICE: 'probe-0', PASSWORD: passwords.get('probe-0') ?? '' },
  stdio: ['pipe', 'pipe', 'inherit'],
  cwd: join(here, '..'),
});
let probeOutput = '';
probe.stdout?.on('data', (chunk: Buffer) => {
  probeOutput += chunk.toString();
});
const probed = once(probe, 'exit');
while (!probeOutput.includes('READY')) {
  if (probe.exitCode !== null) throw new Error('the round-trip probe exited before it was ready');
  await sleep(50);
}

await sleep(2000);
if (process.env.HEAP_SNAPSHOT) {
  process.kill(gateway.pid, 'SIGUSR2');
  await sleep(10_000);
}
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
  socket.write(connectBytes(`th-${n}`, `th-${n}`, password(n)));
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
/** The socket can take more, or is gone (both listeners removed: the gateway now pushes back often). */
const drained = (socket: Socket) =>
  new Promise<void>((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
/** Writes packets as fast as the socket takes them, yielding now and then so every attack and the devices get a turn. */
const pump = async (socket: Socket, packet: () => Buffer) => {
  for (let written = 1; running && !socket.destroyed; written++) {
    if (!socket.write(packet())) await drained(socket);
    else if (written % 32 === 0) await nextTurn();
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

// Every device sends valid readings as fast as the gateway takes them (QoS1, 16 different ones
// each, pre-encoded), round-robin: a device writes again once the previous ones left its socket.
// DEVICE_FLOOD=0 leaves them idle (the attacks alone).
if (process.env.DEVICE_FLOOD !== '0')
  loops.push(
    (async () => {
      const readings = devices.map((_, i) =>
        Array.from({ length: 16 }, (_, k) =>
          encodePublish(
            `gridlink/th-${ATTACKERS * 5 + i}`,
            `{"temperature":${(20 + k / 10).toFixed(1)},"humidity":${40 + k},"battery":88,"rssi":-61}`,
            1,
            k + 1,
          ),
        ),
      );
      let turn = 0;
      while (running) {
        for (const [i, device] of devices.entries()) {
          if (device.socket.writableLength === 0) device.socket.write(readings[i]?.[turn % 16] as Buffer);
        }
        turn++;
        await nextTurn();
      }
    })(),
  );
// The installer reads device pages meanwhile (each shows the device's recent messages).
loops.push(
  (async () => {
    for (let n = ATTACKERS * 5; running; n = n + 1 < DEVICES ? n + 1 : ATTACKERS * 5) {
      await fetch(`http://127.0.0.1:${http}/api/console/devices/th-${n}`, { headers: { cookie } })
        .then((response) => response.arrayBuffer())
        .catch(() => {});
      await sleep(200);
    }
  })(),
);

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

const atStart = memory;
const started = performance.now();
await sleep((SECONDS * 1000) / 2);
if (process.env.HEAP_SNAPSHOT) process.kill(gateway.pid, 'SIGUSR2');
await sleep((SECONDS * 1000) / 2);
running = false;
const atEnd = memory;
const floodSeconds = (performance.now() - started) / 1000;
await Promise.all(loops);
flooding = false;
probe.stdin?.end();
await probed;
// The flood is over, but the devices' sockets still hold what they wrote: the gateway is idle once
// it has taken no message for 2 s (then it has read everything; what it answers is done).
const drainStarted = performance.now();
let taken = -1;
let quietSince = performance.now();
while (performance.now() - quietSince < 2000 && performance.now() - drainStarted < 120_000) {
  const now = (memory?.valid ?? 0) + (memory?.invalid ?? 0);
  if (now !== taken) {
    taken = now;
    quietSince = performance.now();
  }
  await sleep(100);
}
const drainSeconds = (performance.now() - drainStarted) / 1000 - 2;
clearInterval(sampler);
const after = await rssOf(gateway.pid);
// The bench's own sampler can miss the peak while its event loop is busy pumping the flood.
peak = Math.max(peak, memoryAtPeak?.rss ?? 0);
// What the gateway still holds once its garbage is collected (the page history, sessions, clients…).
process.kill(gateway.pid, 'SIGHUP');
while (!retained) await sleep(50);
const afterGc = await rssOf(gateway.pid);
const perSecond = (field: 'valid' | 'invalid') => ((atEnd?.[field] ?? 0) - (atStart?.[field] ?? 0)) / floodSeconds;
console.log(
  `broker under flood (${fmt(DEVICES)} registered devices, console and history on, ${SECONDS} s, ${ATTACKERS} attackers per kind): ` +
    `RSS before ${mb(before)}, peak ${mb(peak)}, after ${mb(after)}`,
);
console.log(
  `  messages taken during the flood: ${fmt(perSecond('valid'))}/s valid readings, ${fmt(perSecond('invalid'))}/s dead-lettered`,
);
const { roundTrips, unanswered: probeLost } = JSON.parse(
  probeOutput.split('\n').find((line) => line.startsWith('{')) ?? '{"roundTrips":[],"unanswered":0}',
) as { roundTrips: number[]; unanswered: number };
const ms = (value: number | undefined) => `${fmt(value ?? Number.NaN)} ms`;
roundTrips.sort((a, b) => a - b);
console.log(
  `  a device sending one reading at a time (QoS1 round trip during the flood): ${roundTrips.length} done, ` +
    `p50 ${ms(percentile(roundTrips, 50))}, p95 ${ms(percentile(roundTrips, 95))}, max ${ms(roundTrips.at(-1))}` +
    (probeLost > 0 ? `, ${probeLost} unanswered after 30 s` : ''),
);
console.log(`  before: ${breakdown(memoryBefore)}`);
console.log(`  peak:   ${breakdown(memoryAtPeak)}`);
console.log(`  after:  ${breakdown(memory)}`);
console.log(`  after a full GC (retained): ${breakdown(retained)}; RSS then ${mb(afterGc)}`);
console.log(
  `  after the flood the gateway took what the sockets held for ${fmt(drainSeconds)} s more; then inbound admission: ${JSON.stringify(retained?.inbound)}`,
);
const TARGET = 150_000_000; // bytes: the gateway's target is < 150 MB at 2,000 devices
const verdict = (rss: number) => `${fmt(rss / 1e6)} MB ${rss < TARGET ? '<' : '>='} 150 MB`;
console.log(`  target < 150 MB: before ${verdict(before)}, peak ${verdict(peak)}, after ${verdict(after)}`);
if (process.env.HEAP_SNAPSHOT) {
  process.kill(gateway.pid, 'SIGUSR2');
  await sleep(10_000);
  console.log('heap snapshots (before, mid-flood, after) written to the working directory (Heap.*.heapsnapshot)');
}
consoleStream.destroy();
for (const client of devices) client.close();
await gateway.stop();
rmSync(dataDir, { recursive: true, force: true });
