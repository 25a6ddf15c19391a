-- Camera evidence: snapshots gateways upload with their alerts, and fresh ones people ask for from
-- an incident's page. Depends on 0001 (gateways, downlink), 0003 (incidents, incident_alerts),
-- 0015 (attachments) and 0017 (gateway-scoped alert ids).

-- Image bytes, once per content hash: the same picture uploaded again (a retry, two alerts of one
-- camera frame) is stored once and named by every row that shows it.
CREATE TABLE attachment_blobs (
  sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text NOT NULL CHECK (media_type IN ('image/jpeg', 'image/png')),
  size_bytes integer NOT NULL CHECK (size_bytes > 0),
  content bytea NOT NULL,
  stored_at timestamptz NOT NULL
);

-- An incident's file whose bytes are in attachment_blobs (by its sha256) has no content of its own.
ALTER TABLE attachments ALTER COLUMN content DROP NOT NULL;

-- Each snapshot as its gateway sent it. Linked to an incident as soon as both exist, whichever
-- came first: the alert's incident (by the gateway's own alert id) or the request's.
CREATE TABLE camera_snapshots (
  gateway_id text NOT NULL REFERENCES gateways (id),
  upload_id text NOT NULL,
  device_id text NOT NULL,
  taken_at timestamptz NOT NULL,
  alert_id text,
  request_id text,
  sha256 text NOT NULL REFERENCES attachment_blobs (sha256),
  received_at timestamptz NOT NULL,
  attachment_id uuid REFERENCES attachments (id),
  PRIMARY KEY (gateway_id, upload_id),
  CHECK (alert_id IS NOT NULL OR request_id IS NOT NULL)
);
CREATE INDEX camera_snapshots_unlinked ON camera_snapshots (gateway_id, alert_id) WHERE attachment_id IS NULL;

-- Fresh snapshots asked for from an incident's page; the id is the page's, so asking twice is once.
CREATE TABLE snapshot_requests (
  id text PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents (id),
  gateway_id text NOT NULL REFERENCES gateways (id),
  device_ids text[] NOT NULL,
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL,
  -- When it counts as failed if no snapshot came back.
  deadline timestamptz NOT NULL
);
CREATE INDEX snapshot_requests_of_incident ON snapshot_requests (incident_id, requested_at);
