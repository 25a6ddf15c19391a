import { type BridgeHealth, type BridgeInfo, createTopics, toTimestamp } from '@gridlink/protocol';
import type { GatewayModule, ModuleHealth } from './modules/gateway-module.js';
import type { Publisher } from './publisher.js';

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
    /** What the modules report (see GatewayModule.health). */
    private readonly modules: () => ModuleHealth,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.topics = createTopics(baseTopic);
  }

  async start(): Promise<void> {
    this.last = { at: this.now(), messages: this.modules().messages_total ?? 0 };
    await this.publisher.publish(this.topics.bridgeInfo, this.info, { retain: true, qos: 1 });
    await this.publisher.publish(this.topics.bridgeState, { state: 'online' }, { retain: true, qos: 1 });
    this.timer = setInterval(() => void this.publishHealth(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.publisher.publish(this.topics.bridgeState, { state: 'offline' }, { retain: true, qos: 1 });
  }

  report(): BridgeHealth {
    const { messages_total: messages = 0, ...reported } = this.modules();
    const now = this.now();
    const seconds = (now - this.last.at) / 1000;
    const rate = seconds > 0 ? (messages - this.last.messages) / seconds : 0;
    this.last = { at: now, messages };
    return {
      ts: toTimestamp(now),
      uptime_s: Math.round((now - Date.parse(this.info.started_at)) / 1000),
      clients: 0,
      messages_in_per_s: Math.round(rate * 10) / 10,
      messages_invalid_total: 0,
      outbox_depth: 0,
      cloud: 'disabled',
      ...reported,
    };
  }

  publishHealth(): Promise<void> {
    return this.publisher.publish(this.topics.bridgeHealth, this.report(), { retain: true });
  }
}
