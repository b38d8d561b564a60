package dbtest

import (
	"context"
	"testing"
	"time"

	"praksis/db"
)

// LinkToken stores a link token as the code that mails one would, and
// returns the raw token, for tests of the link pages.
func LinkToken(t testing.TB, st *db.Store, in db.NewLinkToken) string {
	t.Helper()
	tok, err := st.IssueLinkToken(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// ReminderLinks makes links the way the reminders run does, and returns
// the raw tokens in the order of links.
func ReminderLinks(t testing.TB, st *db.Store, links []db.ReminderLink, ttl time.Duration) []string {
	t.Helper()
	tokens, err := st.IssueReminderLinks(context.Background(), links, ttl)
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}
