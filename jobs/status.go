package jobs

import (
	"context"

	"praksis/db"
)

// Status runs at 00:05 Oslo time. An agreement's status is derived from
// its dates and approvals (agreement_status), so nothing has to be moved
// for the pages to be right; what the job does is what follows from a
// date passing: it gives the placement back the seat of every agreement
// that has ended or been cancelled, records each status change it sees in
// the audit log ("agreement.status_running", …), and records once that an
// employer's access to the person has ended. Every step is idempotent:
// a rerun or a catch-up changes nothing more (db/status.go has the steps).
func Status() Job {
	return Job{
		Name: "status", Spec: "5 0 * * *", Description: "jobs.status",
		Run: func(ctx context.Context, tx *db.JobTx) (map[string]any, error) {
			return tx.FollowDates(ctx)
		},
	}
}
