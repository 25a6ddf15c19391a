-- Long-lived bearer tokens for integrations (a Node-RED flow, a building-management bridge): each
-- belongs to one user and acts with exactly that user's roles. The secret is shown once; only its
-- SHA-256 is kept (32 random bytes need no slow hash: nothing can be guessed from the digest), with
-- a short hint (`glt_…wxyz`) so a list can tell tokens apart. A revoked token keeps its row for the
-- record. Depends on 0005 (users) and 0020 (announce_session_change).
CREATE TABLE api_tokens (
  id uuid PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  token_sha256 text NOT NULL UNIQUE,
  hint text NOT NULL,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id, created_at);

-- Streams held open with a token end as soon as it is revoked or removed, on every replica.
CREATE TRIGGER api_tokens_announce AFTER UPDATE OF revoked_at OR DELETE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION announce_session_change();
