/**
 * Durable outbox commit rate (SQLite WAL, synchronous=FULL): events/s when appends arrive together
 * and share a commit (group commit, as under load), against one commit per event measured in the
 * same run.
 *
 *   npm run bench outbox-commit
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Outbox } from '@gridlink/gateway';
import { createCloudEvent } from '@gridlink/protocol';
import { fmt } from './lib/stats.js';

const TOTAL = Number(process.env.EVENTS ?? 200_000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 2000);

const event = (n: number) => {
  const { deviceseq: _assigned, ...rest } = createCloudEvent({
    id: `evt-${n}`,
    type: 'cn.gridlink.device.state.v1',
    gatewayId: 'gw-bench',
    deviceId: `th-${n % 2000}`,
    time: '2026-11-25T14:52:18.646Z',
    priority: n % 50 === 0 ? 'alarm' : 'state',
    data: { device_id: `th-${n % 2000}`, device_kind: 'temp_humidity', state: { temperature: 21.5, humidity: 40 } },
  });
  return rest;
};

async function run(label: string, total: number, inFlight: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gridlink-bench-outbox-'));
  const outbox = new Outbox(join(dir, 'outbox.db'));
  const started = performance.now();
  for (let n = 0; n < total; n += inFlight) {
    const batch = [];
    for (let i = n; i < Math.min(total, n + inFlight); i++) batch.push(outbox.append(event(i)));
    await Promise.all(batch);
  }
  const rate = total / ((performance.now() - started) / 1000);
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`  ${label.padEnd(44)} ${fmt(rate).padStart(9)} events/s`);
  return rate;
}

console.log(`outbox commit (WAL, synchronous=FULL), Node ${process.version}`);
const single = await run('one event per commit (reference)', 2000, 1);
const grouped = await run(`group commit, ${IN_FLIGHT} appends in flight`, TOTAL, IN_FLIGHT);
console.log(`  group commit / one per commit: ${fmt(grouped / single, 1)}×; target >= 30,000 events/s durable`);
