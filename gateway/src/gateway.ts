import type { Server } from 'node:net';
import { assertBaseTopic, type BridgeInfo, createTopics, toTimestamp } from '@gridlink/protocol';
import type { Logger } from 'pino';
import { type BrokerLimits, createGatewayBroker, type GatewayBroker } from './broker/broker.js';
import { boundPort, closeServer, listenTcp } from './broker/listen.js';
import { GatewayBus } from './bus.js';
import type { Directory } from './devices/directory.js';
import { attachNormaliser } from './ingest/normalise.js';

export const GATEWAY_VERSION = '0.1.0';

export interface GatewayOptions {
  gatewayId: string;
  directory: Directory;
  logger: Logger;
  baseTopic?: string;
  mqtt?: { host?: string; port?: number };
  limits?: Partial<BrokerLimits>;
}

/** One community's gateway: the embedded broker and what hangs off its bus. */
export class Gateway {
  readonly bus = new GatewayBus();
  private broker?: GatewayBroker;
  private server?: Server;
  private normaliser?: ReturnType<typeof attachNormaliser>;
  private readonly baseTopic: string;
  private readonly topics: ReturnType<typeof createTopics>;

  constructor(private readonly options: GatewayOptions) {
    this.baseTopic = assertBaseTopic(options.baseTopic ?? 'gridlink');
    this.topics = createTopics(this.baseTopic);
  }

  async start(): Promise<void> {
    const { directory, logger, limits } = this.options;
    this.broker = await createGatewayBroker({
      directory,
      baseTopic: this.baseTopic,
      logger: logger.child({ module: 'broker' }),
      ...(limits ? { limits } : {}),
    });
    this.normaliser = attachNormaliser(this.broker, this.bus, this.baseTopic);
    this.trackConnections(this.broker);
    this.server = await listenTcp(
      this.broker.aedes,
      this.options.mqtt?.port ?? 1883,
      this.options.mqtt?.host ?? '127.0.0.1',
    );
    const info: BridgeInfo = {
      version: GATEWAY_VERSION,
      gateway_id: this.options.gatewayId,
      started_at: toTimestamp(Date.now()),
      base_topic: this.baseTopic,
    };
    await this.publishRetained(this.topics.bridgeInfo, info);
    await this.publishRetained(this.topics.bridgeState, { state: 'online' });
    logger.info({ port: this.port }, 'gateway started');
  }

  get port(): number {
    if (!this.server) throw new Error('gateway not started');
    return boundPort(this.server);
  }

  stats() {
    return {
      clients: this.broker?.aedes.connectedClients ?? 0,
      valid: this.normaliser?.validCount() ?? 0,
      invalid: this.normaliser?.invalid.total ?? 0,
      refused: this.broker?.refusals.snapshot() ?? {},
    };
  }

  async stop(): Promise<void> {
    if (!this.broker) return;
    await this.publishRetained(this.topics.bridgeState, { state: 'offline' });
    const { aedes } = this.broker;
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (this.server) await closeServer(this.server);
    this.broker = undefined;
    this.server = undefined;
    this.options.logger.info('gateway stopped');
  }

  private trackConnections(broker: GatewayBroker): void {
    broker.aedes.on('clientReady', (client) => {
      const principal = broker.principalOf(client);
      if (principal?.type === 'device') this.bus.emit('connected', principal.device);
    });
    broker.aedes.on('clientDisconnect', (client) => {
      const principal = broker.principalOf(client);
      if (principal?.type === 'device') this.bus.emit('disconnected', principal.device);
    });
  }

  private publishRetained(topic: string, payload: unknown): Promise<void> {
    const aedes = this.broker?.aedes;
    if (!aedes) return Promise.resolve();
    return new Promise((resolve, reject) =>
      aedes.publish(
        { cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 1, retain: true, dup: false },
        (err) => (err ? reject(err) : resolve()),
      ),
    );
  }
}
