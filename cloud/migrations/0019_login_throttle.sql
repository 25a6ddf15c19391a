-- The login throttle counts an attempt before its password is checked: one statement claims a
-- slot of the username's budget (and sets the lock when the last slot goes), so attempts in flight
-- together cannot check more passwords than the budget allows. Each row knows when it is of no
-- more use (expires_at), so rows of usernames sprayed once are pruned instead of kept for ever.
ALTER TABLE login_failures ADD COLUMN expires_at timestamptz;
UPDATE login_failures SET expires_at = COALESCE(locked_until, first_failure_at + interval '1 day');
ALTER TABLE login_failures ALTER COLUMN expires_at SET NOT NULL;
CREATE INDEX login_failures_by_expiry ON login_failures (expires_at);

-- A token bucket of login attempts per source address (an IPv6 client by its /64), shared by
-- every replica. A row whose bucket has filled up again (full_at) holds nothing and is pruned.
CREATE TABLE login_address_budgets (
  address text PRIMARY KEY,
  tokens double precision NOT NULL,
  updated_at timestamptz NOT NULL,
  full_at timestamptz NOT NULL
);
CREATE INDEX login_address_budgets_by_full ON login_address_budgets (full_at);
