package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The account side of one-click links: invitations and password resets.
// Each use case is one transaction here; the caller makes the token
// (NewToken) and renders the mail that carries it before the call, so
// nothing but storage happens while the transaction is open.

// ErrInvitationWithdrawn: the inviter was disabled, or the organisation is
// no longer approved, since the invitation was sent.
var ErrInvitationWithdrawn = errors.New("db: invitation withdrawn")

// Invite stores an invitation token (in.Token, made by NewToken, created
// by *in.CreatedBy), audits it and queues its mail m, in one transaction.
func (s *Store) Invite(ctx context.Context, in NewLinkToken, m Mail, ip string) error {
	if in.CreatedBy == nil {
		return fmt.Errorf("db: invite: no inviter")
	}
	in.Purpose = PurposeInvite
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := createLinkToken(ctx, tx, in); err != nil {
			return err
		}
		if err := audit(ctx, tx, *in.CreatedBy, "user.invite", "user", 0, ip); err != nil {
			return err
		}
		_, err := Enqueue(ctx, tx, m)
		return err
	})
}

// AcceptInvite uses up an invitation token and creates the account it was
// for, with an audit row, in one transaction, and returns the new id. The
// caller builds nu from the token's payload (read when the link was looked
// up: a token's payload never changes). ErrNotFound: the token was used or
// expired meanwhile; ErrInvitationWithdrawn: see there; ErrConflict: the
// e-mail has an account.
func (s *Store) AcceptInvite(ctx context.Context, token string, nu NewUser, ip string) (int64, error) {
	var userID int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		t, err := useLinkToken(ctx, tx, token, PurposeInvite)
		if err != nil {
			return err
		}
		// The invitation stands only while whoever sent it still may: an
		// enabled inviter, and for employers an approved organisation.
		var orgID int64
		if nu.OrganisationID != nil {
			orgID = *nu.OrganisationID
		}
		if ok, err := invitationStillValid(ctx, tx, t.CreatedBy, orgID); err != nil {
			return err
		} else if !ok {
			return ErrInvitationWithdrawn
		}
		if userID, err = createUser(ctx, tx, nu); err != nil {
			return err
		}
		return audit(ctx, tx, userID, "user.invite_accept", "user", userID, ip)
	})
	return userID, err
}

// ResetMailKey is the outbox dedupe key of a reset mail: each link its own
// mail (the token's hash), all under a prefix per account, which is what
// RequestReset's "sent lately?" check looks for.
func ResetMailKey(userID int64, token string) string {
	return fmt.Sprintf("%s%x", resetKeyPrefix(userID), HashToken(token)[:12])
}

func resetKeyPrefix(userID int64) string { return fmt.Sprintf("reset:%d:", userID) }

// RequestReset stores a reset token for in.UserID (in.Token made by
// NewToken) and queues its mail m (keyed by ResetMailKey), unless a reset
// mail to the account was queued within every; sent says which. No mail,
// no token: a link nobody receives is not created.
func (s *Store) RequestReset(ctx context.Context, in NewLinkToken, m Mail, every time.Duration) (sent bool, err error) {
	if in.UserID == nil {
		return false, fmt.Errorf("db: reset: no user")
	}
	in.Purpose = PurposeReset
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		// The account row is locked so two requests at once cannot both
		// see "no recent mail"; the window slides (a key with a 10-minute
		// bucket in it let two requests a second apart across a bucket
		// boundary both send).
		if err := lockUser(ctx, tx, *in.UserID); err != nil {
			return err
		}
		recent, err := MailQueuedWithin(ctx, tx, resetKeyPrefix(*in.UserID), every)
		if err != nil || recent {
			return err
		}
		if err := createLinkToken(ctx, tx, in); err != nil {
			return err
		}
		sent, err = Enqueue(ctx, tx, m)
		return err
	})
	return sent && err == nil, err
}

// ResetPassword uses up a reset token and every other reset link of its
// account, and sets the new password hash, ending every session: whoever
// else might have been signed in is out. It returns the account's id.
// ErrNotFound: the token was used or expired meanwhile.
func (s *Store) ResetPassword(ctx context.Context, token, hash string) (int64, error) {
	var userID int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		t, err := useLinkToken(ctx, tx, token, PurposeReset)
		if err != nil {
			return err
		}
		if t.UserID == nil {
			return ErrNotFound
		}
		userID = *t.UserID
		if err := useUserTokens(ctx, tx, userID, PurposeReset); err != nil {
			return err
		}
		return setPassword(ctx, tx, userID, hash, 0)
	})
	return userID, err
}
