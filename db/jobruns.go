package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// JobRun is one run of a scheduled job.
type JobRun struct {
	ID         int64           `db:"id"`
	Job        string          `db:"job"`
	Slot       time.Time       `db:"slot"`
	Forced     bool            `db:"forced"`
	StartedAt  time.Time       `db:"started_at"`
	FinishedAt *time.Time      `db:"finished_at"`
	Status     string          `db:"status"`
	Stats      json.RawMessage `db:"stats"`
	Error      *string         `db:"error"`
}

// Duration is how long a finished run took.
func (r JobRun) Duration() time.Duration {
	if r.FinishedAt == nil {
		return 0
	}
	return r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond)
}

// Why a run was not started.
const (
	JobBusy = "busy" // another replica is running this job right now
	JobDone = "done" // this slot has already run
)

// beginJobRun claims (job, slot) inside tx. It first takes a transaction
// advisory lock on the job, so a second replica does not even wait on the
// unique index; then the insert either claims the slot or finds it taken.
// Forced runs skip the slot check but not the lock.
func beginJobRun(ctx context.Context, tx *sqlx.Tx, job string, slot time.Time, forced bool) (id int64, skipped string, err error) {
	var locked bool
	if err := tx.GetContext(ctx, &locked, `SELECT pg_try_advisory_xact_lock(hashtext('praksis.job'), hashtext($1))`, job); err != nil {
		return 0, "", fmt.Errorf("db: job lock: %w", err)
	}
	if !locked {
		return 0, JobBusy, nil
	}
	const q = `INSERT INTO job_runs (job, slot, forced) VALUES ($1, $2, $3)
		ON CONFLICT (job, slot) WHERE NOT forced DO NOTHING RETURNING id`
	err = tx.GetContext(ctx, &id, q, job, slot, forced)
	if err = translate(err); err == ErrNotFound {
		return 0, JobDone, nil
	} else if err != nil {
		return 0, "", fmt.Errorf("db: begin job run: %w", err)
	}
	return id, "", nil
}

// finishJobRun records the outcome inside the run's transaction.
func finishJobRun(ctx context.Context, tx *sqlx.Tx, id int64, status string, stats map[string]any, errText string) error {
	b, err := json.Marshal(stats)
	if err != nil || stats == nil {
		b = []byte("{}")
	}
	_, err = tx.ExecContext(ctx, `UPDATE job_runs SET finished_at = clock_timestamp(), status = $2, stats = $3,
		error = NULLIF($4, '') WHERE id = $1`, id, status, string(b), errText)
	if err != nil {
		return fmt.Errorf("db: finish job run: %w", err)
	}
	return nil
}

// RecentJobRuns returns the latest runs of a job, newest first.
func (s *Store) RecentJobRuns(ctx context.Context, job string, limit int) ([]JobRun, error) {
	var out []JobRun
	err := s.DB.SelectContext(ctx, &out, `SELECT id, job, slot, forced, started_at, finished_at, status, stats, error
		FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, job, limit)
	if err != nil {
		return nil, fmt.Errorf("db: job runs: %w", err)
	}
	return out, nil
}

// JobRunByID returns one run.
func (s *Store) JobRunByID(ctx context.Context, id int64) (JobRun, error) {
	var r JobRun
	err := s.DB.GetContext(ctx, &r, `SELECT id, job, slot, forced, started_at, finished_at, status, stats, error
		FROM job_runs WHERE id = $1`, id)
	return r, translate(err)
}
