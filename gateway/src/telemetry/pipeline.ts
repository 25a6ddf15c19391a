import type { Logger } from 'pino';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { GatewayConfig } from '../config/schema.js';
import { Backoff } from '../time/backoff.js';
import { realScheduler, type Scheduler } from '../time/scheduler.js';
import { TelemetryWriteError, type WriteFailure } from './errors.js';
import type { TelemetryPoint } from './line-protocol.js';
import { type PointContext, toPoints } from './points.js';
import { createWriter, type TelemetryWriter } from './writer.js';

export interface RetryPolicy {
  /** Delay before the first retry; doubles with every failed attempt of the same batch. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0…1: the random share of each delay (see Backoff), so gateways do not retry in step. */
  jitter: number;
}

export const DEFAULT_RETRY: RetryPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, jitter: 0.5 };

export interface TelemetryPipelineOptions {
  writer: TelemetryWriter;
  /** Already the module's child logger (`logger.child({ module: 'telemetry' })`). */
  logger: Logger;
  context: PointContext;
  maxBatchPoints: number;
  flushIntervalMs: number;
  maxQueuedPoints: number;
  retry?: Partial<RetryPolicy>;
  /** How long stop() may spend delivering what is queued. Default 5 s. */
  stopTimeoutMs?: number;
  scheduler?: Scheduler;
  /** Source of jitter, 0 ≤ x < 1. */
  random?: () => number;
}

export interface TelemetryStats {
  /** Points not delivered yet: waiting in the queue plus the batch being sent or retried. */
  queued: number;
  /** Of `queued`, the points of the batch being sent or waiting for its retry. */
  inFlight: number;
  /** Points InfluxDB accepted. */
  written: number;
  dropped: {
    /** The oldest points, dropped because the queue was full. */
    queue_full: number;
    /** Points of batches InfluxDB rejected as bad (not retried), see `rejectedByReason`. */
    rejected: number;
    /** Points still undelivered when stop() gave up, or pushed after it. */
    shutdown: number;
  };
  rejectedByReason: Record<string, number>;
  /** Attempts that repeated a failed batch. */
  retries: number;
  /** Failed requests that will be retried (InfluxDB down, slow, refusing). */
  failures: number;
  lastError: string | null;
  /** InfluxDB answered the last request (accepted or rejected it). */
  connected: boolean;
}

export interface StopReport {
  /** Points delivered during stop(). */
  written: number;
  /** Points given up at stop (also counted in `stats.dropped.shutdown`). */
  dropped: number;
  /** The deadline passed with a request still unanswered. */
  timedOut: boolean;
  stats: TelemetryStats;
}

type Outcome = 'written' | 'rejected' | 'retry' | 'abandoned';
type TimerKind = 'flush' | 'send' | 'retry';
const TIMED_OUT = Symbol('timed out');

/**
 * Device messages → points → InfluxDB, without ever slowing the broker down:
 * - `push` is synchronous, amortised O(1), never throws and never waits: it converts the message
 *   and appends its points to a bounded in-memory queue; when the queue is full the OLDEST points
 *   are dropped and counted;
 * - one request at a time sends at most `maxBatchPoints` points, as soon as a full batch is
 *   ready, otherwise `flushIntervalMs` after the first point arrived;
 * - a failed batch is retried as it was, with capped exponential backoff and jitter, while new
 *   points keep queueing (bounded); a batch InfluxDB rejects as bad (400, 413, 422) is dropped,
 *   counted under its reason and logged once per reason;
 * - state changes (failing, recovered, queue full) are logged once, never per retry;
 * - `stop` delivers what it can within a deadline and reports what it dropped.
 */
export class TelemetryPipeline {
  private readonly writer: TelemetryWriter;
  private readonly logger: Logger;
  private readonly context: PointContext;
  private readonly maxBatch: number;
  private readonly flushIntervalMs: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly stopTimeoutMs: number;
  private readonly scheduler: Scheduler;
  private readonly retryBackoff: Backoff;
  private readonly queue: PointQueue<TelemetryPoint>;

  private started = false;
  private stopping: Promise<StopReport> | undefined;
  /** The batch being sent or waiting for its retry. */
  private batch: TelemetryPoint[] | null = null;
  private sending: Promise<Outcome> | null = null;
  private timer: unknown = null;
  private timerKind: TimerKind | null = null;
  /** The server's Retry-After for the pending batch, a lower bound for the next delay. */
  private retryAfterMs = 0;

  private written = 0;
  private readonly dropped = { queue_full: 0, rejected: 0, shutdown: 0 };
  private readonly rejectedByReason: Record<string, number> = {};
  private retries = 0;
  private failures = 0;
  private lastError: string | null = null;
  private connected = false;
  private downReason: string | null = null;
  private downSince: number | null = null;
  private droppedWhileDown = 0;
  private queueFullLogged = false;
  private readonly loggedRejections = new Set<string>();

  constructor(options: TelemetryPipelineOptions) {
    if (!Number.isInteger(options.maxBatchPoints) || options.maxBatchPoints < 1) {
      throw new RangeError(`maxBatchPoints must be a positive integer, got ${options.maxBatchPoints}`);
    }
    if (!Number.isInteger(options.maxQueuedPoints) || options.maxQueuedPoints < 1) {
      throw new RangeError(`maxQueuedPoints must be a positive integer, got ${options.maxQueuedPoints}`);
    }
    this.writer = options.writer;
    this.logger = options.logger;
    this.context = options.context;
    this.maxBatch = options.maxBatchPoints;
    this.flushIntervalMs = options.flushIntervalMs;
    this.retryPolicy = { ...DEFAULT_RETRY, ...options.retry };
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.scheduler = options.scheduler ?? realScheduler;
    const { initialDelayMs, maxDelayMs, jitter } = this.retryPolicy;
    this.retryBackoff = new Backoff({
      initialMs: initialDelayMs,
      maxMs: maxDelayMs,
      jitter,
      random: options.random ?? Math.random,
    });
    this.queue = new PointQueue(options.maxQueuedPoints);
  }

  /** Subscribes to the bus's valid messages; returns the function that unsubscribes. */
  attach(bus: GatewayBus): () => void {
    const listener = (message: NormalisedMessage) => this.push(message);
    bus.on('message', listener);
    return () => bus.off('message', listener);
  }

  start(): void {
    if (this.started || this.stopping) return;
    this.started = true;
    this.logger.info(
      {
        target: this.writer.describe(),
        max_batch_points: this.maxBatch,
        flush_interval_ms: this.flushIntervalMs,
        max_queued_points: this.queue.capacity,
      },
      'telemetry pipeline started',
    );
    this.kick();
  }

  /** Queues the message's points. Called on the broker's hot path: never throws, never waits. */
  push(message: NormalisedMessage): void {
    try {
      const points = toPoints(message, this.context);
      if (points.length === 0) return;
      if (this.stopping) {
        this.dropped.shutdown += points.length;
        return;
      }
      for (const point of points) {
        if (this.queue.push(point)) this.onOldestDropped();
      }
      this.kick();
    } catch (error) {
      this.countRejected('invalid_message', 1, error);
    }
  }

  stats(): TelemetryStats {
    const inFlight = this.batch?.length ?? 0;
    return {
      queued: this.queue.size + inFlight,
      inFlight,
      written: this.written,
      dropped: { ...this.dropped },
      rejectedByReason: { ...this.rejectedByReason },
      retries: this.retries,
      failures: this.failures,
      lastError: this.lastError,
      connected: this.connected,
    };
  }

  /**
   * Stops sending on a schedule and delivers what is queued, one batch after another, until the
   * queue is empty, InfluxDB fails (no retries at shutdown) or `timeoutMs` passes. Whatever is
   * left is dropped and counted; then the writer is closed. Idempotent.
   */
  stop(timeoutMs = this.stopTimeoutMs): Promise<StopReport> {
    this.stopping ??= this.drain(timeoutMs);
    return this.stopping;
  }

  // --- scheduling -----------------------------------------------------------------------------

  /** Decides when the next request goes out. O(1): called from push. */
  private kick(): void {
    if (!this.started || this.stopping || this.sending !== null) return;
    if (this.timerKind === 'retry' || this.timerKind === 'send') return;
    if (this.batch === null && this.queue.size === 0) return;
    if (this.batch !== null || this.queue.size >= this.maxBatch) {
      this.setTimer('send', 0);
    } else if (this.timerKind !== 'flush') {
      this.setTimer('flush', this.flushIntervalMs);
    }
  }

  private setTimer(kind: TimerKind, ms: number): void {
    this.clearTimer();
    this.timerKind = kind;
    this.timer = this.scheduler.setTimeout(() => {
      this.timer = null;
      this.timerKind = null;
      if (kind === 'retry') this.retries++;
      this.sendNext();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer !== null) this.scheduler.clearTimeout(this.timer);
    this.timer = null;
    this.timerKind = null;
  }

  private sendNext(): void {
    if (this.sending !== null || this.stopping) return;
    const sending = this.dispatch();
    if (sending === null) return;
    void sending.then((outcome) => {
      if (this.stopping) return; // stop() takes over from here
      if (outcome === 'retry') this.scheduleRetry();
      else this.kick();
    });
  }

  /** Sends the pending batch, or the next one from the queue. Null when there is nothing to send. */
  private dispatch(): Promise<Outcome> | null {
    if (this.batch === null) {
      const next = this.queue.take(this.maxBatch);
      if (next.length === 0) return null;
      this.batch = next;
    }
    const sending = this.send(this.batch).finally(() => {
      if (this.sending === sending) this.sending = null;
    });
    this.sending = sending;
    return sending;
  }

  private scheduleRetry(): void {
    const delay = this.retryBackoff.next(); // one step per failed attempt of the same batch
    this.setTimer('retry', Math.min(this.retryPolicy.maxDelayMs, Math.max(delay, this.retryAfterMs)));
  }

  // --- one request --------------------------------------------------------------------------------

  /** One attempt at one batch. Never rejects: its outcome drives what happens next. */
  private async send(batch: TelemetryPoint[]): Promise<Outcome> {
    let failed = false;
    let error: unknown;
    try {
      await this.writer.write(batch);
    } catch (caught) {
      failed = true;
      error = caught;
    }
    if (this.batch !== batch) return 'abandoned'; // stop() gave up on it meanwhile
    try {
      return failed ? this.onFailure(batch, error) : this.onWritten(batch, batch.length);
    } catch {
      // Only logging can throw here; the counters are already updated.
      return this.batch === batch ? 'retry' : 'written';
    }
  }

  private onWritten(batch: TelemetryPoint[], count: number): Outcome {
    this.batch = null;
    this.written += count;
    this.retryBackoff.reset();
    this.retryAfterMs = 0;
    this.markConnected();
    if (this.queue.size === 0) this.queueFullLogged = false;
    return count === batch.length ? 'written' : 'rejected';
  }

  private onFailure(batch: TelemetryPoint[], error: unknown): Outcome {
    const failure = asWriteError(error);
    this.lastError = `${failure.reason}: ${failure.message}`;
    if (failure.kind === 'rejected') {
      const droppedPoints = Math.min(failure.droppedPoints ?? batch.length, batch.length);
      this.countRejected(failure.reason, droppedPoints, failure);
      return this.onWritten(batch, batch.length - droppedPoints);
    }
    this.failures++;
    this.retryAfterMs = failure.retryAfterMs ?? 0;
    if (this.connected || this.downReason !== failure.reason) {
      this.logger.warn(
        { err: failure, reason: failure.reason, target: this.writer.describe(), queued: this.stats().queued },
        this.downReason === null
          ? 'InfluxDB telemetry writes failing: points are queued (bounded, oldest dropped first) and retried with backoff'
          : 'InfluxDB telemetry writes still failing, for another reason',
      );
    }
    this.connected = false;
    this.downReason = failure.reason;
    this.downSince ??= this.scheduler.now();
    return 'retry';
  }

  private markConnected(): void {
    if (this.connected) return;
    this.connected = true;
    if (this.downSince !== null) {
      this.logger.info(
        {
          target: this.writer.describe(),
          down_ms: this.scheduler.now() - this.downSince,
          dropped_queue_full: this.droppedWhileDown,
        },
        'InfluxDB telemetry writes recovered',
      );
    } else {
      this.logger.info({ target: this.writer.describe() }, 'InfluxDB telemetry writes working');
    }
    this.downReason = null;
    this.downSince = null;
    this.droppedWhileDown = 0;
  }

  private countRejected(reason: string, points: number, error: unknown): void {
    this.dropped.rejected += points;
    this.rejectedByReason[reason] = (this.rejectedByReason[reason] ?? 0) + points;
    if (this.loggedRejections.has(reason)) return;
    this.loggedRejections.add(reason);
    try {
      this.logger.warn(
        { err: error instanceof TelemetryWriteError ? error : asWriteError(error), reason, points },
        'telemetry points dropped as bad (not retried); counted in dropped.rejected, logged once per reason',
      );
    } catch {
      // logging must never break the hot path
    }
  }

  private onOldestDropped(): void {
    this.dropped.queue_full++;
    if (this.downSince !== null) this.droppedWhileDown++;
    if (this.queueFullLogged) return;
    this.queueFullLogged = true;
    this.logger.warn(
      { max_queued_points: this.queue.capacity, reason: this.downReason },
      'telemetry queue full: dropping the oldest points (counted in dropped.queue_full)',
    );
  }

  // --- shutdown -----------------------------------------------------------------------------------

  private async drain(timeoutMs: number): Promise<StopReport> {
    this.clearTimer();
    const deadline = this.scheduler.now() + timeoutMs;
    const writtenBefore = this.written;
    let timedOut = false;

    if (this.sending !== null && (await this.until(this.sending, deadline)) === TIMED_OUT) timedOut = true;
    while (!timedOut) {
      const sending = this.dispatch();
      if (sending === null) break;
      const outcome = await this.until(sending, deadline);
      if (outcome === TIMED_OUT) timedOut = true;
      else if (outcome === 'retry') break; // InfluxDB is failing: no retries at shutdown
    }

    // Whatever is left is given up; a request still unanswered is ignored when it completes.
    const left = this.queue.size + (this.batch?.length ?? 0);
    this.dropped.shutdown += left;
    this.queue.clear();
    this.batch = null;

    try {
      await this.until(this.writer.close(), Math.max(deadline, this.scheduler.now() + 1_000));
    } catch (error) {
      this.logger.debug({ err: asWriteError(error) }, 'closing the telemetry writer failed');
    }
    const report: StopReport = { written: this.written - writtenBefore, dropped: left, timedOut, stats: this.stats() };
    const log = left > 0 ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
    log(
      { written: report.written, dropped: left, timed_out: timedOut, last_error: this.lastError },
      left > 0 ? 'telemetry pipeline stopped: undelivered points dropped' : 'telemetry pipeline stopped',
    );
    return report;
  }

  /** The promise's value, or TIMED_OUT once the deadline passes. */
  private until<T>(promise: Promise<T>, deadline: number): Promise<T | typeof TIMED_OUT> {
    return new Promise((resolve, reject) => {
      const timer = this.scheduler.setTimeout(() => resolve(TIMED_OUT), Math.max(0, deadline - this.scheduler.now()));
      promise.then(
        (value) => {
          this.scheduler.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.scheduler.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function asWriteError(error: unknown): TelemetryWriteError {
  if (error instanceof TelemetryWriteError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const failure: WriteFailure = { kind: 'retryable', reason: 'error' };
  return new TelemetryWriteError(message, failure);
}

/**
 * A bounded FIFO ring buffer that grows on demand up to its capacity; when full, pushing
 * overwrites the oldest item. push and take are amortised O(1) per item.
 */
export class PointQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private length = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(Math.min(capacity, 1024));
  }

  get size(): number {
    return this.length;
  }

  /** Appends; returns true if the oldest item was dropped to make room. */
  push(item: T): boolean {
    if (this.length === this.capacity) {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.items.length;
      return true;
    }
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) % this.items.length] = item;
    this.length++;
    return false;
  }

  /** Removes and returns up to `count` of the oldest items, oldest first. */
  take(count: number): T[] {
    const taken = Math.min(count, this.length);
    const out = new Array<T>(taken);
    for (let i = 0; i < taken; i++) {
      out[i] = this.items[this.head] as T;
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.items.length;
    }
    this.length -= taken;
    return out;
  }

  clear(): void {
    this.items = new Array(Math.min(this.capacity, 1024));
    this.head = 0;
    this.length = 0;
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.min(this.capacity, this.items.length * 2));
    for (let i = 0; i < this.length; i++) next[i] = this.items[(this.head + i) % this.items.length];
    this.items = next;
    this.head = 0;
  }
}

/**
 * The pipeline for `config.telemetry`, or undefined when telemetry is disabled. Pass the gateway's
 * root logger: the pipeline logs as `module: telemetry`.
 */
export function createTelemetryPipeline(
  config: GatewayConfig,
  logger: Logger,
  overrides: Partial<Omit<TelemetryPipelineOptions, 'logger' | 'context'>> = {},
): TelemetryPipeline | undefined {
  const telemetry = config.telemetry;
  if (!telemetry.enabled || telemetry.influx === undefined) return undefined;
  const log = logger.child({ module: 'telemetry' });
  return new TelemetryPipeline({
    writer: createWriter(telemetry.influx, { logger: log }),
    maxBatchPoints: telemetry.max_batch_points,
    flushIntervalMs: telemetry.flush_interval_ms,
    maxQueuedPoints: telemetry.max_queued_points,
    ...overrides,
    logger: log,
    context: { gateway: config.gateway.id, community: config.gateway.community },
  });
}
