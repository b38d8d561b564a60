-- +goose Up
-- Issue 14, phase 2b: the measurement, NAV and the seeds moved onto
-- migration 00016's schema, and 00016's transitional pieces removed.

-- The reminder "plan review due" (db/reminder_rules.go): a plan's own
-- next review date (set from measure_rules' cadence when the plan or a
-- review is saved) decides; this is the cadence for a plan without one,
-- counted from the last review or the plan date. Default 6 months, as
-- measure_rules' review_interval_months ("at least twice a year",
-- DOMAIN.md).
ALTER TABLE reminder_settings
    ADD COLUMN plan_review_months smallint NOT NULL DEFAULT 6 CHECK (plan_review_months BETWEEN 1 AND 24);

-- The seeds write 'kap6a' and the legal basis themselves now: the
-- transitional mapping of an inserted 'ukraine' (00016) goes. The regime's
-- CHECK refuses 'ukraine' from here on.
DROP TRIGGER participants_regime_compat ON participants;
DROP FUNCTION participants_regime_compat();

-- Every new agreement takes nav_required from its placement, also one
-- inserted already approved by all (00016 let such rows through for the
-- seeds; the seeds now insert a NAV measure awaiting NAV's decision, and
-- no writer may start one without it). Agreements approved before 00016
-- keep nav_required = false: nothing here changes existing rows.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agreements_nav_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.nav_required := EXISTS (SELECT 1 FROM placements pl WHERE pl.id = NEW.placement_id
            AND pl.kind IN ('arbeidstrening', 'lonnstilskudd'));
    END IF;
    IF NEW.nav_required AND NEW.nav_first_approved_at IS NULL THEN
        NEW.first_approved_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agreements_nav_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.first_approved_at IS NULL THEN
        NEW.nav_required := EXISTS (SELECT 1 FROM placements pl WHERE pl.id = NEW.placement_id
            AND pl.kind IN ('arbeidstrening', 'lonnstilskudd'));
    END IF;
    IF NEW.nav_required AND NEW.nav_first_approved_at IS NULL THEN
        NEW.first_approved_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE FUNCTION participants_regime_compat() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.regime = 'ukraine' THEN
        NEW.regime := 'kap6a';
        NEW.legal_basis := 'collective_protection';
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER participants_regime_compat BEFORE INSERT OR UPDATE OF regime ON participants
    FOR EACH ROW EXECUTE FUNCTION participants_regime_compat();
ALTER TABLE reminder_settings DROP COLUMN plan_review_months;
