-- KPIs are computed from step records (domain §5, cloud/src/kpi/query.ts). The assessment query
-- reads the steps of one period with one range scan on their time, index-only (steps are
-- append-only, so their pages soon count as all-visible), then each filed incident's territory by
-- its id, index-only too. Plain b-tree indexes: the same SQL runs on PostgreSQL and PGlite.

-- Every step of a period with the columns the per-incident summary reads (not data: jsonb of any
-- size does not belong in an index).
CREATE INDEX incident_steps_kpi ON incident_steps (at) INCLUDE (incident_id, seq, action, to_state, deadline, light);

-- The few steps whose data the KPIs read: the callback's verdict and the dispatch's assignee.
CREATE INDEX incident_steps_kpi_callbacks ON incident_steps (at)
  WHERE action IN ('callbackSatisfied', 'callbackUnsatisfied');
CREATE INDEX incident_steps_kpi_dispatches ON incident_steps (at) WHERE action = 'dispatch';

-- An incident's territory and drill flag by its id, without visiting the table.
CREATE INDEX incidents_kpi ON incidents (id) INCLUDE (drill, community, grid);
