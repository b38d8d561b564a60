package db_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/db/dbtest"
)

// The reminder tests run on a fixed clock in the past (so that a mail
// held to office hours is already due for the real sender): Friday
// 13 June 2025, ISO week 24. The day before is a Thursday.
var (
	remFriday   = *date("2025-06-13")
	remThursday = *date("2025-06-12")
	remMonday   = *date("2025-06-16")
)

var remSeq atomic.Int64

// remFixture is one fresh database (so the rules see only what a test
// made) with an organisation, its employer, an adviser, a NAV user and an
// admin.
type remFixture struct {
	t                  *testing.T
	st                 *db.Store
	org, employer      int64
	adviser, nav, adm  int64
	adviserEmail, navE string
	set                db.ReminderSettings
}

func newRemFixture(t *testing.T) *remFixture {
	t.Helper()
	st := dbtest.Open(t)
	st.Clock = func() time.Time { return time.Date(2025, 6, 13, 7, 0, 0, 0, osloZone) }
	f := &remFixture{t: t, st: st}
	f.org, f.employer = newOrg(t, st)
	f.adviser, f.nav, f.adm = newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleNAV), newStaff(t, st, db.RoleAdmin)
	f.adviserEmail, f.navE = f.email(f.adviser), f.email(f.nav)
	set, err := st.ReminderSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.set = set
	return f
}

var osloZone = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return l
}()

func (f *remFixture) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.st.DB.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *remFixture) email(userID int64) string {
	f.t.Helper()
	var e string
	if err := f.st.DB.Get(&e, `SELECT email FROM users WHERE id = $1`, userID); err != nil {
		f.t.Fatal(err)
	}
	return e
}

// participant adds a participant of the fixture's adviser, linked to its
// NAV user, whose programme ends on end.
func (f *remFixture) participant(first, end string) int64 {
	f.t.Helper()
	id := newParticipant(f.t, f.st, f.adviser, first, 400, db.LevelB1)
	f.exec(`UPDATE participants SET programme_start = '2024-09-01', programme_end = $2, nav_contact_id = $3 WHERE id = $1`, id, end, f.nav)
	return id
}

// agreement makes an approved agreement (through a proposal the employer
// accepts) from start to end with its own supervisor address.
func (f *remFixture) agreement(first, start, end, supervisor string) int64 {
	f.t.Helper()
	p := f.participant(first, "2026-09-01")
	pl := publish(f.t, f.st, f.org, f.employer, db.PlacementInput{Title: "Butikkmedarbeider", Tasks: "Fylle varer", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
	id, err := f.st.DecideProposal(context.Background(), propose(f.t, f.st, f.adviser, p, pl), f.org, f.employer, true, "", "127.0.0.1")
	if err != nil {
		f.t.Fatal(err)
	}
	f.exec(`UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5,
		job_title = 'Butikkmedarbeider', supervisor_name = 'Kari Nordmann', supervisor_email = $4,
		employer_approved_at = now(), consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now()
		WHERE id = $1`, id, start, end, supervisor)
	return id
}

func (f *remFixture) supervisor() string {
	return fmt.Sprintf("veileder-%d-%d@butikk.example", time.Now().UnixNano(), remSeq.Add(1))
}

// logWeek logs a present day on the Monday of a week.
func (f *remFixture) logWeek(agreement int64, monday string) {
	f.exec(`INSERT INTO attendance (agreement_id, day, present, hours) VALUES ($1, $2, true, 6)`, agreement, monday)
}

func (f *remFixture) preview(day time.Time) []db.ReminderItem {
	f.t.Helper()
	items, err := f.st.PreviewReminders(context.Background(), day, f.set)
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

func (f *remFixture) record(day time.Time) []db.ReminderItem {
	f.t.Helper()
	var items []db.ReminderItem
	err := f.st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		var err error
		items, err = db.JobTxOf(tx).RecordReminders(context.Background(), day, f.set, 0)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return items
}

// has reports whether items hold the rule's item about subject for recipient.
func has(items []db.ReminderItem, rule string, subject int64, recipient string) bool {
	for _, it := range items {
		if it.Rule == rule && it.SubjectID == subject && it.Recipient == recipient {
			return true
		}
	}
	return false
}

func about(items []db.ReminderItem, rule string, subject int64) []db.ReminderItem {
	var out []db.ReminderItem
	for _, it := range items {
		if it.Rule == rule && it.SubjectID == subject {
			out = append(out, it)
		}
	}
	return out
}

// TestReminderRules: each rule on the day it falls due (Friday) and the
// day before (Thursday), with a case that never falls due beside it.
func TestReminderRules(t *testing.T) {
	f := newRemFixture(t)

	// 1. Starts on the next working day: Monday's start is announced on
	// Friday (to the supervisor and the adviser), Tuesday's is not.
	startSup := f.supervisor()
	aStart := f.agreement("Amal", "2025-06-16", "2025-09-30", startSup)
	aLater := f.agreement("Berhane", "2025-06-17", "2025-09-30", f.supervisor())
	// 2. Attendance: the week of 9 June is due from Friday; the week of
	// 2 June, due on Thursday, is logged. aAttDone has both weeks logged.
	attSup := f.supervisor()
	aAtt := f.agreement("Chen", "2025-06-02", "2025-09-30", attSup)
	f.logWeek(aAtt, "2025-06-02")
	aAttDone := f.agreement("Dalia", "2025-06-02", "2025-09-30", f.supervisor())
	f.logWeek(aAttDone, "2025-06-02")
	f.logWeek(aAttDone, "2025-06-09")
	// 3. The start evaluation two weeks after a start on 30 May; one
	// already filled in.
	aEval := f.agreement("Emil", "2025-05-30", "2025-09-30", f.supervisor())
	aEvalDone := f.agreement("Fatima", "2025-05-30", "2025-09-30", f.supervisor())
	f.exec(`INSERT INTO evaluations (agreement_id, phase, punctuality) VALUES ($1, 'start', 3)`, aEvalDone)
	// 4. Follow-up every 4 weeks from a start on 16 May: due 13 June.
	aFollow := f.agreement("Goran", "2025-05-16", "2025-09-30", f.supervisor())
	// 5. Ends on 27 June: 14 days after Friday.
	endSup := f.supervisor()
	aEnds := f.agreement("Hana", "2025-05-01", "2025-06-27", endSup)
	// 6. A proposal made on Friday 6 June: five working days on 13 June.
	pPart := f.participant("Ivan", "2026-09-01")
	pPlacement := publish(t, f.st, f.org, f.employer, db.PlacementInput{Title: "Lager", Tasks: "Plukke", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 2", Seats: 1})
	prop := propose(t, f.st, f.adviser, pPart, pPlacement)
	f.exec(`UPDATE proposals SET created_at = '2025-06-06 10:00+02' WHERE id = $1`, prop)
	// 7. Programmes ending on 11 September (90 days after Friday): one
	// with nothing reached, one with every goal reached and a job.
	pEnd := f.participant("Jamal", "2025-09-11")
	pDone := f.participant("Kateryna", "2025-09-11")
	for _, skill := range []string{"listening", "reading", "writing", "oral"} {
		f.exec(`INSERT INTO language_results (participant_id, skill, level, taken_on, source) VALUES ($1, $2, 'b1', '2025-05-01', 'norskprove')`, pDone, skill)
	}
	// The job began in May: the one risk rule (participant_measure) counts
	// an outcome from its date on, not one that begins after the day.
	f.exec(`INSERT INTO outcomes (participant_id, kind, from_date) VALUES ($1, 'work_full', '2025-05-15')`, pDone)
	// 8. An organisation registered on Wednesday 11 June, waiting.
	var oWait int64
	if err := f.st.DB.Get(&oWait, `INSERT INTO organisations (name, org_number, kind, sector, municipality, created_at)
		VALUES ('Ventende AS', '999999999', 'business', 'retail', 'Trondheim', '2025-06-11 10:00+02') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	admin := f.email(f.adm)

	thu, fri := f.preview(remThursday), f.preview(remFriday)
	cases := []struct {
		name      string
		rule      string
		subject   int64
		recipient string
		thu, fri  bool
	}{
		{"starts Monday, supervisor", db.RuleStarts, aStart, startSup, false, true},
		{"starts Monday, adviser", db.RuleStarts, aStart, f.adviserEmail, false, true},
		{"starts Tuesday", db.RuleStarts, aLater, f.adviserEmail, false, false},
		{"attendance missing", db.RuleAttendance, aAtt, attSup, false, true},
		{"attendance logged", db.RuleAttendance, aAttDone, "", false, false},
		{"start evaluation", db.RuleEvaluation, aEval, "", false, true},
		{"start evaluation done", db.RuleEvaluation, aEvalDone, "", false, false},
		{"follow-up", db.RuleFollowUp, aFollow, f.adviserEmail, false, true},
		{"ends, supervisor", db.RuleEnds, aEnds, endSup, false, true},
		{"ends, adviser", db.RuleEnds, aEnds, f.adviserEmail, false, true},
		{"proposal, employer", db.RuleProposal, prop, f.email(f.employer), false, true},
		{"proposal, adviser (5 more working days)", db.RuleProposalAdviser, prop, f.adviserEmail, false, false},
		{"programme ends, adviser", db.RuleProgrammeEnd, pEnd, f.adviserEmail, false, true},
		{"programme ends, NAV", db.RuleProgrammeEnd, pEnd, f.navE, false, true},
		{"programme ends, goals met", db.RuleProgrammeEnd, pDone, "", false, false},
		{"organisation waiting", db.RuleOrgWaiting, oWait, admin, false, true},
	}
	for _, c := range cases {
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

	// What an item carries: the first name only, the dates of the rule.
	if it := about(fri, db.RuleAttendance, aAtt); len(it) != 1 || it[0].FirstName != "Chen" || it[0].Week == nil ||
		it[0].Week.Format("2006-01-02") != "2025-06-09" || it[0].Period != "2025-06-09" || it[0].HasAccount || it[0].Locale != "nb" {
		t.Errorf("attendance item: %+v", it)
	}
	if it := about(fri, db.RuleEvaluation, aEval); len(it) != 1 || it[0].Phase != "start" {
		t.Errorf("evaluation items of a start on 30 May: %+v, want only the start phase", it)
	}
	if it := about(fri, db.RuleProgrammeEnd, pEnd); len(it) != 2 || it[0].Phase != db.RiskNoOutcome || it[1].Phase != db.RiskNoOutcome {
		t.Errorf("programme-end items: %+v, want the one rule's reason (no plan: the sluttmål, and no outcome)", it)
	}
	if it := about(fri, db.RuleFollowUp, aFollow); len(it) != 1 || it[0].Period != "2025-W24" || it[0].On.Format("2006-01-02") != "2025-06-13" {
		t.Errorf("follow-up item: %+v", it)
	}
	// The adviser hears of the proposal five working days after the
	// employer: Friday 20 June, not Thursday 19 June.
	if !has(f.preview(*date("2025-06-20")), db.RuleProposalAdviser, prop, f.adviserEmail) || has(f.preview(*date("2025-06-19")), db.RuleProposalAdviser, prop, f.adviserEmail) {
		t.Error("the adviser should hear of the unanswered proposal on 20 June, not before")
	}
	// Answered, the proposal is no longer due.
	f.exec(`UPDATE proposals SET status = 'declined' WHERE id = $1`, prop)
	if got := about(f.preview(remFriday), db.RuleProposal, prop); len(got) != 0 {
		t.Errorf("a declined proposal is still due: %+v", got)
	}
	// The thresholds are read from the settings: 15 days catches Hana's
	// end already on Thursday.
	f.set.EndsWithinDays = 15
	if !has(f.preview(remThursday), db.RuleEnds, aEnds, endSup) {
		t.Error("with 15 days, an end 15 days ahead is due")
	}
}

// TestReminderRulesRejectedOrganisation: once an approved organisation is
// rejected, its supervisors and employers get no more reminders (their
// one-click links would answer 410); the adviser still does.
func TestReminderRulesRejectedOrganisation(t *testing.T) {
	f := newRemFixture(t)
	startSup, attSup := f.supervisor(), f.supervisor()
	aStart := f.agreement("Amal", "2025-06-16", "2025-09-30", startSup)
	aAtt := f.agreement("Chen", "2025-06-02", "2025-09-30", attSup)
	f.logWeek(aAtt, "2025-06-02")
	aEval := f.agreement("Emil", "2025-05-30", "2025-09-30", f.supervisor())
	pPart := f.participant("Ivan", "2026-09-01")
	pl := publish(t, f.st, f.org, f.employer, db.PlacementInput{Title: "Lager", Tasks: "Plukke", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 2", Seats: 1})
	prop := propose(t, f.st, f.adviser, pPart, pl)
	f.exec(`UPDATE proposals SET created_at = '2025-06-06 10:00+02' WHERE id = $1`, prop)
	employer := f.email(f.employer)
	due := func(items []db.ReminderItem) map[string]bool {
		return map[string]bool{
			"starts, supervisor": has(items, db.RuleStarts, aStart, startSup), "starts, adviser": has(items, db.RuleStarts, aStart, f.adviserEmail),
			"attendance": has(items, db.RuleAttendance, aAtt, attSup), "evaluation": len(about(items, db.RuleEvaluation, aEval)) > 0,
			"proposal, employer": has(items, db.RuleProposal, prop, employer),
		}
	}
	for k, v := range due(f.preview(remFriday)) {
		if !v {
			t.Fatalf("%s: not due while the organisation is approved", k)
		}
	}
	if _, err := f.st.DecideOrganisation(context.Background(), f.org, f.adm, false, ""); err != nil {
		t.Fatal(err)
	}
	for k, v := range due(f.preview(remFriday)) {
		if want := k == "starts, adviser"; v != want {
			t.Errorf("%s after the rejection: due %v, want %v", k, v, want)
		}
	}
}

// TestRemindersRecordOnce: recording marks items sent, so the same day
// again records nothing; the follow-up comes back in the next ISO week
// until it is held; two runs at once record each item once.
func TestRemindersRecordOnce(t *testing.T) {
	f := newRemFixture(t)
	aFollow := f.agreement("Goran", "2025-05-16", "2025-09-30", f.supervisor())
	f.logWeek(aFollow, "2025-06-09") // no attendance items to think of

	first := f.record(remFriday)
	if !has(first, db.RuleFollowUp, aFollow, f.adviserEmail) {
		t.Fatalf("first run: %+v, want the follow-up", first)
	}
	if again := f.record(remFriday); len(again) != 0 {
		t.Errorf("the same day again recorded %d items: %+v", len(again), again)
	}
	if p := f.preview(remFriday); len(p) != 0 {
		t.Errorf("the preview after the run still lists %+v", p)
	}
	// Saturday is the same ISO week: nothing. (Nobody gets weekends by
	// default either.)
	if sat := f.record(*date("2025-06-14")); len(sat) != 0 {
		t.Errorf("Saturday: %+v", sat)
	}

	// Monday, week 25, run twice at the same time in two transactions: the
	// second waits on the first's rows and then records nothing.
	ctx := context.Background()
	tx1, err := f.st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback()
	items1, err := db.JobTxOf(tx1).RecordReminders(ctx, remMonday, f.set, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fu := about(items1, db.RuleFollowUp, aFollow); len(fu) != 1 || fu[0].Period != "2025-W25" {
		t.Fatalf("Monday: %+v, want the follow-up of week 25", items1)
	}
	type result struct {
		items []db.ReminderItem
		err   error
	}
	done := make(chan result, 1)
	go func() {
		tx2, err := f.st.DB.BeginTxx(ctx, nil)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer tx2.Rollback()
		items, err := db.JobTxOf(tx2).RecordReminders(ctx, remMonday, f.set, 0)
		if err == nil {
			err = tx2.Commit()
		}
		done <- result{items, err}
	}()
	select {
	case r := <-done:
		t.Fatalf("the second run finished while the first was open: %+v, %v", r.items, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || len(r.items) != 0 {
		t.Errorf("the second, concurrent run: %d items (%v), want none", len(r.items), r.err)
	}
	var rows int
	if err := f.st.DB.Get(&rows, `SELECT count(*) FROM reminders_sent WHERE rule = 'follow_up' AND subject_id = $1`, aFollow); err != nil {
		t.Fatal(err)
	}
	if rows != 2 {
		t.Errorf("%d follow-up rows, want 2 (weeks 24 and 25)", rows)
	}

	// Held on Tuesday: not due again until four weeks later.
	f.exec(`INSERT INTO follow_ups (agreement_id, held_on, written_by) VALUES ($1, '2025-06-17', $2)`, aFollow, f.adviser)
	if got := about(f.preview(*date("2025-06-23")), db.RuleFollowUp, aFollow); len(got) != 0 {
		t.Errorf("a follow-up held last week is due again: %+v", got)
	}
	if got := about(f.preview(*date("2025-07-15")), db.RuleFollowUp, aFollow); len(got) != 1 {
		t.Errorf("four weeks after the follow-up: %+v, want it due", got)
	}
}
