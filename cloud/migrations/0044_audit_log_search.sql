-- The audit viewer (GET /audit-log) pages newest first by id and filters by who, by an action or
-- its prefix (`roster.*`) and by a target or its prefix (`grid:320803*`). text_pattern_ops lets
-- LIKE 'prefix%' use the index whatever the database's collation. Depends on 0005.
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
CREATE INDEX audit_log_by_action ON audit_log (action text_pattern_ops, id);
CREATE INDEX audit_log_by_target_prefix ON audit_log (target text_pattern_ops, id);
