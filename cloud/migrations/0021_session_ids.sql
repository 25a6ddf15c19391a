-- A session's id, kept when its token is rotated by a refresh: what a signed attachment link is
-- bound to, so the link stops working when the session ends (logout, deactivation, new password).
-- Unlike the token's hash it is no secret, and it names the session, not one of its tokens.
ALTER TABLE user_sessions ADD COLUMN session_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE INDEX user_sessions_by_session ON user_sessions (session_id);
