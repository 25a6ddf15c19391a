import { type CategoryCode, DeviceEventPolicy, parentCode, Severity } from '@gridlink/protocol';
import { z } from 'zod';
import type { Queryable } from '../db/db.js';

/** Over what a repeat threshold counts alerts: one device, one place (building unit), one building, one community. */
export const RepeatScope = z.enum(['device', 'place', 'building', 'community']);
export type RepeatScope = z.infer<typeof RepeatScope>;

/** "Incident if ≥ count times within window per scope" (docs/domain.md §7); tenant data. */
export interface RepeatThreshold {
  count: number;
  windowMs: number;
  scope: RepeatScope;
  /** Alerts of this severity or above open the incident at once (null: every alert is counted). */
  bypassSeverity: Severity | null;
}

/**
 * "Incident … after hours" (docs/domain.md §7): a local time-of-day range, `HH:MM` in China time (UTC+8, no
 * daylight saving, as case numbers count days). `start` is inside, `end` is not; a start after the
 * end runs across midnight (22:00–06:00).
 */
export interface AfterHours {
  start: string;
  end: string;
}

/** China time (Asia/Shanghai) is UTC+8 all year. */
const CHINA_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

const msOfDay = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return (h * 60 + m) * 60_000;
};

/** Whether the instant `ms` (epoch milliseconds) falls within the local after-hours range. */
export function isAfterHours(range: AfterHours, ms: number): boolean {
  const local = (((ms + CHINA_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  const start = msOfDay(range.start);
  const end = msOfDay(range.end);
  return start < end ? local >= start && local < end : local >= start || local < end;
}

export interface PolicyDecision {
  policy: DeviceEventPolicy;
  /** Below it alerts are recorded and counted only; null when each alert acts at once. */
  repeat: RepeatThreshold | null;
  /** Alerts within this range open an incident at once (null: the policy holds at every hour). */
  afterHours: AfterHours | null;
  /** The row that decided (the most specific code of the category), or null for the default. */
  matched: string | null;
  /** Category of the incident or ticket, when the row names one. */
  incidentCategory: CategoryCode | null;
}

/** Alerts of a category no row covers open an incident: a rule author chose to raise them. */
export const DEFAULT_DEVICE_EVENT_POLICY: DeviceEventPolicy = 'auto_incident';

/** The category and its parents, most specific first: `a.b.c`, `a.b`, `a`. */
export function categoryLineage(code: CategoryCode): CategoryCode[] {
  const lineage: CategoryCode[] = [];
  for (let current: string | undefined = code; current !== undefined; current = parentCode(current)) {
    lineage.push(current);
  }
  return lineage;
}

/** Reads the `device_event_policies` table (docs/domain.md §7, tenant data) for an alert's category. */
export async function decidePolicy(db: Queryable, category: CategoryCode): Promise<PolicyDecision> {
  return (await decidePolicies(db, [category])).get(category) as PolicyDecision;
}

/** The decision for each of several categories, from one read of the table. */
export async function decidePolicies(
  db: Queryable,
  categories: readonly CategoryCode[],
): Promise<Map<CategoryCode, PolicyDecision>> {
  const decisions = new Map<CategoryCode, PolicyDecision>();
  const distinct = [...new Set(categories)];
  if (distinct.length === 0) return decisions;
  const lineages = new Map(distinct.map((category) => [category, categoryLineage(category)]));
  const { rows } = await db.query<PolicyRow>(
    `SELECT category_code, policy, incident_category, repeat_count, repeat_scope, repeat_bypass_severity,
            (extract(epoch FROM repeat_window) * 1000)::float8 AS repeat_window_ms,
            to_char(after_hours_start, 'HH24:MI') AS after_hours_start, to_char(after_hours_end, 'HH24:MI') AS after_hours_end
       FROM device_event_policies WHERE category_code = ANY($1::text[])`,
    [[...new Set([...lineages.values()].flat())]],
  );
  const byCode = new Map(rows.map((row) => [row.category_code, row]));
  for (const [category, lineage] of lineages) {
    // The lineage runs most specific first: the first row found decides.
    const row = lineage.map((code) => byCode.get(code)).find((found) => found !== undefined);
    decisions.set(
      category,
      row === undefined
        ? { policy: DEFAULT_DEVICE_EVENT_POLICY, repeat: null, afterHours: null, matched: null, incidentCategory: null }
        : {
            policy: DeviceEventPolicy.parse(row.policy),
            repeat: repeatOf(row),
            afterHours:
              row.after_hours_start === null || row.after_hours_end === null
                ? null
                : { start: row.after_hours_start, end: row.after_hours_end },
            matched: row.category_code,
            incidentCategory: row.incident_category,
          },
    );
  }
  return decisions;
}

interface PolicyRow {
  category_code: string;
  policy: string;
  incident_category: string | null;
  repeat_count: number | null;
  repeat_window_ms: number | null;
  repeat_scope: string | null;
  repeat_bypass_severity: string | null;
  after_hours_start: string | null;
  after_hours_end: string | null;
}

function repeatOf(row: PolicyRow): RepeatThreshold | null {
  if (row.repeat_count === null || row.repeat_window_ms === null || row.repeat_scope === null) return null;
  return {
    count: row.repeat_count,
    windowMs: Number(row.repeat_window_ms),
    scope: RepeatScope.parse(row.repeat_scope),
    bypassSeverity: row.repeat_bypass_severity === null ? null : Severity.parse(row.repeat_bypass_severity),
  };
}

/** The step the cloud takes right after creating an incident under a policy (confirm first: verify). */
export const POLICY_FOLLOW_UP: Partial<Record<DeviceEventPolicy, string>> = { confirm_first: 'needVerify' };
