import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import type { IncidentEngine } from '../incidents/engine.js';
import { detectFaults } from './faults.js';
import { MaintenanceSettingsStore } from './settings.js';
import { closeRecovered, openOrUpdateTicket, openTickets } from './tickets.js';

export interface MaintenancePolicyOptions {
  clock: Clock;
  logger: Logger;
  /** How often the sweep runs; default every minute. */
  sweepMs?: number;
}

/** What one sweep did. */
export interface MaintenanceSweep {
  opened: string[];
  updated: string[];
  closed: string[];
}

/**
 * The built-in maintenance policy (docs/domain.md §7): a periodic sweep over the devices projection
 * and the gateways' last messages that opens (or updates) one maintenance ticket per device and
 * fault, closes it when the fault no longer stands, and shows repeat offenders on the ticket. Every
 * replica sweeps; the per-key advisory lock and the recovery step's request id make it safe.
 */
export class MaintenancePolicy {
  private readonly settings: MaintenanceSettingsStore;
  private timer?: NodeJS.Timeout;
  private running?: Promise<MaintenanceSweep>;

  constructor(
    private readonly db: Db,
    private readonly engine: IncidentEngine,
    private readonly options: MaintenancePolicyOptions,
  ) {
    this.settings = new MaintenanceSettingsStore(db, options.clock);
  }

  start(): void {
    this.timer = setInterval(() => void this.sweepLogged(), this.options.sweepMs ?? 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep; a sweep already running on this replica is joined rather than doubled. */
  sweep(): Promise<MaintenanceSweep> {
    this.running ??= this.sweepOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepLogged(): Promise<void> {
    await this.sweep().catch((err: unknown) =>
      this.options.logger.warn({ err }, 'maintenance sweep failed; the next one retries'),
    );
  }

  private async sweepOnce(): Promise<MaintenanceSweep> {
    const now = this.options.clock();
    const settings = await this.settings.get();
    const standing = await detectFaults(this.db, settings, now);
    const done: MaintenanceSweep = { opened: [], updated: [], closed: [] };
    for (const detection of standing) {
      const result = await openOrUpdateTicket(this.db, this.engine, detection, {
        now,
        repeatWindowDays: settings.repeat_window_days,
      });
      done[result.outcome === 'opened' ? 'opened' : 'updated'].push(result.incidentId);
    }
    const keys = new Set(standing.map((detection) => detection.key));
    for (const ticket of await openTickets(this.db, now)) {
      if (keys.has(ticket.key)) continue;
      if (await closeRecovered(this.engine, ticket)) done.closed.push(ticket.id);
    }
    return done;
  }
}
