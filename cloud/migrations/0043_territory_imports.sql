-- Territory imports (boundaries GeoJSON, buildings and device placement CSVs): a file is previewed
-- first (what it would add, change and retire, and every problem), stored here with its parsed
-- payload, and applied later in one transaction. `state_stamp` is a digest of the territory the
-- preview was computed against: applying after the territory changed is refused. Depends on 0002.
CREATE TABLE territory_imports (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('boundaries', 'buildings', 'placements')),
  actor text NOT NULL,
  created_at timestamptz NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  -- The lowest unit above or at every unit of the file; null when the file names no valid code.
  root_code text,
  preview jsonb NOT NULL,
  payload jsonb NOT NULL,
  state_stamp text NOT NULL,
  state text NOT NULL DEFAULT 'previewed' CHECK (state IN ('previewed', 'applied')),
  applied_at timestamptz,
  valid_from timestamptz,
  CHECK ((state = 'applied') = (applied_at IS NOT NULL))
);
CREATE INDEX territory_imports_by_root ON territory_imports (root_code, created_at DESC);

-- A unit an import no longer has: its area is closed at `retired_at` (history is kept, so events
-- before then still resolve to it). Importing it again brings it back.
ALTER TABLE territory_units ADD COLUMN retired_at timestamptz;
