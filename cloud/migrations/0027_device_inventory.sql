-- The devices of each community as their gateways report them: inventory, availability and
-- health. Depends on 0001 (gateways) and 0018 (gateways.community).
--
-- Every observation carries the gateway's observed_at and seq; a row keeps the newest of each
-- kind (inventory, availability, health) by (observed_at, seq), so duplicated, reordered or
-- concurrent messages converge on the same row whichever replica handles them. A device is never
-- deleted: one a complete full sync leaves out becomes `missing` (its incidents still name it).

CREATE TABLE devices (
  community text NOT NULL CHECK (community ~ '^[0-9]{12}$'),
  device_id text NOT NULL,
  -- The gateway that reported the newest inventory observation (a replacement takes it over).
  gateway_id text NOT NULL,
  device_kind text NOT NULL,
  place jsonb,
  tags text[] NOT NULL DEFAULT '{}',
  status text NOT NULL CHECK (status IN ('active', 'retired', 'missing')),
  -- The inventory observation in force; the epoch until the device is in an inventory message.
  inventory_at timestamptz NOT NULL DEFAULT 'epoch',
  inventory_seq bigint NOT NULL DEFAULT -1,
  availability text CHECK (availability IN ('online', 'offline')),
  availability_since timestamptz,
  health_at timestamptz,
  health_seq bigint,
  last_seen timestamptz,
  battery real,
  signal_dbm real,
  faults text[] NOT NULL DEFAULT '{}',
  tamper boolean NOT NULL DEFAULT false,
  first_reported_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (community, device_id)
);
CREATE INDEX devices_by_gateway ON devices (gateway_id, device_id);

-- Availability as change points: each change starts an interval that the next one ends (read
-- with lead()). Idempotent on the point, so reordered and repeated changes give the same history.
CREATE TABLE device_availability (
  community text NOT NULL,
  device_id text NOT NULL,
  started_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('online', 'offline')),
  reason text NOT NULL,
  gateway_id text NOT NULL,
  PRIMARY KEY (community, device_id, started_at)
);

-- Health summaries, kept for devices.health_retention_days of the cloud's configuration.
CREATE TABLE device_health (
  community text NOT NULL,
  device_id text NOT NULL,
  gateway_id text NOT NULL,
  observed_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  availability text NOT NULL,
  last_seen timestamptz,
  battery real,
  signal_dbm real,
  faults text[] NOT NULL,
  tamper boolean NOT NULL,
  PRIMARY KEY (community, device_id, gateway_id, observed_at, seq)
);
CREATE INDEX device_health_by_time ON device_health (observed_at);

CREATE TABLE gateway_health (
  gateway_id text NOT NULL,
  observed_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  received_at timestamptz NOT NULL,
  data jsonb NOT NULL,
  PRIMARY KEY (gateway_id, observed_at, seq)
);
CREATE INDEX gateway_health_by_time ON gateway_health (observed_at);

-- The parts of each full sync received so far; reconciled once every part is in.
CREATE TABLE inventory_syncs (
  gateway_id text NOT NULL,
  sync_id text NOT NULL,
  community text NOT NULL,
  parts integer NOT NULL,
  received integer[] NOT NULL,
  observed_at timestamptz NOT NULL,
  seq bigint NOT NULL,
  reconciled_at timestamptz,
  PRIMARY KEY (gateway_id, sync_id)
);
