package db

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Passkey is one WebAuthn credential of a person; Credential is the
// library's record (public key, sign count, flags) as JSON.
type Passkey struct {
	ID           int64           `db:"id"`
	UserID       int64           `db:"user_id"`
	CredentialID []byte          `db:"credential_id"`
	Credential   json.RawMessage `db:"credential"`
	Name         string          `db:"name"`
	CreatedAt    time.Time       `db:"created_at"`
	LastUsedAt   *time.Time      `db:"last_used_at"`
}

const passkeyColumns = `id, user_id, credential_id, credential, name, created_at, last_used_at`

// PasskeysOf lists a person's passkeys, oldest first.
func (s *Store) PasskeysOf(ctx context.Context, userID int64) ([]Passkey, error) {
	var out []Passkey
	if err := s.DB.SelectContext(ctx, &out, `SELECT `+passkeyColumns+` FROM passkeys WHERE user_id = $1 ORDER BY id`, userID); err != nil {
		return nil, fmt.Errorf("db: passkeys: %w", err)
	}
	return out, nil
}

// PasskeyByCredentialID finds a passkey by the id the authenticator sent.
func (s *Store) PasskeyByCredentialID(ctx context.Context, credID []byte) (Passkey, error) {
	var p Passkey
	err := s.DB.GetContext(ctx, &p, `SELECT `+passkeyColumns+` FROM passkeys WHERE credential_id = $1`, credID)
	return p, translate(err)
}

// WebAuthnHandle returns the person's random WebAuthn user handle, making
// it on first use.
func (s *Store) WebAuthnHandle(ctx context.Context, userID int64) ([]byte, error) {
	h := make([]byte, 32)
	if _, err := rand.Read(h); err != nil {
		return nil, fmt.Errorf("db: handle: %w", err)
	}
	var out []byte
	err := s.DB.GetContext(ctx, &out, `UPDATE users SET webauthn_handle = coalesce(webauthn_handle, $2) WHERE id = $1
		RETURNING webauthn_handle`, userID, h)
	return out, translate(err)
}

// UserByWebAuthnHandle finds the account a discoverable passkey names.
func (s *Store) UserByWebAuthnHandle(ctx context.Context, handle []byte) (User, error) {
	var id int64
	if err := s.DB.GetContext(ctx, &id, `SELECT id FROM users WHERE webauthn_handle = $1`, handle); err != nil {
		return User{}, translate(err)
	}
	return s.UserByID(ctx, id)
}

// AddPasskey stores a new passkey, audited.
func (s *Store) AddPasskey(ctx context.Context, userID int64, credID []byte, credential json.RawMessage, name, ip string) error {
	_, err := s.DB.ExecContext(ctx, `WITH k AS (INSERT INTO passkeys (user_id, credential_id, credential, name) VALUES ($1, $2, $3, $4))
		INSERT INTO audit_log (actor_id, action, entity, entity_id, ip) VALUES ($1, 'user.passkey_add', 'user', $1, NULLIF($5, '')::inet)`,
		userID, credID, string(credential), name, ip)
	if err = translate(err); err != nil && err != ErrConflict {
		return fmt.Errorf("db: add passkey: %w", err)
	}
	return err
}

// ErrChallengeUsed refuses a passkey assertion whose challenge was
// already accepted once: a replay of a captured cookie and answer.
var ErrChallengeUsed = errors.New("db: passkey challenge already used")

// PasskeyAssertion is a passkey sign-in the WebAuthn library accepted.
type PasskeyAssertion struct {
	// Challenge is the ceremony's challenge as the sealed cookie carried it.
	Challenge string
	// ValidUntil is when no cookie carrying the challenge can be valid any
	// more; the record of its use is kept at least that long.
	ValidUntil   time.Time
	UserID       int64
	CredentialID []byte
	// Credential is the library's record after the sign-in (its new sign
	// count), as JSON.
	Credential json.RawMessage
	IP         string
}

// AcceptPasskeyAssertion uses up the assertion's challenge, stores the
// passkey's new record and audits the sign-in, in one transaction. A
// challenge is accepted once across replicas (used_challenges' primary
// key): a second use, even at the same moment, gets ErrChallengeUsed and
// changes nothing. Many passkeys (synced ones) always send a sign count of
// 0, so the count alone does not stop a replay.
func (s *Store) AcceptPasskeyAssertion(ctx context.Context, a PasskeyAssertion) error {
	sum := sha256.Sum256([]byte(a.Challenge))
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO used_challenges (hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			sum[:], a.ValidUntil)
		if err != nil {
			return fmt.Errorf("db: use challenge: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("db: use challenge: %w", err)
		} else if n == 0 {
			return ErrChallengeUsed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE passkeys SET credential = $3, last_used_at = now() WHERE user_id = $1 AND credential_id = $2`,
			a.UserID, a.CredentialID, string(a.Credential)); err != nil {
			return fmt.Errorf("db: use passkey: %w", err)
		}
		return audit(ctx, tx, a.UserID, "user.passkey_sign_in", "user", a.UserID, a.IP)
	})
}
