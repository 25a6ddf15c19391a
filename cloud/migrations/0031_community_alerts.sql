-- The property's alerts and live page (docs/domain.md §7, cloud/src/property): every gateway alert
-- of a community is kept here whatever its device-event policy made of it, so an `alert_only` alert
-- (an e-bike in the lift, a door held open) reaches the property managers it is for instead of
-- being dropped. Depends on 0001 (gateways), 0003 (incidents) and 0027 (devices).

-- One row per alert (a gateway's own alert id): raised, updated and cleared from the gateway's
-- events, acknowledged and handled (with a note) by the property; who and when are kept, and each
-- action is audited too. Events are applied in their own time order (last_seen), so repeated or
-- reordered events converge on the same row.
CREATE TABLE community_alerts (
  gateway_id text NOT NULL,
  alert_id text NOT NULL,
  community text NOT NULL CHECK (community ~ '^[0-9]{12}$'),
  device_id text NOT NULL,
  rule_id text NOT NULL,
  category_code text NOT NULL,
  severity text NOT NULL,
  -- The device-event policy that decided when it was raised (alert_only, confirm_first, …).
  policy text NOT NULL,
  message jsonb NOT NULL,
  place jsonb,
  occurrences integer NOT NULL,
  raised_at timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  cleared_at timestamptz,
  clear_reason text,
  acknowledged_by text,
  acknowledged_at timestamptz,
  handled_by text,
  handled_at timestamptz,
  handled_note text,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (gateway_id, alert_id)
);
CREATE INDEX community_alerts_by_community ON community_alerts (community, raised_at DESC);

-- The property page is live: a change of a community's devices, alerts or gateway health is
-- announced on commit (NOTIFY carries the community code), and each open page stream reads again.
CREATE FUNCTION property_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  code text;
BEGIN
  IF TG_TABLE_NAME = 'gateway_health' THEN
    SELECT community INTO code FROM gateways WHERE id = NEW.gateway_id;
  ELSE
    code := NEW.community;
  END IF;
  IF code IS NOT NULL THEN
    PERFORM pg_notify('property_changes', code);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER devices_property_changed AFTER INSERT OR UPDATE ON devices
  FOR EACH ROW EXECUTE FUNCTION property_changed();
CREATE TRIGGER community_alerts_property_changed AFTER INSERT OR UPDATE ON community_alerts
  FOR EACH ROW EXECUTE FUNCTION property_changed();
CREATE TRIGGER gateway_health_property_changed AFTER INSERT ON gateway_health
  FOR EACH ROW EXECUTE FUNCTION property_changed();
CREATE TRIGGER maintenance_tickets_property_changed AFTER INSERT OR UPDATE ON incidents
  FOR EACH ROW WHEN (NEW.category_code LIKE 'device_maintenance%') EXECUTE FUNCTION property_changed();
