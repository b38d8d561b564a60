package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
)

// testDB is a fresh migrated database for one test, and its store.
func testDB(t *testing.T) (string, *db.Store) {
	t.Helper()
	return dbtest.OpenURL(t)
}

func runCmd(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, args, getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

var otpLine = regexp.MustCompile(`one-time password: (\S+)`)

func TestCreateUser(t *testing.T) {
	u, st := testDB(t)
	ctx := context.Background()
	e := env("DATABASE_URL", u)

	// Nothing on stdin: a one-time password is made, printed once, and must
	// be changed at first sign-in.
	out, err := runCmd(t, e, "", "create-user", "--email", "radgiver@kommune.example", "--role", "adviser", "--name", "Rita Rådgiver")
	if err != nil {
		t.Fatal(err)
	}
	m := otpLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no one-time password in %q", out)
	}
	user, err := st.UserByEmail(ctx, "radgiver@kommune.example")
	if err != nil {
		t.Fatal(err)
	}
	if user.Role != db.RoleAdviser || user.Name != "Rita Rådgiver" || !user.MustChangePassword || user.Locale != "nb" {
		t.Errorf("created %+v", user)
	}
	if ok, _ := db.CheckPassword(user.PasswordHash, m[1]); !ok {
		t.Error("the printed password does not match the stored hash")
	}

	// A password on stdin (first line) is used as given.
	out, err = runCmd(t, e, "a-piped-password-1\nsecond line ignored\n", "create-user", "--email", "nav@kommune.example", "--role", "nav", "--locale", "en")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "one-time password") || strings.Contains(out, "a-piped-password-1") {
		t.Errorf("output %q", out)
	}
	user, err = st.UserByEmail(ctx, "nav@kommune.example")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.CheckPassword(user.PasswordHash, "a-piped-password-1"); !ok || user.MustChangePassword || user.Name != "nav" || user.Locale != "en" {
		t.Errorf("piped password: %+v", user)
	}
	// Windows line endings are not part of the password.
	if _, err := runCmd(t, e, "crlf-password-12\r\n", "create-user", "--email", "admin2@kommune.example", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	user, _ = st.UserByEmail(ctx, "admin2@kommune.example")
	if ok, _ := db.CheckPassword(user.PasswordHash, "crlf-password-12"); !ok {
		t.Error("CRLF password not trimmed")
	}

	// An employer of an existing organisation.
	orgNr := "974760673"
	if _, _, _, err := st.CreateOrganisationWithUser(ctx, db.Signup{OrgName: "Org", OrgNumber: orgNr, Kind: db.KindPublic, Sector: "public",
		Municipality: "Oslo", Name: "First", Email: "first@org.example", PasswordHash: "x", Locale: "nb"}); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, e, "", "create-user", "--email", "second@org.example", "--role", "employer", "--org", "974 760 673"); err != nil {
		t.Fatalf("employer: %v", err)
	}
	emp, err := st.UserByEmail(ctx, "second@org.example")
	if err != nil || emp.OrganisationID == nil {
		t.Fatalf("employer: %+v %v", emp, err)
	}

	users := countUsers(t, st)
	for _, bad := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"bad role", "", []string{"--email", "x@kommune.example", "--role", "superuser"}, "--role"},
		{"employer without --org", "", []string{"--email", "y@kommune.example", "--role", "employer"}, "--org"},
		{"--org for an adviser", "", []string{"--email", "y@kommune.example", "--role", "adviser", "--org", orgNr}, "--org"},
		{"unknown organisation", "", []string{"--email", "y@kommune.example", "--role", "employer", "--org", "923609016"}, "no organisation"},
		{"duplicate e-mail", "", []string{"--email", "RADGIVER@kommune.example", "--role", "adviser"}, "already exists"},
		{"bad e-mail", "", []string{"--email", "not-an-address", "--role", "adviser"}, "--email"},
		{"bad locale", "", []string{"--email", "z@kommune.example", "--role", "adviser", "--locale", "sv"}, "--locale"},
		{"short piped password", "short\n", []string{"--email", "z@kommune.example", "--role", "adviser"}, "password"},
		{"password is the e-mail", "z@kommune.example\n", []string{"--email", "z@kommune.example", "--role", "adviser"}, "password"},
		{"unknown flag", "", []string{"--email", "z@kommune.example", "--role", "adviser", "--admin"}, "flag"},
	} {
		_, err := runCmd(t, e, bad.stdin, append([]string{"create-user"}, bad.args...)...)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want an error about %s", bad.name, err, bad.want)
		}
	}
	if n := countUsers(t, st); n != users {
		t.Errorf("refused commands made %d accounts", n-users)
	}
}

func countUsers(t *testing.T, st *db.Store) int {
	t.Helper()
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM users`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSeedDemo(t *testing.T) {
	u, st := testDB(t)
	ctx := context.Background()
	prod := env("DATABASE_URL", u, "APP_ENV", "production", "BASE_URL", "https://praksis.kommune.no", "SECRET_KEY", goodSecret)
	if _, err := runCmd(t, prod, "", "seed", "--demo"); err == nil || !strings.Contains(err.Error(), "development only") {
		t.Errorf("seed --demo in production: %v", err)
	}
	if has, _ := st.HasDemoData(ctx); has {
		t.Fatal("production seeded demo data")
	}
	if _, err := runCmd(t, env("DATABASE_URL", u), "", "seed"); err == nil {
		t.Error("seed without --demo accepted")
	}
	for i := 0; i < 2; i++ {
		if _, err := runCmd(t, env("DATABASE_URL", u), "", "seed", "--demo"); err != nil {
			t.Fatalf("seed --demo run %d: %v", i+1, err)
		}
	}
	if has, _ := st.HasDemoData(ctx); !has {
		t.Error("no demo data after seed --demo")
	}
	if n := countUsers(t, st); n != len(db.DemoAccounts) {
		t.Errorf("%d users after seeding twice", n)
	}
	// The demo has an agreement in every status, once (seeding twice adds
	// none), and the running one has attendance to look at.
	var statuses []string
	if err := st.DB.SelectContext(ctx, &statuses, `SELECT DISTINCT agreement_status(ag, current_date) FROM agreements ag ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"awaiting_approval", "cancelled", "draft", "ended", "ready", "running"}; strings.Join(statuses, ",") != strings.Join(want, ",") {
		t.Errorf("demo agreement statuses %v, want %v", statuses, want)
	}
	var agreements, logged int
	if err := st.DB.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM agreements), (SELECT count(*) FROM attendance a
		JOIN agreements ag ON ag.id = a.agreement_id WHERE agreement_status(ag, current_date) = 'running')`).Scan(&agreements, &logged); err != nil {
		t.Fatal(err)
	}
	// Eight on the arbeidspraksis, one arbeidstrening awaiting NAV (issue 14).
	if agreements != 9 || logged == 0 {
		t.Errorf("after seeding twice: %d agreements (want 9), %d attendance days of the running one", agreements, logged)
	}
	var kap6a, total, awaitingNAV int
	if err := st.DB.QueryRowContext(ctx, `SELECT (SELECT count(*) FILTER (WHERE regime = 'kap6a') FROM participants),
		(SELECT count(*) FROM participants), (SELECT count(*) FROM agreements ag WHERE ag.nav_required AND ag.nav_decision IS NULL
			AND agreement_status(ag, current_date) = 'awaiting_approval')`).Scan(&kap6a, &total, &awaitingNAV); err != nil {
		t.Fatal(err)
	}
	if kap6a*2 <= total || awaitingNAV != 1 {
		t.Errorf("demo mix: %d of %d under kap. 6A (want most), %d awaiting NAV (want 1)", kap6a, total, awaitingNAV)
	}
}

// seed --demo ends with today's progress run, through the exactly-once
// path: /admin/kpi has figures at once, and seeding again the same day
// runs nothing more (issue 20).
func TestSeedDemoMeasuresFigures(t *testing.T) {
	u, st := testDB(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := runCmd(t, env("DATABASE_URL", u, "LOG_LEVEL", "error"), "", "seed", "--demo"); err != nil {
			t.Fatalf("seed --demo run %d: %v", i+1, err)
		}
	}
	if day, err := st.LatestKPIDay(ctx); err != nil || day == nil {
		t.Fatalf("no KPI day after seed --demo (%v)", err)
	}
	var runs int
	if err := st.DB.GetContext(ctx, &runs, `SELECT count(*) FROM job_runs WHERE job = 'progress' AND status = 'ok'`); err != nil {
		t.Fatal(err)
	}
	if runs != 1 {
		t.Errorf("%d progress runs after seeding twice, want 1", runs)
	}
}

// serve measures the first figures in the background when none exist, in
// a replica that schedules jobs; a second start finds them and runs
// nothing (issue 20).
func TestServeMeasuresFirstFigures(t *testing.T) {
	u, st := testDB(t)
	ctx := context.Background()
	if err := seed.DemoAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	serveOnce := func(wait func() bool) {
		t.Helper()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		e := env("DATABASE_URL", u, "LISTEN_ADDR", addr, "CRON_ENABLED", "true", "LOG_LEVEL", "error")
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		var out, errOut bytes.Buffer
		go func() {
			done <- run(sctx, []string{"serve"}, e, strings.NewReader(""), &out, &errOut)
		}()
		ok := false
		for i := 0; i < 200 && !ok; i++ {
			time.Sleep(100 * time.Millisecond)
			ok = wait()
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		if !ok {
			t.Fatalf("serve: the condition never held; its log:\n%s%s", out.String(), errOut.String())
		}
	}
	progressRuns := func() int {
		var n int
		if err := st.DB.GetContext(ctx, &n, `SELECT count(*) FROM job_runs WHERE job = 'progress'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	serveOnce(func() bool {
		day, err := st.LatestKPIDay(ctx)
		return err == nil && day != nil
	})
	if n := progressRuns(); n != 1 {
		t.Errorf("%d progress runs after the first start, want 1", n)
	}
	// The second start: up and listening, then stopped; nothing ran.
	started := time.Now()
	serveOnce(func() bool { return time.Since(started) > 2*time.Second })
	if n := progressRuns(); n != 1 {
		t.Errorf("%d progress runs after the second start, want 1", n)
	}
}

// serve in production refuses a database with demo accounts, before it
// listens.
func TestServeRefusesDemoDataInProduction(t *testing.T) {
	u, st := testDB(t)
	if err := seed.Demo(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := env("DATABASE_URL", u, "APP_ENV", "production", "BASE_URL", "https://praksis.kommune.no",
		"SECRET_KEY", goodSecret, "LISTEN_ADDR", addr, "CRON_ENABLED", "false")
	done := make(chan error, 1)
	go func() {
		_, err := runCmd(t, e, "", "serve")
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "demo") {
			t.Errorf("serve with demo data in production: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not refuse: it is serving")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("something listens on LISTEN_ADDR")
	}
}

// serve in development starts, answers, and stops when its context ends.
func TestServeStartsAndStops(t *testing.T) {
	u, _ := testDB(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	e := env("DATABASE_URL", u, "LISTEN_ADDR", addr, "CRON_ENABLED", "false", "LOG_LEVEL", "error")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		var out, errOut bytes.Buffer
		done <- run(ctx, []string{"serve"}, e, strings.NewReader(""), &out, &errOut)
	}()
	var up bool
	for i := 0; i < 100 && !up; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			up = true
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !up {
		cancel()
		t.Fatalf("serve did not listen on %s: %v", addr, <-done)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after shutdown: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestUnknownCommand(t *testing.T) {
	if _, err := runCmd(t, env(), "", "frobnicate"); err == nil || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
	out, err := runCmd(t, env(), "", "help")
	if err != nil || !strings.Contains(out, "create-user") {
		t.Errorf("help: %q %v", out, err)
	}
	// A bad configuration stops every command before it touches anything.
	if _, err := runCmd(t, env("APP_ENV", "production"), "", "migrate"); err == nil || !strings.Contains(err.Error(), "configuration") {
		t.Errorf("migrate with a bad configuration: %v", err)
	}
}
