-- Where each projection of the gateway events (e.g. alerts → incidents) has got to, by arrival.
CREATE TABLE projection_cursors (
  name text PRIMARY KEY,
  last_arrival bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Events a projection could not handle: set aside with the error so they block nothing.
CREATE TABLE projection_failures (
  name text NOT NULL,
  source text NOT NULL,
  id text NOT NULL,
  arrival bigint NOT NULL,
  error text NOT NULL,
  at timestamptz NOT NULL,
  PRIMARY KEY (name, source, id)
);
