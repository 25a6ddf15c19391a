import type { CloudEvent } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { EventProjector } from '../projections/projector.js';
import { DEVICE_EVENT_TYPES, projectDeviceEvent, projectDeviceEvents, pruneDeviceHistory } from './projection.js';

export interface DeviceProjectionOptions {
  clock: Clock;
  logger: Logger;
  /** Health summaries (devices' and gateways') are kept this many days (`devices.health_retention_days`). */
  healthRetentionDays: number;
  /** How old stored events must be before the sweep takes them (see EventProjector). */
  settleMs?: number;
  /** How often old health summaries are deleted; default hourly. */
  pruneEveryMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * The devices of every community as their gateways report them, kept up to date from the stored
 * gateway events (at once as they arrive, and by the projector's sweep after a restart or when
 * another replica took the request), and their health history trimmed to the retention period.
 */
export class DeviceProjection {
  private readonly projector: EventProjector;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly options: DeviceProjectionOptions,
  ) {
    const { clock, logger } = options;
    this.projector = new EventProjector(db, {
      name: 'devices',
      types: DEVICE_EVENT_TYPES,
      handle: async ({ event }) => {
        const outcome = await projectDeviceEvent(db, event, clock());
        if (outcome === 'no_community') {
          logger.debug({ gateway: event.gatewayid, event: event.id }, 'device event skipped: no community on record');
        }
      },
      // One uplink request (or sweep batch) is one transaction of set-based statements.
      handleBatch: async (events) => {
        const outcomes = await projectDeviceEvents(
          db,
          events.map(({ event }) => event),
          clock(),
        );
        const skipped = outcomes.filter((outcome) => outcome === 'no_community').length;
        if (skipped > 0) logger.debug({ skipped }, 'device events skipped: no community on record');
      },
      logger,
      clock,
      ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
    });
  }

  start(): void {
    this.projector.start();
    this.timer = setInterval(() => void this.prune(), this.options.pruneEveryMs ?? 3_600_000);
    this.timer.unref();
    void this.prune();
  }

  /** Events the intake has just stored. */
  handleNew(events: readonly CloudEvent[]): Promise<void> {
    return this.projector.handleNew(events);
  }

  /** Deletes the health summaries older than the retention period; resolves with how many rows went. */
  async prune(): Promise<number> {
    const before = new Date(this.options.clock().getTime() - this.options.healthRetentionDays * DAY_MS);
    return pruneDeviceHistory(this.db, before).catch((err: unknown) => {
      this.options.logger.warn({ err }, 'pruning device health failed; it retries');
      return 0;
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.projector.stop();
  }
}
