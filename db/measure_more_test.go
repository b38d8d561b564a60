package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestMeasureIdempotent: measuring the same day again replaces the day's
// rows with the same rows; a change since shows in the new rows only.
func TestMeasureIdempotent(t *testing.T) {
	f := newMeasureFx(t)
	dump := func() string {
		var s string
		if err := f.st.DB.Get(&s, `SELECT concat_ws(' || ',
			(SELECT string_agg(p::text, ';' ORDER BY participant_id) FROM progress_snapshots p),
			(SELECT string_agg(k::text, ';' ORDER BY dimension, key, metric) FROM kpi_snapshots k))`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1, k1 := f.measure()
	first := dump()
	s2, k2 := f.measure()
	if again := dump(); again != first || s1 != s2 || k1 != k2 {
		t.Errorf("a rerun changed the day: %d/%d rows then %d/%d\n%s\n%s", s1, k1, s2, k2, first, again)
	}
	// Stuck reaches A2 in listening: the rerun replaces the row.
	f.results(f.stuck, "2030-06-11", db.LevelA2, "listening")
	f.measure()
	snaps, err := f.st.GoalSnapshotsOn(context.Background(), measureDay, []int64{f.stuck})
	if err != nil || len(snaps) != 1 {
		t.Fatalf("%d snapshots of stuck, %v", len(snaps), err)
	}
	if s := snaps[0]; s.GapTotal == nil || *s.GapTotal != 3 || s.LevelsGained == nil || *s.LevelsGained != 1 || s.ProjectedDate == nil || !s.ProjectedDate.Equal(measureDay.AddDate(0, 0, 546)) {
		t.Errorf("after a new result: %s; want gap 3, 1 gained, projected in 3 × 182 = 546 days", snapshotLine(s))
	}
	var days int
	if err := f.st.DB.Get(&days, `SELECT count(DISTINCT day) FROM progress_snapshots`); err != nil || days != 1 {
		t.Errorf("%d days of snapshots, want 1 (%v)", days, err)
	}
}

// TestCaseloadSortRisk: the caseload sorted by risk lists the
// participants at risk first, the programme that ends first first.
func TestCaseloadSortRisk(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	late := newParticipant(t, st, adviser, "Sent", 900, db.LevelA1) // ends in 900 days: not at risk
	soon := newParticipant(t, st, adviser, "Snart", 30, db.LevelA1) // no results, ends in 30 days: at risk
	later := newParticipant(t, st, adviser, "Senere", 90, db.LevelA1)
	done := newParticipant(t, st, adviser, "Ferdig", 60, db.LevelA1) // goal reached and in work: not at risk
	for _, sk := range db.Skills {
		if err := st.AddResult(ctx, done, adviser, sk, db.LevelA2, time.Now(), "norskprove", ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.AddOutcome(ctx, done, adviser, "work_full", day(-1), "", "", ""); err != nil {
		t.Fatal(err)
	}
	order := func(desc bool) []int64 {
		rows, err := st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "risk", Desc: desc})
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	if got, want := fmt.Sprint(order(false)), fmt.Sprint([]int64{soon, later, done, late}); got != want {
		t.Errorf("sorted by risk: %s, want %s (at risk first, each group by programme end)", got, want)
	}
	if got, want := fmt.Sprint(order(true)), fmt.Sprint([]int64{late, done, later, soon}); got != want {
		t.Errorf("sorted by risk, reversed: %s, want %s", got, want)
	}
}
