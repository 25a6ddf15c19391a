-- KPIs are computed from step records (domain §5, cloud/src/kpi/query.ts): the assessment query
-- takes the steps of one period with a range scan on their time, then each step's incident by its
-- primary key. Plain b-tree indexes: the same SQL runs on PostgreSQL and PGlite.

-- Every step of a period, in time order (the KPI query's only scan of incident_steps).
CREATE INDEX incident_steps_by_at ON incident_steps (at);

-- Territory filters and groupings of real (non-drill) incidents.
CREATE INDEX incidents_kpi_territory ON incidents (community, grid) WHERE NOT drill;
