package jobs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/locale"
	"praksis/mail"
)

// progressDay is the day the progress tests measure (the store's clock);
// no other test of the package writes snapshots for it.
var progressDay = time.Date(2031, 2, 3, 0, 0, 0, 0, time.UTC)

// progressFixture is a store on a clock at 01:30 Oslo time on progressDay
// and one active participant at risk (a norskmål, no results, the
// programme ends in two months, nothing planned).
func progressFixture(t *testing.T) (*db.Store, int64) {
	t.Helper()
	st := openStore(t)
	st.Clock = func() time.Time { return time.Date(2031, 2, 3, 1, 30, 0, 0, Oslo) }
	var adviser, p int64
	if err := st.DB.Get(&adviser, `INSERT INTO users (email, name, role, password_hash) VALUES ($1, 'Rådgiver', 'adviser', 'x') RETURNING id`,
		uniq("progress")+"@test.example"); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Get(&p, `INSERT INTO participants (adviser_id, first_name, last_name, birth_year, education, regime,
			programme_start, programme_end, goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
		VALUES ($1, 'Mona', 'Måling', 1990, 'primary', 'integreringsloven', '2030-04-01', '2031-04-01', 'work_or_education', 'a2', 'a2', 'a2', 'a2')
		RETURNING id`, adviser); err != nil {
		t.Fatal(err)
	}
	// Her plan has the norskmål A2 in every skill: she is measured
	// against it (participant_measure).
	if _, err := st.DB.Exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category,
			goal_listening, goal_reading, goal_writing, goal_oral)
		VALUES ($1, '2030-04-01', '2030-04-01', '2031-04-01', 'work_or_education', 'a2', 'a2', 'a2', 'a2')`, p); err != nil {
		t.Fatal(err)
	}
	return st, p
}

// dayRows is everything the job wrote for progressDay, as text.
func dayRows(t *testing.T, st *db.Store) string {
	t.Helper()
	var s string
	if err := st.DB.Get(&s, `SELECT concat_ws(' || ',
		(SELECT string_agg(p::text, ';' ORDER BY participant_id) FROM progress_snapshots p WHERE day = $1::date),
		(SELECT string_agg(k::text, ';' ORDER BY dimension, key, metric) FROM kpi_snapshots k WHERE day = $1::date))`,
		progressDay.Format("2006-01-02")); err != nil {
		t.Fatal(err)
	}
	return s
}

// The progress job runs on the schedule's path, measures the store's day,
// and a forced rerun of the slot writes the same rows again.
func TestProgressJob(t *testing.T) {
	st, p := progressFixture(t)
	ctx := context.Background()
	s, err := NewScheduler(st, quiet, nil, Progress(st))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := s.Job("progress")
	if j.Spec != "30 1 * * *" {
		t.Errorf("schedule %q, want 01:30 daily", j.Spec)
	}
	r, err := s.Run(ctx, "progress", st.Now(), false)
	if err != nil || r.Status != "ok" {
		t.Fatalf("run: %+v %v", r, err)
	}
	if r.Stats["day"] != "2031-02-03" || r.Stats["snapshots"].(int64) < 1 || r.Stats["kpis"].(int64) < 1 {
		t.Errorf("stats %v", r.Stats)
	}
	var risk bool
	var gap int
	if err := st.DB.QueryRow(`SELECT risk, gap_total FROM progress_snapshots WHERE participant_id = $1 AND day = $2::date`,
		p, "2031-02-03").Scan(&risk, &gap); err != nil {
		t.Fatalf("the participant's snapshot: %v", err)
	}
	if !risk || gap != 16 {
		t.Errorf("risk %v, gap %d; want at risk with a gap of 16 (A2 in four skills, no results)", risk, gap)
	}
	var basis, reason string
	if err := st.DB.QueryRow(`SELECT basis, risk_reason FROM progress_snapshots WHERE participant_id = $1 AND day = $2::date`,
		p, "2031-02-03").Scan(&basis, &reason); err != nil || basis != db.BasisNorskmal || reason != db.RiskNoProgress {
		t.Errorf("basis %q, reason %q (%v); want the job to measure against her norskmål, with no progress", basis, reason, err)
	}
	first := dayRows(t, st)
	if !strings.Contains(first, "(2031-02-03,all,all,risk,") {
		t.Errorf("no KPI row for the share at risk: %s", first)
	}
	// The same slot again is a no-op; forced, it replaces the day with the
	// same rows.
	if r, err := s.Run(ctx, "progress", st.Now(), false); err != nil || r.Skipped != db.JobDone {
		t.Errorf("second run of the slot: %+v %v", r, err)
	}
	if r, err := s.Run(ctx, "progress", st.Now(), true); err != nil || r.Status != "ok" {
		t.Fatalf("forced rerun: %+v %v", r, err)
	}
	if again := dayRows(t, st); again != first {
		t.Errorf("a rerun changed the day:\n%s\n%s", first, again)
	}
	// The system registers the job.
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	sys, err := NewSystem(st, quiet, tr, mail.Config{BaseURL: "http://localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := sys.Scheduler.Job("progress"); !ok {
		t.Error("NewSystem does not schedule the progress job")
	}
}

// A run that fails after the snapshots, before the KPIs, leaves the day as
// it was: nothing on a first run, the previous run's rows on a rerun.
func TestProgressJobFailsHalfWay(t *testing.T) {
	st, p := progressFixture(t)
	ctx := context.Background()
	for _, q := range []string{`DELETE FROM progress_snapshots WHERE day = '2031-02-03'`, `DELETE FROM kpi_snapshots WHERE day = '2031-02-03'`} {
		if _, err := st.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	reached, seen := false, ""
	failing := progressJob(st, func() error {
		// The snapshots are written at this point, in the run's
		// transaction: another connection does not see them.
		reached, seen = true, dayRows(t, st)
		return errors.New("injected failure")
	})
	s, err := NewScheduler(st, quiet, nil, failing)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Run(ctx, "progress", st.Now(), true)
	if err != nil || r.Status != "failed" || !reached || !strings.Contains(r.Err.Error(), "injected failure") {
		t.Fatalf("failing run: %+v %v (hook reached %v)", r, err, reached)
	}
	if got := dayRows(t, st); got != "" || seen != "" {
		t.Errorf("a failed first run left rows for the day: %q (seen while it ran: %q)", got, seen)
	}
	var status string
	if err := st.DB.Get(&status, `SELECT status FROM job_runs WHERE id = $1`, r.RunID); err != nil || status != "failed" {
		t.Errorf("job run recorded as %q (%v), want failed", status, err)
	}

	// A good run, then a change and a failing rerun: the good run's rows stay.
	good, err := NewScheduler(st, quiet, nil, Progress(st))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := good.Run(ctx, "progress", st.Now(), true); err != nil || r.Status != "ok" {
		t.Fatalf("good run: %+v %v", r, err)
	}
	before := dayRows(t, st)
	if _, err := st.DB.Exec(`INSERT INTO language_results (participant_id, skill, level, taken_on, source)
		VALUES ($1, 'oral', 'a2', '2031-02-01', 'teacher')`, p); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Run(ctx, "progress", st.Now(), true); err != nil || r.Status != "failed" {
		t.Fatalf("failing rerun: %+v %v", r, err)
	}
	if after := dayRows(t, st); after != before || seen != before {
		t.Errorf("a failed rerun changed the day:\n%s\n%s\n(seen while it ran: %s)", before, after, seen)
	}
}
