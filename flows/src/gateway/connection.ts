import { randomUUID } from 'node:crypto';
import { BridgeResponse, createTopics, parseJsonObject, parseWith, type Topics } from '@gridlink/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff, type BackoffOptions } from '../kit/backoff.js';
import type { ConnectionState } from '../kit/connection-state.js';
import { reasonOf } from '../kit/errors.js';
import { DeviceDirectory, type GatewayDevice } from './device-directory.js';
import type { GatewayLink, IncomingMessage } from './gateway-link.js';
import { topicMatches } from './topic-match.js';

export interface GatewayConnectionOptions {
  host: string;
  port: number;
  /** PEM texts; TLS is on when this is given. The server certificate is always verified. */
  tls?: { ca?: string; cert?: string; key?: string } | undefined;
  baseTopic: string;
  username: string;
  /** None when a TLS client certificate signs in. */
  password?: string;
  clientId: string;
  backoff: BackoffOptions;
  /** A node's message handler threw (reported by the config node, never thrown into mqtt.js). */
  onHandlerError?: (topic: string, err: unknown) => void;
}

interface Subscription {
  onMessage: (message: IncomingMessage) => void;
  onRefused?: ((reason: string) => void) | undefined;
  /** The last payload it got on each topic, to drop the broker's repeats of a retained message. */
  last: Map<string, Buffer>;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** mqtt.js' error for a message taken out of its outgoing store (`removeOutgoingMessage`). */
const DROPPED_ON_CLOSE = 'Message removed';
/** SUBACK's "failure" return code. */
const SUBSCRIBE_REFUSED = 128;

/**
 * One MQTT session to a gateway, shared by every node of a config node. mqtt.js' own reconnect
 * retries at a fixed period; this one backs off, and says why it is waiting.
 */
export class GatewayConnection implements GatewayLink {
  readonly baseTopic: string;
  private readonly topics: Topics;
  private readonly backoff: Backoff;
  private readonly client: MqttClient;
  private current: ConnectionState = { state: 'connecting' };
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  private readonly subscriptions = new Map<string, Set<Subscription>>();
  /** Settles once the gateway answered the latest SUBSCRIBE of each filter. */
  private readonly subscribed = new Map<string, Promise<void>>();
  private lastError: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly directory = new DeviceDirectory({ list: () => this.request('devices/list') });

  constructor(options: GatewayConnectionOptions) {
    this.topics = createTopics(options.baseTopic);
    this.baseTopic = options.baseTopic;
    this.backoff = new Backoff(options.backoff);
    const { tls } = options;
    const clientOptions: IClientOptions = {
      host: options.host,
      port: options.port,
      protocol: tls ? 'mqtts' : 'mqtt',
      protocolVersion: 4,
      clientId: options.clientId,
      username: options.username,
      ...(options.password ? { password: options.password } : {}),
      clean: true,
      reconnectPeriod: 0,
      resubscribe: false,
      connectTimeout: 10_000,
      ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: true } : {}),
    };
    this.client = mqtt.connect(clientOptions);
    this.client.on('connect', () => this.connected());
    this.client.on('error', (err) => {
      this.lastError = reasonOf(err);
    });
    this.client.on('close', () => this.lost());
    this.client.on('message', (topic, payload, packet) => {
      for (const [filter, subscribers] of this.subscriptions) {
        if (!topicMatches(filter, topic)) continue;
        for (const subscriber of subscribers) {
          // The broker sends a topic's retained message again for every SUBSCRIBE whose filter
          // matches it, and the session's filters overlap (one node's device, another's all devices).
          if (packet.retain && subscriber.last.get(topic)?.equals(payload)) continue;
          subscriber.last.set(topic, payload);
          // One node's fault must not keep the message from the others, nor reach mqtt.js.
          try {
            subscriber.onMessage({ topic, payload, retained: packet.retain });
          } catch (err) {
            options.onHandlerError?.(topic, err);
          }
        }
      }
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }

  subscribe(
    filter: string,
    onMessage: (message: IncomingMessage) => void,
    onRefused?: (reason: string) => void,
  ): () => void {
    const subscription: Subscription = { onMessage, onRefused, last: new Map() };
    let subscribers = this.subscriptions.get(filter);
    if (!subscribers) {
      subscribers = new Set();
      this.subscriptions.set(filter, subscribers);
      if (this.client.connected) this.sendSubscribe(filter);
    }
    subscribers.add(subscription);
    return () => {
      const set = this.subscriptions.get(filter);
      if (!set?.delete(subscription) || set.size > 0) return;
      this.subscriptions.delete(filter);
      this.subscribed.delete(filter);
      if (this.client.connected) this.client.unsubscribe(filter);
    };
  }

  async publish(topic: string, payload: string): Promise<void> {
    // A command held back while the link is down could act long after anyone wanted it to.
    if (!this.client.connected) throw new Error(`gateway not connected (${this.describeState()})`);
    await new Promise<void>((resolve, reject) => {
      this.client.publish(topic, payload, { qos: 1 }, (err) => {
        if (!err) return resolve();
        reject(
          err.message === DROPPED_ON_CLOSE
            ? new Error(
                `the gateway closed the connection before acknowledging ${topic}: it refused the publish (is this account granted it?)`,
              )
            : err,
        );
      });
    });
  }

  async request(
    command: string,
    body: Record<string, unknown> = {},
    timeoutMs = REQUEST_TIMEOUT_MS,
  ): Promise<Record<string, unknown>> {
    const transaction = randomUUID();
    const responseTopic = this.topics.bridgeResponse(command);
    return await new Promise((resolve, reject) => {
      const finish = (outcome: () => void) => {
        clearTimeout(timer);
        unsubscribe();
        outcome();
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`gateway did not answer ${command} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const unsubscribe = this.subscribe(
        responseTopic,
        ({ topic, payload }) => {
          const json = parseJsonObject(payload, topic);
          const response = json.ok ? parseWith(BridgeResponse, json.value, topic) : json;
          if (!response.ok) return finish(() => reject(response.error));
          if (response.value.transaction !== transaction) return;
          const { status, data, error } = response.value;
          finish(() =>
            status === 'ok' ? resolve(data) : reject(new Error(`gateway refused ${command}: ${error ?? 'no reason'}`)),
          );
        },
        (reason) => finish(() => reject(new Error(reason))),
      );
      // The answer must not overtake the subscription that is waiting for it.
      (this.subscribed.get(responseTopic) ?? Promise.resolve())
        .then(() => this.publish(this.topics.bridgeRequest(command), JSON.stringify({ ...body, transaction })))
        .catch((err) => finish(() => reject(err)));
    });
  }

  device(id: string): Promise<GatewayDevice | undefined> {
    return this.directory.device(id);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.setState({ state: 'closed' });
    this.listeners.clear();
    await this.client.endAsync(true);
  }

  private connected(): void {
    this.backoff.reset();
    this.lastError = undefined;
    this.directory.invalidate();
    for (const filter of this.subscriptions.keys()) this.sendSubscribe(filter);
    // Connected means subscribed: what is published from now on reaches the nodes.
    void Promise.all(this.subscribed.values()).then(() => {
      if (this.client.connected && !this.closed) this.setState({ state: 'connected' });
    });
  }

  private lost(): void {
    if (this.closed || this.retryTimer !== undefined) return;
    // mqtt.js would send unacknowledged publishes again after the reconnect. The gateway closes the
    // connection on a publish it refuses, so that would repeat the refusal for ever; and a command
    // should not act long after it was sent. They fail here instead, with the reason.
    for (const id of Object.keys(this.client.outgoing)) this.client.removeOutgoingMessage(Number(id));
    const retryInMs = this.backoff.next();
    this.setState({ state: 'error', reason: this.lastError ?? 'connection closed by the gateway', retryInMs });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      this.setState({ state: 'reconnecting', attempt: this.backoff.attempts + 1 });
      this.lastError = undefined;
      this.client.reconnect();
    }, retryInMs);
  }

  private sendSubscribe(filter: string): void {
    const acked = new Promise<void>((resolve) => {
      this.client.subscribe(filter, { qos: 1 }, (err, granted) => {
        resolve();
        // Cut off by a lost connection: subscribed again on the next one.
        if (err && !this.client.connected) return;
        const refused = err ? reasonOf(err) : granted?.some((g) => g.qos === SUBSCRIBE_REFUSED) ? 'refused' : undefined;
        if (refused === undefined) return;
        const reason = `gateway refused the subscription to ${filter}: ${refused}`;
        for (const subscriber of this.subscriptions.get(filter) ?? []) subscriber.onRefused?.(reason);
      });
    });
    this.subscribed.set(filter, acked);
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    for (const listener of this.listeners) listener(state);
  }

  private describeState(): string {
    const s = this.current;
    return s.state === 'error' ? s.reason : s.state;
  }
}
