import { MediationSettings } from '@gridlink/protocol';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from '../people/audit.js';

export const MEDIATION_SETTINGS_TARGET = 'mediation:settings';

/** The seed of migration 0052: three years after the case closes, as mediation files are commonly kept. */
export const DEFAULT_MEDIATION_SETTINGS: MediationSettings = { retention_days: 1095 };

/** Reads and replaces mediation's settings; the retention job reads them on every run. */
export class MediationSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(q: Queryable = this.db): Promise<MediationSettings> {
    const { rows } = await q.query<{ retention_days: number }>('SELECT retention_days FROM mediation_settings');
    const row = rows[0];
    return row === undefined ? { ...DEFAULT_MEDIATION_SETTINGS } : { retention_days: Number(row.retention_days) };
  }

  /** Replaces the settings (validated); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<MediationSettings> {
    const settings = MediationSettings.parse(input);
    const at = this.clock();
    return replaceAudited(this.db, {
      actor,
      action: 'mediation.settings.replace',
      target: MEDIATION_SETTINGS_TARGET,
      at,
      after: settings,
      read: (q) => this.get(q),
      write: (q) =>
        q.query(
          `INSERT INTO mediation_settings (id, retention_days, updated_at) VALUES (true, $1, $2)
           ON CONFLICT (id) DO UPDATE SET retention_days = excluded.retention_days, updated_at = excluded.updated_at`,
          [settings.retention_days, at],
        ),
    });
  }
}
