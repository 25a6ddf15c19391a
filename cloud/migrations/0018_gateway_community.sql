-- A gateway acts only within its own community. Depends on 0001 and 0002.
--
-- gateways.community: the community a gateway serves (its configured gateway.community), set at
-- registration; the intake refuses alerts it places elsewhere. A gateway registered before this
-- migration takes the community of its installed devices when they are all in one; otherwise it
-- stays unset until an administrator sets it, and its alerts naming a place are refused meanwhile.
ALTER TABLE gateways ADD COLUMN community text CHECK (community ~ '^[0-9]{12}$');
UPDATE gateways AS g SET community = p.community
  FROM (SELECT gateway_id, min(community_code) AS community FROM device_placements WHERE removed_at IS NULL
         GROUP BY gateway_id HAVING count(DISTINCT community_code) = 1) AS p
 WHERE p.gateway_id = g.id;
