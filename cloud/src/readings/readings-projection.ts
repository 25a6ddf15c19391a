import type { CloudEvent } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { EventProjector } from '../projections/projector.js';
import { pruneReadings, READING_EVENT_TYPES, storeReadings } from './store.js';

export interface ReadingsProjectionOptions {
  clock: Clock;
  logger: Logger;
  /** Window summaries are kept this many days (`devices.readings_retention_days`). */
  retentionDays: number;
  /** How old stored events must be before the sweep takes them (see EventProjector). */
  settleMs?: number;
  /** How often old summaries are deleted; default hourly. */
  pruneEveryMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * The devices' readings as their gateways summarise them per window, stored from the gateway events
 * (at once as they arrive, and by the projector's sweep after a restart or when another replica
 * took the request), and trimmed to the retention period.
 */
export class ReadingsProjection {
  private readonly projector: EventProjector;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Db,
    private readonly options: ReadingsProjectionOptions,
  ) {
    const { clock, logger } = options;
    this.projector = new EventProjector(db, {
      name: 'readings',
      types: READING_EVENT_TYPES,
      handle: async ({ event }) => {
        await storeReadings(db, [event], clock());
      },
      // One uplink request (or sweep batch) is one statement.
      handleBatch: async (events) => {
        await storeReadings(
          db,
          events.map(({ event }) => event),
          clock(),
        );
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

  /** Deletes the summaries older than the retention period; resolves with how many rows went. */
  async prune(): Promise<number> {
    const before = new Date(this.options.clock().getTime() - this.options.retentionDays * DAY_MS);
    return pruneReadings(this.db, before).catch((err: unknown) => {
      this.options.logger.warn({ err }, 'pruning device readings failed; it retries');
      return 0;
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.projector.stop();
  }
}
