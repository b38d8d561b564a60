package jobs

import (
	"context"
	"fmt"
	"time"

	"praksis/db"
)

// Progress runs at 01:30 Oslo time and measures the day (the store's
// today in Oslo): a progress snapshot of every active participant, then
// the cohort KPIs computed from them, both in the run's one transaction,
// then the caseload's read model (caseload_rows) from the snapshots,
// measured against the goals each person's plan has and with the one
// risk rule (db/measure_goals.go, participant_measure in migration 00016). Each step replaces the day's rows, so
// a rerun, a catch-up or a forced run gives the same result, and a run
// that fails half way rolls back with the run's savepoint: no half-written
// day is ever visible.
func Progress(store *db.Store) Job { return progressJob(store, nil) }

// progressJob is Progress with a hook called between the two steps;
// tests make it fail to show that the snapshots written before it are
// rolled back.
func progressJob(store *db.Store, between func() error) Job {
	return Job{
		Name: "progress", Spec: "30 1 * * *", Description: "jobs.progress",
		Run: func(ctx context.Context, tx *db.JobTx) (map[string]any, error) {
			day := store.Today()
			stats := map[string]any{"day": day.Format("2006-01-02")}
			// No JIT, room to hash and sort: PostgreSQL compiled the
			// snapshot statement's expressions for longer than it ran
			// (docs/benchmarks.md, "Issue 19: the jobs").
			if err := tx.JobSettings(ctx); err != nil {
				return stats, err
			}
			// Each step's time goes into the run's stats, as the
			// reminders' do (docs/benchmarks.md).
			began := time.Now()
			n, err := tx.WriteGoalSnapshots(ctx, day)
			if err != nil {
				return stats, err
			}
			stats["snapshots"] = n
			stats["ms_snapshots"] = time.Since(began).Milliseconds()
			if between != nil {
				if err := between(); err != nil {
					return stats, fmt.Errorf("progress: %w", err)
				}
			}
			began = time.Now()
			k, err := tx.WriteGoalKPIs(ctx, day)
			if err != nil {
				return stats, err
			}
			stats["kpis"] = k
			stats["ms_kpis"] = time.Since(began).Milliseconds()
			// The caseload's read model, measured on the new day: the
			// triggers keep it current on every write, this brings the
			// day's changes (risk, outcomes and agreements by their dates)
			// and is the safety net (migration 00027). Its risk comes
			// from the snapshots just written: the measure is computed
			// once (migration 00032). Until this has run after midnight,
			// the caseload shows the day before's measurement.
			began = time.Now()
			c, err := tx.RefreshCaseload(ctx, day)
			if err != nil {
				return stats, err
			}
			stats["caseload_rows"] = c
			stats["ms_caseload"] = time.Since(began).Milliseconds()
			return stats, nil
		},
	}
}
