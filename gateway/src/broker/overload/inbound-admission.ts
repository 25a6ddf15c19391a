import type { Client } from 'aedes';
import { MqttFraming } from './mqtt-framing.js';

/**
 * Admission of inbound packets across clients: the broker reads no more from a socket while too
 * many packets are being handled, and hands each client's reads to aedes a few packets at a time,
 * taking turns.
 *
 * aedes parses a whole socket read (up to 64 KiB, ~600 small PUBLISHes) per client and handles
 * every packet in it at once, ~1.5 KiB of heap each until its routing completes (a mid-flood heap
 * snapshot at 2,000 flooding devices held ~100,000 of them, ~150 MiB). Its read throttle leaks
 * (every 'readable' event lets the next read in one packet early), and holding back its reads
 * alone is not enough: Node keeps reading every socket into its stream buffer, a 64 KiB chunk a
 * socket. So the bound is kept at three places:
 *  - the socket: a client's stream reads from the kernel only when the client has nothing being
 *    handled, nothing left over, and the broker has room (`_read`, with a stream high-water mark
 *    of one byte so that Node stops at every chunk); the rest waits in the kernel, outside the
 *    gateway's memory, and pushes back on the sender (TCP flow control);
 *  - the client: aedes gets at most `maxPacketsPerTurn` whole packets of a read at a time (cut by
 *    their fixed headers, mqtt-framing.ts), the next ones once those are handled;
 *  - the broker: at most `maxInflight` packets of signed-in clients are being handled at once.
 *    A client that finds no room waits in a queue and is served in turn (FIFO), so a flooding
 *    client cannot starve a device that sends one message: it waits behind at most one turn of
 *    every other client. A client whose last socket read was little and taken in one turn (a
 *    device, not a flood) is served first, and between its messages it listens to its socket
 *    rather than queue with nothing to hand in (else its next message would wait in the kernel
 *    until every flooder ahead of it had read and handled a whole socket read).
 *
 * CONNECTs and what arrives before the CONNACK do not count against the broker's room (a flood
 * of logins waiting for their password hash must not starve signed-in devices); they are bounded
 * per connection by aedes' `queueLimit` and per address by `connections_per_address`.
 *
 * Reaches into aedes 1.2 (`client._nextBatch`, `client._parser`) and Node's streams (`_read`,
 * `_readableState.highWaterMark`); `assertInboundInternals` checks them at startup.
 */
export interface InboundLimits {
  /** Packets of signed-in clients being handled at once, broker-wide (`mqtt.limits.max_inflight_inbound`). */
  maxInflight: number;
  /** Packets of one client handed to aedes at a time (`mqtt.limits.max_inbound_per_turn`). */
  maxPacketsPerTurn: number;
  /**
   * Bytes read ahead of aedes, broker-wide, before no more socket reads are granted to clients
   * that flood (`mqtt.limits.max_inbound_read_ahead_bytes`). A client that sends little still
   * listens to its socket, so each may add one read beyond it: a flood that starts on every
   * device at once reads up to a socket read of each ahead.
   */
  maxReadAheadBytes: number;
}

export interface InboundStats {
  /** Packets being handled now (signed-in clients). */
  inflight: number;
  peakInflight: number;
  /** Bytes read from sockets and not yet handed to aedes. */
  readAheadBytes: number;
  peakReadAheadBytes: number;
  /** Clients waiting for room now. */
  waiting: number;
  peakWaiting: number;
  /** Times a client found no room and waited. */
  waited: number;
}

interface ReadableInternals {
  read(size?: number | null): Buffer | string | null;
  _read(size: number): void;
  _readableState?: { highWaterMark: number };
  readableLength: number;
  destroyed: boolean;
}

interface ClientInternals {
  _nextBatch: (err?: Error | null) => void;
  _parser: { prependListener(event: 'packet', listener: (packet: { cmd: string }) => void): unknown };
  connected: boolean;
}

/** Fails at startup if aedes or Node moved what this reaches into. */
export function assertInboundInternals(client: unknown): void {
  const c = client as Partial<ClientInternals> & { conn?: Partial<ReadableInternals> };
  const ok =
    typeof c._nextBatch === 'function' &&
    typeof c._parser?.prependListener === 'function' &&
    typeof c.conn?.read === 'function' &&
    typeof c.conn?._read === 'function';
  if (!ok) {
    throw new Error(
      'inbound admission: aedes clients have no _nextBatch/_parser or their stream no read/_read (aedes or Node internals changed)',
    );
  }
}

/** One socket read at most: what libuv reads from a TCP socket at a time. */
const READ_BYTES = 65_536;
/** A socket read of more bytes than this is a flood's, not a device's, however few packets it holds. */
const LIGHT_READ_BYTES = 4096;

/**
 * What is left of a read for a later turn. A slice keeps its whole read in memory (at 2,000
 * flooding devices, ~1.7 times the bytes left over), so once it is less than half of what it
 * holds on to, the rest is copied out and the read is freed: the copies halve, so each byte read
 * is copied about once at most.
 */
function restOf(bytes: Buffer, from: number): Buffer {
  const rest = bytes.subarray(from);
  if (rest.length * 2 > rest.buffer.byteLength) return rest;
  const copy = Buffer.allocUnsafeSlow(rest.length);
  rest.copy(copy);
  return copy;
}

class Inbound {
  /** Packets parsed for aedes whose handling has not completed. */
  handling = 0;
  /** Of those, the ones counted against the broker's room. */
  charged = 0;
  /** Bytes read from the stream and not yet handed to aedes (whole packets, or a split header). */
  leftover: Buffer | undefined;
  /** A `_read(size)` held back: the stream reads from its socket again once it is released. */
  heldRead: number | undefined;
  /** aedes asked for packets and got none: it is asked again when the client's turn comes. */
  wantsRead = false;
  /** Its last socket read was little and handed over in one turn: it sends little (a device, not a flood). */
  light = true;
  /** Served from the queue: its next packets pass whoever waits behind it. */
  granted = false;
  /** Inside a read for aedes: the stream must not start reading its socket meanwhile. */
  cutting = false;
  queue: Set<Inbound> | undefined;
  closed = false;
  readonly framing = new MqttFraming();
  constructor(
    readonly client: Client & ClientInternals,
    readonly stream: ReadableInternals,
    readonly read: (size?: number | null) => Buffer | string | null,
    readonly startReading: (size: number) => void,
    readonly nextBatch: (err?: Error | null) => void,
  ) {}
}

export class InboundAdmission {
  private inflight = 0;
  private readAheadBytes = 0;
  /** Waiting clients that send little, with packets read: served first. */
  private readonly fresh = new Set<Inbound>();
  /** Waiting clients with more of a large read left over: served next. */
  private readonly backlogged = new Set<Inbound>();
  /** Waiting clients whose next packets are still in their socket: served while read-ahead allows. */
  private readonly hungry = new Set<Inbound>();
  /** Clients served this turn whose packets are still on their way from the socket. */
  private readonly coming = new Set<Inbound>();
  private turnScheduled = false;
  private readonly totals = { peakInflight: 0, peakWaiting: 0, waited: 0, peakReadAheadBytes: 0 };

  constructor(private readonly limits: InboundLimits) {
    if (!(limits.maxInflight >= 1)) throw new Error('inbound admission: maxInflight must be >= 1');
    if (!(limits.maxPacketsPerTurn >= 1)) throw new Error('inbound admission: maxPacketsPerTurn must be >= 1');
    if (!(limits.maxReadAheadBytes >= READ_BYTES)) {
      throw new Error(`inbound admission: maxReadAheadBytes must be >= ${READ_BYTES} (one socket read)`);
    }
  }

  private get waiting(): number {
    return this.fresh.size + this.backlogged.size + this.hungry.size;
  }

  stats(): InboundStats {
    return {
      inflight: this.inflight,
      peakInflight: this.totals.peakInflight,
      readAheadBytes: this.readAheadBytes,
      peakReadAheadBytes: this.totals.peakReadAheadBytes,
      waiting: this.waiting,
      peakWaiting: this.totals.peakWaiting,
      waited: this.totals.waited,
    };
  }

  /** Puts a client's reads under admission; call right after `aedes.handle`, before data flows. */
  attach(client: Client): void {
    const c = client as Client & ClientInternals;
    const stream = client.conn as unknown as ReadableInternals;
    if (typeof c._nextBatch !== 'function' || typeof stream._read !== 'function') return;
    const state = new Inbound(c, stream, stream.read.bind(stream), stream._read.bind(stream), c._nextBatch);
    // Node stops reading the socket after every chunk: nothing piles up in the stream's buffer.
    if (stream._readableState) stream._readableState.highWaterMark = 1;

    // Before aedes' own listener, which may complete the packet at once.
    c._parser.prependListener('packet', (packet) => {
      state.handling++;
      // A CONNECT, and what comes before its CONNACK, waits on the login, not on the broker.
      if (packet.cmd !== 'connect' && c.connected) {
        state.charged++;
        this.inflight++;
        if (this.inflight > this.totals.peakInflight) this.totals.peakInflight = this.inflight;
      }
    });
    // aedes calls `client._nextBatch` once per packet handled (lib/client.js enqueue/dequeue).
    c._nextBatch = (err) => {
      if (state.handling > 0) state.handling--;
      if (state.charged > 0) {
        state.charged--;
        this.inflight--;
      }
      state.nextBatch(err);
      if (state.handling === 0 && !state.closed && state.queue === undefined) this.resume(state);
      if (this.waiting > 0) this.scheduleTurn();
    };
    stream.read = (size?: number | null) => {
      // Node's own read(0) (a refill) and any sized read go through untouched.
      if (size !== undefined && size !== null) return state.read(size);
      return this.batchFor(state);
    };
    stream._read = (size: number) => {
      if (!state.cutting && state.handling === 0 && state.leftover === undefined && this.mayRead(state)) {
        state.startReading(size);
        return;
      }
      state.heldRead = size;
    };
    client.conn.once('close', () => {
      state.closed = true;
      this.inflight -= state.charged;
      state.charged = 0;
      state.handling = 0;
      this.setLeftover(state, undefined);
      state.queue?.delete(state);
      state.queue = undefined;
      this.coming.delete(state);
      if (this.waiting > 0) this.scheduleTurn();
    });
  }

  private setLeftover(state: Inbound, bytes: Buffer | undefined): void {
    // Counted at what it keeps in memory (see restOf).
    this.readAheadBytes += (bytes?.buffer.byteLength ?? 0) - (state.leftover?.buffer.byteLength ?? 0);
    state.leftover = bytes;
    if (this.readAheadBytes > this.totals.peakReadAheadBytes) this.totals.peakReadAheadBytes = this.readAheadBytes;
  }

  /** The next packets of a client for aedes to parse, or null (none now: it is asked again). */
  private batchFor(state: Inbound): Buffer | string | null {
    if (state.closed) return state.read(null);
    if (state.handling > 0 || !this.hasRoomFor(state)) {
      state.wantsRead = true;
      if (state.handling === 0) this.wait(state);
      return null;
    }
    state.wantsRead = false;
    state.cutting = true;
    let whole = 0;
    try {
      let bytes = state.leftover;
      this.setLeftover(state, undefined);
      let read = false;
      for (;;) {
        if (bytes === undefined || bytes.length === 0) {
          bytes = this.readStream(state);
          if (bytes === undefined) return null;
          read = true;
        }
        const { length, packets } = state.framing.cut(bytes, this.limits.maxPacketsPerTurn);
        if (length > 0) {
          whole = packets;
          // What its socket held says how much it sends: a device's few messages, handed over in
          // one turn, or a flood's (more than a turn: its sender writes faster than it is served).
          if (read) state.light = length === bytes.length && bytes.length <= LIGHT_READ_BYTES;
          if (length < bytes.length) this.setLeftover(state, restOf(bytes, length));
          if (packets > 0) {
            state.granted = false;
            this.coming.delete(state);
          }
          return length < bytes.length ? bytes.subarray(0, length) : bytes;
        }
        // A fixed header split across reads: wait for the rest of it.
        const more = this.readStream(state);
        if (more === undefined) {
          this.setLeftover(state, bytes);
          return null;
        }
        bytes = Buffer.concat([bytes, more]);
        read = true;
      }
    } finally {
      state.cutting = false;
      // Nothing whole for aedes to handle (no bytes, a packet's head, a split header): the
      // client's socket goes on reading, or nothing would ever ask again.
      if (whole === 0) this.releaseRead(state);
    }
  }

  private readStream(state: Inbound): Buffer | undefined {
    const chunk = state.read(null);
    if (chunk === null) return undefined;
    return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }

  /** Lets a client's socket read: its held read, or a fresh one (Node calls `_read` on an empty stream's `read(0)`). */
  private listen(state: Inbound): void {
    if (state.heldRead !== undefined) this.releaseRead(state);
    else state.read(0);
  }

  private releaseRead(state: Inbound): void {
    if (state.heldRead === undefined || state.closed) return;
    const size = state.heldRead;
    state.heldRead = undefined;
    state.startReading(size);
  }

  /** Room for a client's packets: its turn, or room under the broker's budget and nobody waiting. */
  private hasRoomFor(state: Inbound): boolean {
    if (!state.client.connected || state.granted) return true;
    return this.inflight < this.limits.maxInflight && this.waiting === 0;
  }

  /**
   * Whether a client may read its socket. One that sends little may (its next read is small, and
   * waiting for a turn only to listen would slow every device's round trip); one that floods only
   * in its turn, within the read-ahead allowed.
   */
  private mayRead(state: Inbound): boolean {
    return state.light || this.hasRoomFor(state);
  }

  private wait(state: Inbound): void {
    if (state.queue !== undefined) return;
    const empty = state.leftover === undefined && state.stream.readableLength === 0;
    if (empty && state.light) {
      // One that sends little and has nothing read listens to its socket instead of queueing
      // behind the floods with nothing to hand in: its next message is read as it comes.
      this.listen(state);
      return;
    }
    const queue = empty ? this.hungry : state.light ? this.fresh : this.backlogged;
    state.queue = queue;
    queue.add(state);
    this.totals.waited++;
    if (this.waiting > this.totals.peakWaiting) this.totals.peakWaiting = this.waiting;
    this.scheduleTurn();
  }

  /** A client with nothing being handled goes on: its left-over packets, or its socket. */
  private resume(state: Inbound): void {
    if (state.leftover !== undefined || state.wantsRead || state.stream.readableLength > 0) {
      if (!this.hasRoomFor(state)) {
        this.wait(state);
        return;
      }
      // aedes' own read loop: it reads (through batchFor) and parses.
      state.nextBatch();
      if (state.handling > 0 || state.queue !== undefined) return;
    }
    if (state.heldRead === undefined || state.leftover !== undefined) return;
    if (!this.mayRead(state)) {
      this.wait(state);
      return;
    }
    this.releaseRead(state);
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(this.turn);
  }

  /** The scheduled turn, one function for every turn. */
  private readonly turn = () => {
    this.turnScheduled = false;
    this.takeTurns();
  };

  /**
   * Serves waiting clients while there is room: those that send little first, then those with
   * packets left over, then those that need to read their socket (while the read-ahead allows).
   * Each queue in order of arrival.
   */
  private takeTurns(): void {
    // A turn's socket reads have been polled by now: what did not come waits for its next turn.
    for (const state of this.coming) state.granted = false;
    this.coming.clear();
    this.serveWaiting();
    // Those that were let read may have had nothing to read (their senders went quiet): nothing
    // else may come to take the next turn, so it is taken once their reads are polled.
    if (this.coming.size > 0 && this.waiting > 0) this.scheduleTurn();
  }

  private serveWaiting(): void {
    let expected = 0;
    let reading = 0;
    const room = () => this.inflight + expected < this.limits.maxInflight;
    for (const queue of [this.fresh, this.backlogged, this.hungry]) {
      for (const state of queue) {
        if (!room()) return;
        if (queue === this.hungry && this.readAheadBytes + (reading + 1) * READ_BYTES > this.limits.maxReadAheadBytes) {
          return;
        }
        queue.delete(state);
        state.queue = undefined;
        if (state.closed || state.stream.destroyed) continue;
        state.granted = true;
        this.resume(state);
        if (state.granted && state.queue === undefined) {
          // Its socket is reading: its packets come on a later turn; keep room for them.
          this.coming.add(state);
          expected += this.limits.maxPacketsPerTurn;
          reading++;
        }
      }
    }
  }
}
