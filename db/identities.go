package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Identity is a person's account at an OpenID Connect provider.
type Identity struct {
	Provider string
	Subject  string
}

// UserByIdentity finds the account linked to a provider's subject and
// notes the sign-in; ErrNotFound when none is linked yet.
func (s *Store) UserByIdentity(ctx context.Context, id Identity) (User, error) {
	var userID int64
	err := s.DB.GetContext(ctx, &userID, `UPDATE user_identities SET last_used_at = now()
		WHERE provider = $1 AND subject = $2 RETURNING user_id`, id.Provider, id.Subject)
	if err != nil {
		return User{}, translate(err)
	}
	return s.UserByID(ctx, userID)
}

// LinkIdentity links a provider's subject to an existing account (first
// single sign-on of a person who had a password account), audited.
// ErrConflict means the account is linked to another subject there.
func (s *Store) LinkIdentity(ctx context.Context, userID int64, id Identity, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := linkIdentityTx(ctx, tx, userID, id); err != nil {
			return err
		}
		return audit(ctx, tx, userID, "user.identity_link", "user", userID, ip)
	})
}

func linkIdentityTx(ctx context.Context, tx *sqlx.Tx, userID int64, id Identity) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO user_identities (user_id, provider, subject) VALUES ($1, $2, $3)`,
		userID, id.Provider, id.Subject)
	if err = translate(err); err != nil && err != ErrConflict {
		return fmt.Errorf("db: link identity: %w", err)
	}
	return err
}

// CreateUserWithIdentity creates a staff account a provider's role
// mapping vouches for, linked to the subject, in one transaction.
func (s *Store) CreateUserWithIdentity(ctx context.Context, in NewUser, id Identity, ip string) (int64, error) {
	var userID int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if userID, err = createUser(ctx, tx, in); err != nil {
			return err
		}
		if err := linkIdentityTx(ctx, tx, userID, id); err != nil {
			return err
		}
		return audit(ctx, tx, userID, "user.sso_create", "user", userID, ip)
	})
	return userID, err
}

// IdentityCount says how many provider accounts are linked to a user.
func (s *Store) IdentityCount(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.DB.GetContext(ctx, &n, `SELECT count(*) FROM user_identities WHERE user_id = $1`, userID)
	return n, translate(err)
}

// OpenInvitationByEmail returns the newest unused, unexpired invitation
// sent to an e-mail address (ErrNotFound when there is none).
func (s *Store) OpenInvitationByEmail(ctx context.Context, email string) (LinkToken, error) {
	var t LinkToken
	err := s.DB.GetContext(ctx, &t, `SELECT `+tokenColumns+` FROM link_tokens
		WHERE purpose = $1 AND email = $2 AND used_at IS NULL AND expires_at > now()
		ORDER BY expires_at DESC LIMIT 1`, PurposeInvite, email)
	return t, translate(err)
}

// AcceptInvitationWithIdentity uses up invitation inviteID (it must still
// be open and still stand: an enabled inviter and, for employers, an
// approved organisation), creates its account and links the subject, in
// one transaction. ErrNotFound: used or withdrawn meanwhile.
func (s *Store) AcceptInvitationWithIdentity(ctx context.Context, inviteID int64, in NewUser, id Identity, ip string) (int64, error) {
	var userID int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var t LinkToken
		err := tx.GetContext(ctx, &t, `UPDATE link_tokens SET used_at = now()
			WHERE id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() RETURNING `+tokenColumns, inviteID, PurposeInvite)
		if err != nil {
			return translate(err)
		}
		var org int64
		if in.OrganisationID != nil {
			org = *in.OrganisationID
		}
		if ok, err := invitationStillValid(ctx, tx, t.CreatedBy, org); err != nil {
			return err
		} else if !ok {
			return ErrNotFound
		}
		if userID, err = createUser(ctx, tx, in); err != nil {
			return err
		}
		if err := linkIdentityTx(ctx, tx, userID, id); err != nil {
			return err
		}
		return audit(ctx, tx, userID, "user.invite_accept", "user", userID, ip)
	})
	return userID, err
}
