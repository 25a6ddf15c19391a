-- The devices table takes every device's health every 5 minutes (a district: a million rows
-- updated each round). Depends on 0027 (devices) and 0031 (property_changed).
--
-- Room on each page for a second version of every row: a health update touches no indexed
-- column, so with room on the page it is a HOT update (no new index entries, the old version
-- pruned in place) instead of a copy elsewhere and an entry in every index. A round updates all of
-- a page's rows in one statement, so a page needs room for all of them at once, hence half. Pages
-- written from now on keep the room; older ones get it when the table is rewritten (VACUUM FULL).
ALTER TABLE devices SET (fillfactor = 50);

-- The property page's change notice once per statement and community instead of once per row
-- (a batch of 500 devices is one community; pg_notify dropped the repeats, but only after running
-- the trigger for each row).
DROP TRIGGER IF EXISTS devices_property_changed ON devices;
CREATE FUNCTION devices_property_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('property_changes', community) FROM (SELECT DISTINCT community FROM changed) AS c;
  RETURN NULL;
END;
$$;
-- A trigger with a transition table fires on one kind of statement only.
CREATE TRIGGER devices_property_inserted AFTER INSERT ON devices REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION devices_property_changed();
CREATE TRIGGER devices_property_updated AFTER UPDATE ON devices REFERENCING NEW TABLE AS changed
  FOR EACH STATEMENT EXECUTE FUNCTION devices_property_changed();

-- The projections' sweeps read each of their types' next events after their cursor, whatever
-- the size of the events table (without it, every sweep of every projection read the whole table).
CREATE INDEX gateway_events_by_type ON gateway_events (type, arrival);

-- Each gateway's active and online devices, kept as the devices change, so the fleet list reads
-- a row per gateway instead of counting a district's million devices. Kept by triggers, so every
-- writer of devices (inventory, reconciliation, availability, health) keeps it without knowing.
CREATE TABLE gateway_device_counts (
  gateway_id text PRIMARY KEY,
  active integer NOT NULL,
  online integer NOT NULL
);
INSERT INTO gateway_device_counts (gateway_id, active, online)
SELECT gateway_id, count(*) FILTER (WHERE status = 'active'),
       count(*) FILTER (WHERE status = 'active' AND availability = 'online')
  FROM devices GROUP BY gateway_id;

-- Adds to (or, negative, takes from) a gateway's counts.
CREATE FUNCTION count_gateway_devices(gateway text, active integer, online integer) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO gateway_device_counts AS c (gateway_id, active, online)
  SELECT gateway, active, online WHERE active <> 0 OR online <> 0
      ON CONFLICT (gateway_id) DO UPDATE SET active = c.active + EXCLUDED.active, online = c.online + EXCLUDED.online
$$;

-- New devices: a statement's rows at once (a full sync inserts thousands), gateways in key order
-- so two transactions never wait on each other's counts in a circle.
CREATE FUNCTION devices_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM count_gateway_devices(gateway_id, active, online)
     FROM (SELECT gateway_id, count(*) FILTER (WHERE status = 'active')::integer AS active,
                  count(*) FILTER (WHERE status = 'active' AND availability = 'online')::integer AS online
             FROM added GROUP BY gateway_id ORDER BY gateway_id) AS per_gateway;
  RETURN NULL;
END;
$$;
CREATE TRIGGER devices_counted AFTER INSERT ON devices REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION devices_counted();

-- A device changing gateway, status or availability: per row, and only then (a health update sets
-- none of these columns, so it never runs this trigger).
CREATE FUNCTION devices_recounted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_active integer := (OLD.status = 'active')::integer;
  was_online integer := (OLD.status = 'active' AND OLD.availability IS NOT DISTINCT FROM 'online')::integer;
  is_active integer := (NEW.status = 'active')::integer;
  is_online integer := (NEW.status = 'active' AND NEW.availability IS NOT DISTINCT FROM 'online')::integer;
BEGIN
  IF OLD.gateway_id = NEW.gateway_id THEN
    PERFORM count_gateway_devices(NEW.gateway_id, is_active - was_active, is_online - was_online);
  ELSE
    PERFORM count_gateway_devices(g, a, o)
       FROM (VALUES (OLD.gateway_id, -was_active, -was_online), (NEW.gateway_id, is_active, is_online)) AS v(g, a, o)
      ORDER BY g;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER devices_recounted AFTER UPDATE OF gateway_id, status, availability ON devices FOR EACH ROW
  WHEN (OLD.gateway_id IS DISTINCT FROM NEW.gateway_id OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.availability IS DISTINCT FROM NEW.availability)
  EXECUTE FUNCTION devices_recounted();

-- Devices are never deleted by the cloud; should one be by hand, the counts follow.
CREATE FUNCTION devices_uncounted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM count_gateway_devices(gateway_id, -active, -online)
     FROM (SELECT gateway_id, count(*) FILTER (WHERE status = 'active')::integer AS active,
                  count(*) FILTER (WHERE status = 'active' AND availability = 'online')::integer AS online
             FROM removed GROUP BY gateway_id ORDER BY gateway_id) AS per_gateway;
  RETURN NULL;
END;
$$;
CREATE TRIGGER devices_uncounted AFTER DELETE ON devices REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION devices_uncounted();
