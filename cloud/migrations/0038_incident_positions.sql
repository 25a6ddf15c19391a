-- Where an incident is: a point reported from a phone (WGS-84 degrees and the fix's accuracy in
-- metres), to measure an arrival against and to find duplicates near. Optional: hotline reports,
-- alerts and older rows have none (an arrival is then measured to the building, 0042). Depends on 0003.
ALTER TABLE incidents
  ADD COLUMN position_lon double precision CHECK (position_lon BETWEEN -180 AND 180),
  ADD COLUMN position_lat double precision CHECK (position_lat BETWEEN -90 AND 90),
  ADD COLUMN position_accuracy_m double precision CHECK (position_accuracy_m > 0),
  ADD CONSTRAINT incidents_position_pair CHECK ((position_lon IS NULL) = (position_lat IS NULL));

-- Duplicates near a street report are looked for among recent open incidents with a position.
CREATE INDEX incidents_open_positioned ON incidents (created_at)
  WHERE closed_at IS NULL AND position_lat IS NOT NULL;
