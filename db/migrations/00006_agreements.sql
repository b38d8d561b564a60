-- +goose Up
-- A placement agreement: placement × participant, created when the
-- employer accepts a proposal (in the same transaction, holding the seat
-- the acceptance took). Modelled on NAV's digital agreement for
-- arbeidstrening: contacts → goals → schedule → follow-up and adaptations
-- → mentor → approval. Its status is derived from approvals and dates by
-- agreement_status(), never typed in.

-- The programme is full time: 37.5 or 30 hours a week. An agreement's
-- hours stay within the participant's.
ALTER TABLE participants ADD COLUMN programme_hours numeric(3,1) NOT NULL DEFAULT 37.5 CHECK (programme_hours IN (30, 37.5));

CREATE TABLE agreements (
    id                  bigserial PRIMARY KEY,
    proposal_id         bigint      NOT NULL UNIQUE REFERENCES proposals (id),
    participant_id      bigint      NOT NULL REFERENCES participants (id),
    placement_id        bigint      NOT NULL REFERENCES placements (id),
    organisation_id     bigint      NOT NULL REFERENCES organisations (id),
    -- Optimistic locking: every change bumps it; a save carrying an older
    -- number is refused, never silently applied.
    lock_version        integer     NOT NULL DEFAULT 1,
    -- Contacts: the supervisor at the workplace logs attendance and fills
    -- evaluations (also from one-click links mailed to this address).
    supervisor_name     text        NOT NULL DEFAULT '' CHECK (length(supervisor_name) <= 200),
    supervisor_email    text        NOT NULL DEFAULT '' CHECK (length(supervisor_email) <= 254),
    supervisor_phone    text        NOT NULL DEFAULT '' CHECK (length(supervisor_phone) <= 30),
    -- Goals.
    goals               text[]      NOT NULL DEFAULT '{}',
    goals_text          text        NOT NULL DEFAULT '' CHECK (length(goals_text) <= 2000),
    -- Schedule.
    job_title           text        NOT NULL DEFAULT '' CHECK (length(job_title) <= 150),
    tasks               text        NOT NULL DEFAULT '' CHECK (length(tasks) <= 4000),
    start_date          date,
    end_date            date,
    CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date),
    hours_per_week      numeric(3,1) CHECK (hours_per_week > 0 AND hours_per_week <= 37.5),
    days_per_week       smallint    CHECK (days_per_week BETWEEN 1 AND 7),
    -- Follow-up and adaptations.
    follow_up_plan      text        NOT NULL DEFAULT '' CHECK (length(follow_up_plan) <= 2000),
    follow_up_weeks     smallint    NOT NULL DEFAULT 4 CHECK (follow_up_weeks BETWEEN 1 AND 26),
    adaptations         text        NOT NULL DEFAULT '' CHECK (length(adaptations) <= 2000),
    -- Mentor.
    mentor_name         text        NOT NULL DEFAULT '' CHECK (length(mentor_name) <= 200),
    mentor_phone        text        NOT NULL DEFAULT '' CHECK (length(mentor_phone) <= 30),
    mentor_tasks        text        NOT NULL DEFAULT '' CHECK (length(mentor_tasks) <= 2000),
    -- Approvals: employer and participant first, the adviser last.
    employer_approved_by bigint     REFERENCES users (id),
    employer_approved_at timestamptz,
    consent_by          bigint      REFERENCES users (id),  -- the adviser who recorded it
    consent_at          timestamptz,
    consent_mode        text        CHECK (consent_mode IN ('in_person', 'on_behalf')),
    consent_reason      text        CHECK (consent_reason IN ('no_bankid', 'low_digital', 'other')),
    consent_note        text        NOT NULL DEFAULT '' CHECK (length(consent_note) <= 500),
    CHECK ((consent_mode = 'on_behalf') = (consent_reason IS NOT NULL)),
    adviser_approved_by bigint      REFERENCES users (id),
    adviser_approved_at timestamptz,
    -- When all three had approved for the first time. From then on the
    -- agreement runs by its dates: a later edit withdraws the approvals
    -- and waits for them again, but does not stop a placement under way.
    first_approved_at   timestamptz,
    -- Cancelled before it ran, or ended early (the reason is outcome data).
    cancelled_at        timestamptz,
    ended_on            date,
    end_reason          text        CHECK (end_reason IN ('completed', 'got_job', 'other_measure', 'illness', 'did_not_attend', 'other')),
    end_note            text        NOT NULL DEFAULT '' CHECK (length(end_note) <= 1000),
    -- Whether the agreement still holds a seat of the placement.
    seat_held           boolean     NOT NULL DEFAULT true,
    -- The employer sees the person until this day (12 weeks after the end
    -- or cancellation by default); NULL while no end is known.
    employer_access_until date,
    -- What the nightly status job last saw (it audits each change it
    -- sees) and when it recorded the end of the employer's access.
    status_seen         text,
    access_expired_at   timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreements_participant_idx ON agreements (participant_id, created_at DESC);
CREATE INDEX agreements_org_idx ON agreements (organisation_id, created_at DESC);
CREATE INDEX agreements_placement_idx ON agreements (placement_id);

-- The derived status, defined once: draft (schedule or supervisor
-- missing), awaiting_approval, ready (approved, not started), running,
-- ended, cancelled. Its days are Europe/Oslo days (oslo_today()).
-- Today in Europe/Oslo, where the programme's days begin and end (the
-- server's current_date may be UTC).
CREATE FUNCTION oslo_today() RETURNS date LANGUAGE sql STABLE AS $$ SELECT (now() AT TIME ZONE 'Europe/Oslo')::date $$;

-- +goose StatementBegin
CREATE FUNCTION agreement_status(a agreements, today date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN a.cancelled_at IS NOT NULL THEN 'cancelled'
        WHEN a.ended_on IS NOT NULL THEN 'ended'
        -- Approved by all once: it runs by its dates, even while an edit
        -- waits for the approvals again.
        WHEN a.first_approved_at IS NOT NULL AND today > a.end_date THEN 'ended'
        WHEN a.first_approved_at IS NOT NULL AND today >= a.start_date THEN 'running'
        WHEN a.start_date IS NULL OR a.end_date IS NULL OR a.hours_per_week IS NULL OR a.days_per_week IS NULL
            OR a.job_title = '' OR a.supervisor_name = '' OR a.supervisor_email = '' THEN 'draft'
        WHEN a.employer_approved_at IS NULL OR a.consent_at IS NULL OR a.adviser_approved_at IS NULL THEN 'awaiting_approval'
        WHEN today < a.start_date THEN 'ready'
        WHEN today > a.end_date THEN 'ended'
        ELSE 'running'
    END
$$;
-- +goose StatementEnd

-- Every time an edit withdrew approvals, the content as it was approved
-- is kept here, with who had approved it.
CREATE TABLE agreement_versions (
    id            bigserial PRIMARY KEY,
    agreement_id  bigint      NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    version       integer     NOT NULL,
    content       jsonb       NOT NULL,
    approvals     jsonb       NOT NULL,
    withdrawn_by  bigint      REFERENCES users (id),
    withdrawn_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agreement_id, version)
);

-- Attendance per day. No row: not a working day or not logged yet.
CREATE TABLE attendance (
    agreement_id  bigint       NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    day           date         NOT NULL,
    present       boolean      NOT NULL,
    hours         numeric(3,1) NOT NULL DEFAULT 0 CHECK (hours >= 0 AND hours <= 12),
    absence       text         CHECK (absence IN ('illness', 'sick_child', 'welfare', 'religious', 'other_valid', 'invalid')),
    CHECK (present = (absence IS NULL)),
    logged_by     bigint       REFERENCES users (id),  -- NULL: through a one-click link
    logged_at     timestamptz  NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, day)
);

-- Evaluations at start, middle and end; each rating 1–4, NULL for "not
-- observed".
CREATE TABLE evaluations (
    id            bigserial PRIMARY KEY,
    agreement_id  bigint      NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    phase         text        NOT NULL CHECK (phase IN ('start', 'mid', 'end')),
    punctuality   smallint    CHECK (punctuality BETWEEN 1 AND 4),
    cooperation   smallint    CHECK (cooperation BETWEEN 1 AND 4),
    instructions  smallint    CHECK (instructions BETWEEN 1 AND 4),
    speaking      smallint    CHECK (speaking BETWEEN 1 AND 4),
    comment       text        NOT NULL DEFAULT '' CHECK (length(comment) <= 2000),
    written_by    bigint      REFERENCES users (id),  -- NULL: through a one-click link
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agreement_id, phase)
);

-- The adviser's follow-up meetings.
CREATE TABLE follow_ups (
    id            bigserial PRIMARY KEY,
    agreement_id  bigint      NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    held_on       date        NOT NULL,
    with_whom     text[]      NOT NULL DEFAULT '{}',
    notes         text        NOT NULL DEFAULT '' CHECK (length(notes) <= 4000),
    written_by    bigint      NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX follow_ups_agreement_idx ON follow_ups (agreement_id, held_on DESC);

-- +goose Down
DROP TABLE follow_ups;
DROP TABLE evaluations;
DROP TABLE attendance;
DROP TABLE agreement_versions;
DROP FUNCTION agreement_status(agreements, date);
DROP FUNCTION oslo_today();
DROP TABLE agreements;
ALTER TABLE participants DROP COLUMN programme_hours;
