package db_test

import (
	"context"
	"fmt"
	"math"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// The measurement tests measure one fixed day: Wednesday 12 June 2030.
// The pace window is then 12 December 2029 – 12 June 2030 (182 days), the
// risk horizon 12 December 2030, and the attendance window 16 May – 12
// June 2030.
var measureDay = attDay("2030-06-12")

// measureFx is a small municipality with every kind of participant the
// formulas distinguish, each expectation computed by hand in the comments.
type measureFx struct {
	t                     *testing.T
	st                    *db.Store
	org, employer         int64
	adviserA, adviserB    int64
	improving, stuck      int64 // adviser A
	regressing, slow, old int64 // adviser A
	noResults, reached    int64 // adviser B
	recent                int64 // adviser B
}

// addParticipant inserts a participant and their integration plan with
// the same norskmål in every skill (the fixture's dates lie past the
// seeded rules, so the plan row is written as it is, without a rule).
func (f *measureFx) addParticipant(adviser int64, name, regime, start, end, status string, goal db.Level) int64 {
	f.t.Helper()
	var id int64
	err := f.st.DB.Get(&id, `INSERT INTO participants (adviser_id, first_name, last_name, birth_year, education, regime,
			programme_start, programme_end, goal_category, goal_listening, goal_reading, goal_writing, goal_oral, status)
		VALUES ($1, $2, 'Måling', 1990, 'primary', $3, $4, $5, 'work_or_education', $6, $6, $6, $6, $7) RETURNING id`,
		adviser, name, regime, start, end, string(goal), status)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.DB.Exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category,
			goal_listening, goal_reading, goal_writing, goal_oral, confirmed_at)
		VALUES ($1, $2, $2, $3, 'work_or_education', $4, $4, $4, $4, now())`, id, start, end, string(goal)); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// results records the level in each of the skills (all four when none
// are named) on a day.
func (f *measureFx) results(p int64, on string, level db.Level, skills ...string) {
	f.t.Helper()
	if len(skills) == 0 {
		skills = db.Skills
	}
	for _, sk := range skills {
		if _, err := f.st.DB.Exec(`INSERT INTO language_results (participant_id, skill, level, taken_on, source)
			VALUES ($1, $2, $3, $4, 'norskprove')`, p, sk, string(level), on); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *measureFx) outcome(p int64, kind, from string) {
	f.t.Helper()
	if _, err := f.st.DB.Exec(`INSERT INTO outcomes (participant_id, kind, from_date) VALUES ($1, $2, $3)`, p, kind, from); err != nil {
		f.t.Fatal(err)
	}
}

// agreement makes an approved agreement from start to end through a
// proposal the employer accepts; extra is SQL run on it afterwards
// ("ended_on = …", "cancelled_at = now()").
func (f *measureFx) agreement(adviser, p int64, start, end, extra string) int64 {
	f.t.Helper()
	ctx := context.Background()
	pl := publish(f.t, f.st, f.org, f.employer, db.PlacementInput{Title: "Lager", Tasks: "Plukke varer", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
	prop := propose(f.t, f.st, adviser, p, pl)
	id, err := f.st.DecideProposal(ctx, prop, f.org, f.employer, true, "", "127.0.0.1")
	if err != nil {
		f.t.Fatal(err)
	}
	q := `UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5,
		job_title = 'Lager', supervisor_name = 'Kari Nordmann', supervisor_email = 'kari@lager.example',
		employer_approved_at = now(), consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now()`
	if extra != "" {
		q += ", " + extra
	}
	if _, err := f.st.DB.Exec(q+` WHERE id = $1`, id, start, end); err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *measureFx) attendance(agreement int64, day string, present bool, absence string) {
	f.t.Helper()
	var err error
	if present {
		_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, $2, true, 7.5)`, agreement, day)
	} else {
		_, err = f.st.DB.Exec(`INSERT INTO attendance (agreement_id, day, present, absence) VALUES ($1, $2, false, $3)`, agreement, day, absence)
	}
	if err != nil {
		f.t.Fatal(err)
	}
}

func newMeasureFx(t *testing.T) *measureFx {
	t.Helper()
	st := dbtest.Open(t)
	f := &measureFx{t: t, st: st}
	f.org, f.employer = newOrg(t, st)
	f.adviserA, f.adviserB = newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)

	// Improving (goal B1, ends 30.11.2030): A2 everywhere before the
	// window, then B1 in listening, reading and writing in March. Gap 1
	// (oral), 3 levels gained in 182 days: the gap closes in
	// ceil(1 × 182 / 3) = 61 days, on 12.08.2030, before the end. A
	// running placement; attendance 3 of 4 logged days in the window.
	f.improving = f.addParticipant(f.adviserA, "Improving", "integreringsloven", "2029-01-01", "2030-11-30", "active", db.LevelB1)
	f.results(f.improving, "2029-09-01", db.LevelA2)
	f.results(f.improving, "2030-03-01", db.LevelB1, "listening", "reading", "writing")
	run := f.agreement(f.adviserA, f.improving, "2030-05-01", "2030-09-30", "")
	f.attendance(run, "2030-05-14", false, "invalid") // before the 28 days: not counted
	f.attendance(run, "2030-05-20", true, "")
	f.attendance(run, "2030-06-10", true, "")
	f.attendance(run, "2030-06-11", true, "")
	f.attendance(run, "2030-06-12", false, "illness")

	// Stuck (goal A2, ends 30.09.2030): A1 before the window and A1 again
	// in it. Gap 4, nothing gained: no pace, at risk. Its agreement ended
	// on its date in March (an ended one is no element), a cancelled one
	// never ran.
	f.stuck = f.addParticipant(f.adviserA, "Stuck", "integreringsloven", "2029-01-01", "2030-09-30", "active", db.LevelA2)
	f.results(f.stuck, "2029-06-01", db.LevelA1)
	f.results(f.stuck, "2030-04-01", db.LevelA1)
	ended := f.agreement(f.adviserA, f.stuck, "2030-01-15", "2030-03-31", "")
	f.attendance(ended, "2030-03-10", true, "")
	f.agreement(f.adviserA, f.stuck, "2030-07-01", "2030-08-31", "cancelled_at = now()")

	// Regressing (goal B2, ends 31.03.2031): B1 in January, A2 in April,
	// both in the window. The best stays B1: gap 4, and nothing gained
	// (from the first result in the window, B1). Not at risk: the
	// programme ends more than 6 months away, although no element is
	// planned.
	f.regressing = f.addParticipant(f.adviserA, "Regressing", "integreringsloven", "2029-10-01", "2031-03-31", "active", db.LevelB1)
	if _, err := st.DB.Exec(`UPDATE integration_plans SET goal_listening = 'b2', goal_reading = 'b2', goal_writing = 'b2', goal_oral = 'b2' WHERE participant_id = $1`, f.regressing); err != nil {
		t.Fatal(err)
	}
	f.results(f.regressing, "2030-01-10", db.LevelB1)
	f.results(f.regressing, "2030-04-10", db.LevelA2)

	// Slow (goal B1, ends 31.10.2030): A1 before the window, A2 in
	// listening in March. Gap 1+2+2+2 = 7, 1 level gained: 7 × 182 = 1274
	// days, long after the end: at risk although in part-time work.
	f.slow = f.addParticipant(f.adviserA, "Slow", "integreringsloven", "2029-01-01", "2030-10-31", "active", db.LevelB1)
	f.results(f.slow, "2029-06-01", db.LevelA1)
	f.results(f.slow, "2030-03-01", db.LevelA2, "listening")
	f.outcome(f.slow, "work_part", "2030-06-01")

	// Old (completed 31.03.2029, a year ago): in part-time work at the end,
	// "other" on the anniversary.
	f.old = f.addParticipant(f.adviserA, "Old", "introduksjonsloven", "2027-04-01", "2029-03-31", "completed", db.LevelA2)
	f.outcome(f.old, "work_part", "2029-03-01")
	f.outcome(f.old, "other", "2029-12-01")

	// No results (goal A2, 01.03.2030 – 01.12.2030): gap 4 × 4 = 16, the
	// window from the start, 103 days; no pace: at risk. A placement is
	// ready to start.
	f.noResults = f.addParticipant(f.adviserB, "NoResults", "kap6a", "2030-03-01", "2030-12-01", "active", db.LevelA2)
	f.agreement(f.adviserB, f.noResults, "2030-07-01", "2030-09-30", "")

	// Goal reached (goal A2, ends 31.07.2030): B1 everywhere in February.
	// Its placement ended early on 14.05 with a job; in full-time work
	// since 15.05.
	f.reached = f.addParticipant(f.adviserB, "Reached", "integreringsloven", "2029-08-01", "2030-07-31", "active", db.LevelA2)
	f.results(f.reached, "2030-02-01", db.LevelB1)
	f.agreement(f.adviserB, f.reached, "2030-01-15", "2030-06-30", "ended_on = '2030-05-14', end_reason = 'got_job'")
	f.outcome(f.reached, "work_full", "2030-05-15")

	// Recent (completed 31.01.2030): education only from 15.02, after the
	// end; not yet a year ago.
	f.recent = f.addParticipant(f.adviserB, "Recent", "kap6a", "2029-02-01", "2030-01-31", "completed", db.LevelA2)
	f.outcome(f.recent, "education", "2030-02-15")
	return f
}

// measure runs the nightly measurement (snapshots and KPIs, one
// transaction) for the day.
func (f *measureFx) measure() (snapshots, kpis int64) {
	f.t.Helper()
	snapshots, kpis, err := f.st.MeasureGoals(context.Background(), measureDay)
	if err != nil {
		f.t.Fatal(err)
	}
	return snapshots, kpis
}

// snapshotLine renders a snapshot in one comparable line.
func snapshotLine(s db.GoalSnapshot) string {
	lvl := func(l *db.Level) string {
		if l == nil {
			return "-"
		}
		return string(*l)
	}
	num := func(i *int) string {
		if i == nil {
			return "-"
		}
		return fmt.Sprint(*i)
	}
	rate, outcome, projected, reason := "-", "-", "-", "-"
	if s.AttendanceRate != nil {
		rate = fmt.Sprintf("%.2f", *s.AttendanceRate)
	}
	if s.OutcomeKind != nil {
		outcome = *s.OutcomeKind
	}
	if s.ProjectedDate != nil {
		projected = s.ProjectedDate.Format("2006-01-02")
	}
	if s.RiskReason != nil {
		reason = *s.RiskReason
	}
	return fmt.Sprintf("best %s/%s/%s/%s gap %s/%s/%s/%s=%s gained %s in %d days, %d months left, attendance %s, outcome %s, element %v, risk %v %s, projected %s",
		lvl(s.BestListening), lvl(s.BestReading), lvl(s.BestWriting), lvl(s.BestOral),
		num(s.GapListening), num(s.GapReading), num(s.GapWriting), num(s.GapOral), num(s.GapTotal), num(s.LevelsGained), s.WindowDays, s.MonthsLeft,
		rate, outcome, s.HasElement, s.Risk, reason, projected)
}

// TestProgressSnapshots checks every field of every active participant's
// snapshot against the hand computation in newMeasureFx: the nightly
// measurement (participant_measure) of participants whose plans all have
// a norskmål in every skill — the attendance rate, the pace window and the
// element are tested here only.
func TestProgressSnapshots(t *testing.T) {
	f := newMeasureFx(t)
	n, _ := f.measure()
	if n != 6 {
		t.Errorf("%d snapshots, want 6 (the active participants; completed ones are not measured)", n)
	}
	snaps, err := f.st.GoalSnapshotsOn(context.Background(), measureDay, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, s := range snaps {
		got[s.ParticipantID] = snapshotLine(s)
	}
	for _, c := range []struct {
		name string
		id   int64
		want string
	}{
		{"improving", f.improving, "best b1/b1/b1/a2 gap 0/0/0/1=1 gained 3 in 182 days, 5 months left, attendance 0.75, outcome -, element true, risk false -, projected 2030-08-12"},
		{"stuck", f.stuck, "best a1/a1/a1/a1 gap 1/1/1/1=4 gained 0 in 182 days, 3 months left, attendance -, outcome -, element false, risk true norskmal_no_progress, projected -"},
		{"regressing", f.regressing, "best b1/b1/b1/b1 gap 1/1/1/1=4 gained 0 in 182 days, 9 months left, attendance -, outcome -, element false, risk false -, projected -"},
		{"slow", f.slow, "best a2/a1/a1/a1 gap 1/2/2/2=7 gained 1 in 182 days, 4 months left, attendance -, outcome work_part, element true, risk true norskmal_behind_pace, projected 2033-12-07"},
		{"no results", f.noResults, "best -/-/-/- gap 4/4/4/4=16 gained 0 in 103 days, 5 months left, attendance -, outcome -, element true, risk true norskmal_no_progress, projected -"},
		{"goal reached", f.reached, "best b1/b1/b1/b1 gap 0/0/0/0=0 gained 0 in 182 days, 1 months left, attendance -, outcome work_full, element true, risk false -, projected -"},
	} {
		if got[c.id] != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got[c.id], c.want)
		}
	}
	for _, id := range []int64{f.old, f.recent} {
		if _, ok := got[id]; ok {
			t.Errorf("participant %d is not active but has a snapshot", id)
		}
	}
	// The caseload's call for a page of ids measures those and nobody else,
	// with the same figures.
	var page []struct {
		ID   int64    `db:"participant_id"`
		Rate *float64 `db:"attendance_rate"`
	}
	if err := f.st.DB.Select(&page, `SELECT participant_id, attendance_rate::float8 AS attendance_rate
		FROM participant_measure($1::date, $2::bigint[]) ORDER BY participant_id`, measureDay,
		fmt.Sprintf("{%d,%d,%d}", f.improving, f.stuck, f.old)); err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != f.improving || page[0].Rate == nil || *page[0].Rate != 0.75 || page[1].ID != f.stuck || page[1].Rate != nil {
		t.Errorf("measured for a page of ids: %+v, want improving at 0.75 and stuck without attendance", page)
	}
}

// kpiKey names a KPI in the expectations.
type kpiKey struct{ dim, key, metric string }

func kpiMap(rows []db.KPI) map[kpiKey]db.KPI {
	out := map[kpiKey]db.KPI{}
	for _, r := range rows {
		out[kpiKey{r.Dimension, r.Key, r.Metric}] = r
	}
	return out
}

type kpiWant struct {
	k     kpiKey
	value float64
	n     int
}

func checkKPIs(t *testing.T, got map[kpiKey]db.KPI, wants []kpiWant) {
	t.Helper()
	for _, w := range wants {
		g, ok := got[w.k]
		if !ok {
			t.Errorf("%v: missing, want %.4f over %d", w.k, w.value, w.n)
			continue
		}
		if math.Abs(g.Value-w.value) > 0.00005 || g.N != w.n {
			t.Errorf("%v = %.4f over %d, want %.4f over %d", w.k, g.Value, g.N, w.value, w.n)
		}
	}
}

// TestKPISnapshots checks the cohort KPIs against the hand computation:
// six active participants (gaps 1, 4, 4, 7, 16, 0; at risk: stuck, slow,
// no results), two whose programme ended (old: work at the end, "other"
// a year after; recent: nothing at the end), two ended agreements (one
// with a job), and first placements 485 (improving), 379 (stuck) and 167
// (reached) days after the programme start.
func TestKPISnapshots(t *testing.T) {
	f := newMeasureFx(t)
	f.measure()
	ctx := context.Background()
	day, err := f.st.LatestKPIDay(ctx)
	if err != nil || day == nil || !day.Equal(measureDay) {
		t.Fatalf("latest KPI day %v, %v; want %s", day, err, measureDay)
	}
	rows, err := f.st.KPIsOn(ctx, measureDay, db.DimAll, db.DimStartYear, db.DimRegime, db.DimAdviser)
	if err != nil {
		t.Fatal(err)
	}
	got := kpiMap(rows)
	all := func(metric string) kpiKey { return kpiKey{"all", "all", metric} }
	a, b := fmt.Sprint(f.adviserA), fmt.Sprint(f.adviserB)
	checkKPIs(t, got, []kpiWant{
		{all("at_goal"), 1.0 / 6, 6}, // reached
		{all("at_goal_listening"), 2.0 / 6, 6},
		{all("at_goal_reading"), 2.0 / 6, 6},
		{all("at_goal_writing"), 2.0 / 6, 6},
		{all("at_goal_oral"), 1.0 / 6, 6},
		{all("risk"), 3.0 / 6, 6},
		{all("avg_gap"), 32.0 / 6, 6},
		{all("work_edu_end"), 0.5, 2},
		{all("work_edu_1y"), 0, 1},
		{all("got_job"), 0.5, 2},
		{all("days_to_first_agreement"), 379, 3},

		{kpiKey{"adviser", a, "at_goal"}, 0, 4},
		{kpiKey{"adviser", a, "risk"}, 0.5, 4},
		{kpiKey{"adviser", a, "avg_gap"}, 4, 4},
		{kpiKey{"adviser", a, "work_edu_end"}, 1, 1},
		{kpiKey{"adviser", a, "work_edu_1y"}, 0, 1},
		{kpiKey{"adviser", a, "got_job"}, 0, 1},
		{kpiKey{"adviser", a, "days_to_first_agreement"}, 432, 2},
		{kpiKey{"adviser", b, "at_goal"}, 0.5, 2},
		{kpiKey{"adviser", b, "risk"}, 0.5, 2},
		{kpiKey{"adviser", b, "avg_gap"}, 8, 2},
		{kpiKey{"adviser", b, "work_edu_end"}, 0, 1},
		{kpiKey{"adviser", b, "got_job"}, 1, 1},
		{kpiKey{"adviser", b, "days_to_first_agreement"}, 167, 1},

		{kpiKey{"regime", "integreringsloven", "risk"}, 2.0 / 5, 5},
		{kpiKey{"regime", "kap6a", "risk"}, 1, 1},
		{kpiKey{"regime", "kap6a", "work_edu_end"}, 0, 1},
		{kpiKey{"regime", "introduksjonsloven", "work_edu_end"}, 1, 1},
		{kpiKey{"regime", "introduksjonsloven", "work_edu_1y"}, 0, 1},

		{kpiKey{"start_year", "2029", "at_goal"}, 1.0 / 5, 5},
		{kpiKey{"start_year", "2029", "risk"}, 2.0 / 5, 5},
		{kpiKey{"start_year", "2029", "work_edu_end"}, 0, 1},
		{kpiKey{"start_year", "2030", "risk"}, 1, 1},
		{kpiKey{"start_year", "2027", "work_edu_1y"}, 0, 1},
	})
	// Nobody to compute over: no row (adviser B has nobody a year past the end).
	for _, k := range []kpiKey{{"adviser", b, "work_edu_1y"}, {"regime", "introduksjonsloven", "risk"}, {"start_year", "2030", "work_edu_end"}} {
		if r, ok := got[k]; ok {
			t.Errorf("%v has a row (%v over %d), want none", k, r.Value, r.N)
		}
	}

	// One adviser's own figures, computed by the same query without storing.
	own, err := f.st.GoalKPIsFor(ctx, measureDay, f.adviserA)
	if err != nil {
		t.Fatal(err)
	}
	mine := kpiMap(own)
	checkKPIs(t, mine, []kpiWant{
		{all("risk"), 0.5, 4},
		{all("avg_gap"), 4, 4},
		{all("days_to_first_agreement"), 432, 2},
		{kpiKey{"start_year", "2029", "risk"}, 2.0 / 4, 4},
		{kpiKey{"start_year", "2027", "work_edu_end"}, 1, 1},
		{kpiKey{"regime", "integreringsloven", "avg_gap"}, 4, 4},
	})
	for k := range mine {
		if k.dim == "adviser" || k.key == "kap6a" || k.key == "2030" {
			t.Errorf("adviser A's figures include %v, which is not in their caseload", k)
		}
	}
}
