package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// JobTx is the transaction of one scheduled job's run, as the job sees
// it: opaque, with a method for each thing a job does (JobSettings,
// RecordReminders, EnqueueAllAt, WriteGoalSnapshots, …). It exists
// because a job's work, its job_runs row and the mail it queues must
// commit together or not at all, yet the jobs package writes no SQL and
// holds no *sqlx.Tx: Store.RunJob begins and ends the transaction, and the
// job only works inside it.
type JobTx struct {
	tx  *sqlx.Tx
	run JobRun
}

// Run is the job_runs row this transaction claimed: its id (part of a
// digest's dedupe key), job, slot and whether the run was forced.
func (t *JobTx) Run() JobRun { return t.run }

// JobSettings tunes the rest of the run's transaction for big statements
// (jobSettings says how).
func (t *JobTx) JobSettings(ctx context.Context) error { return jobSettings(ctx, t.tx) }

// Audit records a system action (no actor, no entity id) in the run's
// transaction, so it commits or rolls back with the run's work.
func (t *JobTx) Audit(ctx context.Context, action, entity string) error {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO audit_log (action, entity) VALUES ($1, $2)`, action, entity); err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}

// JobOutcome is what Store.RunJob did: the job_runs row it claimed, or why
// nothing ran (Skipped is JobBusy or JobDone), and how the work went.
type JobOutcome struct {
	RunID   int64
	Skipped string
	Status  string // ok or failed
	Stats   map[string]any
	Err     error // the work's error, recorded with the run
}

// RunJob runs work for (job, slot) exactly once across replicas and
// retries, in one transaction it begins and ends here:
//
//  1. begin, then take a transaction advisory lock on the job and claim
//     (job, slot) in job_runs (beginJobRun): a second replica or a rerun
//     of a finished slot stops here with Skipped set; forced runs even a
//     finished slot;
//  2. run work in a savepoint, so that when it fails (an error, or a
//     panic the caller has turned into one, or its context's deadline)
//     the work rolls back but the failed run is still recorded;
//  3. record the outcome in the run's row and commit.
//
// The transaction itself is begun without ctx's cancellation: a job that
// runs out of time is still recorded as failed. Only the work should get
// the deadline, so work gets no context from here: the caller closes over
// the one it bounds.
func (s *Store) RunJob(ctx context.Context, job string, slot time.Time, forced bool, work func(*JobTx) (map[string]any, error)) (JobOutcome, error) {
	var out JobOutcome
	tx, err := s.DB.BeginTxx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return out, fmt.Errorf("db: begin job run: %w", err)
	}
	defer tx.Rollback()
	if err := s.setTxDay(ctx, tx); err != nil {
		return out, err
	}
	id, skipped, err := beginJobRun(ctx, tx, job, slot, forced)
	if err != nil || skipped != "" {
		out.Skipped = skipped
		return out, err
	}
	out.RunID = id
	if _, err := tx.ExecContext(ctx, `SAVEPOINT job_work`); err != nil {
		return out, fmt.Errorf("db: job savepoint: %w", err)
	}
	out.Stats, out.Err = work(&JobTx{tx: tx, run: JobRun{ID: id, Job: job, Slot: slot, Forced: forced}})
	out.Status = "ok"
	errText := ""
	if out.Err != nil {
		out.Status, errText = "failed", out.Err.Error()
		if _, err := tx.ExecContext(context.WithoutCancel(ctx), `ROLLBACK TO SAVEPOINT job_work`); err != nil {
			return out, fmt.Errorf("db: roll back job work: %w", err)
		}
	}
	if err := finishJobRun(context.WithoutCancel(ctx), tx, id, out.Status, out.Stats, errText); err != nil {
		return out, err
	}
	if err := tx.Commit(); err != nil {
		return out, fmt.Errorf("db: commit job run: %w", err)
	}
	return out, nil
}

// jobSettings tunes the rest of a job's transaction for its big
// statements, in one round trip: no JIT (the row estimates of the jobs'
// statements are inflated by joins on CTEs, so PostgreSQL compiled for 14
// of 20 seconds at 100,000 participants, docs/benchmarks.md), room to
// sort and hash in memory, and lz4 for the TOAST compression of what the
// transaction writes where the server has it (the reminders' 4,000 digest
// bodies: pglz took a third of queueing them; reading is the same either
// way). set_config(…, true) is SET LOCAL: it ends with the transaction
// (or the job's savepoint).
func jobSettings(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true),
		set_config('default_toast_compression', CASE WHEN 'lz4' = ANY (enumvals) THEN 'lz4' ELSE setting END, true)
		FROM pg_settings WHERE name = 'default_toast_compression'`)
	if err != nil {
		return fmt.Errorf("db: job settings: %w", err)
	}
	return nil
}
