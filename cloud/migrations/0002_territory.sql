-- Territory (domain §1): districts, streets, communities, grids and micro-grids; their areas over
-- time; the buildings of communities; and where fixed devices are installed. Plain SQL that
-- PostgreSQL and PGlite both run: no PostGIS. Areas are GeoJSON in jsonb with a bounding box
-- beside them; the box narrows the candidates in SQL and the exact test runs in the application.

-- code: 6 (district), 9 (street), 12 (community), 15 (grid) or 18 (micro-grid) digits; the parent's
-- code is the code less its last 3 digits. Both are checked by the application, the shape here.
CREATE TABLE territory_units (
  code text PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3}){0,4}$'),
  level text NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid', 'micro_grid')),
  parent_code text REFERENCES territory_units (code),
  name_zh text NOT NULL,
  name_en text,
  CHECK ((level = 'district') = (parent_code IS NULL))
);
CREATE INDEX territory_units_by_parent ON territory_units (parent_code);

-- Versions of a unit's area, in force from valid_from (inclusive) to valid_to (exclusive; NULL for
-- the current one). Versions of one unit never overlap: the application adds them in order under a
-- lock of the unit's row and closes the previous one; at most one is open per unit (index below).
CREATE TABLE territory_polygons (
  id bigserial PRIMARY KEY,
  unit_code text NOT NULL REFERENCES territory_units (code),
  valid_from timestamptz NOT NULL,
  valid_to timestamptz,
  area jsonb NOT NULL,
  min_lon double precision NOT NULL,
  min_lat double precision NOT NULL,
  max_lon double precision NOT NULL,
  max_lat double precision NOT NULL,
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  CHECK (min_lon <= max_lon AND min_lat <= max_lat),
  UNIQUE (unit_code, valid_from)
);
CREATE UNIQUE INDEX territory_polygons_one_open ON territory_polygons (unit_code) WHERE valid_to IS NULL;
CREATE INDEX territory_polygons_by_box ON territory_polygons (min_lon, max_lon, min_lat, max_lat);

-- A building unit (单元) of a community: floors above ground and households. grid_code, when known,
-- is the grid the building unit belongs to.
CREATE TABLE territory_buildings (
  community_code text NOT NULL REFERENCES territory_units (code),
  building text NOT NULL,
  unit text NOT NULL,
  floors integer NOT NULL CHECK (floors > 0),
  households integer NOT NULL CHECK (households >= 0),
  grid_code text REFERENCES territory_units (code),
  PRIMARY KEY (community_code, building, unit)
);

-- Where a fixed device is installed, set at installation: its grid, and building, unit and floor
-- when it is inside one. A device moved elsewhere gets a new row; the previous one is closed
-- (removed_at), so an event is placed where the device was at the event's time. gateway_id is not
-- a foreign key: installers may record placements before the gateway is registered.
CREATE TABLE device_placements (
  gateway_id text NOT NULL,
  device_id text NOT NULL,
  installed_at timestamptz NOT NULL,
  removed_at timestamptz,
  grid_code text NOT NULL REFERENCES territory_units (code),
  community_code text NOT NULL REFERENCES territory_units (code),
  building text,
  unit text,
  floor integer,
  PRIMARY KEY (gateway_id, device_id, installed_at),
  CHECK (removed_at IS NULL OR removed_at > installed_at),
  CHECK ((building IS NULL) = (unit IS NULL)),
  CHECK (floor IS NULL OR building IS NOT NULL),
  FOREIGN KEY (community_code, building, unit) REFERENCES territory_buildings (community_code, building, unit)
);
CREATE UNIQUE INDEX device_placements_current ON device_placements (gateway_id, device_id) WHERE removed_at IS NULL;
