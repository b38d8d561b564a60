package db_test

import (
	"context"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestRetentionPrunesRemindersSent: the retention job deletes the
// reminders' dedupe rows that can no longer stop a second mail, at least
// 30 days old, and keeps those a rule could still match (a date still
// ahead, an organisation still awaiting approval, a rule it does not
// know) and every younger row; the count is in the run's job_runs record
// as the other prunings' are.
func TestRetentionPrunesRemindersSent(t *testing.T) {
	st := dbtest.Open(t) // the counts are of this database's rows only
	st.Clock = func() time.Time { return time.Date(2030, 3, 12, 3, 30, 0, 0, osloZone) }
	ctx := context.Background()
	approved, _ := newOrg(t, st)
	pending, _ := newOrg(t, st)
	if _, err := st.DB.Exec(`UPDATE organisations SET approved_at = NULL WHERE id = $1`, pending); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name, rule string
		subject    int64
		period     string
		daysAgo    int
		kept       bool
	}{
		{"an attendance week long past", db.RuleAttendance, 1, "2030-01-28", 40, false},
		{"an attendance week a day past the margin", db.RuleAttendance, 2, "2030-02-04", 31, false},
		{"an attendance week just inside the margin", db.RuleAttendance, 3, "2030-02-04", 30, true},
		{"last week's attendance", db.RuleAttendance, 4, "2030-03-02", 5, true},
		{"a start date past", db.RuleStarts, 5, "2030-02-01", 40, false},
		{"an ended week's follow-up", db.RuleFollowUp, 6, "2030-W05", 40, false},
		{"a programme end past", db.RuleProgrammeEnd, 7, "2030-03-01", 60, false},
		{"a programme end ahead", db.RuleProgrammeEnd, 8, "2030-05-01", 40, true},
		{"an end date past, but sent 20 days ago", db.RuleEnds, 9, "2030-02-25", 20, true},
		{"an evaluation of an agreement that is gone", db.RuleEvaluation, 1 << 40, "start", 40, false},
		{"NAV awaited on an agreement that is gone", db.RuleNAVAwaiting, 1 << 40, "3", 40, false},
		{"an organisation approved since", db.RuleOrgWaiting, approved, "pending", 40, false},
		{"an organisation still awaiting approval", db.RuleOrgWaiting, pending, "pending", 400, true},
		{"a rule the job does not know", "a_future_rule", 10, "x", 400, true},
	}
	for _, r := range rows {
		if _, err := st.DB.Exec(`INSERT INTO reminders_sent (rule, subject_id, period, recipient, sent_on)
			VALUES ($1, $2, $3, 'mottaker@test.example', DATE '2030-03-12' - $4::int)`, r.rule, r.subject, r.period, r.daysAgo); err != nil {
			t.Fatal(err)
		}
	}
	out, err := st.RunJob(ctx, "retention", time.Date(2030, 3, 12, 3, 30, 0, 0, osloZone), true, func(tx *db.JobTx) (map[string]any, error) {
		return tx.DeleteExpired(ctx)
	})
	if err != nil || out.Err != nil {
		t.Fatal(err, out.Err)
	}
	want := 0
	for _, r := range rows {
		var kept bool
		if err := st.DB.Get(&kept, `SELECT EXISTS (SELECT 1 FROM reminders_sent WHERE rule = $1 AND subject_id = $2 AND period = $3)`,
			r.rule, r.subject, r.period); err != nil {
			t.Fatal(err)
		}
		if kept != r.kept {
			t.Errorf("%s: kept %v, want %v", r.name, kept, r.kept)
		}
		if !r.kept {
			want++
		}
	}
	if got, ok := out.Stats["reminders_sent"].(int64); !ok || got != int64(want) {
		t.Errorf("the run's count: %v, want %d", out.Stats["reminders_sent"], want)
	}
	var recorded int
	if err := st.DB.Get(&recorded, `SELECT (stats->>'reminders_sent')::int FROM job_runs WHERE id = $1`, out.RunID); err != nil || recorded != want {
		t.Errorf("the job run's record: %d (%v), want %d", recorded, err, want)
	}
}

// TestEveryReminderRuleIsPruned: a reminder rule the pruning does not name
// would keep its rows (and the recipients' ids) for ever.
func TestEveryReminderRuleIsPruned(t *testing.T) {
	for _, r := range db.ReminderRules {
		if _, ok := db.RemindersSentGone[r]; !ok {
			t.Errorf("reminder rule %q has no condition in remindersSentGone (db/retention.go)", r)
		}
	}
	if len(db.RemindersSentGone) != len(db.ReminderRules) {
		t.Errorf("remindersSentGone names %d rules, ReminderRules has %d", len(db.RemindersSentGone), len(db.ReminderRules))
	}
}
