-- Incident settings that lived only in code until now, and the device-event policy's "after hours"
-- (domain §7: "access control: door forced / held open → alert property; incident if repeated or
-- after hours"). Depends on 0003 and 0012.

-- The tenant's incident settings, one row administrators edit over the API (GET|PUT
-- /settings/incidents): how close an alert must follow the last one of an open incident of the same
-- place × category to join it (seconds), and whether an unsatisfied callback sends the work back
-- ('rework') or only records the verdict ('evaluate'). The engine reads the row for every alert
-- batch and every callback verdict. The seeds are the values the code used.
CREATE TABLE incident_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  dedup_window_seconds integer NOT NULL DEFAULT 1800 CHECK (dedup_window_seconds BETWEEN 60 AND 86400),
  unsatisfied_callback text NOT NULL DEFAULT 'rework' CHECK (unsatisfied_callback IN ('rework', 'evaluate')),
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO incident_settings (id) VALUES (true);

-- After hours: a local time-of-day range (China time, UTC+8, no daylight saving) in which an alert of
-- the row's category opens an incident at once instead of being held below its repeat threshold or
-- staying an alert. The alert's own time decides. start > end runs across midnight (22:00–06:00);
-- start is inside the range, end is not.
ALTER TABLE device_event_policies
  ADD COLUMN after_hours_start time(0),
  ADD COLUMN after_hours_end time(0),
  ADD CONSTRAINT device_event_policies_after_hours_whole CHECK (
    (after_hours_start IS NULL) = (after_hours_end IS NULL) AND (after_hours_start IS NULL OR after_hours_start <> after_hours_end)),
  ADD CONSTRAINT device_event_policies_after_hours_not_never CHECK (after_hours_start IS NULL OR policy <> 'never');

UPDATE device_event_policies
   SET after_hours_start = '22:00', after_hours_end = '06:00',
       note = 'door forced or held open: the property is alerted; incident when the same door does it again within a day, or at once between 22:00 and 06:00'
 WHERE category_code = 'safety.access';

-- Held alerts are listed by territory (GET /held-alerts): the grid where the device is installed.
ALTER TABLE held_alerts ADD COLUMN grid text;
CREATE INDEX held_alerts_newest ON held_alerts (occurred_at DESC, alert_id DESC);
