package db

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// The cohort KPIs' names and the reads of /admin/kpi and the adviser's
// page. The nightly progress job computes and stores them after the
// snapshots (measure_goals.go: goalKPISelect over participant_measure).

// KPI metrics, as stored in kpi_snapshots.metric. Shares are 0–1.
const (
	MetricAtGoal      = "at_goal"      // share of active participants at the norskmål in every skill
	MetricAtGoalSkill = "at_goal_"     // + skill: share at the norskmål in that skill
	MetricRisk        = "risk"         // share of active participants at risk
	MetricAvgGap      = "avg_gap"      // average total gap (levels) of active participants
	MetricWorkEduEnd  = "work_edu_end" // share in work or education when the programme ended
	MetricWorkEdu1y   = "work_edu_1y"  // … one year after the programme ended (SSB; the national target, kpi_targets)
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

// outcomeKey orders an outcome oc as DISTINCT ON … ORDER BY from_date
// DESC, id DESC would (days since 2000 from bit 35 up, the id in bits
// 1–34, so ids below 2^34) and carries in bit 0 whether it is work or
// education. Parenthesised: PostgreSQL gives << and | the same precedence.
const outcomeKey = `((oc.from_date - DATE '2000-01-01')::bigint << 35) | (oc.id << 1) | (oc.kind IN ('work_full', 'work_part', 'education'))::int`

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
	err := s.selectPrepared(ctx, &out, `SELECT k.day, k.dimension, k.key, k.metric, k.value::float8 AS value, k.n,
			coalesce(u.name, k.key) AS label
		FROM kpi_snapshots k LEFT JOIN users u ON k.dimension = 'adviser' AND u.id::text = k.key
		WHERE k.day = $1::date AND k.dimension = ANY($2) ORDER BY k.dimension, lower(coalesce(u.name, k.key)), k.key, k.metric`,
		dateOnly(day), pq.Array(dimensions))
	if err != nil {
		return nil, fmt.Errorf("db: kpis: %w", err)
	}
	return out, nil
}

// KPISeries lists a cohort's metrics over the days from `from` on, oldest
// first: the trend lines.
func (s *Store) KPISeries(ctx context.Context, dimension, key string, metrics []string, from time.Time) ([]KPI, error) {
	var out []KPI
	err := s.selectPrepared(ctx, &out, `SELECT day, dimension, key, metric, value::float8 AS value, n, key AS label FROM kpi_snapshots
		WHERE dimension = $1 AND key = $2 AND metric = ANY($3) AND day >= $4::date ORDER BY day, metric`,
		dimension, key, pq.Array(metrics), dateOnly(from))
	if err != nil {
		return nil, fmt.Errorf("db: kpi series: %w", err)
	}
	return out, nil
}
