import { toTimestamp } from '@gridlink/protocol';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { ConsoleRoute } from '../console/http-kit.js';
import type { AvailabilityChange } from '../liveness/tracker.js';
import type { GatewayModule } from '../modules/gateway-module.js';
import type { DeviceRegistry } from '../registry/index.js';
import type { DrillWatch } from './drill.js';
import { type CommissioningRoutesOptions, commissioningRoutes } from './routes.js';

export interface CommissioningModuleOptions extends Omit<CommissioningRoutesOptions, 'registry'> {
  registry: DeviceRegistry;
  bus: GatewayBus;
  drills: DrillWatch;
}

/**
 * The installer's commissioning check: notes when each device is first heard (kept in the
 * registry), follows the drill's hops on the bus, and serves the console's commissioning routes.
 */
export class CommissioningModule implements GatewayModule {
  readonly name = 'commissioning';
  private readonly seen: Set<string>;
  private detach = () => {};

  constructor(private readonly options: CommissioningModuleOptions) {
    this.seen = new Set(options.registry.firstSeen().keys());
  }

  routes(): ConsoleRoute[] {
    return commissioningRoutes(this.options);
  }

  start(): void {
    const { bus, registry, drills } = this.options;
    // Written once per device: later messages cost a set lookup, not a write.
    const note = (id: string, at: number) => {
      if (this.seen.has(id)) return;
      this.seen.add(id);
      registry.noteSeen(id, toTimestamp(at));
    };
    const onMessage = ({ device, receivedAt }: NormalisedMessage) => note(device.id, receivedAt);
    const onAvailability = (change: AvailabilityChange) => {
      if (change.state === 'online') note(change.device.id, change.at);
    };
    bus.on('message', onMessage).on('availability', onAvailability);
    const detachDrills = drills.attach(bus);
    this.detach = () => {
      detachDrills();
      bus.off('message', onMessage).off('availability', onAvailability);
    };
  }

  stop(): void {
    this.detach();
  }
}
