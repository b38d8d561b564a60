-- +goose Up
-- Issue 19: the nightly `progress` job within sight of one aggregate query
-- (docs/benchmarks.md, "Issue 19: the jobs"). Four things, no change in
-- any result (the equality tests in db/measure_once_test.go hold the old
-- and the new functions to each other over the demo seed and a scale seed,
-- for every participant):
--
-- 1. participant_measure, same signature, columns and results. With no ids
--    (the nightly job: every active participant) each input is read once,
--    set-based, in a stage of its own, and joined once: the best levels per
--    participant and skill from the covering index
--    language_results_participant_day_idx (one aggregate over the results
--    of the active participants, then one row per participant), the latest
--    outcome per participant (DISTINCT ON), the participants with a running
--    or ready agreement, and the 28 days of attendance summed per agreement
--    (as 00026). Before, the results, the outcome and the agreement were
--    LATERALs per participant (38,000 loops each at national scale). With
--    ids (the triggers, a page of the caseload, the profile) it reads the
--    given participants by their keys as before. "$2 IS NULL" and "$2 IS
--    NOT NULL" are one-time filters: one branch runs (with a constant
--    NULL, as the job calls it, the planner drops the other).
-- 2. caseload_compute_all(day, measured): every participant's caseload
--    row, set-based the same way (caseload_compute(day, ids) stays for the
--    triggers' few ids); with measured = true the risk comes from the
--    day's progress_snapshots, written just before in the same
--    transaction by the nightly job, instead of computing
--    participant_measure a second time.
-- 3. caseload_refresh_all(day, measured) writes them (the nightly job,
--    the scale seed, a new measure rule).
-- 4. caseload_rows_measured_idx goes: the caseload no longer checks for
--    stale rows before it reads (db/caseload.go); the nightly job measures
--    every row again and the triggers keep them current on each write, so
--    the index only cost the nightly rewrite an index insert per row.

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
                FROM (SELECT x.id, x.programme_end, x.horizon,
                        CASE WHEN coalesce(x.goal_listening, x.goal_reading, x.goal_writing, x.goal_oral) IS NOT NULL
                            THEN 'norskmal' ELSE 'sluttmal' END AS basis,
                        x.best_listening, x.best_reading, x.best_writing, x.best_oral,
                        cefr_rank(x.goal_listening) AS goal_listening, cefr_rank(x.goal_reading) AS goal_reading,
                        cefr_rank(x.goal_writing) AS goal_writing, cefr_rank(x.goal_oral) AS goal_oral,
                        cefr_rank(x.best_listening) AS rank_listening, cefr_rank(x.best_reading) AS rank_reading,
                        cefr_rank(x.best_writing) AS rank_writing, cefr_rank(x.best_oral) AS rank_oral,
                        cefr_rank(x.before_listening) AS before_listening, cefr_rank(x.before_reading) AS before_reading,
                        cefr_rank(x.before_writing) AS before_writing, cefr_rank(x.before_oral) AS before_oral,
                        7 - x.first_listening % 8 AS first_listening, 7 - x.first_reading % 8 AS first_reading,
                        7 - x.first_writing % 8 AS first_writing, 7 - x.first_oral % 8 AS first_oral,
                        greatest(0, $1 - x.wstart) AS days,
                        round(x.present::numeric / nullif(x.logged, 0), 4) AS attendance_rate, x.kind,
                        x.running OR coalesce(x.kind IN ('work_full', 'work_part', 'education'), false) AS has
                    FROM (
                        -- Every active participant (ids NULL): each input
                        -- read once and joined once.
                        SELECT a.* FROM (
                            WITH p AS MATERIALIZED (
                                SELECT pa.id, pa.programme_end, cfg.risk_horizon_months AS horizon,
                                    greatest(pa.programme_start, ($1 - make_interval(months => cfg.pace_window_months))::date) AS wstart
                                FROM participants pa
                                CROSS JOIN (SELECT mr.risk_horizon_months, mr.pace_window_months FROM measure_rules mr
                                    WHERE mr.valid_from <= $1 AND (mr.valid_to IS NULL OR mr.valid_to >= $1)
                                    ORDER BY mr.valid_from DESC LIMIT 1) cfg
                                WHERE $2 IS NULL AND pa.status = 'active')
                            SELECT p.id, p.programme_end, p.horizon, p.wstart,
                                ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral,
                                b.best_listening, b.best_reading, b.best_writing, b.best_oral,
                                b.before_listening, b.before_reading, b.before_writing, b.before_oral,
                                b.first_listening, b.first_reading, b.first_writing, b.first_oral,
                                att.present, att.logged, o.kind, e.participant_id IS NOT NULL AS running
                            FROM p
                            LEFT JOIN integration_plans ip ON ip.participant_id = p.id
                            LEFT JOIN (
                                -- One row per participant from one per
                                -- participant and skill: the best now, the
                                -- best before the window, and the first
                                -- result in it ((days in) × 8 + 7 − rank).
                                SELECT ps.participant_id,
                                    max(ps.best) FILTER (WHERE ps.skill = 'listening') AS best_listening,
                                    max(ps.best) FILTER (WHERE ps.skill = 'reading') AS best_reading,
                                    max(ps.best) FILTER (WHERE ps.skill = 'writing') AS best_writing,
                                    max(ps.best) FILTER (WHERE ps.skill = 'oral') AS best_oral,
                                    max(ps.best_before) FILTER (WHERE ps.skill = 'listening') AS before_listening,
                                    max(ps.best_before) FILTER (WHERE ps.skill = 'reading') AS before_reading,
                                    max(ps.best_before) FILTER (WHERE ps.skill = 'writing') AS before_writing,
                                    max(ps.best_before) FILTER (WHERE ps.skill = 'oral') AS before_oral,
                                    min(ps.first_in) FILTER (WHERE ps.skill = 'listening') AS first_listening,
                                    min(ps.first_in) FILTER (WHERE ps.skill = 'reading') AS first_reading,
                                    min(ps.first_in) FILTER (WHERE ps.skill = 'writing') AS first_writing,
                                    min(ps.first_in) FILTER (WHERE ps.skill = 'oral') AS first_oral
                                FROM (SELECT lr.participant_id, lr.skill, max(lr.level) AS best,
                                        max(lr.level) FILTER (WHERE lr.taken_on < pr.wstart) AS best_before,
                                        min((lr.taken_on - pr.wstart) * 8 + 7 - cefr_rank(lr.level)) FILTER (WHERE lr.taken_on >= pr.wstart) AS first_in
                                    FROM p pr JOIN language_results lr ON lr.participant_id = pr.id AND lr.taken_on <= $1
                                    GROUP BY lr.participant_id, lr.skill) ps
                                GROUP BY ps.participant_id) b ON b.participant_id = p.id
                            LEFT JOIN (
                                -- The latest outcome from on or before the day.
                                SELECT DISTINCT ON (oc.participant_id) oc.participant_id, oc.kind
                                FROM outcomes oc WHERE $2 IS NULL AND oc.from_date <= $1
                                ORDER BY oc.participant_id, oc.from_date DESC, oc.id DESC) o ON o.participant_id = p.id
                            LEFT JOIN (
                                -- A running or ready agreement (the jobs index).
                                SELECT DISTINCT ag.participant_id FROM agreements ag
                                WHERE $2 IS NULL AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL
                                  AND (ag.end_date IS NULL OR ag.end_date >= $1) AND agreement_status(ag, $1) IN ('running', 'ready')) e
                                ON e.participant_id = p.id
                            LEFT JOIN (
                                -- Attendance over the 28 days up to the day:
                                -- the window's rows from attendance_day_idx
                                -- summed per agreement, then per participant.
                                SELECT ag.participant_id, sum(w.present) AS present, sum(w.logged) AS logged
                                FROM (SELECT a.agreement_id, count(*) FILTER (WHERE a.present) AS present,
                                        count(*) FILTER (WHERE a.mark IS DISTINCT FROM 'not_work_day') AS logged
                                    FROM attendance a WHERE $2 IS NULL AND a.day > $1 - 28 AND a.day <= $1 GROUP BY a.agreement_id) w
                                JOIN agreements ag ON ag.id = w.agreement_id AND ag.cancelled_at IS NULL
                                GROUP BY ag.participant_id) att ON att.participant_id = p.id
                        ) a WHERE $2 IS NULL
                        UNION ALL
                        -- The ids given (their primary keys), each input
                        -- read per participant through its index.
                        SELECT pi.id, pi.programme_end, cfg.risk_horizon_months, w.wstart,
                            ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral,
                            b.best_listening, b.best_reading, b.best_writing, b.best_oral,
                            b.before_listening, b.before_reading, b.before_writing, b.before_oral,
                            b.first_listening, b.first_reading, b.first_writing, b.first_oral,
                            att.present, att.logged, o.kind, e.participant_id IS NOT NULL
                        FROM participants pi
                        CROSS JOIN LATERAL (SELECT mr.risk_horizon_months, mr.pace_window_months FROM measure_rules mr
                            WHERE mr.valid_from <= $1 AND (mr.valid_to IS NULL OR mr.valid_to >= $1)
                            ORDER BY mr.valid_from DESC LIMIT 1) cfg
                        CROSS JOIN LATERAL (SELECT greatest(pi.programme_start, ($1 - make_interval(months => cfg.pace_window_months))::date) AS wstart) w
                        LEFT JOIN integration_plans ip ON ip.participant_id = pi.id
                        LEFT JOIN LATERAL (
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
                            FROM language_results lr WHERE lr.participant_id = pi.id AND lr.taken_on <= $1) b ON true
                        LEFT JOIN LATERAL (SELECT oc.kind FROM outcomes oc WHERE oc.participant_id = pi.id AND oc.from_date <= $1
                            ORDER BY oc.from_date DESC, oc.id DESC LIMIT 1) o ON true
                        LEFT JOIN LATERAL (SELECT ag.participant_id FROM agreements ag
                            WHERE ag.participant_id = pi.id AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL
                              AND (ag.end_date IS NULL OR ag.end_date >= $1) AND agreement_status(ag, $1) IN ('running', 'ready')
                            LIMIT 1) e ON true
                        LEFT JOIN (
                            SELECT ag.participant_id, count(*) FILTER (WHERE a.present) AS present,
                                count(*) FILTER (WHERE a.mark IS DISTINCT FROM 'not_work_day') AS logged
                            FROM agreements ag JOIN attendance a ON a.agreement_id = ag.id AND a.day > $1 - 28 AND a.day <= $1
                            WHERE $2 IS NOT NULL AND ag.participant_id = ANY ($2) AND ag.cancelled_at IS NULL
                            GROUP BY ag.participant_id) att ON att.participant_id = pi.id
                        WHERE $2 IS NOT NULL AND pi.id = ANY ($2) AND pi.status = 'active'
                    ) x
                    OFFSET 0) j
                OFFSET 0) k
            OFFSET 0) q
        OFFSET 0) r
    OFFSET 0) s
$function$;
-- +goose StatementEnd

-- +goose StatementBegin
-- caseload_compute_all: every participant's caseload row on a day, each
-- input read once: the best level per skill over all results (one
-- aggregate, as the benchmark's yardstick), the latest outcome (DISTINCT
-- ON), and the one risk rule's basis, risk and reason — from
-- participant_measure (measured = false) or from the day's
-- progress_snapshots the nightly job has just written from it
-- (measured = true: the measure is computed once a night, not twice).
CREATE FUNCTION caseload_compute_all(on_day date, measured boolean)
RETURNS SETOF caseload_rows LANGUAGE sql STABLE AS $$
SELECT p.id, on_day,
    b.best_listening, b.best_reading, b.best_writing, b.best_oral,
    ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral,
    g.gap_listening, g.gap_reading, g.gap_writing, g.gap_oral,
    CASE WHEN coalesce(ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral) IS NOT NULL
        THEN coalesce(g.gap_listening, 0) + coalesce(g.gap_reading, 0) + coalesce(g.gap_writing, 0) + coalesce(g.gap_oral, 0) END,
    o.kind, o.from_date, m.basis, coalesce(m.risk, false), m.risk_reason
FROM participants p
LEFT JOIN integration_plans ip ON ip.participant_id = p.id
LEFT JOIN (
    SELECT r.participant_id,
        max(r.level) FILTER (WHERE r.skill = 'listening') AS best_listening,
        max(r.level) FILTER (WHERE r.skill = 'reading') AS best_reading,
        max(r.level) FILTER (WHERE r.skill = 'writing') AS best_writing,
        max(r.level) FILTER (WHERE r.skill = 'oral') AS best_oral
    FROM language_results r GROUP BY r.participant_id) b ON b.participant_id = p.id
CROSS JOIN LATERAL (SELECT
    CASE WHEN ip.goal_listening IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_listening) - coalesce(cefr_rank(b.best_listening), 0)) END AS gap_listening,
    CASE WHEN ip.goal_reading IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_reading) - coalesce(cefr_rank(b.best_reading), 0)) END AS gap_reading,
    CASE WHEN ip.goal_writing IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_writing) - coalesce(cefr_rank(b.best_writing), 0)) END AS gap_writing,
    CASE WHEN ip.goal_oral IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_oral) - coalesce(cefr_rank(b.best_oral), 0)) END AS gap_oral) g
LEFT JOIN (
    SELECT DISTINCT ON (oc.participant_id) oc.participant_id, oc.kind, oc.from_date
    FROM outcomes oc WHERE oc.from_date <= on_day
    ORDER BY oc.participant_id, oc.from_date DESC, oc.id DESC) o ON o.participant_id = p.id
LEFT JOIN (
    SELECT pm.participant_id, pm.basis, pm.risk, pm.risk_reason FROM participant_measure(on_day, NULL) pm WHERE NOT measured
    UNION ALL
    SELECT ps.participant_id, ps.basis, ps.risk, ps.risk_reason FROM progress_snapshots ps
    WHERE measured AND ps.day = on_day AND ps.basis IS NOT NULL) m ON m.participant_id = p.id
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- caseload_refresh_all writes every participant's row measured on a day
-- from caseload_compute_all and returns how many it wrote: measured =
-- true from the day's progress_snapshots (the nightly job, after writing
-- them), false from participant_measure (the scale seed, a new measure
-- rule). caseload_refresh(day, ids) stays for the triggers' few ids.
CREATE FUNCTION caseload_refresh_all(on_day date, measured boolean) RETURNS bigint LANGUAGE sql VOLATILE AS $$
WITH w AS (
    INSERT INTO caseload_rows AS c SELECT * FROM caseload_compute_all(on_day, measured) ORDER BY 1
    ON CONFLICT (participant_id) DO UPDATE SET measured_on = excluded.measured_on,
        best_listening = excluded.best_listening, best_reading = excluded.best_reading,
        best_writing = excluded.best_writing, best_oral = excluded.best_oral,
        plan_goal_listening = excluded.plan_goal_listening, plan_goal_reading = excluded.plan_goal_reading,
        plan_goal_writing = excluded.plan_goal_writing, plan_goal_oral = excluded.plan_goal_oral,
        gap_listening = excluded.gap_listening, gap_reading = excluded.gap_reading,
        gap_writing = excluded.gap_writing, gap_oral = excluded.gap_oral, gap_total = excluded.gap_total,
        outcome_kind = excluded.outcome_kind, outcome_from = excluded.outcome_from,
        basis = excluded.basis, risk = excluded.risk, risk_reason = excluded.risk_reason
    RETURNING 1)
SELECT count(*) FROM w
$$;
-- +goose StatementEnd

DROP INDEX caseload_rows_measured_idx;

-- +goose Down
CREATE INDEX caseload_rows_measured_idx ON caseload_rows (measured_on);
DROP FUNCTION caseload_refresh_all(date, boolean);
DROP FUNCTION caseload_compute_all(date, boolean);
-- participant_measure as 00026 left it.
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
