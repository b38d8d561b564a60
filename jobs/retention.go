package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/mail"
)

// Retention deletes what has outlived its use: expired sessions, expired
// or used link tokens, old throttle rows, and the bodies of mail sent more
// than 30 days ago (a sent invitation still holds its link; the subject,
// recipient and status stay for the record).
func Retention() Job {
	return Job{
		Name: "retention", Spec: "30 3 * * 0", Description: "jobs.retention",
		Run: func(ctx context.Context, tx *sqlx.Tx) (map[string]any, error) {
			stats := map[string]any{}
			steps := []struct{ key, sql string }{
				{"sessions", `DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - interval '1 day'`},
				{"link_tokens", `DELETE FROM link_tokens WHERE expires_at < now() - interval '7 days' OR used_at < now() - interval '7 days'`},
				{"login_failures", `DELETE FROM login_failures WHERE at < now() - interval '1 day'`},
				{"token_failures", `DELETE FROM link_token_failures WHERE at < now() - interval '1 day'`},
				{"request_hits", `DELETE FROM request_hits WHERE at < now() - interval '1 day'`},
				{"mail_bodies", `UPDATE outbox SET body_text = '', body_html = '', ics = NULL WHERE status = 'sent'
					AND sent_at < now() - interval '30 days' AND (body_text <> '' OR body_html <> '')`},
			}
			for _, st := range steps {
				res, err := tx.ExecContext(ctx, st.sql)
				if err != nil {
					return stats, fmt.Errorf("retention %s: %w", st.key, err)
				}
				n, _ := res.RowsAffected()
				stats[st.key] = n
			}
			return stats, nil
		},
	}
}

// OutboxJob drains the outbox every minute; the sender is also woken
// right after commits that queue mail. It uses its own connections for
// sending, so the run's transaction only records the run.
func OutboxJob(s *mail.Sender) Job {
	return Job{
		Name: "outbox", Spec: "* * * * *", Description: "jobs.outbox", Timeout: 5 * time.Minute,
		Run: func(ctx context.Context, _ *sqlx.Tx) (map[string]any, error) {
			st, err := s.Drain(ctx)
			return map[string]any{"sent": st.Sent, "failed": st.Failed, "dead": st.Dead}, err
		},
	}
}
