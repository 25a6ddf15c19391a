-- Patrol (智慧巡防): grid workers walk routes of checkpoints a number of rounds a day, check in at
-- each checkpoint (near it, or by scanning its tag), record their trajectory while a patrol runs,
-- and do the special tasks a dispatcher gives them. Positions are personal data: kept only for
-- patrol_settings.retention_days, read only by the worker and their supervisors.

CREATE TABLE patrol_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  position_interval_s integer NOT NULL DEFAULT 10 CHECK (position_interval_s BETWEEN 1 AND 600),
  gap_intervals integer NOT NULL DEFAULT 3 CHECK (gap_intervals BETWEEN 2 AND 100),
  max_speed_mps real NOT NULL DEFAULT 15 CHECK (max_speed_mps > 0),
  max_accuracy_m real NOT NULL DEFAULT 500 CHECK (max_accuracy_m > 0),
  clock_skew_s integer NOT NULL DEFAULT 120 CHECK (clock_skew_s BETWEEN 1 AND 3600),
  retention_days integer NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 3650),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO patrol_settings (id) VALUES (true);

-- A route of a grid, walked rounds_per_day times a day; windows (China time, "HH:MM") when given
-- are one per round.
CREATE TABLE patrol_routes (
  id text PRIMARY KEY,
  grid_code text NOT NULL,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  rounds_per_day integer NOT NULL CHECK (rounds_per_day BETWEEN 1 AND 24),
  windows jsonb NOT NULL DEFAULT '[]'::jsonb,
  active boolean NOT NULL DEFAULT true,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX patrol_routes_by_grid ON patrol_routes (grid_code) WHERE active;

-- Checkpoints in route order: a point (WGS-84) with a radius, or a tag fixed on site. Retired ones
-- stay for the check-ins that name them. A tag code names one checkpoint, ever.
CREATE TABLE patrol_checkpoints (
  id text PRIMARY KEY,
  route_id text NOT NULL REFERENCES patrol_routes (id),
  grid_code text NOT NULL,
  seq integer NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('point', 'tag')),
  lon double precision,
  lat double precision,
  radius_m real,
  tag_code text UNIQUE,
  active boolean NOT NULL DEFAULT true,
  CHECK (kind <> 'point' OR (lon IS NOT NULL AND lat IS NOT NULL AND radius_m > 0)),
  CHECK (kind <> 'tag' OR tag_code IS NOT NULL)
);
CREATE INDEX patrol_checkpoints_of_route ON patrol_checkpoints (route_id, seq);

-- A patrol: one round of a route by one worker. At most one runs per worker.
CREATE TABLE patrol_sessions (
  id bigserial PRIMARY KEY,
  worker_id text NOT NULL REFERENCES users (id),
  request_id text NOT NULL,
  route_id text NOT NULL REFERENCES patrol_routes (id),
  grid_code text NOT NULL,
  started_at timestamptz NOT NULL,
  ended_at timestamptz,
  -- The latest position by time, for the live view (cleared with the positions by retention).
  last_at timestamptz,
  last_lon double precision,
  last_lat double precision,
  last_accuracy_m real,
  -- The phone clock's last measured offset (server minus phone), when it was corrected.
  clock_offset_ms bigint,
  UNIQUE (worker_id, request_id)
);
CREATE UNIQUE INDEX patrol_sessions_one_running ON patrol_sessions (worker_id) WHERE ended_at IS NULL;
CREATE INDEX patrol_sessions_running_by_grid ON patrol_sessions (grid_code) WHERE ended_at IS NULL;
CREATE INDEX patrol_sessions_by_worker ON patrol_sessions (worker_id, started_at);

-- Positions as they arrive, one row a fix (1e-7 degrees as integers, accuracy in decimetres): the
-- primary key drops a fix sent twice. Rows live here only while their patrol runs (and for fixes
-- uploaded late): an ended patrol's fixes are packed into patrol_tracks.
CREATE TABLE patrol_positions (
  session_id bigint NOT NULL REFERENCES patrol_sessions (id),
  at timestamptz NOT NULL,
  lon_e7 integer NOT NULL,
  lat_e7 integer NOT NULL,
  accuracy_dm smallint NOT NULL,
  PRIMARY KEY (session_id, at)
);

-- An ended patrol's fixes packed in time order, 14 bytes each (ms after base_at, lon_e7, lat_e7 as
-- int32, accuracy_dm as uint16, little-endian): one row per patrol instead of one per fix.
CREATE TABLE patrol_tracks (
  session_id bigint PRIMARY KEY REFERENCES patrol_sessions (id),
  base_at timestamptz NOT NULL,
  last_at timestamptz NOT NULL,
  points integer NOT NULL CHECK (points > 0),
  packed bytea NOT NULL
);
CREATE INDEX patrol_tracks_by_last ON patrol_tracks (last_at);

-- Each uploaded batch once: a replay gets the first answer back and stores nothing.
CREATE TABLE patrol_batches (
  session_id bigint NOT NULL REFERENCES patrol_sessions (id),
  batch_id text NOT NULL,
  received_at timestamptz NOT NULL,
  answer jsonb NOT NULL,
  PRIMARY KEY (session_id, batch_id)
);

-- Photos of check-ins and tasks (bytes here, like incident attachments).
CREATE TABLE patrol_photos (
  id uuid PRIMARY KEY,
  grid_code text NOT NULL,
  media_type text NOT NULL,
  size_bytes integer NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL,
  content bytea NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL
);

CREATE TABLE patrol_checkins (
  id bigserial PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES patrol_sessions (id),
  request_id text NOT NULL,
  checkpoint_id text NOT NULL REFERENCES patrol_checkpoints (id),
  method text NOT NULL CHECK (method IN ('position', 'tag')),
  at timestamptz NOT NULL,
  lon double precision,
  lat double precision,
  accuracy_m real,
  distance_m real,
  -- Why it is not taken at face value: outside_grid, implausible_speed, clock_corrected.
  flags jsonb NOT NULL DEFAULT '[]'::jsonb,
  photo_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL,
  UNIQUE (session_id, request_id)
);
CREATE INDEX patrol_checkins_of_session ON patrol_checkins (session_id, at);

-- Special tasks a dispatcher gives a worker of a grid.
CREATE TABLE patrol_tasks (
  id text PRIMARY KEY,
  grid_code text NOT NULL,
  worker_id text NOT NULL REFERENCES users (id),
  kind text NOT NULL CHECK (kind IN ('visit_household', 'check_hazard', 'other')),
  title text NOT NULL,
  description text,
  place text,
  lon double precision,
  lat double precision,
  due_at timestamptz NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  done_at timestamptz,
  done_note text,
  done_photo_ids jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX patrol_tasks_of_worker ON patrol_tasks (worker_id, due_at);
CREATE INDEX patrol_tasks_of_grid ON patrol_tasks (grid_code, due_at);
