package db

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"
)

// Session is a signed-in browser, joined with its user and organisation
// so that one query serves every authenticated request.
type Session struct {
	ID         int64     `db:"id"`
	CSRFToken  string    `db:"csrf_token"`
	LastSeenAt time.Time `db:"last_seen_at"`
	ExpiresAt  time.Time `db:"expires_at"`
	User       User      `db:"user"`
	OrgStatus  *string   `db:"org_status"`
}

// HashToken is how a session or link token is stored: SHA-256, so the
// database never holds a usable token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateSession stores a new session for the user, valid until
// now+maxAge at the latest. The caller has made token and csrf random.
func (s *Store) CreateSession(ctx context.Context, userID int64, token, csrf string, maxAge time.Duration, ip, userAgent string) error {
	const q = `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, now() + make_interval(secs => $4), NULLIF($5, '')::inet, left($6, 300))`
	userAgent = strings.ReplaceAll(strings.ToValidUTF8(userAgent, ""), "\x00", "") // browsers can send anything
	if _, err := s.DB.ExecContext(ctx, q, HashToken(token), userID, csrf, maxAge.Seconds(), ip, userAgent); err != nil {
		return fmt.Errorf("db: create session: %w", err)
	}
	return nil
}

// SessionByToken returns the live session for a cookie token: not past
// its absolute expiry, not idle for longer than idle, and of an enabled
// user. Anything else is ErrNotFound.
func (s *Store) SessionByToken(ctx context.Context, token string, idle time.Duration) (Session, error) {
	const q = `SELECT s.id, s.csrf_token, s.last_seen_at, s.expires_at,
			u.id AS "user.id", u.email AS "user.email", u.name AS "user.name", u.role AS "user.role",
			u.organisation_id AS "user.organisation_id", u.locale AS "user.locale",
			u.password_hash AS "user.password_hash", u.must_change_password AS "user.must_change_password",
			u.created_at AS "user.created_at", u.disabled_at AS "user.disabled_at", o.name AS "user.org_name",
			CASE WHEN o.id IS NULL THEN NULL
				WHEN o.approved_at IS NOT NULL THEN 'approved'
				WHEN o.rejected_at IS NOT NULL THEN 'rejected'
				ELSE 'pending' END AS org_status
		FROM sessions s
		JOIN users u ON u.id = s.user_id
		LEFT JOIN organisations o ON o.id = u.organisation_id
		WHERE s.token_hash = $1 AND s.expires_at > now()
		  AND s.last_seen_at > now() - make_interval(secs => $2)
		  AND u.disabled_at IS NULL`
	var sess Session
	// Every signed-in request makes this lookup: a prepared statement
	// (prepared.go) saves its planning: the KPI page, one request at a
	// time, went from 0.85 to 0.6 ms (docs/benchmarks.md).
	err := s.getPrepared(ctx, &sess, q, HashToken(token), idle.Seconds())
	return sess, translate(err)
}

// TouchSession moves last_seen_at to now. Callers do it at most once a
// minute per session, so reading pages does not write on every request.
func (s *Store) TouchSession(ctx context.Context, id int64) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE sessions SET last_seen_at = now() WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("db: touch session: %w", err)
	}
	return nil
}

// DeleteSession ends one session (sign-out).
func (s *Store) DeleteSession(ctx context.Context, id int64) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("db: delete session: %w", err)
	}
	return nil
}

// DeleteSessionByToken ends the session a token belongs to, if any; used
// to rotate the session at sign-in.
func (s *Store) DeleteSessionByToken(ctx context.Context, token string) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, HashToken(token))
	if err != nil {
		return fmt.Errorf("db: delete session: %w", err)
	}
	return nil
}

// CountSessions returns how many sessions a user has (tests, admin views).
func (s *Store) CountSessions(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM sessions WHERE user_id = $1`, userID)
	return n, translate(err)
}
