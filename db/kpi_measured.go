package db

import (
	"context"
	"fmt"
	"time"
)

// KPIMeasurement says when the figures on /admin/kpi were measured: the
// latest successful run of the progress job.
type KPIMeasurement struct {
	Slot      time.Time `db:"slot"`
	StartedAt time.Time `db:"started_at"`
	Forced    bool      `db:"forced"`
}

// ByHand reports whether the run was not the night's own: forced from
// /admin/jobs, or started more than an hour after its slot (run-job, or a
// catch-up after a stop). Such figures are "measured at 08.50", not
// "measured the night to …" (issue 20).
func (m KPIMeasurement) ByHand() bool {
	return m.Forced || m.StartedAt.Sub(m.Slot) > time.Hour
}

// LatestKPI returns, in one round trip, the latest measured day on
// /admin/kpi (nil before the first measurement) and the run that measured
// it (nil before the first successful progress run).
func (s *Store) LatestKPI(ctx context.Context) (*time.Time, *KPIMeasurement, error) {
	var row struct {
		Day       *time.Time `db:"day"`
		Slot      *time.Time `db:"slot"`
		StartedAt *time.Time `db:"started_at"`
		Forced    *bool      `db:"forced"`
	}
	err := s.getPrepared(ctx, &row, `SELECT (SELECT max(day) FROM kpi_snapshots) AS day, r.slot, r.started_at, r.forced
		FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT slot, started_at, forced FROM job_runs
			WHERE job = 'progress' AND status = 'ok' ORDER BY started_at DESC LIMIT 1) r ON true`)
	if err != nil {
		return nil, nil, fmt.Errorf("db: latest kpi: %w", err)
	}
	if row.Slot == nil || row.StartedAt == nil || row.Forced == nil {
		return row.Day, nil, nil
	}
	return row.Day, &KPIMeasurement{Slot: *row.Slot, StartedAt: *row.StartedAt, Forced: *row.Forced}, nil
}
