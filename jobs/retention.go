package jobs

import (
	"context"
	"time"

	"praksis/db"
	"praksis/mail"
)

// Retention deletes what has outlived its use: expired sessions, expired
// or used link tokens, old throttle rows, and the bodies of mail sent more
// than 30 days ago (a sent invitation still holds its link; the subject,
// recipient and status stay for the record). db/retention.go has the steps.
func Retention() Job {
	return Job{
		Name: "retention", Spec: "30 3 * * 0", Description: "jobs.retention",
		Run: func(ctx context.Context, tx *db.JobTx) (map[string]any, error) {
			return tx.DeleteExpired(ctx)
		},
	}
}

// OutboxJob drains the outbox every minute; the sender is also woken
// right after commits that queue mail. It uses its own connections for
// sending, so the run's transaction only records the run.
func OutboxJob(s *mail.Sender) Job {
	return Job{
		Name: "outbox", Spec: "* * * * *", Description: "jobs.outbox", Timeout: 5 * time.Minute,
		Run: func(ctx context.Context, _ *db.JobTx) (map[string]any, error) {
			st, err := s.Drain(ctx)
			return map[string]any{"sent": st.Sent, "failed": st.Failed, "dead": st.Dead}, err
		},
	}
}
