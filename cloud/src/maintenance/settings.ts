import { DeviceKind } from '@gridlink/protocol';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from '../people/audit.js';

const MAX_MINUTES = 43_200;

const minutes = (what: string) =>
  z
    .int({ error: 'expected whole minutes (1 minute to 30 days)' })
    .min(1, { error: 'at least 1 minute; raise it' })
    .max(MAX_MINUTES, { error: `at most ${MAX_MINUTES} minutes (30 days); lower it` })
    .meta({ description: what });

/**
 * The tenant's maintenance thresholds (table `maintenance_settings`, migration 0028) as the API reads
 * and replaces them: every field given.
 */
export const MaintenanceSettings = z.strictObject({
  offline_minutes: minutes('A device offline longer than this gets a ticket, unless its kind has its own').meta({
    example: 60,
  }),
  offline_minutes_by_kind: z
    .partialRecord(DeviceKind, minutes('Minutes offline before a ticket, for devices of this kind'))
    .meta({
      description: 'Per device kind: minutes offline before a ticket (kinds left out take offline_minutes)',
      example: { smoke_detector: 30 },
    }),
  gateway_silent_minutes: minutes('A gateway that sent nothing for longer than this gets a ticket').meta({
    example: 30,
  }),
  repeat_window_days: z
    .int({ error: 'expected whole days' })
    .min(1, { error: 'at least 1 day; raise it' })
    .max(366, { error: 'at most 366 days; lower it' })
    .meta({ description: 'A ticket shows how many tickets its device had within this many days', example: 30 }),
});
export type MaintenanceSettings = z.output<typeof MaintenanceSettings>;

/** The seeds of migration 0028. */
export const DEFAULT_MAINTENANCE_SETTINGS: MaintenanceSettings = {
  offline_minutes: 60,
  offline_minutes_by_kind: {},
  gateway_silent_minutes: 30,
  repeat_window_days: 30,
};

export const MAINTENANCE_SETTINGS_TARGET = 'maintenance:settings';

/** Minutes a device of `kind` may be offline before it gets a ticket. */
export const offlineMinutesOf = (settings: MaintenanceSettings, kind: string): number =>
  settings.offline_minutes_by_kind[kind as DeviceKind] ?? settings.offline_minutes;

/** Reads and replaces the thresholds; the sweep reads them on every run, so an edit counts at the next. */
export class MaintenanceSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(q: Queryable = this.db): Promise<MaintenanceSettings> {
    const { rows } = await q.query<MaintenanceSettings>(
      `SELECT offline_minutes, offline_minutes_by_kind, gateway_silent_minutes, repeat_window_days
         FROM maintenance_settings`,
    );
    const row = rows[0];
    if (row === undefined) return { ...DEFAULT_MAINTENANCE_SETTINGS };
    return MaintenanceSettings.parse({
      offline_minutes: Number(row.offline_minutes),
      offline_minutes_by_kind: row.offline_minutes_by_kind,
      gateway_silent_minutes: Number(row.gateway_silent_minutes),
      repeat_window_days: Number(row.repeat_window_days),
    });
  }

  /** Replaces the thresholds (validated); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<MaintenanceSettings> {
    const settings = MaintenanceSettings.parse(input);
    const at = this.clock();
    return replaceAudited(this.db, {
      actor,
      action: 'maintenance.settings.replace',
      target: MAINTENANCE_SETTINGS_TARGET,
      at,
      after: settings,
      read: (q) => this.get(q),
      write: (q) =>
        q.query(
          `INSERT INTO maintenance_settings (id, offline_minutes, offline_minutes_by_kind, gateway_silent_minutes,
                  repeat_window_days, updated_at)
           VALUES (true, $1, $2::jsonb, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET offline_minutes = excluded.offline_minutes,
             offline_minutes_by_kind = excluded.offline_minutes_by_kind,
             gateway_silent_minutes = excluded.gateway_silent_minutes,
             repeat_window_days = excluded.repeat_window_days, updated_at = excluded.updated_at`,
          [
            settings.offline_minutes,
            JSON.stringify(settings.offline_minutes_by_kind),
            settings.gateway_silent_minutes,
            settings.repeat_window_days,
            at,
          ],
        ),
    });
  }
}
