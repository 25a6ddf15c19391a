-- Every created or changed incident, for the live incident streams (GET /incidents/stream). A
-- trigger records the change and announces it with pg_notify in the same transaction, so every
-- replica listening on the database hears of it when, and only when, it commits. The rows carry
-- what the stream shows and what its scope test needs (no personal data); their seq is the
-- stream's event id, so a client that reconnects is sent what it missed. Old rows are pruned.
CREATE TABLE incident_changes (
  seq bigserial PRIMARY KEY,
  incident_id text NOT NULL,
  version integer NOT NULL,
  state text NOT NULL,
  category_code text NOT NULL,
  severity text NOT NULL,
  grid text,
  community text,
  assignee text,
  gateway_id text,
  closed boolean NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX incident_changes_by_time ON incident_changes (updated_at);

CREATE FUNCTION incident_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  change incident_changes;
BEGIN
  INSERT INTO incident_changes
    (incident_id, version, state, category_code, severity, grid, community, assignee, gateway_id, closed, updated_at)
  VALUES
    (NEW.id, NEW.version, NEW.state, NEW.category_code, NEW.severity, NEW.grid, NEW.community, NEW.assignee,
     NEW.gateway_id, NEW.closed_at IS NOT NULL, NEW.updated_at)
  RETURNING * INTO change;
  PERFORM pg_notify('gl_incident_changes', row_to_json(change)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER incidents_created AFTER INSERT ON incidents
  FOR EACH ROW EXECUTE FUNCTION incident_changed();
CREATE TRIGGER incidents_changed AFTER UPDATE ON incidents
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION incident_changed();
