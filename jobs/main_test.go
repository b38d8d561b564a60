package jobs

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
	"praksis/mail"
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

func newRenderer(t testing.TB) *mail.Renderer {
	t.Helper()
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	r, err := mail.NewRenderer(tr, "https://praksis.example")
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

func newSender(t testing.TB, st *db.Store, srv *smtptest.Server, cfg mail.SenderConfig) *mail.Sender {
	t.Helper()
	m, err := mail.NewSMTPMailer(srv.URL(), "Praksis <noreply@praksis.example>", false)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rate == 0 {
		cfg.Rate = 1000
	}
	return mail.NewSender(st, m, quiet, cfg)
}

// newRetention is the retention job with the real catalogues.
func newRetention(t testing.TB, st *db.Store) Job {
	t.Helper()
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	return Retention(st, tr)
}
