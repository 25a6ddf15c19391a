import { connect as netConnect, type Socket } from 'node:net';

/**
 * A raw MQTT 3.1.1 client for attack tests: it sends exactly the bytes asked for (no automatic
 * PUBREL, PINGRESP reading or reconnects) and can leave the answers unread.
 */
export interface RawMqtt {
  socket: Socket;
  /** Every byte the broker has sent. */
  received(): Buffer;
  /** Resolves when the broker closes the connection. */
  closed: Promise<void>;
  send(bytes: Buffer): void;
  /** The CONNACK return code (or 'closed' if the broker hung up without one). */
  connack(): Promise<number | 'closed'>;
  /** Leaves whatever the broker sends from now on unread (a client that stopped reading). */
  stopReading(): void;
}

const utf8 = (text: string) => {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

function remainingLength(length: number): Buffer {
  const bytes: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest > 0);
  return Buffer.from(bytes);
}

const frame = (firstByte: number, body: Buffer) =>
  Buffer.concat([Buffer.from([firstByte]), remainingLength(body.length), body]);

export interface ConnectOptions {
  clientId: string;
  username?: string;
  password?: string;
  clean?: boolean;
  /** 4 for MQTT 3.1.1; 132 is 3.1.1 with the bridge bit. */
  protocolLevel?: number;
  keepaliveS?: number;
}

export function connectPacket({
  clientId,
  username,
  password,
  clean = true,
  protocolLevel = 4,
  keepaliveS = 60,
}: ConnectOptions): Buffer {
  const flags = (username !== undefined ? 0x80 : 0) | (password !== undefined ? 0x40 : 0) | (clean ? 0x02 : 0);
  return frame(
    0x10,
    Buffer.concat([
      utf8('MQTT'),
      Buffer.from([protocolLevel, flags, keepaliveS >> 8, keepaliveS & 0xff]),
      utf8(clientId),
      ...(username !== undefined ? [utf8(username)] : []),
      ...(password !== undefined ? [utf8(password)] : []),
    ]),
  );
}

export function publishPacket(
  topic: string,
  payload: string | Buffer,
  { qos = 0, retain = false, messageId = 1 }: { qos?: 0 | 1 | 2; retain?: boolean; messageId?: number } = {},
): Buffer {
  const id = qos > 0 ? [Buffer.from([messageId >> 8, messageId & 0xff])] : [];
  return frame(0x30 | (qos << 1) | (retain ? 1 : 0), Buffer.concat([utf8(topic), ...id, Buffer.from(payload)]));
}

export const PINGREQ = Buffer.from([0xc0, 0x00]);

export async function rawMqtt(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawMqtt> {
  const socket = netConnect({ port, host, ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const received = () => Buffer.concat(chunks);
  const onData = (chunk: Buffer) => chunks.push(chunk);
  socket.on('data', onData);
  return {
    socket,
    received,
    closed,
    send: (bytes) => socket.write(bytes),
    stopReading: () => {
      socket.off('data', onData);
      socket.pause();
    },
    connack: () =>
      new Promise((resolve) => {
        const check = () => {
          const bytes = received();
          if (bytes.length >= 4 && bytes[0] === 0x20) return resolve(bytes[3] as number);
          if (socket.destroyed) return resolve('closed');
          socket.once('data', () => setImmediate(check));
        };
        socket.once('close', () => setImmediate(check));
        check();
      }),
  };
}
