package mail

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/locale"
	"praksis/mail/smtptest"
)

var testDBURL string

func TestMain(m *testing.M) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testDBURL = u
	code := m.Run()
	cleanup()
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func openStore(t testing.TB) *db.Store {
	t.Helper()
	st, err := db.Open(testDBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func startSMTP(t testing.TB) *smtptest.Server {
	t.Helper()
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

func newRenderer(t testing.TB) *Renderer {
	t.Helper()
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewRenderer(tr, "https://praksis.example")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var n atomic.Int64

// uniq makes names no other test in this run uses (tests share a database).
func uniq(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), n.Add(1))
}

// enqueue queues count plain mails to distinct recipients in one transaction.
func enqueue(t testing.TB, st *db.Store, tag string, count int) []string {
	t.Helper()
	ctx := context.Background()
	tx, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var rcpts []string
	for i := 0; i < count; i++ {
		to := fmt.Sprintf("%s-%d@test.example", tag, i)
		rcpts = append(rcpts, to)
		_, err := db.Enqueue(ctx, tx, db.Mail{DedupeKey: "test:" + to, Recipient: to, Template: "test", Locale: "nb",
			Subject: "Hei " + tag, Text: "tekst " + to, HTML: "<p>html " + to + "</p>"})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return rcpts
}

func newSender(t testing.TB, st *db.Store, srv *smtptest.Server, cfg SenderConfig) *Sender {
	t.Helper()
	m, err := NewSMTPMailer(srv.URL(), "Praksis <noreply@praksis.example>", false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rate == 0 {
		cfg.Rate = 1000
	}
	return NewSender(st, m, quiet, cfg)
}

// statusOf returns the outbox status and attempts of a recipient's mail.
func statusOf(t testing.TB, st *db.Store, to string) (status string, attempts int) {
	t.Helper()
	err := st.DB.QueryRow(`SELECT status, attempts FROM outbox WHERE recipient = $1`, to).Scan(&status, &attempts)
	if err != nil {
		t.Fatal(err)
	}
	return status, attempts
}

// makeDue moves a recipient's retry time to now, instead of waiting out
// the backoff (time is the one thing tests may fake).
func makeDue(t testing.TB, st *db.Store, to string) {
	t.Helper()
	if _, err := st.DB.Exec(`UPDATE outbox SET next_attempt_at = now() WHERE recipient = $1`, to); err != nil {
		t.Fatal(err)
	}
}
