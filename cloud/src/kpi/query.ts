import { z } from 'zod';
import type { Queryable } from '../db/db.js';
import { type KpiPolicy, type KpiReport, kpisFromCounts } from './compute.js';
import type { Counts } from './definitions.js';

export const KPI_GROUPS = ['district', 'street', 'community', 'grid', 'worker', 'unit'] as const;
export const KpiGroupBy = z.enum(KPI_GROUPS);
export type KpiGroupBy = z.infer<typeof KpiGroupBy>;

export interface KpiQuery {
  /** The assessment period is [from, to): the incidents filed (立案) in it, as their steps stood at `to`. */
  from: Date;
  to: Date;
  groupBy: KpiGroupBy;
  /**
   * Only incidents whose territory code (grid, else community) starts with this prefix or one of
   * these prefixes (a district, street, community or grid code). Absent: every incident.
   */
  territoryPrefix?: string | readonly string[] | undefined;
  policy: KpiPolicy;
}

export interface KpiGroup {
  /** The territory code, or the worker's user id, or the disposal unit's id. */
  key: string;
  counts: Counts;
}

/**
 * The territory code of each level, from the incident's place: codes nest by prefix (district 6,
 * street 9, community 12, grid 15 digits; micro-grids fold into their grid).
 */
const TERRITORY_KEY: Record<Exclude<KpiGroupBy, 'worker' | 'unit'>, string> = {
  district: 'substr(i.community, 1, 6)',
  street: 'substr(i.community, 1, 9)',
  community: 'i.community',
  grid: 'substr(i.grid, 1, 15)',
};

/**
 * One row per incident filed in the period, summarising its step records up to `to`. Every step
 * of such an incident from its `file` step on lies in [from, to), so one range scan of the steps
 * finds them all (index incident_steps_by_at of migration 0010); earlier steps (report, accept)
 * do not count.
 *
 * The time limits (cloud/src/deadlines) write on each step the deadline of the clock running after
 * it (`deadline`) and the light of the clock it ended (`light`: red = taken after its deadline).
 *
 * - `deadline_at`: the incident's latest deadline, the latest `deadline` any of its steps carries
 *   (an approved extension carries the moved one); null when no time limit was set.
 * - `on_time`: closed, and no `finish` (处置完成) or `close` step taken on a red light — handled and
 *   closed within their limits. Steps without lights (time limits not running, or deadlines
 *   written by another system): closed no later than `deadline_at`; no deadline at all: not late.
 * - `due`: closed, or its latest deadline passed before `to` (overdue); every closed incident is due
 *   so that closing early cannot push 结案率 past 100 %.
 * - `suspended`: not closed, and its latest suspend step was not followed by a resume (挂账 at `to`).
 */
function perIncidentSql(withAssignee: boolean): string {
  return `
    SELECT s.incident_id,
           bool_or(s.action = 'dispatch') AS dispatched,
           coalesce(max(s.seq) FILTER (WHERE s.action = 'dispatch'), 0)
             > coalesce(max(s.seq) FILTER (WHERE s.action = 'return'), 0) AS should_handle,
           bool_or(s.action = 'finish') AS handled,
           max(s.at) FILTER (WHERE s.action = 'close') AS closed_at,
           bool_or(s.light IS NOT NULL) FILTER (WHERE s.action IN ('finish', 'close')) AS lit,
           bool_or(s.light = 'red') FILTER (WHERE s.action IN ('finish', 'close')) AS late,
           max(s.deadline) AS deadline_at,
           coalesce(max(s.seq) FILTER (WHERE s.action = 'suspend'), 0)
             > coalesce(max(s.seq) FILTER (WHERE s.action = 'resume'), 0) AS suspended,
           count(*) FILTER (WHERE s.action = 'fail'
                              OR (s.action = 'callbackUnsatisfied' AND s.to_state = 'DISPATCHED')) AS reworks,
           count(*) FILTER (WHERE s.action = 'extend') AS extensions,
           bool_or(s.action IN ('callbackSatisfied', 'callbackUnsatisfied')) AS callback,
           bool_or(s.action = 'callbackSatisfied'
                   AND coalesce(s.data->>'satisfaction', 'satisfied') IN ('satisfied', 'basically_satisfied')) AS satisfied,
           bool_or(s.action IN ('callbackSatisfied', 'callbackUnsatisfied')
                   AND CASE WHEN s.data->'solved' IS NOT NULL THEN s.data->'solved' = 'true'::jsonb
                            ELSE s.action = 'callbackSatisfied' END) AS solved${
                              withAssignee
                                ? `,
           (array_agg(s.data->>'assignee' ORDER BY s.seq DESC) FILTER (WHERE s.action = 'dispatch'))[1] AS assignee`
                                : ''
                            }
      FROM incident_steps s
     WHERE s.at >= $1 AND s.at < $2
     GROUP BY s.incident_id
    HAVING bool_or(s.action = 'file')`;
}

/** The SQL of {@link kpiCounts}: $1 from, $2 to, $3 leave suspended out of due, $4 LIKE patterns. */
export function kpiCountsSql(groupBy: KpiGroupBy, filtered: boolean): string {
  const people = groupBy === 'worker' || groupBy === 'unit';
  const key = people ? 'f.assignee' : TERRITORY_KEY[groupBy];
  const unitJoin = people ? 'LEFT JOIN disposal_units u ON u.id = f.assignee' : '';
  const conditions = ['NOT i.drill', `${key} IS NOT NULL`];
  if (groupBy === 'worker') conditions.push('u.id IS NULL');
  if (groupBy === 'unit') conditions.push('u.id IS NOT NULL');
  if (filtered) conditions.push("coalesce(i.grid, i.community, '') LIKE ANY($4::text[])");
  return `
    WITH f AS (${perIncidentSql(people)}),
    g AS (
      SELECT ${key} AS key, f.*,
             f.closed_at IS NOT NULL AS closed,
             f.closed_at IS NOT NULL AND CASE
               WHEN f.lit THEN NOT f.late
               WHEN f.deadline_at IS NOT NULL THEN f.closed_at <= f.deadline_at
               ELSE true END AS on_time,
             f.closed_at IS NOT NULL OR f.deadline_at < $2 AS due
        FROM f
        JOIN incidents i ON i.id = f.incident_id
        ${unitJoin}
       WHERE ${conditions.join(' AND ')}
    )
    SELECT key,
           count(*)::int AS should_dispatch,
           count(*) FILTER (WHERE dispatched)::int AS dispatched,
           count(*) FILTER (WHERE should_handle)::int AS should_handle,
           count(*) FILTER (WHERE handled)::int AS handled,
           count(*) FILTER (WHERE closed)::int AS closed,
           count(*) FILTER (WHERE on_time)::int AS closed_on_time,
           count(*) FILTER (WHERE due AND NOT (closed_at IS NULL AND suspended AND $3::boolean))::int AS due_for_closing,
           coalesce(sum(reworks), 0)::int AS reworks,
           coalesce(sum(extensions), 0)::int AS extensions,
           count(*) FILTER (WHERE callback AND closed)::int AS callbacks,
           count(*) FILTER (WHERE satisfied AND closed)::int AS satisfied,
           count(*) FILTER (WHERE solved AND closed)::int AS solved
      FROM g
     GROUP BY key
     ORDER BY key`;
}

interface CountsRow {
  key: string;
  should_dispatch: number;
  dispatched: number;
  should_handle: number;
  handled: number;
  closed: number;
  closed_on_time: number;
  due_for_closing: number;
  reworks: number;
  extensions: number;
  callbacks: number;
  satisfied: number;
  solved: number;
}

const prefixesOf = (prefix: KpiQuery['territoryPrefix']): string[] | undefined =>
  prefix === undefined ? undefined : typeof prefix === 'string' ? [prefix] : [...prefix];

/**
 * The {@link Counts} of every group over the period, computed in SQL from step records (never from
 * counters), drills left out. The cohort is the incidents filed (a `file` step) in [from, to);
 * each is counted as its steps stood at `to`:
 *
 * - shouldDispatch: filed; dispatched: a `dispatch` step; shouldHandle: dispatched and not
 *   returned since (its latest dispatch comes after its latest `return`); handled: a `finish` step;
 * - closed: a `close` step; closedOnTime and dueForClosing: see the per-incident SQL above (due
 *   leaves out incidents suspended at `to` when the policy says so);
 * - reworks: `fail` steps and unsatisfied callbacks that sent the work back; extensions: `extend`
 *   steps (approved extensions);
 * - callbacks, satisfied and solved: among the closed ones, a callback step; a `callbackSatisfied`
 *   step whose `data.satisfaction` is satisfied or basically satisfied (absent: satisfied); a
 *   callback whose `data.solved` is true (absent: the callback was satisfied).
 *
 * Groups: district, street and community from the incident's community code, grid from its grid
 * (incidents without a grid are in no grid group), worker and unit from the assignee of its latest
 * dispatch step — a disposal unit when the id is one of `disposal_units`, else a grid worker.
 */
export async function kpiCounts(db: Queryable, query: KpiQuery): Promise<KpiGroup[]> {
  const prefixes = prefixesOf(query.territoryPrefix);
  if (prefixes !== undefined && prefixes.length === 0) return [];
  const params: unknown[] = [query.from, query.to, query.policy.exclude_suspended_from_due];
  if (prefixes !== undefined) params.push(prefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, '\\$&')}%`));
  const { rows } = await db.query<CountsRow>(kpiCountsSql(query.groupBy, prefixes !== undefined), params);
  return rows.map((row) => ({
    key: row.key,
    counts: {
      shouldDispatch: row.should_dispatch,
      dispatched: row.dispatched,
      shouldHandle: row.should_handle,
      handled: row.handled,
      closed: row.closed,
      closedOnTime: row.closed_on_time,
      dueForClosing: row.due_for_closing,
      reworks: row.reworks,
      extensions: row.extensions,
      callbacks: row.callbacks,
      satisfied: row.satisfied,
      solved: row.solved,
    },
  }));
}

export interface KpiGroupReport extends KpiGroup {
  report: KpiReport;
}

/** {@link kpiCounts}, then every KPI of each group with {@link kpisFromCounts}. */
export async function kpiReport(db: Queryable, query: KpiQuery): Promise<KpiGroupReport[]> {
  const groups = await kpiCounts(db, query);
  return groups.map((group) => ({ ...group, report: kpisFromCounts(group.counts, query.policy) }));
}

/**
 * Display names of groups: territories from territory_units (中文 / English), workers from users,
 * units from disposal_units; a key without a name keeps its code.
 */
export async function kpiGroupNames(
  db: Queryable,
  groupBy: KpiGroupBy,
  keys: readonly string[],
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const sql =
    groupBy === 'worker'
      ? 'SELECT id AS key, display_name AS name FROM users WHERE id = ANY($1::text[])'
      : groupBy === 'unit'
        ? `SELECT id AS key, name_zh || ' ' || name_en AS name FROM disposal_units WHERE id = ANY($1::text[])`
        : `SELECT code AS key, name_zh || coalesce(' ' || name_en, '') AS name FROM territory_units
            WHERE code = ANY($1::text[])`;
  const { rows } = await db.query<{ key: string; name: string }>(sql, [keys]);
  return new Map(rows.map((row) => [row.key, row.name]));
}
