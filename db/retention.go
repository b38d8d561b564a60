package db

import "context"

// retentionSteps delete what has outlived its use (the retention job,
// nightly 03:30): expired sessions, expired or used link tokens, old
// throttle rows, used passkey challenges whose cookies expired, and the
// bodies of mail sent more than 30 days ago (a sent invitation still
// holds its link; the subject, recipient and status stay for the record).
var retentionSteps = []jobStep{
	{"sessions", `DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - interval '1 day'`},
	{"link_tokens", `DELETE FROM link_tokens WHERE expires_at < now() - interval '7 days' OR used_at < now() - interval '7 days'`},
	{"login_failures", `DELETE FROM login_failures WHERE at < now() - interval '1 day'`},
	{"token_failures", `DELETE FROM link_token_failures WHERE at < now() - interval '1 day'`},
	{"request_hits", `DELETE FROM request_hits WHERE at < now() - interval '1 day'`},
	// A day past the cookie's expiry, whatever the replicas' clocks say.
	{"used_challenges", `DELETE FROM used_challenges WHERE expires_at < now() - interval '1 day'`},
	{"mail_bodies", `UPDATE outbox SET body_text = '', body_html = '', ics = NULL WHERE status = 'sent'
		AND sent_at < now() - interval '30 days' AND (body_text <> '' OR body_html <> '')`},
}

// DeleteExpired runs the retention steps (retentionSteps) in the run's
// transaction and returns the rows each deleted or emptied, by step.
func (t *JobTx) DeleteExpired(ctx context.Context) (map[string]any, error) {
	return t.steps(ctx, "retention", retentionSteps)
}
