package faults

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Two `praksis serve` processes on one database, both with cron on, as
// behind a load balancer: a session made on one works on the other (its
// CSRF token too), the login throttle counts failures on both, every
// scheduled slot runs exactly once between them, and two run-job
// commands racing for one slot run it once.
func TestTwoReplicas(t *testing.T) {
	t.Parallel()
	dbURL, conn := shared.newDatabase(t)
	cron := map[string]string{"CRON_ENABLED": "true"}
	a := startServer(t, dbURL, cron)
	b := startServer(t, dbURL, cron)
	started := time.Now()

	// Sign in on A, read and post on B, sign out on B: A no longer knows
	// the session.
	br := newBrowser(t)
	br.signIn(a.base, "radgiver@example.org")
	if r := br.get(b.base + "/participants"); r.status != http.StatusOK || !strings.Contains(r.body, "Rune") {
		t.Fatalf("A's session on B: %d", r.status)
	}
	if r := br.post(b.base+"/logout", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("sign out on B with A's session: %d", r.status)
	}
	if r := br.get(a.base + "/participants"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("A after signing out on B: %d %s", r.status, r.header.Get("Location"))
	}

	// Five wrong passwords spread over both replicas throttle the account
	// on both: the right password is refused with 429 on either.
	guesser := newBrowser(t)
	for i := 0; i < 5; i++ {
		base := []string{a.base, b.base}[i%2]
		guesser.get(base + "/login")
		if r := guesser.post(base+"/login", url.Values{"email": {"nav@example.org"}, "password": {fmt.Sprintf("wrong-%d", i)}}); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i, r.status)
		}
	}
	for _, base := range []string{a.base, b.base} {
		person := newBrowser(t)
		person.get(base + "/login")
		if r := person.post(base+"/login", url.Values{"email": {"nav@example.org"}, "password": {"praksis-demo"}}); r.status != http.StatusTooManyRequests {
			t.Errorf("throttled account on %s: %d", base, r.status)
		}
	}

	// Two run-job commands race for one slot of the retention job.
	env := map[string]string{"DATABASE_URL": dbURL}
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], _ = runPraksis(t, env, "run-job", "retention", "--at", "2026-03-01T03:30:00+01:00")
		}()
	}
	wg.Wait()
	ran := 0
	for _, o := range outs {
		if strings.Contains(o, ": ok in") {
			ran++
		} else if !strings.Contains(o, "already ran") && !strings.Contains(o, "running elsewhere") {
			t.Errorf("run-job: %s", o)
		}
	}
	if ran != 1 || queryInt(t, conn, `SELECT count(*) FROM job_runs WHERE job = 'retention'`) != 1 {
		t.Errorf("two racing run-jobs ran %d times: %q", ran, outs)
	}

	// The every-minute outbox job: wait for a minute boundary after both
	// started, then each slot has one run, logged by one replica.
	boundary := started.Truncate(time.Minute).Add(time.Minute)
	time.Sleep(time.Until(boundary) + 6*time.Second)
	slots := queryInt(t, conn, `SELECT count(DISTINCT slot) FROM job_runs WHERE job = 'outbox' AND NOT forced AND slot >= $1`, boundary)
	runs := queryInt(t, conn, `SELECT count(*) FROM job_runs WHERE job = 'outbox' AND NOT forced AND slot >= $1`, boundary)
	if slots < 1 || runs != slots {
		t.Errorf("outbox job after %s: %d runs for %d slots", boundary.Format("15:04:05"), runs, slots)
	}
	if bad := queryInt(t, conn, `SELECT count(*) FROM job_runs WHERE status <> 'ok'`); bad != 0 {
		t.Errorf("%d job runs not ok", bad)
	}
	logged := map[string]int{}
	for _, s := range []*server{a, b} {
		for _, l := range s.log.lines(t) {
			if l["msg"] == "job run" && l["job"] == "outbox" {
				logged[fmt.Sprint(l["slot"])]++
			}
			if l["level"] == "ERROR" {
				t.Errorf("error logged: %v", l)
			}
		}
	}
	for slot, n := range logged {
		if n != 1 {
			t.Errorf("slot %s run by %d replicas", slot, n)
		}
	}
	if len(logged) < slots {
		t.Errorf("%d outbox slots logged, %d recorded", len(logged), slots)
	}
}
