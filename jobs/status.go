package jobs

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Status runs at 00:05 Oslo time. An agreement's status is derived from
// its dates and approvals (agreement_status), so nothing has to be moved
// for the pages to be right; what the job does is what follows from a
// date passing: it gives the placement back the seat of every agreement
// that has ended or been cancelled, records each status change it sees in
// the audit log ("agreement.status_running", …), and records once that an
// employer's access to the person has ended. Every step is idempotent:
// a rerun or a catch-up changes nothing more.
func Status() Job {
	return Job{
		Name: "status", Spec: "5 0 * * *", Description: "jobs.status",
		Run: func(ctx context.Context, tx *sqlx.Tx) (map[string]any, error) {
			stats := map[string]any{}
			const today = `oslo_today()` // migration 00006
			steps := []struct{ key, sql string }{
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
			for _, st := range steps {
				res, err := tx.ExecContext(ctx, st.sql)
				if err != nil {
					return stats, fmt.Errorf("status %s: %w", st.key, err)
				}
				n, _ := res.RowsAffected()
				stats[st.key] = n
			}
			return stats, nil
		},
	}
}
