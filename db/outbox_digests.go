package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// EnqueueAllAt queues many mails in the run's transaction, none to go out
// before at (a run's digests, held to office hours); a dedupe key already
// queued is skipped. It returns how many were queued. The mails go in multi-row INSERTs of
// enqueueChunk rows, each value its own parameter: lib/pq sends those as
// they are, where one text[] per column (the earlier form) had every body
// quoted into an array literal and parsed back, 40 % of the time for
// 4,000 digests (17 MB).
func (t *JobTx) EnqueueAllAt(ctx context.Context, mails []Mail, at time.Time) (int, error) {
	total := 0
	for len(mails) > 0 {
		chunk := mails[:min(enqueueChunk, len(mails))]
		mails = mails[len(chunk):]
		var q strings.Builder
		q.WriteString(`INSERT INTO outbox (dedupe_key, recipient, template, locale, subject, body_text, body_html, ics, participant_id,
			next_attempt_at) VALUES `)
		args := make([]any, 0, 1+9*len(chunk))
		args = append(args, at)
		for i, m := range chunk {
			if i > 0 {
				q.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&q, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, NULLIF($%d, ''), NULLIF($%d, 0), $1::timestamptz)",
				n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9)
			args = append(args, m.DedupeKey, m.Recipient, m.Template, m.Locale, m.Subject, m.Text, m.HTML, m.ICS, m.aboutOne())
		}
		q.WriteString(` ON CONFLICT (dedupe_key) DO NOTHING`)
		res, err := t.tx.ExecContext(ctx, q.String(), args...)
		if err != nil {
			return total, fmt.Errorf("db: enqueue mail: %w", err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if err := mailAbout(ctx, t.tx, chunk); err != nil {
			return total, err
		}
	}
	return total, nil
}

// enqueueChunk is how many mails one INSERT of EnqueueAllAt carries (9
// parameters each; PostgreSQL takes at most 65,535).
const enqueueChunk = 500

// recipientKey is how a digest's recipient is written in a dedupe key.
func recipientKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// DigestKey is the outbox dedupe key of one recipient's digest of a run:
// one digest per recipient per run, and a retried transaction queues it once.
func DigestKey(recipient string, today time.Time, runID int64) string {
	return fmt.Sprintf("digest:%s:%s:%d", recipientKey(recipient), dateOnly(today), runID)
}
