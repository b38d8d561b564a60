package handlers

import (
	"context"
	"encoding/json"
	"fmt"

	"praksis/db"
)

// EmployerDirectory says which organisation a person signing in through an
// employer provider (ID-porten) may act for. The real answer is Altinn's
// authorisation API (the person's roles for an organisation number), which
// cannot be reached from here: this is the seam for it. The in-house
// implementation, invitationDirectory, answers from Praksis's own
// invitations, as password accounts are made today.
type EmployerDirectory interface {
	// Grant returns what an account for the person would be;
	// db.ErrNotFound when the directory knows no organisation for them.
	Grant(ctx context.Context, person ssoPerson) (EmployerGrant, error)
}

// EmployerGrant is an organisation a person may act for, and the
// invitation that says so (InviteID 0 for a directory without invitations).
type EmployerGrant struct {
	InviteID int64
	OrgID    int64
	Lang     string
}

// invitationDirectory grants what an open employer invitation to the
// person's verified e-mail address grants.
type invitationDirectory struct{ store *db.Store }

func (d invitationDirectory) Grant(ctx context.Context, person ssoPerson) (EmployerGrant, error) {
	if person.Email == "" || !person.EmailVerified {
		return EmployerGrant{}, db.ErrNotFound
	}
	t, err := d.store.OpenInvitationByEmail(ctx, person.Email)
	if err != nil {
		return EmployerGrant{}, err
	}
	var pl invitePayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil {
		return EmployerGrant{}, fmt.Errorf("handlers: invitation payload: %w", err)
	}
	if pl.Role != db.RoleEmployer || pl.OrgID == 0 {
		return EmployerGrant{}, db.ErrNotFound
	}
	return EmployerGrant{InviteID: t.ID, OrgID: pl.OrgID, Lang: pl.Lang}, nil
}
