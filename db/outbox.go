package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Mail is one rendered e-mail to queue.
type Mail struct {
	DedupeKey string
	Recipient string
	Template  string
	Locale    string
	Subject   string
	Text      string
	HTML      string
	// ICS, when not empty, is an iCalendar body the mailer attaches as
	// praksis.ics (text/calendar; method=PUBLISH).
	ICS string
	// About are the participants the mail is about (none for a mail about
	// no one): one is outbox.participant_id, several (a digest) are rows
	// of outbox_participants. Innsyn lists the mail to each of them, and
	// anonymising one empties it.
	About []int64
}

// aboutOne is the participant_id of a mail about exactly one person (0:
// none, or several).
func (m Mail) aboutOne() int64 {
	if len(m.About) == 1 {
		return m.About[0]
	}
	return 0
}

// mailAboutSQL records the people of mails about several (dedupe keys
// $1, participant ids $2, pairwise).
const mailAboutSQL = `INSERT INTO outbox_participants (outbox_id, participant_id)
	SELECT o.id, x.pid FROM unnest($1::text[], $2::bigint[]) AS x(key, pid) JOIN outbox o ON o.dedupe_key = x.key
	ON CONFLICT DO NOTHING`

// mailAbout records the people of every mail in mails that is about
// several, inside tx.
func mailAbout(ctx context.Context, tx *sqlx.Tx, mails []Mail) error {
	var keys []string
	var ids []int64
	for _, m := range mails {
		if len(m.About) < 2 {
			continue
		}
		for _, id := range m.About {
			keys, ids = append(keys, m.DedupeKey), append(ids, id)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, mailAboutSQL, pq.Array(keys), pq.Array(ids)); err != nil {
		return fmt.Errorf("db: mail about: %w", err)
	}
	return nil
}

// OutboxMail is a row of the outbox.
type OutboxMail struct {
	ID            int64      `db:"id"`
	DedupeKey     string     `db:"dedupe_key"`
	Recipient     string     `db:"recipient"`
	Template      string     `db:"template"`
	Locale        string     `db:"locale"`
	Subject       string     `db:"subject"`
	Text          string     `db:"body_text"`
	HTML          string     `db:"body_html"`
	ICS           string     `db:"ics"` // "" for no calendar attachment
	Status        string     `db:"status"`
	Attempts      int        `db:"attempts"`
	NextAttemptAt time.Time  `db:"next_attempt_at"`
	LastError     *string    `db:"last_error"`
	CreatedAt     time.Time  `db:"created_at"`
	SentAt        *time.Time `db:"sent_at"`
}

const outboxColumns = `id, dedupe_key, recipient, template, locale, subject, body_text, body_html, status,
	attempts, next_attempt_at, last_error, created_at, sent_at, coalesce(ics, '') AS ics`

// Enqueue writes a mail to the outbox inside the caller's transaction, so
// the mail exists exactly when the change that caused it commits. A mail
// whose dedupe key is already queued is not queued again (queued=false).
func Enqueue(ctx context.Context, tx *sqlx.Tx, m Mail) (queued bool, err error) {
	const q = `INSERT INTO outbox (dedupe_key, recipient, template, locale, subject, body_text, body_html, ics, participant_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, ''), NULLIF($9, 0)) ON CONFLICT (dedupe_key) DO NOTHING`
	res, err := tx.ExecContext(ctx, q, m.DedupeKey, m.Recipient, m.Template, m.Locale, m.Subject, m.Text, m.HTML, m.ICS, m.aboutOne())
	if err != nil {
		return false, fmt.Errorf("db: enqueue mail: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		if err := mailAbout(ctx, tx, []Mail{m}); err != nil {
			return false, err
		}
	}
	return n == 1, nil
}

// ClaimOutbox leases up to limit due mails to owner. SKIP LOCKED lets
// several senders claim disjoint rows at once; the lease makes a row whose
// sender died claimable again once it expires. The attempt is counted at
// claim time, so a mail that crashes its sender still reaches the limit.
func (s *Store) ClaimOutbox(ctx context.Context, owner string, limit int, lease time.Duration) ([]OutboxMail, error) {
	const q = `UPDATE outbox SET lease_until = now() + make_interval(secs => $3), leased_by = $1, attempts = attempts + 1
		WHERE id IN (
			SELECT id FROM outbox
			WHERE status IN ('pending', 'failed') AND next_attempt_at <= now()
			  AND (lease_until IS NULL OR lease_until < now())
			ORDER BY next_attempt_at, id
			LIMIT $2
			FOR UPDATE SKIP LOCKED)
		RETURNING ` + outboxColumns
	var out []OutboxMail
	if err := s.DB.SelectContext(ctx, &out, q, owner, limit, lease.Seconds()); err != nil {
		return nil, fmt.Errorf("db: claim outbox: %w", err)
	}
	return out, nil
}

// MarkSent records a delivery.
func (s *Store) MarkSent(ctx context.Context, id int64) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = now(), lease_until = NULL,
		leased_by = NULL, last_error = NULL WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("db: mark sent: %w", err)
	}
	return nil
}

// MarkFailed records a failed attempt: the mail is retried after an
// exponential backoff (base·2^(attempts-1), at most maxBackoff), or is
// dead when the failure is permanent or the attempts are used up.
//
// Only the sender that holds the lease records a failure: a sender whose
// lease ran out must not undo another sender's delivery.
func (s *Store) MarkFailed(ctx context.Context, id int64, owner, errText string, permanent bool, maxAttempts int, base, maxBackoff time.Duration) error {
	const q = `UPDATE outbox SET
			status = CASE WHEN $3 OR attempts >= $4 THEN 'dead' ELSE 'failed' END,
			next_attempt_at = now() + least(make_interval(secs => $5 * power(2, greatest(attempts - 1, 0))), make_interval(secs => $6)),
			last_error = left($2, 1000), lease_until = NULL, leased_by = NULL
		WHERE id = $1 AND leased_by = $7 AND status IN ('pending', 'failed')`
	_, err := s.DB.ExecContext(ctx, q, id, errText, permanent, maxAttempts, base.Seconds(), maxBackoff.Seconds(), owner)
	if err != nil {
		return fmt.Errorf("db: mark failed: %w", err)
	}
	return nil
}

// RenewLease extends owner's lease on a mail just before sending it and
// reports whether owner still holds it: a sender that was slow enough to
// lose a row does not send it a second time.
func (s *Store) RenewLease(ctx context.Context, id int64, owner string, lease time.Duration) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE outbox SET lease_until = now() + make_interval(secs => $3)
		WHERE id = $1 AND leased_by = $2 AND status IN ('pending', 'failed')`, id, owner, lease.Seconds())
	if err != nil {
		return false, fmt.Errorf("db: renew lease: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RetryMail puts a dead or failed mail back in the queue with fresh
// attempts; ErrNotFound if it does not exist or was already sent.
func (s *Store) RetryMail(ctx context.Context, id int64) error {
	res, err := s.DB.ExecContext(ctx, `UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = now(),
		lease_until = NULL, leased_by = NULL WHERE id = $1 AND status IN ('dead', 'failed')
		AND (lease_until IS NULL OR lease_until < now())`, id) // never under a sender's feet
	if err != nil {
		return fmt.Errorf("db: retry mail: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// OutboxMailByID returns one mail.
func (s *Store) OutboxMailByID(ctx context.Context, id int64) (OutboxMail, error) {
	var m OutboxMail
	err := s.DB.GetContext(ctx, &m, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1`, id)
	return m, translate(err)
}

// OutboxPage lists mails newest first, filtered by status ("" for all) and
// a recipient search, with keyset paging: pass the last id seen as before
// (0 for the first page).
func (s *Store) OutboxPage(ctx context.Context, status, recipient string, before int64, limit int) ([]OutboxMail, error) {
	const q = `SELECT ` + outboxColumns + ` FROM outbox
		WHERE ($1 = '' OR status = $1) AND ($2 = '' OR recipient ILIKE '%' || $2 || '%')
		  AND ($3::bigint = 0 OR id < $3::bigint)
		ORDER BY id DESC LIMIT $4`
	var out []OutboxMail
	if err := s.DB.SelectContext(ctx, &out, q, status, likeEscape(recipient), before, limit); err != nil {
		return nil, fmt.Errorf("db: outbox page: %w", err)
	}
	return out, nil
}

// OutboxCounts counts mails per status.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.DB.QueryContext(ctx, `SELECT status, count(*) FROM outbox GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("db: outbox counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("db: outbox counts: %w", err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// MailQueuedWithin reports whether a mail whose dedupe key starts with
// keyPrefix was queued within the last d (a sliding window, unlike a key
// with a time bucket in it).
func MailQueuedWithin(ctx context.Context, tx *sqlx.Tx, keyPrefix string, d time.Duration) (bool, error) {
	var found bool
	err := tx.GetContext(ctx, &found, `SELECT EXISTS (SELECT 1 FROM outbox
		WHERE starts_with(dedupe_key, $1) AND created_at > now() - make_interval(secs => $2))`, keyPrefix, d.Seconds())
	if err != nil {
		return false, fmt.Errorf("db: recent mail: %w", err)
	}
	return found, nil
}
