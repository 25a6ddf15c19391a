-- The composite score gets practice weights by default (docs/domain.md §5), in percentage points
-- summing to 100, so the monthly assessment (考核) ranks from the start. A tenant that set its own
-- weights keeps them; only the empty seed of 0013 (no score) takes the defaults. Depends on 0013.
ALTER TABLE kpi_settings
  ALTER COLUMN weights SET DEFAULT '{"dispatch_rate": 10, "completion_rate": 10, "on_time_completion_rate": 10,
    "closing_rate": 15, "on_time_closing_rate": 20, "rework_rate": 10, "extension_rate": 5, "callback_rate": 5,
    "satisfaction_rate": 10, "resolution_rate": 5}'::jsonb;
UPDATE kpi_settings SET weights = DEFAULT WHERE weights = '{}'::jsonb;
