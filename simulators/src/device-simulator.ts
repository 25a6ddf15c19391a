import {
  createTopics,
  type DeviceKind,
  MALFORMED_EXAMPLES,
  profileOf,
  toTimestamp,
  validateDeviceMessage,
} from '@gridlink/protocol';
import mqtt, { type MqttClient } from 'mqtt';
import type { Clock } from './clock.js';
import { applyCommand } from './command-effects.js';
import { PayloadFactory } from './payloads.js';
import { pick, type Random } from './random.js';
import { StateModel } from './state-model.js';
import { householdUse } from './water-use.js';

export interface DeviceSimulatorOptions {
  deviceId: string;
  kind: DeviceKind;
  password: string;
  brokerUrl: string;
  baseTopic?: string;
  random: Random;
  /**
   * How often the device reports its state, in ms: by default the profile's heartbeat. 0 = only
   * when told (`report()`): scripted scenarios drive every report themselves.
   */
  stateIntervalMs?: number;
  /** Chance per state report that the device also emits one of its events at random. */
  eventChance?: number;
  /** Chance per report that the device sends a malformed payload (a fault on demand). */
  malformedChance?: number;
  /** The device's true initial condition (fields of its state); the rest from the profile's example. */
  initialState?: Record<string, unknown>;
  /** Battery percentage lost per day of (simulated) time. */
  batteryDrainPerDay?: number;
  /** Water meters: the household's use per day, in litres (0: nobody uses water). */
  litresPerDay?: number;
  now?: Clock;
}

export interface SimulatorActivity {
  deviceId: string;
  kind: 'state' | 'event' | 'malformed' | 'command' | 'offline' | 'online';
  topic: string;
}

export interface ReceivedCommand {
  at: number;
  command: Record<string, unknown>;
}

const OFFLINE = '{"state":"offline"}';
const ONLINE = '{"state":"online"}';

/**
 * One simulated device speaking MQTT with its own credentials: retained availability with an LWT,
 * state at its heartbeat with sensor noise and a draining battery, its events, the commands its
 * profile accepts, and faults on demand (connection dropped so the LWT fires, flapping, malformed
 * payloads, a skewed clock in `ts`).
 */
export class DeviceSimulator {
  readonly id: string;
  readonly kind: DeviceKind;
  /** Commands received on `<base>/<id>/set`, in order. */
  readonly commands: ReceivedCommand[] = [];
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  private readonly model: StateModel;
  private readonly payloads: PayloadFactory;
  private readonly topics;
  private readonly now: Clock;
  private clockSkewMs = 0;
  private lastReading: number | undefined;
  private litresPerDay: number;

  constructor(
    private readonly options: DeviceSimulatorOptions,
    private readonly onActivity: (activity: SimulatorActivity) => void = () => {},
  ) {
    this.id = options.deviceId;
    this.kind = options.kind;
    this.model = new StateModel(options.kind, options.random, options.initialState, options.batteryDrainPerDay);
    this.payloads = new PayloadFactory(options.kind, options.random);
    this.topics = createTopics(options.baseTopic);
    this.now = options.now ?? Date.now;
    this.litresPerDay = options.litresPerDay ?? 300;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** The device's true condition (not a noisy reading). */
  truth(field: string): unknown {
    return this.model.get(field);
  }

  async start(): Promise<void> {
    await this.connect();
    await this.report();
    const interval = this.options.stateIntervalMs ?? profileOf(this.kind).heartbeat_s * 1000;
    if (interval > 0) this.timer = setInterval(() => void this.tick().catch(() => {}), interval);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (client.connected) await client.publishAsync(this.topics.deviceAvailability(this.id), OFFLINE, retained);
    await client.endAsync();
  }

  /** Publishes the current state (noisy readings); water meters also send their periodic reading. */
  async report(): Promise<void> {
    const client = this.requireClient();
    const at = this.now();
    const topic = this.topics.deviceState(this.id);
    await client.publishAsync(topic, JSON.stringify(this.model.read(at)), retained);
    this.onActivity({ deviceId: this.id, kind: 'state', topic });
    if (this.kind === 'water_meter') await this.meterReading(at);
  }

  /** Changes the device's true condition and reports it at once (unless `report: false`). */
  async set(patch: Record<string, unknown>, options: { report?: boolean } = {}): Promise<void> {
    this.model.set(patch);
    if (options.report !== false) await this.report();
  }

  /** Water meters: how much the household uses from now on (0 = no use at all). */
  setWaterUse(litresPerDay: number): void {
    this.litresPerDay = litresPerDay;
  }

  /**
   * Emits one of the profile's events; `ts` is when it happened (`at`, default now) by the device's
   * clock (skew included).
   */
  async emit(eventType: string, fields: Record<string, unknown> = {}, at = this.now()): Promise<void> {
    const client = this.requireClient();
    const topic = this.topics.deviceEvent(this.id, eventType);
    const payload = JSON.stringify({ ts: toTimestamp(at + this.clockSkewMs), ...fields });
    // A scenario that sends what the device could never send is a broken scenario: say so here.
    const check = validateDeviceMessage({ topic, payload, kind: this.kind, base: this.topics.base });
    if (!check.ok) throw new Error(`${this.id}: ${check.error.message}`);
    await client.publishAsync(topic, payload, { qos: 1 });
    this.onActivity({ deviceId: this.id, kind: 'event', topic });
  }

  // Faults on demand.

  /** The device's clock runs `ms` ahead (negative: behind): every `ts` it sends is off by that much. */
  setClockSkew(ms: number): void {
    this.clockSkewMs = ms;
  }

  /** Sends the kind's malformed example (wrong type or out of range) on this device's own topic. */
  async sendMalformed(): Promise<void> {
    const client = this.requireClient();
    const example = MALFORMED_EXAMPLES[this.kind];
    const suffix = example.topic.slice(`gridlink/${example.deviceId}`.length);
    const topic = `${this.topics.base}/${this.id}${suffix}`;
    const payload = typeof example.payload === 'string' ? example.payload : JSON.stringify(example.payload);
    await client.publishAsync(topic, payload, { qos: 1 });
    this.onActivity({ deviceId: this.id, kind: 'malformed', topic });
  }

  /**
   * The device dies without saying goodbye (power cut, radio lost): the TCP connection drops with
   * no DISCONNECT, so the broker publishes its will (`offline`). It stays away until `reconnect()`.
   */
  async dropConnection(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    const client = this.requireClient();
    this.client = undefined;
    await client.endAsync(true);
    this.onActivity({ deviceId: this.id, kind: 'offline', topic: this.topics.deviceAvailability(this.id) });
  }

  /** Back after `dropConnection()`: connects, announces itself and reports its state. */
  async reconnect(): Promise<void> {
    if (this.client) return;
    await this.connect();
    await this.report();
    this.onActivity({ deviceId: this.id, kind: 'online', topic: this.topics.deviceAvailability(this.id) });
  }

  /** A flapping link: drops and comes back `times` times, waiting between with `wait` (the scenario's time). */
  async flap(times: number, wait: () => Promise<void>): Promise<void> {
    for (let i = 0; i < times; i++) {
      await this.dropConnection();
      await wait();
      await this.reconnect();
      await wait();
    }
  }

  private async connect(): Promise<void> {
    const availability = this.topics.deviceAvailability(this.id);
    const client = await mqtt.connectAsync(this.options.brokerUrl, {
      clientId: this.id,
      username: this.id,
      password: this.options.password,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      will: { topic: availability, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    });
    client.on('message', (topic, payload) => void this.handleCommand(topic, payload).catch(() => {}));
    // A link error (the broker dropped us) must not crash the process hosting many devices: the
    // client reconnects on its own, as a real device would.
    client.on('error', () => {});
    await client.subscribeAsync(this.topics.deviceSet(this.id), { qos: 1 });
    await client.publishAsync(availability, ONLINE, retained);
    this.client = client;
  }

  private async tick(): Promise<void> {
    if (!this.client?.connected) return;
    const { random, eventChance = 0, malformedChance = 0 } = this.options;
    if (random() < malformedChance) return this.sendMalformed();
    await this.report();
    const randomEvents = this.payloads.eventTypes.filter((type) => type !== 'reading');
    if (randomEvents.length > 0 && random() < eventChance) {
      const type = pick(random, randomEvents);
      const { ts: _ts, ...fields } = this.payloads.event(type, this.now());
      await this.emit(type, fields);
    }
  }

  private async meterReading(at: number): Promise<void> {
    const from = this.lastReading ?? at - profileOf(this.kind).heartbeat_s * 1000;
    this.lastReading = at;
    if (at <= from) return;
    const used = householdUse(this.options.random, from, at, this.litresPerDay);
    const total = Math.round(((this.model.get('total_volume') as number) + used) * 10) / 10;
    this.model.set({ total_volume: total });
    await this.emit('reading', {
      total_volume: total,
      interval_volume: used,
      interval_s: Math.max(1, Math.round((at - from) / 1000)),
    });
  }

  private async handleCommand(topic: string, payload: Buffer): Promise<void> {
    this.onActivity({ deviceId: this.id, kind: 'command', topic });
    let command: Record<string, unknown>;
    try {
      command = JSON.parse(payload.toString()) as Record<string, unknown>;
    } catch {
      return; // A device ignores commands it cannot parse; the gateway validates commands before sending.
    }
    this.commands.push({ at: this.now(), command });
    const before = this.model.read(this.now());
    const after = applyCommand(this.kind, command, before);
    const changed = Object.fromEntries(Object.entries(after).filter(([field, value]) => before[field] !== value));
    // A real device confirms a command by reporting the state it is now in.
    if (Object.keys(changed).length > 0 && this.client?.connected) await this.set(changed);
  }

  private requireClient(): MqttClient {
    if (!this.client) throw new Error(`${this.id} is not connected: start() it (or reconnect() after a drop)`);
    return this.client;
  }
}

const retained = { qos: 1, retain: true } as const;
