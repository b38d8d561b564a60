package db

import (
	"context"
	"database/sql"
	"errors"
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

// LatestKPIMeasurement returns the latest successful progress run, or nil
// before the first.
func (s *Store) LatestKPIMeasurement(ctx context.Context) (*KPIMeasurement, error) {
	var m KPIMeasurement
	err := s.DB.GetContext(ctx, &m, `SELECT slot, started_at, forced FROM job_runs
		WHERE job = 'progress' AND status = 'ok' ORDER BY started_at DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("db: latest kpi measurement: %w", err)
	}
	return &m, nil
}
