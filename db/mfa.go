package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// TOTPFactor is a person's TOTP authenticator; Secret is sealed by the web
// layer (SECRET_KEY), never stored in the clear.
type TOTPFactor struct {
	Secret      []byte     `db:"secret"`
	ConfirmedAt *time.Time `db:"confirmed_at"`
	LastStep    int64      `db:"last_step"`
	CreatedAt   time.Time  `db:"created_at"`
}

// Factors says which second factors a person has.
type Factors struct {
	TOTP          bool `db:"totp"`
	Passkeys      int  `db:"passkeys"`
	RecoveryCodes int  `db:"recovery_codes"` // unused ones
}

// Any reports whether the person has a second factor at all.
func (f Factors) Any() bool { return f.TOTP || f.Passkeys > 0 }

// FactorsOf counts a person's confirmed second factors.
func (s *Store) FactorsOf(ctx context.Context, userID int64) (Factors, error) {
	var f Factors
	err := s.DB.GetContext(ctx, &f, `SELECT
		EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL) AS totp,
		(SELECT count(*) FROM passkeys WHERE user_id = $1) AS passkeys,
		(SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL) AS recovery_codes`, userID)
	if err != nil {
		return f, fmt.Errorf("db: factors: %w", err)
	}
	return f, nil
}

// TOTP returns a person's authenticator, confirmed or not (ErrNotFound).
func (s *Store) TOTP(ctx context.Context, userID int64) (TOTPFactor, error) {
	var t TOTPFactor
	err := s.DB.GetContext(ctx, &t, `SELECT secret, confirmed_at, last_step, created_at FROM user_totp WHERE user_id = $1`, userID)
	return t, translate(err)
}

// StartTOTP stores a new, unconfirmed authenticator secret, replacing an
// unconfirmed one; ErrConflict when a confirmed one exists (it is removed
// only by an admin's reset).
func (s *Store) StartTOTP(ctx context.Context, userID int64, sealed []byte) error {
	res, err := s.DB.ExecContext(ctx, `INSERT INTO user_totp (user_id, secret) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = now(), last_step = 0
		WHERE user_totp.confirmed_at IS NULL`, userID, sealed)
	if err != nil {
		return fmt.Errorf("db: start totp: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrConflict
	}
	return nil
}

// ConfirmTOTP marks the authenticator confirmed with the step of the code
// typed (so that code cannot be used again) and replaces the recovery
// codes with codeHashes, audited, in one transaction. ErrNotFound: there
// is no unconfirmed authenticator (confirmed meanwhile).
func (s *Store) ConfirmTOTP(ctx context.Context, userID, step int64, codeHashes [][]byte, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE user_totp SET confirmed_at = now(), last_step = $2
			WHERE user_id = $1 AND confirmed_at IS NULL`, userID, step)
		if err != nil {
			return fmt.Errorf("db: confirm totp: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		if err := replaceRecoveryCodes(ctx, tx, userID, codeHashes); err != nil {
			return err
		}
		return audit(ctx, tx, userID, "user.mfa_enable", "user", userID, ip)
	})
}

func replaceRecoveryCodes(ctx context.Context, tx *sqlx.Tx, userID int64, hashes [][]byte) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("db: recovery codes: %w", err)
	}
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
			return fmt.Errorf("db: recovery codes: %w", err)
		}
	}
	return nil
}

// UseTOTPStep accepts a code of step for the person only if no code of
// this or a later step was accepted before: the UPDATE's WHERE makes a
// code single-use within its window even when two requests race.
func (s *Store) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE user_totp SET last_step = $2
		WHERE user_id = $1 AND confirmed_at IS NOT NULL AND last_step < $2`, userID, step)
	if err != nil {
		return false, fmt.Errorf("db: use totp: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode uses up one of the person's recovery codes, if hash is
// one of the unused ones.
func (s *Store) UseRecoveryCode(ctx context.Context, userID int64, hash []byte) (bool, error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE recovery_codes SET used_at = now()
		WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, hash)
	if err != nil {
		return false, fmt.Errorf("db: use recovery code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ResetFactors removes every second factor of a person (authenticator,
// recovery codes, passkeys) and ends their sessions, audited as the
// admin's, and queues the mail telling the person, in one transaction.
func (s *Store) ResetFactors(ctx context.Context, userID, adminID int64, ip string, mail Mail) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockUser(ctx, tx, userID); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM user_totp WHERE user_id = $1`, `DELETE FROM recovery_codes WHERE user_id = $1`,
			`DELETE FROM passkeys WHERE user_id = $1`, `DELETE FROM sessions WHERE user_id = $1`} {
			if _, err := tx.ExecContext(ctx, q, userID); err != nil {
				return fmt.Errorf("db: reset factors: %w", err)
			}
		}
		if err := audit(ctx, tx, adminID, "user.mfa_reset", "user", userID, ip); err != nil {
			return err
		}
		_, err := Enqueue(ctx, tx, mail)
		return err
	})
}

// ResealTOTP replaces the sealed secret (the same secret under a new
// SECRET_KEY).
func (s *Store) ResealTOTP(ctx context.Context, userID int64, sealed []byte) error {
	if _, err := s.DB.ExecContext(ctx, `UPDATE user_totp SET secret = $2 WHERE user_id = $1`, userID, sealed); err != nil {
		return fmt.Errorf("db: reseal totp: %w", err)
	}
	return nil
}
