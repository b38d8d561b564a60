-- +goose Up
-- The nightly measurement (job `progress`, 01:30 Oslo time): one row per
-- active participant per day, and the cohort KPIs computed from them and
-- from outcomes and agreements. Both tables are written only by the job,
-- each day's rows replaced in the run's one transaction (db/measure.go).

CREATE TABLE progress_snapshots (
    participant_id   bigint       NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    day              date         NOT NULL,
    -- Best level per skill from the results taken on or before the day;
    -- NULL before any result in the skill.
    best_listening   cefr_level,
    best_reading     cefr_level,
    best_writing     cefr_level,
    best_oral        cefr_level,
    -- Levels below the norskmål (0 when reached), per skill and in total.
    gap_listening    smallint     NOT NULL,
    gap_reading      smallint     NOT NULL,
    gap_writing      smallint     NOT NULL,
    gap_oral         smallint     NOT NULL,
    gap_total        smallint     NOT NULL,
    -- Levels gained towards the norskmål in the pace window (the last 6
    -- months, or since the programme start if shorter), and the window's
    -- length in days; pace = levels_gained / window_days per day.
    levels_gained    smallint     NOT NULL,
    window_days      integer      NOT NULL,
    months_left      integer      NOT NULL,
    -- Present days / logged days over the 28 days up to the day, all
    -- agreements; NULL when nothing was logged.
    attendance_rate  numeric(5,4),
    -- The latest outcome from on or before the day.
    outcome_kind     text,
    -- A running or ready agreement, or a work/education outcome.
    has_element      boolean      NOT NULL,
    risk             boolean      NOT NULL,
    -- When the norskmål is reached at the current pace; NULL without a
    -- pace (nothing gained in the window) or with no gap left.
    projected_date   date,
    PRIMARY KEY (participant_id, day)
);
-- The KPI page's trends and the adviser's figures read a day at a time.
CREATE INDEX progress_snapshots_day_idx ON progress_snapshots (day);

CREATE TABLE kpi_snapshots (
    day        date    NOT NULL,
    dimension  text    NOT NULL CHECK (dimension IN ('all', 'start_year', 'regime', 'adviser')),
    -- 'all'; the programme-start year; the regime; the adviser's user id.
    key        text    NOT NULL,
    metric     text    NOT NULL,
    -- A share (0–1), an average or a number of days; n is how many
    -- participants (or agreements) it was computed over.
    value      numeric NOT NULL,
    n          integer NOT NULL CHECK (n > 0),
    PRIMARY KEY (day, dimension, key, metric)
);
-- Trends read one metric of one dimension key across days.
CREATE INDEX kpi_snapshots_series_idx ON kpi_snapshots (dimension, key, metric, day);

-- The measurement reads the last 28 days of attendance of everyone: a
-- range of days, which the primary key (agreement, day) cannot serve.
-- With the columns it needs, it is an index-only scan.
CREATE INDEX attendance_day_idx ON attendance (day) INCLUDE (agreement_id, present);

-- +goose Down
DROP INDEX attendance_day_idx;
DROP TABLE kpi_snapshots;
DROP TABLE progress_snapshots;
