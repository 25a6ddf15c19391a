/**
 * The floor under any broker written for Node on this machine: a server that speaks just enough
 * MQTT 3.1.1 for the throughput benchmark (CONNACK, SUBACK, PUBACK, PINGRESP; every PUBLISH
 * forwarded at QoS 0 to every subscriber) and does nothing else — no login, no ACL, no topic
 * matching, no validation, no sessions — with the cheapest write path there is (one write per
 * socket per event-loop turn). Not a broker: what it reaches is the most any Node broker's
 * per-packet path could reach here, Node's own socket reads and writes included, so a target
 * relative to Mosquitto is judged against it.
 */
import { createServer, type Socket } from 'node:net';

/** A socket's writes of one event-loop turn, sent as one buffer when the turn ends. */
class TurnWriter {
  private pending: Buffer[] = [];
  constructor(private readonly socket: Socket) {}
  push(chunk: Buffer): void {
    if (this.pending.length === 0) setImmediate(() => this.flush());
    this.pending.push(chunk);
  }
  private flush(): void {
    const chunks = this.pending;
    this.pending = [];
    if (!this.socket.destroyed) this.socket.write(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
  }
}

const subscribers = new Set<TurnWriter>();
const CONNACK = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);

/** An MQTT "remaining length" prefix: the frame's length in 7-bit groups. */
function lengthBytes(length: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    bytes.push(byte);
  } while (length > 0);
  return bytes;
}

/** The PUBLISH frame a QoS 0 subscriber receives for the frame body `body` (topic, [id], payload). */
function forwardFrame(body: Buffer, qos: number): Buffer {
  if (qos === 0) return Buffer.concat([Buffer.from([0x30, ...lengthBytes(body.length)]), body]);
  const topicEnd = 2 + body.readUInt16BE(0);
  const length = body.length - 2; // without the packet identifier
  const header = Buffer.from([0x30, ...lengthBytes(length)]);
  return Buffer.concat([header, body.subarray(0, topicEnd), body.subarray(topicEnd + 2)]);
}

function handle(type: number, flags: number, body: Buffer, writer: TurnWriter, socket: Socket): void {
  switch (type) {
    case 1: // CONNECT
      writer.push(CONNACK);
      break;
    case 3: {
      // PUBLISH
      const qos = (flags >> 1) & 3;
      const frame = forwardFrame(body, qos);
      for (const subscriber of subscribers) subscriber.push(frame);
      if (qos === 1) {
        const topicEnd = 2 + body.readUInt16BE(0);
        writer.push(Buffer.from([0x40, 0x02, body[topicEnd] as number, body[topicEnd + 1] as number]));
      }
      break;
    }
    case 8: {
      // SUBSCRIBE: grant QoS 0 to every filter
      let filters = 0;
      for (let at = 2; at < body.length; at += 2 + body.readUInt16BE(at) + 1) filters++;
      writer.push(Buffer.from([0x90, ...lengthBytes(2 + filters), body[0] as number, body[1] as number]));
      writer.push(Buffer.alloc(filters));
      subscribers.add(writer);
      break;
    }
    case 12: // PINGREQ
      writer.push(PINGRESP);
      break;
    case 14: // DISCONNECT
      socket.end();
      break;
  }
}

const server = createServer({ noDelay: true }, (socket) => {
  const writer = new TurnWriter(socket);
  let rest: Buffer | undefined;
  socket.on('data', (chunk: Buffer) => {
    const data = rest ? Buffer.concat([rest, chunk]) : chunk;
    let at = 0;
    for (;;) {
      if (data.length - at < 2) break;
      let length = 0;
      let multiplier = 1;
      let cursor = at + 1;
      let complete = false;
      while (cursor < data.length) {
        const byte = data[cursor++] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || data.length - cursor < length) break;
      const first = data[at] as number;
      handle(first >> 4, first & 0x0f, data.subarray(cursor, cursor + length), writer, socket);
      at = cursor + length;
    }
    rest = at < data.length ? data.subarray(at) : undefined;
  });
  socket.on('error', () => socket.destroy());
  socket.on('close', () => subscribers.delete(writer));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`READY ${JSON.stringify({ port: address.port })}`);
});
const sockets = new Set<Socket>();
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
process.on('SIGTERM', () => {
  for (const socket of sockets) socket.destroy();
  server.close(() => process.exit(0));
});
