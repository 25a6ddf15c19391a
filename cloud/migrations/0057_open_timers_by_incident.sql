-- Each step brings its incident's timers up to date: it cancels those of the incident still open
-- (docs/domain.md §4). With only the sweep's index on the open timers (due_at), PostgreSQL read
-- every open timer of the district to find one incident's, a cost growing with the open incidents.
-- This index finds an incident's open timers directly.
CREATE INDEX incident_timers_open_of_incident ON incident_timers (incident_id)
  WHERE fired_at IS NULL AND cancelled_at IS NULL;
