-- Every large table carries its district (the 6-digit prefix of a territory code), the key a
-- province-wide deployment distributes by (docs/scaling.md; the list is cloud/src/db/distribution.ts).
--
-- Where the row holds a territory code, district is a stored generated column of it: no writer can
-- forget it. Where the row only points at its parent (an incident, a gateway, a patrol session), it
-- is a plain column that the writers fill from the parent (gateway events: a trigger, below),
-- backfilled here from the same parent. ALTER TABLE, UPDATE and a row trigger only, nothing
-- CONCURRENTLY and no trigger named, so this works alike on plain and on partitioned tables.
--
-- A module's tests migrate only the tables they need (useMigratedDatabase's versions), so each
-- table is taken when it exists, with the columns its district comes from.

CREATE FUNCTION pg_temp.has_columns(tab text, cols text[]) RETURNS boolean LANGUAGE sql AS $$
  SELECT to_regclass(tab) IS NOT NULL
     AND (SELECT count(*) FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = tab AND column_name = ANY(cols)) = cardinality(cols)
$$;

DO $$
DECLARE
  item record;
BEGIN
  -- Rows that hold a territory code: a grid's code starts with its community's, so either gives the district.
  FOR item IN SELECT * FROM (VALUES
      ('incidents', ARRAY['community', 'grid']),
      ('incident_kpi_facts', ARRAY['community', 'grid']),
      ('incident_changes', ARRAY['community', 'grid']),
      ('held_alerts', ARRAY['community', 'grid']),
      ('community_alerts', ARRAY['community']),
      ('devices', ARRAY['community']),
      ('device_readings', ARRAY['community']),
      ('device_health', ARRAY['community']),
      ('device_availability', ARRAY['community'])) AS v(tab, cols)
  LOOP
    IF pg_temp.has_columns(item.tab, item.cols) THEN
      EXECUTE format('ALTER TABLE %I ADD COLUMN district text GENERATED ALWAYS AS (left(coalesce(%s), 6)) STORED',
                     item.tab, array_to_string(item.cols, ', '));
    END IF;
  END LOOP;

  -- Rows that point at their parent: a plain column, filled by the writers.
  FOR item IN SELECT * FROM (VALUES
      ('gateway_events'), ('gateway_health'), ('downlink'), ('cleared_alerts'),
      ('incident_steps'), ('incident_evidence'), ('incident_alerts'), ('incident_timers'),
      ('dispatch_decisions'), ('notification_log'), ('patrol_positions')) AS v(tab)
  LOOP
    IF to_regclass(item.tab) IS NOT NULL THEN
      EXECUTE format($sql$ALTER TABLE %I ADD COLUMN district text CHECK (district ~ '^[0-9]{6}$')$sql$, item.tab);
    END IF;
  END LOOP;

  -- Rows of a gateway: the district of the community it serves. The intake's INSERT, the hottest
  -- statement and the one a previous release's replicas keep sending during a rolling upgrade,
  -- stays as it was: a trigger fills its district from gateways (a reference table, copied to every
  -- node, so the trigger reads only its own node on a distributed database).
  IF pg_temp.has_columns('gateways', ARRAY['community']) THEN
    CREATE FUNCTION gateway_events_district() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      NEW.district := (SELECT left(community, 6) FROM gateways WHERE id = NEW.gateway_id);
      RETURN NEW;
    END
    $fn$;
    CREATE TRIGGER gateway_events_district BEFORE INSERT ON gateway_events
      FOR EACH ROW WHEN (NEW.district IS NULL) EXECUTE FUNCTION gateway_events_district();
    FOR item IN SELECT * FROM (VALUES ('gateway_events'), ('gateway_health'), ('downlink'), ('cleared_alerts')) AS v(tab)
    LOOP
      IF to_regclass(item.tab) IS NOT NULL THEN
        EXECUTE format('UPDATE %I AS t SET district = left(g.community, 6) FROM gateways AS g WHERE g.id = t.gateway_id',
                       item.tab);
      END IF;
    END LOOP;
  END IF;

  -- Rows of an incident: the incident's district. Step records and evidence refuse every change
  -- but the time limits' (0003): let the backfill through; nor need the KPI facts (0011) be
  -- computed again for a column they do not read.
  IF pg_temp.has_columns('incidents', ARRAY['district']) THEN
    ALTER TABLE incident_steps DISABLE TRIGGER USER;
    ALTER TABLE incident_evidence DISABLE TRIGGER USER;
    FOR item IN SELECT * FROM (VALUES
        ('incident_steps'), ('incident_evidence'), ('incident_alerts'), ('incident_timers'),
        ('dispatch_decisions'), ('notification_log')) AS v(tab)
    LOOP
      IF to_regclass(item.tab) IS NOT NULL THEN
        EXECUTE format('UPDATE %I AS t SET district = i.district FROM incidents AS i WHERE i.id = t.incident_id', item.tab);
      END IF;
    END LOOP;
    ALTER TABLE incident_steps ENABLE TRIGGER USER;
    ALTER TABLE incident_evidence ENABLE TRIGGER USER;
  END IF;

  -- A patrol's positions: the district of the patrolled grid.
  IF to_regclass('patrol_positions') IS NOT NULL THEN
    UPDATE patrol_positions AS p SET district = left(s.grid_code, 6) FROM patrol_sessions AS s WHERE s.id = p.session_id;
  END IF;
END
$$;
