-- Where a building unit stands (WGS-84 degrees, e.g. its entrance), so an incident placed only by
-- its building has a position to measure an arrival against and to find duplicates near.
-- Optional: the territory import may not know it. Depends on 0002.
ALTER TABLE territory_buildings
  ADD COLUMN lon double precision CHECK (lon BETWEEN -180 AND 180),
  ADD COLUMN lat double precision CHECK (lat BETWEEN -90 AND 90),
  ADD CONSTRAINT territory_buildings_position_pair CHECK ((lon IS NULL) = (lat IS NULL));
