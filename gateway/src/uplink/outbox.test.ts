import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CloudEvent, createCloudEvent, type Priority } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { testDataDir } from '../test-support.js';
import { Outbox, type OutboxEvent, OutboxFullError } from './outbox.js';

const open: Outbox[] = [];
afterEach(() => {
  for (const outbox of open.splice(0)) outbox.close();
});

function drain(outbox: Outbox): CloudEvent[] {
  const sent: CloudEvent[] = [];
  for (let entries = outbox.nextBatch(10); entries.length > 0; entries = outbox.nextBatch(10)) {
    sent.push(...entries.map((entry) => JSON.parse(entry.json) as CloudEvent));
    outbox.acknowledge(entries.map((entry) => entry.seq));
  }
  return sent;
}

function outboxAt(dir = testDataDir(), options: ConstructorParameters<typeof Outbox>[1] = {}) {
  const outbox = new Outbox(join(dir, 'outbox.db'), options);
  open.push(outbox);
  return { outbox, dir };
}

/**
 * How many transactions the WAL holds: its valid frames (salts equal to the header's) that end a
 * commit (a non-zero database size in the frame header). Counted from the file SQLite writes, so it
 * sees every commit however the code under test makes it.
 */
function walCommits(dbPath: string): number {
  const wal = readFileSync(`${dbPath}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

let n = 0;
function event(device: string, priority: Priority, id = `evt-${++n}`): OutboxEvent {
  const { deviceseq: _none, ...rest } = createCloudEvent({
    id,
    type: 'cn.gridlink.device.state.v1',
    gatewayId: 'gw-1',
    deviceId: device,
    time: '2026-11-25T14:52:18.646Z',
    priority,
    data: { device_id: device, device_kind: 'temp_humidity', state: { temperature: 21.5 } },
  });
  return rest;
}

describe('the outbox', () => {
  it('commits appends of one turn together, and they survive a reopen', async () => {
    const { outbox, dir } = outboxAt();
    const path = join(dir, 'outbox.db');
    // A reader holding a snapshot keeps SQLite from checkpointing and rewinding the WAL, so every
    // commit made meanwhile stays countable in it.
    const reader = new Database(path, { readonly: true });
    reader.prepare('BEGIN').run();
    reader.prepare('SELECT COUNT(*) FROM outbox').get();
    const before = walCommits(path);
    const seqs = await Promise.all(Array.from({ length: 500 }, (_, i) => outbox.append(event(`th-${i % 5}`, 'state'))));
    expect(new Set(seqs).size).toBe(500);
    expect(walCommits(path) - before).toBe(1);
    reader.prepare('COMMIT').run();
    reader.close();
    outbox.close();
    open.pop();
    const { outbox: reopened } = outboxAt(dir);
    expect(reopened.depth()).toEqual({ alarm: 0, state: 500, telemetry: 0 });
  });

  it('numbers each device’s events consecutively, in commit order, and keeps ids unchanged', async () => {
    const { outbox } = outboxAt();
    await outbox.append(event('th-1', 'state', 'a'));
    await outbox.append(event('th-2', 'state', 'b'));
    await outbox.append(event('th-1', 'state', 'c'));
    const sent = drain(outbox);
    expect(sent.map((e) => `${e.deviceid}:${e.deviceseq}:${e.id}`).sort()).toEqual([
      'th-1:0:a',
      'th-1:1:c',
      'th-2:0:b',
    ]);
  });

  it('takes the same event twice as one (idempotent on source and id)', async () => {
    const { outbox } = outboxAt();
    const first = await outbox.append(event('th-1', 'state', 'same'));
    const again = await outbox.append(event('th-1', 'state', 'same'));
    expect(again).toBe(first);
    expect(outbox.depth().state).toBe(1);
  });

  it('sends alarms before another device’s backlog, but never reorders one device’s events', async () => {
    const { outbox } = outboxAt();
    for (let i = 0; i < 3; i++) await outbox.append(event('th-1', 'state', `s${i}`));
    await outbox.append(event('smoke-1', 'alarm', 'alarm-1'));
    await outbox.append(event('th-1', 'alarm', 'th-alarm')); // behind th-1's own backlog
    await outbox.append(event('th-1', 'telemetry', 'summary')); // summaries queue apart
    expect(outbox.nextBatch(10).map((entry) => entry.id)).toEqual(['alarm-1', 's0', 's1', 's2', 'th-alarm', 'summary']);
  });

  it('quarantines an event the cloud refused, with its error, so the device’s next event goes', async () => {
    const { outbox } = outboxAt(testDataDir(), { now: () => 1000 });
    await outbox.append(event('th-1', 'state', 'poison'));
    await outbox.append(event('th-1', 'state', 'fine'));
    const [head] = outbox.nextBatch(1);
    outbox.quarantine(head?.seq ?? 0, 'data.state.temperature: expected number');
    expect(outbox.nextBatch(1).map((entry) => entry.id)).toEqual(['fine']);
    expect(outbox.quarantined()).toEqual([
      {
        seq: head?.seq,
        id: 'poison',
        source: '/gateways/gw-1/devices/th-1',
        error: 'data.state.temperature: expected number',
        at: 1000,
      },
    ]);
  });

  it('sends one device’s events in order, many per batch, with telemetry summaries in a lane of their own', async () => {
    const { outbox } = outboxAt();
    for (let i = 0; i < 5; i++) await outbox.append(event('th-1', 'state', `s${i}`));
    await outbox.append(event('th-1', 'telemetry', 'summary'));
    await outbox.append(event('th-1', 'state', 's5'));
    expect(outbox.nextBatch(100).map((entry) => entry.id)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 'summary']);
    const sent = drain(outbox);
    expect(sent.find((e) => e.id === 'summary')?.deviceseq).toBeUndefined();
    expect(sent.filter((e) => e.priority === 'state').map((e) => e.deviceseq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('marks events stored while the cloud is away, and events that failed once, as replayed', async () => {
    const { outbox } = outboxAt();
    await outbox.append(event('th-1', 'state', 'live'));
    outbox.setLive(false);
    await outbox.append(event('th-2', 'state', 'stored-offline'));
    outbox.setLive(true);
    await outbox.append(event('th-3', 'state', 'retried'));
    const retried = outbox.nextBatch(10).find((entry) => entry.id === 'retried');
    outbox.attempted([retried?.seq ?? 0]);
    const flags = Object.fromEntries(outbox.nextBatch(10).map((entry) => [entry.id, JSON.parse(entry.json).replayed]));
    expect(flags).toEqual({ live: undefined, 'stored-offline': true, retried: true });
    expect(outbox.nextBatch(10).find((entry) => entry.id === 'retried')?.attempts).toBe(1);
  });

  it('lets an installer send quarantined events again, keeping their ids and sequence numbers', async () => {
    const { outbox } = outboxAt();
    await outbox.append(event('th-1', 'state', 'poison'));
    const [head] = outbox.nextBatch(1);
    outbox.quarantine(head?.seq ?? 0, 'rejected');
    expect(outbox.depth().state).toBe(0);
    expect(outbox.resend()).toBe(1);
    expect(outbox.quarantined()).toEqual([]);
    const [again] = drain(outbox);
    expect(again).toMatchObject({ id: 'poison', deviceseq: 0, replayed: true });
  });

  // Filling a 1 MiB quota takes thousands of durable (fsync'd) commits one after another, which a
  // busy disk can stretch well past the default per-test limit: that limit is a safety net, not a
  // speed check.
  describe('over its quota', { timeout: 120_000 }, () => {
    const bigState = (device: string, priority: Priority, i: number): OutboxEvent => ({
      ...event(device, priority, `${priority}-${i}`),
      subject: 'x'.repeat(200),
    });

    it('drops the oldest telemetry first and counts it, keeping every alarm and state event', async () => {
      const { outbox } = outboxAt(testDataDir(), { quotaBytes: 1_048_576 });
      for (let i = 0; i < 6000; i++) await Promise.all([outbox.append(bigState('th-1', 'telemetry', i))]);
      const alarms = await Promise.all(
        Array.from({ length: 50 }, (_, i) => outbox.append(bigState('smoke-1', 'alarm', i))),
      );
      expect(alarms.every((seq) => typeof seq === 'number')).toBe(true);
      const stats = outbox.stats();
      expect(stats.dropped).toBeGreaterThan(0);
      expect(stats.depth.alarm).toBe(50);
      expect(stats.depth.telemetry + stats.dropped).toBe(6000);
      expect(stats.bytes).toBeLessThanOrEqual(1_048_576 + 65_536);
      // the oldest went: what is left is the newest telemetry
      const ids = outbox
        .nextBatch(10_000)
        .filter((entry) => entry.priority === 'telemetry')
        .map((entry) => entry.id);
      expect(ids.at(-1)).toBe('telemetry-5999');
      expect(ids[0]).toBe(`telemetry-${stats.dropped}`);
    });

    it('refuses alarms it cannot store (no acknowledgement), and takes them again once space is freed', async () => {
      const { outbox } = outboxAt(testDataDir(), { quotaBytes: 1_048_576 });
      let refused: unknown;
      let stored = 0;
      for (let i = 0; i < 20_000 && !refused; i++) {
        await outbox.append(bigState('smoke-1', 'alarm', i)).then(
          () => stored++,
          (error: unknown) => (refused = error),
        );
      }
      expect(refused).toBeInstanceOf(OutboxFullError);
      expect(outbox.stats().refused).toBe(1);
      expect(outbox.depth().alarm).toBe(stored);
      // the cloud takes the backlog: room again
      outbox.acknowledge(outbox.nextBatch(stored).map((entry) => entry.seq));
      await expect(outbox.append(bigState('smoke-1', 'alarm', 99_999))).resolves.toBeTypeOf('number');
    });
  });
});
