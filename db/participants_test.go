package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

func newStaff(t *testing.T, st *db.Store, role string) int64 {
	t.Helper()
	id, err := st.CreateUser(context.Background(), db.NewUser{Email: fmt.Sprintf("%s-%d@test.example", role, time.Now().UnixNano()),
		Name: "Staff " + role, Role: role, Locale: "nb", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func day(offset int) time.Time { return time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, offset) }

func newParticipant(t *testing.T, st *db.Store, adviser int64, name string, endInDays int, goal db.Level) int64 {
	t.Helper()
	id, err := st.CreateParticipant(context.Background(), adviser, db.ParticipantInput{FirstName: name, LastName: "Test", BirthYear: 1990,
		Education: "primary", Regime: "integreringsloven", ProgrammeStart: day(-300), ProgrammeEnd: day(endInDays),
		GoalCategory: "work_or_education", Status: "active",
		Goals: map[string]db.Level{"listening": goal, "reading": goal, "writing": goal, "oral": goal}}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestCaseloadBestLevelGapAndRisk(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	nav := newStaff(t, st, db.RoleNAV)
	ingen := newParticipant(t, st, adviser, "Ingen", 100, db.LevelA2)  // no results yet, ends soon: at risk
	down := newParticipant(t, st, adviser, "Nedgang", 400, db.LevelB1) // B1 then A2: best stays B1
	top := newParticipant(t, st, adviser, "Topp", 60, db.LevelB2)      // C1 everywhere, in work: not at risk
	low := newParticipant(t, st, adviser, "Grunnlag", 900, db.LevelA1) // ikke nok grunnlag: gap counts from below A1
	theirs := newParticipant(t, st, other, "Annen", 100, db.LevelA1)   // another adviser's
	// The caseload measures against the plan's Norwegian goal (issue 14),
	// not the participant's legacy goal columns: each plan has the goal
	// the participant was created with.
	for id, goal := range map[int64]db.Level{ingen: db.LevelA2, down: db.LevelB1, top: db.LevelB2, low: db.LevelA1} {
		setPlanGoals(t, st, id, map[string]db.Level{"listening": goal, "reading": goal, "writing": goal, "oral": goal})
	}
	add := func(p int64, skill string, l db.Level, daysAgo int) {
		t.Helper()
		if err := st.AddResult(ctx, p, adviser, skill, l, day(-daysAgo), "norskprove", ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, sk := range db.Skills {
		add(down, sk, db.LevelB1, 100)
		add(down, sk, db.LevelA2, 10)
		add(top, sk, db.LevelC1, 30)
		add(low, sk, db.LevelNone, 20)
	}
	if err := st.AddOutcome(ctx, top, adviser, "work_full", day(-5), "Fjordbyen Bakeri AS", "", ""); err != nil {
		t.Fatal(err)
	}
	if err := st.AddResult(ctx, theirs, adviser, "oral", db.LevelA1, day(-1), "teacher", ""); err != db.ErrNotFound {
		t.Fatalf("a result for another adviser's participant: %v", err)
	}
	rows, err := st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "end"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]db.CaseloadRow{}
	for _, r := range rows {
		byName[r.FirstName] = r
	}
	if len(rows) != 4 || byName["Annen"].ID != 0 {
		t.Fatalf("caseload has %d rows: %+v", len(rows), byName)
	}
	if rows[0].FirstName != "Topp" || rows[3].FirstName != "Grunnlag" {
		t.Errorf("not ordered by programme end: %s … %s", rows[0].FirstName, rows[3].FirstName)
	}
	n := byName["Ingen"]
	if n.Best("oral") != "" || n.Gap("oral") != 4 || gapTotal(n) != 16 || !n.Risk || n.MonthsLeft < 3 || n.MonthsLeft > 4 {
		// A2 is the 4th level: with no result, 4 levels to go per skill.
		t.Errorf("no results: %+v", n)
	}
	d := byName["Nedgang"]
	if d.Best("reading") != db.LevelB1 || gapTotal(d) != 0 || d.Risk {
		t.Errorf("level went down: best %s gap %d risk %v", d.Best("reading"), d.GapTotal, d.Risk)
	}
	tp := byName["Topp"]
	if tp.Best("oral") != db.LevelC1 || gapTotal(tp) != 0 || tp.Risk || tp.OutcomeKind == nil || *tp.OutcomeKind != "work_full" {
		t.Errorf("C1 and in work: %+v", tp)
	}
	l := byName["Grunnlag"]
	if l.Best("writing") != db.LevelNone || l.Gap("writing") != 2 || l.Risk {
		t.Errorf("ikke nok grunnlag: best %s gap %d risk %v", l.Best("writing"), l.Gap("writing"), l.Risk)
	}
	// Sorting by gap, descending; searching by name; scopes.
	rows, _ = st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "gap", Desc: true})
	if rows[0].FirstName != "Ingen" {
		t.Errorf("gap sort: first %s", rows[0].FirstName)
	}
	rows, _ = st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Search: "NEDG"})
	if len(rows) != 1 || rows[0].FirstName != "Nedgang" {
		t.Errorf("search: %d rows", len(rows))
	}
	rows, _ = st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Search: "%"})
	if len(rows) != 0 {
		t.Errorf("a %% search matched %d rows", len(rows))
	}
	rows, _ = st.Caseload(ctx, db.Scope{NavID: nav}, db.CaseloadFilter{})
	if len(rows) != 0 {
		t.Errorf("an unlinked NAV user sees %d participants", len(rows))
	}
	if _, err := st.ParticipantIn(ctx, theirs, db.Scope{AdviserID: adviser}); err != db.ErrNotFound {
		t.Errorf("another adviser's participant: %v", err)
	}
	if _, err := st.ParticipantIn(ctx, theirs, db.Scope{All: true}); err != nil {
		t.Errorf("admin scope: %v", err)
	}
	goals, err := st.DefaultGoals(ctx, "upper_secondary", day(0))
	if err != nil || goals["oral"] != db.LevelB1 || len(goals) != 4 {
		t.Errorf("default goals: %v %v", goals, err)
	}
	rule, err := st.ProgrammeRuleFor(ctx, "kap6a", day(0))
	if err != nil || rule.MaxMonths != 12 {
		t.Errorf("programme rule: %+v %v", rule, err)
	}
	audit, _ := st.ParticipantAudit(ctx, down)
	if len(audit) != 9 { // create + 8 results
		t.Errorf("audit rows: %d", len(audit))
	}
}

// A capped caseload says how many matched in all.
func TestCaseloadTotalBeyondLimit(t *testing.T) {
	st := dbtest.Open(t)
	adviser := newStaff(t, st, db.RoleAdviser)
	for i := 0; i < 3; i++ {
		newParticipant(t, st, adviser, fmt.Sprintf("P%d", i), 300, db.LevelA2)
	}
	rows, err := st.Caseload(context.Background(), db.Scope{AdviserID: adviser}, db.CaseloadFilter{Limit: 2, Sort: "name"})
	if err != nil || len(rows) != 2 || rows[0].Total != 3 {
		t.Fatalf("%d rows, total %d, %v", len(rows), rows[0].Total, err)
	}
	// The next page starts after the first two, in the same order.
	next, err := st.Caseload(context.Background(), db.Scope{AdviserID: adviser}, db.CaseloadFilter{Limit: 2, Offset: 2, Sort: "name"})
	if err != nil || len(next) != 1 || next[0].Total != 3 || next[0].FirstName != "P2" || rows[1].FirstName != "P1" {
		t.Fatalf("page 2: %+v, %v", next, err)
	}
}
