package db

import (
	"context"
	"fmt"
	"time"
)

// KPITarget is a national target for a KPI metric (kpi_targets, migration
// 00026): the share the metric should reach, in force from ValidFrom to
// ValidTo (inclusive; nil: open), with its source. The national 70 % in
// work or education one year after the programme is the first.
type KPITarget struct {
	ID        int64      `db:"id"`
	Metric    string     `db:"metric"`
	ValidFrom time.Time  `db:"valid_from"`
	ValidTo   *time.Time `db:"valid_to"`
	Value     float64    `db:"value"`
	Source    string     `db:"source"`
	Confirm   bool       `db:"confirm"`
}

// KPITargets lists a metric's targets, oldest first.
func (s *Store) KPITargets(ctx context.Context, metric string) ([]KPITarget, error) {
	var out []KPITarget
	if err := s.selectPrepared(ctx, &out, `SELECT id, metric, valid_from, valid_to, value::float8 AS value, source, confirm
		FROM kpi_targets WHERE metric = $1 ORDER BY valid_from`, metric); err != nil {
		return nil, fmt.Errorf("db: kpi targets: %w", err)
	}
	return out, nil
}

// TargetOn is the target in force on a day among ts (rows of one metric
// never overlap), false when none is.
func TargetOn(ts []KPITarget, day time.Time) (KPITarget, bool) {
	d := dateOnly(day) // compared as dates: "2006-01-02" sorts as the days do
	for _, t := range ts {
		if dateOnly(t.ValidFrom) <= d && (t.ValidTo == nil || dateOnly(*t.ValidTo) >= d) {
			return t, true
		}
	}
	return KPITarget{}, false
}
