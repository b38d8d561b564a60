package db

import (
	"context"
	"fmt"
)

// statusSteps are what follows from a date passing (the status job,
// 00:05 Oslo time). An agreement's status is derived from its dates and
// approvals (agreement_status), so nothing has to be moved for the pages
// to be right; these steps give the placement back the seat of every
// agreement that has ended or been cancelled, record each status change
// seen in the audit log ("agreement.status_running", …), and record once
// that an employer's access to the person has ended. Each is idempotent:
// a rerun or a catch-up changes nothing more.
var statusSteps = func() []jobStep {
	const today = `oslo_today()` // migration 00006
	return []jobStep{
		{"seats_released", `WITH r AS (
				UPDATE agreements ag SET seat_held = false
				WHERE seat_held AND agreement_status(ag, ` + today + `) IN ('ended', 'cancelled')
				RETURNING placement_id)
			UPDATE placements p SET seats_taken = greatest(p.seats_taken - x.n, 0)
			FROM (SELECT placement_id, count(*) AS n FROM r GROUP BY placement_id) x WHERE p.id = x.placement_id`},
		{"status_changes", `WITH ch AS (
				UPDATE agreements ag SET status_seen = agreement_status(ag, ` + today + `)
				WHERE status_seen IS DISTINCT FROM agreement_status(ag, ` + today + `)
				RETURNING id, status_seen)
			INSERT INTO audit_log (action, entity, entity_id) SELECT 'agreement.status_' || status_seen, 'agreement', id FROM ch`},
		{"access_ended", `WITH ex AS (
				UPDATE agreements SET access_expired_at = now()
				WHERE access_expired_at IS NULL AND employer_access_until < ` + today + `
				RETURNING id)
			INSERT INTO audit_log (action, entity, entity_id) SELECT 'agreement.access_ended', 'agreement', id FROM ex`},
	}
}()

// FollowDates runs the status job's steps (statusSteps) in the run's
// transaction and returns the rows each touched, by step.
func (t *JobTx) FollowDates(ctx context.Context) (map[string]any, error) {
	return t.steps(ctx, "status", statusSteps)
}

// jobStep is one statement of a job that runs a fixed list of them; its
// key names the count of rows it touched in the run's stats.
type jobStep struct{ key, sql string }

// steps runs each step in order and counts the rows it touched; the first
// error stops the run (the savepoint rolls back the steps before it).
func (t *JobTx) steps(ctx context.Context, job string, steps []jobStep) (map[string]any, error) {
	stats := map[string]any{}
	for _, st := range steps {
		res, err := t.tx.ExecContext(ctx, st.sql)
		if err != nil {
			return stats, fmt.Errorf("db: %s %s: %w", job, st.key, err)
		}
		n, _ := res.RowsAffected()
		stats[st.key] = n
	}
	return stats, nil
}
