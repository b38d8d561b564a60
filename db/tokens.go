package db

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Link token purposes: each token is good for exactly one.
const (
	PurposeInvite = "invite"
	PurposeReset  = "reset"
	// One-click links mailed to an agreement's supervisor: log a week's
	// attendance (reusable until it expires) or fill in one evaluation
	// (single use). Payload: agreement_id and week or phase.
	PurposeAttendance = "attendance"
	PurposeEvaluation = "evaluation"
	// One of the three answer links of reminder rule 5 ("the agreement
	// ends soon: can you offer work or an extension?"). Payload:
	// agreement_id, answer (OfferAnswers) and lang; recording an answer
	// uses up all the agreement's open answer links.
	PurposeOfferAnswer = "offer_answer"
	// A sign-up's confirmation, mailed to the address it gives: using it
	// registers the organisation and its first employer. Payload: what
	// was entered (SignupPayload).
	PurposeSignup = "signup"
)

// LinkToken is a one-time link sent by e-mail.
type LinkToken struct {
	ID        int64           `db:"id"`
	Purpose   string          `db:"purpose"`
	UserID    *int64          `db:"user_id"`
	Email     *string         `db:"email"`
	Payload   json.RawMessage `db:"payload"`
	CreatedBy *int64          `db:"created_by"`
	ExpiresAt time.Time       `db:"expires_at"`
	UsedAt    *time.Time      `db:"used_at"`
	// LookedUpAt is PostgreSQL's time when LinkTokenLookup read the token
	// (zero otherwise). Expiry is set and enforced against that clock, not
	// the store's Clock, so State(LookedUpAt) is the state the store will
	// act on whatever time a test sets.
	LookedUpAt time.Time `db:"looked_up_at"`
}

// Token states a link page distinguishes, so a person is told what is
// wrong with their link.
const (
	TokenValid   = "valid"
	TokenUsed    = "used"
	TokenExpired = "expired"
	TokenUnknown = "unknown"
)

// State says whether the token can still be used.
func (t LinkToken) State(now time.Time) string {
	switch {
	case t.UsedAt != nil:
		return TokenUsed
	case !now.Before(t.ExpiresAt):
		return TokenExpired
	}
	return TokenValid
}

const tokenColumns = `id, purpose, user_id, email, payload, created_by, expires_at, used_at`

// NewLinkToken is what createLinkToken stores.
type NewLinkToken struct {
	// Token is the raw token, made by NewToken before the call so the
	// mail that carries it can be rendered first; empty makes a new one.
	Token     string
	Purpose   string
	UserID    *int64
	Email     string
	Payload   any
	CreatedBy *int64
	TTL       time.Duration
}

// NewToken makes a raw link token: 32 random bytes, URL-safe. Callers
// make it before a Store method so the mail that carries it is rendered
// outside the transaction.
func NewToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("db: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// IssueLinkToken stores a new link token on its own (the use cases store
// theirs inside their own transactions) and returns the only copy of the
// raw token: for tests and tools that need a link without its mail.
func (s *Store) IssueLinkToken(ctx context.Context, in NewLinkToken) (string, error) {
	if in.Token == "" {
		t, err := NewToken()
		if err != nil {
			return "", err
		}
		in.Token = t
	}
	return in.Token, s.inTx(ctx, func(tx *sqlx.Tx) error { return createLinkToken(ctx, tx, in) })
}

// createLinkToken stores in.Token (already made) inside tx.
func createLinkToken(ctx context.Context, tx *sqlx.Tx, in NewLinkToken) error {
	if len(in.Token) < 20 {
		return fmt.Errorf("db: create token: no token made")
	}
	payload, err := json.Marshal(in.Payload)
	if err != nil || in.Payload == nil {
		payload = []byte("{}")
	}
	const q = `INSERT INTO link_tokens (token_hash, purpose, user_id, email, payload, created_by, expires_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, now() + make_interval(secs => $7))`
	if _, err := tx.ExecContext(ctx, q, HashToken(in.Token), in.Purpose, in.UserID, in.Email, string(payload), in.CreatedBy, in.TTL.Seconds()); err != nil {
		return fmt.Errorf("db: create token: %w", err)
	}
	return nil
}

// useLinkToken marks a valid token used inside the caller's transaction.
// The UPDATE's WHERE makes it single-use even when two requests race:
// only one of them gets the row; the other gets ErrNotFound.
func useLinkToken(ctx context.Context, tx *sqlx.Tx, token, purpose string) (LinkToken, error) {
	var t LinkToken
	err := tx.GetContext(ctx, &t, `UPDATE link_tokens SET used_at = now()
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
		RETURNING `+tokenColumns, HashToken(token), purpose)
	return t, translate(err)
}

// RecordTokenFailure notes a wrong, used or expired token tried from ip.
func (s *Store) RecordTokenFailure(ctx context.Context, ip string) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO link_token_failures (ip) VALUES (NULLIF($1, '')::inet)`, ip)
	if err != nil {
		return fmt.Errorf("db: token failure: %w", err)
	}
	return nil
}

// TokenFailures counts failures from ip within window.
func (s *Store) TokenFailures(ctx context.Context, ip string, window time.Duration) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM link_token_failures
		WHERE ip = NULLIF($1, '')::inet AND at > now() - make_interval(secs => $2)`, ip, window.Seconds())
	if err != nil {
		return 0, fmt.Errorf("db: token failures: %w", err)
	}
	return n, nil
}

// LinkTokenLookup finds a token of any purpose whatever its state, so the
// link page can say what the link was for and why it no longer works.
func (s *Store) LinkTokenLookup(ctx context.Context, token string) (LinkToken, error) {
	var t LinkToken
	err := s.DB.GetContext(ctx, &t, `SELECT `+tokenColumns+`, now() AS looked_up_at FROM link_tokens WHERE token_hash = $1`, HashToken(token))
	return t, translate(err)
}

// Invitation is an open invitation to an organisation.
type Invitation struct {
	Name      string    `db:"name"`
	Email     string    `db:"email"`
	CreatedAt time.Time `db:"created_at"`
	ExpiresAt time.Time `db:"expires_at"`
}

// OpenInvitations lists unused, unexpired invitations to an organisation.
func (s *Store) OpenInvitations(ctx context.Context, orgID int64) ([]Invitation, error) {
	var out []Invitation
	err := s.DB.SelectContext(ctx, &out, `SELECT coalesce(payload->>'name', '') AS name, email, created_at, expires_at FROM link_tokens
		WHERE purpose = 'invite' AND used_at IS NULL AND expires_at > now() AND payload->>'org_id' = $1::text
		ORDER BY created_at DESC LIMIT 100`, orgID)
	if err != nil {
		return nil, fmt.Errorf("db: open invitations: %w", err)
	}
	return out, nil
}

// InvitationsSentBy counts the invitations userID sent within window (the
// per-person limit on invitations; the tokens are the record).
func (s *Store) InvitationsSentBy(ctx context.Context, userID int64, window time.Duration) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM link_tokens
		WHERE purpose = 'invite' AND created_by = $1 AND created_at > now() - make_interval(secs => $2)`, userID, window.Seconds())
	if err != nil {
		return 0, fmt.Errorf("db: invitations sent: %w", err)
	}
	return n, nil
}

// useUserTokens marks every unused token of a purpose for a user used,
// inside the caller's transaction: after a password reset, older reset
// links in the same inbox stop working.
func useUserTokens(ctx context.Context, tx *sqlx.Tx, userID int64, purpose string) error {
	_, err := tx.ExecContext(ctx, `UPDATE link_tokens SET used_at = now()
		WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, userID, purpose)
	if err != nil {
		return fmt.Errorf("db: use tokens: %w", err)
	}
	return nil
}

// invitationStillValid reports, inside the accepting transaction, whether
// the inviter is still an enabled account and the organisation (if any)
// still approved.
func invitationStillValid(ctx context.Context, tx *sqlx.Tx, inviter *int64, orgID int64) (bool, error) {
	var ok bool
	err := tx.GetContext(ctx, &ok, `SELECT
		($1::bigint IS NULL OR EXISTS (SELECT 1 FROM users WHERE id = $1 AND disabled_at IS NULL))
		AND ($2::bigint = 0 OR EXISTS (SELECT 1 FROM organisations WHERE id = $2::bigint AND approved_at IS NOT NULL))`, inviter, orgID)
	if err != nil {
		return false, fmt.Errorf("db: invitation valid: %w", err)
	}
	return ok, nil
}
