import type { CloudEvent } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { EventProjector } from '../projections/projector.js';
import { ALERT_EVENT_TYPES, applyAlertEvents } from './alerts.js';

/**
 * Keeps the community alert store from the stored gateway alert events: at once as they arrive,
 * and by the projector's sweep after a restart or when another replica took the request. Its own
 * cursor, beside the incident intake's: the property's list does not wait on incidents.
 */
export class CommunityAlertProjection {
  private readonly projector: EventProjector;

  constructor(db: Db, options: { clock: Clock; logger: Logger; settleMs?: number }) {
    const { clock, logger } = options;
    this.projector = new EventProjector(db, {
      name: 'community-alerts',
      types: ALERT_EVENT_TYPES,
      handle: ({ event }) => applyAlertEvents(db, [event], clock()),
      handleBatch: (stored) =>
        applyAlertEvents(
          db,
          stored.map(({ event }) => event),
          clock(),
        ),
      logger,
      clock,
      ...(options.settleMs === undefined ? {} : { settleMs: options.settleMs }),
    });
  }

  start(): void {
    this.projector.start();
  }

  /** Events the intake has just stored. */
  handleNew(events: readonly CloudEvent[]): Promise<void> {
    return this.projector.handleNew(events);
  }

  stop(): Promise<void> {
    return this.projector.stop();
  }
}
