package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Measurement against the goals a person actually has (issue 14): the
// norskmål of the participant's current plan where it has one, else the
// sluttmål and the time left. The figures come from participant_measure()
// and the one risk rule risk_reason() (migration 00016), which the
// caseload, the reminders and the KPIs read too; the formulas are
// described in measure.go.

// Measurement bases: what a participant's progress is measured against.
const (
	BasisNorskmal = "norskmal"
	BasisSluttmal = "sluttmal"
)

// Risk reasons, as risk_reason() gives them; labels are "risk.<code>".
const (
	RiskNoProgress  = "norskmal_no_progress"
	RiskBehindPace  = "norskmal_behind_pace"
	RiskNoOutcome   = "ends_within_months_no_outcome"
	MetricWithGoal  = "with_norskmal" // share of active participants whose plan has a norskmål
	MetricUnknown1y = "unknown_1y"    // how many of the year-after cohort have no recorded outcome (a count)
)

// KPI dimensions added by issue 14: sex, and regime and sex together
// (key "<regime>/<sex>").
const (
	DimSex       = "sex"
	DimRegimeSex = "regime_sex"
)

// GoalKPIMetrics lists the metrics of the goal-based KPIs in page order.
// at_goal* and avg_gap are over the participants with a norskmål (in the
// skill); work_edu_1y is "as recorded": over those with a recorded
// outcome on the anniversary, the unknown counted apart in unknown_1y.
var GoalKPIMetrics = []string{MetricAtGoal, MetricAtGoalSkill + "listening", MetricAtGoalSkill + "reading",
	MetricAtGoalSkill + "writing", MetricAtGoalSkill + "oral", MetricWithGoal, MetricRisk, MetricAvgGap,
	MetricWorkEduEnd, MetricWorkEdu1y, MetricUnknown1y, MetricGotJob, MetricDaysToFirst}

// GoalSnapshot is one participant's progress on a day against their real
// goals. Gaps and the gain are nil for a participant measured against
// the sluttmål, and a gap is nil in a skill the plan has no goal in.
type GoalSnapshot struct {
	ParticipantID int64     `db:"participant_id"`
	Day           time.Time `db:"day"`
	Basis         string    `db:"basis"`
	BestLevels
	GapListening   *int       `db:"gap_listening"`
	GapReading     *int       `db:"gap_reading"`
	GapWriting     *int       `db:"gap_writing"`
	GapOral        *int       `db:"gap_oral"`
	GapTotal       *int       `db:"gap_total"`
	LevelsGained   *int       `db:"levels_gained"`
	WindowDays     int        `db:"window_days"`
	MonthsLeft     int        `db:"months_left"`
	CurrentEnd     time.Time  `db:"current_end"`
	AttendanceRate *float64   `db:"attendance_rate"`
	OutcomeKind    *string    `db:"outcome_kind"`
	HasElement     bool       `db:"has_element"`
	ProjectedDate  *time.Time `db:"projected_date"`
	Risk           bool       `db:"risk"`
	RiskReason     *string    `db:"risk_reason"`
}

// goalSnapshotInsert writes the day's snapshots of every active
// participant from participant_measure().
const goalSnapshotInsert = `INSERT INTO progress_snapshots (participant_id, day, best_listening, best_reading, best_writing, best_oral,
	gap_listening, gap_reading, gap_writing, gap_oral, gap_total, levels_gained, window_days, months_left,
	attendance_rate, outcome_kind, has_element, risk, projected_date, basis, risk_reason, current_end)
SELECT m.participant_id, $1::date, m.best_listening, m.best_reading, m.best_writing, m.best_oral,
	m.gap_listening, m.gap_reading, m.gap_writing, m.gap_oral, m.gap_total, m.levels_gained, m.window_days, m.months_left,
	m.attendance_rate, m.outcome_kind, m.has_element, m.risk, m.projected_date, m.basis, m.risk_reason, m.current_end
FROM participant_measure($1::date) m ORDER BY m.participant_id`

// writeGoalSnapshots replaces the day's snapshots inside tx.
func writeGoalSnapshots(ctx context.Context, tx *sqlx.Tx, day time.Time) (int64, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM progress_snapshots WHERE day = $1::date`, dateOnly(day)); err != nil {
		return 0, fmt.Errorf("db: clear progress snapshots: %w", err)
	}
	res, err := tx.ExecContext(ctx, goalSnapshotInsert, dateOnly(day))
	if err != nil {
		return 0, fmt.Errorf("db: goal snapshots: %w", err)
	}
	return res.RowsAffected()
}

// writeGoalKPIs replaces the day's KPIs inside tx, from the day's goal
// snapshots (write those first).
func writeGoalKPIs(ctx context.Context, tx *sqlx.Tx, day time.Time) (int64, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM kpi_snapshots WHERE day = $1::date`, dateOnly(day)); err != nil {
		return 0, fmt.Errorf("db: clear kpi snapshots: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO kpi_snapshots (day, dimension, key, metric, value, n)
		SELECT $1::date, k.dimension, k.key, k.metric, k.value, k.n FROM (`+goalKPISelect+`) k`, dateOnly(day), 0)
	if err != nil {
		return 0, fmt.Errorf("db: goal kpis: %w", err)
	}
	return res.RowsAffected()
}

// MeasureGoals is the nightly measurement of a day against the goals
// people have: the snapshots, then the KPIs, in one transaction (a rerun
// replaces the day; a failure leaves it as it was). It returns how many
// rows of each it wrote.
func (s *Store) MeasureGoals(ctx context.Context, day time.Time) (snapshots, kpis int64, err error) {
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := jobSettings(ctx, tx); err != nil {
			return err
		}
		if snapshots, err = writeGoalSnapshots(ctx, tx, day); err != nil {
			return err
		}
		kpis, err = writeGoalKPIs(ctx, tx, day)
		return err
	})
	return snapshots, kpis, err
}

// WriteGoalSnapshots replaces the day's snapshots inside the job run's
// transaction, measured against the goals people have (the nightly
// progress job; MeasureGoals is the same outside a run).
func (t *JobTx) WriteGoalSnapshots(ctx context.Context, day time.Time) (int64, error) {
	return writeGoalSnapshots(ctx, t.tx, day)
}

// WriteGoalKPIs replaces the day's KPIs inside the job run's transaction,
// from the day's goal snapshots (WriteGoalSnapshots first).
func (t *JobTx) WriteGoalKPIs(ctx context.Context, day time.Time) (int64, error) {
	return writeGoalKPIs(ctx, t.tx, day)
}

// GoalSnapshotsOn lists the day's goal snapshots of the given participants
// (all when ids is empty), by participant.
func (s *Store) GoalSnapshotsOn(ctx context.Context, day time.Time, ids []int64) ([]GoalSnapshot, error) {
	var out []GoalSnapshot
	err := s.DB.SelectContext(ctx, &out, `SELECT participant_id, day, basis, best_listening, best_reading, best_writing, best_oral,
		gap_listening, gap_reading, gap_writing, gap_oral, gap_total, levels_gained, window_days, months_left, current_end,
		attendance_rate::float8 AS attendance_rate, outcome_kind, has_element, projected_date, risk, risk_reason
		FROM progress_snapshots WHERE day = $1::date AND basis IS NOT NULL AND (cardinality($2::bigint[]) = 0 OR participant_id = ANY($2))
		ORDER BY participant_id`, dateOnly(day), pq.Array(nonNilIDs(ids)))
	if err != nil {
		return nil, fmt.Errorf("db: goal snapshots: %w", err)
	}
	return out, nil
}

// ParticipantRisk is a participant's measurement basis and risk on a day,
// with the reason ("" when not at risk): what a badge says.
type ParticipantRisk struct {
	Basis  string  `db:"basis"`
	Risk   bool    `db:"risk"`
	Reason *string `db:"risk_reason"`
}

// RiskOf computes a participant's basis and risk on a day by the one rule
// (participant_risk, migration 00016). ErrNotFound: not active.
func (s *Store) RiskOf(ctx context.Context, participantID int64, day time.Time) (ParticipantRisk, error) {
	var r ParticipantRisk
	err := s.DB.GetContext(ctx, &r, `SELECT basis, risk, risk_reason FROM participant_risk($1, $2::date)`, participantID, dateOnly(day))
	return r, translate(err)
}

// GoalKPIsFor computes the goal-based KPIs of one adviser's caseload on a
// day with snapshots, without storing them (the adviser's own page).
func (s *Store) GoalKPIsFor(ctx context.Context, day time.Time, adviserID int64) ([]KPI, error) {
	var out []KPI
	err := s.selectPrepared(ctx, &out, `SELECT $1::date AS day, k.dimension, k.key, k.metric, k.value::float8 AS value, k.n, k.key AS label
		FROM (`+goalKPIAdviserSelect+`) k WHERE k.dimension <> 'adviser' ORDER BY k.dimension, k.key, k.metric`, dateOnly(day), adviserID)
	if err != nil {
		return nil, fmt.Errorf("db: adviser goal kpis: %w", err)
	}
	return out, nil
}

// dimensionKey names the grouping set a row of goalKPISelect belongs to.
const dimensionKey = `CASE WHEN grouping(regime) = 0 AND grouping(sex) = 0 THEN 'regime_sex'
			WHEN grouping(start_year) = 0 THEN 'start_year' WHEN grouping(regime) = 0 THEN 'regime'
			WHEN grouping(adviser_id) = 0 THEN 'adviser' WHEN grouping(sex) = 0 THEN 'sex' ELSE 'all' END AS dimension,
		CASE WHEN grouping(regime) = 0 AND grouping(sex) = 0 THEN regime || '/' || sex
			WHEN grouping(start_year) = 0 THEN start_year::text WHEN grouping(regime) = 0 THEN regime
			WHEN grouping(adviser_id) = 0 THEN adviser_id::text WHEN grouping(sex) = 0 THEN sex ELSE 'all' END AS key`

// goalKPISelect computes every goal-based KPI for the day ($1) in every
// dimension (all, start year, regime, adviser, sex, regime × sex), over
// all participants or one adviser's ($2, 0 for all), as rows (dimension,
// key, metric, value, n). The populations:
//
//   - risk: the active participants measured that day (the day's
//     snapshots);
//   - work_edu_end: participants whose programme ended before the day; in
//     work or education when the latest outcome from on or before the
//     programme's last day is work (full or part time) or education;
//   - got_job: agreements ended by the day (cancelled ones never ran); the
//     share whose end reason is "got a job";
//   - days_to_first_agreement: the median of days from the programme start
//     to the start of the participant's first agreement that started
//     (running or ended), over those who have one;
//   - at_goal, avg_gap: the active participants measured against a
//     norskmål; at_goal_<skill>: those with a goal in the skill;
//   - with_norskmal: the share of the active participants whose plan has
//     a norskmål;
//   - work_edu_1y ("as recorded"): of those whose programme ended at least
//     a year ago, the ones with an outcome recorded on or before the
//     anniversary; unknown_1y counts the others (value: a count, n: the
//     cohort). An unknown outcome is not "not in work".
const goalKPISelect = goalKPIPeople + `$2::bigint = 0 OR adviser_id = $2::bigint` + goalKPIOutcomes +
	`$2::bigint = 0 OR participant_id IN (SELECT id FROM pp)` + goalKPIFigures

// goalKPIAdviserSelect is goalKPISelect over one adviser's caseload ($2,
// never 0), for the adviser's own page (GoalKPIsFor, a prepared statement):
// its generic plan reads that caseload by participants_adviser_idx, where
// the "$2 = 0 OR …" of goalKPISelect would read every participant
// (docs/benchmarks.md, "KPI and NAV pages").
const goalKPIAdviserSelect = goalKPIPeople + `adviser_id = $2::bigint` + goalKPIOutcomes +
	`participant_id IN (SELECT id FROM pp)` + goalKPIFigures

// The parts of goalKPISelect around its two caseload filters.
const goalKPIPeople = `WITH pp AS NOT MATERIALIZED (
	SELECT id, adviser_id, regime, sex, date_part('year', programme_start)::int AS start_year, programme_start, programme_end
	FROM participants WHERE `

const goalKPIOutcomes = `
), oc AS (
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
		FROM agreements x WHERE cancelled_at IS NULL AND (`

const goalKPIFigures = `)) a
	GROUP BY a.participant_id
), f AS (
	SELECT pp.start_year, pp.regime, pp.sex, pp.adviser_id,
		s.participant_id IS NOT NULL AS active,
		coalesce(s.basis = 'norskmal', false) AS with_goal,
		s.gap_listening IS NOT NULL AS has_listening, s.gap_reading IS NOT NULL AS has_reading,
		s.gap_writing IS NOT NULL AS has_writing, s.gap_oral IS NOT NULL AS has_oral,
		s.gap_listening = 0 AS goal_listening, s.gap_reading = 0 AS goal_reading,
		s.gap_writing = 0 AS goal_writing, s.gap_oral = 0 AS goal_oral, s.gap_total = 0 AS goal_all,
		s.risk, s.gap_total,
		pp.programme_end < $1::date AS ended,
		coalesce(oc.last_end & 1 = 1, false) AS work_end,
		(pp.programme_end + interval '1 year')::date <= $1::date AS year_after,
		oc.last_1y IS NOT NULL AS known_1y,
		coalesce(oc.last_1y & 1 = 1, false) AS work_1y,
		ag.first_start - pp.programme_start AS first_days,
		coalesce(ag.ended, 0) AS agreements_ended, coalesce(ag.got_job, 0) AS agreements_got_job
	FROM pp
	LEFT JOIN progress_snapshots s ON s.participant_id = pp.id AND s.day = $1::date AND s.basis IS NOT NULL
	LEFT JOIN oc ON oc.participant_id = pp.id
	LEFT JOIN ag ON ag.participant_id = pp.id
), fine AS (
	SELECT start_year, regime, sex, adviser_id,
		count(*) FILTER (WHERE active) AS n_active,
		count(*) FILTER (WHERE active AND with_goal) AS n_goal,
		sum(goal_all::int) FILTER (WHERE active AND with_goal) AS at_goal,
		count(*) FILTER (WHERE active AND has_listening) AS n_listening,
		count(*) FILTER (WHERE active AND has_reading) AS n_reading,
		count(*) FILTER (WHERE active AND has_writing) AS n_writing,
		count(*) FILTER (WHERE active AND has_oral) AS n_oral,
		sum(goal_listening::int) FILTER (WHERE active AND has_listening) AS at_goal_listening,
		sum(goal_reading::int) FILTER (WHERE active AND has_reading) AS at_goal_reading,
		sum(goal_writing::int) FILTER (WHERE active AND has_writing) AS at_goal_writing,
		sum(goal_oral::int) FILTER (WHERE active AND has_oral) AS at_goal_oral,
		sum(risk::int) FILTER (WHERE active) AS risk,
		sum(gap_total) FILTER (WHERE active AND with_goal) AS gap,
		count(*) FILTER (WHERE ended) AS n_ended,
		sum(work_end::int) FILTER (WHERE ended) AS work_edu_end,
		count(*) FILTER (WHERE year_after) AS n_year,
		count(*) FILTER (WHERE year_after AND known_1y) AS n_known,
		sum(work_1y::int) FILTER (WHERE year_after AND known_1y) AS work_edu_1y,
		sum(agreements_ended) AS n_agreements,
		sum(agreements_got_job) AS got_job
	FROM f GROUP BY start_year, regime, sex, adviser_id
), g AS (
	SELECT ` + dimensionKey + `,
		sum(n_active) AS n_active, sum(n_goal) AS n_goal,
		sum(at_goal)::numeric / nullif(sum(n_goal), 0) AS at_goal,
		sum(n_listening) AS n_listening, sum(n_reading) AS n_reading, sum(n_writing) AS n_writing, sum(n_oral) AS n_oral,
		sum(at_goal_listening)::numeric / nullif(sum(n_listening), 0) AS at_goal_listening,
		sum(at_goal_reading)::numeric / nullif(sum(n_reading), 0) AS at_goal_reading,
		sum(at_goal_writing)::numeric / nullif(sum(n_writing), 0) AS at_goal_writing,
		sum(at_goal_oral)::numeric / nullif(sum(n_oral), 0) AS at_goal_oral,
		sum(n_goal)::numeric / nullif(sum(n_active), 0) AS with_norskmal,
		sum(risk)::numeric / nullif(sum(n_active), 0) AS risk,
		sum(gap)::numeric / nullif(sum(n_goal), 0) AS avg_gap,
		sum(n_ended) AS n_ended,
		sum(work_edu_end)::numeric / nullif(sum(n_ended), 0) AS work_edu_end,
		sum(n_year) AS n_year, sum(n_known) AS n_known,
		sum(work_edu_1y)::numeric / nullif(sum(n_known), 0) AS work_edu_1y,
		(sum(n_year) - sum(n_known))::numeric AS unknown_1y,
		sum(n_agreements) AS n_agreements,
		sum(got_job)::numeric / nullif(sum(n_agreements), 0) AS got_job
	FROM fine
	GROUP BY GROUPING SETS ((), (start_year), (regime), (adviser_id), (sex), (regime, sex))
), md AS (
	SELECT ` + dimensionKey + `,
		count(*) AS n_first,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY first_days) AS days_to_first
	FROM f WHERE first_days IS NOT NULL
	GROUP BY GROUPING SETS ((), (start_year), (regime), (adviser_id), (sex), (regime, sex))
)
SELECT g.dimension, g.key, m.metric, round(m.value::numeric, 4) AS value, m.n::int AS n
FROM g LEFT JOIN md ON md.dimension = g.dimension AND md.key = g.key
CROSS JOIN LATERAL (VALUES
	('at_goal', g.at_goal, g.n_goal),
	('at_goal_listening', g.at_goal_listening, g.n_listening),
	('at_goal_reading', g.at_goal_reading, g.n_reading),
	('at_goal_writing', g.at_goal_writing, g.n_writing),
	('at_goal_oral', g.at_goal_oral, g.n_oral),
	('with_norskmal', g.with_norskmal, g.n_active),
	('risk', g.risk, g.n_active),
	('avg_gap', g.avg_gap, g.n_goal),
	('work_edu_end', g.work_edu_end, g.n_ended),
	('work_edu_1y', g.work_edu_1y, g.n_known),
	('unknown_1y', g.unknown_1y, g.n_year),
	('got_job', g.got_job, g.n_agreements),
	('days_to_first_agreement', md.days_to_first::numeric, md.n_first)
) AS m(metric, value, n)
WHERE m.n > 0 AND m.value IS NOT NULL`
