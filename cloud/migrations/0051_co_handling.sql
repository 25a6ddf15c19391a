-- Co-handling (多部门联动, docs/domain.md §3): besides its lead unit (the incident's assignee), an
-- incident may give co-handling units a task each (联办) and copy units in (抄告). Every change is also
-- a step on the incident's history; these rows are the current state the gate and the pages read.
-- Depends on 0003 (incidents) and 0005 (disposal_units).

-- One row per task given to a co-handling unit. A refused task stays refused until the centre
-- reassigns it: then it is `reassigned` and a new row (replaces = its id) goes to the other unit.
-- limit_value/limit_unit: the limit the deadline was counted with, for the traffic light.
CREATE TABLE co_tasks (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  unit_id text NOT NULL REFERENCES disposal_units (id),
  task text NOT NULL,
  state text NOT NULL CHECK (state IN ('assigned', 'accepted', 'done', 'refused', 'reassigned')),
  assigned_at timestamptz NOT NULL,
  assigned_by text NOT NULL,
  deadline timestamptz NOT NULL,
  limit_value integer NOT NULL CHECK (limit_value > 0),
  limit_unit text NOT NULL,
  accepted_at timestamptz,
  done_at timestamptz,
  refused_at timestamptz,
  refusal_reason text,
  -- Set once when the deadline passed with the task open: the centre was told (督办).
  escalated_at timestamptz,
  supervision text NOT NULL DEFAULT 'none',
  replaces bigint REFERENCES co_tasks (id),
  CHECK (deadline > assigned_at)
);
-- A unit has at most one live task per incident.
CREATE UNIQUE INDEX co_tasks_live_unit ON co_tasks (incident_id, unit_id) WHERE state IN ('assigned', 'accepted', 'refused');
CREATE INDEX co_tasks_by_unit ON co_tasks (unit_id, state);
CREATE INDEX co_tasks_overdue ON co_tasks (deadline) WHERE state IN ('assigned', 'accepted') AND escalated_at IS NULL;

-- Units copied in (抄告): told, and their users may read the incident; nothing more.
CREATE TABLE co_copies (
  incident_id text NOT NULL REFERENCES incidents (id),
  unit_id text NOT NULL REFERENCES disposal_units (id),
  added_at timestamptz NOT NULL,
  added_by text NOT NULL,
  PRIMARY KEY (incident_id, unit_id)
);

-- An operator's override of the lead's gate, with its reason: it covers the tasks live when it was made.
CREATE TABLE co_overrides (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  reason text NOT NULL CHECK (length(btrim(reason)) > 0),
  actor text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX co_overrides_by_incident ON co_overrides (incident_id, at);
