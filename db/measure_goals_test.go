package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// The goal measurement measures Monday 16 March 2026. Its pace window is
// 16 September 2025 – 16 March 2026 (181 days) and the risk horizon (6
// months, measure_rules) 16 September 2026.
var goalDay = d("2026-03-16")

// goalFx has a participant for each case the measurement tells apart,
// under each regime, with and without a Norwegian goal, with leave and
// with an extension; the expectations are computed by hand beside each.
type goalFx struct {
	t                                                 *testing.T
	st                                                *db.Store
	adviser                                           int64
	behind, reached, kapNoGoal, kapPlaced, intro, ext int64
	oldKnown, oldUnknown, oldOther                    int64
}

func (f *goalFx) legal(p int64, basis, permit, sex string) {
	f.t.Helper()
	var date *time.Time
	if permit != "" {
		date = dp(permit)
	}
	if _, err := f.st.SetLegalStatus(context.Background(), p, f.adviser, db.LegalStatus{LegalBasis: basis, PermitDate: date, Sex: sex}, ""); err != nil {
		f.t.Fatal(err)
	}
}

func (f *goalFx) plan(p int64, start, end, goal string, goals map[string]db.Level) {
	f.t.Helper()
	if err := f.st.SavePlan(context.Background(), p, f.adviser, db.PlanInput{DecidedOn: d(start), PlanDate: d(start), OriginalEnd: d(end),
		GoalCategory: goal, Goals: goals}, ""); err != nil {
		f.t.Fatal(err)
	}
}

func (f *goalFx) result(p int64, on string, level db.Level, skills ...string) {
	f.t.Helper()
	for _, sk := range skills {
		if err := f.st.AddResult(context.Background(), p, f.adviser, sk, level, d(on), "norskprove", ""); err != nil {
			f.t.Fatal(err)
		}
	}
}

func (f *goalFx) outcome(p int64, kind, from string) {
	f.t.Helper()
	if _, err := f.st.DB.Exec(`INSERT INTO outcomes (participant_id, kind, from_date) VALUES ($1, $2, $3)`, p, kind, from); err != nil {
		f.t.Fatal(err)
	}
}

func all4(l db.Level) map[string]db.Level {
	return map[string]db.Level{"listening": l, "reading": l, "writing": l, "oral": l}
}

var fourSkills = []string{"listening", "reading", "writing", "oral"}

func newGoalFx(t *testing.T) *goalFx {
	t.Helper()
	st := dbtest.Open(t)
	ctx := context.Background()
	f := &goalFx{t: t, st: st, adviser: newStaff(t, st, db.RoleAdviser)}

	// Behind (integreringsloven by asylum, § 14, man): norskmål B1, A2
	// everywhere before the window, B1 in listening in January. Gap
	// 0+1+1+1 = 3, 1 level gained in 181 days: the gap closes on
	// 16.03.2026 + 3 × 181 = 543 days = 10.09.2027, after the end
	// (31.08.2026, within the horizon): at risk, behind pace. 5 months left.
	f.behind = registered(t, st, f.adviser, "Behind", db.RegimeIntegration, "primary", "2025-01-06", "2026-01-01", "active")
	f.legal(f.behind, db.BasisAsylum, "2024-11-01", "man")
	f.plan(f.behind, "2025-01-06", "2026-08-31", "work_or_education", all4(db.LevelB1))
	f.result(f.behind, "2025-06-01", db.LevelA2, fourSkills...)
	f.result(f.behind, "2026-01-10", db.LevelB1, "listening")

	// Reached (integreringsloven by family reunification, § 13, woman):
	// norskmål A2 in listening and oral only. A1 in both in October, A2 in
	// both in February: no gap, 2 levels gained (from the first result in
	// the window, which starts with the programme on 01.10.2025: 166 days).
	// In education since 01.03: not at risk although the end (31.03) is near.
	f.reached = registered(t, st, f.adviser, "Reached", db.RegimeIntegration, "higher", "2025-10-01", "2026-03-31", "active")
	f.legal(f.reached, db.BasisFamilyReunification, "2025-09-01", "woman")
	if err := st.SavePlan(ctx, f.reached, f.adviser, db.PlanInput{DecidedOn: d("2025-10-01"), PlanDate: d("2025-10-01"), OriginalEnd: d("2026-03-31"),
		GoalCategory: "work_sector", GoalSector: "health", Goals: map[string]db.Level{"listening": db.LevelA2, "oral": db.LevelA2}}, ""); err != nil {
		t.Fatal(err)
	}
	f.result(f.reached, "2025-10-15", db.LevelA1, "listening", "oral")
	f.result(f.reached, "2026-02-01", db.LevelA2, "listening", "oral")
	f.outcome(f.reached, "education", "2026-03-01")

	// Kap. 6A without a Norwegian goal (collective protection, woman):
	// measured against the sluttmål; an A1 in listening shows but makes no
	// gap. Ends 01.06.2026 (2 months left), no job, education or
	// placement: at risk, ends within months with no outcome.
	f.kapNoGoal = registered(t, st, f.adviser, "KapNoGoal", db.RegimeKap6A, "higher", "2025-06-02", "2026-01-01", "active")
	f.legal(f.kapNoGoal, db.BasisCollective, "2025-05-01", "woman")
	f.plan(f.kapNoGoal, "2025-06-02", "2026-06-01", "work_or_education", nil)
	f.result(f.kapNoGoal, "2025-12-01", db.LevelA1, "listening")

	// Kap. 6A without a goal, in a running språkpraksis (woman): not at risk.
	// The placement started 01.02.2026, 244 days after the programme.
	f.kapPlaced = registered(t, st, f.adviser, "KapPlaced", db.RegimeKap6A, "upper_secondary", "2025-06-02", "2026-01-01", "active")
	f.legal(f.kapPlaced, db.BasisCollective, "2025-05-01", "woman")
	f.plan(f.kapPlaced, "2025-06-02", "2026-05-29", "work_or_education", nil)
	org, employer := newOrg(t, st)
	pl := publish(t, st, org, employer, db.PlacementInput{Title: "Kantine", Tasks: "Servere", Sector: "hospitality",
		Municipality: "Trondheim", Address: "Gate 2", Seats: 1})
	ag, err := st.DecideProposal(ctx, propose(t, st, f.adviser, f.kapPlaced, pl), org, employer, true, "", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`UPDATE agreements SET start_date = '2026-02-01', end_date = '2026-05-29', hours_per_week = 30, days_per_week = 5,
		job_title = 'Kantine', supervisor_name = 'Kari', supervisor_email = 'kari@kantine.example', employer_approved_at = now(),
		consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now(), first_approved_at = now() WHERE id = $1`, ag); err != nil {
		t.Fatal(err)
	}

	// Introduksjonsloven (asylum in 2020, man): no norskmål. The plan ends
	// 31.08.2026, within the horizon, with no outcome; 90 days of
	// parental leave (01.09–29.11.2025) move it to 29.11.2026, outside:
	// not at risk. 8 months left.
	f.intro = registered(t, st, f.adviser, "Intro", db.RegimeIntroduction, "primary", "2025-04-01", "2026-01-01", "active")
	f.legal(f.intro, db.BasisAsylum, "2020-10-01", "man")
	f.plan(f.intro, "2025-04-01", "2026-08-31", "work_or_education", nil)
	if _, err := st.AddLeave(ctx, f.intro, f.adviser, db.LeaveInput{Kind: "parental", FromDate: d("2025-09-01"), ToDate: d("2025-11-29"),
		DecidedOn: d("2025-08-15")}, ""); err != nil {
		t.Fatal(err)
	}

	// Extended (integreringsloven by resettlement, § 14, sex not given):
	// norskmål A2, A1 everywhere before the window and nothing since: gap
	// 4, no pace. The plan ended 01.04.2026, within the horizon, but an
	// extension of 6 months moves it to 01.10.2026: not at risk. 6 months left.
	f.ext = registered(t, st, f.adviser, "Extended", db.RegimeIntegration, "primary", "2024-04-02", "2026-01-01", "active")
	f.legal(f.ext, db.BasisResettlement, "2024-03-01", "not_given")
	f.plan(f.ext, "2024-04-02", "2026-04-01", "work_or_education", all4(db.LevelA2))
	f.result(f.ext, "2025-01-10", db.LevelA1, fourSkills...)
	if _, err := st.AddExtension(ctx, f.ext, f.adviser, db.ExtensionInput{DecidedOn: d("2026-02-01"), Months: 6, Reason: "Fullføre norskopplæring"}, ""); err != nil {
		t.Fatal(err)
	}

	// Three who completed: in part-time work at the end and full-time work
	// on the first anniversary (man); nothing recorded at all (woman, kap.
	// 6A): unknown, not "not in work"; "other" before the end and on the
	// anniversary (woman, introduksjonsloven).
	f.oldKnown = registered(t, st, f.adviser, "OldKnown", db.RegimeIntegration, "primary", "2023-01-02", "2024-12-31", "completed")
	f.legal(f.oldKnown, db.BasisUnknown, "", "man")
	f.outcome(f.oldKnown, "work_part", "2024-12-01")
	f.outcome(f.oldKnown, "work_full", "2025-06-01")
	f.oldUnknown = registered(t, st, f.adviser, "OldUnknown", db.RegimeKap6A, "primary", "2023-02-01", "2025-01-31", "completed")
	f.legal(f.oldUnknown, db.BasisUnknown, "", "woman")
	f.oldOther = registered(t, st, f.adviser, "OldOther", db.RegimeIntroduction, "primary", "2022-07-01", "2024-06-30", "completed")
	f.legal(f.oldOther, db.BasisUnknown, "", "woman")
	f.outcome(f.oldOther, "other", "2024-06-01")
	return f
}

// goalLine renders a goal snapshot in one comparable line.
func goalLine(s db.GoalSnapshot) string {
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
	projected, reason, outcome := "-", "-", "-"
	if s.ProjectedDate != nil {
		projected = s.ProjectedDate.Format("2006-01-02")
	}
	if s.RiskReason != nil {
		reason = *s.RiskReason
	}
	if s.OutcomeKind != nil {
		outcome = *s.OutcomeKind
	}
	return fmt.Sprintf("%s best %s/%s/%s/%s gap %s/%s/%s/%s=%s gained %s in %d days, %d months left to %s, outcome %s, element %v, projected %s, risk %v %s",
		s.Basis, lvl(s.BestListening), lvl(s.BestReading), lvl(s.BestWriting), lvl(s.BestOral),
		num(s.GapListening), num(s.GapReading), num(s.GapWriting), num(s.GapOral), num(s.GapTotal), num(s.LevelsGained),
		s.WindowDays, s.MonthsLeft, s.CurrentEnd.Format("2006-01-02"), outcome, s.HasElement, projected, s.Risk, reason)
}

// TestGoalSnapshots checks every active participant's snapshot and risk
// against the hand computation in newGoalFx.
func TestGoalSnapshots(t *testing.T) {
	f := newGoalFx(t)
	ctx := context.Background()
	n, _, err := f.st.MeasureGoals(ctx, goalDay)
	if err != nil {
		t.Fatal(err)
	}
	if n != 6 {
		t.Errorf("%d snapshots, want 6 (the active participants)", n)
	}
	snaps, err := f.st.GoalSnapshotsOn(ctx, goalDay, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, s := range snaps {
		got[s.ParticipantID] = goalLine(s)
	}
	for _, c := range []struct {
		name   string
		id     int64
		want   string
		reason string
	}{
		{"behind", f.behind, "norskmal best b1/a2/a2/a2 gap 0/1/1/1=3 gained 1 in 181 days, 5 months left to 2026-08-31, outcome -, element false, projected 2027-09-10, risk true norskmal_behind_pace", db.RiskBehindPace},
		{"reached", f.reached, "norskmal best a2/-/-/a2 gap 0/-/-/0=0 gained 2 in 166 days, 0 months left to 2026-03-31, outcome education, element true, projected -, risk false -", ""},
		{"kap. 6A, no goal", f.kapNoGoal, "sluttmal best a1/-/-/- gap -/-/-/-=- gained - in 181 days, 2 months left to 2026-06-01, outcome -, element false, projected -, risk true ends_within_months_no_outcome", db.RiskNoOutcome},
		{"kap. 6A, placed", f.kapPlaced, "sluttmal best -/-/-/- gap -/-/-/-=- gained - in 181 days, 2 months left to 2026-05-29, outcome -, element true, projected -, risk false -", ""},
		{"introduksjonsloven with leave", f.intro, "sluttmal best -/-/-/- gap -/-/-/-=- gained - in 181 days, 8 months left to 2026-11-29, outcome -, element false, projected -, risk false -", ""},
		{"extended", f.ext, "norskmal best a1/a1/a1/a1 gap 1/1/1/1=4 gained 0 in 181 days, 6 months left to 2026-10-01, outcome -, element false, projected -, risk false -", ""},
	} {
		if got[c.id] != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got[c.id], c.want)
		}
		// The one rule, asked for one participant, says the same.
		r, err := f.st.RiskOf(ctx, c.id, goalDay)
		if err != nil || r.Risk != (c.reason != "") || (r.Reason == nil) != (c.reason == "") || (r.Reason != nil && *r.Reason != c.reason) {
			t.Errorf("%s: RiskOf %+v %v, want reason %q", c.name, r, err, c.reason)
		}
	}
	if _, err := f.st.RiskOf(ctx, f.oldKnown, goalDay); err != db.ErrNotFound {
		t.Errorf("a completed participant's risk: %v", err)
	}
	// Without the leave and the extension both would be at risk.
	if _, err := f.st.DB.Exec(`DELETE FROM programme_leave; DELETE FROM programme_extensions;
		UPDATE participants SET programme_end = programme_current_end(id) WHERE id IN (SELECT participant_id FROM integration_plans)`); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]string{f.intro: db.RiskNoOutcome, f.ext: db.RiskNoProgress} {
		if r, err := f.st.RiskOf(ctx, id, goalDay); err != nil || r.Reason == nil || *r.Reason != want {
			t.Errorf("participant %d without leave or extension: %+v %v, want %s", id, r, err, want)
		}
	}
}

// TestGoalKPIs checks the KPIs against the hand computation: six active
// (three with a norskmål: gaps 3, 0, 4; at risk: behind, kap. 6A without
// a goal), three completed (in work at the end: one; a year after: one
// in work, one "other", one unknown), one placement started 244 days in.
func TestGoalKPIs(t *testing.T) {
	f := newGoalFx(t)
	ctx := context.Background()
	if _, _, err := f.st.MeasureGoals(ctx, goalDay); err != nil {
		t.Fatal(err)
	}
	rows, err := f.st.KPIsOn(ctx, goalDay, db.DimAll, db.DimRegime, db.DimSex, db.DimRegimeSex)
	if err != nil {
		t.Fatal(err)
	}
	got := kpiMap(rows)
	all := func(metric string) kpiKey { return kpiKey{"all", "all", metric} }
	reg := func(r, metric string) kpiKey { return kpiKey{"regime", r, metric} }
	sex := func(s, metric string) kpiKey { return kpiKey{"sex", s, metric} }
	checkKPIs(t, got, []kpiWant{
		{all("with_norskmal"), 3.0 / 6, 6},
		{all("at_goal"), 1.0 / 3, 3},           // reached
		{all("at_goal_listening"), 2.0 / 3, 3}, // behind, reached
		{all("at_goal_reading"), 0, 2},         // reached has no reading goal
		{all("at_goal_oral"), 1.0 / 3, 3},
		{all("avg_gap"), 7.0 / 3, 3},
		{all("risk"), 2.0 / 6, 6},
		{all("work_edu_end"), 1.0 / 3, 3},
		{all("work_edu_1y"), 1.0 / 2, 2}, // as recorded: the unknown is not "not in work"
		{all("unknown_1y"), 1, 3},
		{all("days_to_first_agreement"), 244, 1},

		{reg("integreringsloven", "risk"), 1.0 / 3, 3},
		{reg("integreringsloven", "with_norskmal"), 1, 3},
		{reg("integreringsloven", "avg_gap"), 7.0 / 3, 3},
		{reg("integreringsloven", "work_edu_1y"), 1, 1},
		{reg("kap6a", "risk"), 0.5, 2},
		{reg("kap6a", "with_norskmal"), 0, 2},
		{reg("kap6a", "unknown_1y"), 1, 1},
		{reg("kap6a", "work_edu_end"), 0, 1},
		{reg("introduksjonsloven", "risk"), 0, 1},
		{reg("introduksjonsloven", "work_edu_1y"), 0, 1},
		{reg("introduksjonsloven", "unknown_1y"), 0, 1},

		{sex("woman", "risk"), 1.0 / 3, 3},
		{sex("woman", "with_norskmal"), 1.0 / 3, 3},
		{sex("woman", "work_edu_1y"), 0, 1},
		{sex("woman", "unknown_1y"), 1, 2},
		{sex("man", "risk"), 0.5, 2},
		{sex("man", "work_edu_1y"), 1, 1},
		{sex("not_given", "risk"), 0, 1},
		{kpiKey{"regime_sex", "kap6a/woman", "risk"}, 0.5, 2},
		{kpiKey{"regime_sex", "integreringsloven/man", "risk"}, 1, 1},
		{kpiKey{"regime_sex", "introduksjonsloven/woman", "work_edu_1y"}, 0, 1},
	})
	// Nobody to compute over: no row.
	for _, k := range []kpiKey{reg("kap6a", "at_goal"), reg("kap6a", "work_edu_1y"), reg("introduksjonsloven", "avg_gap")} {
		if r, ok := got[k]; ok {
			t.Errorf("%v has a row (%v over %d), want none", k, r.Value, r.N)
		}
	}
	// The adviser's own figures, by the same statement without storing.
	mine, err := f.st.GoalKPIsFor(ctx, goalDay, f.adviser)
	if err != nil {
		t.Fatal(err)
	}
	checkKPIs(t, kpiMap(mine), []kpiWant{{all("risk"), 2.0 / 6, 6}, {all("unknown_1y"), 1, 3}, {sex("man", "risk"), 0.5, 2}})
	other, err := f.st.GoalKPIsFor(ctx, goalDay, newStaff(t, f.st, db.RoleAdviser))
	if err != nil || len(other) != 0 {
		t.Errorf("another adviser's figures: %d rows, %v", len(other), err)
	}
}

// TestMeasureRules: the risk horizon is a dated row; a new one (2 months
// from 2026-01-01) ends the old the day before and changes who is at risk
// on the measured day: Behind (ends 31.08) and KapNoGoal (ends 01.06) are
// now beyond 16.05.2026.
func TestMeasureRules(t *testing.T) {
	f := newGoalFx(t)
	ctx := context.Background()
	admin := newStaff(t, f.st, db.RoleAdmin)
	if r, err := f.st.MeasureRuleAt(ctx, goalDay); err != nil || r.RiskHorizonMonths != 6 || r.ReviewIntervalMonths != 6 || r.Source == "" {
		t.Fatalf("default thresholds: %+v %v", r, err)
	}
	in := db.MeasureRule{ValidFrom: d("2026-01-01"), RiskHorizonMonths: 2, PaceWindowMonths: 6, ReviewIntervalMonths: 4, Source: "Kommunens vedtak 2025/40"}
	for _, c := range []struct {
		edit        func(*db.MeasureRule)
		field, code string
	}{
		{func(r *db.MeasureRule) { r.RiskHorizonMonths = 0 }, "risk_horizon_months", "rule.months_range"},
		{func(r *db.MeasureRule) { r.ReviewIntervalMonths = 25 }, "review_interval_months", "rule.months_range"},
		{func(r *db.MeasureRule) { r.Source = "" }, "source", "form.required"},
		{func(r *db.MeasureRule) { r.ValidFrom = d("2004-09-01") }, "valid_from", "rule.overlap"},
	} {
		bad := in
		c.edit(&bad)
		if _, err := f.st.AddMeasureRule(ctx, admin, bad, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("%+v: %v, want %s beside %s", bad, err, c.code, c.field)
		}
	}
	id, err := f.st.AddMeasureRule(ctx, admin, in, "")
	if err != nil {
		t.Fatal(err)
	}
	if old, err := f.st.MeasureRuleAt(ctx, d("2025-12-31")); err != nil || old.RiskHorizonMonths != 6 || old.ValidTo == nil || !old.ValidTo.Equal(d("2025-12-31")) {
		t.Errorf("the old row on its last day: %+v %v", old, err)
	}
	if n := auditActions(t, f.st, "measure_rule", id)["measure_rule.create"]; n != 1 {
		t.Errorf("%d audit rows", n)
	}
	for id, want := range map[int64]bool{f.behind: false, f.kapNoGoal: false, f.reached: false} {
		if r, err := f.st.RiskOf(ctx, id, goalDay); err != nil || r.Risk != want {
			t.Errorf("participant %d with a 2-month horizon: %+v %v", id, r, err)
		}
	}
}
