-- Numeric window summaries of the devices' readings (temperature, humidity, pressure, water
-- level, gas concentration…) as the gateways send them (cn.gridlink.telemetry.summary.v1): one row
-- per device and window, for the property's device page charts. Depends on 0018 (gateways.community).
--
-- Keyed by the window's start: a repeated summary changes nothing, and when a gateway restarts
-- within a window (its first half flushed at shutdown, the rest after) the one reaching furthest
-- is kept, whatever order they arrive in. Kept for devices.readings_retention_days.
CREATE TABLE device_readings (
  community text NOT NULL,
  device_id text NOT NULL,
  window_start timestamptz NOT NULL,
  window_end timestamptz NOT NULL,
  gateway_id text NOT NULL,
  device_kind text NOT NULL,
  -- field → {count, min, max, mean, last}
  fields jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  PRIMARY KEY (community, device_id, window_start)
);
CREATE INDEX device_readings_by_time ON device_readings (window_start);
