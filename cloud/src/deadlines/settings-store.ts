import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from '../people/audit.js';
import { DeadlineSettings } from './rules.js';

export const DEADLINE_SETTINGS_TARGET = 'deadlines:settings';

/**
 * The tenant's deadline settings as administrators edit them (table `deadline_settings`): working
 * hours and the tenant's own days, light thresholds, what yellow and red raise, and the unsigned
 * life-safety chain. {@link Deadlines} reads the row whenever it writes or reads a deadline, so an
 * edit counts for the next step on every replica.
 */
export class DeadlineSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The stored settings with the defaults of `rules.ts` filled in. */
  async get(q: Queryable = this.db): Promise<DeadlineSettings> {
    const { rows } = await q.query<{ settings: unknown }>('SELECT settings FROM deadline_settings');
    return DeadlineSettings.parse(rows[0]?.settings ?? {});
  }

  /** Replaces the settings (validated by {@link DeadlineSettings}); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<DeadlineSettings> {
    const settings = DeadlineSettings.parse(input);
    const at = this.clock();
    return replaceAudited(this.db, {
      actor,
      action: 'deadlines.settings.replace',
      target: DEADLINE_SETTINGS_TARGET,
      at,
      after: settings,
      read: (q) => this.get(q),
      write: (q) =>
        q.query(
          `INSERT INTO deadline_settings (id, settings, updated_at) VALUES (true, $1::jsonb, $2)
         ON CONFLICT (id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
          [JSON.stringify(settings), at],
        ),
    });
  }
}
