-- A gateway acts only on its own alerts (0018: within its own community). Depends on 0001, 0003
-- and 0012.
--
-- Alert ids are the gateway's own: (gateway_id, alert_id) is the key everywhere, so another
-- gateway's alert of the same id neither joins nor clears this one's incident. The gateway of an
-- alert already linked is the one whose event first raised it (its evidence's source), else the
-- incident's.
ALTER TABLE incident_alerts ADD COLUMN gateway_id text;
UPDATE incident_alerts AS a SET gateway_id = e.gateway_id
  FROM (SELECT DISTINCT ON (alert_id) alert_id, substring(source_key FROM '^/gateways/([^/#]+)') AS gateway_id
          FROM incident_evidence WHERE alert_id IS NOT NULL AND source_key LIKE '/gateways/%'
         ORDER BY alert_id, id) AS e
 WHERE e.alert_id = a.alert_id AND e.gateway_id IS NOT NULL;
UPDATE incident_alerts AS a SET gateway_id = coalesce(i.gateway_id, '')
  FROM incidents AS i WHERE a.gateway_id IS NULL AND i.id = a.incident_id;
ALTER TABLE incident_alerts ALTER COLUMN gateway_id SET NOT NULL;
ALTER TABLE incident_alerts DROP CONSTRAINT incident_alerts_pkey;
ALTER TABLE incident_alerts ADD PRIMARY KEY (gateway_id, alert_id);

ALTER TABLE held_alerts DROP CONSTRAINT held_alerts_pkey;
ALTER TABLE held_alerts ADD PRIMARY KEY (gateway_id, alert_id);

DROP INDEX incidents_alert_id;
CREATE UNIQUE INDEX incidents_alert_id ON incidents (gateway_id, alert_id) WHERE alert_id IS NOT NULL;

-- Dedup keys and repeat scopes are the gateway's own too: the engine now prefixes them with the
-- gateway id. Open incidents and held alerts keep counting across the upgrade.
UPDATE incidents SET dedup_key = gateway_id || '|' || dedup_key
 WHERE dedup_key IS NOT NULL AND gateway_id IS NOT NULL;
UPDATE held_alerts SET scope_key = gateway_id || '|' || scope_key;
