-- A deadline set for the incident from outside (a hotline platform's 办结时限, docs/hotline.md):
-- when it comes before the category's handling limit, the handling clock runs to it instead
-- (docs/domain.md §4). Null for incidents nobody outside gave a deadline.
ALTER TABLE incidents ADD COLUMN external_deadline timestamptz;
