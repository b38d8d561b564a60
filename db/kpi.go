package db

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// The cohort KPIs the progress job stores after the snapshots, and the
// reads of /admin/kpi and the adviser's page (the snapshots and their
// formulas are in measure.go).

// KPI metrics, as stored in kpi_snapshots.metric. Shares are 0–1.
const (
	MetricAtGoal      = "at_goal"      // share of active participants at the norskmål in every skill
	MetricAtGoalSkill = "at_goal_"     // + skill: share at the norskmål in that skill
	MetricRisk        = "risk"         // share of active participants at risk
	MetricAvgGap      = "avg_gap"      // average total gap (levels) of active participants
	MetricWorkEduEnd  = "work_edu_end" // share in work or education when the programme ended
	MetricWorkEdu1y   = "work_edu_1y"  // … one year after the programme ended (SSB; target 70 %)
	MetricGotJob      = "got_job"      // share of ended agreements that ended with a job
	MetricDaysToFirst = "days_to_first_agreement"
)

// KPI dimensions.
const (
	DimAll       = "all"
	DimStartYear = "start_year"
	DimRegime    = "regime"
	DimAdviser   = "adviser"
)

// KPIMetrics lists every metric in the order the page shows them.
var KPIMetrics = []string{MetricAtGoal, MetricAtGoalSkill + "listening", MetricAtGoalSkill + "reading", MetricAtGoalSkill + "writing",
	MetricAtGoalSkill + "oral", MetricRisk, MetricAvgGap, MetricWorkEduEnd, MetricWorkEdu1y, MetricGotJob, MetricDaysToFirst}

// kpiSelect computes every KPI for the day ($1) in every dimension, over
// all participants or one adviser's ($2, 0 for all), as rows (dimension,
// key, metric, value, n). The populations:
//
//   - at_goal*, risk, avg_gap: the active participants measured that day
//     (the day's progress_snapshots).
//   - work_edu_end: participants whose programme ended before the day; in
//     work or education when the latest outcome from on or before the
//     programme's last day is work (full or part time) or education.
//   - work_edu_1y: participants whose programme ended at least a year
//     before the day; the latest outcome on the first anniversary of the
//     end (SSB's measure of the national 70 % target).
//   - got_job: agreements ended by the day (cancelled ones never ran); the
//     share whose end reason is "got a job".
//   - days_to_first_agreement: the median of days from the programme start
//     to the start of the participant's first agreement that started
//     (running or ended), over those who have one.
//
// A cohort is the programme-start year, the legal regime or the current
// adviser. A metric with nobody to compute it over (n = 0) has no row.
//
// How it is computed (100,000 participants, 145,000 agreements): one pass
// over the outcomes finds both "latest outcome" answers; the agreements
// are read from the covering index of migration 00012 and summed per
// participant without a join when the query is for everyone ($2 = 0, which
// the plan folds away); the participants' figures are summed per
// (start year, regime, adviser) first, some 5,000 groups, and the four
// cohort dimensions are rolled up from those sums (a share is a sum over
// a count, exactly what avg computes). Only the median needs the single
// values, so it is a grouping of its own: an ordered-set aggregate makes
// PostgreSQL sort its whole input once per dimension, which it then did
// for every figure.
const kpiSelect = `WITH pp AS NOT MATERIALIZED (
	SELECT id, adviser_id, regime, date_part('year', programme_start)::int AS start_year, programme_start, programme_end
	FROM participants WHERE $2::bigint = 0 OR adviser_id = $2::bigint
), oc AS (
	-- The latest outcome on or before the programme's last day and on
	-- or before its first anniversary: the maximum of (from_date, id),
	-- packed into one bigint with "work or education" in the lowest bit.
	SELECT oc.participant_id,
		max(` + outcomeKey + `) FILTER (WHERE oc.from_date <= pp.programme_end) AS last_end,
		max(` + outcomeKey + `) FILTER (WHERE oc.from_date <= (pp.programme_end + interval '1 year')::date
			AND (pp.programme_end + interval '1 year')::date <= $1::date) AS last_1y
	FROM outcomes oc JOIN pp ON pp.id = oc.participant_id
	WHERE pp.programme_end < $1::date AND oc.from_date <= (pp.programme_end + interval '1 year')::date
	GROUP BY oc.participant_id
), ag AS (
	SELECT a.participant_id,
		min(a.start_date) FILTER (WHERE a.status IN ('running', 'ended') AND a.start_date <= $1::date) AS first_start,
		count(*) FILTER (WHERE a.status = 'ended') AS ended,
		count(*) FILTER (WHERE a.status = 'ended' AND a.end_reason = 'got_job') AS got_job
	FROM (SELECT participant_id, start_date, end_reason, agreement_status(x, $1::date) AS status
		FROM agreements x WHERE cancelled_at IS NULL AND ($2::bigint = 0 OR participant_id IN (SELECT id FROM pp))) a
	GROUP BY a.participant_id
), f AS (
	SELECT pp.start_year, pp.regime, pp.adviser_id,
		s.participant_id IS NOT NULL AS active,
		s.gap_listening = 0 AS goal_listening, s.gap_reading = 0 AS goal_reading,
		s.gap_writing = 0 AS goal_writing, s.gap_oral = 0 AS goal_oral, s.gap_total = 0 AS goal_all,
		s.risk, s.gap_total,
		pp.programme_end < $1::date AS ended,
		coalesce(oc.last_end & 1 = 1, false) AS work_end,
		(pp.programme_end + interval '1 year')::date <= $1::date AS year_after,
		coalesce(oc.last_1y & 1 = 1, false) AS work_1y,
		ag.first_start - pp.programme_start AS first_days,
		coalesce(ag.ended, 0) AS agreements_ended, coalesce(ag.got_job, 0) AS agreements_got_job
	FROM pp
	LEFT JOIN progress_snapshots s ON s.participant_id = pp.id AND s.day = $1::date
	LEFT JOIN oc ON oc.participant_id = pp.id
	LEFT JOIN ag ON ag.participant_id = pp.id
), fine AS (
	SELECT start_year, regime, adviser_id,
		count(*) FILTER (WHERE active) AS n_active,
		sum(goal_all::int) FILTER (WHERE active) AS at_goal,
		sum(goal_listening::int) FILTER (WHERE active) AS at_goal_listening,
		sum(goal_reading::int) FILTER (WHERE active) AS at_goal_reading,
		sum(goal_writing::int) FILTER (WHERE active) AS at_goal_writing,
		sum(goal_oral::int) FILTER (WHERE active) AS at_goal_oral,
		sum(risk::int) FILTER (WHERE active) AS risk,
		sum(gap_total) FILTER (WHERE active) AS gap,
		count(*) FILTER (WHERE ended) AS n_ended,
		sum(work_end::int) FILTER (WHERE ended) AS work_edu_end,
		count(*) FILTER (WHERE year_after) AS n_year,
		sum(work_1y::int) FILTER (WHERE year_after) AS work_edu_1y,
		sum(agreements_ended) AS n_agreements,
		sum(agreements_got_job) AS got_job
	FROM f GROUP BY start_year, regime, adviser_id
), g AS (
	SELECT CASE WHEN grouping(start_year) = 0 THEN 'start_year' WHEN grouping(regime) = 0 THEN 'regime'
			WHEN grouping(adviser_id) = 0 THEN 'adviser' ELSE 'all' END AS dimension,
		CASE WHEN grouping(start_year) = 0 THEN start_year::text WHEN grouping(regime) = 0 THEN regime
			WHEN grouping(adviser_id) = 0 THEN adviser_id::text ELSE 'all' END AS key,
		sum(n_active) AS n_active,
		sum(at_goal)::numeric / nullif(sum(n_active), 0) AS at_goal,
		sum(at_goal_listening)::numeric / nullif(sum(n_active), 0) AS at_goal_listening,
		sum(at_goal_reading)::numeric / nullif(sum(n_active), 0) AS at_goal_reading,
		sum(at_goal_writing)::numeric / nullif(sum(n_active), 0) AS at_goal_writing,
		sum(at_goal_oral)::numeric / nullif(sum(n_active), 0) AS at_goal_oral,
		sum(risk)::numeric / nullif(sum(n_active), 0) AS risk,
		sum(gap)::numeric / nullif(sum(n_active), 0) AS avg_gap,
		sum(n_ended) AS n_ended,
		sum(work_edu_end)::numeric / nullif(sum(n_ended), 0) AS work_edu_end,
		sum(n_year) AS n_year,
		sum(work_edu_1y)::numeric / nullif(sum(n_year), 0) AS work_edu_1y,
		sum(n_agreements) AS n_agreements,
		sum(got_job)::numeric / nullif(sum(n_agreements), 0) AS got_job
	FROM fine
	GROUP BY GROUPING SETS ((), (start_year), (regime), (adviser_id))
), md AS (
	SELECT CASE WHEN grouping(start_year) = 0 THEN 'start_year' WHEN grouping(regime) = 0 THEN 'regime'
			WHEN grouping(adviser_id) = 0 THEN 'adviser' ELSE 'all' END AS dimension,
		CASE WHEN grouping(start_year) = 0 THEN start_year::text WHEN grouping(regime) = 0 THEN regime
			WHEN grouping(adviser_id) = 0 THEN adviser_id::text ELSE 'all' END AS key,
		count(*) AS n_first,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY first_days) AS days_to_first
	FROM f WHERE first_days IS NOT NULL
	GROUP BY GROUPING SETS ((), (start_year), (regime), (adviser_id))
)
SELECT g.dimension, g.key, m.metric, round(m.value::numeric, 4) AS value, m.n::int AS n
FROM g LEFT JOIN md ON md.dimension = g.dimension AND md.key = g.key
CROSS JOIN LATERAL (VALUES
	('at_goal', g.at_goal, g.n_active),
	('at_goal_listening', g.at_goal_listening, g.n_active),
	('at_goal_reading', g.at_goal_reading, g.n_active),
	('at_goal_writing', g.at_goal_writing, g.n_active),
	('at_goal_oral', g.at_goal_oral, g.n_active),
	('risk', g.risk, g.n_active),
	('avg_gap', g.avg_gap, g.n_active),
	('work_edu_end', g.work_edu_end, g.n_ended),
	('work_edu_1y', g.work_edu_1y, g.n_year),
	('got_job', g.got_job, g.n_agreements),
	('days_to_first_agreement', md.days_to_first::numeric, md.n_first)
) AS m(metric, value, n)
WHERE m.n > 0 AND m.value IS NOT NULL`

// outcomeKey orders an outcome oc as DISTINCT ON … ORDER BY from_date
// DESC, id DESC would (days since 2000 from bit 35 up, the id in bits
// 1–34, so ids below 2^34) and carries in bit 0 whether it is work or
// education. Parenthesised: PostgreSQL gives << and | the same precedence.
const outcomeKey = `((oc.from_date - DATE '2000-01-01')::bigint << 35) | (oc.id << 1) | (oc.kind IN ('work_full', 'work_part', 'education'))::int`

// kpiInsert stores every KPI of the day over all participants ($2 = 0).
const kpiInsert = `INSERT INTO kpi_snapshots (day, dimension, key, metric, value, n)
	SELECT $1::date, k.dimension, k.key, k.metric, k.value, k.n FROM (` + kpiSelect + `) k`

// WriteKPISnapshots replaces the day's KPIs inside the run's transaction,
// computed from the day's progress snapshots (write those first) and
// returns how many rows it wrote.
func (t *JobTx) WriteKPISnapshots(ctx context.Context, day time.Time) (int64, error) {
	if err := jobSettings(ctx, t.tx); err != nil {
		return 0, err
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM kpi_snapshots WHERE day = $1::date`, dateOnly(day)); err != nil {
		return 0, fmt.Errorf("db: clear kpi snapshots: %w", err)
	}
	res, err := t.tx.ExecContext(ctx, kpiInsert, dateOnly(day), 0)
	if err != nil {
		return 0, fmt.Errorf("db: kpi snapshots: %w", err)
	}
	return res.RowsAffected()
}

// KPI is one figure: a metric of a cohort on a day.
type KPI struct {
	Day       time.Time `db:"day"`
	Dimension string    `db:"dimension"`
	Key       string    `db:"key"`
	Metric    string    `db:"metric"`
	Value     float64   `db:"value"`
	N         int       `db:"n"`
	// Label is the adviser's name for the adviser dimension, else the key.
	Label string `db:"label"`
}

// LatestKPIDay is the newest day with KPIs, nil before the first run.
func (s *Store) LatestKPIDay(ctx context.Context) (*time.Time, error) {
	var d *time.Time
	if err := s.DB.GetContext(ctx, &d, `SELECT max(day) FROM kpi_snapshots`); err != nil {
		return nil, fmt.Errorf("db: latest kpi day: %w", err)
	}
	return d, nil
}

// KPIsOn lists the stored KPIs of a day in the given dimensions.
func (s *Store) KPIsOn(ctx context.Context, day time.Time, dimensions ...string) ([]KPI, error) {
	var out []KPI
	err := s.DB.SelectContext(ctx, &out, `SELECT k.day, k.dimension, k.key, k.metric, k.value::float8 AS value, k.n,
			coalesce(u.name, k.key) AS label
		FROM kpi_snapshots k LEFT JOIN users u ON k.dimension = 'adviser' AND u.id::text = k.key
		WHERE k.day = $1::date AND k.dimension = ANY($2) ORDER BY k.dimension, lower(coalesce(u.name, k.key)), k.key, k.metric`,
		dateOnly(day), pq.Array(dimensions))
	if err != nil {
		return nil, fmt.Errorf("db: kpis: %w", err)
	}
	return out, nil
}

// AdviserKPIs computes the KPIs of one adviser's caseload on a day (one
// with snapshots), by the same query the job stores, without storing
// them: the adviser's page shows their own cohorts, which the stored
// dimensions (every participant by year, regime, adviser) do not split.
func (s *Store) AdviserKPIs(ctx context.Context, day time.Time, adviserID int64) ([]KPI, error) {
	var out []KPI
	err := s.DB.SelectContext(ctx, &out, `SELECT $1::date AS day, k.dimension, k.key, k.metric, k.value::float8 AS value, k.n, k.key AS label
		FROM (`+kpiSelect+`) k WHERE k.dimension <> 'adviser' ORDER BY k.dimension, k.key, k.metric`, dateOnly(day), adviserID)
	if err != nil {
		return nil, fmt.Errorf("db: adviser kpis: %w", err)
	}
	return out, nil
}

// KPISeries lists a cohort's metrics over the days from `from` on, oldest
// first: the trend lines.
func (s *Store) KPISeries(ctx context.Context, dimension, key string, metrics []string, from time.Time) ([]KPI, error) {
	var out []KPI
	err := s.DB.SelectContext(ctx, &out, `SELECT day, dimension, key, metric, value::float8 AS value, n, key AS label FROM kpi_snapshots
		WHERE dimension = $1 AND key = $2 AND metric = ANY($3) AND day >= $4::date ORDER BY day, metric`,
		dimension, key, pq.Array(metrics), dateOnly(from))
	if err != nil {
		return nil, fmt.Errorf("db: kpi series: %w", err)
	}
	return out, nil
}
