-- Streams held open (incident lists, live push) must end as soon as what let them open changes:
-- a session ends (logout, refresh, deactivation, a new password) or the user's roles change.
-- These triggers announce the user on channel gridlink_sessions, on commit, to every replica,
-- whichever code (API, CLI, rosters) made the change; each replica then checks its open streams of
-- that user at once. PostgreSQL folds repeats of one payload within a transaction into one.
CREATE FUNCTION announce_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('gridlink_sessions', OLD.user_id);
    RETURN OLD;
  END IF;
  PERFORM pg_notify('gridlink_sessions', NEW.user_id);
  IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
    PERFORM pg_notify('gridlink_sessions', OLD.user_id);
  END IF;
  RETURN NEW;
END;
$$;

CREATE FUNCTION announce_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('gridlink_sessions', NEW.id);
  RETURN NEW;
END;
$$;

CREATE TRIGGER user_sessions_announce AFTER DELETE ON user_sessions
  FOR EACH ROW EXECUTE FUNCTION announce_session_change();
CREATE TRIGGER role_assignments_announce AFTER INSERT OR UPDATE OR DELETE ON role_assignments
  FOR EACH ROW EXECUTE FUNCTION announce_session_change();
CREATE TRIGGER users_announce AFTER UPDATE OF active, password_hash, territory_code ON users
  FOR EACH ROW EXECUTE FUNCTION announce_user_change();
