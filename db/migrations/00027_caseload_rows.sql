-- +goose Up
-- The caseload's read model (issue 19 "Read what is already computed",
-- issue 14's gap cells): one row per participant with what the caseload
-- shows, sorts and filters on, measured on a day (measured_on) — best
-- level per skill, the current plan's Norwegian goal and the gap to it per
-- skill (NULL: the plan has no goal in the skill), the latest outcome, and
-- participant_measure's basis, risk and reason (the one risk rule).
-- /participants reads it instead of computing LATERALs over every result
-- and participant_measure per row on every view (docs/benchmarks.md).
--
-- Kept current in the writing transaction by statement-level triggers on
-- every table the figures come from (participants, language_results,
-- outcomes, agreements, integration_plans; leave and extensions move
-- participants.programme_end, db/leave.go): a trigger rather than a call
-- in each Store method because some forty statements in db/ and the seeds
-- write these tables, and a writer added later cannot forget it. Each
-- statement recomputes only the participants it touched, once per
-- statement (transition tables), so a batch is one call.
--
-- Risk, outcome and agreement status depend on the day. The rows are
-- measured on the store's day (praksis.today, set by the Store's
-- transactions when its clock is not the wall clock; else Oslo's today),
-- recomputed for everyone by the nightly `progress` job, and the caseload
-- recomputes a row of its scope whose measured_on is not today before it
-- reads (after midnight, before the job has run). Months left and "ends
-- within N months" are date arithmetic on participants.programme_end at
-- read time. A change of measure_rules (the risk horizon) marks every row
-- stale.
CREATE TABLE caseload_rows (
    participant_id      bigint     PRIMARY KEY REFERENCES participants (id) ON DELETE CASCADE,
    measured_on         date       NOT NULL,
    best_listening      cefr_level,
    best_reading        cefr_level,
    best_writing        cefr_level,
    best_oral           cefr_level,
    plan_goal_listening cefr_level,
    plan_goal_reading   cefr_level,
    plan_goal_writing   cefr_level,
    plan_goal_oral      cefr_level,
    gap_listening       integer,
    gap_reading         integer,
    gap_writing         integer,
    gap_oral            integer,
    -- The sum over the skills with a goal; NULL when the plan has none.
    gap_total           integer,
    outcome_kind        text,
    outcome_from        date,
    -- participant_measure's: NULL for a participant who is not active.
    basis               text,
    risk                boolean    NOT NULL DEFAULT false,
    risk_reason         text
);
-- The caseload's stale check (measured_on other than today) reads this
-- index: nothing stale is one look-up, not a scan of every row.
CREATE INDEX caseload_rows_measured_idx ON caseload_rows (measured_on);

-- +goose StatementBegin
-- caseload_compute: the rows of the given participants (NULL: all) on a day.
CREATE FUNCTION caseload_compute(on_day date, ids bigint[])
RETURNS SETOF caseload_rows LANGUAGE sql STABLE AS $$
SELECT p.id, on_day,
    b.best_listening, b.best_reading, b.best_writing, b.best_oral,
    ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral,
    g.gap_listening, g.gap_reading, g.gap_writing, g.gap_oral,
    CASE WHEN coalesce(ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral) IS NOT NULL
        THEN coalesce(g.gap_listening, 0) + coalesce(g.gap_reading, 0) + coalesce(g.gap_writing, 0) + coalesce(g.gap_oral, 0) END,
    o.kind, o.from_date, m.basis, coalesce(m.risk, false), m.risk_reason
-- The ids as a set joined by primary key (not "p.id = ANY (…)" as a filter,
-- which tests every row against the whole array: minutes for everyone).
FROM unnest(coalesce(ids, ARRAY(SELECT pp.id FROM participants pp))) AS x(id)
JOIN participants p ON p.id = x.id
LEFT JOIN integration_plans ip ON ip.participant_id = p.id
LEFT JOIN LATERAL (
    SELECT max(r.level) FILTER (WHERE r.skill = 'listening') AS best_listening,
        max(r.level) FILTER (WHERE r.skill = 'reading') AS best_reading,
        max(r.level) FILTER (WHERE r.skill = 'writing') AS best_writing,
        max(r.level) FILTER (WHERE r.skill = 'oral') AS best_oral
    FROM language_results r WHERE r.participant_id = p.id) b ON true
CROSS JOIN LATERAL (SELECT
    CASE WHEN ip.goal_listening IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_listening) - coalesce(cefr_rank(b.best_listening), 0)) END AS gap_listening,
    CASE WHEN ip.goal_reading IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_reading) - coalesce(cefr_rank(b.best_reading), 0)) END AS gap_reading,
    CASE WHEN ip.goal_writing IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_writing) - coalesce(cefr_rank(b.best_writing), 0)) END AS gap_writing,
    CASE WHEN ip.goal_oral IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_oral) - coalesce(cefr_rank(b.best_oral), 0)) END AS gap_oral) g
LEFT JOIN LATERAL (
    SELECT oc.kind, oc.from_date FROM outcomes oc WHERE oc.participant_id = p.id AND oc.from_date <= on_day
    ORDER BY oc.from_date DESC, oc.id DESC LIMIT 1) o ON true
LEFT JOIN participant_measure(on_day, ids) m ON m.participant_id = p.id
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- caseload_refresh writes the rows of the given participants (NULL: all)
-- measured on a day and returns how many it wrote. The triggers never pass
-- NULL.
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

-- +goose StatementBegin
-- The day the triggers measure on: the store's (praksis.today, set for the
-- transaction when the store's clock is not the wall clock), else Oslo's.
CREATE FUNCTION caseload_day() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('praksis.today', true), '')::date, oslo_today())
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- caseload_touch: after a statement on a table with a participant column
-- (TG_ARGV[0]), recompute the participants it touched, old and new rows.
-- praksis.caseload_deferred = 'on' skips it: the scale seed writes
-- everything in one transaction and refreshes all rows once at its end.
CREATE FUNCTION caseload_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('praksis.caseload_deferred', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        EXECUTE format('SELECT caseload_refresh(caseload_day(), coalesce(array_agg(DISTINCT %I), ''{}'')) FROM new_rows', TG_ARGV[0]);
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE format('SELECT caseload_refresh(caseload_day(), coalesce(array_agg(DISTINCT %I), ''{}'')) FROM old_rows', TG_ARGV[0]);
    ELSE
        EXECUTE format('SELECT caseload_refresh(caseload_day(), coalesce(array_agg(DISTINCT x), ''{}''))
            FROM (SELECT %1$I AS x FROM new_rows UNION SELECT %1$I FROM old_rows) u', TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A participant's own row: inserted, or changed in what the measure reads
-- (status, programme dates — leave and extensions move programme_end).
CREATE FUNCTION caseload_touch_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('praksis.caseload_deferred', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM caseload_refresh(caseload_day(), coalesce((SELECT array_agg(id) FROM new_rows), '{}'));
    ELSE
        PERFORM caseload_refresh(caseload_day(), coalesce((SELECT array_agg(n.id) FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.status, n.programme_start, n.programme_end) IS DISTINCT FROM (o.status, o.programme_start, o.programme_end)), '{}'));
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A new risk horizon or pace window changes everyone's risk: every row is
-- stale until the caseload or the nightly job measures it again.
CREATE FUNCTION caseload_stale_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE caseload_rows SET measured_on = '-infinity' WHERE measured_on <> '-infinity';
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER caseload_participants_ins AFTER INSERT ON participants REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch_participants();
CREATE TRIGGER caseload_participants_upd AFTER UPDATE ON participants REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch_participants();

CREATE TRIGGER caseload_results_ins AFTER INSERT ON language_results REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_results_upd AFTER UPDATE ON language_results REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_results_del AFTER DELETE ON language_results REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');

CREATE TRIGGER caseload_outcomes_ins AFTER INSERT ON outcomes REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_outcomes_upd AFTER UPDATE ON outcomes REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_outcomes_del AFTER DELETE ON outcomes REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');

CREATE TRIGGER caseload_agreements_ins AFTER INSERT ON agreements REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_agreements_upd AFTER UPDATE ON agreements REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_agreements_del AFTER DELETE ON agreements REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');

CREATE TRIGGER caseload_plans_ins AFTER INSERT ON integration_plans REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_plans_upd AFTER UPDATE ON integration_plans REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');
CREATE TRIGGER caseload_plans_del AFTER DELETE ON integration_plans REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_touch('participant_id');

CREATE TRIGGER caseload_measure_rules AFTER INSERT OR UPDATE OR DELETE ON measure_rules
    FOR EACH STATEMENT EXECUTE FUNCTION caseload_stale_all();

-- Every existing participant, measured today (docs/operations.md has the
-- time at 100,000 participants).
SELECT caseload_refresh(oslo_today(), NULL);

-- +goose Down
DROP TRIGGER caseload_measure_rules ON measure_rules;
DROP TRIGGER caseload_plans_del ON integration_plans;
DROP TRIGGER caseload_plans_upd ON integration_plans;
DROP TRIGGER caseload_plans_ins ON integration_plans;
DROP TRIGGER caseload_agreements_del ON agreements;
DROP TRIGGER caseload_agreements_upd ON agreements;
DROP TRIGGER caseload_agreements_ins ON agreements;
DROP TRIGGER caseload_outcomes_del ON outcomes;
DROP TRIGGER caseload_outcomes_upd ON outcomes;
DROP TRIGGER caseload_outcomes_ins ON outcomes;
DROP TRIGGER caseload_results_del ON language_results;
DROP TRIGGER caseload_results_upd ON language_results;
DROP TRIGGER caseload_results_ins ON language_results;
DROP TRIGGER caseload_participants_upd ON participants;
DROP TRIGGER caseload_participants_ins ON participants;
DROP FUNCTION caseload_stale_all();
DROP FUNCTION caseload_touch_participants();
DROP FUNCTION caseload_touch();
DROP FUNCTION caseload_day();
DROP FUNCTION caseload_refresh(date, bigint[]);
DROP FUNCTION caseload_compute(date, bigint[]);
DROP TABLE caseload_rows;
