import { z } from 'zod';
import type { Queryable } from '../db/db.js';
import type { Language } from '../i18n/message.js';
import { scopeCondition } from '../people/scope-sql.js';
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
  /** Only incidents that came through this channel (`incidents.source`: hotline, patrol, iot…). */
  source?: string | undefined;
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
  district: 'substr(f.community, 1, 6)',
  street: 'substr(f.community, 1, 9)',
  community: 'f.community',
  grid: 'substr(f.grid, 1, 15)',
};

/** The columns of a summary (incident_kpi_facts or incident_kpi_facts_of, migration 0011) the counts read. */
const SUMMARY_COLUMNS = [
  'dispatched',
  'should_handle',
  'handled',
  'callback',
  'closed_at',
  'closed_on_time',
  'deadline_at',
  'suspended',
  'reworks',
  'extensions',
  'satisfied',
  'solved',
  'assignee',
  'strictly_satisfied',
] as const;

/**
 * The SQL of {@link kpiCounts}: $1 from, $2 to, $3 leave suspended out of due, then the territory
 * condition's parameters ({@link kpiTerritoryCondition}).
 *
 * The cohort comes from `incident_kpi_facts` (migration 0011), one row per incident kept by the
 * database from its step records: its first `file` step, its latest step, and the summary of all
 * its steps. An incident whose latest step came before `to` stood at `to` as its row says (settled);
 * one with a step at or after `to` is summarised again from its steps taken before `to` by the
 * same function that keeps the rows (moving: typically the last days of the period).
 */
export function kpiCountsSql(groupBy: KpiGroupBy, scope?: string, sourceParam?: string): string {
  const people = groupBy === 'worker' || groupBy === 'unit';
  const key = people ? 'f.assignee' : TERRITORY_KEY[groupBy];
  const cohort = ['f.filed_at >= $1', 'f.filed_at < $2', 'NOT f.drill'];
  if (scope) cohort.push(scope);
  // Per channel: the incident's source is on the incident, not on the facts.
  if (sourceParam) cohort.push(`f.incident_id IN (SELECT id FROM incidents WHERE source = ${sourceParam})`);
  const where = cohort.join(' AND ');
  const columns = (table: string) => SUMMARY_COLUMNS.map((column) => `${table}.${column}`).join(', ');
  const unitJoin = people ? 'LEFT JOIN disposal_units u ON u.id = f.assignee' : '';
  const conditions = [`${key} IS NOT NULL`];
  if (groupBy === 'worker') conditions.push('u.id IS NULL');
  if (groupBy === 'unit') conditions.push('u.id IS NOT NULL');
  // The moving ones are few: their ids and places first, then their summaries, joined in memory.
  return `
    WITH moving AS MATERIALIZED (
      SELECT f.incident_id, f.community, f.grid FROM incident_kpi_facts f WHERE ${where} AND f.last_at >= $2
    ),
    f AS (
      SELECT f.community, f.grid, ${columns('f')}
        FROM incident_kpi_facts f
       WHERE ${where} AND f.last_at < $2
      UNION ALL
      SELECT moving.community, moving.grid, ${columns('m')}
        FROM moving
        JOIN incident_kpi_facts_of(ARRAY(SELECT incident_id FROM moving), $2) AS m ON m.incident_id = moving.incident_id
    ),
    g AS (
      SELECT ${key} AS key, f.*, f.closed_at IS NOT NULL AS closed, f.closed_at IS NOT NULL OR f.deadline_at < $2 AS due
        FROM f ${unitJoin}
       WHERE ${conditions.join(' AND ')}
    )
    SELECT key,
           count(*)::int AS should_dispatch,
           count(*) FILTER (WHERE dispatched)::int AS dispatched,
           count(*) FILTER (WHERE should_handle)::int AS should_handle,
           count(*) FILTER (WHERE handled)::int AS handled,
           count(*) FILTER (WHERE closed)::int AS closed,
           count(*) FILTER (WHERE closed_on_time)::int AS closed_on_time,
           count(*) FILTER (WHERE due AND NOT (NOT closed AND suspended AND $3::boolean))::int AS due_for_closing,
           coalesce(sum(reworks), 0)::int AS reworks,
           coalesce(sum(extensions), 0)::int AS extensions,
           count(*) FILTER (WHERE callback AND closed)::int AS callbacks,
           count(*) FILTER (WHERE satisfied AND closed)::int AS satisfied,
           count(*) FILTER (WHERE solved AND closed)::int AS solved,
           count(*) FILTER (WHERE strictly_satisfied AND closed)::int AS strictly_satisfied
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
  strictly_satisfied: number;
}

/**
 * Incidents under these territory prefixes, as a condition on the facts and its parameters from $4.
 * When the prefixes all lie in one district, the condition names it too (`f.district`), so that the
 * query reads one district's facts on a database distributed by district (docs/scaling.md).
 */
export function kpiTerritoryCondition(prefixes: readonly string[]): { sql: string; params: unknown[] } {
  const scope = scopeCondition({ territoryPrefixes: prefixes }, { territory: "coalesce(f.grid, f.community, '')" }, 4);
  const districts = new Set(prefixes.map((prefix) => (prefix.length >= 6 ? prefix.slice(0, 6) : undefined)));
  const [district] = districts;
  if (districts.size !== 1 || district === undefined) return scope;
  return {
    sql: `(f.district = $${4 + scope.params.length} AND ${scope.sql})`,
    params: [...scope.params, district],
  };
}

const prefixesOf = (prefix: KpiQuery['territoryPrefix']): string[] | undefined =>
  prefix === undefined ? undefined : typeof prefix === 'string' ? [prefix] : [...prefix];

/**
 * The {@link Counts} of every group over the period, computed in SQL from step records (never from
 * counters), drills left out. The cohort is the incidents filed (their first `file` step) in
 * [from, to); each is counted as its steps taken before `to` stood then (a step after the period,
 * such as a later callback, does not count in it):
 *
 * - shouldDispatch: filed; dispatched: a `dispatch` step; shouldHandle: dispatched and not
 *   returned since (its latest dispatch comes after its latest `return`); handled: a `finish` step;
 * - closed: a `close` step; closedOnTime: closed within the time limits (see incident_kpi_facts_of
 *   in migration 0011); dueForClosing: closed, or its latest deadline passed before `to` — every
 *   closed incident is due, so closing early cannot push 结案率 past 100 % — leaving out incidents
 *   suspended at `to` when the policy says so;
 * - reworks: `fail` steps and unsatisfied callbacks that sent the work back; extensions: `extend`
 *   steps (approved extensions);
 * - callbacks, satisfied and solved: among the closed ones, a callback step; a `callbackSatisfied`
 *   step whose `data.satisfaction` is satisfied or basically satisfied (absent: satisfied); a
 *   callback whose `data.solved` is true (absent: the callback was satisfied); strictlySatisfied:
 *   a callback whose verdict was "satisfied" alone (migration 0053: satisfied and basically
 *   satisfied count whichever callback step the verdict took).
 *
 * Groups: district, street and community from the incident's community code, grid from its grid
 * (incidents without a grid are in no grid group), worker and unit from the assignee of its latest
 * dispatch or re-dispatch step, none while it is recalled (migration 0025) — a disposal unit when
 * the id is one of `disposal_units`, else a grid worker.
 */
export async function kpiCounts(db: Queryable, query: KpiQuery): Promise<KpiGroup[]> {
  const prefixes = prefixesOf(query.territoryPrefix);
  if (prefixes !== undefined && prefixes.length === 0) return [];
  const scope = prefixes === undefined ? undefined : kpiTerritoryCondition(prefixes);
  const params: unknown[] = [query.from, query.to, query.policy.exclude_suspended_from_due, ...(scope?.params ?? [])];
  let sourceParam: string | undefined;
  if (query.source !== undefined) {
    params.push(query.source);
    sourceParam = `$${params.length}`;
  }
  const { rows } = await db.query<CountsRow>(kpiCountsSql(query.groupBy, scope?.sql, sourceParam), params);
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
      strictlySatisfied: row.strictly_satisfied,
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
 * Display names of groups in the reader's language: territories from territory_units, workers from
 * users, units from disposal_units (English falls back to the Chinese name); a key without a name
 * keeps its code.
 */
export async function kpiGroupNames(
  db: Queryable,
  groupBy: KpiGroupBy,
  keys: readonly string[],
  language: Language,
): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const name = language === 'en' ? 'coalesce(name_en, name_zh)' : 'name_zh';
  const sql =
    groupBy === 'worker'
      ? 'SELECT id AS key, display_name AS name FROM users WHERE id = ANY($1::text[])'
      : groupBy === 'unit'
        ? `SELECT id AS key, ${name} AS name FROM disposal_units WHERE id = ANY($1::text[])`
        : `SELECT code AS key, ${name} AS name FROM territory_units WHERE code = ANY($1::text[])`;
  const { rows } = await db.query<{ key: string; name: string }>(sql, [keys]);
  return new Map(rows.map((row) => [row.key, row.name]));
}

/** Territories' names in the reader's language (English falls back to the Chinese name). */
export async function territoryNames(
  db: Queryable,
  codes: readonly string[],
  language: Language,
): Promise<Map<string, string>> {
  return kpiGroupNames(db, 'street', codes, language);
}
