-- The incident engine: incidents, their append-only step records, later evidence, the alerts
-- linked to each incident and the device-event policy (domain §3 and §7). Depends on 0001 only.

-- Case numbers: INC-<China date>-<this sequence>.
CREATE SEQUENCE incident_number;

-- One row per incident; version guards transitions (optimistic concurrency). Attributes such as
-- urgent, supervision, level, source and drill are columns, never states.
CREATE TABLE incidents (
  id text PRIMARY KEY,
  version integer NOT NULL DEFAULT 1,
  state text NOT NULL,
  category_code text NOT NULL,
  severity text NOT NULL,
  urgent boolean NOT NULL DEFAULT false,
  supervision text NOT NULL DEFAULT 'none',
  level text NOT NULL DEFAULT 'community',
  source text NOT NULL,
  drill boolean NOT NULL DEFAULT false,
  community text,
  grid text,
  building text,
  unit text,
  floor integer,
  room text,
  device_id text,
  gateway_id text,
  address text,
  -- The gateway's alert id for incidents born from an alert; further alerts are in incident_alerts.
  alert_id text,
  -- Set on creation: report()'s request id, or alert:<alert id>; repeating the intake finds the incident.
  intake_request_id text NOT NULL UNIQUE,
  dedup_key text,
  occurrences integer NOT NULL DEFAULT 1,
  first_occurred_at timestamptz NOT NULL,
  last_occurred_at timestamptz NOT NULL,
  rework_count integer NOT NULL DEFAULT 0,
  assignee text,
  merged_into text REFERENCES incidents (id),
  title text NOT NULL,
  description text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  closed_at timestamptz
);
CREATE UNIQUE INDEX incidents_alert_id ON incidents (alert_id) WHERE alert_id IS NOT NULL;
CREATE INDEX incidents_dedup ON incidents (dedup_key, last_occurred_at) WHERE dedup_key IS NOT NULL;
CREATE INDEX incidents_by_state ON incidents (state);

-- Append-only: one row per transition (the creation included), seq counts from 1 per incident.
-- version is the incident's version after the step. deadline and light belong to the time limits.
CREATE TABLE incident_steps (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  seq integer NOT NULL,
  request_id text NOT NULL,
  action text NOT NULL,
  from_state text,
  to_state text NOT NULL,
  version integer NOT NULL,
  actor text NOT NULL,
  role text NOT NULL,
  comment text,
  attachments jsonb NOT NULL DEFAULT '[]',
  data jsonb NOT NULL DEFAULT '{}',
  at timestamptz NOT NULL,
  deadline timestamptz,
  light text,
  UNIQUE (incident_id, seq),
  UNIQUE (incident_id, request_id)
);

-- Facts learnt after intake (alert updates and clears, further alerts, merged incidents).
-- source_key makes each fact idempotent: a CloudEvent's source#id, or the merge step's request.
CREATE TABLE incident_evidence (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  kind text NOT NULL,
  source_key text NOT NULL,
  alert_id text,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  UNIQUE (incident_id, source_key)
);

-- Step records and evidence are history: the database refuses to change or delete them. Only a
-- step's deadline and light may be set afterwards (they belong to the time limits).
CREATE FUNCTION incidents_refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'incident_steps'
     AND to_jsonb(NEW) - 'deadline' - 'light' = to_jsonb(OLD) - 'deadline' - 'light' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER incident_steps_append_only BEFORE UPDATE OR DELETE ON incident_steps
  FOR EACH ROW EXECUTE FUNCTION incidents_refuse_history_change();
CREATE TRIGGER incident_evidence_append_only BEFORE UPDATE OR DELETE ON incident_evidence
  FOR EACH ROW EXECUTE FUNCTION incidents_refuse_history_change();

-- Every gateway alert that went into an incident (the first and the merged ones), so updates and
-- clears find their incident by alert id.
CREATE TABLE incident_alerts (
  alert_id text PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  linked_at timestamptz NOT NULL
);
CREATE INDEX incident_alerts_by_incident ON incident_alerts (incident_id);

-- Domain §7 default policy, tenant data: the most specific category code of an alert decides.
-- incident_category names the category of the incident or ticket when it differs from the alert's.
CREATE TABLE device_event_policies (
  category_code text PRIMARY KEY,
  policy text NOT NULL CHECK (policy IN ('alert_only', 'confirm_first', 'auto_incident', 'maintenance_ticket', 'never')),
  incident_category text,
  note text NOT NULL DEFAULT ''
);
INSERT INTO device_event_policies (category_code, policy, incident_category, note) VALUES
  ('emergency', 'auto_incident', NULL, 'smoke, gas, trapped passengers: urgent when critical'),
  ('urban_management.manhole_cover', 'auto_incident', NULL, 'tilted or open cover: to the cover''s owner unit'),
  ('safety.fire_water', 'auto_incident', NULL, 'hydrant or sprinkler pressure low for 30 min'),
  ('safety.fire_lane', 'auto_incident', NULL, 'the gateway rule raises after 30 min occupied'),
  ('safety.ebike_elevator', 'alert_only', NULL, 'blocked locally; the property is alerted'),
  ('safety.high_altitude_throwing', 'confirm_first', NULL, 'a grid worker reviews the clip first'),
  ('safety.perimeter_intrusion', 'confirm_first', NULL, 'incident once confirmed'),
  ('safety.access', 'alert_only', NULL, 'door forced or held open: the property is alerted'),
  ('special_population', 'auto_incident', NULL, 'welfare visit, emergency call'),
  ('livelihood.water_leak', 'auto_incident', NULL, ''),
  ('device_maintenance', 'maintenance_ticket', NULL, 'offline, tamper, low battery: to the property company'),
  ('privacy', 'never', NULL, 'face recognition and unknown persons never become grid incidents');
