import { statfsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { GatewayConfig } from '../config/schema.js';
import type { DeviceRecord, Directory } from '../devices/directory.js';
import type { AvailabilityChange } from '../liveness/tracker.js';
import type { GatewayModule, ModuleHealth } from '../modules/gateway-module.js';
import type { UplinkModule } from '../uplink/uplink-module.js';
import { HealthTracker } from './health-tracker.js';
import {
  type CoalescedEvent,
  deviceHealthBatches,
  fullSync,
  gatewayHealth,
  inventoryChanged,
  inventoryRecord,
  type Observation,
} from './inventory-events.js';
import { ReadingWindows } from './reading-windows.js';

const READINGS_CHECK_MS = 5000;

export interface InventoryModuleOptions {
  config: GatewayConfig;
  bus: GatewayBus;
  directory: Directory;
  uplink: Pick<UplinkModule, 'enqueue' | 'outbox' | 'clockOffsetMs'>;
  /** What the other modules report (clients, cameras) for the gateway's own health. */
  health: () => ModuleHealth;
  version: string;
  logger: Logger;
  now: () => number;
}

/**
 * Tells the cloud which devices this gateway serves and how they are: a full sync of the registry
 * at start and periodically, a change record when a device is added, changed or retired (the
 * registry is compared with what was last reported, so changes made by the CLI in another process
 * count too), a health summary of every device (batched, many devices per event) and one of the
 * gateway itself periodically, and the devices' readings summarised per window (many devices an
 * event). All of it goes through the outbox in the lowest class, coalesced per key: never ahead of
 * an alarm, and never more than one round of health waiting however long the cloud is away.
 */
export class InventoryModule implements GatewayModule {
  readonly name = 'inventory';
  private readonly tracker = new HealthTracker();
  private readonly timers: NodeJS.Timeout[] = [];
  /** What the cloud was last told of each device (its inventory record as JSON). */
  private reported = new Map<string, string>();
  private seq = 0;
  private startedAt = 0;
  private counts = { syncs: 0, changes: 0, deviceHealth: 0, gatewayHealth: 0 };

  /** The devices' readings per window (temperature, pressure…), for the cloud's charts. */
  private readonly readings: ReadingWindows;
  private readingWindows = 0;

  private readonly onMessage = (message: NormalisedMessage) => {
    this.tracker.message(message);
    if (message.message.type === 'state')
      this.readings.observe(message.device, message.message.state, message.receivedAt);
  };
  private readonly onAvailability = (change: AvailabilityChange) => this.tracker.availability(change);

  constructor(private readonly options: InventoryModuleOptions) {
    this.readings = new ReadingWindows(options.config.inventory.readings_window_s * 1000);
  }

  start(): void {
    const { bus, config } = this.options;
    const inventory = config.inventory;
    this.startedAt = this.options.now();
    bus.on('message', this.onMessage);
    bus.on('availability', this.onAvailability);
    this.sync();
    this.reportGatewayHealth();
    const every = (ms: number, task: () => void) => {
      const timer = setInterval(() => {
        try {
          task();
        } catch (err) {
          this.options.logger.error({ err }, 'inventory report failed; the next period tries again');
        }
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(inventory.full_sync_interval_s * 1000, () => this.sync());
    every(inventory.change_check_interval_ms, () => this.checkChanges());
    every(inventory.device_health_interval_s * 1000, () => this.reportDeviceHealth());
    every(inventory.gateway_health_interval_s * 1000, () => this.reportGatewayHealth());
    // Checked often, so a window goes up within seconds of its end.
    every(Math.min(inventory.readings_window_s * 1000, READINGS_CHECK_MS), () => this.reportReadings());
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    this.options.bus.off('message', this.onMessage);
    this.options.bus.off('availability', this.onAvailability);
    // The windows still open go up as they are, ending now: a restart loses no reading.
    this.reportReadings(true);
  }

  /** The readings of the windows ended by now (every open one when `all`); resolves nothing, sends. */
  reportReadings(all = false): number {
    const events = this.readings.close(this.options.config.gateway.id, this.options.now(), all);
    this.send(events);
    this.readingWindows += events.length;
    return events.length;
  }

  /** A full sync of the registry now. */
  sync(): void {
    const devices = this.devices();
    const { id, community } = this.options.config.gateway;
    this.send(fullSync(id, community, devices, this.observe()));
    this.reported = new Map(devices.map((device) => [device.id, JSON.stringify(inventoryRecord(device))]));
    this.counts.syncs++;
  }

  /** A change record for each device whose registry entry differs from what was last reported. */
  checkChanges(): number {
    let changed = 0;
    for (const device of this.devices()) {
      const record = JSON.stringify(inventoryRecord(device));
      if (this.reported.get(device.id) === record) continue;
      this.reported.set(device.id, record);
      this.send([inventoryChanged(this.options.config.gateway.id, device, this.observe())]);
      changed++;
    }
    this.counts.changes += changed;
    return changed;
  }

  /** A health summary of every active device now, in batched events. */
  reportDeviceHealth(): void {
    // In id order, so a device stays in the batch of the same number from round to round.
    const devices = [...this.options.directory.activeDevices()].sort((a, b) => a.id.localeCompare(b.id));
    const summaries = devices.map((device) => ({
      health: this.tracker.summarise(device),
      observation: this.observe(),
    }));
    this.send(deviceHealthBatches(this.options.config.gateway.id, summaries));
    this.counts.deviceHealth += summaries.length;
  }

  /** The gateway's own health now. */
  reportGatewayHealth(): void {
    const { config, uplink, version, now } = this.options;
    const modules = this.options.health();
    const stats = uplink.outbox.stats();
    const cameras = modules.cameras ?? [];
    this.send([
      gatewayHealth(
        config.gateway.id,
        {
          version,
          uptime_s: Math.max(0, (now() - this.startedAt) / 1000),
          clients: modules.clients ?? 0,
          outbox_depth: stats.depth,
          outbox_dropped: stats.dropped + stats.coalesced,
          cameras: {
            configured: cameras.length,
            online: cameras.filter((camera) => camera.online).length,
            authenticated: cameras.filter((camera) => camera.authenticated).length,
            subscribed: cameras.filter((camera) => camera.subscribed).length,
          },
          disk_free_bytes: freeBytes(config.gateway.data_dir),
          clock_offset_ms: uplink.clockOffsetMs(),
        },
        this.observe(),
      ),
    ]);
    this.counts.gatewayHealth++;
  }

  stats() {
    return {
      ...this.counts,
      reported_devices: this.reported.size,
      reading_events: this.readingWindows,
      reading_devices_open: this.readings.openDevices(),
    };
  }

  /** Every device on record, retired ones too (only active ones when the directory cannot list more). */
  private devices(): DeviceRecord[] {
    const { directory } = this.options;
    return [...(directory.allDevices?.() ?? directory.activeDevices())];
  }

  /** Now, with the next number of this run: two observations of one millisecond still have an order. */
  private observe(): Observation {
    return { at: this.options.now(), seq: this.seq++ };
  }

  private send(events: readonly CoalescedEvent[]): void {
    for (const { event, coalesceKey } of events) this.options.uplink.enqueue(event, { coalesceKey });
  }
}

function freeBytes(dir: string): number | null {
  try {
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize;
  } catch {
    return null;
  }
}
