-- The grid worker's work log 民情日志 (cloud/src/worklog/): visits and conversations noted per
-- household or place. Depends on 0005 (users).

-- How long entries are kept (days since the visit); the retention job prunes older ones.
CREATE TABLE worklog_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  retention_days integer NOT NULL DEFAULT 1095 CHECK (retention_days BETWEEN 30 AND 3650),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO worklog_settings (id) VALUES (true);

-- One entry as it stands now. The people met are personal data: people_sealed is AES-256-GCM
-- (never readable from a dump alone), people_masked what lists show (张* 138****0001). A phone
-- that sends an entry again sends the same request_id: (author_id, request_id) is unique.
CREATE TABLE worklog_entries (
  id uuid PRIMARY KEY,
  author_id text NOT NULL REFERENCES users (id),
  request_id text NOT NULL,
  grid_code text NOT NULL,
  visited_at timestamptz NOT NULL,
  kind text NOT NULL CHECK (kind IN ('household_visit', 'conversation', 'hazard_check', 'dispute_found', 'help_given', 'other')),
  building text,
  unit text,
  room text,
  address text,
  people_masked text,
  people_sealed text,
  note text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  incident_id text,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK (building IS NOT NULL OR address IS NOT NULL),
  CHECK ((people_masked IS NULL) = (people_sealed IS NULL)),
  UNIQUE (author_id, request_id)
);
CREATE INDEX worklog_entries_by_grid ON worklog_entries (grid_code, visited_at DESC);
CREATE INDEX worklog_entries_by_author ON worklog_entries (author_id, visited_at DESC);
CREATE INDEX worklog_entries_by_visit ON worklog_entries (visited_at);

-- Every saved version of an entry, append-only: the first and each edit within the edit window.
CREATE TABLE worklog_entry_versions (
  entry_id uuid NOT NULL REFERENCES worklog_entries (id) ON DELETE CASCADE,
  version integer NOT NULL,
  saved_at timestamptz NOT NULL,
  saved_by text NOT NULL,
  content jsonb NOT NULL,
  PRIMARY KEY (entry_id, version)
);

-- Photos of entries, uploaded before the entry that names them (entry_id NULL until then).
CREATE TABLE worklog_photos (
  id uuid PRIMARY KEY,
  entry_id uuid REFERENCES worklog_entries (id) ON DELETE CASCADE,
  media_type text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
  size_bytes integer NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL,
  content bytea NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL
);
CREATE INDEX worklog_photos_of_entry ON worklog_photos (entry_id);
CREATE INDEX worklog_photos_unattached ON worklog_photos (uploaded_at) WHERE entry_id IS NULL;
