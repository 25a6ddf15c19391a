import type { Client } from 'aedes';

/**
 * A bounded delivery window per subscriber, so that a slow or frozen subscriber can neither stall the
 * broker for everyone nor make it buffer without bound.
 *
 * In aedes 1.2.0 a subscription's listener is `client.deliver0` (QoS0) or `client.deliverQoS`
 * (lib/client.js:109-162, picked in lib/handlers/subscribe.js:150). Both call mqemitter's callback only
 * after `write()` has completed, and `write()` waits for the socket's 'drain' when the socket is
 * congested (lib/write.js:7-11, lib/client.js:275-307), up to `drainTimeout`. Until then the message
 * holds one of the emitter's 100 slots. One congested subscriber therefore takes all 100 slots within
 * 100 messages and every other PUBLISH in the broker queues behind it in `mq._messageQueue`: broker-wide
 * head-of-line blocking, and the unbounded backlog whose drain overflows the stack (see
 * emitter-trampoline.ts).
 *
 * The window replaces both functions on the client instance (they are per-instance closures, read by
 * `subscribe` when a subscription is made, so this must happen before the first SUBSCRIBE, i.e. when the
 * connection is handed to aedes) with versions that
 *  - count the messages handed to the client whose write has not completed yet ("queued");
 *  - release the emitter's slot on the next turn instead of after the write, so a slow subscriber only
 *    ever slows itself down;
 *  - once `maxQueued` messages (or `maxQueuedBytes` bytes in the socket's write buffer) are queued,
 *    drop further QoS0 messages to that client (MQTT's "at most once") and count them, and disconnect
 *    the client on a QoS1/2 message instead of dropping it (a persistent session keeps it in the
 *    outgoing store and gets it on reconnect);
 *  - let the guard disconnect a client whose queue has made no progress for `drainTimeoutMs`.
 */

export type DeliverFn = (packet: { qos?: number; topic?: string }, callback: () => void) => void;

export interface ClientDeliveryInternals {
  deliver0: DeliverFn;
  deliverQoS: DeliverFn;
}

export function hasDeliveryInternals(client: unknown): client is Client & ClientDeliveryInternals {
  const candidate = client as Partial<ClientDeliveryInternals> | null | undefined;
  return !!candidate && typeof candidate.deliver0 === 'function' && typeof candidate.deliverQoS === 'function';
}

export interface WindowLimits {
  maxQueued: number;
  maxQueuedBytes: number;
}

export interface WindowHooks {
  /** A QoS0 message was dropped; `first` is true for the first drop since the client last caught up. */
  dropped(window: DeliveryWindow, first: boolean): void;
  /** The client caught up (nothing queued any more) after `dropped` drops. */
  recovered(window: DeliveryWindow, dropped: number): void;
  /** A QoS1/2 message arrived while the window was full. */
  overflowed(window: DeliveryWindow): void;
  /** The queue went from empty to non-empty, or back to empty. */
  busy(window: DeliveryWindow, busy: boolean): void;
}

/**
 * Emitter slots released on the next turn, all of a turn's together: one Immediate per turn
 * instead of one per message delivered (the same order and the same turn as before).
 */
let releases: Array<() => void> = [];

function releaseAll(): void {
  const due = releases;
  releases = [];
  for (const release of due) release();
}

function releaseSoon(release: () => void): void {
  if (releases.length === 0) setImmediate(releaseAll);
  releases.push(release);
}

export class DeliveryWindow {
  /** Messages handed to the client whose write has not completed. */
  queued = 0;
  /** Most messages ever queued at once. */
  peakQueued = 0;
  /** QoS0 messages dropped for this client, in total. */
  dropped = 0;
  /** When the queue last made progress (a write completed) or became non-empty. */
  lastProgress = 0;
  private droppedInEpisode = 0;

  constructor(
    readonly client: Client & ClientDeliveryInternals,
    private readonly limits: WindowLimits,
    private readonly hooks: WindowHooks,
    private readonly now: () => number,
  ) {
    const deliver0 = client.deliver0;
    const deliverQoS = client.deliverQoS;

    client.deliver0 = (packet, callback) => {
      if (this.full()) {
        this.dropped++;
        this.droppedInEpisode++;
        this.hooks.dropped(this, this.droppedInEpisode === 1);
        releaseSoon(callback);
        return;
      }
      this.admit();
      deliver0(packet, this.completed);
      releaseSoon(callback);
    };

    client.deliverQoS = (packet, callback) => {
      // aedes' deliverQoS hands QoS0 packets to deliver0 (client.js:130-133); keep that, through ours.
      if (packet.qos === 0 || packet.qos === undefined) {
        client.deliver0(packet, callback);
        return;
      }
      if (this.full()) {
        this.hooks.overflowed(this);
        releaseSoon(callback);
        return;
      }
      this.admit();
      deliverQoS(packet, this.completed);
      releaseSoon(callback);
    };
  }

  /** Bytes accepted by the socket but not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.client.conn.writableLength ?? 0;
  }

  private full(): boolean {
    return this.queued >= this.limits.maxQueued || this.bufferedBytes >= this.limits.maxQueuedBytes;
  }

  private admit(): void {
    if (this.queued === 0) {
      this.lastProgress = this.now();
      this.hooks.busy(this, true);
    }
    this.queued++;
    if (this.queued > this.peakQueued) this.peakQueued = this.queued;
  }

  private readonly completed = () => {
    this.queued--;
    this.lastProgress = this.now();
    if (this.queued > 0) return;
    this.hooks.busy(this, false);
    if (this.droppedInEpisode > 0) {
      const dropped = this.droppedInEpisode;
      this.droppedInEpisode = 0;
      this.hooks.recovered(this, dropped);
    }
  };
}
