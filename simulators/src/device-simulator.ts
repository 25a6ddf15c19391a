import { createTopics, type DeviceKind } from '@gridlink/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import { applyCommand } from './command-effects.js';
import { PayloadFactory } from './payloads.js';
import { pick, type Random } from './random.js';

export interface DeviceSimulatorOptions {
  deviceId: string;
  kind: DeviceKind;
  password: string;
  brokerUrl: string;
  baseTopic?: string;
  random: Random;
  /** How often the device reports its state, in ms. */
  stateIntervalMs: number;
  /** Chance per state report that the device also emits one of its events. */
  eventChance: number;
  /** Chance per report that the device sends a malformed payload (a fault on demand). */
  malformedChance?: number;
  now?: () => number;
}

export interface SimulatorActivity {
  deviceId: string;
  kind: 'state' | 'event' | 'malformed' | 'command';
  topic: string;
}

/**
 * One simulated device speaking MQTT with its own credentials: retained availability with an LWT,
 * periodic state, occasional events, and the commands its profile accepts.
 */
export class DeviceSimulator {
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  private state?: Record<string, unknown>;
  private readonly payloads: PayloadFactory;
  private readonly topics;
  private readonly now: () => number;

  constructor(
    private readonly options: DeviceSimulatorOptions,
    private readonly onActivity: (activity: SimulatorActivity) => void = () => {},
  ) {
    this.payloads = new PayloadFactory(options.kind, options.random);
    this.topics = createTopics(options.baseTopic);
    this.now = options.now ?? Date.now;
  }

  async start(): Promise<void> {
    const { deviceId, password, brokerUrl } = this.options;
    const availability = this.topics.deviceAvailability(deviceId);
    this.client = await mqtt.connectAsync(brokerUrl, {
      clientId: deviceId,
      username: deviceId,
      password,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      will: { topic: availability, payload: Buffer.from('{"state":"offline"}'), qos: 1, retain: true },
    });
    this.client.on('message', (topic, payload) => this.handleCommand(topic, payload));
    await this.client.subscribeAsync(this.topics.deviceSet(deviceId), { qos: 1 });
    await this.client.publishAsync(availability, '{"state":"online"}', { qos: 1, retain: true });
    await this.report();
    this.timer = setInterval(() => void this.report().catch(() => {}), this.options.stateIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      await client.publishAsync(this.topics.deviceAvailability(this.options.deviceId), '{"state":"offline"}', {
        qos: 1,
        retain: true,
      });
    }
    await client.endAsync();
  }

  private async report(): Promise<void> {
    const client = this.client;
    if (!client?.connected) return;
    const { deviceId, random, eventChance, malformedChance = 0 } = this.options;
    if (random() < malformedChance) {
      const topic = this.topics.deviceState(deviceId);
      await client.publishAsync(topic, '{"battery":"low"', { qos: 1 });
      this.onActivity({ deviceId, kind: 'malformed', topic });
      return;
    }
    this.state = this.payloads.state(this.state);
    const stateTopic = this.topics.deviceState(deviceId);
    await client.publishAsync(stateTopic, JSON.stringify(this.state), { qos: 1, retain: true });
    this.onActivity({ deviceId, kind: 'state', topic: stateTopic });
    if (this.payloads.eventTypes.length > 0 && random() < eventChance) {
      const type = pick(random, this.payloads.eventTypes);
      const topic = this.topics.deviceEvent(deviceId, type);
      await client.publishAsync(topic, JSON.stringify(this.payloads.event(type, this.now())), { qos: 1 });
      this.onActivity({ deviceId, kind: 'event', topic });
    }
  }

  private handleCommand(topic: string, payload: Buffer): void {
    this.onActivity({ deviceId: this.options.deviceId, kind: 'command', topic });
    try {
      const command = JSON.parse(payload.toString()) as Record<string, unknown>;
      if (this.state) this.state = applyCommand(this.options.kind, command, this.state);
    } catch {
      // A device ignores commands it cannot parse; the gateway validates commands before sending.
    }
  }
}
