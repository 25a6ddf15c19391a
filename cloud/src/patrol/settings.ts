import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from '../people/audit.js';

const whole = (what: string, min: number, max: number, unit: string) =>
  z
    .int({ error: `expected whole ${unit} (${min} to ${max})` })
    .min(min, { error: `at least ${min} ${unit}; raise it` })
    .max(max, { error: `at most ${max} ${unit}; lower it` })
    .meta({ description: what });

/** The tenant's patrol settings (table `patrol_settings`, migration 0037), every field given on replace. */
export const PatrolSettings = z.strictObject({
  position_interval_s: whole('How often the phone records a position while a patrol runs', 1, 600, 'seconds').meta({
    example: 10,
  }),
  gap_intervals: whole(
    'No position for longer than this many intervals is a gap (the trajectory is broken there)',
    2,
    100,
    'intervals',
  ).meta({ example: 3 }),
  max_speed_mps: z
    .number({ error: 'expected metres per second (0.5 to 100)' })
    .min(0.5, { error: 'at least 0.5 m/s; raise it' })
    .max(100, { error: 'at most 100 m/s; lower it' })
    .meta({ description: 'A check-in reached faster than this from the previous position is flagged', example: 15 }),
  max_accuracy_m: z
    .number({ error: 'expected metres (1 to 5000)' })
    .min(1, { error: 'at least 1 metre; raise it' })
    .max(5000, { error: 'at most 5000 metres; lower it' })
    .meta({ description: 'Positions less accurate than this are refused', example: 500 }),
  clock_skew_s: whole(
    'A phone clock further off than this (measured by the batch’s sent_at) is corrected and flagged',
    1,
    3600,
    'seconds',
  ).meta({ example: 120 }),
  retention_days: whole('Positions are deleted this many days after they were recorded', 1, 3650, 'days').meta({
    example: 30,
  }),
});
export type PatrolSettings = z.output<typeof PatrolSettings>;

/** The seeds of migration 0037. */
export const DEFAULT_PATROL_SETTINGS: PatrolSettings = {
  position_interval_s: 10,
  gap_intervals: 3,
  max_speed_mps: 15,
  max_accuracy_m: 500,
  clock_skew_s: 120,
  retention_days: 30,
};

export const PATROL_SETTINGS_TARGET = 'patrol:settings';

/** Reads and replaces the patrol settings; ingest and retention read them each time, so an edit counts at once. */
export class PatrolSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private cache: { at: number; settings: PatrolSettings } | undefined;

  /**
   * The settings as read at most `maxAgeMs` ago: for the per-request paths (every position batch),
   * where an edit counting a few seconds late is worth one query less per batch.
   */
  async recent(maxAgeMs = 5000): Promise<PatrolSettings> {
    const now = Date.now();
    if (this.cache === undefined || now - this.cache.at > maxAgeMs)
      this.cache = { at: now, settings: await this.get() };
    return this.cache.settings;
  }

  async get(q: Queryable = this.db): Promise<PatrolSettings> {
    const { rows } = await q.query<Record<keyof PatrolSettings, number>>(
      `SELECT position_interval_s, gap_intervals, max_speed_mps, max_accuracy_m, clock_skew_s, retention_days
         FROM patrol_settings`,
    );
    const row = rows[0];
    if (row === undefined) return { ...DEFAULT_PATROL_SETTINGS };
    return {
      position_interval_s: Number(row.position_interval_s),
      gap_intervals: Number(row.gap_intervals),
      max_speed_mps: Number(row.max_speed_mps),
      max_accuracy_m: Number(row.max_accuracy_m),
      clock_skew_s: Number(row.clock_skew_s),
      retention_days: Number(row.retention_days),
    };
  }

  /** Replaces the settings (validated); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<PatrolSettings> {
    const s = PatrolSettings.parse(input);
    const at = this.clock();
    this.cache = undefined;
    return replaceAudited(this.db, {
      actor,
      action: 'patrol.settings.replace',
      target: PATROL_SETTINGS_TARGET,
      at,
      after: s,
      read: (q) => this.get(q),
      write: (q) =>
        q.query(
          `INSERT INTO patrol_settings (id, position_interval_s, gap_intervals, max_speed_mps, max_accuracy_m,
                  clock_skew_s, retention_days, updated_at)
           VALUES (true, $1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (id) DO UPDATE SET position_interval_s = excluded.position_interval_s,
             gap_intervals = excluded.gap_intervals, max_speed_mps = excluded.max_speed_mps,
             max_accuracy_m = excluded.max_accuracy_m, clock_skew_s = excluded.clock_skew_s,
             retention_days = excluded.retention_days, updated_at = excluded.updated_at`,
          [
            s.position_interval_s,
            s.gap_intervals,
            s.max_speed_mps,
            s.max_accuracy_m,
            s.clock_skew_s,
            s.retention_days,
            at,
          ],
        ),
    });
  }
}
