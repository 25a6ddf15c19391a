import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from '../people/audit.js';
import { KpiPolicy, KpiSettingsInput } from './compute.js';

/** Where audit records of the KPI settings point. */
export const KPI_SETTINGS_TARGET = 'kpi:settings';

/**
 * The tenant's KPI settings (table `kpi_settings`, migration 0013): the configurable denominator
 * and the composite score's weights. Read on every KPI request, so an edit counts at once on every
 * replica; the seed (migration 0047) is the practice weights of `DEFAULT_KPI_WEIGHTS`.
 */
export class KpiSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async policy(q: Queryable = this.db): Promise<KpiPolicy> {
    const { rows } = await q.query<{ exclude_suspended_from_due: boolean; weights: unknown }>(
      'SELECT exclude_suspended_from_due, weights FROM kpi_settings',
    );
    const row = rows[0];
    return KpiPolicy.parse(
      row === undefined ? {} : { exclude_suspended_from_due: row.exclude_suspended_from_due, weights: row.weights },
    );
  }

  /** Replaces the settings (validated by {@link KpiSettingsInput}); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<KpiPolicy> {
    const policy: KpiPolicy = KpiSettingsInput.parse(input);
    const at = this.clock();
    return replaceAudited(this.db, {
      actor,
      action: 'kpi.settings.replace',
      target: KPI_SETTINGS_TARGET,
      at,
      after: policy,
      read: (q) => this.policy(q),
      write: (q) =>
        q.query(
          `INSERT INTO kpi_settings (id, exclude_suspended_from_due, weights, updated_at) VALUES (true, $1, $2::jsonb, $3)
         ON CONFLICT (id) DO UPDATE SET exclude_suspended_from_due = excluded.exclude_suspended_from_due,
           weights = excluded.weights, updated_at = excluded.updated_at`,
          [policy.exclude_suspended_from_due, JSON.stringify(policy.weights), at],
        ),
    });
  }
}
