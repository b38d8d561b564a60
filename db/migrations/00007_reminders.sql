-- +goose Up
-- Reminders (the `reminders` job, 07:00 Europe/Oslo): the thresholds an
-- admin edits at /admin/reminders, each user's choices at
-- /settings/reminders, and one row per reminder item that went into a
-- digest (db/reminders.go has the rules).

-- The thresholds and cadences, one typed row (never a key/value bag, so
-- every value has a type and a CHECK). The defaults are the issue's.
CREATE TABLE reminder_settings (
    id                     boolean     PRIMARY KEY DEFAULT true CHECK (id),
    -- Rule 3: the start evaluation is due this many weeks after the start.
    evaluation_start_weeks smallint    NOT NULL DEFAULT 2  CHECK (evaluation_start_weeks BETWEEN 1 AND 12),
    -- Rule 5: an agreement ending within this many days.
    ends_within_days       smallint    NOT NULL DEFAULT 14 CHECK (ends_within_days BETWEEN 1 AND 60),
    -- Rule 6: a proposal unanswered this many working days (Mon–Fri) goes
    -- to the employer; after this many more, to the adviser (0: at once).
    proposal_working_days  smallint    NOT NULL DEFAULT 5  CHECK (proposal_working_days BETWEEN 1 AND 30),
    proposal_adviser_days  smallint    NOT NULL DEFAULT 5  CHECK (proposal_adviser_days BETWEEN 0 AND 30),
    -- Rule 7: the programme ends within this many days.
    programme_end_days     smallint    NOT NULL DEFAULT 90 CHECK (programme_end_days BETWEEN 7 AND 365),
    -- Rule 8: an organisation waiting for approval this many days.
    org_waiting_days       smallint    NOT NULL DEFAULT 2  CHECK (org_waiting_days BETWEEN 1 AND 30),
    -- Rule 2: the weekday (ISO, 1 = Monday) a week's attendance falls due.
    attendance_weekday     smallint    NOT NULL DEFAULT 5  CHECK (attendance_weekday BETWEEN 1 AND 5),
    updated_by             bigint      REFERENCES users (id),
    updated_at             timestamptz
);
INSERT INTO reminder_settings DEFAULT VALUES;

-- A user's choices: the optional rules they switched off and the
-- weekdays (ISO) they want digests on. No row: every rule, Monday to
-- Friday. Rules the agreement requires ignore rules_off (db/reminders.go).
CREATE TABLE reminder_prefs (
    user_id    bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    rules_off  text[]      NOT NULL DEFAULT '{}',
    weekdays   smallint[]  NOT NULL DEFAULT '{1,2,3,4,5}'
        CHECK (cardinality(weekdays) > 0 AND weekdays <@ '{1,2,3,4,5,6,7}'::smallint[]),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per item and recipient that went into a digest. The unique key
-- is what makes a rerun, a second replica or a catch-up send nothing
-- twice: the run inserts with ON CONFLICT DO NOTHING and mails only what
-- RETURNING gives back. The period says which occurrence an item is (the
-- start date, the ISO week, the evaluation phase …), so a rule that
-- repeats (a follow-up overdue week after week) has one row per period.
-- The recipient is part of the key because one item can go to several
-- people (the supervisor and the adviser; every admin).
CREATE TABLE reminders_sent (
    id          bigserial   PRIMARY KEY,
    rule        text        NOT NULL,
    subject_id  bigint      NOT NULL,
    period      text        NOT NULL,
    recipient   citext      NOT NULL,
    run_id      bigint      REFERENCES job_runs (id) ON DELETE SET NULL,
    sent_on     date        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (rule, subject_id, period, recipient)
);
CREATE INDEX reminders_sent_on_idx ON reminders_sent (sent_on);

-- What the rules scan, so each rule's one statement reads a narrow range
-- instead of every agreement ever made: rule 1 by start date; rules 2–5
-- by end date (the agreements still running or just ended).
CREATE INDEX agreements_start_open_idx ON agreements (start_date) WHERE cancelled_at IS NULL;
CREATE INDEX agreements_end_open_idx ON agreements (end_date) WHERE cancelled_at IS NULL;
-- Rule 6: open proposals by age.
CREATE INDEX proposals_open_idx ON proposals (created_at) WHERE status = 'proposed';
-- Rule 7: active participants by programme end.
CREATE INDEX participants_active_end_idx ON participants (programme_end) WHERE status = 'active';

-- +goose Down
DROP INDEX participants_active_end_idx;
DROP INDEX proposals_open_idx;
DROP INDEX agreements_end_open_idx;
DROP INDEX agreements_start_open_idx;
DROP TABLE reminders_sent;
DROP TABLE reminder_prefs;
DROP TABLE reminder_settings;
