-- The built-in maintenance policy (docs/domain.md §7): devices gone silent and silent gateways
-- become maintenance tickets, incidents of a device_maintenance.* category for the property (a low
-- battery, tamper and faults come as the gateway's own maintenance alerts). Depends on
-- 0003 (incidents) and 0027 (devices).

-- The tenant's thresholds, one row administrators edit over the API (GET|PUT
-- /settings/maintenance); the policy's sweep reads it on every run, on every replica.
CREATE TABLE maintenance_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  -- A device offline longer than this (minutes) gets a ticket, unless its kind has its own.
  offline_minutes integer NOT NULL DEFAULT 60 CHECK (offline_minutes BETWEEN 1 AND 43200),
  -- Per device kind: {"smoke_detector": 30, ...} (minutes).
  offline_minutes_by_kind jsonb NOT NULL DEFAULT '{}',
  -- A gateway of a community that sent nothing for longer than this (minutes) gets a ticket.
  gateway_silent_minutes integer NOT NULL DEFAULT 30 CHECK (gateway_silent_minutes BETWEEN 1 AND 43200),
  -- Repeat offenders: how many tickets a device had within this many days, shown on the ticket.
  repeat_window_days integer NOT NULL DEFAULT 30 CHECK (repeat_window_days BETWEEN 1 AND 366),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO maintenance_settings (id) VALUES (true);

-- One open ticket per device (or gateway) and fault, whichever replica detects it: the sweep takes
-- an advisory lock on the key, and this index refuses a second open ticket all the same.
CREATE UNIQUE INDEX incidents_one_open_maintenance_ticket ON incidents (dedup_key)
  WHERE closed_at IS NULL AND source = 'iot' AND dedup_key LIKE 'maintenance:%';
-- Repeat counts: a device's tickets by the time they were opened.
CREATE INDEX incidents_maintenance_by_device ON incidents (community, device_id, created_at)
  WHERE dedup_key LIKE 'maintenance:%';
