import { type BridgeHealth, type BridgeInfo, createTopics, toTimestamp } from '@gridlink/protocol';
import type { GatewayModule } from './modules/gateway-module.js';
import type { Publisher } from './publisher.js';

export interface HealthSources {
  clients(): number;
  messagesTotal(): number;
  invalidTotal(): number;
  outboxDepth(): number;
  cloud(): BridgeHealth['cloud'];
  /** ONVIF cameras, when the adapter runs. */
  cameras?(): NonNullable<BridgeHealth['cameras']>;
}

/**
 * The gateway's own retained topics: `bridge/info` once, `bridge/state` online/offline, and
 * `bridge/health` periodically with a rate computed from counters between two reports.
 */
export class BridgePublisher implements GatewayModule {
  readonly name = 'bridge';
  private timer?: NodeJS.Timeout;
  private last = { at: 0, messages: 0 };
  private readonly topics;

  constructor(
    private readonly publisher: Publisher,
    baseTopic: string,
    private readonly info: BridgeInfo,
    private readonly sources: HealthSources,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.topics = createTopics(baseTopic);
  }

  async start(): Promise<void> {
    this.last = { at: this.now(), messages: this.sources.messagesTotal() };
    await this.publisher.publish(this.topics.bridgeInfo, this.info, { retain: true, qos: 1 });
    await this.publisher.publish(this.topics.bridgeState, { state: 'online' }, { retain: true, qos: 1 });
    this.timer = setInterval(() => void this.publishHealth(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.publisher.publish(this.topics.bridgeState, { state: 'offline' }, { retain: true, qos: 1 });
  }

  health(): BridgeHealth {
    const now = this.now();
    const messages = this.sources.messagesTotal();
    const seconds = (now - this.last.at) / 1000;
    const rate = seconds > 0 ? (messages - this.last.messages) / seconds : 0;
    this.last = { at: now, messages };
    return {
      ts: toTimestamp(now),
      uptime_s: Math.round((now - Date.parse(this.info.started_at)) / 1000),
      clients: this.sources.clients(),
      messages_in_per_s: Math.round(rate * 10) / 10,
      messages_invalid_total: this.sources.invalidTotal(),
      outbox_depth: this.sources.outboxDepth(),
      cloud: this.sources.cloud(),
      ...(this.sources.cameras ? { cameras: this.sources.cameras() } : {}),
    };
  }

  publishHealth(): Promise<void> {
    return this.publisher.publish(this.topics.bridgeHealth, this.health(), { retain: true });
  }
}
