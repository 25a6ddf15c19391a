-- Every notification attempt, per channel: what went out, and what failed with the reason.
CREATE TABLE notification_log (
  key text NOT NULL,
  channel text NOT NULL,
  incident_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('sent', 'failed')),
  error text,
  at timestamptz NOT NULL,
  PRIMARY KEY (key, channel)
);
CREATE INDEX notification_log_incident ON notification_log (incident_id);
