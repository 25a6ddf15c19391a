-- Who calls residents back on a closed incident (domain §3), a tenant setting beside the other
-- incident settings: 'agents' (callback agents, the seed: what the code did), 'centre' (the centre's
-- operators as well, as hotline centres do) or 'none' (no callback: the operator archives the
-- closed incident). Depends on 0014.
ALTER TABLE incident_settings
  ADD COLUMN callback text NOT NULL DEFAULT 'agents' CHECK (callback IN ('agents', 'centre', 'none'));
