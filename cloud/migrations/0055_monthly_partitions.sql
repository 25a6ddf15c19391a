-- contract: the large history tables become partitioned by China month (UTC+8, the months the
-- KPIs and reports count), so a month's reads and writes touch that month's partition and old
-- months go whole (DROP of a partition, not row DELETEs). Each table is copied into its new
-- partitioned shape in this transaction, a full copy: the previous release's intake names
-- (source, id) in its ON CONFLICT, a key a partitioned gateway_events cannot have, so this release
-- is not rolled: stop every replica, start the new release (docs/partitions.md).
--
--   gateway_events       by time          key (source, id, time): a replay carries the same time
--   incident_steps       by at            id, (incident_id, seq), (incident_id, request_id) indexed;
--                                         their uniqueness is kept by the incident's row lock
--   patrol_positions     by at            key (session_id, at), as before
--   device_health        by observed_at   key as before (it holds observed_at)
--   gateway_health       by observed_at   key as before
--   device_availability  by started_at    key as before
--   device_readings      by window_start  key as before
--
-- Every table has a DEFAULT partition, so no insert ever fails for want of a month; the
-- partitions job of the cloud (cloud/src/partitions) creates the coming months ahead, moves rows
-- waiting in DEFAULT into their month when it creates it, and drops months past each table's
-- retention.

-- Where a China month starts (China keeps no daylight saving: always UTC+8).
CREATE FUNCTION china_month_start(month date) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
  SELECT (date_trunc('month', month)::timestamp - interval '8 hours') AT TIME ZONE 'UTC'
$$;

-- The China month a time falls in (its first day).
CREATE FUNCTION china_month_of(at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS $$
  SELECT date_trunc('month', (at AT TIME ZONE 'UTC') + interval '8 hours')::date
$$;

-- The column a table is partitioned by.
CREATE FUNCTION month_partition_column(parent text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT substring(pg_get_partkeydef(to_regclass(parent)) FROM '^RANGE \("?(\w+)"?\)$')
$$;

-- Creates the partition <parent>_YYYYMM of a China month, unless it exists; true when created.
-- Rows of that month already in <parent>_default (written before the month had its partition)
-- move into it: PostgreSQL refuses a partition whose rows sit in DEFAULT. They move while DEFAULT
-- is detached, so the parent's row triggers (append-only steps, KPI facts) do not fire for a move.
CREATE FUNCTION ensure_month_partition(parent text, month date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  first date := date_trunc('month', month)::date;
  part text := parent || '_' || to_char(first, 'YYYYMM');
  dflt text := parent || '_default';
  col text := month_partition_column(parent);
  lo timestamptz := china_month_start(first);
  hi timestamptz := china_month_start((first + interval '1 month')::date);
  waiting boolean;
BEGIN
  IF col IS NULL THEN
    RAISE EXCEPTION 'table % is not partitioned by a range of one column', parent;
  END IF;
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= $1 AND %I < $2)', dflt, col, col)
    INTO waiting USING lo, hi;
  IF NOT waiting THEN
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
    RETURN true;
  END IF;
  EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, dflt);
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, parent);
  EXECUTE format('INSERT INTO %I SELECT * FROM %I WHERE %I >= $1 AND %I < $2', part, dflt, col, col) USING lo, hi;
  EXECUTE format('DELETE FROM %I WHERE %I >= $1 AND %I < $2', dflt, col, col) USING lo, hi;
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', parent, part, lo, hi);
  EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I DEFAULT', parent, dflt);
  RETURN true;
END
$$;

-- Drops the month partitions of `parent` that end at or before `cutoff` (every row in them is
-- older), and the rows older than `cutoff` that sit in DEFAULT (deleted while it is detached, for
-- the same reason as above). Returns how many partitions went. Nothing younger than cutoff goes.
CREATE FUNCTION drop_month_partitions_before(parent text, cutoff timestamptz) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  col text := month_partition_column(parent);
  dflt text := parent || '_default';
  part record;
  dropped integer := 0;
  stale boolean;
BEGIN
  IF col IS NULL THEN
    RAISE EXCEPTION 'table % is not partitioned by a range of one column', parent;
  END IF;
  FOR part IN
    SELECT c.relname FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass(parent) AND c.relname = parent || '_' || right(c.relname, 6)
       AND right(c.relname, 6) ~ '^[0-9]{6}$'
     ORDER BY c.relname
  LOOP
    IF china_month_start((to_date(right(part.relname, 6), 'YYYYMM') + interval '1 month')::date) <= cutoff THEN
      EXECUTE format('DROP TABLE %I', part.relname);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I < $1)', dflt, col) INTO stale USING cutoff;
  IF stale THEN
    EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, dflt);
    EXECUTE format('DELETE FROM %I WHERE %I < $1', dflt, col) USING cutoff;
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I DEFAULT', parent, dflt);
  END IF;
  RETURN dropped;
END
$$;

-- Replaces `tbl` by a table of the same columns partitioned by `col`, its rows copied, with a
-- partition for each month they fall in (back to ten years) and this month and the next three.
-- Keys, indexes, foreign keys and triggers are made afterwards, table by table, below.
CREATE FUNCTION partition_by_month(tbl text, col text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  old text := tbl || '_unpartitioned';
  this_month date := china_month_of(now());
  month date;
BEGIN
  EXECUTE format('ALTER TABLE %I RENAME TO %I', tbl, old);
  EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (%I)', tbl, old, col);
  EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', tbl || '_default', tbl);
  FOR month IN EXECUTE format(
    'SELECT DISTINCT china_month_of(%I) FROM %I UNION SELECT generate_series($1, $1 + interval ''3 months'', interval ''1 month'')::date',
    col, old) USING this_month
  LOOP
    IF month >= this_month - interval '120 months' AND month <= this_month + interval '3 months' THEN
      PERFORM ensure_month_partition(tbl, month);
    END IF;
  END LOOP;
  EXECUTE format('INSERT INTO %I SELECT * FROM %I', tbl, old);
END
$$;

-- The serial columns' sequences go on with the new tables (dropping the old would drop them).
SELECT partition_by_month('gateway_events', 'time');
ALTER SEQUENCE gateway_events_arrival_seq OWNED BY gateway_events.arrival;
DROP TABLE gateway_events_unpartitioned;
ALTER TABLE gateway_events ADD PRIMARY KEY (source, id, time);
CREATE INDEX gateway_events_by_gateway ON gateway_events (gateway_id, arrival);
CREATE INDEX gateway_events_by_type ON gateway_events (type, arrival);

SELECT partition_by_month('incident_steps', 'at');
ALTER SEQUENCE incident_steps_id_seq OWNED BY incident_steps.id;
DROP TABLE incident_steps_unpartitioned;
ALTER TABLE incident_steps ADD PRIMARY KEY (id, at);
CREATE INDEX incident_steps_by_seq ON incident_steps (incident_id, seq);
CREATE INDEX incident_steps_by_request ON incident_steps (incident_id, request_id);
ALTER TABLE incident_steps ADD CONSTRAINT incident_steps_incident_id_fkey
  FOREIGN KEY (incident_id) REFERENCES incidents (id);
CREATE TRIGGER incident_steps_append_only BEFORE UPDATE OR DELETE ON incident_steps
  FOR EACH ROW EXECUTE FUNCTION incidents_refuse_history_change();
CREATE TRIGGER incident_steps_kpi_facts_insert AFTER INSERT ON incident_steps REFERENCING NEW TABLE AS written_steps
  FOR EACH STATEMENT EXECUTE FUNCTION incident_kpi_facts_after_steps();
CREATE TRIGGER incident_steps_kpi_facts_update AFTER UPDATE ON incident_steps REFERENCING NEW TABLE AS written_steps
  FOR EACH STATEMENT EXECUTE FUNCTION incident_kpi_facts_after_steps();

SELECT partition_by_month('patrol_positions', 'at');
DROP TABLE patrol_positions_unpartitioned;
ALTER TABLE patrol_positions ADD PRIMARY KEY (session_id, at);
ALTER TABLE patrol_positions ADD CONSTRAINT patrol_positions_session_id_fkey
  FOREIGN KEY (session_id) REFERENCES patrol_sessions (id);

SELECT partition_by_month('device_health', 'observed_at');
DROP TABLE device_health_unpartitioned;
ALTER TABLE device_health ADD PRIMARY KEY (community, device_id, gateway_id, observed_at, seq);
CREATE INDEX device_health_by_time ON device_health (observed_at);

SELECT partition_by_month('gateway_health', 'observed_at');
DROP TABLE gateway_health_unpartitioned;
ALTER TABLE gateway_health ADD PRIMARY KEY (gateway_id, observed_at, seq);
CREATE INDEX gateway_health_by_time ON gateway_health (observed_at);
CREATE TRIGGER gateway_health_property_changed AFTER INSERT ON gateway_health
  FOR EACH ROW EXECUTE FUNCTION property_changed();

SELECT partition_by_month('device_availability', 'started_at');
DROP TABLE device_availability_unpartitioned;
ALTER TABLE device_availability ADD PRIMARY KEY (community, device_id, started_at);

SELECT partition_by_month('device_readings', 'window_start');
DROP TABLE device_readings_unpartitioned;
ALTER TABLE device_readings ADD PRIMARY KEY (community, device_id, window_start);
CREATE INDEX device_readings_by_time ON device_readings (window_start);

DROP FUNCTION partition_by_month(text, text);

-- A row trigger on a partitioned table fires on the partition: TG_TABLE_NAME names it
-- (incident_steps_202612), so the two functions that tell tables apart by name look at the root.
CREATE OR REPLACE FUNCTION incidents_refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  tbl text := (SELECT relname FROM pg_class WHERE oid = COALESCE(pg_partition_root(TG_RELID), TG_RELID));
BEGIN
  IF TG_OP = 'UPDATE' AND tbl = 'incident_steps'
     AND to_jsonb(NEW) - 'deadline' - 'light' - 'deadline_change'
       = to_jsonb(OLD) - 'deadline' - 'light' - 'deadline_change' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', tbl USING ERRCODE = 'restrict_violation';
END
$$;

CREATE OR REPLACE FUNCTION property_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  code text;
BEGIN
  IF TG_TABLE_NAME LIKE 'gateway\_health%' THEN
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
