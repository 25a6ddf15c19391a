-- Gateways, their tokens, the events they send and the messages waiting for them.

CREATE TABLE gateways (
  id text PRIMARY KEY,
  name text,
  created_at timestamptz NOT NULL,
  retired_at timestamptz
);

-- Only a SHA-256 of each token is kept. expires_at NULL marks the current token; after a rotation
-- the previous one keeps working until its expires_at, so a gateway can switch without a gap.
CREATE TABLE gateway_tokens (
  token_sha256 text PRIMARY KEY,
  gateway_id text NOT NULL REFERENCES gateways (id),
  created_at timestamptz NOT NULL,
  expires_at timestamptz
);
CREATE INDEX gateway_tokens_by_gateway ON gateway_tokens (gateway_id);

-- (source, id) is the idempotency key of CloudEvents: a retried batch inserts nothing twice.
-- arrival records the order events were received in (array order within a batch).
CREATE TABLE gateway_events (
  source text NOT NULL,
  id text NOT NULL,
  gateway_id text NOT NULL,
  device_id text,
  device_seq bigint,
  type text NOT NULL,
  priority text NOT NULL,
  time timestamptz NOT NULL,
  received_at timestamptz NOT NULL,
  replayed boolean NOT NULL DEFAULT false,
  data jsonb NOT NULL,
  arrival bigserial NOT NULL,
  PRIMARY KEY (source, id)
);
CREATE INDEX gateway_events_by_gateway ON gateway_events (gateway_id, arrival);

-- Durable until the gateway acknowledges it; seq is the delivery order.
CREATE TABLE downlink (
  seq bigserial PRIMARY KEY,
  gateway_id text NOT NULL REFERENCES gateways (id),
  id text NOT NULL,
  type text NOT NULL,
  data jsonb NOT NULL,
  created_at timestamptz NOT NULL,
  enqueued_at timestamptz NOT NULL,
  delivered_at timestamptz,
  attempts integer NOT NULL DEFAULT 0,
  acked_at timestamptz,
  result text,
  error text,
  UNIQUE (gateway_id, id)
);
CREATE INDEX downlink_pending ON downlink (gateway_id, seq) WHERE acked_at IS NULL;
