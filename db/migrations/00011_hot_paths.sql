-- +goose Up
-- Indexes for the three pages measured at national scale (issue 8,
-- docs/benchmarks.md "make bench"): the placement search, the dashboards'
-- counts and the participant profile.

-- Search: the kind, sector and municipality filters are answered inside
-- the full-text GIN index (btree_gin gives GIN the B-tree equality of
-- text), so only the placements that pass them are read from the table
-- to be ranked: 3,148 instead of 8,830 rows for "norsk" + språkpraksis.
-- The index still serves a text search without filters. btree_gin ships
-- with PostgreSQL and is a trusted extension: the database owner may
-- create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE INDEX placements_search_filters_idx ON placements
    USING gin (search, kind, sector, lower(municipality)) WHERE status = 'published';
DROP INDEX placements_search_idx;

-- Search: placements of organisations that are not approved are not
-- shown; there are few such organisations, so the search excludes them
-- from this small index instead of joining every match to its approved
-- organisation (db/placement_search.go).
CREATE INDEX organisations_unapproved_idx ON organisations (id) WHERE approved_at IS NULL;

-- Dashboards: the last day an agreement can still be open by its dates.
-- Once approved by all it ends the day after end_date (agreement_status,
-- migration 00006); before that, or without an end date, the dates never
-- end it. So an agreement whose status on day d is draft,
-- awaiting_approval, ready or running has cancelled_at IS NULL, ended_on
-- IS NULL and agreement_open_until(first_approved_at, end_date) >= d; the
-- partial indexes below hold exactly the agreements that are not
-- cancelled or ended early, keyed by this day, so the dashboards read only
-- those still open on d, not the years of ended ones (129,600 of 152,721
-- in the bench data).
-- +goose StatementBegin
CREATE FUNCTION agreement_open_until(first_approved_at timestamptz, end_date date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN first_approved_at IS NOT NULL AND end_date IS NOT NULL THEN end_date ELSE 'infinity'::date END
$$;
-- +goose StatementEnd
CREATE INDEX agreements_open_org_idx ON agreements (organisation_id, agreement_open_until(first_approved_at, end_date))
    WHERE cancelled_at IS NULL AND ended_on IS NULL;
CREATE INDEX agreements_open_participant_idx ON agreements (participant_id, agreement_open_until(first_approved_at, end_date))
    WHERE cancelled_at IS NULL AND ended_on IS NULL;

-- Employer dashboard: open proposals per placement (the existing
-- proposals_open_idx is by creation time, for the reminders).
CREATE INDEX proposals_open_placement_idx ON proposals (placement_id) WHERE status = 'proposed';

-- Adviser and NAV dashboards: the participants of a caseload by index
-- alone (index-only scans), without reading 500 participant rows for
-- their ids.
DROP INDEX participants_adviser_idx;
CREATE INDEX participants_adviser_idx ON participants (adviser_id, programme_end) INCLUDE (id);
DROP INDEX participants_nav_idx;
CREATE INDEX participants_nav_idx ON participants (nav_contact_id) INCLUDE (id) WHERE nav_contact_id IS NOT NULL;

-- +goose Down
DROP INDEX participants_nav_idx;
CREATE INDEX participants_nav_idx ON participants (nav_contact_id) WHERE nav_contact_id IS NOT NULL;
DROP INDEX participants_adviser_idx;
CREATE INDEX participants_adviser_idx ON participants (adviser_id, programme_end);
DROP INDEX proposals_open_placement_idx;
DROP INDEX agreements_open_participant_idx;
DROP INDEX agreements_open_org_idx;
DROP FUNCTION agreement_open_until(timestamptz, date);
DROP INDEX organisations_unapproved_idx;
CREATE INDEX placements_search_idx ON placements USING gin (search) WHERE status = 'published';
DROP INDEX placements_search_filters_idx;
DROP EXTENSION IF EXISTS btree_gin;
