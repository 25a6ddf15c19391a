-- Every change of an incident's deadline says why on the timeline (domain §4): the step whose
-- deadline differs from the one before carries the change, e.g. {"from": "…", "to": "…",
-- "reason": "restarted", "step": "file_dispatch", "level": "street"} when an escalation restarts
-- the clock at the new level. Written by the time limits in the step's transaction, like the
-- deadline and light, which is all the append-only rule of 0003 lets anyone set afterwards.
ALTER TABLE incident_steps ADD COLUMN deadline_change jsonb;

CREATE OR REPLACE FUNCTION incidents_refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'incident_steps'
     AND to_jsonb(NEW) - 'deadline' - 'light' - 'deadline_change'
       = to_jsonb(OLD) - 'deadline' - 'light' - 'deadline_change' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END
$$;
