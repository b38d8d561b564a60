package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
)

// absenceFx is a running agreement whose employer reported two days
// absent last week: Monday under the old scheme with its category (as
// migration 00017 leaves it: a proposal, not a classification), Tuesday
// with the new mark.
type absenceFx struct {
	attAgreementFx
	monday, tuesday string
}

func (ta *testApp) newAbsenceFx() absenceFx {
	ta.t.Helper()
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	week := calendar.Monday(today()).AddDate(0, 0, -7)
	f := absenceFx{attAgreementFx: ta.attendanceAgreement(employer, adviser, ymd(week.AddDate(0, 0, -14)), ymd(today().AddDate(0, 0, 60)), true),
		monday: ymd(week), tuesday: ymd(week.AddDate(0, 0, 1))}
	ta.exec(`INSERT INTO attendance (agreement_id, day, present, hours, absence, mark, logged_by) VALUES
		($1, $2, false, 0, 'sick_child', 'absent', $4), ($1, $3, false, 0, NULL, 'absent_notified', $4)`, f.id, f.monday, f.tuesday, employer.ID)
	return f
}

func (f absenceFx) absencePath() string { return "/participants/" + itoa(f.participant) + "/absence" }

// absenceState is everything classifying leaves behind.
func (ta *testApp) absenceState(participantID int64) string {
	ta.t.Helper()
	var s string
	err := ta.store.DB.Get(&s, `SELECT concat_ws(' | ',
		(SELECT string_agg(day || ':' || classification || ':' || note, ',' ORDER BY day) FROM absence_classifications WHERE participant_id = $1),
		(SELECT count(*) FROM audit_log WHERE entity = 'participant' AND entity_id = $1 AND action = 'participant.absence_classified'),
		(SELECT string_agg(day || ':' || coalesce(mark, '-') || ':' || coalesce(absence, '-'), ',' ORDER BY day)
			FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id WHERE ag.participant_id = $1))`, participantID)
	if err != nil {
		ta.t.Fatal(err)
	}
	return s
}

func TestAbsenceClassify(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newAbsenceFx()
	c := ta.sessionFor(f.adviser)

	// The old category is shown as the employer's proposal, not as a
	// classification, and both days wait for the adviser.
	res := c.get(f.absencePath())
	if res.status != http.StatusOK {
		t.Fatalf("absence page: %d", res.status)
	}
	proposed := strings.ReplaceAll(msg(t, "nb", "absence.proposed"), "{{.Category}}", msg(t, "nb", "attendance.absence_sick_child"))
	notified := strings.ReplaceAll(msg(t, "nb", "absence.reported"), "{{.Mark}}", msg(t, "nb", "absence.mark.absent_notified"))
	unclassified := strings.NewReplacer("{{.Count}}", "2", "{{.Date}}", dateOf(mustDate(t, f.monday))).Replace(msg(t, "nb", "absence.flag.unclassified"))
	for _, want := range []string{proposed, notified, unclassified} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("absence page lacks %q", want)
		}
	}
	if n := strings.Count(res.text(), msg(t, "nb", "absence.unclassified")); n != 2 {
		t.Errorf("%d days marked not classified, want 2", n)
	}

	// Classify Monday as a sick child, then change it: audited each time.
	for _, cls := range []string{db.AbsenceSickChild, db.AbsenceWelfareLeave} {
		res = c.post(f.absencePath(), url.Values{"day": {f.monday}, "row": {f.monday}, "classification": {cls}, "note": {"Ringte om morgenen"}})
		if res.status != http.StatusSeeOther || res.location() != f.absencePath() {
			t.Fatalf("classify as %s: %d %s", cls, res.status, res.location())
		}
	}
	// A day outside the placements (Norwegian class), added by the adviser.
	extra := ymd(today().AddDate(0, -2, 0))
	if res := c.post(f.absencePath(), url.Values{"day": {extra}, "classification": {db.AbsenceInvalid}}); res.status != http.StatusSeeOther {
		t.Fatalf("add a day: %d", res.status)
	}
	want := extra + ":invalid:," + f.monday + ":welfare_leave:Ringte om morgenen | 3 | " + f.monday + ":absent:sick_child," + f.tuesday + ":absent_notified:-"
	if got := ta.absenceState(f.participant); got != want {
		t.Errorf("stored: %s\nwant:   %s", got, want)
	}
	page := c.get(f.absencePath()).text()
	for _, want := range []string{msg(t, "nb", "flash.absence_classified"), msg(t, "nb", "absence.added_by_adviser"),
		strings.NewReplacer("{{.Date}}", dateOf(mustDate(t, extra))).Replace(msg(t, "nb", "absence.flag.invalid"))} {
		if !strings.Contains(page, want) {
			t.Errorf("page after classifying lacks %q", want)
		}
	}
	// The employer's proposal stays visible beside the classification.
	if !strings.Contains(page, proposed) {
		t.Error("the employer's old category vanished once classified")
	}
}

func TestAbsenceBadInput(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newAbsenceFx()
	c := ta.sessionFor(f.adviser)
	pt := ta.participant(f.participant)
	cases := []struct {
		name  string
		form  url.Values
		msgID string
	}{
		{"no day", url.Values{"classification": {db.AbsenceInvalid}}, "form.required"},
		{"not a date", url.Values{"day": {"31.02.2026"}, "classification": {db.AbsenceInvalid}}, "placement.date_invalid"},
		{"no classification", url.Values{"day": {f.monday}, "row": {f.monday}}, "form.choose"},
		{"the employer's old category", url.Values{"day": {f.monday}, "row": {f.monday}, "classification": {"illness"}}, "form.choose"},
		{"note too long", url.Values{"day": {f.monday}, "row": {f.monday}, "classification": {db.AbsenceSickChild}, "note": {strings.Repeat("n", 501)}}, "form.too_long"},
		{"before the programme", url.Values{"day": {ymd(pt.ProgrammeStart.AddDate(0, 0, -1))}, "classification": {db.AbsenceInvalid}}, "absence.outside_programme"},
		{"after the programme", url.Values{"day": {ymd(pt.ProgrammeEnd.AddDate(0, 0, 1))}, "classification": {db.AbsenceInvalid}}, "absence.outside_programme"},
	}
	before := ta.absenceState(f.participant)
	for _, tc := range cases {
		res := c.post(f.absencePath(), tc.form)
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", tc.name, res.status)
			continue
		}
		if !strings.Contains(res.text(), msg(t, "nb", tc.msgID)) {
			t.Errorf("%s: no message %s", tc.name, tc.msgID)
		}
	}
	if after := ta.absenceState(f.participant); after != before {
		t.Errorf("refused classifications changed %s to %s", before, after)
	}
}

// TestAbsenceNonAdviser: nobody but the participant's adviser reads or
// classifies their absence; the employer least of all.
func TestAbsenceNonAdviser(t *testing.T) {
	ta := newTestApp(t)
	f := ta.newAbsenceFx()
	before := ta.absenceState(f.participant)
	for _, who := range []struct {
		name   string
		c      *client
		status int
	}{
		{"the employer", ta.sessionFor(f.employer), http.StatusForbidden},
		{"NAV", ta.sessionFor(ta.createUser(db.RoleNAV)), http.StatusForbidden},
		{"an admin", ta.sessionFor(ta.createUser(db.RoleAdmin)), http.StatusForbidden},
		{"another adviser", ta.sessionFor(ta.createUser(db.RoleAdviser)), http.StatusNotFound},
	} {
		if res := who.c.get(f.absencePath()); res.status != who.status {
			t.Errorf("%s reads: %d, want %d", who.name, res.status, who.status)
		}
		form := url.Values{"day": {f.monday}, "classification": {db.AbsenceInvalid}}
		if res := who.c.post(f.absencePath(), form); res.status != who.status {
			t.Errorf("%s classifies: %d, want %d", who.name, res.status, who.status)
		}
	}
	if after := ta.absenceState(f.participant); after != before {
		t.Errorf("refused classifications changed %s to %s", before, after)
	}
}

// mustDate reads a yyyy-mm-dd day.
func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
