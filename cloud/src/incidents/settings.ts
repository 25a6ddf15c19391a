import { CategoryCode } from '@gridlink/protocol';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from '../people/audit.js';
import { CallbackPolicy, type IncidentPolicies, UnsatisfiedCallbackPolicy } from './state-machine.js';

/**
 * The tenant's incident settings (table `incident_settings`, migration 0014) as the API reads and
 * replaces them: every field given.
 */
export const IncidentSettings = z.strictObject({
  /** Alerts of one place × category this close to the open incident's last one join it. */
  dedup_window_seconds: z
    .int({ error: 'expected whole seconds (1 minute to 1 day)' })
    .min(60, { error: 'at least 60 s (1 minute); raise it' })
    .max(86_400, { error: 'at most 86400 s (1 day); lower it' })
    .meta({
      description: 'Alerts of one place × category this close to the open incident’s last alert join it',
      example: 1800,
    }),
  /** Domain §3: an unsatisfied callback sends the work back (rework), or only records the verdict (evaluate). */
  unsatisfied_callback: UnsatisfiedCallbackPolicy.meta({
    description: 'rework: an unsatisfied callback sends the work back to its assignee; evaluate: only recorded',
  }),
  /** Domain §3: who calls back on a closed incident, or nobody (the operator archives it). Absent: agents. */
  callback: CallbackPolicy.default('agents').meta({
    description:
      'Who calls residents back on a closed incident: agents (callback agents), centre (callback agents and the centre’s operators), none (no callback; the operator archives the closed incident)',
  }),
  /**
   * Domain §3, separation of duties: whoever signed for or finished the work does not check it,
   * except in these categories (with their children). Absent: none.
   */
  self_check_categories: z
    .array(CategoryCode)
    .max(200)
    .refine((codes) => new Set(codes).size === codes.length, { error: 'list each category code once' })
    .default([])
    .meta({
      description:
        'Categories (with their children) whose handler may check their own work; elsewhere whoever signed for or finished it may not start, pass or fail its check',
      example: ['livelihood'],
    }),
});
export type IncidentSettings = z.output<typeof IncidentSettings>;

/** The seeds of migration 0014: what the code used before the settings were data. */
export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = {
  dedup_window_seconds: 30 * 60,
  unsatisfied_callback: 'rework',
  callback: 'agents',
  self_check_categories: [],
};

export const INCIDENT_SETTINGS_TARGET = 'incidents:settings';

/** The policies the state machine's `when` conditions read, from the settings. */
export const policiesOf = (settings: IncidentSettings): IncidentPolicies => ({
  unsatisfiedCallback: settings.unsatisfied_callback,
  callback: settings.callback,
});

/**
 * Reads and replaces the incident settings. The engine reads them in the transaction of every alert
 * batch and of every transition whose rule depends on them (an unsatisfied callback), so an edit
 * counts from the next one on, on every replica.
 */
export class IncidentSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(q: Queryable = this.db): Promise<IncidentSettings> {
    const { rows } = await q.query<IncidentSettings>(
      'SELECT dedup_window_seconds, unsatisfied_callback, callback, self_check_categories FROM incident_settings',
    );
    const row = rows[0];
    if (row === undefined) return { ...DEFAULT_INCIDENT_SETTINGS };
    return IncidentSettings.parse({
      dedup_window_seconds: Number(row.dedup_window_seconds),
      unsatisfied_callback: row.unsatisfied_callback,
      callback: row.callback,
      self_check_categories: row.self_check_categories,
    });
  }

  /** Replaces the settings (validated by {@link IncidentSettings}); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<IncidentSettings> {
    const settings = IncidentSettings.parse(input);
    const at = this.clock();
    return replaceAudited(this.db, {
      actor,
      action: 'incidents.settings.replace',
      target: INCIDENT_SETTINGS_TARGET,
      at,
      after: settings,
      read: (q) => this.get(q),
      write: (q) =>
        q.query(
          `INSERT INTO incident_settings (id, dedup_window_seconds, unsatisfied_callback, callback,
                  self_check_categories, updated_at)
         VALUES (true, $1, $2, $3, $4::text[], $5)
         ON CONFLICT (id) DO UPDATE SET dedup_window_seconds = excluded.dedup_window_seconds,
           unsatisfied_callback = excluded.unsatisfied_callback, callback = excluded.callback,
           self_check_categories = excluded.self_check_categories, updated_at = excluded.updated_at`,
          [
            settings.dedup_window_seconds,
            settings.unsatisfied_callback,
            settings.callback,
            settings.self_check_categories,
            at,
          ],
        ),
    });
  }
}
