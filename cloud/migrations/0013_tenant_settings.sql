-- Tenant settings that lived only in code until now, as one-row tables administrators edit over
-- the API (cloud/src/http/routes/settings.ts). The seeds are the values the code used.

-- KPIs (domain §5): whether incidents suspended (挂账) when they fell due leave the due count, and
-- the composite score's weights per KPI code (an empty object: no composite score).
CREATE TABLE kpi_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  exclude_suspended_from_due boolean NOT NULL DEFAULT false,
  weights jsonb NOT NULL DEFAULT '{}'::jsonb,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO kpi_settings (id) VALUES (true);

-- Sessions and the login throttle: a session unused for idle_seconds ends, any session ends
-- absolute_seconds after its login; max_failures failed logins of a username within
-- failure_window_seconds lock it for lock_seconds. Read on every login and request.
CREATE TABLE session_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  idle_seconds integer NOT NULL DEFAULT 43200 CHECK (idle_seconds > 0),
  absolute_seconds integer NOT NULL DEFAULT 604800 CHECK (absolute_seconds >= idle_seconds),
  max_failures integer NOT NULL DEFAULT 5 CHECK (max_failures > 0),
  failure_window_seconds integer NOT NULL DEFAULT 900 CHECK (failure_window_seconds > 0),
  lock_seconds integer NOT NULL DEFAULT 300 CHECK (lock_seconds > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO session_settings (id) VALUES (true);
