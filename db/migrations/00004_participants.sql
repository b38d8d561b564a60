-- +goose Up
-- Participants in the introduction programme, their Norwegian results,
-- outcomes and notes. The most sensitive data Praksis holds: every read
-- and change of a participant is written to audit_log by the application.

-- Default norskmål per education level, with the date each row applies
-- from: the rules have changed before and will again (DOMAIN.md). The
-- newest row on or before a participant's programme start applies.
CREATE TABLE norskmal_defaults (
    education  text       NOT NULL CHECK (education IN ('none', 'primary', 'upper_secondary', 'higher')),
    skill      text       NOT NULL CHECK (skill IN ('listening', 'reading', 'writing', 'oral')),
    level      cefr_level NOT NULL,
    valid_from date       NOT NULL,
    PRIMARY KEY (education, skill, valid_from)
);
-- Integreringsloven (2021): minimum goals by education level.
INSERT INTO norskmal_defaults (education, skill, level, valid_from)
SELECT e.education, s.skill, e.level::cefr_level, DATE '2021-01-01'
FROM (VALUES ('none', 'a1'), ('primary', 'a2'), ('upper_secondary', 'b1'), ('higher', 'b2')) AS e(education, level),
     (VALUES ('listening'), ('reading'), ('writing'), ('oral')) AS s(skill);

-- Programme length per legal regime, with effective dates.
CREATE TABLE programme_rules (
    regime           text     NOT NULL CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'ukraine')),
    min_months       smallint NOT NULL,
    max_months       smallint NOT NULL,
    extension_months smallint NOT NULL,
    valid_from       date     NOT NULL,
    PRIMARY KEY (regime, valid_from)
);
INSERT INTO programme_rules VALUES
    ('integreringsloven', 3, 36, 12, DATE '2021-01-01'),
    ('introduksjonsloven', 3, 24, 12, DATE '2004-09-01'),
    ('ukraine', 3, 12, 0, DATE '2022-06-01');

-- A level's position, 1 for the lowest. An inlinable SQL function, so
-- gap arithmetic over a caseload costs a CASE per value, not an array.
CREATE FUNCTION cefr_rank(l cefr_level) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE l WHEN 'ikke_nok_grunnlag' THEN 1 WHEN 'under_a1' THEN 2 WHEN 'a1' THEN 3 WHEN 'a2' THEN 4
        WHEN 'b1' THEN 5 WHEN 'b2' THEN 6 WHEN 'c1' THEN 7 END
$$;

CREATE TABLE participants (
    id                bigserial PRIMARY KEY,
    adviser_id        bigint      NOT NULL REFERENCES users (id),
    nav_contact_id    bigint      REFERENCES users (id),
    first_name        text        NOT NULL CHECK (length(first_name) BETWEEN 1 AND 100),
    last_name         text        NOT NULL CHECK (length(last_name) BETWEEN 1 AND 100),
    birth_year        smallint    NOT NULL CHECK (birth_year BETWEEN 1940 AND 2015),
    languages         text[]      NOT NULL DEFAULT '{}',
    education         text        NOT NULL CHECK (education IN ('none', 'primary', 'upper_secondary', 'higher')),
    regime            text        NOT NULL CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'ukraine')),
    programme_start   date        NOT NULL,
    programme_end     date        NOT NULL CHECK (programme_end > programme_start),
    goal_category     text        NOT NULL CHECK (goal_category IN ('work_sector', 'higher_education', 'upper_secondary', 'work_or_education')),
    goal_sector       text        NOT NULL DEFAULT '',
    goal_listening    cefr_level  NOT NULL,
    goal_reading      cefr_level  NOT NULL,
    goal_writing      cefr_level  NOT NULL,
    goal_oral         cefr_level  NOT NULL,
    -- Kode 6/7: the address and municipality are shown to the adviser only.
    protected_address boolean     NOT NULL DEFAULT false,
    municipality      text        NOT NULL DEFAULT '' CHECK (length(municipality) <= 100),
    address           text        NOT NULL DEFAULT '' CHECK (length(address) <= 200),
    status            text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'on_leave', 'completed', 'ended_early')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX participants_adviser_idx ON participants (adviser_id, programme_end);
CREATE INDEX participants_nav_idx ON participants (nav_contact_id) WHERE nav_contact_id IS NOT NULL;

CREATE TABLE language_results (
    id             bigserial PRIMARY KEY,
    participant_id bigint      NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    skill          text        NOT NULL CHECK (skill IN ('listening', 'reading', 'writing', 'oral')),
    level          cefr_level  NOT NULL,
    taken_on       date        NOT NULL,
    source         text        NOT NULL CHECK (source IN ('norskprove', 'teacher')),
    recorded_by    bigint      REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
-- Best level per skill and the chart both read a participant's results.
CREATE INDEX language_results_participant_idx ON language_results (participant_id, skill, level);

CREATE TABLE outcomes (
    id             bigserial PRIMARY KEY,
    participant_id bigint      NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    kind           text        NOT NULL CHECK (kind IN ('work_full', 'work_part', 'education', 'nav_measure', 'other')),
    from_date      date        NOT NULL,
    employer       text        NOT NULL DEFAULT '' CHECK (length(employer) <= 200),
    note           text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    recorded_by    bigint      REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outcomes_participant_idx ON outcomes (participant_id, from_date DESC);

CREATE TABLE participant_notes (
    id             bigserial PRIMARY KEY,
    participant_id bigint      NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    author_id      bigint      NOT NULL REFERENCES users (id),
    body           text        NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX participant_notes_participant_idx ON participant_notes (participant_id, created_at DESC);

-- +goose Down
DROP TABLE participant_notes;
DROP TABLE outcomes;
DROP TABLE language_results;
DROP TABLE participants;
DROP TABLE programme_rules;
DROP TABLE norskmal_defaults;
DROP FUNCTION cefr_rank(cefr_level);
