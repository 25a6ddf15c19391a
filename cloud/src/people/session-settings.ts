import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { type Actor, replaceAudited } from './audit.js';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

const seconds = (min: number, max: number, what: string) =>
  z
    .int({ error: `expected whole seconds (${what})` })
    .min(min, { error: `at least ${min} s (${what}); raise it` })
    .max(max, { error: `at most ${max} s (${what}); lower it` });

/**
 * Sessions and the login throttle as the tenant sets them (table `session_settings`, migration
 * 0013). The bounds keep the throttle meaningful: a lock of at least a minute after at most 100
 * failures, and no session living longer than 90 days.
 */
export const SessionSettings = z
  .strictObject({
    /** A session unused this long ends (it slides forward with every use). */
    idle_seconds: seconds(5 * MINUTE, 30 * DAY, '5 minutes to 30 days'),
    /** A session ends this long after its login, however much it is used or refreshed. */
    absolute_seconds: seconds(5 * MINUTE, 90 * DAY, '5 minutes to 90 days'),
    /** Failed logins of one username within `failure_window_seconds` that lock it… */
    max_failures: z
      .int({ error: 'expected a whole number of failed logins' })
      .min(1, { error: 'at least 1 failed login; raise it' })
      .max(100, { error: 'at most 100 failed logins (the throttle would not stop guessing); lower it' }),
    failure_window_seconds: seconds(MINUTE, DAY, '1 minute to 1 day'),
    /** …for this long. */
    lock_seconds: seconds(MINUTE, DAY, '1 minute to 1 day'),
  })
  .refine((s) => s.absolute_seconds >= s.idle_seconds, {
    error: 'absolute_seconds must be at least idle_seconds: lower idle_seconds or raise absolute_seconds',
    path: ['absolute_seconds'],
  });
export type SessionSettings = z.output<typeof SessionSettings>;

/** The seeds of migration 0013: what the code used before the settings were data. */
export const DEFAULT_SESSION_SETTINGS: SessionSettings = {
  idle_seconds: 12 * HOUR,
  absolute_seconds: 7 * DAY,
  max_failures: 5,
  failure_window_seconds: 15 * MINUTE,
  lock_seconds: 5 * MINUTE,
};

export const SESSION_SETTINGS_TARGET = 'sessions:settings';

const COLUMNS = 'idle_seconds, absolute_seconds, max_failures, failure_window_seconds, lock_seconds';

/** Reads and replaces the session settings; sessions read them on every login and request. */
export class SessionSettingsStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async get(q: Queryable = this.db): Promise<SessionSettings> {
    const { rows } = await q.query<SessionSettings>(`SELECT ${COLUMNS} FROM session_settings`);
    return rows[0] === undefined ? { ...DEFAULT_SESSION_SETTINGS } : pick(rows[0]);
  }

  /** Replaces the settings (validated by {@link SessionSettings}); audited with what they were before. */
  async replace(actor: Actor, input: unknown): Promise<SessionSettings> {
    const settings = SessionSettings.parse(input);
    const at = this.clock();
    return replaceAudited(this.db, {
      actor,
      action: 'sessions.settings.replace',
      target: SESSION_SETTINGS_TARGET,
      at,
      after: settings,
      read: (q) => this.get(q),
      write: (q) =>
        q.query(
          `INSERT INTO session_settings (id, ${COLUMNS}, updated_at) VALUES (true, $1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET idle_seconds = excluded.idle_seconds,
           absolute_seconds = excluded.absolute_seconds, max_failures = excluded.max_failures,
           failure_window_seconds = excluded.failure_window_seconds, lock_seconds = excluded.lock_seconds,
           updated_at = excluded.updated_at`,
          [
            settings.idle_seconds,
            settings.absolute_seconds,
            settings.max_failures,
            settings.failure_window_seconds,
            settings.lock_seconds,
            at,
          ],
        ),
    });
  }
}

function pick(row: SessionSettings): SessionSettings {
  return {
    idle_seconds: Number(row.idle_seconds),
    absolute_seconds: Number(row.absolute_seconds),
    max_failures: Number(row.max_failures),
    failure_window_seconds: Number(row.failure_window_seconds),
    lock_seconds: Number(row.lock_seconds),
  };
}
