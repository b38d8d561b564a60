package db_test

import (
	"context"
	"testing"

	"praksis/db"
)

// TestReminderPrefs: a person's switched-off rules and weekdays filter
// their items, but never the rules the agreement requires; an item held
// back for a weekday is not recorded and comes on the next chosen day.
func TestReminderPrefs(t *testing.T) {
	f := newRemFixture(t)
	ctx := context.Background()
	// The supervisor has an account (an employer of the organisation).
	sup := f.email(f.employer)
	aEnds := f.agreement("Hana", "2025-05-16", "2025-06-27", sup)
	// The adviser wants Mondays only and no "ends"; the employer switched
	// off "ends" and (not offered, but stored) "attendance".
	if err := f.st.SaveReminderPrefs(ctx, f.adviser, db.ReminderPrefs{RulesOff: []string{db.RuleEnds}, Weekdays: []int{1}}, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SaveReminderPrefs(ctx, f.employer, db.ReminderPrefs{RulesOff: []string{db.RuleEnds, db.RuleAttendance}, Weekdays: []int{1, 2, 3, 4, 5}}, ""); err != nil {
		t.Fatal(err)
	}
	fri := f.record(remFriday)
	if has(fri, db.RuleEnds, aEnds, sup) {
		t.Error("the employer switched off 'ends' but got it")
	}
	if !has(fri, db.RuleAttendance, aEnds, sup) {
		t.Error("attendance is required by the agreement: it comes even when switched off")
	}
	for _, it := range fri {
		if it.Recipient == f.adviserEmail {
			t.Errorf("Friday is not the adviser's day, yet: %+v", it)
		}
	}
	if it := about(fri, db.RuleAttendance, aEnds); len(it) != 1 || !it[0].HasAccount {
		t.Errorf("the supervisor's item should know the account: %+v", it)
	}
	// Monday, the adviser's day: the follow-up (due since Friday, required)
	// comes now; "ends" stays off.
	mon := f.record(remMonday)
	if !has(mon, db.RuleFollowUp, aEnds, f.adviserEmail) {
		t.Errorf("Monday: %+v, want the adviser's follow-up", mon)
	}
	if has(mon, db.RuleEnds, aEnds, f.adviserEmail) {
		t.Error("the adviser switched off 'ends' but got it")
	}
	got, err := f.st.ReminderPrefs(ctx, f.adviser)
	if err != nil || len(got.Weekdays) != 1 || got.Weekdays[0] != 1 || len(got.RulesOff) != 1 {
		t.Errorf("prefs read back: %+v, %v", got, err)
	}
	def, err := f.st.ReminderPrefs(ctx, f.nav)
	if err != nil || len(def.Weekdays) != 5 || len(def.RulesOff) != 0 {
		t.Errorf("default prefs: %+v, %v", def, err)
	}
}

// TestReminderSettingsSave: saved thresholds are read back and audited
// with the old and new values; a value out of range is refused by the
// database as well.
func TestReminderSettingsSave(t *testing.T) {
	f := newRemFixture(t)
	ctx := context.Background()
	if f.set.EvaluationStartWeeks != 2 || f.set.EndsWithinDays != 14 || f.set.ProposalWorkingDays != 5 || f.set.ProposalAdviserDays != 5 ||
		f.set.ProgrammeEndDays != 90 || f.set.OrgWaitingDays != 2 || f.set.AttendanceWeekday != 5 {
		t.Fatalf("defaults: %+v", f.set)
	}
	in := f.set
	in.EndsWithinDays = 21
	if err := f.st.SaveReminderSettings(ctx, in, f.adm, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	got, err := f.st.ReminderSettings(ctx)
	if err != nil || got.EndsWithinDays != 21 || got.UpdatedBy == nil || got.UpdatedAt == nil {
		t.Fatalf("read back: %+v, %v", got, err)
	}
	var details string
	if err := f.st.DB.Get(&details, `SELECT details::text FROM audit_log WHERE action = 'reminders.settings' AND actor_id = $1`, f.adm); err != nil {
		t.Fatal(err)
	}
	if want := `"ends_within_days": 14`; !contains(details, want) || !contains(details, `"ends_within_days": 21`) {
		t.Errorf("audit details %s, want the old and the new value", details)
	}
	in.ProgrammeEndDays = 1000
	if err := f.st.SaveReminderSettings(ctx, in, f.adm, ""); err == nil {
		t.Error("a value outside the CHECK was saved")
	}
	if got, _ := f.st.ReminderSettings(ctx); got.ProgrammeEndDays != 90 {
		t.Errorf("after a refused save: %d", got.ProgrammeEndDays)
	}
}

// TestReminderPlanReviewAndNAV: rule 9 (a plan review due, by the plan's
// own date or the settings' cadence, weekly until held) to the adviser,
// and rule 10 (an agreement on a NAV measure awaiting NAV) to the linked
// NAV user, not once NAV has refused it.
func TestReminderPlanReviewAndNAV(t *testing.T) {
	f := newRemFixture(t)
	plan := func(first, planDate string, next any) int64 {
		p := f.participant(first, "2026-09-01")
		f.exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category, next_review_due)
			VALUES ($1, $2, $2, '2026-09-01', 'work_or_education', $3)`, p, planDate, next)
		return p
	}
	due := plan("Lina", "2024-12-01", "2025-06-13")   // the plan's own date: Friday
	later := plan("Mats", "2024-12-01", "2025-06-20") // next week
	noDate := plan("Nora", "2024-12-13", nil)         // 6 months after the plan date: Friday
	held := plan("Omar", "2024-06-01", nil)           // reviewed on 1 June: due in December
	var planID int64
	if err := f.st.DB.Get(&planID, `SELECT id FROM integration_plans WHERE participant_id = $1`, held); err != nil {
		t.Fatal(err)
	}
	f.exec(`INSERT INTO plan_reviews (plan_id, held_on, took_part, next_review_due, written_by) VALUES ($1, '2025-06-01', '{adviser}', '2025-12-01', $2)`, planID, f.adviser)

	awaiting := f.agreement("Petra", "2025-07-01", "2025-12-31", f.supervisor())
	refused := f.agreement("Rami", "2025-07-01", "2025-12-31", f.supervisor())
	f.exec(`UPDATE agreements SET nav_required = true, adviser_approved_at = NULL WHERE id IN ($1, $2)`, awaiting, refused)
	f.exec(`UPDATE agreements SET nav_decision = 'refused', nav_reason = 'Mangler plan', nav_decided_by = $2, nav_decided_at = now() WHERE id = $1`, refused, f.nav)

	thu, fri := f.preview(remThursday), f.preview(remFriday)
	for _, c := range []struct {
		name      string
		rule      string
		subject   int64
		recipient string
		thu, fri  bool
	}{
		{"review due on the plan's date", db.RulePlanReview, due, f.adviserEmail, false, true},
		{"review due next week", db.RulePlanReview, later, "", false, false},
		{"review due by the cadence", db.RulePlanReview, noDate, f.adviserEmail, false, true},
		{"review held", db.RulePlanReview, held, "", false, false},
		{"awaiting NAV", db.RuleNAVAwaiting, awaiting, f.navE, true, true},
		{"refused by NAV", db.RuleNAVAwaiting, refused, "", false, false},
	} {
		got := func(items []db.ReminderItem) bool {
			if c.recipient == "" {
				return len(about(items, c.rule, c.subject)) > 0
			}
			return has(items, c.rule, c.subject, c.recipient)
		}
		if got(thu) != c.thu || got(fri) != c.fri {
			t.Errorf("%s: due Thursday %v, Friday %v; want %v, %v", c.name, got(thu), got(fri), c.thu, c.fri)
		}
	}
	if it := about(fri, db.RulePlanReview, due); len(it) != 1 || it[0].Period != "2025-W24" || it[0].On.Format("2006-01-02") != "2025-06-13" {
		t.Errorf("plan review item: %+v, want once in week 24, due 13 June", it)
	}
	// A longer cadence moves the plan without a date of its own.
	set := f.set
	set.PlanReviewMonths = 7
	items, err := f.st.PreviewReminders(context.Background(), remFriday, set)
	if err != nil {
		t.Fatal(err)
	}
	if len(about(items, db.RulePlanReview, noDate)) != 0 || len(about(items, db.RulePlanReview, due)) != 1 {
		t.Error("plan_review_months should move only the plan without its own next review date")
	}
}

// TestReminderNamesFollowConsent: a supervisor's or employer's reminder
// carries the participant's first name only while the participant agrees
// to share it with the organisation and has no strictly confidential
// address.
func TestReminderNamesFollowConsent(t *testing.T) {
	f := newRemFixture(t)
	ctx := context.Background()
	sup := f.supervisor()
	ag := f.agreement("Chen", "2025-06-02", "2025-09-30", sup)
	var pid int64
	if err := f.st.DB.Get(&pid, `SELECT participant_id FROM agreements WHERE id = $1`, ag); err != nil {
		t.Fatal(err)
	}
	name := func(recipient string) string {
		t.Helper()
		for _, it := range f.preview(remFriday) {
			if it.SubjectID == ag && it.Recipient == recipient && it.Rule == db.RuleAttendance {
				return it.FirstName
			}
		}
		t.Fatalf("no attendance item for %s", recipient)
		return ""
	}
	if got := name(sup); got != "Chen" {
		t.Fatalf("with consent the supervisor's item has %q, want Chen", got)
	}
	if _, err := f.st.WithdrawConsent(ctx, pid, f.org, f.adviser, ""); err != nil {
		t.Fatal(err)
	}
	if got := name(sup); got != "" {
		t.Errorf("after the withdrawal the supervisor's item has %q", got)
	}
	if _, err := f.st.GiveConsent(ctx, db.ConsentInput{ParticipantID: pid, OrganisationID: f.org, Items: []string{db.ItemFirstName},
		GivenHow: db.ConsentInPerson, ActorID: f.adviser}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetProtection(ctx, pid, f.adviser, db.ProtectionKode6, ""); err != nil {
		t.Fatal(err)
	}
	if got := name(sup); got != "" {
		t.Errorf("for kode 6 the supervisor's item has %q", got)
	}
}
