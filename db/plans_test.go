package db_test

import (
	"context"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestSavePlan: a plan is checked against the rule in force on its date
// (range, norskmål allowed or required, expiry), kept in versions, and
// reviewed.
func TestSavePlan(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	b1 := db.LevelB1
	kap := registered(t, st, adviser, "Kap", db.RegimeKap6A, "higher", "2025-06-02", "2026-01-01", "active")
	intro := registered(t, st, adviser, "Intro", db.RegimeIntroduction, "primary", "2019-03-04", "2020-03-01", "active")
	integ := registered(t, st, adviser, "Integ", db.RegimeIntegration, "primary", "2025-01-06", "2026-01-01", "active")
	late := registered(t, st, adviser, "Sen", db.RegimeKap6A, "higher", "2026-08-03", "2027-01-01", "active")
	plan := func(end string, goals map[string]db.Level) db.PlanInput {
		return db.PlanInput{DecidedOn: d("2025-01-02"), PlanDate: d("2025-01-06"), OriginalEnd: d(end), GoalCategory: "work_or_education", Goals: goals}
	}
	plans := func() (n int) {
		t.Helper()
		if err := st.DB.Get(&n, `SELECT count(*) FROM integration_plans`); err != nil {
			t.Fatal(err)
		}
		return n
	}

	for _, c := range []struct {
		name        string
		id          int64
		in          db.PlanInput
		field, code string
	}{
		{"a norskmål under introduksjonsloven", intro, db.PlanInput{DecidedOn: d("2019-03-01"), PlanDate: d("2019-03-04"), OriginalEnd: d("2021-03-01"),
			GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": b1}}, "goal_oral", "plan.no_norskmal"},
		{"no norskmål under integreringsloven", integ, plan("2026-06-30", nil), "goal_listening", "plan.norskmal_required"},
		{"longer than § 14 allows", integ, plan("2027-01-07", map[string]db.Level{"oral": b1}), "original_end", "participant.too_long"},
		{"shorter than 3 months", integ, plan("2025-03-01", map[string]db.Level{"oral": b1}), "original_end", "participant.too_short"},
		{"plan before the decision", integ, db.PlanInput{DecidedOn: d("2025-01-07"), PlanDate: d("2025-01-06"), OriginalEnd: d("2026-06-30"),
			GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": b1}}, "plan_date", "plan.before_decision"},
		{"an unknown activity", integ, db.PlanInput{DecidedOn: d("2025-01-02"), PlanDate: d("2025-01-06"), OriginalEnd: d("2026-06-30"),
			GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": b1},
			Activities: []db.PlanActivity{{Kind: "holiday", StartsOn: d("2025-02-01"), EndsOn: d("2025-03-01")}}}, "activity_0_kind", "form.choose"},
		{"kap. 6A after its end", late, db.PlanInput{DecidedOn: d("2026-07-30"), PlanDate: d("2026-08-03"), OriginalEnd: d("2027-06-30"),
			GoalCategory: "work_or_education"}, "plan_date", "plan.rule_expired"},
	} {
		if err := st.SavePlan(ctx, c.id, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("%s: %v, want %s beside %s", c.name, err, c.code, c.field)
		}
	}
	if err := st.SavePlan(ctx, integ, other, plan("2026-06-30", map[string]db.Level{"oral": b1}), ""); err != db.ErrNotFound {
		t.Errorf("another adviser's participant: %v", err)
	}
	if n := plans(); n != 0 {
		t.Fatalf("refused plans saved %d rows", n)
	}

	// Kap. 6A without a Norwegian goal: allowed; the end becomes the plan's.
	kapPlan := db.PlanInput{DecidedOn: d("2025-05-28"), PlanDate: d("2025-06-02"), OriginalEnd: d("2026-05-29"), GoalCategory: "work_sector",
		GoalSector: "health", Activities: []db.PlanActivity{
			{Kind: "norwegian", Description: "Norskkurs", StartsOn: d("2025-06-02"), EndsOn: d("2026-05-29")},
			{Kind: "placement", Description: "Språkpraksis", StartsOn: d("2025-09-01"), EndsOn: d("2025-12-19")}}}
	if err := st.SavePlan(ctx, kap, adviser, kapPlan, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	got, err := st.Plan(ctx, kap)
	if err != nil {
		t.Fatal(err)
	}
	if got.HasNorskmal() || got.Version != 1 || len(got.Activities) != 2 || !got.CurrentEnd.Equal(d("2026-05-29")) ||
		got.NextReviewDue == nil || !got.NextReviewDue.Equal(d("2025-12-02")) || got.ConfirmedAt == nil {
		t.Errorf("kap. 6A plan: %+v", got)
	}
	// A second version with an oral goal: both kept, whole.
	kapPlan.Goals, kapPlan.Reason = map[string]db.Level{"oral": db.LevelA2}, "review 2025-12-01"
	if err := st.SavePlan(ctx, kap, adviser, kapPlan, ""); err != nil {
		t.Fatal(err)
	}
	vs, err := st.PlanVersions(ctx, kap)
	if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 || vs[1].Reason != "review 2025-12-01" {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	for _, want := range []string{`"oral": null`, `"kind": "placement"`, `"goal_sector": "health"`} {
		if !contains(vs[0].Content, want) {
			t.Errorf("version 1 lacks %s: %s", want, vs[0].Content)
		}
	}
	if !contains(vs[1].Content, `"oral": "a2"`) {
		t.Errorf("version 2 lacks its goal: %s", vs[1].Content)
	}
	if n := auditActions(t, st, "participant", kap)["participant.plan"]; n != 2 {
		t.Errorf("%d plan audit rows, want 2", n)
	}

	// Reviews: not before the plan's date, not in the future; the next is
	// due 6 months later unless set.
	for _, c := range []struct {
		in          db.ReviewInput
		field, code string
	}{
		{db.ReviewInput{HeldOn: d("2025-05-30"), TookPart: []string{"participant", "adviser"}}, "held_on", "plan.review_before_plan"},
		{db.ReviewInput{HeldOn: st.Today().AddDate(0, 0, 1), TookPart: []string{"adviser"}}, "held_on", "plan.review_in_future"},
		{db.ReviewInput{HeldOn: d("2025-12-01")}, "took_part", "form.required"},
		{db.ReviewInput{HeldOn: d("2025-12-01"), TookPart: []string{"employer"}}, "took_part", "form.choose"},
		{db.ReviewInput{HeldOn: d("2025-12-01"), TookPart: []string{"adviser"}, NextDue: dp("2025-12-01")}, "next_review_due", "plan.next_review_before"},
	} {
		if _, err := st.RecordPlanReview(ctx, kap, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("review %+v: %v, want %s beside %s", c.in, err, c.code, c.field)
		}
	}
	if _, err := st.RecordPlanReview(ctx, kap, adviser, db.ReviewInput{HeldOn: d("2025-12-01"), TookPart: []string{"participant", "adviser", "interpreter"},
		Changes: "Muntlig mål A2 lagt til"}, ""); err != nil {
		t.Fatal(err)
	}
	rs, err := st.PlanReviews(ctx, kap)
	if err != nil || len(rs) != 1 || !rs[0].NextReviewDue.Equal(d("2026-06-01")) || len(rs[0].TookPart) != 3 {
		t.Errorf("reviews: %+v %v", rs, err)
	}
	if got, _ := st.Plan(ctx, kap); got.NextReviewDue == nil || !got.NextReviewDue.Equal(d("2026-06-01")) {
		t.Errorf("plan's next review: %v, want 2026-06-01", got.NextReviewDue)
	}
	// Due on 2026-06-01: not on 2026-05-31, on that day and after.
	for day, want := range map[string]int{"2026-05-31": 0, "2026-06-01": 1, "2026-09-01": 1} {
		due, err := st.PlanReviewsDue(ctx, d(day))
		n := 0
		for _, r := range due {
			if r.ParticipantID == kap {
				n++
				if !r.DueOn.Equal(d("2026-06-01")) || r.AdviserID != adviser {
					t.Errorf("review due: %+v", r)
				}
			}
		}
		if err != nil || n != want {
			t.Errorf("reviews due on %s: %d of Kap, %v; want %d", day, n, err, want)
		}
	}
}

// TestLeaveAndExtension: leave moves the current end by its length,
// overlapping leave is refused by the database, an extension adds its
// months within the rule's maximum; the original end stays.
func TestLeaveAndExtension(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	p := registered(t, st, adviser, "Permisjon", db.RegimeIntegration, "primary", "2025-01-06", "2026-01-01", "active")
	if _, err := st.AddLeave(ctx, p, adviser, db.LeaveInput{Kind: "parental", FromDate: d("2025-06-02"), ToDate: d("2025-08-30"), DecidedOn: d("2025-05-20")}, ""); err != db.ErrNoPlan {
		t.Errorf("leave without a plan: %v", err)
	}
	if err := st.SavePlan(ctx, p, adviser, db.PlanInput{DecidedOn: d("2025-01-02"), PlanDate: d("2025-01-06"), OriginalEnd: d("2026-12-31"),
		GoalCategory: "work_or_education", Goals: map[string]db.Level{"oral": db.LevelA2}}, ""); err != nil {
		t.Fatal(err)
	}
	ends := func() db.ProgrammeEnds {
		t.Helper()
		e, err := st.ProgrammeEndsOf(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Derived.Equal(e.Current) {
			t.Errorf("stored end %s, derived %s", e.Current.Format("2006-01-02"), e.Derived.Format("2006-01-02"))
		}
		return e
	}
	// 1 June – 29 August 2025: 30 + 31 + 29 = 90 days. 31.12.2026 + 90
	// days = 31.03.2027.
	if _, err := st.AddLeave(ctx, p, adviser, db.LeaveInput{Kind: "parental", FromDate: d("2025-06-01"), ToDate: d("2025-08-29"), DecidedOn: d("2025-05-20")}, ""); err != nil {
		t.Fatal(err)
	}
	if e := ends(); !e.Original.Equal(d("2026-12-31")) || !e.Current.Equal(d("2027-03-31")) {
		t.Errorf("after 90 days of leave: original %s, current %s; want 2026-12-31, 2027-03-31", e.Original, e.Current)
	}
	for _, c := range []struct {
		in          db.LeaveInput
		field, code string
	}{
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-08-29"), ToDate: d("2025-09-05"), DecidedOn: d("2025-08-20")}, "from_date", "leave.overlap"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-05-01"), ToDate: d("2025-06-01"), DecidedOn: d("2025-04-20")}, "from_date", "leave.overlap"},
		{db.LeaveInput{Kind: "holiday", FromDate: d("2025-10-01"), ToDate: d("2025-10-02"), DecidedOn: d("2025-09-20")}, "kind", "form.choose"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-10-02"), ToDate: d("2025-10-01"), DecidedOn: d("2025-09-20")}, "to_date", "leave.to_before_from"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2024-10-01"), ToDate: d("2024-10-02"), DecidedOn: d("2024-09-20")}, "from_date", "leave.outside_programme"},
		{db.LeaveInput{Kind: "welfare", FromDate: d("2025-10-01"), ToDate: d("2025-10-02")}, "decided_on", "form.required"},
	} {
		if _, err := st.AddLeave(ctx, p, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("leave %+v: %v, want %s beside %s", c.in, err, c.code, c.field)
		}
	}
	if _, err := st.AddLeave(ctx, p, other, db.LeaveInput{Kind: "welfare", FromDate: d("2025-10-01"), ToDate: d("2025-10-02"), DecidedOn: d("2025-09-20")}, ""); err != db.ErrNotFound {
		t.Errorf("another adviser's leave: %v", err)
	}
	if ls, _ := st.Leaves(ctx, p); len(ls) != 1 || ls[0].Days() != 90 {
		t.Errorf("leave after refusals: %+v", ls)
	}

	// An extension of 6 months: 31.12.2026 + 6 months = 30.06.2027, + 90
	// days of leave = 28.09.2027. § 14 allows 12 months in all.
	if _, err := st.AddExtension(ctx, p, adviser, db.ExtensionInput{DecidedOn: d("2026-10-01"), Months: 6, Reason: "Fullføre fagbrev"}, ""); err != nil {
		t.Fatal(err)
	}
	if e := ends(); !e.Original.Equal(d("2026-12-31")) || !e.Current.Equal(d("2027-09-28")) {
		t.Errorf("after the extension: original %s, current %s; want 2026-12-31, 2027-09-28", e.Original, e.Current)
	}
	for _, c := range []struct {
		in          db.ExtensionInput
		field, code string
	}{
		{db.ExtensionInput{DecidedOn: d("2026-11-01"), Months: 7, Reason: "Mer tid"}, "months", "extension.over_max"},
		{db.ExtensionInput{DecidedOn: d("2026-11-01"), Months: 2, Reason: " "}, "reason", "form.required"},
		{db.ExtensionInput{DecidedOn: d("2026-11-01"), Months: 0, Reason: "Mer tid"}, "months", "extension.months_range"},
	} {
		if _, err := st.AddExtension(ctx, p, adviser, c.in, ""); !fieldErr(err, c.field, c.code) {
			t.Errorf("extension %+v: %v, want %s beside %s", c.in, err, c.code, c.field)
		}
	}
	if e := ends(); !e.Current.Equal(d("2027-09-28")) {
		t.Errorf("refused extensions moved the end to %s", e.Current)
	}
	if xs, _ := st.Extensions(ctx, p); len(xs) != 1 {
		t.Errorf("%d extensions, want 1", len(xs))
	}
	a := auditActions(t, st, "participant", p)
	if a["participant.leave"] != 1 || a["participant.extension"] != 1 {
		t.Errorf("audit: %v", a)
	}
	// The database refuses overlapping leave from any writer.
	if _, err := st.DB.Exec(`INSERT INTO programme_leave (participant_id, kind, from_date, to_date, decided_on)
		VALUES ($1, 'other', '2025-07-01', '2025-07-02', '2025-06-20')`, p); err == nil {
		t.Error("an overlapping leave row was inserted around the Store")
	}
}
