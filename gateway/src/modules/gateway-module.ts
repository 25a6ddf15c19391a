import type { BridgeHealth } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

/**
 * One part of the gateway with a lifecycle (Zigbee2MQTT's extensions are the model): the broker,
 * each feature module, the listeners, the operations server and the bridge. The gateway starts them
 * in order and stops them in reverse, so a module can rely on everything started before it.
 */
export interface GatewayModule {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Registers the module's own Prometheus metrics (read at scrape time). */
  metrics?(register: Registry): void;
  /** The module's part of `bridge/health`. */
  health?(): ModuleHealth;
}

/** What modules tell `bridge/health`; the bridge adds the time, uptime and message rate. */
export type ModuleHealth = Partial<Omit<BridgeHealth, 'ts' | 'uptime_s' | 'messages_in_per_s'>> & {
  /** Device messages taken so far, valid or not (the bridge turns it into a rate). */
  messages_total?: number;
};

/** A module refused to start; the ones started before it have been stopped. */
export class ModuleStartError extends Error {
  constructor(
    readonly module: string,
    cause: unknown,
  ) {
    super(`the gateway's ${module} module failed to start: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ModuleStartError';
  }
}

/**
 * The modules started so far, in order. `start` adds one; if it throws, every module already
 * started is stopped (last first) before the error goes up, so a failed start leaves no port bound,
 * no timer running and no database open behind it.
 */
export class StartedModules {
  private readonly started: GatewayModule[] = [];

  constructor(private readonly logger: Logger) {}

  async start<M extends GatewayModule>(module: M): Promise<M> {
    try {
      await module.start();
    } catch (error) {
      this.logger.error(
        { err: error, module: module.name },
        'a module failed to start: stopping those already started',
      );
      await this.stop();
      throw new ModuleStartError(module.name, error);
    }
    this.started.push(module);
    return module;
  }

  /** Stops every started module in reverse order; one failing to stop does not keep the rest running. */
  async stop(): Promise<void> {
    for (let module = this.started.pop(); module; module = this.started.pop()) {
      try {
        await module.stop();
      } catch (error) {
        this.logger.error({ err: error, module: module.name }, 'a module failed to stop cleanly');
      }
    }
  }

  get names(): string[] {
    return this.started.map((module) => module.name);
  }

  /** The modules started so far, in order. */
  all(): readonly GatewayModule[] {
    return [...this.started];
  }

  /** `bridge/health` as the started modules report it. */
  health(): ModuleHealth {
    return Object.assign({}, ...this.started.map((module) => module.health?.() ?? {}));
  }
}
