import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { LOCKS } from '../db/locks.js';
import { PatrolSettingsStore } from '../patrol/settings.js';
import { dropMonthsBefore, ensureMonths, PARTITIONED_TABLES, type PartitionedTable, withTableLock } from './months.js';

const DAY_MS = 86_400_000;

export interface PartitionSettings {
  /** Months made ahead of the current one (`partitions.months_ahead`). */
  monthsAhead: number;
  /** Months kept of the tables with no retention of their own; 0 keeps every month (`partitions.retention_months`). */
  retentionMonths: { gateway_events: number; incident_steps: number; device_availability: number };
  /** `devices.health_retention_days`: device and gateway health. */
  healthRetentionDays: number;
  /** `devices.readings_retention_days`: the readings' window summaries. */
  readingsRetentionDays: number;
}

/** What one run did to a table: months made ahead, partitions dropped past the retention (and the cutoff). */
export interface TableUpkeep {
  table: PartitionedTable;
  made: string[];
  dropped: number;
  cutoff: string | null;
  /** Another replica was doing this table's upkeep: this run left it alone. */
  skipped?: true;
  /** Why this run could not do the table's upkeep (a lock not granted in time): the next run tries again. */
  failed?: string;
}

/** `months` China calendar months before `now` (the same day and time of day, clamped to the month's end). */
export function monthsBefore(now: Date, months: number): Date {
  const china = new Date(now.getTime() + 8 * 3_600_000);
  const day = china.getUTCDate();
  china.setUTCDate(1);
  china.setUTCMonth(china.getUTCMonth() - months);
  const last = new Date(Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + 1, 0)).getUTCDate();
  china.setUTCDate(Math.min(day, last));
  return new Date(china.getTime() - 8 * 3_600_000);
}

/**
 * The upkeep of the monthly partitions (migration 0055) on the cloud's clock: each table gets the
 * coming months' partitions ahead of time, and loses whole months past its retention. Each table
 * in its own short transaction under an advisory lock tried without waiting, so of replicas
 * running it together one does each table and the others skip it.
 */
export class PartitionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TableUpkeep[] | undefined> | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: PartitionSettings,
    private readonly everyMs = 6 * 3_600_000,
  ) {}

  /** Where each table's retention ends now: rows older may go; null keeps every month. */
  async cutoffs(now: Date): Promise<Record<PartitionedTable, Date | null>> {
    const patrol = await new PatrolSettingsStore(this.db, () => now).get();
    const months = (n: number) => (n === 0 ? null : monthsBefore(now, n));
    const days = (n: number) => new Date(now.getTime() - n * DAY_MS);
    const { retentionMonths } = this.settings;
    return {
      gateway_events: months(retentionMonths.gateway_events),
      incident_steps: months(retentionMonths.incident_steps),
      device_availability: months(retentionMonths.device_availability),
      device_health: days(this.settings.healthRetentionDays),
      gateway_health: days(this.settings.healthRetentionDays),
      device_readings: days(this.settings.readingsRetentionDays),
      patrol_positions: days(patrol.retention_days),
    };
  }

  /** One run over every partitioned table. */
  async upkeep(): Promise<TableUpkeep[]> {
    const now = this.clock();
    const cutoffs = await this.cutoffs(now);
    const done: TableUpkeep[] = [];
    for (const table of Object.keys(PARTITIONED_TABLES) as PartitionedTable[]) {
      const cutoff = cutoffs[table];
      const untouched = { table, made: [], dropped: 0, cutoff: cutoff?.toISOString() ?? null };
      try {
        const result = await withTableLock(this.db, LOCKS.partitions, table, async (tx) => ({
          table,
          made: await ensureMonths(tx, table, now, this.settings.monthsAhead),
          dropped: cutoff === null ? 0 : await dropMonthsBefore(tx, table, cutoff),
          cutoff: cutoff?.toISOString() ?? null,
        }));
        done.push(result ?? { ...untouched, skipped: true });
      } catch (err) {
        // A table busy past the lock timeout waits for the next run: the months ahead leave time.
        this.logger.warn({ err, table }, 'partition upkeep of a table failed; retried at the next run');
        done.push({ ...untouched, failed: (err as Error).message });
      }
    }
    return done;
  }

  async runOnce(): Promise<TableUpkeep[] | undefined> {
    this.running ??= this.upkeep()
      .then((results) => {
        for (const result of results)
          if (result.made.length > 0 || result.dropped > 0) this.logger.info(result, 'monthly partitions kept up');
        return results;
      })
      .catch((err: unknown) => {
        this.logger.warn({ err }, 'partition upkeep failed; retried at the next run');
        return undefined;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  start(): void {
    if (this.timer !== undefined) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.everyMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
