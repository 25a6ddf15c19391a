-- People: users and their roles (domain §2), user sessions, disposal units, grid-worker rosters,
-- and the audit log every module writes its changes to.

-- territory_code is where the user belongs: admins of that territory (or above) manage the user.
-- password_hash is scrypt with its parameters and salt: scrypt$N$r$p$salt$hash (base64url).
CREATE TABLE users (
  id text PRIMARY KEY,
  username text NOT NULL UNIQUE,
  display_name text NOT NULL,
  territory_code text NOT NULL,
  password_hash text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL
);
CREATE INDEX users_by_territory ON users (territory_code);

-- The scope's meaning depends on the role: a territory code, a grid code, a disposal unit id, a
-- community code or a gateway id (see cloud/src/people/roles.ts).
CREATE TABLE role_assignments (
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (
    role IN ('district_admin', 'operator', 'grid_worker', 'disposal_unit', 'property_manager', 'installer', 'callback_agent')
  ),
  scope text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, role, scope)
);
CREATE INDEX role_assignments_by_scope ON role_assignments (role, scope);

-- Only a SHA-256 of each session token is kept. started_at is the login (the absolute limit counts
-- from it, across refreshes); expires_at slides forward with use, never past the absolute limit.
CREATE TABLE user_sessions (
  token_sha256 text PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL,
  last_used_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX user_sessions_by_user ON user_sessions (user_id);

-- Failed logins per username (also usernames that do not exist, so a lock reveals nothing).
CREATE TABLE login_failures (
  username text PRIMARY KEY,
  failures integer NOT NULL,
  first_failure_at timestamptz NOT NULL,
  locked_until timestamptz
);

-- 责任单位: departments and companies that receive dispatched work.
CREATE TABLE disposal_units (
  id text PRIMARY KEY,
  name_zh text NOT NULL,
  name_en text NOT NULL,
  unit_type text NOT NULL,
  territory_code text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX disposal_units_by_territory ON disposal_units (territory_code);

-- "1+1+N": one grid chief, one full-time worker, any number of part-time workers per grid.
CREATE TABLE grid_members (
  grid_code text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  position text NOT NULL CHECK (position IN ('grid_chief', 'full_time', 'part_time')),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (grid_code, user_id)
);
CREATE UNIQUE INDEX grid_members_one_chief ON grid_members (grid_code) WHERE position = 'grid_chief';
CREATE UNIQUE INDEX grid_members_one_full_time ON grid_members (grid_code) WHERE position = 'full_time';
CREATE INDEX grid_members_by_user ON grid_members (user_id);

-- Who is on duty in a grid when: [starts_at, ends_at).
CREATE TABLE duty_periods (
  id bigserial PRIMARY KEY,
  grid_code text NOT NULL,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  created_at timestamptz NOT NULL
);
CREATE INDEX duty_periods_by_grid ON duty_periods (grid_code, starts_at);

-- A worker away during [starts_at, ends_at); the substitute takes their incidents meanwhile.
CREATE TABLE leaves (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  substitute_user_id text REFERENCES users (id) ON DELETE SET NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
  created_at timestamptz NOT NULL
);
CREATE INDEX leaves_by_user ON leaves (user_id, starts_at);

-- Who changed what, append-only; shared by every module. actor is `admin` (the admin token) or
-- `user:<id>`; target names the thing changed, e.g. `user:<id>`, `disposal_unit:<id>`, `grid:<code>`.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_by_target ON audit_log (target, at);
CREATE INDEX audit_log_by_at ON audit_log (at);
