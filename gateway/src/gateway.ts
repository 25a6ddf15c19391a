import { createTopics, toTimestamp } from '@gridlink/protocol';
import type { Logger } from 'pino';
import { deviceSink } from './adapters/device-sink.js';
import { BridgePublisher } from './bridge.js';
import { answerBridgeRequests } from './bridge-requests.js';
import { AddressLimiter } from './broker/address-limit.js';
import { createGatewayBroker, type GatewayBroker } from './broker/broker.js';
import { type Listeners, startListeners, warnOfPlainPasswords } from './broker/listeners.js';
import { brokerMetrics } from './broker/metrics.js';
import { GatewayBus } from './bus.js';
import { CommissioningModule, DrillWatch } from './commissioning/index.js';
import type { GatewayConfig } from './config/schema.js';
import { brokerAddress } from './console/broker-address.js';
import { camerasRoutes, pushCameraChanges } from './console/cameras-routes.js';
import { ConsoleModule } from './console/console-module.js';
import { DeviceHistory, type DeviceHistoryLimits } from './console/device-history.js';
import { outboxRoutes } from './console/outbox-routes.js';
import { readOverview } from './console/overview.js';
import { rulesRoutes } from './console/rules-routes.js';
import { sendDeviceCommand } from './devices/device-command.js';
import type { Directory } from './devices/directory.js';
import { attachNormaliser } from './ingest/normalise.js';
import { listDevices } from './integrator/devices-list.js';
import { InventoryModule } from './inventory/inventory-module.js';
import { Liveness } from './liveness/liveness.js';
import { livenessMetrics } from './liveness/metrics.js';
import { StartedModules } from './modules/gateway-module.js';
import { OnvifModule } from './onvif/onvif-module.js';
import { startOpsServer } from './ops/http-server.js';
import { createMetrics } from './ops/metrics.js';
import { Publisher } from './publisher.js';
import { DeviceRegistry } from './registry/index.js';
import { RulesModule } from './rules/rules-module.js';
import { createTelemetryPipeline, type TelemetryPipeline } from './telemetry/index.js';
import { telemetryMetrics } from './telemetry/metrics.js';
import { UplinkModule } from './uplink/uplink-module.js';

export const GATEWAY_VERSION = '0.1.0';
const HEALTH_INTERVAL_MS = 30_000;

export interface GatewayOptions {
  config: GatewayConfig;
  directory: Directory;
  logger: Logger;
  now?: () => number;
  /** Adjusts the installer console (tests: login throttling, push interval). */
  console?: {
    throttle?: { burst: number; perMinute: number };
    pushIntervalMs?: number;
    /** Refused camera credentials allowed in a burst, per camera (onboarding from the cameras page). */
    cameraThrottle?: { burst: number; perMinute: number };
    /** What the devices' pages keep of their recent past (tests: small bounds). */
    history?: Partial<DeviceHistoryLimits>;
  };
  /** Adjusts the ONVIF module (tests: short timings, the Hello port). */
  onvif?: Partial<Omit<ConstructorParameters<typeof OnvifModule>[0], 'config' | 'directory' | 'sink' | 'logger'>>;
}

interface Running {
  modules: StartedModules;
  broker: GatewayBroker;
  listeners: Listeners;
  normaliser: ReturnType<typeof attachNormaliser>;
  liveness: Liveness;
  bridge: BridgePublisher;
  telemetry?: TelemetryPipeline | undefined;
  rules: RulesModule;
  uplink?: UplinkModule | undefined;
  inventory?: InventoryModule | undefined;
  onvif?: OnvifModule | undefined;
  console?: ConsoleModule | undefined;
  ops: { port: number };
}

/**
 * One community's gateway: the embedded broker and the modules on its bus. `start` starts them in
 * order (each may rely on those before it) and, if one fails, stops those already started; `stop`
 * stops them in reverse: the bridge announces `offline` first, devices are cut off before the
 * modules that consume their messages stop, and the broker closes last.
 */
export class Gateway {
  readonly bus: GatewayBus;
  private running?: Running;
  private readonly now: () => number;

  constructor(private readonly options: GatewayOptions) {
    this.now = options.now ?? Date.now;
    this.bus = new GatewayBus(options.logger.child({ module: 'bus' }));
    createTopics(options.config.gateway.base_topic); // validates the base topic before anything starts
  }

  async start(): Promise<void> {
    const { config, directory, logger } = this.options;
    const baseTopic = config.gateway.base_topic;
    const modules = new StartedModules(logger);

    const broker = await createGatewayBroker({
      directory,
      baseTopic,
      logger: logger.child({ module: 'broker' }),
      limits: config.mqtt.limits,
      clientCertificates: config.mqtt.tls.enabled ? config.mqtt.tls.client_certificates : 'off',
      allowPlainPasswords: config.mqtt.tls.allow_plain_passwords,
      // Integrators' commands are audited where the console's actions are.
      ...(directory instanceof DeviceRegistry ? { audit: (entry) => directory.audit(entry) } : {}),
      now: this.now,
    });
    const publisher = new Publisher(broker.aedes);
    let uplink: UplinkModule | undefined;
    // Device events are held here until the outbox has them on disk (no devices connect before
    // the listeners start, by which time the uplink exists).
    const normaliser = attachNormaliser(broker, this.bus, publisher, baseTopic, this.now, (message, payload) =>
      uplink?.accept(message, payload),
    );
    await modules.start({
      name: 'broker',
      start: () => {},
      stop: async () => {
        await new Promise<void>((resolve) => broker.aedes.close(() => resolve()));
        broker.overload.close();
      },
      metrics: (register) =>
        brokerMetrics(register, {
          clients: () => broker.aedes.connectedClients,
          messages: () => ({ valid: normaliser.validCount(), invalid: normaliser.invalid.total }),
          refusals: () => broker.refusals.snapshot(),
          overload: () => broker.overload.stats(),
        }),
      health: () => ({
        clients: broker.aedes.connectedClients,
        messages_total: normaliser.validCount() + normaliser.invalid.total,
        messages_invalid_total: normaliser.invalid.total,
      }),
    });
    this.trackConnections(broker);
    await answerBridgeRequests(broker.aedes, publisher, baseTopic, { 'devices/list': () => listDevices(directory) });

    // Telemetry consumes the bus; InfluxDB being slow or down never reaches the broker (push is O(1)).
    // Started first and stopped last, so it flushes whatever the other modules produced.
    const telemetry = createTelemetryPipeline(config, logger);
    if (telemetry) {
      let detach = () => {};
      await modules.start({
        name: 'telemetry',
        start: () => {
          detach = telemetry.attach(this.bus);
          telemetry.start();
        },
        stop: async () => {
          detach();
          await telemetry.stop();
        },
        metrics: (register) => telemetryMetrics(register, () => telemetry.stats()),
      });
    }

    const rules = new RulesModule({
      config,
      bus: this.bus,
      publisher,
      aedes: broker.aedes,
      directory,
      logger: logger.child({ module: 'rules' }),
      now: this.now,
    });
    // The commissioning drill marks its device's events on their way out, so the uplink knows it first.
    const drills = new DrillWatch(this.now);
    if (config.uplink.enabled) {
      // Started before the rules and stopped after them: every alert the rules raise or clear,
      // at start and at stop, reaches the outbox.
      uplink = await modules.start(
        new UplinkModule({
          drills,
          config,
          bus: this.bus,
          publisher,
          aedes: broker.aedes,
          directory,
          rules,
          logger: logger.child({ module: 'uplink' }),
          now: this.now,
        }),
      );
    }
    await modules.start(rules);

    // Cameras speak through the devices' ingest path, so the outbox and rules exist first.
    let onvif: OnvifModule | undefined;
    if (config.onvif.enabled) {
      const onvifLogger = logger.child({ module: 'onvif' });
      onvif = await modules.start(
        new OnvifModule({
          ...this.options.onvif,
          config,
          directory,
          sink: deviceSink(normaliser.ingest, publisher, baseTopic, onvifLogger),
          logger: onvifLogger,
          // A camera refusing the password or losing its subscription shows in bridge/health at once.
          onHealthChange: () => void this.running?.bridge.publishHealth(),
        }),
      );
      // Fresh snapshots the cloud asks for come from these cameras.
      uplink?.setCameras(onvif);
    }

    const liveness = new Liveness(
      this.bus,
      publisher,
      baseTopic,
      {
        offlineAfterMissed: config.liveness.offline_after_missed,
        onlineAfterMessages: config.liveness.online_after_messages,
        disconnectGraceMs: config.liveness.disconnect_grace_ms,
        checkIntervalMs: config.liveness.check_interval_ms,
      },
      logger.child({ module: 'liveness' }),
      this.now,
    );
    // Watching before the listeners open, so no device's first message goes unseen.
    await modules.start({
      name: 'liveness',
      start: () => liveness.start(directory.activeDevices()),
      stop: () => liveness.stop(),
      metrics: (register) => livenessMetrics(register, liveness.tracker),
    });
    // After liveness, before the listeners: it hears every device's first message and availability.
    let inventory: InventoryModule | undefined;
    if (uplink && config.inventory.enabled) {
      inventory = await modules.start(
        new InventoryModule({
          config,
          bus: this.bus,
          directory,
          uplink,
          health: () => modules.health(),
          version: GATEWAY_VERSION,
          logger: logger.child({ module: 'inventory' }),
          now: this.now,
        }),
      );
    }

    const limit = config.mqtt.limits.connections_per_address;
    const limiter = new AddressLimiter(limit, (address) => {
      if (broker.refusals.record('connect', 'too_many_connections', address) !== null) {
        logger.warn({ address, limit }, 'refused connect: too many connections from one address');
      }
    });
    let listeners: Listeners | undefined;
    await modules.start({
      name: 'listeners',
      start: async () => {
        listeners = await startListeners(config.mqtt, broker.handle, limiter);
      },
      stop: () => listeners?.close(),
    });
    if (!listeners) throw new Error('the listeners module started without listeners');
    warnOfPlainPasswords(config.mqtt, listeners.ports, logger);

    const bridge = new BridgePublisher(
      publisher,
      baseTopic,
      {
        version: GATEWAY_VERSION,
        gateway_id: config.gateway.id,
        started_at: toTimestamp(this.now()),
        base_topic: baseTopic,
      },
      () => modules.health(),
      HEALTH_INTERVAL_MS,
      this.now,
    );

    // The installer console needs the registry (a DeviceRegistry, not a test's in-memory directory).
    let consoleModule: ConsoleModule | undefined;
    if (config.http.console.enabled && directory instanceof DeviceRegistry) {
      const startedAt = toTimestamp(this.now());
      const history = new DeviceHistory(this.bus, baseTopic, this.options.console?.history);
      const sink = deviceSink(normaliser.ingest, publisher, baseTopic, logger.child({ module: 'commissioning' }));
      const commissioning = await modules.start(
        new CommissioningModule({
          gatewayId: config.gateway.id,
          community: config.gateway.community,
          registry: directory,
          bus: this.bus,
          drills,
          uplink: () => uplink,
          cameras: () => onvif?.cameraHealth() ?? [],
          send: async (id, event, payload) => {
            const device = directory.device(id);
            return device !== undefined && (await sink.event(device, event, payload));
          },
          now: this.now,
        }),
      );
      consoleModule = await modules.start(
        new ConsoleModule({
          ...this.options.console,
          registry: directory,
          bus: this.bus,
          logger: logger.child({ module: 'console' }),
          features: [
            ...camerasRoutes({
              onvif,
              registry: directory,
              community: config.gateway.community,
              now: this.now,
              ...(this.options.console?.cameraThrottle ? { throttle: this.options.console.cameraThrottle } : {}),
            }),
            ...rulesRoutes({ rules, history, timeZone: config.rules.time_zone, now: this.now }),
            ...outboxRoutes({ uplink: () => uplink, now: this.now }),
            ...commissioning.routes(),
          ],
          sessionHours: config.http.console.session_hours,
          secure: Boolean(config.http.cert_file),
          now: this.now,
          messagesTotal: () => normaliser.validCount() + normaliser.invalid.total,
          availability: (id) => liveness.tracker.stateOf(id),
          history,
          community: config.gateway.community,
          broker: () => brokerAddress(config, listeners?.ports ?? {}),
          sendCommand: (device, command) => sendDeviceCommand(publisher, baseTopic, device, command),
          overview: (rate) =>
            readOverview({
              version: GATEWAY_VERSION,
              gatewayId: config.gateway.id,
              startedAt,
              dataDir: config.gateway.data_dir,
              modules: () => modules.names,
              health: () => modules.health(),
              rate: () => rate,
              availability: () => liveness.tracker.counts(),
              alerts: () => rules.active(),
              uplink: () => uplink?.stats(),
              telemetry: () => telemetry?.stats(),
              now: this.now,
            }),
        }),
      );
    }

    if (consoleModule && onvif) {
      const { stream } = consoleModule;
      const cameras = onvif;
      let stopPush = () => {};
      await modules.start({
        name: 'console-cameras',
        start: () => {
          stopPush = pushCameraChanges(
            cameras,
            (event, data) => stream.send(event, data),
            this.options.console?.pushIntervalMs,
          );
        },
        stop: () => stopPush(),
      });
    }

    const metrics = createMetrics(modules.all(), this.bus);
    let ops: { port: number; close(): Promise<void> } | undefined;
    await modules.start({
      name: 'ops',
      start: async () => {
        ops = await startOpsServer({
          host: config.http.host,
          port: config.http.port,
          metrics,
          metricsToken: config.http.metrics_token,
          notReady: () => (this.running ? null : 'the gateway is starting'),
          tls:
            config.http.cert_file && config.http.key_file
              ? { certFile: config.http.cert_file, keyFile: config.http.key_file }
              : undefined,
          routes: consoleModule?.handlers() ?? [],
        });
      },
      stop: () => ops?.close(),
    });
    if (!ops) throw new Error('the ops module started without a server');
    // Last to start, first to stop: `bridge/state` says online only once everything runs.
    await modules.start(bridge);

    this.running = {
      modules,
      broker,
      listeners,
      normaliser,
      liveness,
      bridge,
      telemetry,
      rules,
      uplink,
      inventory,
      onvif,
      console: consoleModule,
      ops,
    };
    logger.info({ ports: listeners.ports, http: ops.port }, 'gateway started');
  }

  /** Bound ports (useful when configured with port 0). */
  get ports(): Listeners['ports'] & { http: number } {
    const running = this.require();
    return { ...running.listeners.ports, http: running.ops.port };
  }

  /** The store-and-forward link to the cloud, when `uplink.enabled`. */
  get uplink(): UplinkModule | undefined {
    return this.require().uplink;
  }

  /** The device inventory and health reports, when `uplink.enabled` and `inventory.enabled`. */
  get inventory(): InventoryModule | undefined {
    return this.require().inventory;
  }

  /** The ONVIF cameras, when `onvif.enabled`. */
  get onvif(): OnvifModule | undefined {
    return this.require().onvif;
  }

  /** The installer console, when the gateway runs on a registry with `http.console.enabled`. */
  get console(): ConsoleModule | undefined {
    return this.require().console;
  }

  /** The local rules (reload, active alerts). */
  get rules(): RulesModule {
    return this.require().rules;
  }

  stats() {
    const running = this.require();
    return {
      clients: running.broker.aedes.connectedClients,
      valid: running.normaliser.validCount(),
      invalid: running.normaliser.invalid.total,
      refused: running.broker.refusals.snapshot(),
      inbound: running.broker.overload.stats().inbound,
      availability: running.liveness.tracker.counts(),
      telemetry: running.telemetry?.stats(),
      uplink: running.uplink?.stats(),
    };
  }

  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    await running.modules.stop();
    this.options.logger.info('gateway stopped');
  }

  private require(): Running {
    if (!this.running) throw new Error('the gateway is not running');
    return this.running;
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
}
