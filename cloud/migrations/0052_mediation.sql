-- Dispute mediation 三调联动 (cloud/src/mediation/): cases opened for dispute incidents, their
-- parties (personal data sealed), sessions, outcomes, referrals and follow-up visits.
-- Depends on 0005 (users, role_assignments), 0003 (incidents) and 0015 (attachments).

-- The mediator 调解员 role: scope a territory code; acts only on the cases assigned to it.
ALTER TABLE role_assignments DROP CONSTRAINT role_assignments_role_check;
ALTER TABLE role_assignments ADD CONSTRAINT role_assignments_role_check CHECK (
  role IN ('district_admin', 'operator', 'grid_worker', 'disposal_unit', 'property_manager', 'installer',
           'callback_agent', 'mediator')
);

-- How long parties' personal data is kept after their case closes (days); the retention job then
-- erases it, leaving a tombstone.
CREATE TABLE mediation_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  retention_days integer NOT NULL DEFAULT 1095 CHECK (retention_days BETWEEN 30 AND 3650),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO mediation_settings (id) VALUES (true);

-- One case at one level. A failed case referred up opens a new case (referred_from) for the same
-- incident; territory is the incident's grid, else its community, when the case was opened.
CREATE TABLE mediation_cases (
  id uuid PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  territory text NOT NULL,
  dispute_type text NOT NULL CHECK (dispute_type IN ('neighbour', 'family', 'property', 'labour', 'land', 'other')),
  level text NOT NULL CHECK (level IN ('people', 'administrative', 'judicial')),
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  mediator_id text NOT NULL REFERENCES users (id),
  summary text,
  opened_by text NOT NULL,
  opened_at timestamptz NOT NULL,
  outcome text CHECK (outcome IN ('agreement', 'partial_agreement', 'failed')),
  outcome_note text,
  referral text CHECK (referral IN ('next_level', 'court')),
  referred_from uuid REFERENCES mediation_cases (id),
  agreement_attachment_id uuid REFERENCES attachments (id),
  closed_at timestamptz,
  closed_by text,
  CHECK ((state = 'closed') = (outcome IS NOT NULL))
);
CREATE INDEX mediation_cases_by_territory ON mediation_cases (territory text_pattern_ops);
CREATE INDEX mediation_cases_by_incident ON mediation_cases (incident_id);
CREATE INDEX mediation_cases_closed ON mediation_cases (closed_at) WHERE closed_at IS NOT NULL;

-- A party. name/phone/id_number are personal data: *_sealed AES-256-GCM bound to the party's id,
-- *_masked what lists show. Erasing (consent withdrawn, or retention) empties both and leaves the
-- tombstone `erased` with its time; the party's role stays as the case's non-personal record.
CREATE TABLE mediation_parties (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES mediation_cases (id),
  role text NOT NULL CHECK (role IN ('applicant', 'respondent', 'other')),
  name_masked text,
  phone_masked text,
  id_number_masked text,
  name_sealed text,
  phone_sealed text,
  id_number_sealed text,
  consent text NOT NULL CHECK (consent IN ('given', 'withdrawn')),
  erased text CHECK (erased IN ('withdrawn', 'retention')),
  erased_at timestamptz,
  position integer NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX mediation_parties_by_case ON mediation_parties (case_id, position);

CREATE TABLE mediation_sessions (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES mediation_cases (id),
  held_at timestamptz NOT NULL,
  place text NOT NULL,
  attendee_ids uuid[] NOT NULL DEFAULT '{}',
  notes text,
  recorded_by text NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX mediation_sessions_by_case ON mediation_sessions (case_id, held_at);

-- Follow-up visits 回访 after an agreement: due on a day, then their result.
CREATE TABLE mediation_follow_ups (
  id uuid PRIMARY KEY,
  case_id uuid NOT NULL REFERENCES mediation_cases (id),
  due_on date NOT NULL,
  result text CHECK (result IN ('honoured', 'not_honoured')),
  note text,
  done_at timestamptz,
  done_by text,
  created_at timestamptz NOT NULL
);
CREATE INDEX mediation_follow_ups_by_case ON mediation_follow_ups (case_id, due_on);
