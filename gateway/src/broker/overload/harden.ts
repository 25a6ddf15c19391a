import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import type { Aedes, Client, Connection } from 'aedes';
import { DeliveryWindow, hasDeliveryInternals, type WindowHooks } from './delivery-window.js';
import { capEmitterBacklog } from './emitter-backlog.js';
import { assertEmitterInternals, type TrampolineStats, trampolineEmitterDrain } from './emitter-trampoline.js';
import {
  assertInboundInternals,
  InboundAdmission,
  type InboundLimits,
  type InboundStats,
} from './inbound-admission.js';

/**
 * Keeps the gateway alive when a publisher outruns a subscriber (aedes 1.2.0 dies of
 * `RangeError: Maximum call stack size exceeded` in mqemitter/qlobber ~ms after both disconnect).
 *
 * Three measures, all applied from here, none patching node_modules:
 *  1. the emitter's recursive drain is made iterative (emitter-trampoline.ts). This is the crash fix:
 *     the backlog whose drain recursed is built by the publisher outrunning the broker's routing (100
 *     messages per event-loop turn), with or without a slow subscriber;
 *  2. a bounded delivery window per subscriber (delivery-window.ts): a congested subscriber gets its
 *     QoS0 messages dropped (counted) beyond `maxQueuedPerClient`, is disconnected on QoS1/2 beyond it
 *     or when it makes no progress for `drainTimeoutMs`, and never holds the emitter's slots. Without
 *     it one frozen subscriber stalls all routing (and the gateway's ingest, which listens to aedes'
 *     'publish' event) for up to drain_timeout_ms;
 *  3. a cap on the emitter's backlog that sheds QoS0 routing above `maxEmitterBacklog`
 *     (emitter-backlog.ts), so a sustained flood cannot grow it without bound.
 *
 * Both reach into aedes/mqemitter internals; this refuses to start unless aedes is 1.2.x and the
 * internals have the expected shape, so an upgrade fails loudly at startup rather than silently
 * losing the protection. Re-check both files against the new version (and upstream
 * mcollina/mqemitter#204) before widening `SUPPORTED_AEDES`.
 */
export const SUPPORTED_AEDES = /^1\.2\.\d+$/;

/** Default byte bound per subscriber; `maxQueuedPerClient` alone would allow 10 000 x 256 KiB. */
export const DEFAULT_MAX_QUEUED_BYTES_PER_CLIENT = 16 * 1024 * 1024;

/** Default inbound admission: packets being handled broker-wide, and per client at a time. */
export const DEFAULT_INBOUND_LIMITS: InboundLimits = {
  maxInflight: 1000,
  maxPacketsPerTurn: 16,
  maxReadAheadBytes: 2 * 1024 * 1024,
};

/** Default emitter backlog cap: ~3x the highest backlog measured under a one-publisher loopback flood. */
export const DEFAULT_MAX_EMITTER_BACKLOG = 20_000;

export interface OverloadOptions {
  /** `mqtt.limits.max_queued_per_client`: messages queued to one subscriber before QoS0 is dropped / it is disconnected. */
  maxQueuedPerClient: number;
  /** `mqtt.limits.drain_timeout_ms`: how long a subscriber's queue may make no progress before it is disconnected. */
  drainTimeoutMs: number;
  /** Bytes in one subscriber's socket buffer that count as full, whatever the message count. */
  maxQueuedBytesPerClient?: number;
  /** Messages waiting in aedes' emitter above which QoS0 PUBLISHes are not routed (still ingested). */
  maxEmitterBacklog?: number;
  /** Inbound packets being handled at once, and per client at a time (inbound-admission.ts). */
  inbound?: InboundLimits;
  /** Congestion events (not one per dropped message), for logs and metrics. */
  onEvent?: (event: OverloadEvent) => void;
  /**
   * Replace `aedes.handle` with a guarded handler (default true), so every caller that hands
   * connections to `aedes.handle` gets guarded clients. With false, call `guard.handle` or
   * `guard.attach(client)` yourself, before the client's first SUBSCRIBE is processed.
   */
  wrapAedesHandle?: boolean;
  now?: () => number;
}

/**
 * `dropping`: the first QoS0 drop for a subscriber since it last had nothing queued (one per episode,
 * not one per message); `recovered`: it has nothing queued any more (caught up, or `closed`) after
 * `dropped` drops; `disconnected`: the guard closed its connection.
 */
export type OverloadEvent =
  | { kind: 'dropping'; clientId: string | null; queued: number; bufferedBytes: number }
  | { kind: 'recovered'; clientId: string | null; dropped: number; closed: boolean }
  | {
      kind: 'disconnected';
      clientId: string | null;
      reason: 'backlog' | 'stalled';
      queued: number;
      bufferedBytes: number;
    };

export interface OverloadStats {
  /** QoS0 messages dropped because their subscriber was congested. */
  droppedQoS0: number;
  /** Subscribers disconnected because a QoS1/2 message found their window full. */
  disconnectedBacklog: number;
  /** Subscribers disconnected because their queue made no progress for `drainTimeoutMs`. */
  disconnectedStalled: number;
  /** Subscribers with undelivered messages right now. */
  busyClients: number;
  /** The longest per-subscriber queue seen. */
  peakQueuedPerClient: number;
  /** Messages waiting in aedes' emitter right now (`aedes.mq._messageQueue`). */
  emitterBacklog: number;
  /** The longest emitter backlog seen. */
  peakEmitterBacklog: number;
  /** QoS0 PUBLISHes not routed because the emitter backlog was over `maxEmitterBacklog`. */
  shedQoS0: number;
  /** The recursive-drain fix at work (see emitter-trampoline.ts). */
  emitter: Readonly<TrampolineStats>;
  /** Inbound admission: packets being handled, clients waiting for room (inbound-admission.ts). */
  inbound: InboundStats;
}

export interface OverloadGuard {
  /** The guarded connection handler: `aedes.handle` plus `attach`. */
  handle(stream: Connection, request?: IncomingMessage): Client;
  /** Guards a client created by the original `aedes.handle` (idempotent). */
  attach(client: Client): void;
  /** Messages queued to one client (0 for unknown clients). */
  queued(client: Client): number;
  /** QoS0 messages dropped for one client. */
  dropped(client: Client): number;
  stats(): OverloadStats;
  /** Stops the stall sweep (the patches stay: they are harmless without it). */
  close(): void;
}

const GUARDED = Symbol.for('gridlink.overload.guard');

export function assertSupportedAedes(aedes: Aedes): void {
  const version = (aedes as unknown as { version?: unknown }).version;
  if (typeof version !== 'string' || !SUPPORTED_AEDES.test(version)) {
    throw new Error(
      `overload guard: written for aedes 1.2.x but found aedes ${String(version)}. It patches aedes/mqemitter ` +
        'internals (see gateway/src/broker/overload/); re-check them against this version before widening SUPPORTED_AEDES',
    );
  }
}

/** A connection that never says anything: enough for aedes to build a Client we can inspect and close. */
function probeStream(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

function assertClientInternals(originalHandle: Aedes['handle']): void {
  const stream = probeStream();
  const probe = originalHandle(stream);
  const ok = hasDeliveryInternals(probe);
  assertInboundInternals(probe);
  probe.close();
  stream.destroy();
  if (!ok) {
    throw new Error('overload guard: aedes clients have no deliver0/deliverQoS to bound (aedes internals changed)');
  }
}

/**
 * Applies the overload protection to a broker. Call once, right after `Aedes.createBroker`, and before
 * any connection is handed to it. Throws (at startup) if aedes is not 1.2.x or its internals moved.
 * A second call on the same broker returns the first guard (and ignores its options).
 */
export function hardenAgainstOverload(aedes: Aedes, options: OverloadOptions): OverloadGuard {
  const existing = (aedes as unknown as Record<symbol, OverloadGuard | undefined>)[GUARDED];
  if (existing) return existing;

  assertSupportedAedes(aedes);
  const mq = (aedes as unknown as { mq: unknown }).mq;
  assertEmitterInternals(mq);
  const originalHandle = aedes.handle;
  assertClientInternals(originalHandle);

  if (!(options.maxQueuedPerClient >= 1)) throw new Error('overload guard: maxQueuedPerClient must be >= 1');
  if (!(options.drainTimeoutMs > 0)) throw new Error('overload guard: drainTimeoutMs must be > 0');
  if (options.maxEmitterBacklog !== undefined && !(options.maxEmitterBacklog >= 1)) {
    throw new Error('overload guard: maxEmitterBacklog must be >= 1');
  }
  const limits = {
    maxQueued: options.maxQueuedPerClient,
    maxQueuedBytes: options.maxQueuedBytesPerClient ?? DEFAULT_MAX_QUEUED_BYTES_PER_CLIENT,
  };
  const now = options.now ?? Date.now;
  const emit = (event: OverloadEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // An observer must not be able to break delivery.
    }
  };

  const emitter = trampolineEmitterDrain(mq);
  const backlog = capEmitterBacklog(mq, options.maxEmitterBacklog ?? DEFAULT_MAX_EMITTER_BACKLOG);
  const inbound = new InboundAdmission(options.inbound ?? DEFAULT_INBOUND_LIMITS);
  const windows = new WeakMap<Client, DeliveryWindow>();
  const busy = new Set<DeliveryWindow>();
  const totals = { droppedQoS0: 0, disconnectedBacklog: 0, disconnectedStalled: 0, peakQueuedPerClient: 0 };

  const disconnect = (window: DeliveryWindow, reason: 'backlog' | 'stalled') => {
    const { client } = window;
    if (client.closed || client.conn.destroyed) return;
    if (reason === 'backlog') totals.disconnectedBacklog++;
    else totals.disconnectedStalled++;
    emit({
      kind: 'disconnected',
      clientId: client.id,
      reason,
      queued: window.queued,
      bufferedBytes: window.bufferedBytes,
    });
    // As aedes' own drain timeout does (lib/client.js:267): aedes sees a connection error and closes the client.
    client.conn.destroy(
      new Error(
        reason === 'backlog'
          ? `subscriber backlog over ${limits.maxQueued} messages / ${limits.maxQueuedBytes} bytes`
          : `subscriber made no progress for ${options.drainTimeoutMs} ms`,
      ),
    );
  };

  const hooks: WindowHooks = {
    dropped(window, first) {
      totals.droppedQoS0++;
      if (first) {
        emit({
          kind: 'dropping',
          clientId: window.client.id,
          queued: window.queued,
          bufferedBytes: window.bufferedBytes,
        });
      }
    },
    recovered(window, dropped) {
      emit({ kind: 'recovered', clientId: window.client.id, dropped, closed: window.client.closed });
    },
    overflowed(window) {
      disconnect(window, 'backlog');
    },
    busy(window, isBusy) {
      if (isBusy) busy.add(window);
      else busy.delete(window);
      if (window.peakQueued > totals.peakQueuedPerClient) totals.peakQueuedPerClient = window.peakQueued;
    },
  };

  // aedes' own drainTimeout only fires for a write that is waiting for 'drain'; this also covers a
  // queue stuck for any other reason, and works when aedes' drainTimeout is 0.
  const sweepEvery = Math.max(20, Math.min(1000, Math.floor(options.drainTimeoutMs / 4)));
  const sweep = setInterval(() => {
    const at = now();
    for (const window of busy) {
      if (window.client.closed || window.client.conn.destroyed) continue;
      if (at - window.lastProgress >= options.drainTimeoutMs) disconnect(window, 'stalled');
    }
  }, sweepEvery);
  sweep.unref();

  const attach = (client: Client) => {
    if (windows.has(client)) return;
    // Checked at startup on a probe client; a client without the internals cannot exist in 1.2.x.
    // Never throw here: this runs in a connection handler, where a throw would end the process.
    if (!hasDeliveryInternals(client)) return;
    inbound.attach(client);
    const window = new DeliveryWindow(client, limits, hooks, now);
    windows.set(client, window);
    client.conn.once('close', () => busy.delete(window));
  };

  const handle = (stream: Connection, request?: IncomingMessage): Client => {
    const client = originalHandle(stream, request);
    attach(client);
    return client;
  };

  if (options.wrapAedesHandle !== false) aedes.handle = handle;

  const guard: OverloadGuard = {
    handle,
    attach,
    queued: (client) => windows.get(client)?.queued ?? 0,
    dropped: (client) => windows.get(client)?.dropped ?? 0,
    stats() {
      let peak = totals.peakQueuedPerClient;
      for (const window of busy) peak = Math.max(peak, window.peakQueued);
      return {
        droppedQoS0: totals.droppedQoS0,
        disconnectedBacklog: totals.disconnectedBacklog,
        disconnectedStalled: totals.disconnectedStalled,
        busyClients: busy.size,
        peakQueuedPerClient: peak,
        emitterBacklog: mq._messageQueue.length,
        peakEmitterBacklog: Math.max(backlog.peakBacklog, mq._messageQueue.length),
        shedQoS0: backlog.shed,
        emitter: { ...emitter },
        inbound: inbound.stats(),
      };
    },
    close() {
      clearInterval(sweep);
    },
  };
  Object.defineProperty(aedes, GUARDED, { value: guard, enumerable: false });
  aedes.once('closed', () => guard.close());
  return guard;
}
