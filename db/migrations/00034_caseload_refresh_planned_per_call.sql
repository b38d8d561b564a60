-- +goose Up
-- caseload_refresh (migration 00027) is called by every write's trigger
-- with the handful of participants the statement touched, and by the
-- profile's stale check with its one participant when measured on another
-- day (usually none; the list's stale check of the time is gone since
-- 00032's branch). As a LANGUAGE sql function its INSERT … SELECT is planned without
-- the values of its arguments, so PostgreSQL cannot tell that `ids` holds
-- three participants: the plan measures everyone through
-- participant_measure (set-based since 00026) and keeps three. At national
-- scale (100,000 participants) that made every call 1.2–1.3 s — every
-- result, outcome, agreement and plan written, every caseload view and
-- dashboard — against 3 ms for caseload_compute called with the values
-- (docs/benchmarks.md, "The caseload's refresh, planned per call").
--
-- As PL/pgSQL with EXECUTE … USING the statement is planned for each call
-- with its values (a one-shot plan), and an empty list returns at once.
-- Same rows, same count returned.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION caseload_refresh(on_day date, ids bigint[]) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    n bigint;
BEGIN
    IF ids IS NOT NULL AND cardinality(ids) = 0 THEN
        RETURN 0;
    END IF;
    EXECUTE $q$
    INSERT INTO caseload_rows AS c SELECT * FROM caseload_compute($1, $2) ORDER BY 1
    ON CONFLICT (participant_id) DO UPDATE SET measured_on = excluded.measured_on,
        best_listening = excluded.best_listening, best_reading = excluded.best_reading,
        best_writing = excluded.best_writing, best_oral = excluded.best_oral,
        plan_goal_listening = excluded.plan_goal_listening, plan_goal_reading = excluded.plan_goal_reading,
        plan_goal_writing = excluded.plan_goal_writing, plan_goal_oral = excluded.plan_goal_oral,
        gap_listening = excluded.gap_listening, gap_reading = excluded.gap_reading,
        gap_writing = excluded.gap_writing, gap_oral = excluded.gap_oral, gap_total = excluded.gap_total,
        outcome_kind = excluded.outcome_kind, outcome_from = excluded.outcome_from,
        basis = excluded.basis, risk = excluded.risk, risk_reason = excluded.risk_reason
    $q$ USING on_day, ids;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DROP FUNCTION caseload_refresh(date, bigint[]);
CREATE FUNCTION caseload_refresh(on_day date, ids bigint[]) RETURNS bigint LANGUAGE sql VOLATILE AS $$
WITH w AS (
    INSERT INTO caseload_rows AS c SELECT * FROM caseload_compute(on_day, ids) ORDER BY 1
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
