import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../db/db.js';
import { MediationSettingsStore } from './settings.js';

/**
 * Erases the personal data of the parties of cases closed longer than the tenant's retention
 * ago, leaving each a tombstone (`erased = 'retention'`) and the case its non-personal record.
 * Run by {@link MediationRetention}; callable alone (with a test's clock).
 */
export async function purgeMediation(db: Db, clock: Clock): Promise<{ parties: number }> {
  const now = clock();
  const { retention_days } = await new MediationSettingsStore(db, clock).get();
  const cutoff = new Date(now.getTime() - retention_days * 86_400_000);
  const { rows } = await db.query<{ id: string }>(
    `UPDATE mediation_parties p SET erased = 'retention', erased_at = $2, name_masked = NULL, phone_masked = NULL,
            id_number_masked = NULL, name_sealed = NULL, phone_sealed = NULL, id_number_sealed = NULL
       FROM mediation_cases c
      WHERE c.id = p.case_id AND c.closed_at < $1 AND p.erased IS NULL
        -- A case referred up lives on in the next one: its parties go when the last case closes long enough.
        AND NOT EXISTS (SELECT 1 FROM mediation_cases n WHERE n.referred_from = c.id AND (n.closed_at IS NULL OR n.closed_at >= $1))
      RETURNING p.id`,
    [cutoff, now],
  );
  return { parties: rows.length };
}

/** The retention job: purges every `intervalMs` (hourly by default) on its clock. */
export class MediationRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = 3600_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running = this.run();
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; failures are logged and the next pass tries again. */
  async run(): Promise<{ parties: number } | undefined> {
    try {
      const result = await purgeMediation(this.db, this.clock);
      if (result.parties > 0) this.logger.info(result, 'mediation parties erased after retention');
      return result;
    } catch (err) {
      this.logger.warn({ err }, 'mediation purge failed; the next pass tries again');
      return undefined;
    }
  }
}
