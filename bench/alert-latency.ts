/**
 * Alert latency through the real broker: from a device's publish to the retained alert on the
 * local broker, with 500 rules loaded, 1,000 devices connected and a steady background load.
 *
 *   npm run bench alert-latency            # background load 12,000 msg/s
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GATEWAY_NODE_FLAGS } from '@gridlink/gateway';
import { stringify } from 'yaml';
import { encodePublish, RawClient } from './lib/raw-client.js';
import { ruleSet } from './lib/rule-set.js';
import { startScript } from './lib/servers.js';
import { fmt, percentile } from './lib/stats.js';

const DEVICES = Number(process.env.DEVICES ?? 1000);
const LOAD = Number(process.env.LOAD ?? 12_000); // messages/s in the background
/**
 * Alerts are raised for this long, one every 20 ms: long enough to span the gateway's periodic
 * work (its rule state is saved every 5 s), which a burst of alerts in a second or two would miss.
 */
const SECONDS = Number(process.env.SECONDS ?? 30);
const ALERT_EVERY_MS = 20;
const PASSWORD = 'bench-secret';

const dir = mkdtempSync(join(tmpdir(), 'gridlink-bench-rules-'));
const rulesFile = join(dir, 'rules.yaml');
const rules = ruleSet(500);
writeFileSync(rulesFile, stringify({ version: 1, rules }));

const broker = await startScript(
  'gateway (full path, 500 rules)',
  'gateway-server.ts',
  {
    DEVICES: String(DEVICES),
    RULES_FILE: rulesFile,
    EXTRA_DEVICES: JSON.stringify([{ id: 'gas-0', kind: 'gas_detector' }]),
  },
  [...GATEWAY_NODE_FLAGS],
);
try {
  const devices: RawClient[] = [];
  for (let start = 0; start < DEVICES; start += 100) {
    const wave = [];
    for (let n = start; n < Math.min(DEVICES, start + 100); n++) {
      wave.push(RawClient.connect(broker.port, `th-${n}`, { username: `th-${n}`, password: PASSWORD }));
    }
    devices.push(...(await Promise.all(wave)));
  }
  const gas = await RawClient.connect(broker.port, 'gas-0', { username: 'gas-0', password: PASSWORD });
  const watcher = await RawClient.connect(broker.port, 'svc-bench-observer-1', {
    username: 'bench-observer',
    password: PASSWORD,
  });
  await watcher.subscribe('gridlink/alert/+/gas-0', 0);

  // Background: temperature reports at LOAD msg/s, spread over the devices, paced every 10 ms.
  let running = true;
  let sent = 0;
  const packets = devices.map((_, n) =>
    encodePublish(`gridlink/th-${n}`, `{"temperature":${20 + (n % 10)},"humidity":40}`, 0),
  );
  const pacer = setInterval(() => {
    const due = Math.round(LOAD / 100);
    for (let i = 0; i < due && running; i++) {
      const n = sent++ % devices.length;
      (devices[n] as RawClient).socket.write(packets[n] as Buffer);
    }
  }, 10);

  await new Promise((resolve) => setTimeout(resolve, 2000)); // warm up under load
  const latencies: number[] = [];
  const until = performance.now() + SECONDS * 1000;
  for (let n = 0; performance.now() < until; n++) {
    const slot = performance.now() + ALERT_EVERY_MS;
    for (const [lel, expectEmpty] of [
      [25, false],
      [0, true],
    ] as const) {
      const sentAt = performance.now();
      const arrived = new Promise<void>((resolve) => {
        watcher.onPacket = (packet) => {
          if (packet.cmd === 'publish' && (packet.payload.length === 0) === expectEmpty) resolve();
        };
      });
      gas.write(encodePublish('gridlink/gas-0', `{"gas_lel":${lel}}`, 1, (n % 60000) + 1));
      await arrived;
      if (!expectEmpty) latencies.push(performance.now() - sentAt);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, slot - performance.now())));
  }
  running = false;
  clearInterval(pacer);
  latencies.sort((a, b) => a - b);
  console.log(
    `alert latency: ${rules.length} rules, ${DEVICES} devices connected, background ${fmt(LOAD)} msg/s, ${latencies.length} alerts over ${SECONDS} s, Node ${process.version}`,
  );
  console.log(
    `  device publish → retained alert on the local broker: p50 ${fmt(percentile(latencies, 50), 3)} ms, p99 ${fmt(percentile(latencies, 99), 3)} ms, max ${fmt(latencies.at(-1) ?? Number.NaN, 3)} ms`,
  );
  console.log('  target: p99 < 5 ms');
  for (const client of [...devices, gas, watcher]) client.close();
} finally {
  await broker.stop();
}
