package db

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ReminderLink is a one-click link a digest item carries.
type ReminderLink struct {
	Purpose     string // PurposeAttendance, PurposeEvaluation or PurposeOfferAnswer
	AgreementID int64
	Email       string
	Payload     map[string]any // week or phase, and lang
}

// ReminderLinkBatch is a run's one-click links with their raw tokens,
// made before anything is stored: the job writes the digests that carry
// them while the database stores the batch (JobTx.StoreReminderLinks).
type ReminderLinkBatch struct {
	Tokens   []string // the raw tokens, in the order of the links
	hashes   [][]byte
	purposes []string
	emails   []string
	payloads []string
	ids      []int64
}

// PrepareReminderLinks makes the tokens of a run's links the way
// createLinkToken does, and their payloads (agreement_id and the link's
// own), without storing anything.
func PrepareReminderLinks(links []ReminderLink) (*ReminderLinkBatch, error) {
	n := len(links)
	b := &ReminderLinkBatch{Tokens: make([]string, n), hashes: make([][]byte, n), purposes: make([]string, n),
		emails: make([]string, n), payloads: make([]string, n), ids: make([]int64, n)}
	for i, l := range links {
		t, err := newToken()
		if err != nil {
			return nil, err
		}
		b.Tokens[i], b.hashes[i] = t, HashToken(t)
		pl := map[string]any{"agreement_id": l.AgreementID}
		for k, v := range l.Payload {
			pl[k] = v
		}
		js, err := json.Marshal(pl)
		if err != nil {
			return nil, fmt.Errorf("db: link payload: %w", err)
		}
		b.purposes[i], b.emails[i], b.payloads[i], b.ids[i] = l.Purpose, l.Email, string(js), l.AgreementID
	}
	return b, nil
}

// StoreReminderLinks stores a batch's tokens in the run's transaction, in
// one statement (ReminderLinkBatch.store).
func (t *JobTx) StoreReminderLinks(ctx context.Context, b *ReminderLinkBatch, ttl time.Duration) error {
	return b.store(ctx, t.tx, ttl)
}

// store stores the batch's tokens in one statement, the same tokens
// db.SendLink makes one at a time (purpose, e-mail, payload with
// agreement_id, TTL), each with the audit row agreement.link_sent.
func (b *ReminderLinkBatch) store(ctx context.Context, tx *sqlx.Tx, ttl time.Duration) error {
	if len(b.Tokens) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `WITH t AS (
		INSERT INTO link_tokens (token_hash, purpose, email, payload, expires_at)
		SELECT h, pu, NULLIF(e, ''), pl::jsonb, now() + make_interval(secs => $5)
		FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[]) AS t(h, pu, e, pl))
		INSERT INTO audit_log (action, entity, entity_id)
		SELECT 'agreement.link_sent', 'agreement', id FROM unnest($6::bigint[]) AS id`,
		pq.Array(b.hashes), pq.Array(b.purposes), pq.Array(b.emails), pq.Array(b.payloads), ttl.Seconds(), pq.Array(b.ids))
	if err != nil {
		return fmt.Errorf("db: reminder links: %w", err)
	}
	return nil
}

// IssueReminderLinks stores reminder links on their own, as a reminders
// run stores them inside its transaction: for tests that need the links
// without a run.
func (s *Store) IssueReminderLinks(ctx context.Context, links []ReminderLink, ttl time.Duration) ([]string, error) {
	var tokens []string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		tokens, err = createReminderLinks(ctx, tx, links, ttl)
		return err
	})
	return tokens, err
}

// createReminderLinks stores the one-click tokens of a run
// (PrepareReminderLinks, then store) and returns the raw tokens in order.
func createReminderLinks(ctx context.Context, tx *sqlx.Tx, links []ReminderLink, ttl time.Duration) ([]string, error) {
	if len(links) == 0 {
		return nil, nil
	}
	b, err := PrepareReminderLinks(links)
	if err != nil {
		return nil, err
	}
	if err := b.store(ctx, tx, ttl); err != nil {
		return nil, err
	}
	return b.Tokens, nil
}

// newToken makes a raw link token the way createLinkToken does.
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("db: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
