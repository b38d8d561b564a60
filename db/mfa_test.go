package db_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

func newAccount(t *testing.T, st *db.Store, email, role string) int64 {
	t.Helper()
	id, err := st.CreateUser(context.Background(), db.NewUser{Email: email, Name: "Test", Role: role, Locale: "nb", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A TOTP step and a recovery code are accepted once, even by requests
// racing each other.
func TestSecondFactorsSingleUse(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	u := newAccount(t, st, "totp@test.example", db.RoleAdmin)
	if ok, err := st.UseTOTPStep(ctx, u, 100); ok || err != nil {
		t.Fatalf("no authenticator: %v %v", ok, err)
	}
	if err := st.StartTOTP(ctx, u, []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	hash := db.HashToken("code-1")
	if err := st.ConfirmTOTP(ctx, u, 100, [][]byte{hash, db.HashToken("code-2")}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := st.StartTOTP(ctx, u, []byte("other")); !errors.Is(err, db.ErrConflict) {
		t.Errorf("a second authenticator over a confirmed one: %v", err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := st.UseTOTPStep(ctx, u, 101); err != nil {
				t.Error(err)
			} else if ok {
				wins.Add(1)
			}
			if ok, err := st.UseRecoveryCode(ctx, u, hash); err != nil {
				t.Error(err)
			} else if ok {
				wins.Add(10)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 11 {
		t.Errorf("step and code accepted %d times (tens: codes)", wins.Load())
	}
	if ok, _ := st.UseTOTPStep(ctx, u, 100); ok {
		t.Error("an earlier step accepted after a later one")
	}
	f, err := st.FactorsOf(ctx, u)
	if err != nil || !f.TOTP || f.RecoveryCodes != 1 || !f.Any() {
		t.Errorf("factors %+v %v", f, err)
	}
}

// An invitation accepted through a provider makes the account, links the
// subject and is used up; a withdrawn one (inviter disabled) makes nothing.
func TestAcceptInvitationWithIdentity(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	inviter := newAccount(t, st, "inviter@test.example", db.RoleAdmin)
	invite := func(email string) int64 {
		tok, err := st.IssueLinkToken(ctx, db.NewLinkToken{Purpose: db.PurposeInvite, Email: email, CreatedBy: &inviter, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		lt, err := st.OpenInvitationByEmail(ctx, email)
		if err != nil || lt.Email == nil || *lt.Email != email {
			t.Fatalf("invitation %s: %v", tok, err)
		}
		return lt.ID
	}
	id := db.Identity{Provider: "entra", Subject: "sub-1"}
	inv := invite("nav@test.example")
	uid, err := st.AcceptInvitationWithIdentity(ctx, inv, db.NewUser{Email: "nav@test.example", Name: "N", Role: db.RoleNAV, Locale: "nb", PasswordHash: "x"}, id, "")
	if err != nil {
		t.Fatal(err)
	}
	if u, err := st.UserByIdentity(ctx, id); err != nil || u.ID != uid {
		t.Errorf("linked account: %v %v", u.ID, err)
	}
	if _, err := st.OpenInvitationByEmail(ctx, "nav@test.example"); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("invitation still open: %v", err)
	}
	if err := st.LinkIdentity(ctx, uid, db.Identity{Provider: "entra", Subject: "sub-2"}, ""); !errors.Is(err, db.ErrConflict) {
		t.Errorf("a second subject at the same provider: %v", err)
	}
	inv = invite("late@test.example")
	if _, err := st.SetDisabled(ctx, inviter, uid, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AcceptInvitationWithIdentity(ctx, inv, db.NewUser{Email: "late@test.example", Name: "L", Role: db.RoleNAV, Locale: "nb", PasswordHash: "x"},
		db.Identity{Provider: "entra", Subject: "sub-3"}, ""); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("withdrawn invitation: %v", err)
	}
	if _, err := st.UserByEmail(ctx, "late@test.example"); !errors.Is(err, db.ErrNotFound) {
		t.Error("a withdrawn invitation made an account")
	}
}
