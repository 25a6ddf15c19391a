import { CategoryCatalogue, CategoryError } from '../categories/catalogue.js';
import type { Db, Queryable } from '../db/db.js';
import { DeadlineSettings } from '../deadlines/rules.js';
import type { Incident } from '../incidents/index.js';
import {
  deadline,
  effectiveLimit,
  light,
  type TimeContext,
  type TimeLimit,
  TimeLimit as TimeLimitSchema,
  type TrafficLight,
  timeContext,
} from '../time-limits/index.js';

/** When the catalogue has no handling limit for the category (an unseeded tenant): one working day. */
const FALLBACK_LIMIT: TimeLimit = { value: 1, unit: 'working_days' };

/** The tenant's working time and light thresholds, as the incidents' own time limits read them. */
export interface CoTime {
  ctx: TimeContext;
  settings: DeadlineSettings;
}

export async function coTime(q: Queryable): Promise<CoTime> {
  const { rows } = await q.query<{ settings: unknown }>('SELECT settings FROM deadline_settings');
  const settings = DeadlineSettings.parse(rows[0]?.settings ?? {});
  return { settings, ctx: timeContext(settings.time) };
}

/**
 * A co-task's limit and deadline: the one the operator gave (counted as natural minutes from now,
 * so its light reads the share used), else the category's handling limit (on natural time when
 * the incident is urgent), counted on the tenant's working time from `now`.
 */
export async function taskLimit(
  q: Queryable,
  incident: Incident,
  now: Date,
  given: Date | undefined,
  time: CoTime,
): Promise<{ limit: TimeLimit; deadline: Date }> {
  if (given !== undefined) {
    const minutes = Math.max(1, Math.ceil((given.getTime() - now.getTime()) / 60_000));
    return { limit: { value: minutes, unit: 'natural_minutes' }, deadline: given };
  }
  let base = FALLBACK_LIMIT;
  try {
    base = await new CategoryCatalogue(q as Db).limitFor(incident.categoryCode, incident.severity, 'handle');
  } catch (err) {
    if (!(err instanceof CategoryError)) throw err;
  }
  const limit = effectiveLimit(base, incident.urgent);
  return { limit, deadline: deadline(now, limit, time.ctx) };
}

/** An open task's traffic light at `now`, as the incidents' lights are computed (green < 80 %…). */
export function taskLight(
  task: { assignedAt: Date; limitValue: number; limitUnit: string },
  now: Date,
  time: CoTime,
): TrafficLight {
  const limit = TimeLimitSchema.parse({ value: task.limitValue, unit: task.limitUnit });
  return light(task.assignedAt, now, limit, [], time.ctx, time.settings.thresholds).light;
}
