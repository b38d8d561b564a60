package db_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
)

// setPlanGoals gives a participant an integration plan with these
// Norwegian goals (none: a plan without a norskmål), as the plan page
// would store it, through the table so the caseload's triggers see it.
func setPlanGoals(t *testing.T, st *db.Store, id int64, goals map[string]db.Level) {
	t.Helper()
	g := func(sk string) any {
		if l, ok := goals[sk]; ok {
			return string(l)
		}
		return nil
	}
	_, err := st.DB.Exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category,
			goal_listening, goal_reading, goal_writing, goal_oral)
		SELECT id, programme_start, programme_start, programme_end, 'work_or_education', $2, $3, $4, $5 FROM participants WHERE id = $1
		ON CONFLICT (participant_id) DO UPDATE SET goal_listening = $2, goal_reading = $3, goal_writing = $4, goal_oral = $5`,
		id, g("listening"), g("reading"), g("writing"), g("oral"))
	if err != nil {
		t.Fatal(err)
	}
}

// gapTotal is a row's total gap, -1 when the plan has no Norwegian goal.
func gapTotal(r db.CaseloadRow) int {
	if r.GapTotal == nil {
		return -1
	}
	return *r.GapTotal
}

// caseloadByID is the scope's whole caseload from the read model, by id.
func caseloadByID(t *testing.T, st *db.Store, sc db.Scope, f db.CaseloadFilter) map[int64]db.CaseloadRow {
	t.Helper()
	f.Limit = 2000
	rows, err := st.Caseload(context.Background(), sc, f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]db.CaseloadRow{}
	for _, r := range rows {
		r.Total = 0
		out[r.ID] = r
	}
	return out
}

// TestCaseloadGapsFromPlanGoals computes by hand, for a participant with
// a Norwegian goal in every skill, one whose plan has none and one with
// goals in two skills, the gap cells, the total and the basis — in the
// read model (the list) and live (the profile).
func TestCaseloadGapsFromPlanGoals(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	full := newParticipant(t, st, adviser, "Full", 400, db.LevelB1)
	none := newParticipant(t, st, adviser, "Ingen", 400, db.LevelB1) // legacy goal B1, but the plan has none
	part := newParticipant(t, st, adviser, "Delvis", 400, db.LevelB1)
	setPlanGoals(t, st, full, map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1})
	setPlanGoals(t, st, none, nil)
	setPlanGoals(t, st, part, map[string]db.Level{"reading": db.LevelA2, "oral": db.LevelB2})
	for _, id := range []int64{full, none, part} {
		for _, sk := range db.Skills {
			if err := st.AddResult(ctx, id, adviser, sk, db.LevelA2, day(-30), "norskprove", ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	// A2 is rank 4, B1 5, B2 6.
	type want struct {
		gaps  map[string]int // skill → gap; absent: no goal
		total int            // -1: no goal at all
		goals map[string]db.Level
		basis string
	}
	wants := map[int64]want{
		full: {map[string]int{"listening": 1, "reading": 1, "writing": 1, "oral": 1}, 4,
			map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1}, db.BasisNorskmal},
		none: {map[string]int{}, -1, map[string]db.Level{}, db.BasisSluttmal},
		part: {map[string]int{"reading": 0, "oral": 2}, 2, map[string]db.Level{"reading": db.LevelA2, "oral": db.LevelB2}, db.BasisNorskmal},
	}
	list := caseloadByID(t, st, db.Scope{AdviserID: adviser}, db.CaseloadFilter{})
	for id, w := range wants {
		lives, err := st.CaseloadLive(ctx, db.Scope{AdviserID: adviser}, []int64{id})
		if err != nil || len(lives) != 1 {
			t.Fatalf("live row of %d: %d rows, %v", id, len(lives), err)
		}
		live := lives[0]
		for src, r := range map[string]db.CaseloadRow{"list": list[id], "live": live} {
			for _, sk := range db.Skills {
				g, has := w.gaps[sk]
				if r.HasGoal(sk) != has || r.Gap(sk) != g || r.PlanGoal(sk) != w.goals[sk] || r.Best(sk) != db.LevelA2 {
					t.Errorf("%s %s, %s: goal %v %q gap %d, want goal %v %q gap %d", src, r.FirstName, sk, r.HasGoal(sk), r.PlanGoal(sk), r.Gap(sk), has, w.goals[sk], g)
				}
			}
			if gapTotal(r) != w.total || r.HasNorskmal() != (w.total >= 0) || r.Basis == nil || *r.Basis != w.basis {
				t.Errorf("%s %s: total %d basis %v, want %d %s", src, r.FirstName, gapTotal(r), r.Basis, w.total, w.basis)
			}
		}
	}
	// Sorting by gap: the biggest first, no goal last.
	rows, err := st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "gap", Desc: true})
	if err != nil || len(rows) != 3 || rows[0].ID != full || rows[1].ID != part || rows[2].ID != none {
		t.Errorf("gap sort: %v %v", rows, err)
	}
}

// assertStoredEqualsLive compares the read model's stored rows, as they
// are (no refresh), with the live computation for every participant.
func assertStoredEqualsLive(t *testing.T, st *db.Store, step string) {
	t.Helper()
	ctx := context.Background()
	var stale int
	if err := st.DB.Get(&stale, `SELECT count(*) FROM participants p LEFT JOIN caseload_rows c ON c.participant_id = p.id
		WHERE c.measured_on IS DISTINCT FROM $1::date`, st.Today()); err != nil {
		t.Fatal(err)
	}
	if stale != 0 {
		t.Fatalf("%s: %d participants without a row measured today", step, stale)
	}
	var ids []int64
	if err := st.DB.Select(&ids, `SELECT id FROM participants ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	live, err := st.CaseloadLive(ctx, db.Scope{All: true}, ids)
	if err != nil {
		t.Fatal(err)
	}
	stored := caseloadByID(t, st, db.Scope{All: true}, db.CaseloadFilter{})
	if len(stored) != len(live) {
		t.Fatalf("%s: %d stored rows, %d live", step, len(stored), len(live))
	}
	for _, l := range live {
		l.Total = 0
		if s := stored[l.ID]; !reflect.DeepEqual(s, l) {
			t.Errorf("%s: participant %d\nstored %+v\nlive   %+v", step, l.ID, s, l)
		}
	}
}

// TestCaseloadRowsFollowEveryWrite: each kind of write that changes a
// caseload figure — a participant, a result, an outcome, an agreement, the
// plan's goals, leave moving the end — leaves the stored row equal to the
// live computation in the same transaction, without a refresh.
func TestCaseloadRowsFollowEveryWrite(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	a := newParticipant(t, st, adviser, "Skriv", 120, db.LevelB1)
	b := newParticipant(t, st, adviser, "Les", 700, db.LevelA2)
	assertStoredEqualsLive(t, st, "created")
	setPlanGoals(t, st, a, map[string]db.Level{"oral": db.LevelB1})
	setPlanGoals(t, st, b, nil)
	assertStoredEqualsLive(t, st, "plans")
	if err := st.AddResult(ctx, a, adviser, "oral", db.LevelB1, day(-3), "norskprove", ""); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, st, "result")
	if err := st.AddOutcome(ctx, a, adviser, "work_full", day(-1), "Bakeriet AS", "", ""); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, st, "outcome")
	if _, err := st.DB.Exec(`DELETE FROM outcomes WHERE participant_id = $1`, a); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, st, "outcome deleted")
	if _, err := st.DB.Exec(`UPDATE participants SET programme_end = programme_end + 400 WHERE id = $1`, b); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, st, "end moved")
	if _, err := st.DB.Exec(`UPDATE participants SET status = 'completed' WHERE id = $1`, a); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, st, "status")
	if _, err := st.DB.Exec(`DELETE FROM language_results WHERE participant_id = $1`, a); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, st, "results deleted")
	// A new risk horizon marks every row stale; storing a rule measures
	// them again (in a transaction of its own, as the admin's page does).
	var stale int
	if _, err := st.DB.Exec(`UPDATE measure_rules SET risk_horizon_months = risk_horizon_months`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Get(&stale, `SELECT count(*) FROM caseload_rows WHERE measured_on = '-infinity'`); err != nil || stale != 2 {
		t.Errorf("after a measure rule changed: %d stale rows (%v), want 2", stale, err)
	}
	admin := newStaff(t, st, db.RoleAdmin)
	rule, err := st.MeasureRuleAt(ctx, st.Today())
	if err != nil {
		t.Fatal(err)
	}
	rule.ValidFrom = st.Today()
	if _, err := st.AddMeasureRule(ctx, admin, rule, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, st, "measure rule")
}

// runNightly runs what the nightly progress job writes, on the store's
// day, in one transaction: the day's snapshots, then every caseload row
// from them. It returns how many caseload rows it wrote.
func runNightly(t *testing.T, st *db.Store) int64 {
	t.Helper()
	ctx := context.Background()
	var n int64
	if err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		jt := db.JobTxOf(tx)
		if _, err := jt.WriteGoalSnapshots(ctx, st.Today()); err != nil {
			return err
		}
		var err error
		n, err = jt.RefreshCaseload(ctx, st.Today())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCaseloadRowsNextDay: after midnight the list shows the rows as
// measured the day before, saying so (MeasuredOn), until the nightly job
// measures everyone on the new day; then the new day's risk shows.
func TestCaseloadRowsNextDay(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	// Ends in six months and a day: not at risk today, at risk tomorrow
	// (the risk horizon is 6 months, no outcome, no agreement).
	var edge time.Time
	if err := st.DB.QueryRow(`SELECT (oslo_today() + interval '6 months')::date + 1`).Scan(&edge); err != nil {
		t.Fatal(err)
	}
	id, err := st.CreateParticipant(ctx, adviser, db.ParticipantInput{FirstName: "Imorgen", LastName: "Test", BirthYear: 1990,
		Education: "primary", Regime: "integreringsloven", ProgrammeStart: day(-300), ProgrammeEnd: edge,
		GoalCategory: "work_or_education", Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelA2, "reading": db.LevelA2, "writing": db.LevelA2, "oral": db.LevelA2}}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if r := caseloadByID(t, st, db.Scope{AdviserID: adviser}, db.CaseloadFilter{})[id]; r.Risk {
		t.Fatalf("at risk today: %+v", r)
	}
	now := time.Now()
	yesterday := st.Today()
	st.Clock = func() time.Time { return now.Add(24 * time.Hour) }
	// Before the night's run: yesterday's measurement, and it says so.
	r := caseloadByID(t, st, db.Scope{AdviserID: adviser}, db.CaseloadFilter{})[id]
	if r.Risk || r.MeasuredOn == nil || !r.MeasuredOn.Equal(yesterday) {
		t.Errorf("before the nightly job, want yesterday's row (measured %s, not at risk): %+v", yesterday.Format(time.DateOnly), r)
	}
	if n := runNightly(t, st); n != 1 {
		t.Errorf("the nightly refresh wrote %d rows, want 1", n)
	}
	r = caseloadByID(t, st, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Risk: true})[id]
	if !r.Risk || r.RiskReason == nil || *r.RiskReason != db.RiskNoOutcome {
		t.Errorf("not at risk the next day: %+v", r)
	}
	assertStoredEqualsLive(t, st, "next day")
	st.Clock = func() time.Time { return now.Add(48 * time.Hour) }
	if n := runNightly(t, st); n != 1 {
		t.Errorf("the nightly refresh wrote %d rows, want 1", n)
	}
	assertStoredEqualsLive(t, st, "nightly refresh")
}

// TestCaseloadRowsEqualLiveUnderEachRegime: the issue 14 fixture — each
// regime, with and without a Norwegian goal, a partial goal, leave, an
// extension, an outcome and a running agreement, written through the
// Store and by hand — leaves every stored row equal to the live query,
// without a refresh.
func TestCaseloadRowsEqualLiveUnderEachRegime(t *testing.T) {
	f := newGoalFx(t)
	assertStoredEqualsLive(t, f.st, "issue 14 fixture")
}

// TestCaseloadReadModelEqualsLiveOnSeeds is issue 19's equality test: for
// every participant of the demo seed (written on the wall clock, so the
// triggers measured it) and of a generated scale set of 1,000 (written
// with the triggers off and measured once at the end, on the seed's
// fixed day), the read model equals the live query; and on the next day
// the nightly job measures every row again and they still equal it.
func TestCaseloadReadModelEqualsLiveOnSeeds(t *testing.T) {
	ctx := context.Background()
	demo := dbtest.Open(t)
	if err := seed.DemoAll(ctx, demo); err != nil {
		t.Fatal(err)
	}
	assertStoredEqualsLive(t, demo, "demo seed")

	scale := dbtest.Open(t)
	fixed := time.Date(2026, 3, 11, 9, 30, 0, 0, time.UTC)
	scale.Clock = func() time.Time { return fixed }
	if _, err := seed.Scale(ctx, scale, seed.ScaleOptions{Participants: 1000, Seed: 19}); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := scale.DB.Get(&n, `SELECT count(*) FROM caseload_rows`); err != nil || n < 1000 {
		t.Fatalf("%d caseload rows after the scale seed (%v)", n, err)
	}
	assertStoredEqualsLive(t, scale, "scale seed")
	scale.Clock = func() time.Time { return fixed.AddDate(0, 0, 1) }
	if m := runNightly(t, scale); m != int64(n) {
		t.Errorf("the nightly refresh wrote %d rows, want every participant's %d", m, n)
	}
	assertStoredEqualsLive(t, scale, "scale seed, next day")
}
