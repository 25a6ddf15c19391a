import { createRequire } from 'node:module';
import { Socket } from 'node:net';

/**
 * aedes writes every packet with mqtt-packet's `writeToStream`: five or six `write` calls of
 * small Buffers and strings under `cork()`, uncorked on the next tick. Each packet is then a
 * `writev` system call of its own, with a request object per piece: a third of the broker's time
 * under load went to those calls, and much of its garbage to the pieces.
 *
 * The gateway's writer encodes each PUBLISH and PUBACK of MQTT 3.1.1 into one Buffer and gathers
 * a socket's packets until the end of the event-loop turn (the check phase, after the turn's
 * socket reads): a subscriber that receives many messages in a turn gets them in one write. Other
 * packets (CONNACK, SUBACK, …) and other streams (WebSockets) go through mqtt-packet as before,
 * after whatever the socket had gathered, so the order on the wire is kept. A socket that ends or
 * is destroyed gets what it had gathered first. Nothing is acknowledged earlier than before:
 * a PUBACK is only written once aedes decides to write it (after the outbox has the message).
 *
 * Backpressure is kept: a write returns false while the socket waits for 'drain' (aedes then
 * waits for it, as it did), and the bytes gathered in a turn are bounded by the packets the broker
 * handles in a turn (inbound admission).
 */

type WriteToStream = ((packet: unknown, stream: unknown, opts?: unknown) => boolean) & { cacheNumbers?: boolean };

interface MqttPacketModule {
  writeToStream: WriteToStream;
}

interface Pending {
  chunks: Buffer[];
  bytes: number;
}

const PENDING = Symbol('gridlink.batchedWrites');
const INSTALLED = Symbol.for('gridlink.batchedWrites.installed');

type BatchedSocket = Socket & { [PENDING]?: Pending };

// MQTT 3.1.1 fixed header bytes: PUBLISH with its QoS (and RETAIN, DUP) bits, PUBACK.
const PUBLISH = 0x30;
const PUBACK = 0x40;

const dirty: BatchedSocket[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // Sockets that became dirty while flushing (a write's callback) are flushed on the next turn.
  const sockets = dirty.splice(0);
  for (const socket of sockets) flush(socket);
}

function flush(socket: BatchedSocket): void {
  const pending = socket[PENDING];
  if (!pending || pending.chunks.length === 0) return;
  const { chunks, bytes } = pending;
  pending.chunks = [];
  pending.bytes = 0;
  if (socket.destroyed || socket.writableEnded) return;
  socket.write(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, bytes));
}

function gather(socket: BatchedSocket, chunk: Buffer): boolean {
  let pending = socket[PENDING];
  if (!pending) {
    pending = { chunks: [], bytes: 0 };
    socket[PENDING] = pending;
    // Whatever ends the connection sends what was gathered first, as an unbatched write would have.
    const { end, destroy } = socket;
    socket.end = function (this: BatchedSocket, ...args: Parameters<Socket['end']>) {
      flush(this);
      return end.apply(this, args);
    } as Socket['end'];
    socket.destroy = function (this: BatchedSocket, error?: Error) {
      flush(this);
      return destroy.call(this, error);
    };
  }
  if (pending.chunks.length === 0) {
    dirty.push(socket);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  }
  pending.chunks.push(chunk);
  pending.bytes += chunk.length;
  // False only when the socket will emit 'drain' (an earlier write filled it).
  return !socket.writableNeedDrain;
}

const byteLength = (value: string | Buffer) => (typeof value === 'string' ? Buffer.byteLength(value) : value.length);

/** Writes MQTT's variable-length "remaining length"; returns the offset after it. */
function writeRemainingLength(buffer: Buffer, offset: number, length: number): number {
  let value = length;
  let at = offset;
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    buffer[at++] = byte;
  } while (value > 0);
  return at;
}

const remainingLengthBytes = (length: number) => (length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4);

interface PublishFields {
  cmd: 'publish';
  topic: string;
  payload: Buffer | string;
  qos?: number;
  messageId?: number;
  retain?: boolean;
  dup?: boolean;
}

/** One PUBLISH as a single Buffer, or undefined when it is not a plain MQTT 3.1.1 one. */
export function encodePublish(packet: PublishFields): Buffer | undefined {
  const { topic, payload } = packet;
  const qos = packet.qos ?? 0;
  if (typeof topic !== 'string' || topic.length === 0) return undefined;
  if (!Buffer.isBuffer(payload) && typeof payload !== 'string') return undefined;
  if (qos !== 0 && qos !== 1 && qos !== 2) return undefined;
  if (qos > 0 && !(Number.isInteger(packet.messageId) && (packet.messageId as number) > 0)) return undefined;
  if ((packet as { properties?: unknown }).properties !== undefined) return undefined;
  const topicBytes = Buffer.byteLength(topic);
  const payloadBytes = byteLength(payload);
  const length = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
  if (length >= 268_435_456) return undefined;
  const buffer = Buffer.allocUnsafe(1 + remainingLengthBytes(length) + length);
  buffer[0] = PUBLISH | (packet.dup ? 0x08 : 0) | (qos << 1) | (packet.retain ? 0x01 : 0);
  let at = writeRemainingLength(buffer, 1, length);
  at = buffer.writeUInt16BE(topicBytes, at);
  at += buffer.write(topic, at, 'utf8');
  if (qos > 0) at = buffer.writeUInt16BE(packet.messageId as number, at);
  if (typeof payload === 'string') buffer.write(payload, at, 'utf8');
  else payload.copy(buffer, at);
  return buffer;
}

function encodePuback(messageId: unknown): Buffer | undefined {
  if (!(Number.isInteger(messageId) && (messageId as number) > 0 && (messageId as number) <= 0xffff)) return undefined;
  const buffer = Buffer.allocUnsafe(4);
  buffer[0] = PUBACK;
  buffer[1] = 2;
  buffer.writeUInt16BE(messageId as number, 2);
  return buffer;
}

/**
 * Replaces `writeToStream` in the mqtt-packet that aedes imports (aedes looks it up at every
 * write). Idempotent; call before the broker writes its first packet.
 */
export function batchPacketWrites(): void {
  // The mqtt-packet aedes itself imports (a copy of its own, should versions ever differ).
  const fromAedes = createRequire(import.meta.resolve('aedes'));
  const mqttPacket = fromAedes('mqtt-packet') as MqttPacketModule & { [INSTALLED]?: true };
  if (mqttPacket[INSTALLED]) return;
  mqttPacket[INSTALLED] = true;
  const original = mqttPacket.writeToStream;

  const batched = ((packet: { cmd?: string; messageId?: unknown }, stream: unknown, opts?: unknown) => {
    if (stream instanceof Socket && opts === undefined) {
      const socket = stream as BatchedSocket;
      const encoded =
        packet.cmd === 'publish'
          ? encodePublish(packet as PublishFields)
          : packet.cmd === 'puback'
            ? encodePuback(packet.messageId)
            : undefined;
      if (encoded) return gather(socket, encoded);
      // Anything else goes after what the socket gathered.
      flush(socket);
    }
    return original(packet, stream, opts);
  }) as WriteToStream;
  Object.defineProperty(batched, 'cacheNumbers', {
    get: () => original.cacheNumbers,
    set: (value: boolean) => {
      original.cacheNumbers = value;
    },
  });
  mqttPacket.writeToStream = batched;
}
