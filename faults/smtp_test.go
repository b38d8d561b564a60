package faults

import (
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"testing"
	"time"

	"praksis/mail/smtptest"
)

// outboxIDs lists the outbox rows by id.
func outboxIDs(t *testing.T, conn *sql.DB, where string) []int64 {
	t.Helper()
	rows, err := conn.Query(`SELECT id FROM outbox WHERE ` + where + ` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// deliveries counts the messages the SMTP server took per outbox id.
func deliveries(t *testing.T, srv *smtptest.Server) map[int64]int {
	t.Helper()
	out := map[int64]int{}
	for _, m := range srv.Messages() {
		id, err := strconv.ParseInt(m.Header.Get("X-Praksis-Outbox-Id"), 10, 64)
		if err != nil {
			t.Errorf("a message without its outbox id: %q", m.Subject)
			continue
		}
		out[id]++
	}
	return out
}

// The mail server is down while invitations are sent: the mail waits in
// the outbox as failed attempts; when the server is back (and the backoff
// has passed), two senders at once — the serving replica, woken by a new
// commit, and `praksis run-job outbox` — deliver every mail exactly once.
func TestSMTPDownThenBack(t *testing.T) {
	t.Parallel()
	dbURL, conn := shared.newDatabase(t)
	mail, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mail.Stop)
	// Down before anything is sent: serving first (so Stop cannot race
	// the server's start), then refusing connections.
	dial := func() bool {
		c, err := net.DialTimeout("tcp", mail.Addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}
	if !waitUntil(5*time.Second, dial) {
		t.Fatal("the SMTP server did not start")
	}
	time.Sleep(100 * time.Millisecond)
	mail.Stop()
	if !waitUntil(5*time.Second, func() bool { return !dial() }) {
		t.Fatal("the SMTP server did not stop")
	}
	env := map[string]string{"SMTP_URL": mail.URL(), "MAIL_MAX_ATTEMPTS": "20"}
	srv := startServer(t, dbURL, env)
	admin := newBrowser(t)
	admin.signIn(srv.base, "admin@example.org")
	invite := func(i int) {
		r := admin.post(srv.base+"/admin/users/invite", url.Values{"name": {fmt.Sprintf("Inga %d", i)},
			"email": {fmt.Sprintf("smtp-down-%d@test.example", i)}, "role": {"adviser"}, "locale": {"nb"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("invite %d: %d %v", i, r.status, r.err)
		}
	}
	const n = 12
	for i := 0; i < n; i++ {
		invite(i)
	}
	// Each commit woke the sender; each attempt failed against the closed port.
	if !waitUntil(15*time.Second, func() bool {
		return queryInt(t, conn, `SELECT count(*) FROM outbox WHERE status = 'failed' AND attempts >= 1`) == n
	}) {
		t.Fatalf("mail not recorded as failed: %d of %d (%d in the outbox, %d pending)\n%s", queryInt(t, conn, `SELECT count(*) FROM outbox WHERE status = 'failed'`), n,
			queryInt(t, conn, `SELECT count(*) FROM outbox`), queryInt(t, conn, `SELECT count(*) FROM outbox WHERE status = 'pending'`), srv.log)
	}
	if got := len(mail.Messages()); got != 0 {
		t.Fatalf("%d messages delivered while the server was down", got)
	}
	if queryInt(t, conn, `SELECT count(*) FROM outbox WHERE last_error IS NULL OR last_error = ''`) != 0 {
		t.Error("a failed mail without its error")
	}

	if err := mail.Restart(); err != nil {
		t.Fatal(err)
	}
	// Time is faked: the backoff (30 s and more) has passed.
	if _, err := conn.Exec(`UPDATE outbox SET next_attempt_at = now() WHERE status = 'failed'`); err != nil {
		t.Fatal(err)
	}
	runJob := make(chan string, 1)
	go func() {
		out, err := runPraksis(t, map[string]string{"DATABASE_URL": dbURL, "SMTP_URL": mail.URL(), "MAIL_RATE": "1000"}, "run-job", "outbox", "--force")
		if err != nil {
			out += " " + err.Error()
		}
		runJob <- out
	}()
	invite(n) // wakes the replica's sender too
	t.Logf("run-job outbox: %s", <-runJob)
	if !waitUntil(20*time.Second, func() bool {
		return queryInt(t, conn, `SELECT count(*) FROM outbox WHERE status = 'sent'`) == n+1
	}) {
		t.Fatalf("sent %d of %d", queryInt(t, conn, `SELECT count(*) FROM outbox WHERE status = 'sent'`), n+1)
	}
	time.Sleep(300 * time.Millisecond) // anything still in flight arrives
	got := deliveries(t, mail)
	ids := outboxIDs(t, conn, "true")
	if len(ids) != n+1 {
		t.Fatalf("%d mails in the outbox, want %d", len(ids), n+1)
	}
	var wrong []string
	for _, id := range ids {
		if got[id] != 1 {
			wrong = append(wrong, fmt.Sprintf("%d×%d", id, got[id]))
		}
	}
	sort.Strings(wrong)
	if len(wrong) > 0 || len(mail.Messages()) != n+1 {
		t.Errorf("not exactly once: %v (%d messages for %d mails)", wrong, len(mail.Messages()), n+1)
	}
}
