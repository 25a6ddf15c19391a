-- Hotline work orders (12345 / 110 非警务 / 信访): a hotline platform files orders through its
-- integration user, sends updates in its own sequence, and hears back through signed webhooks.

-- One hotline platform: the integration user it authenticates as (an API token of that user), the
-- territory it files into, and where and how the cloud pushes back (the secret sealed at rest).
CREATE TABLE hotline_platforms (
  id text PRIMARY KEY,
  name text NOT NULL,
  user_id text NOT NULL UNIQUE,
  territory_code text NOT NULL,
  webhook_url text NOT NULL,
  secret_sealed text NOT NULL,
  -- The platform's category codes → the cloud's categories; codes not listed take `fallback`.
  category_map jsonb NOT NULL DEFAULT '{}'::jsonb,
  fallback_category text NOT NULL DEFAULT 'other',
  created_at timestamptz NOT NULL
);

-- One order, one incident. The caller and the content as sent are sealed; lists read the masks.
CREATE TABLE hotline_orders (
  id text PRIMARY KEY,
  platform_id text NOT NULL REFERENCES hotline_platforms (id),
  ticket text NOT NULL,
  channel text NOT NULL,
  incident_id text NOT NULL,
  -- What the platform sent, fingerprinted per field: a replay with other content names the field.
  fingerprints jsonb NOT NULL,
  caller_name_sealed text NOT NULL,
  caller_phone_sealed text NOT NULL,
  caller_masked text NOT NULL,
  content_sealed text NOT NULL,
  content_masked text NOT NULL,
  platform_category text NOT NULL,
  platform_deadline timestamptz,
  status text NOT NULL DEFAULT 'open',
  applied_seq integer NOT NULL DEFAULT 0,
  urge_count integer NOT NULL DEFAULT 0,
  supplements jsonb NOT NULL DEFAULT '[]'::jsonb,
  extension jsonb,
  created_at timestamptz NOT NULL,
  UNIQUE (platform_id, ticket)
);
CREATE INDEX hotline_orders_incident ON hotline_orders (incident_id);

-- Updates as received, in any order: applied in sequence order once the ones before are in.
CREATE TABLE hotline_updates (
  order_id text NOT NULL REFERENCES hotline_orders (id),
  seq integer NOT NULL,
  kind text NOT NULL,
  fingerprint text NOT NULL,
  content_sealed text,
  received_at timestamptz NOT NULL,
  applied_at timestamptz,
  PRIMARY KEY (order_id, seq)
);

-- The push-back outbox: written in the transaction of what it reports, delivered in id order per
-- order by any replica holding the lease, retried with backoff until the platform takes it.
CREATE TABLE hotline_outbox (
  id bigserial PRIMARY KEY,
  order_id text NOT NULL REFERENCES hotline_orders (id),
  kind text NOT NULL,
  payload jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  leased_until timestamptz,
  last_error text,
  delivered_at timestamptz
);
CREATE INDEX hotline_outbox_pending ON hotline_outbox (order_id, id) WHERE delivered_at IS NULL;
