package faults

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praksis/locale"
)

// participantForm is a valid registration (the adviser's form): asylum
// since 2023 is integreringsloven, and with upper secondary education
// § 13's main rule of 6 months (issue 14: the regime follows the legal
// basis; the programme's length the rule in force).
func participantForm(first string) url.Values {
	now := time.Now()
	return url.Values{
		"first_name": {first}, "last_name": {"Feiltest"}, "birth_year": {"1990"}, "languages": {"uk"},
		"education": {"upper_secondary"}, "legal_basis": {"asylum"}, "permit_date": {"2023-03-01"}, "sex": {"not_given"},
		"programme_start": {now.AddDate(0, -2, 0).Format("2006-01-02")}, "programme_end": {now.AddDate(0, 4, 0).Format("2006-01-02")},
		"status": {"active"}, "goal_category": {"work_or_education"}, "goal_sector": {""},
		"goal_listening": {""}, "goal_reading": {""}, "goal_writing": {""}, "goal_oral": {""},
		"municipality": {"Trondheim"}, "address": {"Kongens gate 2"}, "nav_contact": {""},
	}
}

var profileRe = regexp.MustCompile(`^/participants/(\d+)$`)

// PostgreSQL stopped (a crash: pg_ctl -m immediate) while clients read
// pages and register participants: every request is answered quickly
// with the catalogue's 503 page and /readyz says 503; started again, the
// same process serves within seconds; and every registration either
// exists whole (with its audit row) or not at all.
func TestPostgresRestartUnderLoad(t *testing.T) {
	t.Parallel()
	dbURL, conn := restart.newDatabase(t)
	srv := startServer(t, dbURL, nil)
	nb, err := locale.Catalogue("nb")
	if err != nil {
		t.Fatal(err)
	}

	adviser := newBrowser(t)
	adviser.signIn(srv.base, "radgiver@example.org")

	type sample struct {
		at     time.Time
		path   string
		status int
		took   time.Duration
		body   string
		err    error
	}
	var (
		mu      sync.Mutex
		samples []sample
		created []string // locations of 303s
		stop    atomic.Bool
		wg      sync.WaitGroup
		seq     atomic.Int64
	)
	keep := func(s sample) {
		mu.Lock()
		samples = append(samples, s)
		mu.Unlock()
	}
	for i := 0; i < 3; i++ { // readers
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			paths := []string{"/participants", "/", "/placements"}
			for n := 0; !stop.Load(); n++ {
				p := paths[(i+n)%len(paths)]
				start := time.Now()
				r := adviser.get(srv.base + p)
				keep(sample{start, "GET " + p, r.status, r.took, r.body, r.err})
				time.Sleep(20 * time.Millisecond)
			}
		}(i)
	}
	wg.Add(1)
	writer := adviser.tab()
	go func() { // a writer registering participants
		defer wg.Done()
		for !stop.Load() {
			start := time.Now()
			r := writer.post(srv.base+"/participants", participantForm(fmt.Sprintf("Feil%03d", seq.Add(1))))
			keep(sample{start, "POST /participants", r.status, r.took, r.body, r.err})
			if r.status == http.StatusSeeOther {
				mu.Lock()
				created = append(created, r.header.Get("Location"))
				mu.Unlock()
			}
			time.Sleep(30 * time.Millisecond)
		}
	}()

	time.Sleep(time.Second)
	stoppedAt := time.Now()
	if err := restart.stop("immediate"); err != nil {
		t.Fatal(err)
	}
	downFor := 3 * time.Second
	time.Sleep(downFor / 2)
	ready := newBrowser(t).get(srv.base + "/readyz")
	if ready.status != http.StatusServiceUnavailable {
		t.Errorf("/readyz while the database is down: %d %v", ready.status, ready.err)
	}
	time.Sleep(downFor / 2)
	startedAt := time.Now()
	if err := restart.start(); err != nil {
		t.Fatal(err)
	}
	// Serving again: /readyz 200 and the adviser's page 200, without a restart.
	back := waitUntil(15*time.Second, func() bool {
		return newBrowser(t).get(srv.base+"/readyz").status == http.StatusOK &&
			adviser.get(srv.base+"/participants").status == http.StatusOK
	})
	recovered := time.Since(startedAt)
	if !back {
		t.Fatalf("not serving 15 s after PostgreSQL came back:\n%s", srv.log)
	}
	t.Logf("PostgreSQL down %s; serving again %s after it was back (pg_ctl start returned)", startedAt.Sub(stoppedAt).Round(time.Millisecond), recovered.Round(time.Millisecond))
	if recovered > 10*time.Second {
		t.Errorf("took %s to serve again, want a few seconds", recovered)
	}
	time.Sleep(time.Second) // load on the recovered server
	stop.Store(true)
	wg.Wait()

	// Every answer is a page, a redirect or the 503 page; never another
	// 5xx, never a hanging request. While the database was down (from a
	// moment after the stop to its start), every answer needing it was 503.
	unavailable := html.EscapeString(nb["error.unavailable"])
	heading := html.EscapeString(nb["error.heading_503"])
	var down, ok503, before, after int
	var slowest503 time.Duration
	for _, s := range samples {
		if s.err != nil {
			t.Errorf("%s at %s: %v", s.path, s.at.Format("15:04:05.000"), s.err)
			continue
		}
		switch s.status {
		case http.StatusOK, http.StatusSeeOther:
		case http.StatusServiceUnavailable:
			ok503++
			slowest503 = max(slowest503, s.took)
			if !strings.Contains(s.body, unavailable) || !strings.Contains(s.body, heading) {
				t.Errorf("%s: a 503 without the catalogue's page: %.300s", s.path, s.body)
			}
			for _, leak := range []string{"pq:", "dial tcp", "goroutine", "connection refused", "database system", ".go:"} {
				if strings.Contains(s.body, leak) {
					t.Errorf("%s: the 503 page shows %q", s.path, leak)
				}
			}
		default:
			t.Errorf("%s at %s: status %d: %.300s", s.path, s.at.Format("15:04:05.000"), s.status, s.body)
		}
		if s.took > 5*time.Second {
			t.Errorf("%s took %s: not failing fast", s.path, s.took)
		}
		switch {
		case s.at.After(stoppedAt.Add(500*time.Millisecond)) && s.at.Add(s.took).Before(startedAt):
			down++
			if s.path != "GET /" && s.status != http.StatusServiceUnavailable {
				t.Errorf("%s while the database was down: %d", s.path, s.status)
			}
		case s.at.Before(stoppedAt):
			before++
		case s.at.After(startedAt.Add(recovered)):
			after++
		}
	}
	t.Logf("%d requests: %d before the stop, %d while down (%d answered 503, the slowest in %s), %d after recovery",
		len(samples), before, down, ok503, slowest503.Round(time.Millisecond), after)
	if down < 10 || before < 10 || after < 5 {
		t.Errorf("too little load to judge: %d before, %d down, %d after", before, down, after)
	}

	// No half-written registration: each participant the writer made has
	// its audit row, and each 303 it got names one that exists.
	n := queryInt(t, conn, `SELECT count(*) FROM participants WHERE last_name = 'Feiltest'`)
	orphans := queryInt(t, conn, `SELECT count(*) FROM participants p WHERE last_name = 'Feiltest'
		AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.entity = 'participant' AND a.entity_id = p.id AND a.action = 'participant.create')`)
	if orphans != 0 {
		t.Errorf("%d of %d registrations without their audit row", orphans, n)
	}
	for _, loc := range created {
		m := profileRe.FindStringSubmatch(loc)
		if m == nil {
			t.Errorf("registration redirected to %q", loc)
			continue
		}
		if queryInt(t, conn, `SELECT count(*) FROM participants WHERE id = $1 AND last_name = 'Feiltest'`, m[1]) != 1 {
			t.Errorf("registration %s answered 303 but does not exist", m[1])
		}
	}
	if len(created) == 0 || n < len(created) {
		t.Errorf("%d registrations answered 303, %d exist", len(created), n)
	}
	for _, l := range srv.log.lines(t) {
		if strings.Contains(fmt.Sprint(l["msg"]), "panic") || (l["level"] == "ERROR" && l["status"] != float64(503)) {
			t.Errorf("log: %v", l)
		}
	}
}
