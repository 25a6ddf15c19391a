/**
 * Broker throughput and latency, same load generator and same run against (a) Debian's Mosquitto
 * (`set_tcp_nodelay true`), (b) the Node floor (what any broker in Node could reach here: frames
 * forwarded with no broker work, see servers/node-floor-server.ts), (c) bare aedes, (d) the full gateway path (auth, ACL, validation,
 * event bus, liveness; telemetry when INFLUX_URL is set). The load generator runs in this process,
 * each broker in its own.
 *
 *   npm run bench broker-throughput            # 1,000 devices, 5 s per measurement
 *   DEVICES=2000 SECONDS=10 npm run bench broker-throughput
 */
import { performance } from 'node:perf_hooks';
import { GATEWAY_NODE_ENV, GATEWAY_NODE_FLAGS } from '@gridlink/gateway';
import { processCpuSeconds } from './lib/cpu.js';
import { encodePublish, RawClient } from './lib/raw-client.js';
import { type BrokerUnderTest, startInflux, startMosquitto, startScript } from './lib/servers.js';
import { fmt, percentile, rssOf } from './lib/stats.js';

const DEVICES = Number(process.env.DEVICES ?? 1000);
const SECONDS = Number(process.env.SECONDS ?? 5);
const RSS_DEVICES = Number(process.env.RSS_DEVICES ?? 2000);
const RTT_SAMPLES = 2000;
/**
 * Round trips run first and not counted, for this long: JIT tiering in both processes takes the
 * first few hundred milliseconds (a count of 1,000 was not enough: they fit in ~100 ms).
 */
const RTT_WARMUP_MS = 2000;
const PASSWORD = 'bench-secret';
const payload = (n: number) => `{"temperature":${(20 + (n % 100) / 10).toFixed(1)},"humidity":48.2,"battery":88}`;

interface Result {
  broker: string;
  qos0: number;
  qos1: number;
  /**
   * The broker process's CPU time (all its threads, from /proc) per message of each measurement,
   * in µs. Less moved than the rates by other work on the machine, but not unmoved (it depends on
   * how well writes batch at the rate reached): compare builds over several interleaved runs.
   */
  cpuQos0: number;
  cpuQos1: number;
  rttAck: { p50: number; p99: number };
  rttDelivery: { p50: number; p99: number };
  rssMb: number;
  rssDevices: number;
}

/** Connects devices th-0 … th-<count - 1>. */
async function connectDevices(port: number, count: number): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  const batch = 100; // connect in waves, as a real reconnect storm would be paced
  for (let start = 0; start < count; start += batch) {
    const wave = [];
    for (let n = start; n < Math.min(count, start + batch); n++) {
      wave.push(RawClient.connect(port, `th-${n}`, { username: `th-${n}`, password: PASSWORD }));
    }
    clients.push(...(await Promise.all(wave)));
  }
  return clients;
}

async function subscriber(port: number): Promise<{ client: RawClient; received: () => number }> {
  const client = await RawClient.connect(port, 'svc-bench-observer-1', {
    username: 'bench-observer',
    password: PASSWORD,
  });
  let received = 0;
  client.onPacket = (packet) => {
    if (packet.cmd === 'publish') received++;
  };
  await client.subscribe('gridlink/+', 0);
  return { client, received: () => received };
}

/**
 * Messages sent but not yet delivered to the subscriber, at most. A closed loop: the generator
 * measures the rate a broker sustains, instead of building an unbounded backlog in it (which
 * measures only how a broker fails, see the overload tests).
 */
const WINDOW = Number(process.env.WINDOW ?? 2000);

/** Devices publish QoS0 round-robin within the window; rate = deliveries to the subscriber. */
async function qos0(devices: RawClient[], received: () => number): Promise<number> {
  const packets = devices.map((_, n) => encodePublish(`gridlink/th-${n}`, payload(n), 0));
  const deadline = performance.now() + SECONDS * 1000;
  const start = received();
  let sent = 0;
  let next = 0;
  while (performance.now() < deadline) {
    let budget = WINDOW - (sent - (received() - start));
    while (budget-- > 0) {
      const n = next++ % devices.length;
      const device = devices[n] as RawClient;
      if (device.socket.writableNeedDrain) continue;
      device.socket.write(packets[n] as Buffer);
      sent++;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  return (received() - start) / SECONDS;
}

/**
 * Every device keeps one QoS1 message in flight (as real devices do), within the same window;
 * rate = PUBACKs per second.
 */
async function qos1(devices: RawClient[], watcher: RawClient): Promise<number> {
  let acks = 0;
  let sent = 0;
  let received = 0;
  let running = true;
  const parked: Array<() => void> = [];
  watcher.onPacket = (packet) => {
    if (packet.cmd !== 'publish') return;
    received++;
    if (running && sent - received < WINDOW) parked.shift()?.();
  };
  devices.forEach((device, n) => {
    const packets = [1, 2].map((id) => encodePublish(`gridlink/th-${n}`, payload(n), 1, id));
    let turn = 0;
    const send = () => {
      turn = 1 - turn;
      sent++;
      device.write(packets[turn] as Buffer);
    };
    device.onPacket = (packet) => {
      if (packet.cmd !== 'puback') return;
      acks++;
      if (!running) return;
      if (sent - received < WINDOW) send();
      else parked.push(send);
    };
    if (sent - received < WINDOW) send();
    else parked.push(send);
  });
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  running = false;
  const total = acks;
  await new Promise((resolve) => setTimeout(resolve, 500)); // let in-flight acks drain
  for (const device of devices) device.onPacket = () => {};
  return total / SECONDS;
}

/** One device, nothing else running: publish → PUBACK and publish → delivery, sequentially, after a warm-up. */
async function roundTrips(device: RawClient, watcher: RawClient) {
  const ack: number[] = [];
  const delivery: number[] = [];
  const warmUntil = performance.now() + RTT_WARMUP_MS;
  for (let seq = 0; ack.length < RTT_SAMPLES; seq++) {
    const body = `{"temperature":21.5,"humidity":${seq % 100}}`;
    const sentAt = performance.now();
    const delivered = new Promise<void>((resolve) => {
      watcher.onPacket = (packet) => {
        if (packet.cmd === 'publish' && packet.payload.toString() === body) resolve();
      };
    });
    const acked = device.expect('puback');
    device.write(encodePublish('gridlink/th-0', body, 1, (seq % 65535) + 1));
    const [ackedAt, deliveredAt] = await Promise.all([
      acked.then(() => performance.now()),
      delivered.then(() => performance.now()),
    ]);
    if (sentAt < warmUntil) continue;
    ack.push(ackedAt - sentAt);
    delivery.push(deliveredAt - sentAt);
  }
  const summary = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  return { rttAck: summary(ack), rttDelivery: summary(delivery) };
}

async function measure(broker: BrokerUnderTest): Promise<Result> {
  // Memory first, on a fresh broker with every device connected and idle.
  const all = await connectDevices(broker.port, Math.max(RSS_DEVICES, DEVICES));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const rss = await rssOf(broker.pid);
  const devices = all.slice(0, DEVICES);
  const watcher = await subscriber(broker.port);
  const rtt = await roundTrips(devices[0] as RawClient, watcher.client);
  watcher.client.onPacket = (packet) => {
    if (packet.cmd === 'publish') count++;
  };
  let count = 0;
  const cpu0 = processCpuSeconds(broker.pid);
  const q0 = await qos0(devices, () => count);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // let queued QoS0 drain before QoS1
  const cpu1 = processCpuSeconds(broker.pid);
  const q1 = await qos1(devices, watcher.client);
  const cpu2 = processCpuSeconds(broker.pid); // its acks drained too
  const perMessage = (seconds: number, rate: number) => (seconds * 1e6) / (rate * SECONDS);
  for (const client of [...all, watcher.client]) client.close();
  return {
    broker: broker.name,
    qos0: q0,
    qos1: q1,
    cpuQos0: perMessage(cpu1 - cpu0, q0),
    cpuQos1: perMessage(cpu2 - cpu1, q1),
    ...rtt,
    rssMb: rss / 1024 / 1024,
    rssDevices: Math.max(RSS_DEVICES, DEVICES),
  };
}

// PROFILE_DIR=/tmp/prof writes a V8 CPU profile of each Node broker, to see where the time goes.
const profile = process.env.PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
const available: Record<string, () => Promise<BrokerUnderTest>> = {
  mosquitto: () => startMosquitto(),
  aedes: () => startScript('aedes (bare)', 'aedes-server.ts', {}, profile),
  floor: () => startScript('Node floor (no broker)', 'node-floor-server.ts', {}, profile),
  gateway: async () => {
    // The full path includes telemetry batches to a real InfluxDB.
    const influx = await startInflux();
    const broker = await startScript(
      'gateway (full path)',
      'gateway-server.ts',
      {
        ...GATEWAY_NODE_ENV,
        DEVICES: String(Math.max(DEVICES, RSS_DEVICES)),
        INFLUX_URL: influx.url,
        INFLUX_DB: influx.database,
      },
      // The gateway runs with the V8 flags and C library settings its executable sets; bare aedes
      // with Node's defaults. EXTRA_NODE_FLAGS tries others.
      [...GATEWAY_NODE_FLAGS, ...(process.env.EXTRA_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...profile],
    );
    return { ...broker, stop: () => broker.stop().then(influx.stop) };
  },
};
// BROKERS=gateway,aedes runs a subset; ratios are always against the first one measured.
const brokers = (process.env.BROKERS ?? 'mosquitto,floor,aedes,gateway').split(',').map((name) => {
  const start = available[name.trim()];
  if (!start) throw new Error(`BROKERS: unknown broker ${name}; use ${Object.keys(available).join(', ')}`);
  return start;
});

console.log(`broker throughput: ${DEVICES} connected devices, ${SECONDS} s per measurement, Node ${process.version}`);
const results: Result[] = [];
for (const start of brokers) {
  const broker = await start();
  try {
    results.push(await measure(broker));
  } finally {
    await broker.stop();
  }
}
const reference = results[0] as Result;
console.log('');
console.log(
  'broker                 QoS0 msg/s   ×mosq   QoS1 msg/s   ×mosq   CPU µs/msg QoS0 / QoS1   QoS1 ack p50/p99 ms   delivery p50/p99 ms   RSS MB (devices)',
);
for (const r of results) {
  console.log(
    `${r.broker.padEnd(22)} ${fmt(r.qos0).padStart(10)}   ${fmt(r.qos0 / reference.qos0, 2).padStart(5)}   ${fmt(r.qos1).padStart(10)}   ${fmt(r.qos1 / reference.qos1, 2).padStart(5)}   ${`${fmt(r.cpuQos0, 1)} / ${fmt(r.cpuQos1, 1)}`.padStart(22)}   ${`${fmt(r.rttAck.p50, 3)} / ${fmt(r.rttAck.p99, 3)}`.padStart(19)}   ${`${fmt(r.rttDelivery.p50, 3)} / ${fmt(r.rttDelivery.p99, 3)}`.padStart(19)}   ${fmt(r.rssMb, 1)} (${r.rssDevices})`,
  );
}
