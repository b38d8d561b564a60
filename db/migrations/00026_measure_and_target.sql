-- +goose Up
-- Two things. 1. participant_measure, same signature, columns and results: the attendance
-- rate is one aggregate over the window joined once, instead of a LATERAL
-- per participant (one attendance_pkey range per agreement per participant,
-- 42,613 loops, about 3.4 s of the nightly job at national scale). The
-- legacy job summed the same way; docs/benchmarks.md, "Measurement against
-- real goals". The counts are bigint sums now (numeric), the rate the same:
-- round(present / logged, 4), NULL when nothing is logged; a "not a work
-- day" row is not logged (00024, kept here). The
-- participants to measure are read the same way: every active one by a
-- scan, or the ids given by their primary keys, instead of one primary-key
-- probe per participant for the whole table (00023's coalesce() of every
-- id).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.participant_measure(on_day date, ids bigint[] DEFAULT NULL::bigint[])
 RETURNS TABLE(participant_id bigint, basis text, best_listening cefr_level, best_reading cefr_level, best_writing cefr_level, best_oral cefr_level, gap_listening integer, gap_reading integer, gap_writing integer, gap_oral integer, gap_total integer, levels_gained integer, window_days integer, months_left integer, current_end date, attendance_rate numeric, outcome_kind text, has_element boolean, projected_date date, risk boolean, risk_reason text)
 LANGUAGE sql
 STABLE
AS $function$
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
                    FROM (
                        -- Every active participant (ids NULL: a scan of the
                        -- table), or the ids given (their primary keys).
                        -- One-time filters, as below: one branch runs.
                        SELECT pa.id, pa.programme_start, pa.programme_end FROM participants pa
                        WHERE $2 IS NULL AND pa.status = 'active'
                        UNION ALL
                        SELECT pi.id, pi.programme_start, pi.programme_end FROM participants pi
                        WHERE $2 IS NOT NULL AND pi.id = ANY ($2) AND pi.status = 'active') p
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
                    LEFT JOIN (
                        -- Attendance over the 28 days up to the day, per
                        -- participant, aggregated once and joined once. Every
                        -- active participant (ids NULL, the nightly job): the
                        -- window's rows from attendance_day_idx summed per
                        -- agreement, then per participant through the
                        -- agreements' primary key. A list of ids (the
                        -- caseload's page): their agreements, then each one's
                        -- range of attendance_pkey. The "$2 IS NULL" tests are
                        -- one-time filters: only one branch runs.
                        SELECT ag.participant_id, sum(w.present) AS present, sum(w.logged) AS logged
                        FROM (SELECT a.agreement_id, count(*) FILTER (WHERE a.present) AS present,
                                count(*) FILTER (WHERE a.mark IS DISTINCT FROM 'not_work_day') AS logged
                            FROM attendance a WHERE a.day > $1 - 28 AND a.day <= $1 GROUP BY a.agreement_id) w
                        JOIN agreements ag ON ag.id = w.agreement_id AND ag.cancelled_at IS NULL
                        WHERE $2 IS NULL
                        GROUP BY ag.participant_id
                        UNION ALL
                        SELECT ag.participant_id, count(*) FILTER (WHERE a.present), count(*) FILTER (WHERE a.mark IS DISTINCT FROM 'not_work_day')
                        FROM agreements ag JOIN attendance a ON a.agreement_id = ag.id AND a.day > $1 - 28 AND a.day <= $1
                        WHERE $2 IS NOT NULL AND ag.participant_id = ANY ($2) AND ag.cancelled_at IS NULL
                        GROUP BY ag.participant_id) att ON att.participant_id = p.id
                    OFFSET 0) j
                OFFSET 0) k
            OFFSET 0) q
        OFFSET 0) r
    OFFSET 0) s
$function$;
-- +goose StatementEnd


-- 2. The national target for the one-year outcome as a dated row with its
-- source, not a constant in the code (DOMAIN.md: where a number is
-- configurable it belongs in a dated table). The KPI page reads the row in
-- force on each measured day: the target line on the one-year trend and
-- on the cohort bars. A later target is a new row from its date (the old
-- one ends the day before); rows of one metric never overlap.
-- valid_from 2004-09-01 is when the introduction programme began
-- (introduksjonsloven; measure_rules starts there too), the earliest day
-- Praksis may measure — not a claim about when the target was first set.
-- confirm: the municipality confirms the figure and its dates.
CREATE TABLE kpi_targets (
    id         bigserial   PRIMARY KEY,
    metric     text        NOT NULL CHECK (metric IN ('work_edu_1y')),
    valid_from date        NOT NULL,
    valid_to   date,       -- inclusive; NULL: open
    value      numeric(5, 4) NOT NULL CHECK (value > 0 AND value <= 1),
    source     text        NOT NULL CHECK (source <> '' AND length(source) <= 500),
    confirm    boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_to IS NULL OR valid_to >= valid_from),
    EXCLUDE USING gist (metric WITH =, daterange(valid_from, valid_to, '[]') WITH &&)
);
INSERT INTO kpi_targets (metric, valid_from, value, source) VALUES
    ('work_edu_1y', '2004-09-01', 0.70,
     'Nasjonalt mål: 70 % av deltakerne i arbeid eller utdanning ett år etter avsluttet introduksjonsprogram (IMDi; SSB måler fra registre i november året etter)');

-- +goose Down
DROP TABLE kpi_targets;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.participant_measure(on_day date, ids bigint[] DEFAULT NULL::bigint[])
 RETURNS TABLE(participant_id bigint, basis text, best_listening cefr_level, best_reading cefr_level, best_writing cefr_level, best_oral cefr_level, gap_listening integer, gap_reading integer, gap_writing integer, gap_oral integer, gap_total integer, levels_gained integer, window_days integer, months_left integer, current_end date, attendance_rate numeric, outcome_kind text, has_element boolean, projected_date date, risk boolean, risk_reason text)
 LANGUAGE sql
 STABLE
AS $function$
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
                    LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE a.present) AS present,
                        count(*) FILTER (WHERE a.mark IS DISTINCT FROM 'not_work_day') AS logged
                        FROM attendance a JOIN agreements ag ON ag.id = a.agreement_id AND ag.cancelled_at IS NULL
                        WHERE ag.participant_id = p.id AND a.day > $1 - 28 AND a.day <= $1) att ON true
                    WHERE p.status = 'active' AND p.id = ANY (coalesce($2, (SELECT array_agg(pp.id) FROM participants pp)))
                    OFFSET 0) j
                OFFSET 0) k
            OFFSET 0) q
        OFFSET 0) r
    OFFSET 0) s
$function$;
-- +goose StatementEnd
