-- A step's KPI facts read only the months since its incident was created.
--
-- Every step written (and every deadline recorded on one) summarises its incident again
-- (incident_kpi_facts_refresh, 0011/0053) by reading the incident's steps. incident_steps is
-- partitioned by month and kept for good (0055), so without a bound on the step time that read
-- visits every month of the history: a step's cost grew with the years the cloud has run. The
-- refresh now bounds it by the incidents' creation; the partitions before are pruned when the
-- plan starts. The two-argument summary (the KPI queries' "as of") reads every month, as before.

CREATE FUNCTION incident_kpi_facts_of(ids text[], as_of timestamptz, since timestamptz)
RETURNS TABLE (
  incident_id text,
  filed_at timestamptz,
  last_at timestamptz,
  dispatched boolean,
  should_handle boolean,
  handled boolean,
  callback boolean,
  closed_at timestamptz,
  closed_on_time boolean,
  deadline_at timestamptz,
  suspended boolean,
  reworks integer,
  extensions integer,
  satisfied boolean,
  solved boolean,
  assignee text,
  strictly_satisfied boolean
)
LANGUAGE sql STABLE AS $$
  SELECT incident_id, filed_at, last_at, dispatched, should_handle, handled, callback, closed_at,
         closed_at IS NOT NULL AND CASE WHEN lit THEN NOT late
                                        WHEN deadline_at IS NOT NULL THEN closed_at <= deadline_at
                                        ELSE true END,
         deadline_at, suspended, reworks, extensions, satisfied, solved, assignee, strictly_satisfied
    FROM (
      SELECT s.incident_id,
             min(s.at) FILTER (WHERE s.action = 'file') AS filed_at,
             max(s.at) AS last_at,
             bool_or(s.action = 'dispatch') AS dispatched,
             coalesce(max(s.seq) FILTER (WHERE s.action IN ('dispatch', 'redispatch'))
                      > coalesce(max(s.seq) FILTER (WHERE s.action IN ('return', 'recall')), 0), false) AS should_handle,
             bool_or(s.action = 'finish') AS handled,
             bool_or(s.action IN ('callbackSatisfied', 'callbackUnsatisfied')) AS callback,
             max(s.at) FILTER (WHERE s.action = 'close') AS closed_at,
             bool_or(s.action IN ('finish', 'close') AND s.light IS NOT NULL) AS lit,
             bool_or(s.action IN ('finish', 'close') AND s.light IS NOT NULL AND s.light = 'red') AS late,
             max(s.deadline) AS deadline_at,
             coalesce(max(s.seq) FILTER (WHERE s.action = 'suspend')
                      > coalesce(max(s.seq) FILTER (WHERE s.action = 'resume'), 0), false) AS suspended,
             (count(*) FILTER (WHERE s.action = 'fail'
                                  OR (s.action = 'callbackUnsatisfied' AND s.to_state = 'DISPATCHED')))::integer AS reworks,
             (count(*) FILTER (WHERE s.action = 'extend'))::integer AS extensions,
             bool_or(s.action IN ('callbackSatisfied', 'callbackUnsatisfied')
                     AND coalesce(s.data->>'satisfaction',
                                  CASE WHEN s.action = 'callbackSatisfied' THEN 'satisfied' ELSE 'unsatisfied' END)
                         IN ('satisfied', 'basically_satisfied')) AS satisfied,
             bool_or(s.action IN ('callbackSatisfied', 'callbackUnsatisfied')
                     AND CASE WHEN s.data->'solved' IS NOT NULL THEN s.data->'solved' = 'true'::jsonb
                              ELSE s.action = 'callbackSatisfied' END) AS solved,
             CASE WHEN coalesce(max(s.seq) FILTER (WHERE s.action = 'recall'), 0)
                       > coalesce(max(s.seq) FILTER (WHERE s.action IN ('dispatch', 'redispatch')), 0) THEN NULL
                  ELSE (array_agg(s.data->>'assignee' ORDER BY s.seq DESC)
                          FILTER (WHERE s.action IN ('dispatch', 'redispatch')))[1] END AS assignee,
             coalesce(bool_or(s.action IN ('callbackSatisfied', 'callbackUnsatisfied')
                     AND coalesce(s.data->>'satisfaction',
                                  CASE WHEN s.action = 'callbackSatisfied' THEN 'satisfied' ELSE 'unsatisfied' END)
                         = 'satisfied'), false) AS strictly_satisfied
        FROM incident_steps s
       WHERE s.incident_id = ANY (ids) AND s.at < as_of AND s.at >= since
       GROUP BY s.incident_id
    ) AS summary
$$;

CREATE OR REPLACE FUNCTION incident_kpi_facts_of(ids text[], as_of timestamptz)
RETURNS TABLE (
  incident_id text,
  filed_at timestamptz,
  last_at timestamptz,
  dispatched boolean,
  should_handle boolean,
  handled boolean,
  callback boolean,
  closed_at timestamptz,
  closed_on_time boolean,
  deadline_at timestamptz,
  suspended boolean,
  reworks integer,
  extensions integer,
  satisfied boolean,
  solved boolean,
  assignee text,
  strictly_satisfied boolean
)
LANGUAGE sql STABLE AS $$
  SELECT * FROM incident_kpi_facts_of(ids, as_of, '-infinity')
$$;

CREATE OR REPLACE FUNCTION incident_kpi_facts_refresh(ids text[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
DECLARE
  since timestamptz;
BEGIN
  PERFORM 1 FROM incidents WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
  -- Steps are written on the cloud's clock after their incident's creation (a day of slack for
  -- replicas' clocks apart, as cloud/src/incidents/store.ts bounds its reads).
  SELECT min(created_at) - interval '1 day' INTO since FROM incidents WHERE id = ANY (ids);
  INSERT INTO incident_kpi_facts (incident_id, community, grid, drill, filed_at, last_at, dispatched, should_handle,
         handled, callback, closed_at, closed_on_time, deadline_at, suspended, reworks, extensions, satisfied, solved,
         assignee, strictly_satisfied)
  SELECT f.incident_id, i.community, i.grid, i.drill, f.filed_at, f.last_at, f.dispatched, f.should_handle,
         f.handled, f.callback, f.closed_at, f.closed_on_time, f.deadline_at, f.suspended, f.reworks, f.extensions,
         f.satisfied, f.solved, f.assignee, f.strictly_satisfied
    FROM incident_kpi_facts_of(ids, 'infinity', coalesce(since, '-infinity')) AS f
    CROSS JOIN LATERAL (SELECT community, grid, drill FROM incidents WHERE id = f.incident_id OFFSET 0) AS i
  ON CONFLICT (incident_id) DO UPDATE SET
    community = EXCLUDED.community, grid = EXCLUDED.grid, drill = EXCLUDED.drill, filed_at = EXCLUDED.filed_at,
    last_at = EXCLUDED.last_at, dispatched = EXCLUDED.dispatched, should_handle = EXCLUDED.should_handle,
    handled = EXCLUDED.handled, callback = EXCLUDED.callback, closed_at = EXCLUDED.closed_at,
    closed_on_time = EXCLUDED.closed_on_time, deadline_at = EXCLUDED.deadline_at, suspended = EXCLUDED.suspended,
    reworks = EXCLUDED.reworks, extensions = EXCLUDED.extensions, satisfied = EXCLUDED.satisfied,
    solved = EXCLUDED.solved, assignee = EXCLUDED.assignee, strictly_satisfied = EXCLUDED.strictly_satisfied;
END
$$;
