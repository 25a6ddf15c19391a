-- Recalled (撤回) and re-dispatched (改派) work in the KPI facts (domain §3, §5), replacing the
-- summary function of 0011 with the same signature (its triggers and table stay):
--   should_handle  the latest dispatch or re-dispatch comes after the latest return or recall
--   assignee       data.assignee of the latest dispatch or re-dispatch: whoever holds the work is
--                  counted for it, one it was taken from is not; none while it is recalled (the
--                  centre decides again). A return (退件) keeps the unit that returned it, as before.
-- Incidents summarised before have no such steps: their facts stay as they are.
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
  assignee text
)
LANGUAGE sql STABLE AS $$
  SELECT incident_id, filed_at, last_at, dispatched, should_handle, handled, callback, closed_at,
         closed_at IS NOT NULL AND CASE WHEN lit THEN NOT late
                                        WHEN deadline_at IS NOT NULL THEN closed_at <= deadline_at
                                        ELSE true END,
         deadline_at, suspended, reworks, extensions, satisfied, solved, assignee
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
             bool_or(s.action = 'callbackSatisfied'
                     AND coalesce(s.data->>'satisfaction', 'satisfied') IN ('satisfied', 'basically_satisfied')) AS satisfied,
             bool_or(s.action IN ('callbackSatisfied', 'callbackUnsatisfied')
                     AND CASE WHEN s.data->'solved' IS NOT NULL THEN s.data->'solved' = 'true'::jsonb
                              ELSE s.action = 'callbackSatisfied' END) AS solved,
             CASE WHEN coalesce(max(s.seq) FILTER (WHERE s.action = 'recall'), 0)
                       > coalesce(max(s.seq) FILTER (WHERE s.action IN ('dispatch', 'redispatch')), 0) THEN NULL
                  ELSE (array_agg(s.data->>'assignee' ORDER BY s.seq DESC)
                          FILTER (WHERE s.action IN ('dispatch', 'redispatch')))[1] END AS assignee
        FROM incident_steps s
       WHERE s.incident_id = ANY (ids) AND s.at < as_of
       GROUP BY s.incident_id
    ) AS summary
$$;
