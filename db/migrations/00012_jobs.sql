-- +goose Up
-- Indexes for the nightly jobs at 100,000 participants (issue 8,
-- docs/benchmarks.md "Jobs at 100,000 participants"): `progress` and
-- `reminders` read every agreement's status, and the agreements table is
-- wide (the agreement's texts: some 900 bytes a row, 134 MB for 152,721
-- agreements), so each pass over it read the whole table, or 10,000
-- scattered pages for the open ones.

-- The agreements as the jobs see them: everything agreement_status()
-- needs, and what the reminders print and filter on, keyed by the end
-- date. The jobs read it with index-only scans (of the pages vacuum has
-- marked all-visible, which is nearly all: agreements change rarely once
-- they end): the reminders and the snapshot's "running or ready" a range
-- of end dates (the agreements still open, some 16,000), the KPIs all of
-- it (29 MB, a fifth of the table). Cancelled agreements are left out: no
-- job counts them. The columns it holds change when a person edits or
-- approves the agreement; the nightly status job's writes (status_seen)
-- and the offer answers touch none of them and stay HOT updates.
CREATE INDEX agreements_jobs_idx ON agreements (end_date)
    INCLUDE (id, participant_id, placement_id, organisation_id, start_date, ended_on, end_reason,
        first_approved_at, hours_per_week, days_per_week, job_title, supervisor_name, supervisor_email,
        employer_approved_at, consent_at, adviser_approved_at, follow_up_weeks, employer_access_until, cancelled_at)
    WHERE cancelled_at IS NULL;

-- The snapshot's best levels, per active participant: every result with
-- its day, by index alone (the existing (participant_id, skill, level)
-- index has no date, and the snapshot needs the best level on a day and
-- the first result of the pace window).
CREATE INDEX language_results_participant_day_idx ON language_results (participant_id) INCLUDE (skill, level, taken_on);

-- +goose Down
DROP INDEX language_results_participant_day_idx;
DROP INDEX agreements_jobs_idx;
