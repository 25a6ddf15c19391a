-- KPI facts (domain §5, cloud/src/kpi/query.ts): one row per incident with steps, summarising its
-- step records as they stand after its latest step, kept by the database itself on every insert
-- into incident_steps and every later change of a step's deadline or light, whoever writes them
-- (the engine, replicas, imports). The KPI query reads a period's facts instead of its steps; an
-- incident with a step at or after the period's end is summarised again from its steps as they
-- stood at that end, with the same function, so "as of the end of the period" holds exactly.
-- Replaces the step-scanning indexes of 0010. Plain SQL and PL/pgSQL: PostgreSQL and PGlite alike.

-- The summary of the steps of the incidents `ids` taken before `as_of`, one row per incident that has any.
-- The time limits (0008) write on each step the deadline of the clock running after it (deadline)
-- and the light of the clock it ended (light: red = taken after its deadline).
--   filed_at        the first `file` step (立案): the incident belongs to the period it falls in
--   last_at         the latest step of any kind: the summary holds for every as-of after it
--   should_handle   dispatched and not returned since (its latest dispatch comes after its latest return)
--   closed_at       the latest `close` step
--   deadline_at     the latest deadline any step carries (an approved extension carries the moved one)
--   closed_on_time  closed, and no `finish` (处置完成) or `close` step taken on a red light; steps
--                   without lights: closed no later than deadline_at; no deadline at all: not late
--   suspended       its latest suspend step was not followed by a resume (挂账)
--   reworks         `fail` steps and unsatisfied callbacks that sent the work back (返工)
--   extensions      `extend` steps (approved extensions, 延期)
--   satisfied       a `callbackSatisfied` step whose data.satisfaction is satisfied or basically
--                   satisfied (absent: satisfied)
--   solved          a callback whose data.solved is true (absent: the callback was satisfied)
--   assignee        data.assignee of the latest `dispatch` step
CREATE FUNCTION incident_kpi_facts_of(ids text[], as_of timestamptz)
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
             coalesce(max(s.seq) FILTER (WHERE s.action = 'dispatch')
                      > coalesce(max(s.seq) FILTER (WHERE s.action = 'return'), 0), false) AS should_handle,
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
             (array_agg(s.data->>'assignee' ORDER BY s.seq DESC) FILTER (WHERE s.action = 'dispatch'))[1] AS assignee
        FROM incident_steps s
       WHERE s.incident_id = ANY (ids) AND s.at < as_of
       GROUP BY s.incident_id
    ) AS summary
$$;

-- The summary after the latest step, with the incident's territory and drill flag beside it so the
-- KPI query reads one table. fillfactor leaves room for the updates of an incident's first days to
-- stay on their page (filed_at, the only indexed column, is set once).
CREATE TABLE incident_kpi_facts (
  incident_id text PRIMARY KEY REFERENCES incidents (id),
  community text,
  grid text,
  drill boolean NOT NULL,
  filed_at timestamptz,
  last_at timestamptz NOT NULL,
  dispatched boolean NOT NULL,
  should_handle boolean NOT NULL,
  handled boolean NOT NULL,
  callback boolean NOT NULL,
  closed_at timestamptz,
  closed_on_time boolean NOT NULL,
  deadline_at timestamptz,
  suspended boolean NOT NULL,
  reworks integer NOT NULL,
  extensions integer NOT NULL,
  satisfied boolean NOT NULL,
  solved boolean NOT NULL,
  assignee text
) WITH (fillfactor = 80);
CREATE INDEX incident_kpi_facts_filed ON incident_kpi_facts (filed_at) WHERE filed_at IS NOT NULL;

-- Summarises the incidents `ids` again from all their steps. The incidents' rows are locked first,
-- so two transactions adding steps to one incident summarise one after the other, the second
-- seeing the first's steps (FOR NO KEY UPDATE does not wait for the FOR KEY SHARE locks that
-- inserting a step takes on its incident).
-- Its statements keep one plan per connection: planned again on every step (the default for an
-- array parameter) they would cost several times the insert. That plan reaches rows by their keys
-- whatever the statistics said when it was made: without enable_seqscan = off, a plan made while
-- the tables were small would scan them whole for as long as the connection lives.
CREATE FUNCTION incident_kpi_facts_refresh(ids text[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan SET enable_seqscan = off AS $$
BEGIN
  PERFORM 1 FROM incidents WHERE id = ANY (ids) ORDER BY id FOR NO KEY UPDATE;
  INSERT INTO incident_kpi_facts (incident_id, community, grid, drill, filed_at, last_at, dispatched, should_handle,
         handled, callback, closed_at, closed_on_time, deadline_at, suspended, reworks, extensions, satisfied, solved,
         assignee)
  SELECT f.incident_id, i.community, i.grid, i.drill, f.filed_at, f.last_at, f.dispatched, f.should_handle,
         f.handled, f.callback, f.closed_at, f.closed_on_time, f.deadline_at, f.suspended, f.reworks, f.extensions,
         f.satisfied, f.solved, f.assignee
    FROM incident_kpi_facts_of(ids, 'infinity') AS f
    CROSS JOIN LATERAL (SELECT community, grid, drill FROM incidents WHERE id = f.incident_id OFFSET 0) AS i
  ON CONFLICT (incident_id) DO UPDATE SET
    community = EXCLUDED.community, grid = EXCLUDED.grid, drill = EXCLUDED.drill, filed_at = EXCLUDED.filed_at,
    last_at = EXCLUDED.last_at, dispatched = EXCLUDED.dispatched, should_handle = EXCLUDED.should_handle,
    handled = EXCLUDED.handled, callback = EXCLUDED.callback, closed_at = EXCLUDED.closed_at,
    closed_on_time = EXCLUDED.closed_on_time, deadline_at = EXCLUDED.deadline_at, suspended = EXCLUDED.suspended,
    reworks = EXCLUDED.reworks, extensions = EXCLUDED.extensions, satisfied = EXCLUDED.satisfied,
    solved = EXCLUDED.solved, assignee = EXCLUDED.assignee;
END
$$;

-- Once per statement, however many steps it wrote: a batch of steps of one incident summarises it once.
CREATE FUNCTION incident_kpi_facts_after_steps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM incident_kpi_facts_refresh(ARRAY(SELECT DISTINCT incident_id FROM written_steps));
  RETURN NULL;
END
$$;
CREATE TRIGGER incident_steps_kpi_facts_insert AFTER INSERT ON incident_steps
  REFERENCING NEW TABLE AS written_steps FOR EACH STATEMENT EXECUTE FUNCTION incident_kpi_facts_after_steps();
-- Steps change afterwards only in deadline and light (0003's append-only trigger refuses the rest).
CREATE TRIGGER incident_steps_kpi_facts_update AFTER UPDATE ON incident_steps
  REFERENCING NEW TABLE AS written_steps FOR EACH STATEMENT EXECUTE FUNCTION incident_kpi_facts_after_steps();

-- The incident's place and drill flag follow the incident.
CREATE FUNCTION incident_kpi_facts_after_incident() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE incident_kpi_facts SET community = NEW.community, grid = NEW.grid, drill = NEW.drill
   WHERE incident_id = NEW.id;
  RETURN NULL;
END
$$;
CREATE TRIGGER incidents_kpi_facts AFTER UPDATE OF community, grid, drill ON incidents
  FOR EACH ROW WHEN (OLD.community IS DISTINCT FROM NEW.community OR OLD.grid IS DISTINCT FROM NEW.grid
                     OR OLD.drill IS DISTINCT FROM NEW.drill)
  EXECUTE FUNCTION incident_kpi_facts_after_incident();

-- The steps already written, in filing order so that a period's facts lie together.
INSERT INTO incident_kpi_facts (incident_id, community, grid, drill, filed_at, last_at, dispatched, should_handle,
       handled, callback, closed_at, closed_on_time, deadline_at, suspended, reworks, extensions, satisfied, solved,
       assignee)
SELECT f.incident_id, i.community, i.grid, i.drill, f.filed_at, f.last_at, f.dispatched, f.should_handle,
       f.handled, f.callback, f.closed_at, f.closed_on_time, f.deadline_at, f.suspended, f.reworks, f.extensions,
       f.satisfied, f.solved, f.assignee
  FROM incident_kpi_facts_of(ARRAY(SELECT id FROM incidents), 'infinity') AS f
  JOIN incidents i ON i.id = f.incident_id
 ORDER BY f.filed_at, f.incident_id;

-- The KPI query no longer scans step records by time.
DROP INDEX IF EXISTS incident_steps_kpi;
DROP INDEX IF EXISTS incident_steps_kpi_callbacks;
DROP INDEX IF EXISTS incident_steps_kpi_dispatches;
DROP INDEX IF EXISTS incidents_kpi;
