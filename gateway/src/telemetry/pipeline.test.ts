import { describe, expect, it } from 'vitest';
import { TelemetryWriteError } from './errors.js';
import { PointQueue, TelemetryPipeline, type TelemetryPipelineOptions } from './pipeline.js';
import { captureLogger, device, FakeWriter, GATEWAY, ManualScheduler, normalised, reading } from './test-support.js';

const unreachable = () =>
  new TelemetryWriteError('fake InfluxDB is unreachable: connect ECONNREFUSED', {
    kind: 'retryable',
    reason: 'unreachable',
  });
const typeConflict = () =>
  new TelemetryWriteError('fake InfluxDB answered HTTP 400: partial write: field type conflict', {
    kind: 'rejected',
    reason: 'field_type_conflict',
    status: 400,
  });

function setup(options: Partial<TelemetryPipelineOptions> = {}) {
  const writer = new FakeWriter();
  const scheduler = new ManualScheduler();
  const log = captureLogger();
  const pipeline = new TelemetryPipeline({
    writer,
    logger: log.logger,
    context: GATEWAY,
    maxBatchPoints: 3,
    flushIntervalMs: 1000,
    maxQueuedPoints: 100,
    scheduler,
    retry: { jitter: 0 }, // delays are exact
    ...options,
  });
  const push = (from: number, to: number) => {
    for (let n = from; n <= to; n++) pipeline.push(reading(n));
  };
  return { writer, scheduler, log, pipeline, push };
}

describe('TelemetryPipeline batching', () => {
  it('sends a full batch (max_batch_points) as soon as it is ready, one request at a time', async () => {
    const { writer, scheduler, pipeline, push } = setup();
    pipeline.start();
    push(1, 7);
    expect(writer.batches).toEqual([]); // never from inside push
    await scheduler.advance(0);
    expect(writer.temperatures()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(writer.maxInFlight).toBe(1);
    expect(pipeline.stats()).toMatchObject({ queued: 1, written: 6, connected: true });
  });

  it('sends a partial batch flush_interval_ms after its first point', async () => {
    const { writer, scheduler, pipeline, push } = setup();
    pipeline.start();
    push(1, 2);
    await scheduler.advance(999);
    expect(writer.batches).toEqual([]);
    await scheduler.advance(1);
    expect(writer.temperatures()).toEqual([[1, 2]]);
    push(3, 3);
    await scheduler.advance(1000);
    expect(writer.temperatures()).toEqual([[1, 2], [3]]);
    expect(scheduler.pendingDelays()).toEqual([]); // idle: no timer while nothing is queued
  });

  it('queues before start() and sends from start()', async () => {
    const { writer, scheduler, pipeline, push } = setup();
    push(1, 4);
    await scheduler.advance(5000);
    expect(writer.batches).toEqual([]);
    pipeline.start();
    await scheduler.advance(0);
    expect(writer.temperatures()).toEqual([[1, 2, 3]]);
    await scheduler.advance(1000);
    expect(writer.temperatures()).toEqual([[1, 2, 3], [4]]);
  });

  it('writes events, states and availability of real device messages, skipping commands', async () => {
    const { writer, scheduler, pipeline } = setup();
    pipeline.start();
    const door = device('door-b3-0401', 'door_contact', { community: '320803001001', building: 'B3' });
    pipeline.push(normalised(door, '', { contact: 'open' }));
    pipeline.push(normalised(door, '/event/opened', { ts: '2026-11-25T07:31:02.000Z' }));
    pipeline.push(normalised(door, '/availability', { state: 'online' }));
    await scheduler.advance(0);
    expect(writer.batches[0]?.map((point) => point.measurement)).toEqual(['sensor', 'event', 'availability']);
  });
});

describe('TelemetryPipeline queue bound', () => {
  it('when the queue is full it drops the OLDEST points, counts them and logs once', async () => {
    const { writer, scheduler, pipeline, push, log } = setup({ maxQueuedPoints: 5, maxBatchPoints: 10 });
    push(1, 8);
    expect(pipeline.stats()).toMatchObject({ queued: 5, dropped: { queue_full: 3, rejected: 0, shutdown: 0 } });
    push(9, 9);
    expect(pipeline.stats().dropped.queue_full).toBe(4);
    expect(log.messages().filter((msg) => msg.includes('queue full'))).toHaveLength(1);
    pipeline.start();
    await scheduler.advance(1000);
    expect(writer.temperatures()).toEqual([[5, 6, 7, 8, 9]]);
  });

  it('stays bounded while InfluxDB is down: the batch being retried plus max_queued_points', async () => {
    const { writer, scheduler, pipeline, push } = setup({ maxQueuedPoints: 10, maxBatchPoints: 3 });
    writer.fallback = unreachable();
    pipeline.start();
    push(1, 3);
    await scheduler.advance(0);
    push(4, 1000);
    expect(pipeline.stats()).toMatchObject({ queued: 13, inFlight: 3, dropped: { queue_full: 987 } });
  });

  it('PointQueue keeps order across growth and wrap-around', () => {
    const queue = new PointQueue<number>(3000);
    for (let n = 0; n < 2500; n++) queue.push(n);
    expect(queue.take(1000)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (let n = 2500; n < 4000; n++) queue.push(n); // 1500 queued + 1500 = 3000: full, no drop
    expect(queue.push(4000)).toBe(true); // drops 1000
    expect(queue.size).toBe(3000);
    expect(queue.take(2)).toEqual([1001, 1002]);
  });
});

describe('TelemetryPipeline retries', () => {
  it('retries the same batch with exponential backoff, then delivers everything in order', async () => {
    const { writer, scheduler, pipeline, push, log } = setup();
    writer.script.push(unreachable(), unreachable(), unreachable());
    pipeline.start();
    push(1, 3);
    await scheduler.advance(0);
    expect(writer.batches).toHaveLength(1);
    push(4, 8); // keeps queueing while InfluxDB is down

    await scheduler.advance(999);
    expect(writer.batches).toHaveLength(1);
    await scheduler.advance(1); // 1 s
    expect(writer.batches).toHaveLength(2);
    await scheduler.advance(1999);
    expect(writer.batches).toHaveLength(2);
    await scheduler.advance(1); // 2 s
    expect(writer.batches).toHaveLength(3);
    await scheduler.advance(4000); // 4 s: succeeds, then the queue drains
    await scheduler.advance(1000);

    expect(writer.temperatures()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
      [4, 5, 6],
      [7, 8],
    ]);
    expect(writer.maxInFlight).toBe(1);
    expect(pipeline.stats()).toMatchObject({
      queued: 0,
      written: 8,
      retries: 3,
      failures: 3,
      connected: true,
      lastError: 'unreachable: fake InfluxDB is unreachable: connect ECONNREFUSED',
      dropped: { queue_full: 0, rejected: 0, shutdown: 0 },
    });
    // state transitions are logged once: not per retry
    expect(log.messages().filter((msg) => msg.startsWith('InfluxDB telemetry writes'))).toEqual([
      'InfluxDB telemetry writes failing: points are queued (bounded, oldest dropped first) and retried with backoff',
      'InfluxDB telemetry writes recovered',
    ]);
  });

  it('caps the backoff (30 s) and shortens each delay by up to `jitter` of it', async () => {
    const { writer, scheduler, pipeline, push } = setup({ random: () => 0.5, retry: { jitter: 0.5 } });
    writer.fallback = unreachable();
    pipeline.start();
    push(1, 3);
    const delays: number[] = [];
    await scheduler.advance(0);
    for (let attempt = 0; attempt < 8; attempt++) {
      const [delay] = scheduler.pendingDelays();
      delays.push(delay ?? -1);
      await scheduler.advance(delay ?? 0);
    }
    // 1, 2, 4, 8, 16, 30, 30, 30 s, each × (1 - 0.5 × 0.5)
    expect(delays).toEqual([750, 1500, 3000, 6000, 12000, 22500, 22500, 22500]);
  });

  it("waits at least the server's Retry-After (capped)", async () => {
    const { writer, scheduler, pipeline, push } = setup();
    writer.script.push(
      new TelemetryWriteError('throttled', { kind: 'retryable', reason: 'throttled', status: 429, retryAfterMs: 7000 }),
    );
    pipeline.start();
    push(1, 3);
    await scheduler.advance(0);
    expect(scheduler.pendingDelays()).toEqual([7000]);
  });

  it('logs again when the reason changes while down (e.g. unreachable → database missing), not per retry', async () => {
    const { writer, scheduler, pipeline, push, log } = setup();
    const missing = new TelemetryWriteError('database "x" does not exist', {
      kind: 'retryable',
      reason: 'database_not_found',
      status: 404,
    });
    writer.script.push(unreachable(), unreachable(), missing, missing, missing);
    pipeline.start();
    push(1, 3);
    await scheduler.advance(60_000);
    const warnings = log.records.filter((record) => record.level === 40).map((record) => record.reason);
    expect(warnings).toEqual(['unreachable', 'database_not_found']);
    expect(writer.batches).toHaveLength(6);
  });

  it('drops a batch InfluxDB rejects as bad (400), counts it under its reason, logs once, and goes on', async () => {
    const { writer, scheduler, pipeline, push, log } = setup();
    writer.script.push(typeConflict(), 'ok', typeConflict());
    pipeline.start();
    push(1, 9);
    await scheduler.advance(0);
    expect(writer.temperatures()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(pipeline.stats()).toMatchObject({
      written: 3,
      dropped: { rejected: 6, queue_full: 0 },
      rejectedByReason: { field_type_conflict: 6 },
      retries: 0,
      failures: 0,
      connected: true,
    });
    expect(log.messages().filter((msg) => msg.includes('dropped as bad'))).toHaveLength(1);
  });

  it('a partial write counts only the points InfluxDB dropped', async () => {
    const { writer, scheduler, pipeline, push } = setup();
    writer.script.push(
      new TelemetryWriteError('partial write: field type conflict dropped=1', {
        kind: 'rejected',
        reason: 'field_type_conflict',
        status: 400,
        droppedPoints: 1,
      }),
    );
    pipeline.start();
    push(1, 3);
    await scheduler.advance(0);
    expect(pipeline.stats()).toMatchObject({ written: 2, dropped: { rejected: 1 } });
  });

  it('treats an unexpected error from a writer as retryable', async () => {
    const { writer, scheduler, pipeline, push } = setup();
    writer.script.push(new Error('surprise'));
    pipeline.start();
    push(1, 3);
    await scheduler.advance(1000);
    expect(writer.temperatures()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(pipeline.stats()).toMatchObject({ written: 3, failures: 1, retries: 1 });
  });
});

describe('TelemetryPipeline hot path', () => {
  it('push never blocks, throws or waits while the writer hangs; memory stays bounded', async () => {
    const { writer, scheduler, pipeline } = setup({ maxBatchPoints: 100, maxQueuedPoints: 1000 });
    writer.fallback = 'hang';
    pipeline.start();
    for (let n = 0; n < 100; n++) pipeline.push(reading(n));
    await scheduler.advance(0);
    expect(writer.batches).toHaveLength(1); // hanging

    const started = performance.now();
    for (let n = 100; n < 50_100; n++) pipeline.push(reading(n));
    const elapsed = performance.now() - started;
    await scheduler.advance(60_000);

    expect(writer.batches).toHaveLength(1); // one request in flight, never a second
    expect(pipeline.stats()).toMatchObject({ queued: 1100, inFlight: 100, dropped: { queue_full: 49_000 } });
    expect(elapsed).toBeLessThan(1000); // 50 000 pushes; typically ~20 ms
  });

  it('push swallows and counts a message it cannot convert', () => {
    const { pipeline } = setup();
    const broken = { ...reading(1), device: { ...device('x-1', 'temp_humidity'), kind: 'no_such_kind' as never } };
    broken.message = { type: 'event', deviceId: 'x-1', eventType: 'boom', payload: { ts: 'x' } };
    expect(() => pipeline.push(broken)).not.toThrow();
    expect(pipeline.stats().rejectedByReason).toEqual({ invalid_message: 1 });
  });
});

describe('TelemetryPipeline stop', () => {
  it('delivers what is queued, then closes the writer and reports', async () => {
    const { writer, pipeline, push } = setup();
    pipeline.start();
    push(1, 5);
    const report = await pipeline.stop(); // the manual clock never advances: no waiting needed
    expect(writer.temperatures()).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(writer.closed).toBe(true);
    expect(report).toMatchObject({ written: 5, dropped: 0, timedOut: false });
    pipeline.push(reading(6));
    expect(pipeline.stats().dropped.shutdown).toBe(1);
    expect(await pipeline.stop()).toBe(report);
  });

  it('tries a failing InfluxDB once more, then gives up and reports what it dropped (no retries at shutdown)', async () => {
    const { writer, scheduler, pipeline, push, log } = setup();
    writer.fallback = unreachable();
    pipeline.start();
    push(1, 5);
    await scheduler.advance(0);
    const report = await pipeline.stop();
    expect(writer.batches).toHaveLength(2);
    expect(report).toMatchObject({ written: 0, dropped: 5, timedOut: false });
    expect(report.stats).toMatchObject({ queued: 0, dropped: { shutdown: 5 } });
    expect(log.messages()).toContain('telemetry pipeline stopped: undelivered points dropped');
  });

  it('gives up at the deadline when a request hangs, and ignores its late answer', async () => {
    const { writer, scheduler, pipeline, push } = setup({ stopTimeoutMs: 5000 });
    writer.fallback = 'hang';
    pipeline.start();
    push(1, 5);
    await scheduler.advance(0);
    const stopped = pipeline.stop();
    await scheduler.advance(4999);
    let done = false;
    void stopped.then(() => {
      done = true;
    });
    await scheduler.advance(0);
    expect(done).toBe(false);
    await scheduler.advance(1);
    const report = await stopped;
    expect(report).toMatchObject({ written: 0, dropped: 5, timedOut: true });
    writer.release();
    await scheduler.advance(0);
    expect(pipeline.stats()).toMatchObject({ written: 0, dropped: { shutdown: 5 } });
  });
});
