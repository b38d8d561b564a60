package db_test

import (
	"context"
	"math"
	"testing"
	"time"

	"praksis/db"
)

// TestOneRiskRule proves the caseload, the nightly snapshot, the KPIs and
// the reminder agree on who is at risk and why (issue 14: "the KPI page
// said 5 of 12 while the list showed 6 of 12"), for the participants of
// newGoalFx under each regime — with and without a Norwegian goal, with
// leave, with an extension — on goalDay. By hand (measure_goals_test.go):
// Behind (integreringsloven, norskmål, behind pace) and KapNoGoal (kap.
// 6A, no norskmål, ends in 2 months with nothing in place) are at risk;
// Reached (education), KapPlaced (a running placement), Intro (leave moved
// the end past the horizon) and Extended (the extension did) are not.
func TestOneRiskRule(t *testing.T) {
	f := newGoalFx(t)
	ctx := context.Background()
	f.st.Clock = func() time.Time { return time.Date(2026, 3, 16, 12, 0, 0, 0, osloZone) }
	// The fixture was written on the wall clock's day: the caseload shows
	// the store's day once the nightly job has measured it, as in the
	// product.
	runNightly(t, f.st)
	want := map[int64]string{f.behind: db.RiskBehindPace, f.kapNoGoal: db.RiskNoOutcome}
	regimeOf := map[int64]string{f.behind: db.RegimeIntegration, f.kapNoGoal: db.RegimeKap6A}
	check := func(what string, got map[int64]string) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d at risk %v, want %d %v", what, len(got), got, len(want), want)
		}
		for id, reason := range want {
			if got[id] != reason {
				t.Errorf("%s: participant %d %q, want %q", what, id, got[id], reason)
			}
		}
	}

	// The caseload, sorted at risk first: the two come first, each with
	// its reason and basis.
	rows, err := f.st.Caseload(ctx, db.Scope{AdviserID: f.adviser}, db.CaseloadFilter{Sort: "risk"})
	if err != nil {
		t.Fatal(err)
	}
	list := map[int64]string{}
	for i, r := range rows {
		if r.Risk != (r.RiskReason != nil) {
			t.Errorf("caseload row %d: risk %v with reason %v", r.ID, r.Risk, r.RiskReason)
		}
		if r.Risk {
			list[r.ID] = *r.RiskReason
			if i >= len(want) {
				t.Errorf("caseload sorted by risk: participant %d at risk in row %d", r.ID, i+1)
			}
		}
		wantBasis := map[int64]string{f.behind: db.BasisNorskmal, f.reached: db.BasisNorskmal, f.ext: db.BasisNorskmal,
			f.kapNoGoal: db.BasisSluttmal, f.kapPlaced: db.BasisSluttmal, f.intro: db.BasisSluttmal}[r.ID]
		if got := ""; r.Basis != nil {
			got = *r.Basis
			if got != wantBasis {
				t.Errorf("caseload row %d: basis %q, want %q", r.ID, got, wantBasis)
			}
		} else if wantBasis != "" {
			t.Errorf("caseload row %d: no basis, want %q", r.ID, wantBasis)
		}
	}
	check("caseload", list)

	// The nightly snapshot.
	if _, _, err := f.st.MeasureGoals(ctx, goalDay); err != nil {
		t.Fatal(err)
	}
	snaps, err := f.st.GoalSnapshotsOn(ctx, goalDay, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := map[int64]string{}
	for _, s := range snaps {
		if s.Risk {
			snap[s.ParticipantID] = *s.RiskReason
		}
	}
	check("snapshot", snap)

	// The KPIs: the share at risk times its base is the same count, in
	// all and per regime.
	kpis, err := f.st.KPIsOn(ctx, goalDay, db.DimAll, db.DimRegime)
	if err != nil {
		t.Fatal(err)
	}
	perRegime := map[string]int{db.RegimeIntegration: 0, db.RegimeKap6A: 0, db.RegimeIntroduction: 0}
	for id := range want {
		perRegime[regimeOf[id]]++
	}
	seen := 0
	for _, k := range kpis {
		if k.Metric != db.MetricRisk {
			continue
		}
		n := int(math.Round(k.Value * float64(k.N)))
		switch {
		case k.Dimension == db.DimAll && n != len(want):
			t.Errorf("KPI: %d of %d at risk, want %d", n, k.N, len(want))
		case k.Dimension == db.DimRegime && n != perRegime[k.Key]:
			t.Errorf("KPI %s: %d of %d at risk, want %d", k.Key, n, k.N, perRegime[k.Key])
		}
		seen++
	}
	if seen != 4 {
		t.Errorf("%d risk KPI rows, want 4 (all and three regimes)", seen)
	}

	// The reminder, with the window as wide as the risk horizon (6
	// months from 16.03.2026 is 16.09.2026, 184 days): the same people,
	// the same reasons, to the adviser.
	set, err := f.st.ReminderSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.ProgrammeEndDays = 184
	items, err := f.st.PreviewReminders(ctx, goalDay, set)
	if err != nil {
		t.Fatal(err)
	}
	rem := map[int64]string{}
	for _, it := range items {
		if it.Rule == db.RuleProgrammeEnd && it.Audience == db.AudienceAdviser {
			rem[it.SubjectID] = it.Phase
		}
	}
	check("reminder", rem)
}
