-- Residents' reports (随手拍, 市民上报) from the public phone page and Open311 GeoReport v2 clients.
-- Each report is an incident of source `resident`; this keeps what the incident does not: how it came
-- (channel), the tracking code (only its SHA-256: the code is shown once and sent by SMS), the
-- reporter's phone sealed (PersonalDataSeal, bound to the row) with its keyed hash for per-phone
-- limits, and the resident's one rating. Depends on 0003 (incidents).
CREATE TABLE resident_reports (
  id uuid PRIMARY KEY,
  incident_id text NOT NULL UNIQUE REFERENCES incidents (id),
  channel text NOT NULL CHECK (channel IN ('web', 'open311')),
  tracking_sha256 text NOT NULL UNIQUE,
  -- The public id of a request filed through Open311 (its service_request_id), and the token that names it.
  open311_id text UNIQUE,
  open311_token text UNIQUE,
  open311_client text,
  -- An Open311 client's media_url, on an allowed host; never fetched by the cloud.
  media_url text,
  phone_sealed text,
  phone_hash text,
  email_sealed text,
  -- The coarse cell of its position or address, for the per-place limit.
  cell text,
  address_key text,
  created_at timestamptz NOT NULL,
  rating text CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
  solved boolean,
  rating_note text,
  rated_at timestamptz,
  -- What the rating did to the incident: a callback step, or only kept (no callback was waiting).
  rating_applied text
);
CREATE INDEX resident_reports_by_phone ON resident_reports (phone_hash, created_at) WHERE phone_hash IS NOT NULL;
CREATE INDEX resident_reports_by_cell ON resident_reports (cell, created_at) WHERE cell IS NOT NULL;
CREATE INDEX resident_reports_open311 ON resident_reports (created_at) WHERE channel = 'open311';

-- SMS codes confirming a phone: the code only as a keyed hash, for five minutes and five tries.
CREATE TABLE resident_phone_codes (
  phone_hash text PRIMARY KEY,
  code_hash text NOT NULL,
  sent_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  tries integer NOT NULL DEFAULT 0
);

-- Photos residents upload before they send the report; taken into the incident's attachments then.
-- Unused ones are removed after a day.
CREATE TABLE resident_photos (
  id uuid PRIMARY KEY,
  media_type text NOT NULL,
  sha256 text NOT NULL,
  size_bytes integer NOT NULL,
  content bytea NOT NULL,
  address_key text NOT NULL,
  uploaded_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX resident_photos_by_hash ON resident_photos (sha256, uploaded_at);

-- Token buckets of the public endpoints (per source address, per place cell), shared by every replica.
CREATE TABLE resident_budgets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  updated_at timestamptz NOT NULL
);
