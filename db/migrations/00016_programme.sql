-- +goose Up
-- The programme as the law runs it (issue 14): the regime follows the
-- legal basis of the residence permit, the programme rules are dated rows
-- with their variants, each participant has an integration plan (with a
-- Norwegian goal only where the regime and plan have one), leave and
-- extensions move the programme's end, progress and risk are measured
-- against the goals a person actually has, and NAV decides on NAV's own
-- measures. docs/plans/issue-14.md has the design and the choices.
--
-- Every default number below names its source. Rows with confirm = true
-- are the ones DOMAIN.md says a municipality must confirm with its legal
-- adviser before relying on them (the law has changed before and will
-- again); the admin page lists them (phase 2).

-- 1. Regimes. The temporary rules for people displaced from Ukraine are
-- integreringsloven kapittel 6A: the value 'ukraine' named a nationality,
-- which never decides the regime, so it becomes 'kap6a' everywhere a
-- regime is stored (participants, programme_rules, the KPI keys).
ALTER TABLE participants DROP CONSTRAINT participants_regime_check;
ALTER TABLE programme_rules DROP CONSTRAINT programme_rules_regime_check;
UPDATE participants SET regime = 'kap6a' WHERE regime = 'ukraine';
UPDATE programme_rules SET regime = 'kap6a' WHERE regime = 'ukraine';
UPDATE kpi_snapshots SET key = 'kap6a' WHERE dimension = 'regime' AND key = 'ukraine';
ALTER TABLE participants ADD CONSTRAINT participants_regime_check
    CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'kap6a'));
ALTER TABLE programme_rules ADD CONSTRAINT programme_rules_regime_check
    CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'kap6a'));

-- Transitional, removed in phase 2 of issue 14 (docs/plans/issue-14.md):
-- the demo and scale seeds are being moved into their own package while
-- this lands and still write 'ukraine'; this keeps them working until
-- they are changed to 'kap6a'. Nothing else may rely on it.
-- +goose StatementBegin
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

-- 2. The legal basis of the residence permit, the permit's date (both
-- decide the regime, regime_rules below), and sex (optional; the KPIs
-- split by it: the gap between women and men is the national headline).
--   asylum                 utl. § 28 (refugee status)
--   collective_protection  utl. § 34 (collective protection in a mass influx)
--   resettlement           utl. § 35 (overføringsflyktning, resettlement quota)
--   humanitarian           utl. § 38 on an application for protection
--   family_reunification   family member of a person in one of the groups above
--   other                  any other basis (e.g. a work permit): the ordinary rules
--   unknown                not yet recorded: an adviser must confirm it
ALTER TABLE participants
    ADD COLUMN legal_basis text NOT NULL DEFAULT 'unknown' CHECK (legal_basis IN ('asylum', 'collective_protection',
        'resettlement', 'humanitarian', 'family_reunification', 'other', 'unknown')),
    ADD COLUMN permit_date date,
    ADD COLUMN sex text NOT NULL DEFAULT 'not_given' CHECK (sex IN ('woman', 'man', 'other', 'not_given'));
-- Migrated rows: kapittel 6A applies only to collective protection under
-- utl. § 34, so a kap. 6A participant holds it; that is inferred. For the
-- other two regimes the basis cannot be told from what was stored (asylum,
-- resettlement, family reunification …): 'unknown', for the adviser to
-- confirm. No permit dates are invented.
UPDATE participants SET legal_basis = 'collective_protection' WHERE regime = 'kap6a';
CREATE TRIGGER participants_regime_compat BEFORE INSERT OR UPDATE OF regime ON participants
    FOR EACH ROW EXECUTE FUNCTION participants_regime_compat();

-- Which regime a legal basis gives, by the date the permit was granted.
-- Read by db.DeriveRegime (db/regime.go), never by nationality. Inclusive
-- dates; permit_to NULL: open.
CREATE TABLE regime_rules (
    id           bigserial PRIMARY KEY,
    legal_basis  text     NOT NULL CHECK (legal_basis IN ('asylum', 'collective_protection', 'resettlement', 'humanitarian',
        'family_reunification', 'other')),
    permit_from  date     NOT NULL,
    permit_to    date     CHECK (permit_to IS NULL OR permit_to >= permit_from),
    regime       text     NOT NULL CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'kap6a')),
    source       text     NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    confirm      boolean  NOT NULL DEFAULT true,
    created_by   bigint   REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (legal_basis, permit_from)
);
-- Permits granted before 2021-01-01 stay under introduksjonsloven
-- (integreringsloven's transitional provisions; the act came into force
-- 2021-01-01). From then on the ordinary rules of integreringsloven.
INSERT INTO regime_rules (legal_basis, permit_from, permit_to, regime, source)
SELECT b.basis, DATE '1900-01-01', DATE '2020-12-31', 'introduksjonsloven',
    'Integreringsloven, overgangsregler: permits before the act came into force (2021-01-01) follow introduksjonsloven (DOMAIN.md)'
FROM (VALUES ('asylum'), ('collective_protection'), ('resettlement'), ('humanitarian'), ('family_reunification'), ('other')) AS b(basis);
INSERT INTO regime_rules (legal_basis, permit_from, permit_to, regime, source)
SELECT b.basis, DATE '2021-01-01', NULL, 'integreringsloven', 'Integreringsloven (in force 2021-01-01), ordinary rules (DOMAIN.md)'
FROM (VALUES ('asylum'), ('resettlement'), ('humanitarian'), ('family_reunification'), ('other')) AS b(basis);
-- Collective protection (utl. § 34): ordinary rules until kapittel 6A, the
-- temporary rules for permits from 2022-03-11 (IMDi's guide to kap. 6A).
INSERT INTO regime_rules (legal_basis, permit_from, permit_to, regime, source) VALUES
    ('collective_protection', DATE '2021-01-01', DATE '2022-03-10', 'integreringsloven',
        'Integreringsloven, ordinary rules, before kapittel 6A (DOMAIN.md)'),
    ('collective_protection', DATE '2022-03-11', NULL, 'kap6a',
        'Integreringsloven kapittel 6A: collective protection under utl. § 34, permits from 2022-03-11 (IMDi, DOMAIN.md)');

-- 3. Programme rules: dated rows with the variants the law has. A row
-- applies to a participant by regime, track, sluttmål and age, from
-- valid_from to valid_to (inclusive; NULL: open). The most specific row
-- on the plan's date applies (db.ProgrammeRuleAt); a row whose valid_to
-- has passed is reported as expired, not applied.
--   track     'any'; for integreringsloven 's13' (upper secondary education
--             or higher, § 13) and 's14' (without it, § 14)
--   norskmal  whether the plan has a Norwegian goal: required, optional, none
--   leave_extends  approved leave moves the programme's end by its length
ALTER TABLE programme_rules DROP CONSTRAINT programme_rules_pkey;
ALTER TABLE programme_rules
    ADD COLUMN id             bigserial PRIMARY KEY,
    ADD COLUMN track          text     NOT NULL DEFAULT 'any' CHECK (track IN ('any', 's13', 's14')),
    ADD COLUMN goal_category  text     CHECK (goal_category IN ('work_sector', 'higher_education', 'upper_secondary', 'work_or_education')),
    ADD COLUMN min_age        smallint CHECK (min_age BETWEEN 0 AND 120),
    ADD COLUMN max_age        smallint CHECK (max_age BETWEEN 0 AND 120),
    ADD COLUMN valid_to       date,
    ADD COLUMN leave_extends  boolean  NOT NULL DEFAULT true,
    ADD COLUMN norskmal       text     NOT NULL DEFAULT 'required' CHECK (norskmal IN ('required', 'optional', 'none')),
    ADD COLUMN source         text     NOT NULL DEFAULT '' CHECK (length(source) <= 500),
    ADD COLUMN confirm        boolean  NOT NULL DEFAULT true,
    ADD COLUMN created_by     bigint   REFERENCES users (id),
    ADD COLUMN created_at     timestamptz NOT NULL DEFAULT now(),
    ADD CONSTRAINT programme_rules_months_check CHECK (min_months BETWEEN 1 AND 120 AND max_months BETWEEN min_months AND 120
        AND extension_months BETWEEN 0 AND 36),
    ADD CONSTRAINT programme_rules_age_check CHECK (min_age IS NULL OR max_age IS NULL OR min_age <= max_age),
    ADD CONSTRAINT programme_rules_dates_check CHECK (valid_to IS NULL OR valid_to >= valid_from),
    ADD CONSTRAINT programme_rules_track_check2 CHECK (track = 'any' OR regime = 'integreringsloven');
CREATE UNIQUE INDEX programme_rules_key_idx ON programme_rules
    (regime, track, coalesce(goal_category, ''), coalesce(min_age, -1), coalesce(max_age, -1), valid_from);

-- The regime-wide rows (track 'any') are the envelope the registration
-- form checks today; they keep their numbers.
UPDATE programme_rules SET min_age = 18, max_age = 55, norskmal = 'required', leave_extends = true,
    source = 'Integreringsloven: 3 months to 3 years overall, extendable by up to a year by decision; participants 18–55 (DOMAIN.md)'
WHERE regime = 'integreringsloven';
UPDATE programme_rules SET min_age = 18, max_age = 55, norskmal = 'none', leave_extends = true,
    source = 'Introduksjonsloven (2003): up to 2 years with approved leave added, extendable to 3; an individual plan, no norskmål (DOMAIN.md)'
WHERE regime = 'introduksjonsloven';
-- Kapittel 6A: "foreløpig til 1. juli 2026" (IMDi's guide): the chapter is
-- repealed from that day, so the last day in force is 2026-06-30. A plan
-- dated later finds the row expired until an admin adds the next one.
UPDATE programme_rules SET min_age = 18, max_age = 55, norskmal = 'optional', leave_extends = true, valid_to = DATE '2026-06-30',
    source = 'Integreringsloven kapittel 6A (temporary, collective protection utl. § 34): a simplified programme of up to 12 months; the plan may have no Norwegian goal; in force from summer 2022 until 1 July 2026 (IMDi, DOMAIN.md)'
WHERE regime = 'kap6a';
-- Integreringsloven's tracks.
INSERT INTO programme_rules (regime, track, goal_category, min_age, max_age, min_months, max_months, extension_months,
    valid_from, norskmal, leave_extends, source) VALUES
    ('integreringsloven', 's13', NULL, 18, 55, 3, 6, 6, DATE '2021-01-01', 'required', true,
        'Integreringsloven § 13, participants with upper secondary education or higher: a short programme, main rule 6 months, extendable by 6 (Fafo, DOMAIN.md)'),
    ('integreringsloven', 's14', NULL, 18, 55, 3, 24, 12, DATE '2021-01-01', 'required', true,
        'Integreringsloven § 14, participants without upper secondary education: longer, up to 2 years, extendable by up to a year (DOMAIN.md)'),
    ('integreringsloven', 's14', 'upper_secondary', 18, 55, 3, 36, 12, DATE '2021-01-01', 'required', true,
        'Integreringsloven § 14 with the sluttmål completed upper secondary education: the longest, up to 3 years, extendable by up to a year (DOMAIN.md)');

-- 4. Thresholds of the measurement, dated: the risk horizon ("the
-- programme ends within N months"), the pace window and the plan review
-- cadence. One row in force per day (db.MeasureRuleAt).
CREATE TABLE measure_rules (
    id                     bigserial PRIMARY KEY,
    valid_from             date     NOT NULL UNIQUE,
    valid_to               date     CHECK (valid_to IS NULL OR valid_to >= valid_from),
    -- Months before the programme's end from which a participant can be
    -- at risk: in the first months nobody has a placement yet, and
    -- flagging everyone would flag no one (db/measure.go's reasoning).
    risk_horizon_months    smallint NOT NULL CHECK (risk_horizon_months BETWEEN 1 AND 24),
    -- Months of results the pace is measured over.
    pace_window_months     smallint NOT NULL CHECK (pace_window_months BETWEEN 1 AND 24),
    -- A plan review is due this many months after the last (or the plan).
    review_interval_months smallint NOT NULL CHECK (review_interval_months BETWEEN 1 AND 24),
    source                 text     NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    created_by             bigint   REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now()
);
INSERT INTO measure_rules (valid_from, risk_horizon_months, pace_window_months, review_interval_months, source) VALUES
    (DATE '2004-09-01', 6, 6, 6,
        'Praksis defaults: risk within 6 months of the end and a 6-month pace window as the caseload used before (issue 7); plan review every 6 months, "at least twice a year is common practice" (DOMAIN.md, issue 14)');

-- 5. The integration plan (integreringsplan; under introduksjonsloven the
-- individual plan), one current version per participant; every version,
-- the current one included, is kept whole in integration_plan_versions.
-- A Norwegian goal per skill only where the plan has one (NULL: no goal);
-- whether it may have one is the rule's norskmal (rule_id: the row in
-- force on the plan's date when it was saved).
CREATE TABLE integration_plans (
    id              bigserial PRIMARY KEY,
    participant_id  bigint      NOT NULL UNIQUE REFERENCES participants (id) ON DELETE CASCADE,
    version         integer     NOT NULL DEFAULT 1,
    decided_on      date        NOT NULL,   -- vedtak om introduksjonsprogram
    plan_date       date        NOT NULL,
    rule_id         bigint      REFERENCES programme_rules (id),
    -- The programme's end as the plan set it; the current end adds leave
    -- and extensions (participants.programme_end, kept by db/leave.go).
    original_end    date        NOT NULL,
    goal_category   text        NOT NULL CHECK (goal_category IN ('work_sector', 'higher_education', 'upper_secondary', 'work_or_education')),
    goal_sector     text        NOT NULL DEFAULT '',
    goal_listening  cefr_level,
    goal_reading    cefr_level,
    goal_writing    cefr_level,
    goal_oral       cefr_level,
    next_review_due date,
    -- NULL: made by migration 00016 from what was stored, not yet looked
    -- at by an adviser (the profile asks them to confirm it, phase 2).
    confirmed_at    timestamptz,
    updated_by      bigint      REFERENCES users (id),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_plans_review_idx ON integration_plans (next_review_due);

CREATE TABLE plan_activities (
    id          bigserial PRIMARY KEY,
    plan_id     bigint  NOT NULL REFERENCES integration_plans (id) ON DELETE CASCADE,
    kind        text    NOT NULL CHECK (kind IN ('norwegian', 'social_studies', 'placement', 'school', 'other')),
    description text    NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    starts_on   date    NOT NULL,
    ends_on     date    NOT NULL CHECK (ends_on >= starts_on)
);
CREATE INDEX plan_activities_plan_idx ON plan_activities (plan_id, starts_on);

CREATE TABLE integration_plan_versions (
    plan_id     bigint      NOT NULL REFERENCES integration_plans (id) ON DELETE CASCADE,
    version     integer     NOT NULL,
    content     jsonb       NOT NULL,   -- the plan's fields and activities as saved
    reason      text        NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    saved_by    bigint      REFERENCES users (id),
    saved_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plan_id, version)
);

CREATE TABLE plan_reviews (
    id              bigserial PRIMARY KEY,
    plan_id         bigint      NOT NULL REFERENCES integration_plans (id) ON DELETE CASCADE,
    held_on         date        NOT NULL,
    took_part       text[]      NOT NULL CHECK (cardinality(took_part) > 0
        AND took_part <@ ARRAY['participant', 'adviser', 'nav', 'interpreter', 'teacher', 'other']),
    changes         text        NOT NULL DEFAULT '' CHECK (length(changes) <= 4000),
    next_review_due date        NOT NULL CHECK (next_review_due > held_on),
    written_by      bigint      NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX plan_reviews_plan_idx ON plan_reviews (plan_id, held_on DESC);

-- Today's participants get their plan. What was stored becomes version 1
-- as it was; where the regime has no norskmål in the programme's sense
-- the current plan (version 2) has none:
--   - introduksjonsloven: never a norskmål (the rule says 'none');
--   - kap. 6A: the plan may have none, and the registration form filled
--     every goal from the education's default, so goals equal to that
--     default were not an adviser's decision and are dropped; goals that
--     differ from it were typed by an adviser and are kept;
--   - integreringsloven: the norskmål stays.
-- Nothing is lost: version 1 holds the stored values, and confirmed_at is
-- NULL until an adviser has looked at the plan.
CREATE TEMPORARY TABLE plan_migration ON COMMIT DROP AS
SELECT p.id AS participant_id, p.programme_start, p.programme_end, p.goal_category, p.goal_sector,
    p.goal_listening, p.goal_reading, p.goal_writing, p.goal_oral,
    (SELECT r.id FROM programme_rules r WHERE r.regime = p.regime AND r.track = 'any' AND r.valid_from <= p.programme_start
        ORDER BY r.valid_from DESC LIMIT 1) AS rule_id,
    CASE p.regime
        WHEN 'introduksjonsloven' THEN true
        WHEN 'kap6a' THEN (SELECT count(*) = 4 AND bool_and(d.level = CASE d.skill WHEN 'listening' THEN p.goal_listening
                WHEN 'reading' THEN p.goal_reading WHEN 'writing' THEN p.goal_writing ELSE p.goal_oral END)
            FROM (SELECT DISTINCT ON (n.skill) n.skill, n.level FROM norskmal_defaults n WHERE n.education = p.education
                ORDER BY n.skill, (n.valid_from <= p.programme_start) DESC,
                    CASE WHEN n.valid_from <= p.programme_start THEN n.valid_from END DESC, n.valid_from) d)
        ELSE false
    END AS drop_goals
FROM participants p;

INSERT INTO integration_plans (participant_id, version, decided_on, plan_date, rule_id, original_end, goal_category, goal_sector,
    goal_listening, goal_reading, goal_writing, goal_oral, next_review_due)
SELECT m.participant_id, CASE WHEN m.drop_goals THEN 2 ELSE 1 END, m.programme_start, m.programme_start, m.rule_id, m.programme_end,
    m.goal_category, m.goal_sector,
    CASE WHEN NOT m.drop_goals THEN m.goal_listening END, CASE WHEN NOT m.drop_goals THEN m.goal_reading END,
    CASE WHEN NOT m.drop_goals THEN m.goal_writing END, CASE WHEN NOT m.drop_goals THEN m.goal_oral END,
    -- The first review: the cadence after the start, or today's if that is past.
    greatest((m.programme_start + interval '6 months')::date, (now() AT TIME ZONE 'Europe/Oslo')::date)
FROM plan_migration m;

INSERT INTO integration_plan_versions (plan_id, version, content, reason)
SELECT ip.id, 1, jsonb_build_object('decided_on', m.programme_start, 'plan_date', m.programme_start, 'rule_id', m.rule_id,
        'original_end', m.programme_end, 'goal_category', m.goal_category, 'goal_sector', m.goal_sector,
        'goals', jsonb_build_object('listening', m.goal_listening, 'reading', m.goal_reading, 'writing', m.goal_writing, 'oral', m.goal_oral),
        'activities', '[]'::jsonb),
    'migrated'
FROM plan_migration m JOIN integration_plans ip ON ip.participant_id = m.participant_id;
INSERT INTO integration_plan_versions (plan_id, version, content, reason)
SELECT ip.id, 2, jsonb_set(v.content, '{goals}', jsonb_build_object('listening', NULL, 'reading', NULL, 'writing', NULL, 'oral', NULL)),
    'migrated_no_norskmal'
FROM plan_migration m JOIN integration_plans ip ON ip.participant_id = m.participant_id
JOIN integration_plan_versions v ON v.plan_id = ip.id AND v.version = 1
WHERE m.drop_goals;

-- 6. Leave (permisjon), decided by the municipality. Overlapping leave of
-- one participant is refused by the database itself: an exclusion
-- constraint holds for every writer (the form, the seeds' COPY, a script),
-- where a check in one Store method holds only for that method. btree_gist
-- ships with PostgreSQL (contrib, like btree_gin of migration 00011) and
-- is a trusted extension.
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE programme_leave (
    id             bigserial PRIMARY KEY,
    participant_id bigint      NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    kind           text        NOT NULL CHECK (kind IN ('parental', 'welfare', 'other')),
    from_date      date        NOT NULL,
    to_date        date        NOT NULL CHECK (to_date >= from_date),
    decided_on     date        NOT NULL,
    note           text        NOT NULL DEFAULT '' CHECK (length(note) <= 1000),
    recorded_by    bigint      REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT programme_leave_no_overlap EXCLUDE USING gist (participant_id WITH =, daterange(from_date, to_date, '[]') WITH &&)
);

-- An extension (forlengelse): its own decision, within the rule's
-- extension_months in total.
CREATE TABLE programme_extensions (
    id             bigserial PRIMARY KEY,
    participant_id bigint      NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    decided_on     date        NOT NULL,
    months         smallint    NOT NULL CHECK (months BETWEEN 1 AND 36),
    reason         text        NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    recorded_by    bigint      REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX programme_extensions_participant_idx ON programme_extensions (participant_id);

-- The programme's current end: the plan's end, plus the extensions'
-- months, plus the days of leave where the plan's rule says leave moves
-- the end. participants.programme_end holds it (db/leave.go writes it in
-- the transaction that changes any of these), so every reader of the end
-- sees the same day; this function is the definition the tests compare to.
-- +goose StatementBegin
CREATE FUNCTION programme_current_end(pid bigint) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (ip.original_end
        + make_interval(months => coalesce((SELECT sum(x.months)::int FROM programme_extensions x WHERE x.participant_id = pid), 0)))::date
        + CASE WHEN coalesce(r.leave_extends, true)
            THEN coalesce((SELECT sum(l.to_date - l.from_date + 1)::int FROM programme_leave l WHERE l.participant_id = pid), 0)
            ELSE 0 END
    FROM integration_plans ip LEFT JOIN programme_rules r ON r.id = ip.rule_id
    WHERE ip.participant_id = pid
$$;
-- +goose StatementEnd

-- 7. Measurement against the goals a person has, and the one risk rule.
-- risk_reason is the rule, the only one: NULL when not at risk, else why.
-- The caseload, the snapshot, the KPIs and the reminders all read it
-- (through participant_measure below or with the same inputs).
--   - Nobody is at risk before the programme's current end is within the
--     horizon (measure_rules.risk_horizon_months).
--   - With a norskmål: 'norskmal_no_progress' (a gap and nothing gained in
--     the pace window), 'norskmal_behind_pace' (the gap closes after the end
--     at the current pace).
--   - Everyone: 'ends_within_months_no_outcome' (no work or education
--     outcome and no running or ready agreement: the sluttmål's element).
-- +goose StatementBegin
CREATE FUNCTION risk_reason(basis text, gap_total int, projected date, current_end date, on_day date, has_element boolean,
    horizon_months int) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN current_end > (on_day + make_interval(months => horizon_months))::date THEN NULL
        WHEN basis = 'norskmal' AND gap_total > 0 AND projected IS NULL THEN 'norskmal_no_progress'
        WHEN basis = 'norskmal' AND gap_total > 0 AND projected > current_end THEN 'norskmal_behind_pace'
        WHEN NOT has_element THEN 'ends_within_months_no_outcome'
    END
$$;
-- +goose StatementEnd

-- participant_measure(day): every active participant's progress on a day,
-- against the goals of their current plan: basis 'norskmal' when the
-- plan has a Norwegian goal in some skill (gaps, gain and projection over
-- those skills only), else 'sluttmal' (no gaps: the sluttmål and the time
-- left). The formulas are db/measure.go's, with the pace window and the
-- horizon from measure_rules and the end the current one (leave and
-- extensions included). A participant without a plan (registered by the
-- form before phase 2) is measured against the sluttmål. ids: the
-- participants to measure (NULL: every active one); the filter sits on
-- the innermost scan, below the OFFSET 0 fences that keep the stages
-- apart, so a caseload page measures its own rows and nobody else.
-- +goose StatementBegin
CREATE FUNCTION participant_measure(on_day date, ids bigint[] DEFAULT NULL)
RETURNS TABLE (participant_id bigint, basis text,
    best_listening cefr_level, best_reading cefr_level, best_writing cefr_level, best_oral cefr_level,
    gap_listening int, gap_reading int, gap_writing int, gap_oral int, gap_total int,
    levels_gained int, window_days int, months_left int, current_end date, attendance_rate numeric,
    outcome_kind text, has_element boolean, projected_date date, risk boolean, risk_reason text)
LANGUAGE sql STABLE AS $$
SELECT s.id, s.basis, s.best_listening, s.best_reading, s.best_writing, s.best_oral,
    s.gap_listening, s.gap_reading, s.gap_writing, s.gap_oral, s.gap_total, s.gained, s.days, s.months_left, s.programme_end,
    s.attendance_rate, s.kind, s.has, s.projected, s.reason IS NOT NULL, s.reason
FROM (SELECT r.*, risk_reason(r.basis, r.gap_total, r.projected, r.programme_end, $1, r.has, r.horizon) AS reason
    FROM (SELECT q.*, CASE WHEN q.gap_total > 0 AND q.gained > 0 AND q.days > 0
            THEN $1 + ceil(q.gap_total * q.days::numeric / q.gained)::int END AS projected
        FROM (SELECT k.*,
                CASE WHEN k.basis = 'norskmal' THEN coalesce(k.gap_listening, 0) + coalesce(k.gap_reading, 0)
                    + coalesce(k.gap_writing, 0) + coalesce(k.gap_oral, 0) END AS gap_total,
                CASE WHEN k.basis = 'norskmal' THEN coalesce(k.gain_listening, 0) + coalesce(k.gain_reading, 0)
                    + coalesce(k.gain_writing, 0) + coalesce(k.gain_oral, 0) END AS gained
            FROM (SELECT j.*,
                    CASE WHEN j.goal_listening IS NOT NULL THEN greatest(0, j.goal_listening - coalesce(j.rank_listening, 0)) END AS gap_listening,
                    CASE WHEN j.goal_reading IS NOT NULL THEN greatest(0, j.goal_reading - coalesce(j.rank_reading, 0)) END AS gap_reading,
                    CASE WHEN j.goal_writing IS NOT NULL THEN greatest(0, j.goal_writing - coalesce(j.rank_writing, 0)) END AS gap_writing,
                    CASE WHEN j.goal_oral IS NOT NULL THEN greatest(0, j.goal_oral - coalesce(j.rank_oral, 0)) END AS gap_oral,
                    -- Levels gained: from the best before the window (else
                    -- the first in it) to the best now, both capped at the goal.
                    CASE WHEN j.goal_listening IS NOT NULL THEN coalesce(greatest(0, least(j.rank_listening, j.goal_listening)
                        - least(coalesce(j.before_listening, j.first_listening), j.goal_listening)), 0) END AS gain_listening,
                    CASE WHEN j.goal_reading IS NOT NULL THEN coalesce(greatest(0, least(j.rank_reading, j.goal_reading)
                        - least(coalesce(j.before_reading, j.first_reading), j.goal_reading)), 0) END AS gain_reading,
                    CASE WHEN j.goal_writing IS NOT NULL THEN coalesce(greatest(0, least(j.rank_writing, j.goal_writing)
                        - least(coalesce(j.before_writing, j.first_writing), j.goal_writing)), 0) END AS gain_writing,
                    CASE WHEN j.goal_oral IS NOT NULL THEN coalesce(greatest(0, least(j.rank_oral, j.goal_oral)
                        - least(coalesce(j.before_oral, j.first_oral), j.goal_oral)), 0) END AS gain_oral,
                    CASE WHEN j.programme_end <= $1 THEN 0
                        ELSE (date_part('year', age(j.programme_end, $1)) * 12 + date_part('month', age(j.programme_end, $1)))::int END AS months_left
                FROM (SELECT p.id, p.programme_end, cfg.risk_horizon_months AS horizon,
                        CASE WHEN coalesce(ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral) IS NOT NULL
                            THEN 'norskmal' ELSE 'sluttmal' END AS basis,
                        b.best_listening, b.best_reading, b.best_writing, b.best_oral,
                        cefr_rank(ip.goal_listening) AS goal_listening, cefr_rank(ip.goal_reading) AS goal_reading,
                        cefr_rank(ip.goal_writing) AS goal_writing, cefr_rank(ip.goal_oral) AS goal_oral,
                        cefr_rank(b.best_listening) AS rank_listening, cefr_rank(b.best_reading) AS rank_reading,
                        cefr_rank(b.best_writing) AS rank_writing, cefr_rank(b.best_oral) AS rank_oral,
                        cefr_rank(b.before_listening) AS before_listening, cefr_rank(b.before_reading) AS before_reading,
                        cefr_rank(b.before_writing) AS before_writing, cefr_rank(b.before_oral) AS before_oral,
                        7 - b.first_listening % 8 AS first_listening, 7 - b.first_reading % 8 AS first_reading,
                        7 - b.first_writing % 8 AS first_writing, 7 - b.first_oral % 8 AS first_oral,
                        greatest(0, $1 - w.wstart) AS days,
                        round(att.present::numeric / nullif(att.logged, 0), 4) AS attendance_rate, o.kind,
                        e.participant_id IS NOT NULL OR coalesce(o.kind IN ('work_full', 'work_part', 'education'), false) AS has
                    FROM participants p
                    CROSS JOIN LATERAL (SELECT mr.risk_horizon_months, mr.pace_window_months FROM measure_rules mr
                        WHERE mr.valid_from <= $1 AND (mr.valid_to IS NULL OR mr.valid_to >= $1)
                        ORDER BY mr.valid_from DESC LIMIT 1) cfg
                    CROSS JOIN LATERAL (SELECT greatest(p.programme_start, ($1 - make_interval(months => cfg.pace_window_months))::date) AS wstart) w
                    LEFT JOIN integration_plans ip ON ip.participant_id = p.id
                    LEFT JOIN LATERAL (
                        -- Per skill: the best now, the best before the window,
                        -- and the first result in it ((days in) × 8 + 7 − rank).
                        SELECT max(lr.level) FILTER (WHERE lr.skill = 'listening') AS best_listening,
                            max(lr.level) FILTER (WHERE lr.skill = 'reading') AS best_reading,
                            max(lr.level) FILTER (WHERE lr.skill = 'writing') AS best_writing,
                            max(lr.level) FILTER (WHERE lr.skill = 'oral') AS best_oral,
                            max(lr.level) FILTER (WHERE lr.skill = 'listening' AND lr.taken_on < w.wstart) AS before_listening,
                            max(lr.level) FILTER (WHERE lr.skill = 'reading' AND lr.taken_on < w.wstart) AS before_reading,
                            max(lr.level) FILTER (WHERE lr.skill = 'writing' AND lr.taken_on < w.wstart) AS before_writing,
                            max(lr.level) FILTER (WHERE lr.skill = 'oral' AND lr.taken_on < w.wstart) AS before_oral,
                            min((lr.taken_on - w.wstart) * 8 + 7 - cefr_rank(lr.level)) FILTER (WHERE lr.skill = 'listening' AND lr.taken_on >= w.wstart) AS first_listening,
                            min((lr.taken_on - w.wstart) * 8 + 7 - cefr_rank(lr.level)) FILTER (WHERE lr.skill = 'reading' AND lr.taken_on >= w.wstart) AS first_reading,
                            min((lr.taken_on - w.wstart) * 8 + 7 - cefr_rank(lr.level)) FILTER (WHERE lr.skill = 'writing' AND lr.taken_on >= w.wstart) AS first_writing,
                            min((lr.taken_on - w.wstart) * 8 + 7 - cefr_rank(lr.level)) FILTER (WHERE lr.skill = 'oral' AND lr.taken_on >= w.wstart) AS first_oral
                        FROM language_results lr WHERE lr.participant_id = p.id AND lr.taken_on <= $1) b ON true
                    LEFT JOIN LATERAL (SELECT oc.kind FROM outcomes oc WHERE oc.participant_id = p.id AND oc.from_date <= $1
                        ORDER BY oc.from_date DESC, oc.id DESC LIMIT 1) o ON true
                    LEFT JOIN LATERAL (SELECT ag.participant_id FROM agreements ag
                        WHERE ag.participant_id = p.id AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL
                          AND (ag.end_date IS NULL OR ag.end_date >= $1) AND agreement_status(ag, $1) IN ('running', 'ready')
                        LIMIT 1) e ON true
                    LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE a.present) AS present, count(*) AS logged
                        FROM attendance a JOIN agreements ag ON ag.id = a.agreement_id AND ag.cancelled_at IS NULL
                        WHERE ag.participant_id = p.id AND a.day > $1 - 28 AND a.day <= $1) att ON true
                    WHERE p.status = 'active' AND ($2 IS NULL OR p.id = ANY ($2))
                    OFFSET 0) j
                OFFSET 0) k
            OFFSET 0) q
        OFFSET 0) r
    OFFSET 0) s
$$;
-- +goose StatementEnd

-- One participant's basis and risk on a day: what a caseload row or a
-- reminder shows beside the badge.
-- +goose StatementBegin
CREATE FUNCTION participant_risk(pid bigint, on_day date) RETURNS TABLE (basis text, risk boolean, risk_reason text)
LANGUAGE sql STABLE AS $$
    SELECT m.basis, m.risk, m.risk_reason FROM participant_measure(on_day, ARRAY[pid]) m
$$;
-- +goose StatementEnd

-- The snapshot keeps the basis, the reason and the current end; a
-- participant measured against the sluttmål has no gaps (NULL).
ALTER TABLE progress_snapshots
    ADD COLUMN basis text CHECK (basis IN ('norskmal', 'sluttmal')),
    ADD COLUMN risk_reason text,
    ADD COLUMN current_end date,
    ALTER COLUMN gap_listening DROP NOT NULL,
    ALTER COLUMN gap_reading DROP NOT NULL,
    ALTER COLUMN gap_writing DROP NOT NULL,
    ALTER COLUMN gap_oral DROP NOT NULL,
    ALTER COLUMN gap_total DROP NOT NULL,
    ALTER COLUMN levels_gained DROP NOT NULL;
-- KPIs split by sex, and by regime and sex together ('kap6a/woman').
ALTER TABLE kpi_snapshots DROP CONSTRAINT kpi_snapshots_dimension_check;
ALTER TABLE kpi_snapshots ADD CONSTRAINT kpi_snapshots_dimension_check
    CHECK (dimension IN ('all', 'start_year', 'regime', 'adviser', 'sex', 'regime_sex'));

-- 8. NAV's measures are NAV's decision. An agreement on an arbeidstrening
-- or lønnstilskudd placement needs the approval of the NAV user linked to
-- the participant. Order: the employer and the participant's consent
-- first, then NAV, the adviser last (docs/plans/issue-14.md says why).
--   nav_required           set from the placement's kind when the agreement is made
--   nav_decision           NAV's current decision. Nothing here clears it: the
--                          agreement edit that withdraws the approvals is to
--                          clear it too (docs/plans/issue-14.md, phase 2 item 4)
--   nav_first_approved_at  NAV's first approval, never cleared: like
--                          first_approved_at, a placement under way does not stop
--   reduced_capacity_reason  recorded by NAV to go past max_months (nav_measure_rules)
ALTER TABLE agreements
    ADD COLUMN nav_required            boolean     NOT NULL DEFAULT false,
    ADD COLUMN nav_decision            text        CHECK (nav_decision IN ('approved', 'refused')),
    ADD COLUMN nav_decided_by          bigint      REFERENCES users (id),
    ADD COLUMN nav_decided_at          timestamptz,
    ADD COLUMN nav_reason              text        NOT NULL DEFAULT '' CHECK (length(nav_reason) <= 1000),
    ADD COLUMN nav_first_approved_at   timestamptz,
    ADD COLUMN reduced_capacity_reason text        NOT NULL DEFAULT '' CHECK (length(reduced_capacity_reason) <= 1000),
    ADD CONSTRAINT agreements_nav_refusal_check CHECK (nav_decision IS DISTINCT FROM 'refused' OR nav_reason <> '');
-- Agreements that were approved by all before this migration ran without
-- NAV's approval in Praksis; they keep running (no approval is invented).
-- The rule applies to those not yet approved by all.
UPDATE agreements ag SET nav_required = true FROM placements pl
WHERE pl.id = ag.placement_id AND pl.kind IN ('arbeidstrening', 'lonnstilskudd') AND ag.first_approved_at IS NULL;

-- The database keeps the rule for every writer: a new agreement takes
-- nav_required from its placement, and an agreement that needs NAV is not
-- "approved by all" (first_approved_at, from which it runs by its dates)
-- before NAV has approved it. db.NAVDecide sets first_approved_at when
-- NAV's approval completes the set.
-- Transitional, until phase 2 of issue 14 changes the seeds: a row
-- inserted already approved by all (only the demo and scale seeds write
-- such rows; the portal makes every agreement blank from a proposal) is
-- treated like the agreements approved before this migration, without
-- NAV's approval tracked. Phase 2 drops the "first_approved_at IS NULL"
-- condition and the seeds record NAV's decision.
-- +goose StatementBegin
CREATE FUNCTION agreements_nav_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
-- +goose StatementEnd
CREATE TRIGGER agreements_nav_guard BEFORE INSERT OR UPDATE ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_nav_guard();

-- The derived status: an agreement that needs NAV waits for NAV's
-- approval before it is ready or running.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agreement_status(a agreements, today date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN a.cancelled_at IS NOT NULL THEN 'cancelled'
        WHEN a.ended_on IS NOT NULL THEN 'ended'
        -- Approved by all once (NAV included, agreements_nav_guard): it
        -- runs by its dates, even while an edit waits for the approvals again.
        WHEN a.first_approved_at IS NOT NULL AND today > a.end_date THEN 'ended'
        WHEN a.first_approved_at IS NOT NULL AND today >= a.start_date THEN 'running'
        WHEN a.start_date IS NULL OR a.end_date IS NULL OR a.hours_per_week IS NULL OR a.days_per_week IS NULL
            OR a.job_title = '' OR a.supervisor_name = '' OR a.supervisor_email = '' THEN 'draft'
        WHEN a.employer_approved_at IS NULL OR a.consent_at IS NULL OR a.adviser_approved_at IS NULL
            OR (a.nav_required AND a.nav_decision IS DISTINCT FROM 'approved') THEN 'awaiting_approval'
        WHEN today < a.start_date THEN 'ready'
        WHEN today > a.end_date THEN 'ended'
        ELSE 'running'
    END
$$;
-- +goose StatementEnd

-- The jobs read agreement_status from this index alone (migration 00012):
-- it now needs the NAV columns too.
DROP INDEX agreements_jobs_idx;
CREATE INDEX agreements_jobs_idx ON agreements (end_date)
    INCLUDE (id, participant_id, placement_id, organisation_id, start_date, ended_on, end_reason,
        first_approved_at, hours_per_week, days_per_week, job_title, supervisor_name, supervisor_email,
        employer_approved_at, consent_at, adviser_approved_at, follow_up_weeks, employer_access_until, cancelled_at,
        nav_required, nav_decision)
    WHERE cancelled_at IS NULL;

-- How long NAV's measures may last, dated.
CREATE TABLE nav_measure_rules (
    id                          bigserial PRIMARY KEY,
    kind                        text     NOT NULL CHECK (kind IN ('arbeidstrening', 'lonnstilskudd')),
    max_months                  smallint NOT NULL CHECK (max_months BETWEEN 1 AND 60),
    -- With a recorded reduced-capacity reason (nedsatt arbeidsevne).
    max_months_reduced_capacity smallint NOT NULL CHECK (max_months_reduced_capacity BETWEEN 1 AND 60),
    valid_from                  date     NOT NULL,
    valid_to                    date     CHECK (valid_to IS NULL OR valid_to >= valid_from),
    source                      text     NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
    confirm                     boolean  NOT NULL DEFAULT true,
    created_by                  bigint   REFERENCES users (id),
    created_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK (max_months_reduced_capacity >= max_months),
    UNIQUE (kind, valid_from)
);
INSERT INTO nav_measure_rules (kind, max_months, max_months_reduced_capacity, valid_from, source) VALUES
    ('arbeidstrening', 12, 18, DATE '2016-01-01',
        'Forskrift om arbeidsmarkedstiltak (tiltaksforskriften), arbeidstrening: up to 12 months, +6 with reduced work capacity (NAV, DOMAIN.md)'),
    ('lonnstilskudd', 12, 36, DATE '2016-01-01',
        'Tiltaksforskriften, midlertidig lønnstilskudd: up to 1 year, up to 3 years with reduced work capacity; rates (40/30 %, 60/50 %) are NAV''s to apply (NAV, DOMAIN.md)');

-- +goose Down
DROP TABLE nav_measure_rules;
DROP INDEX agreements_jobs_idx;
CREATE INDEX agreements_jobs_idx ON agreements (end_date)
    INCLUDE (id, participant_id, placement_id, organisation_id, start_date, ended_on, end_reason,
        first_approved_at, hours_per_week, days_per_week, job_title, supervisor_name, supervisor_email,
        employer_approved_at, consent_at, adviser_approved_at, follow_up_weeks, employer_access_until, cancelled_at)
    WHERE cancelled_at IS NULL;
DROP TRIGGER agreements_nav_guard ON agreements;
DROP FUNCTION agreements_nav_guard();
-- The status as before (migration 00006), before its columns go.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION agreement_status(a agreements, today date) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN a.cancelled_at IS NOT NULL THEN 'cancelled'
        WHEN a.ended_on IS NOT NULL THEN 'ended'
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
ALTER TABLE agreements DROP CONSTRAINT agreements_nav_refusal_check,
    DROP COLUMN nav_required, DROP COLUMN nav_decision, DROP COLUMN nav_decided_by, DROP COLUMN nav_decided_at,
    DROP COLUMN nav_reason, DROP COLUMN nav_first_approved_at, DROP COLUMN reduced_capacity_reason;
ALTER TABLE kpi_snapshots DROP CONSTRAINT kpi_snapshots_dimension_check;
DELETE FROM kpi_snapshots WHERE dimension IN ('sex', 'regime_sex');
ALTER TABLE kpi_snapshots ADD CONSTRAINT kpi_snapshots_dimension_check CHECK (dimension IN ('all', 'start_year', 'regime', 'adviser'));
DELETE FROM progress_snapshots WHERE basis IS NOT NULL;
ALTER TABLE progress_snapshots DROP COLUMN basis, DROP COLUMN risk_reason, DROP COLUMN current_end,
    ALTER COLUMN gap_listening SET NOT NULL, ALTER COLUMN gap_reading SET NOT NULL, ALTER COLUMN gap_writing SET NOT NULL,
    ALTER COLUMN gap_oral SET NOT NULL, ALTER COLUMN gap_total SET NOT NULL, ALTER COLUMN levels_gained SET NOT NULL;
DROP FUNCTION participant_risk(bigint, date);
DROP FUNCTION participant_measure(date, bigint[]);
DROP FUNCTION risk_reason(text, int, date, date, date, boolean, int);
DROP FUNCTION programme_current_end(bigint);
DROP TABLE programme_extensions;
DROP TABLE programme_leave;
DROP TABLE plan_reviews;
DROP TABLE integration_plan_versions;
DROP TABLE plan_activities;
DROP TABLE integration_plans;
DROP TABLE measure_rules;
DELETE FROM programme_rules WHERE track <> 'any';
DROP INDEX programme_rules_key_idx;
ALTER TABLE programme_rules DROP CONSTRAINT programme_rules_pkey, DROP CONSTRAINT programme_rules_months_check,
    DROP CONSTRAINT programme_rules_age_check, DROP CONSTRAINT programme_rules_dates_check, DROP CONSTRAINT programme_rules_track_check2,
    DROP COLUMN id, DROP COLUMN track, DROP COLUMN goal_category, DROP COLUMN min_age, DROP COLUMN max_age, DROP COLUMN valid_to,
    DROP COLUMN leave_extends, DROP COLUMN norskmal, DROP COLUMN source, DROP COLUMN confirm, DROP COLUMN created_by, DROP COLUMN created_at;
DROP TABLE regime_rules;
DROP TRIGGER participants_regime_compat ON participants;
DROP FUNCTION participants_regime_compat();
ALTER TABLE participants DROP COLUMN legal_basis, DROP COLUMN permit_date, DROP COLUMN sex;
ALTER TABLE participants DROP CONSTRAINT participants_regime_check;
ALTER TABLE programme_rules DROP CONSTRAINT programme_rules_regime_check;
UPDATE participants SET regime = 'ukraine' WHERE regime = 'kap6a';
UPDATE programme_rules SET regime = 'ukraine' WHERE regime = 'kap6a';
UPDATE kpi_snapshots SET key = 'ukraine' WHERE dimension = 'regime' AND key = 'kap6a';
ALTER TABLE participants ADD CONSTRAINT participants_regime_check CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'ukraine'));
ALTER TABLE programme_rules ADD CONSTRAINT programme_rules_regime_check CHECK (regime IN ('integreringsloven', 'introduksjonsloven', 'ukraine'));
ALTER TABLE programme_rules ADD PRIMARY KEY (regime, valid_from);
