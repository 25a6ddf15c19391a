import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';

/**
 * A minimal MQTT 3.1.1 client on a raw socket, so the load generator spends its CPU on the
 * broker's traffic rather than on a client library: pre-encoded packets, one parser per socket.
 */
export class RawClient {
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private waiting?: { cmd: string; resolve: (packet: Packet) => void };
  onPacket: (packet: Packet) => void = () => {};

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.parser.parse(chunk));
    socket.on('error', () => {});
    this.parser.on('packet', (packet: Packet) => {
      if (this.waiting && packet.cmd === this.waiting.cmd) {
        const { resolve } = this.waiting;
        this.waiting = undefined;
        resolve(packet);
        return;
      }
      this.onPacket(packet);
    });
  }

  static async connect(
    port: number,
    clientId: string,
    auth?: { username: string; password: string },
  ): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    const connack = client.expect('connack');
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 600,
        clientId,
        ...(auth ? { username: auth.username, password: Buffer.from(auth.password) } : {}),
      }),
    );
    const ack = (await connack) as { returnCode?: number };
    if (ack.returnCode !== 0) throw new Error(`${clientId}: CONNACK return code ${ack.returnCode}`);
    return client;
  }

  expect(cmd: string): Promise<Packet> {
    return new Promise((resolve) => {
      this.waiting = { cmd, resolve };
    });
  }

  async subscribe(topic: string, qos: 0 | 1): Promise<void> {
    const suback = this.expect('suback');
    this.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos }] }));
    const { granted } = (await suback) as { granted: number[] };
    if (granted[0] === 128) throw new Error(`subscription to ${topic} refused`);
  }

  /** Writes a pre-encoded packet; resolves when the socket can take more (back-pressure). */
  write(buffer: Buffer): Promise<void> | undefined {
    if (this.socket.write(buffer)) return undefined;
    return new Promise((resolve) => this.socket.once('drain', resolve));
  }

  close(): void {
    this.socket.destroy();
  }
}

export function encodePublish(topic: string, payload: string, qos: 0 | 1, messageId = 1): Buffer {
  return mqttPacket.generate({
    cmd: 'publish',
    topic,
    payload: Buffer.from(payload),
    qos,
    retain: false,
    dup: false,
    messageId,
  });
}
