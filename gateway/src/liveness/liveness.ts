import { type Availability as AvailabilityPayload, createTopics } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { DeviceRecord } from '../devices/directory.js';
import type { Publisher } from '../publisher.js';
import { type AvailabilityChange, type LivenessOptions, LivenessTracker } from './tracker.js';

/**
 * Feeds the tracker from the bus, checks deadlines periodically, and publishes each change as the
 * device's retained availability and as a bus event (the input of maintenance alerts and uplink).
 */
export class Liveness {
  readonly tracker: LivenessTracker;
  private timer?: NodeJS.Timeout;
  private readonly topics;
  private readonly checkIntervalMs: number;

  constructor(
    private readonly bus: GatewayBus,
    private readonly publisher: Publisher,
    baseTopic: string,
    options: LivenessOptions & { checkIntervalMs: number },
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.tracker = new LivenessTracker(options);
    this.topics = createTopics(baseTopic);
    this.checkIntervalMs = options.checkIntervalMs;
  }

  /** `expected`: devices that should be heard from; each goes offline if it stays silent too long. */
  start(expected: Iterable<DeviceRecord> = []): void {
    const now = this.now();
    for (const device of expected) this.tracker.expect(device, now);
    this.bus.on('message', this.onMessage);
    this.bus.on('disconnected', this.onDisconnected);
    this.timer = setInterval(() => this.check(), this.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.bus.off('message', this.onMessage);
    this.bus.off('disconnected', this.onDisconnected);
  }

  private readonly onMessage = ({ device, message, receivedAt }: NormalisedMessage): void => {
    if (message.type === 'availability' && message.state === 'offline') this.tracker.gone(device, 'lwt', receivedAt);
    else this.apply(this.tracker.heard(device, receivedAt));
  };

  private readonly onDisconnected = (device: DeviceRecord): void => {
    this.tracker.gone(device, 'disconnected', this.now());
  };

  check(): void {
    for (const change of this.tracker.check(this.now())) this.apply(change);
  }

  private apply(change: AvailabilityChange | undefined): void {
    if (!change) return;
    this.logger.info(
      { device: change.device.id, state: change.state, reason: change.reason },
      'device availability changed',
    );
    const payload: AvailabilityPayload = { state: change.state };
    this.publisher.publish(this.topics.deviceAvailability(change.device.id), payload, { retain: true });
    this.bus.emit('availability', change);
  }
}
