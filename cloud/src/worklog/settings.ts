import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from '../people/audit.js';
import { WorklogSettings } from './schemas.js';

export const WORKLOG_SETTINGS_TARGET = 'worklog:settings';

/** The seed of migration 0039: three years, as village and community records are commonly kept. */
export const DEFAULT_WORKLOG_SETTINGS: WorklogSettings = { retention_days: 1095 };

/** Reads and replaces the work log's settings; the retention job reads them on every run. */
export class WorklogSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(q: Queryable = this.db): Promise<WorklogSettings> {
    const { rows } = await q.query<{ retention_days: number }>('SELECT retention_days FROM worklog_settings');
    const row = rows[0];
    return row === undefined ? { ...DEFAULT_WORKLOG_SETTINGS } : { retention_days: Number(row.retention_days) };
  }

  /** Replaces the settings (validated); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<WorklogSettings> {
    const settings = WorklogSettings.parse(input);
    const at = this.clock();
    return replaceAudited(this.db, {
      actor,
      action: 'worklog.settings.replace',
      target: WORKLOG_SETTINGS_TARGET,
      at,
      after: settings,
      read: (q) => this.get(q),
      write: (q) =>
        q.query(
          `INSERT INTO worklog_settings (id, retention_days, updated_at) VALUES (true, $1, $2)
           ON CONFLICT (id) DO UPDATE SET retention_days = excluded.retention_days, updated_at = excluded.updated_at`,
          [settings.retention_days, at],
        ),
    });
  }
}
