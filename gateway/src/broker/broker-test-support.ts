import type { Duplex } from 'node:stream';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Logger, pino } from 'pino';
import type { GatewayConfigInput } from '../config/schema.js';
import type { Directory } from '../devices/directory.js';
import { Publisher } from '../publisher.js';
import { silentLogger, testGatewayConfig } from '../test-support.js';
import { AddressLimiter } from './address-limit.js';
import { createGatewayBroker, type GatewayBroker, type GatewayBrokerOptions } from './broker.js';
import { type Listeners, startListeners } from './listeners.js';

/** The embedded broker with the gateway's policy on real loopback listeners, and the gateway's own publisher. */
export interface TestBroker {
  broker: GatewayBroker;
  listeners: Listeners;
  url: string;
  publisher: Publisher;
  /** An MQTT 3.1.1 client that never reconnects on its own; closed by `close()`. */
  connect(options: IClientOptions, url?: string): Promise<MqttClient>;
  close(): Promise<void>;
}

export async function startTestBroker(
  directory: Directory,
  {
    config,
    logger = silentLogger(),
    ...options
  }: { config?: Partial<GatewayConfigInput>; logger?: Logger } & Partial<GatewayBrokerOptions> = {},
): Promise<TestBroker> {
  const { mqtt: mqttConfig } = testGatewayConfig(config);
  const broker = await createGatewayBroker({
    directory,
    baseTopic: 'gridlink',
    logger,
    limits: mqttConfig.limits,
    clientCertificates: mqttConfig.tls.enabled ? mqttConfig.tls.client_certificates : 'off',
    ...options,
  });
  const limiter = new AddressLimiter(mqttConfig.limits.connections_per_address, () => {});
  const listeners = await startListeners(mqttConfig, (stream: Duplex) => broker.handle(stream), limiter);
  const url = `mqtt://127.0.0.1:${listeners.ports.tcp}`;
  const clients: MqttClient[] = [];
  return {
    broker,
    listeners,
    url,
    publisher: new Publisher(broker.aedes),
    async connect(options, to = url) {
      const client = await mqtt.connectAsync(to, { reconnectPeriod: 0, protocolVersion: 4, ...options });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.endAsync(true)));
      await listeners.close();
      await new Promise<void>((resolve) => broker.aedes.close(() => resolve()));
      broker.overload.close();
    },
  };
}

/** 'connected', or the refusal's message. */
export const outcome = (promise: Promise<unknown>): Promise<string> =>
  promise.then(
    () => 'connected',
    (err: Error) => err.message,
  );

/** A logger that keeps every line (warn and above) as parsed JSON. */
export function capturingLogger(level = 'warn'): {
  logger: Logger;
  lines: Array<{ msg: string } & Record<string, unknown>>;
} {
  const lines: Array<{ msg: string } & Record<string, unknown>> = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}
