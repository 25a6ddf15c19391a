-- Automatic dispatch and its notifications (cloud/src/dispatch). Depends on 0003 (incidents) and
-- 0005 (users) only.

-- The tenant's dispatch policy, one row, edited by administrators:
-- auto_dispatch: a FILED incident goes to the responsible party without an operator;
-- fast_track_urgent_iot: urgent incidents from IoT alerts are accepted and filed by the cloud too;
-- life_safety_categories: category codes (and their children) whose dispatch also alerts the
-- community's robot groups, like urgent incidents do.
CREATE TABLE dispatch_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  auto_dispatch boolean NOT NULL DEFAULT true,
  fast_track_urgent_iot boolean NOT NULL DEFAULT true,
  life_safety_categories jsonb NOT NULL DEFAULT '["emergency"]'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO dispatch_settings (id) VALUES (true);

-- What automatic dispatch decided for an incident at a version (the FILED one). Written before the
-- transition; done_at is set once the transition and the notifications went out, so a sweep
-- finishes what a crash interrupted. One row per (incident, version): replicas agree on one decision.
CREATE TABLE dispatch_decisions (
  incident_id text NOT NULL REFERENCES incidents (id),
  version integer NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('disposal_unit', 'grid_worker', 'operators', 'skipped')),
  assignee text,
  reason text NOT NULL,
  recipients jsonb NOT NULL DEFAULT '[]'::jsonb,
  decided_at timestamptz NOT NULL,
  done_at timestamptz,
  result text,
  PRIMARY KEY (incident_id, version)
);
CREATE INDEX dispatch_decisions_pending ON dispatch_decisions (decided_at) WHERE done_at IS NULL;

-- WeCom / DingTalk group robots of a community (its property or grid group) or of a disposal unit.
-- webhook and secret are secrets: the API takes them and never returns them; logs never show them.
CREATE TABLE robot_channels (
  owner_kind text NOT NULL CHECK (owner_kind IN ('community', 'disposal_unit')),
  owner_id text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('wecom', 'dingtalk')),
  webhook text NOT NULL,
  secret text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (owner_kind, owner_id, name)
);

-- Phone numbers for SMS, apart from users so that no user listing can carry them.
CREATE TABLE user_contacts (
  user_id text PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  phone text NOT NULL,
  updated_at timestamptz NOT NULL
);
