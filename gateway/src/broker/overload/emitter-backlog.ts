import { assertEmitterInternals, type EmitterInternals } from './emitter-trampoline.js';

/**
 * A cap on the backlog of aedes' message emitter, shedding QoS0.
 *
 * With the delivery windows no subscriber holds the emitter's slots for long, yet the backlog still
 * forms when publishers outrun the broker itself: every delivery takes at least one event-loop turn
 * (aedes defers it with setImmediate, lib/client.js:115), so the 100 slots route at most ~100 messages
 * per turn, while one socket read (64 KiB) parses into thousands of small PUBLISHes that are all
 * emitted at once (lib/client.js:480-493). aedes' read throttle is leaky: `nextBatch` is both the
 * completion callback and the socket's 'readable' listener (lib/client.js:66-89), so each 'readable'
 * lets the next chunk in one message early, and a sustained flood ratchets the backlog up (measured
 * ~2 500 after 3 s and ~4 800 after 30 s of one loopback flood). The trampoline makes the backlog
 * harmless to the stack; this bounds its memory.
 *
 * Above `maxBacklog` queued messages, a QoS0 PUBLISH is completed without being routed to subscribers
 * (MQTT's "at most once"). Its completion still runs the rest of aedes' publish series, so the
 * `published` hook and the 'publish' event (the gateway's ingest) still see it. QoS1/2 and `$SYS/`
 * messages are never shed: a QoS1 PUBLISH has already been acknowledged to its sender.
 */

export interface BacklogStats {
  /** QoS0 messages completed without routing because the backlog was over the cap. */
  shed: number;
  /** The longest backlog seen at an emission. */
  peakBacklog: number;
}

interface Emission {
  qos?: number;
  topic?: string;
}

type Emit = (message: Emission, callback?: () => void) => unknown;

const PATCHED = Symbol.for('gridlink.overload.emitterBacklog');

export function capEmitterBacklog(mq: unknown, maxBacklog: number): BacklogStats {
  assertEmitterInternals(mq);
  const target = mq as EmitterInternals & { emit: Emit } & Record<symbol, BacklogStats | undefined>;
  const existing = target[PATCHED];
  if (existing) return existing;
  if (typeof target.emit !== 'function') throw new Error('overload guard: aedes.mq has no emit()');

  const stats: BacklogStats = { shed: 0, peakBacklog: 0 };
  const emit = target.emit;
  target.emit = function cappedEmit(this: EmitterInternals, message: Emission, callback?: () => void) {
    const backlog = this._messageQueue.length;
    if (backlog > stats.peakBacklog) stats.peakBacklog = backlog;
    if (
      backlog >= maxBacklog &&
      (message.qos ?? 0) === 0 &&
      !(typeof message.topic === 'string' && message.topic.startsWith('$SYS/'))
    ) {
      stats.shed++;
      if (callback) setImmediate(callback);
      return this;
    }
    return emit.call(this, message, callback);
  };
  Object.defineProperty(target, PATCHED, { value: stats, enumerable: false });
  return stats;
}
