package faults

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"praksis/mail/smtptest"
)

// A `praksis run-job status` killed (SIGKILL) in the middle of its work —
// held up by a lock the test takes on agreements, after it claimed its
// slot — leaves nothing: the slot is not taken, no audit row was written.
// The rerun does the whole work once, and a third run is a no-op.
func TestKilledMidJob(t *testing.T) {
	t.Parallel()
	dbURL, conn := shared.newDatabase(t)
	ctx := context.Background()
	slot := "2026-03-02T00:05:00+01:00"
	env := map[string]string{"DATABASE_URL": dbURL}

	lock, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(`LOCK TABLE agreements IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "run-job", "status", "--at", slot)
	cmd.Env = baseEnv(env)
	var out logSink
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The job waits on the lock inside its run's transaction.
	if !waitUntil(15*time.Second, func() bool {
		return queryInt(t, conn, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%agreements%'`) == 1
	}) {
		_ = cmd.Process.Kill()
		t.Fatalf("the job never reached the agreements: %s", out.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}

	// The killed run's backend notices its client is gone and rolls back;
	// until it has, the job's advisory lock makes a rerun "busy".
	var rerun string
	if !waitUntil(15*time.Second, func() bool {
		rerun, _ = runPraksis(t, env, "run-job", "status", "--at", slot)
		return strings.Contains(rerun, ": ok in")
	}) {
		t.Fatalf("rerun after the kill: %s", rerun)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM job_runs WHERE job = 'status' AND NOT forced`); n != 1 {
		t.Errorf("%d status runs recorded, want 1", n)
	}
	if n := queryInt(t, conn, `SELECT count(*) FROM job_runs WHERE job = 'status' AND status = 'ok' AND finished_at IS NOT NULL`); n != 1 {
		t.Errorf("the rerun is not recorded as ok")
	}
	changes := queryInt(t, conn, `SELECT count(*) FROM audit_log WHERE action LIKE 'agreement.status_%'`)
	if changes == 0 {
		t.Error("the rerun recorded no status change (the demo agreements have statuses to see)")
	}
	if dup := queryInt(t, conn, `SELECT count(*) FROM (SELECT entity_id, action FROM audit_log
		WHERE action LIKE 'agreement.status_%' OR action = 'agreement.access_ended' GROUP BY 1, 2 HAVING count(*) > 1) d`); dup != 0 {
		t.Errorf("%d status changes recorded twice", dup)
	}
	again, err := runPraksis(t, env, "run-job", "status", "--at", slot)
	if err != nil || !strings.Contains(again, "already ran") {
		t.Errorf("third run: %s %v", again, err)
	}
	if queryInt(t, conn, `SELECT count(*) FROM audit_log WHERE action LIKE 'agreement.status_%'`) != changes {
		t.Error("the third run changed something")
	}
}

// A sender killed (SIGKILL) in the middle of a batch, while the mail
// server is taking a message: after its lease has run out (time faked), a
// rerun delivers the rest. Every mail arrives; at most the one in flight
// arrives twice.
func TestKilledMidOutboxBatch(t *testing.T) {
	t.Parallel()
	dbURL, conn := shared.newDatabase(t)
	mail, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mail.Stop)
	const n = 20
	for i := 0; i < n; i++ {
		_, err := conn.Exec(`INSERT INTO outbox (dedupe_key, recipient, template, locale, subject, body_text, body_html)
			VALUES ($1, $2, 'reset', 'nb', 'Test', 'Hei', '<p>Hei</p>')`, fmt.Sprintf("kill:%d", i), fmt.Sprintf("kill-%d@test.example", i))
		if err != nil {
			t.Fatal(err)
		}
	}
	mail.Delay(150 * time.Millisecond) // each message takes a while to be accepted
	env := map[string]string{"DATABASE_URL": dbURL, "SMTP_URL": mail.URL(), "MAIL_RATE": "1000"}
	cmd := exec.Command(binary, "run-job", "outbox", "--force")
	cmd.Env = baseEnv(env)
	var out logSink
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitUntil(15*time.Second, func() bool { return len(mail.Messages()) >= 5 }) {
		_ = cmd.Process.Kill()
		t.Fatalf("the sender did not get going: %s", out.String())
	}
	time.Sleep(50 * time.Millisecond) // mid-way through the next message
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	time.Sleep(300 * time.Millisecond) // the message in flight lands at the server
	before := len(mail.Messages())
	sent := queryInt(t, conn, `SELECT count(*) FROM outbox WHERE status = 'sent'`)
	t.Logf("killed after %d messages arrived, %d marked sent", before, sent)
	if before >= n {
		t.Fatalf("the batch finished before the kill (%d messages)", before)
	}

	// The dead sender's lease runs out (time faked), and a rerun delivers.
	if _, err := conn.Exec(`UPDATE outbox SET lease_until = now() - interval '1 second' WHERE status <> 'sent'`); err != nil {
		t.Fatal(err)
	}
	mail.Delay(0)
	if res, err := runPraksis(t, env, "run-job", "outbox", "--force"); err != nil {
		t.Fatalf("rerun: %v %s", err, res)
	}
	if got := queryInt(t, conn, `SELECT count(*) FROM outbox WHERE status = 'sent'`); got != n {
		t.Fatalf("%d of %d sent after the rerun", got, n)
	}
	got := deliveries(t, mail)
	extra := 0
	for _, id := range outboxIDs(t, conn, "true") {
		switch c := got[id]; {
		case c == 0:
			t.Errorf("mail %d lost", id)
		case c > 1:
			extra += c - 1
		}
	}
	if extra > 1 {
		t.Errorf("%d duplicate deliveries, at most the one in flight allowed", extra)
	}
	t.Logf("%d messages for %d mails (%d duplicate)", len(mail.Messages()), n, extra)
}
