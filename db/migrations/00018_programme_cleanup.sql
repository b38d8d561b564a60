-- +goose Up
-- Issue 14, phase 2b: the measurement, NAV and the seeds moved onto
-- migration 00016's schema.

-- The reminder "plan review due" (db/reminder_rules.go): a plan's own
-- next review date (set from measure_rules' cadence when the plan or a
-- review is saved) decides; this is the cadence for a plan without one,
-- counted from the last review or the plan date. Default 6 months, as
-- measure_rules' review_interval_months ("at least twice a year",
-- DOMAIN.md).
ALTER TABLE reminder_settings
    ADD COLUMN plan_review_months smallint NOT NULL DEFAULT 6 CHECK (plan_review_months BETWEEN 1 AND 24);

-- +goose Down
ALTER TABLE reminder_settings DROP COLUMN plan_review_months;
