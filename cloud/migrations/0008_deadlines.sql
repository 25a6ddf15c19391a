-- Time limits on incidents (domain §4): durable timers and the tenant's deadline settings.
-- Depends on 0003 (incidents). Deadlines themselves are written on the step records
-- (incident_steps.deadline, .light), which 0003's append-only trigger lets us set.

-- One row per thing that must happen at a time: the yellow warning and the breach of a step's clock
-- (step_seq is the step that started the clock), or a link of the unsigned life-safety chain
-- (kind chain:1, chain:2…, step_seq is the step the unsigned period began with). A sweep on any
-- replica claims a due row for a lease (claimed_until, owner) with FOR UPDATE SKIP LOCKED, acts
-- with the request id timer:<id>, and sets fired_at in the transaction of the step it wrote.
CREATE TABLE incident_timers (
  id bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  step_seq integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('yellow', 'red') OR kind LIKE 'chain:%'),
  -- The limited step (file_dispatch, sign, handle, check, close, callback) or 'sign' for the chain.
  limited_step text NOT NULL,
  due_at timestamptz NOT NULL,
  fired_at timestamptz,
  -- Set when the clock ended, paused or moved on before the timer was due (cleared on resume).
  cancelled_at timestamptz,
  -- fired | skipped (nothing left to raise) | stale (the clock it belonged to is gone) | failed
  outcome text,
  claimed_until timestamptz,
  owner text,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL,
  UNIQUE (incident_id, step_seq, kind)
);
CREATE INDEX incident_timers_due ON incident_timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- The tenant's settings for deadlines (one row): working hours, own holidays, light thresholds,
-- the unsigned life-safety chain. Absent: the defaults of cloud/src/deadlines/rules.ts.
CREATE TABLE deadline_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  settings jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);
