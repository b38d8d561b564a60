package dbtest

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
)

// LinkToken stores a link token as the code that mails one would, and
// returns the raw token, for tests of the link pages.
func LinkToken(t testing.TB, st *db.Store, in db.NewLinkToken) string {
	t.Helper()
	ctx := context.Background()
	var tok string
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		tok, err = db.CreateLinkToken(ctx, tx, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ReminderLinks makes links the way the reminders run does, and returns
// the raw tokens in the order of links.
func ReminderLinks(t testing.TB, st *db.Store, links []db.ReminderLink, ttl time.Duration) []string {
	t.Helper()
	ctx := context.Background()
	var tokens []string
	err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		tokens, err = db.CreateReminderLinks(ctx, tx, links, ttl)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}
