-- Repeat thresholds of the device-event policy (domain §7, tenant data): "incident if ≥ 3 times a
-- day", "≥ N a week per building", "incident if repeated". An alert of a row with a threshold is
-- recorded and counted (held_alerts) but opens nothing until repeat_count alerts of the same scope
-- fall within repeat_window; the one that reaches the count opens the incident and the earlier
-- ones of the window become its evidence. Alerts at or above repeat_bypass_severity open it at
-- once (the fire lane's "> 30 min" alert is major, its plain occupancy minor). Depends on 0003.
ALTER TABLE device_event_policies
  ADD COLUMN repeat_count integer CHECK (repeat_count BETWEEN 2 AND 1000),
  ADD COLUMN repeat_window interval CHECK (repeat_window > interval '0' AND repeat_window <= interval '366 days'),
  ADD COLUMN repeat_scope text CHECK (repeat_scope IN ('device', 'place', 'building', 'community')),
  ADD COLUMN repeat_bypass_severity text CHECK (repeat_bypass_severity IN ('info', 'warning', 'minor', 'major', 'critical')),
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  -- A threshold is whole or absent, and "never" has none: it never becomes an incident.
  ADD CONSTRAINT device_event_policies_repeat_whole CHECK (
    (repeat_count IS NULL) = (repeat_window IS NULL) AND (repeat_count IS NULL) = (repeat_scope IS NULL)
    AND (repeat_count IS NOT NULL OR repeat_bypass_severity IS NULL)),
  ADD CONSTRAINT device_event_policies_repeat_not_never CHECK (repeat_count IS NULL OR policy <> 'never');

UPDATE device_event_policies
   SET repeat_count = 3, repeat_window = interval '1 day', repeat_scope = 'device', repeat_bypass_severity = 'major',
       note = 'alert the property; incident after 30 min occupied (major, at once) or at the 3rd occupancy in a day'
 WHERE category_code = 'safety.fire_lane';
UPDATE device_event_policies
   SET repeat_count = 5, repeat_window = interval '7 days', repeat_scope = 'building',
       note = 'blocked locally, the property is alerted; incident at the 5th e-bike in a week in one building'
 WHERE category_code = 'safety.ebike_elevator';
UPDATE device_event_policies
   SET repeat_count = 2, repeat_window = interval '1 day', repeat_scope = 'device',
       note = 'door forced or held open: the property is alerted; incident when the same door does it again within a day'
 WHERE category_code = 'safety.access';

-- Alerts held below a repeat threshold: recorded (visible, counted) until one reaches the count;
-- then all those of the window point to the incident they opened. scope_key names the policy row,
-- the drill flag and the scope (device, place, building or community) the count runs over.
CREATE TABLE held_alerts (
  alert_id text PRIMARY KEY,
  policy_category text NOT NULL,
  scope_key text NOT NULL,
  category_code text NOT NULL,
  severity text NOT NULL,
  drill boolean NOT NULL,
  gateway_id text NOT NULL,
  device_id text NOT NULL,
  community text,
  building text,
  source_key text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL,
  data jsonb NOT NULL,
  incident_id text REFERENCES incidents (id)
);
CREATE INDEX held_alerts_counting ON held_alerts (scope_key, occurred_at) WHERE incident_id IS NULL;
CREATE INDEX held_alerts_by_category ON held_alerts (category_code, occurred_at);
