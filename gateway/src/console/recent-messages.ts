import { createTopics, toTimestamp } from '@gridlink/protocol';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { GatewayModule } from '../modules/gateway-module.js';
import type { RecordedMessage } from '../rules/replay.js';

/** Messages kept per device, and devices kept at most (the least recently heard go first). */
const PER_DEVICE = 50;
const MAX_DEVICES = 2000;

/**
 * Each device's latest messages as `rules test` records them (topic, payload, the device's kind,
 * place and tags), in memory only: the console's dry run replays them through a rule file being
 * edited. Bounded, so a busy community costs a fixed amount of memory.
 */
export class RecentMessages implements GatewayModule {
  readonly name = 'recent-messages';
  private readonly devices = new Map<string, RecordedMessage[]>();
  private readonly topics;
  private readonly onMessage = (message: NormalisedMessage) => this.record(message);

  constructor(
    private readonly bus: GatewayBus,
    readonly baseTopic: string,
  ) {
    this.topics = createTopics(baseTopic);
  }

  start(): void {
    this.bus.on('message', this.onMessage);
  }

  stop(): void {
    this.bus.off('message', this.onMessage);
    this.devices.clear();
  }

  /** The device's recorded messages, oldest first. */
  of(deviceId: string): RecordedMessage[] {
    return [...(this.devices.get(deviceId) ?? [])];
  }

  /** The devices with recorded messages and how many each, most recently heard first. */
  summary(): Array<{ id: string; count: number; last: string }> {
    return [...this.devices.entries()]
      .reverse()
      .map(([id, messages]) => ({ id, count: messages.length, last: messages.at(-1)?.at ?? '' }));
  }

  private record({ device, message, receivedAt }: NormalisedMessage): void {
    const id = device.id;
    let topic: string;
    let payload: Record<string, unknown>;
    if (message.type === 'state') {
      topic = this.topics.deviceState(id);
      payload = message.state;
    } else if (message.type === 'event') {
      topic = this.topics.deviceEvent(id, message.eventType);
      payload = message.payload;
    } else if (message.type === 'availability') {
      topic = this.topics.deviceAvailability(id);
      payload = { state: message.state };
    } else return;
    const recorded: RecordedMessage = {
      at: toTimestamp(receivedAt),
      device: {
        id,
        kind: device.kind,
        ...(device.place ? { place: device.place } : {}),
        ...(device.tags?.length ? { tags: device.tags } : {}),
      },
      topic,
      payload,
    };
    const list = this.devices.get(id) ?? [];
    // Re-inserted: the map's order is the order devices were last heard in.
    this.devices.delete(id);
    list.push(recorded);
    if (list.length > PER_DEVICE) list.shift();
    this.devices.set(id, list);
    if (this.devices.size > MAX_DEVICES) {
      const oldest = this.devices.keys().next().value;
      if (oldest !== undefined) this.devices.delete(oldest);
    }
  }
}
