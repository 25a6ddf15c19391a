import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { GatewayBus } from '../bus.js';
import type { CommandOutcome } from '../devices/device-command.js';
import type { DeviceRecord } from '../devices/directory.js';
import type { GatewayModule } from '../modules/gateway-module.js';
import type { DeviceRegistry } from '../registry/index.js';
import { type BrokerAddress, deviceAdminRoutes } from './device-admin-routes.js';
import type { DeviceHistory } from './device-history.js';
import { type ConsoleDevice, consoleDevice, devicesRoutes } from './devices-routes.js';
import { EventStream } from './event-stream.js';
import type { ConsoleRoute } from './http-kit.js';
import { LiveStatus } from './live-status.js';
import { LoginThrottle } from './login-throttle.js';
import { consoleMetrics } from './metrics.js';
import { type ConsoleOverview, MessageRate } from './overview.js';
import { consoleRoutes } from './routes.js';
import { ConsoleSessions } from './sessions.js';
import { serveConsolePage } from './web-bundle.js';

const MAX_DEVICES_PER_PUSH = 300;

export interface ConsoleModuleOptions {
  registry: DeviceRegistry;
  bus: GatewayBus;
  logger: Logger;
  sessionHours: number;
  secure: boolean;
  overview: (rate: number) => Promise<ConsoleOverview>;
  messagesTotal: () => number;
  availability: (deviceId: string) => 'online' | 'offline' | 'unknown';
  /** Each device's recent messages, dead letters and availability, attached while the console runs. */
  history: DeviceHistory;
  now?: () => number;
  /** How often the overview and changed devices go out to open consoles. */
  pushIntervalMs?: number;
  throttle?: { burst: number; perMinute: number };
  /**
   * The routes of the console's other features (cameras, rules, outbox, commissioning…), each
   * built by the gateway from the module it shows; they sit behind the same session and role checks.
   */
  features?: ConsoleRoute[];
  /** The gateway's community: devices placed without one are in it. */
  community: string;
  /** Where devices reach the broker, for the credential labels. */
  broker: () => BrokerAddress;
  /** A command to a device on the gateway's normal path (profile-checked, then on its `/set` topic). */
  sendCommand: (device: DeviceRecord | undefined, command: unknown) => Promise<CommandOutcome>;
}

/**
 * The installer's console (Zigbee2MQTT's frontend is the model): pages and an API on the gateway's
 * HTTP port, usable from a laptop in the guard room with no internet and no cloud. Started before
 * the operations server, which serves its routes; live changes reach open pages as server-sent
 * events, batched every `pushIntervalMs`.
 */
export class ConsoleModule implements GatewayModule {
  readonly name = 'console';
  readonly sessions: ConsoleSessions;
  readonly stream = new EventStream();
  readonly routes;
  private readonly live: LiveStatus;
  private readonly history: DeviceHistory;
  private readonly rate: MessageRate;
  private readonly changed = new Set<string>();
  private timer?: NodeJS.Timeout | undefined;
  private detach = () => {};

  constructor(private readonly options: ConsoleModuleOptions) {
    const now = options.now ?? Date.now;
    const ttlMs = options.sessionHours * 3_600_000;
    this.sessions = new ConsoleSessions(ttlMs, now);
    this.live = new LiveStatus(options.bus);
    this.history = options.history;
    const device = (record: Parameters<typeof consoleDevice>[0]) =>
      consoleDevice(record, this.live.of(record.id), options.availability(record.id));
    this.rate = new MessageRate(options.messagesTotal, now);
    this.routes = consoleRoutes({
      registry: options.registry,
      sessions: this.sessions,
      throttle: new LoginThrottle(options.throttle, now),
      stream: this.stream,
      overview: () => options.overview(this.rate.perSecond),
      features: [
        ...devicesRoutes({
          registry: options.registry,
          availability: options.availability,
          live: (id) => this.live.of(id),
        }),
        ...deviceAdminRoutes({
          registry: options.registry,
          community: options.community,
          broker: options.broker,
          device,
          activity: (id) => this.history.activity(id),
          sendCommand: options.sendCommand,
        }),
        ...(options.features ?? []),
      ],
      sessionTtlMs: ttlMs,
      secure: options.secure,
      logger: options.logger,
    });
  }

  /** The console's HTTP handlers, for the operations server: the API first, then the pages. */
  handlers() {
    return [this.routes, serveConsolePage];
  }

  metrics(register: Registry): void {
    consoleMetrics(register, () => ({
      sessions: this.sessions.size,
      streams: this.stream.size,
      streamsCut: this.stream.cut,
      historyBytes: this.history.stats().bytes,
    }));
  }

  start(): void {
    const detachLive = this.live.attach();
    const detachHistory = this.history.attach();
    const { bus } = this.options;
    const onMessage = ({ device }: { device: { id: string } }) => this.changed.add(device.id);
    const onAvailability = ({ device }: { device: { id: string } }) => this.changed.add(device.id);
    bus.on('message', onMessage).on('availability', onAvailability);
    this.detach = () => {
      detachLive();
      detachHistory();
      bus.off('message', onMessage).off('availability', onAvailability);
    };
    this.timer = setInterval(() => void this.push(), this.options.pushIntervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    this.detach();
    clearInterval(this.timer);
    this.stream.close();
  }

  private async push(): Promise<void> {
    this.rate.sample();
    if (this.stream.size === 0) {
      this.changed.clear();
      return;
    }
    // At most a batch per push: a flood of messages delays rows by a push or two instead of
    // sending one frame big enough to cut every reader.
    const ids = [...this.changed].slice(0, MAX_DEVICES_PER_PUSH);
    for (const id of ids) this.changed.delete(id);
    try {
      this.stream.send('overview', await this.options.overview(this.rate.perSecond));
      if (ids.length > 0) {
        const devices: ConsoleDevice[] = ids.flatMap((id) => {
          const record = this.options.registry.get(id);
          if (!record) return [];
          return [consoleDevice(record, this.live.of(id), this.options.availability(id))];
        });
        this.stream.send('devices', devices);
      }
    } catch (err) {
      this.options.logger.error({ err }, 'the console could not push an update');
    }
  }
}
