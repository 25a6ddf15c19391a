import { z } from 'zod';
import type { Db, Queryable } from '../db/db.js';
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
 * finds them all (index-only, on incident_steps_kpi of migration 0010); earlier steps (report, accept)
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
function perIncidentSql(): string {
  // Few aggregates over many rows: the yes/no facts as bits of one bit_or, and "which came last"
  // (dispatch or return, suspend or resume) as the parity of max(seq × 2 + is-it-the-first).
  return `
    SELECT s.incident_id,
           bit_or(CASE s.action WHEN 'file' THEN ${BIT.filed} WHEN 'dispatch' THEN ${BIT.dispatched}
                                WHEN 'finish' THEN ${BIT.handled} WHEN 'callbackSatisfied' THEN ${BIT.callback}
                                WHEN 'callbackUnsatisfied' THEN ${BIT.callback} ELSE 0 END
                  | CASE WHEN s.action IN ('finish', 'close') AND s.light IS NOT NULL
                         THEN CASE WHEN s.light = 'red' THEN ${BIT.lit | BIT.late} ELSE ${BIT.lit} END
                         ELSE 0 END) AS flags,
           max(CASE WHEN s.action IN ('dispatch', 'return')
                    THEN s.seq * 2 + CASE WHEN s.action = 'dispatch' THEN 1 ELSE 0 END END) AS last_assignment,
           max(CASE WHEN s.action IN ('suspend', 'resume')
                    THEN s.seq * 2 + CASE WHEN s.action = 'suspend' THEN 1 ELSE 0 END END) AS last_suspension,
           max(CASE WHEN s.action = 'close' THEN s.at END) AS closed_at,
           max(s.deadline) AS deadline_at,
           sum(CASE WHEN s.action = 'fail' OR (s.action = 'callbackUnsatisfied' AND s.to_state = 'DISPATCHED')
                    THEN 1 ELSE 0 END) AS reworks,
           sum(CASE WHEN s.action = 'extend' THEN 1 ELSE 0 END) AS extensions
      FROM incident_steps s
     WHERE s.at >= $1 AND s.at < $2
     GROUP BY s.incident_id`;
}

const BIT = { filed: 1, dispatched: 2, handled: 4, callback: 8, lit: 16, late: 32 } as const;
const has = (bit: keyof typeof BIT) => `(f.flags & ${BIT[bit]}) <> 0`;

/** The callback's verdict, from the callback steps' data (index incident_steps_kpi_callbacks). */
const CALLBACK_SQL = `
    SELECT s.incident_id,
           bool_or(s.action = 'callbackSatisfied'
                   AND coalesce(s.data->>'satisfaction', 'satisfied') IN ('satisfied', 'basically_satisfied')) AS satisfied,
           bool_or(CASE WHEN s.data->'solved' IS NOT NULL THEN s.data->'solved' = 'true'::jsonb
                        ELSE s.action = 'callbackSatisfied' END) AS solved
      FROM incident_steps s
     WHERE s.at >= $1 AND s.at < $2 AND s.action IN ('callbackSatisfied', 'callbackUnsatisfied')
     GROUP BY s.incident_id`;

/** The assignee of the latest dispatch, from the dispatch steps' data (index incident_steps_kpi_dispatches). */
const ASSIGNEE_SQL = `
    SELECT s.incident_id, (array_agg(s.data->>'assignee' ORDER BY s.seq DESC))[1] AS assignee
      FROM incident_steps s
     WHERE s.at >= $1 AND s.at < $2 AND s.action = 'dispatch'
     GROUP BY s.incident_id`;

/** The SQL of {@link kpiCounts}: $1 from, $2 to, $3 leave suspended out of due, $4 LIKE patterns. */
export function kpiCountsSql(groupBy: KpiGroupBy, filtered: boolean): string {
  const people = groupBy === 'worker' || groupBy === 'unit';
  const key = people ? 'a.assignee' : TERRITORY_KEY[groupBy];
  const assigneeJoin = people
    ? 'JOIN a ON a.incident_id = f.incident_id LEFT JOIN disposal_units u ON u.id = a.assignee'
    : '';
  const conditions = [has('filed'), 'NOT i.drill', `${key} IS NOT NULL`];
  if (groupBy === 'worker') conditions.push('u.id IS NULL');
  if (groupBy === 'unit') conditions.push('u.id IS NOT NULL');
  if (filtered) conditions.push("coalesce(i.grid, i.community, '') LIKE ANY($4::text[])");
  return `
    WITH f AS MATERIALIZED (${perIncidentSql()}),
    d AS MATERIALIZED (${CALLBACK_SQL}),${people ? `\n    a AS MATERIALIZED (${ASSIGNEE_SQL}),` : ''}
    g AS (
      SELECT ${key} AS key, f.reworks, f.extensions, f.closed_at,
             ${has('dispatched')} AS dispatched,
             coalesce(f.last_assignment % 2 = 1, false) AS should_handle,
             ${has('handled')} AS handled,
             ${has('callback')} AS callback,
             coalesce(f.last_suspension % 2 = 1, false) AS suspended,
             coalesce(d.satisfied, false) AS satisfied, coalesce(d.solved, false) AS solved,
             f.closed_at IS NOT NULL AS closed,
             f.closed_at IS NOT NULL AND CASE
               WHEN ${has('lit')} THEN NOT ${has('late')}
               WHEN f.deadline_at IS NOT NULL THEN f.closed_at <= f.deadline_at
               ELSE true END AS on_time,
             f.closed_at IS NOT NULL OR f.deadline_at < $2 AS due
        FROM f
        CROSS JOIN LATERAL (SELECT community, grid, drill FROM incidents WHERE id = f.incident_id OFFSET 0) AS i
        LEFT JOIN d ON d.incident_id = f.incident_id
        ${assigneeJoin}
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

/** Memory for the KPI statement's hash tables (a month of a large district needs ~40 MB). */
const KPI_WORK_MEM = '64MB';

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
  const sql = kpiCountsSql(query.groupBy, prefixes !== undefined);
  // The per-incident summaries are hashed in memory: give this one statement the room for it.
  const { rows } =
    'transaction' in db
      ? await (db as Db).transaction(async (tx) => {
          await tx.query(`SET LOCAL work_mem = '${KPI_WORK_MEM}'`);
          return tx.query<CountsRow>(sql, params);
        })
      : await db.query<CountsRow>(sql, params);
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
