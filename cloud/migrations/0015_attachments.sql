-- Photos and documents attached to incident steps (the self-handled work's before/after photos, a
-- unit's report), uploaded over the API before the step that carries them. The bytes live here,
-- beside the incident they belong to: one store to back up, shared by every replica, the same on
-- PostgreSQL and the embedded database. Rows are never changed; a step names them by URI
-- (/api/v1/attachments/{id}). Depends on 0003.
CREATE TABLE attachments (
  id uuid PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  -- Sniffed from the content's first bytes, never taken from the uploader's Content-Type.
  media_type text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png', 'image/webp', 'application/pdf')),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 256),
  -- What it shows, e.g. before / after: the tags a step's rule may require.
  tag text CHECK (tag IS NULL OR length(tag) BETWEEN 1 AND 64),
  size_bytes integer NOT NULL CHECK (size_bytes > 0),
  sha256 text NOT NULL,
  content bytea NOT NULL,
  uploaded_by text NOT NULL,
  uploaded_at timestamptz NOT NULL
);
CREATE INDEX attachments_of_incident ON attachments (incident_id, uploaded_at);
