/**
 * The district KPI query as it stood with migration 0010, before the KPI facts of migration 0011
 * (with the callback verdicts' meaning of 0053, so that both count the same):
 * one range scan of the period's step records (index-only on 0010's incident_steps_kpi), summarised
 * per incident in memory, territory looked up per incident. Kept as the baseline of
 * bench/kpi-query.ts, which runs it and `kpiCounts` over the same data and checks they agree.
 * It needs 0010's indexes, which 0011 drops: run it before applying 0011.
 */
import type { Db, KpiGroup, KpiGroupBy, KpiQuery } from '@gridlink/cloud';

const TERRITORY_KEY: Record<Exclude<KpiGroupBy, 'worker' | 'unit'>, string> = {
  district: 'substr(i.community, 1, 6)',
  street: 'substr(i.community, 1, 9)',
  community: 'i.community',
  grid: 'substr(i.grid, 1, 15)',
};

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
           bool_or(v.level IN ('satisfied', 'basically_satisfied')) AS satisfied,
           bool_or(v.level = 'satisfied') AS strictly_satisfied,
           bool_or(CASE WHEN s.data->'solved' IS NOT NULL THEN s.data->'solved' = 'true'::jsonb
                        ELSE s.action = 'callbackSatisfied' END) AS solved
      FROM incident_steps s
     CROSS JOIN LATERAL (SELECT coalesce(s.data->>'satisfaction',
                                         CASE WHEN s.action = 'callbackSatisfied' THEN 'satisfied'
                                              ELSE 'unsatisfied' END) AS level) AS v
     WHERE s.at >= $1 AND s.at < $2 AND s.action IN ('callbackSatisfied', 'callbackUnsatisfied')
     GROUP BY s.incident_id`;

/** The assignee of the latest dispatch, from the dispatch steps' data (index incident_steps_kpi_dispatches). */
const ASSIGNEE_SQL = `
    SELECT s.incident_id, (array_agg(s.data->>'assignee' ORDER BY s.seq DESC))[1] AS assignee
      FROM incident_steps s
     WHERE s.at >= $1 AND s.at < $2 AND s.action = 'dispatch'
     GROUP BY s.incident_id`;

/** $1 from, $2 to, $3 leave suspended out of due, $4 LIKE patterns. */
function stepScanSql(groupBy: KpiGroupBy, filtered: boolean): string {
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
             coalesce(d.strictly_satisfied, false) AS strictly_satisfied,
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

/** The counts per group as 0010's query computed them (with its work_mem of 64 MB). */
export async function kpiCountsByStepScan(db: Db, query: KpiQuery): Promise<KpiGroup[]> {
  const prefixes =
    query.territoryPrefix === undefined
      ? undefined
      : typeof query.territoryPrefix === 'string'
        ? [query.territoryPrefix]
        : [...query.territoryPrefix];
  const params: unknown[] = [query.from, query.to, query.policy.exclude_suspended_from_due];
  if (prefixes !== undefined) params.push(prefixes.map((prefix) => `${prefix.replace(/[\\%_]/g, '\\$&')}%`));
  const { rows } = await db.transaction(async (tx) => {
    await tx.query("SET LOCAL work_mem = '64MB'");
    return tx.query<CountsRow>(stepScanSql(query.groupBy, prefixes !== undefined), params);
  });
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
