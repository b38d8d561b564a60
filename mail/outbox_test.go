package mail

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"praksis/db"
)

func TestOutboxDeliversRenderedMail(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	r := newRenderer(t)
	to := uniq("invitee") + "@test.example"
	m, err := r.Render("invite", "en", to, "invite:"+to, Data{FirstName: "Olena", Link: r.Link("/l/abc"),
		Vars: map[string]string{"Org": "Fjordbyen Bakeri AS", "Role": "employer"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tx, _ := st.DB.BeginTxx(ctx, nil)
	if ok, err := db.Enqueue(ctx, tx, m); err != nil || !ok {
		t.Fatalf("enqueue: %v %v", ok, err)
	}
	if ok, _ := db.Enqueue(ctx, tx, m); ok {
		t.Fatal("same dedupe key queued twice")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := newSender(t, st, srv, SenderConfig{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := srv.To(to)
	if len(got) != 1 {
		t.Fatalf("got %d mails to %s", len(got), to)
	}
	g := got[0]
	if !strings.Contains(g.Subject, "Praksis") || !strings.Contains(g.Text, "Olena") || !strings.Contains(g.Text, "https://praksis.example/l/abc") {
		t.Fatalf("unexpected mail: subject %q text %q", g.Subject, g.Text)
	}
	if !strings.Contains(g.HTML, `href="https://praksis.example/l/abc"`) || !strings.Contains(g.HTML, `lang="en"`) {
		t.Fatalf("html part: %s", g.HTML)
	}
	if g.Header.Get("X-Praksis-Outbox-Id") == "" {
		t.Fatal("no outbox id header")
	}
	if s, a := statusOf(t, st, to); s != "sent" || a != 1 {
		t.Fatalf("status %s attempts %d", s, a)
	}
}

func TestOutboxRetriesThenDelivers(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	to := enqueue(t, st, uniq("retry"), 1)[0]
	snd := newSender(t, st, srv, SenderConfig{MaxAttempts: 5, Backoff: time.Minute})
	srv.FailNext(2)
	ctx := context.Background()
	for i := 1; i <= 2; i++ {
		st1, _ := snd.Drain(ctx)
		if st1.Failed != 1 {
			t.Fatalf("drain %d: %+v", i, st1)
		}
		s, a := statusOf(t, st, to)
		if s != "failed" || a != i {
			t.Fatalf("after failure %d: %s %d", i, s, a)
		}
		// Not due yet: the backoff holds it back.
		if st2, _ := snd.Drain(ctx); st2.Sent+st2.Failed != 0 {
			t.Fatalf("drained a mail inside its backoff: %+v", st2)
		}
		var lastErr string
		_ = st.DB.QueryRow(`SELECT last_error FROM outbox WHERE recipient = $1`, to).Scan(&lastErr)
		if !strings.Contains(lastErr, "451") {
			t.Fatalf("last error %q", lastErr)
		}
		makeDue(t, st, to)
	}
	if st3, _ := snd.Drain(ctx); st3.Sent != 1 {
		t.Fatalf("third drain: %+v", st3)
	}
	if got := srv.To(to); len(got) != 1 {
		t.Fatalf("delivered %d times", len(got))
	}
}

func TestOutboxDeadAfterLimitAndRetry(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	to := enqueue(t, st, uniq("dead"), 1)[0]
	snd := newSender(t, st, srv, SenderConfig{MaxAttempts: 3})
	srv.FailNext(100)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		_, _ = snd.Drain(ctx)
		makeDue(t, st, to)
	}
	if s, a := statusOf(t, st, to); s != "dead" || a != 3 {
		t.Fatalf("status %s attempts %d", s, a)
	}
	if st1, _ := snd.Drain(ctx); st1.Sent+st1.Failed+st1.Dead != 0 {
		t.Fatal("a dead mail was tried again")
	}
	// The admin's retry puts it back; the server is healthy again.
	srv.FailNext(0)
	var id int64
	_ = st.DB.QueryRow(`SELECT id FROM outbox WHERE recipient = $1`, to).Scan(&id)
	if err := st.RetryMail(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st2, _ := snd.Drain(ctx); st2.Sent != 1 {
		t.Fatalf("after retry: %+v", st2)
	}
	if err := st.RetryMail(ctx, id); err != db.ErrNotFound {
		t.Fatalf("retrying a sent mail: %v", err)
	}
}

func TestOutboxPermanentRejectionIsDeadAtOnce(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	to := enqueue(t, st, uniq("reject"), 1)[0]
	srv.Reject(to)
	st1, _ := newSender(t, st, srv, SenderConfig{MaxAttempts: 8}).Drain(context.Background())
	if st1.Dead != 1 {
		t.Fatalf("stats %+v", st1)
	}
	if s, a := statusOf(t, st, to); s != "dead" || a != 1 {
		t.Fatalf("status %s attempts %d", s, a)
	}
}

func TestOutboxSMTPDownThenBack(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	rcpts := enqueue(t, st, uniq("down"), 5)
	srv.Stop()
	snd := newSender(t, st, srv, SenderConfig{})
	ctx := context.Background()
	if _, err := snd.Drain(ctx); err == nil {
		t.Fatal("drain with the server down reported no error")
	}
	for _, to := range rcpts {
		if s, _ := statusOf(t, st, to); s != "failed" {
			t.Fatalf("%s: %s", to, s)
		}
		makeDue(t, st, to)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if st1, err := snd.Drain(ctx); err != nil || st1.Sent != 5 {
		t.Fatalf("after restart: %+v %v", st1, err)
	}
	for _, to := range rcpts {
		if got := srv.To(to); len(got) != 1 {
			t.Fatalf("%s got %d", to, len(got))
		}
	}
}

func TestOutboxTwoSendersNoDuplicates(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	rcpts := enqueue(t, st, uniq("race"), 120)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		snd := newSender(t, openStore(t), srv, SenderConfig{Batch: 10})
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := snd.Drain(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, to := range rcpts {
		if got := srv.To(to); len(got) != 1 {
			t.Fatalf("%s delivered %d times", to, len(got))
		}
	}
}

// A sender that dies mid-batch (its context ends; its claims stay leased)
// loses nothing: once the lease expires another sender delivers the rest.
func TestOutboxRecoversAfterSenderDies(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	rcpts := enqueue(t, st, uniq("crash"), 10)
	srv.Delay(100 * time.Millisecond)
	dying := newSender(t, openStore(t), srv, SenderConfig{Batch: 10, Lease: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	_, _ = dying.Drain(ctx)
	sentBefore := len(srv.Messages())
	if sentBefore == 0 || sentBefore >= 10 {
		t.Fatalf("the dying sender sent %d of 10; the test needs it to die mid-batch", sentBefore)
	}
	srv.Delay(0)
	rescuer := newSender(t, openStore(t), srv, SenderConfig{Lease: time.Second})
	if st1, _ := rescuer.Drain(context.Background()); st1.Sent != 0 {
		t.Fatalf("rescuer took rows still under lease: %+v", st1)
	}
	time.Sleep(1100 * time.Millisecond)
	if _, err := rescuer.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, to := range rcpts {
		if got := srv.To(to); len(got) != 1 {
			t.Fatalf("%s delivered %d times", to, len(got))
		}
		if s, _ := statusOf(t, st, to); s != "sent" {
			t.Fatalf("%s: %s", to, s)
		}
	}
}

// BenchmarkOutboxDelivery measures delivery into the in-process SMTP server
// over one connection per batch (README and docs/operations.md quote it):
//
//	go test -run '^$' -bench OutboxDelivery -benchtime 2000x ./mail/
func BenchmarkOutboxDelivery(b *testing.B) {
	st, srv := openStore(b), startSMTP(b)
	enqueue(b, st, uniq("bench"), b.N)
	snd := newSender(b, st, srv, SenderConfig{Rate: 1e6, Batch: 100})
	b.ResetTimer()
	start := time.Now()
	s, err := snd.Drain(context.Background())
	if err != nil || s.Sent < b.N {
		b.Fatalf("%+v %v", s, err)
	}
	b.ReportMetric(float64(s.Sent)/time.Since(start).Seconds(), "mails/s")
}

// With TLS required (production), a server without STARTTLS gets nothing:
// the mail waits, failed, with the reason.
func TestOutboxRequiresTLS(t *testing.T) {
	st, srv := openStore(t), startSMTP(t)
	to := enqueue(t, st, uniq("tls"), 1)[0]
	m, err := NewSMTPMailer(srv.URL(), "Praksis <noreply@praksis.example>", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSender(st, m, quiet, SenderConfig{Rate: 1000}).Drain(context.Background()); err == nil {
		t.Fatal("a plain-text server was accepted with TLS required")
	}
	if got := srv.To(to); len(got) != 0 {
		t.Fatal("mail went out without TLS")
	}
	if s, _ := statusOf(t, st, to); s != "failed" {
		t.Fatalf("status %s", s)
	}
}
