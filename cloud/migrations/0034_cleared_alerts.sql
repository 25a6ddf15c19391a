-- Gateway alerts the gateway has cleared (battery replaced, tamper restored, fault gone), by the
-- gateway's alert id. A maintenance ticket opened by a gateway's alert closes once every alert it
-- holds is cleared; kept apart from the ticket because a clear may be handled before its raise
-- (another replica, a retried batch), and the raise must still find it. Depends on 0003.
CREATE TABLE cleared_alerts (
  gateway_id text NOT NULL,
  alert_id text NOT NULL,
  cleared_at timestamptz NOT NULL,
  reason text NOT NULL,
  recorded_at timestamptz NOT NULL,
  PRIMARY KEY (gateway_id, alert_id)
);
CREATE INDEX cleared_alerts_by_time ON cleared_alerts (recorded_at);

-- Repeat offenders (docs/domain.md §7): a device's maintenance tickets of any origin (the policy's
-- sweep or the gateway's alerts) by the time they were opened. Depends on 0003.
CREATE INDEX incidents_device_maintenance ON incidents (community, device_id, created_at)
  WHERE category_code LIKE 'device_maintenance.%' AND device_id IS NOT NULL;
