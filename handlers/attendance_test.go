package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// The attendance tests run the app on a fixed clock: Wednesday 12 June
// 2030, so this week began on Monday 10 June, Thursday 13 and Friday 14
// are still to come, and last week began on 3 June. (Link tokens expire
// on the database's clock, which the tests move by editing expires_at.)
var attendanceNow = time.Date(2030, 6, 12, 8, 0, 0, 0, time.UTC)

const (
	attStart    = "2030-05-13"
	attEnd      = "2030-08-30"
	attLastWeek = "2030-06-03"
	attThisWeek = "2030-06-10"
)

// attAgreementFx is a running agreement between the employer's
// organisation and the adviser's participant.
type attAgreementFx struct {
	id, participant int64
	employer        db.User
	adviser         db.User
	first, last     string
	supervisor      string // the supervisor's e-mail
	title           string // the placement's title
	job             string // the agreement's job title, which the forms show
}

// attendanceAgreement makes an agreement through the real flow (proposal,
// acceptance) and moves it to the state a test needs with SQL: dated from
// start to end and, if approved, approved by all.
func (ta *testApp) attendanceAgreement(employer, adviser db.User, start, end string, approved bool) attAgreementFx {
	ta.t.Helper()
	f := attAgreementFx{employer: employer, adviser: adviser, first: unique("Amina"), last: unique("Haddad"),
		supervisor: unique("veileder") + "@test.example", title: unique("Lagermedarbeider "), job: unique("Lagerjobb ")}
	f.participant = ta.storeParticipant(adviser, participantInput(f.first, f.last))
	in := completePlacement(unique("Kommune "))
	in.Title, in.SupervisorEmail = f.title, f.supervisor
	pl := ta.storePlacement(employer, in, db.PlacementPublished)
	prop := ta.storeProposal(adviser, f.participant, pl, "", "")
	id, err := ta.store.DecideProposal(context.Background(), prop, *employer.OrganisationID, employer.ID, true, "", "192.0.2.1")
	if err != nil {
		ta.t.Fatal(err)
	}
	f.id = id
	ta.exec(`UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5, job_title = $5,
		supervisor_name = 'Kari Nordmann', supervisor_email = $4 WHERE id = $1`, id, start, end, f.supervisor, f.job)
	if approved {
		ta.exec(`UPDATE agreements SET employer_approved_at = now(), consent_at = now(), consent_mode = 'in_person',
			adviser_approved_at = now() WHERE id = $1`, id)
	}
	return f
}

func (f attAgreementFx) path(rest string) string {
	return fmt.Sprintf("/agreements/%d%s", f.id, rest)
}

// attendanceState is everything attendance and evaluations of an
// agreement leave behind, to show that a refused request changed nothing.
func (ta *testApp) attendanceState(id int64) string {
	ta.t.Helper()
	var s string
	err := ta.store.DB.Get(&s, `SELECT concat_ws(' | ',
		(SELECT string_agg(day || ':' || coalesce(mark, present::text) || ':' || hours || ':' || coalesce(absence, '-') || ':' || coalesce(logged_by::text, 'link'), ',' ORDER BY day)
			FROM attendance WHERE agreement_id = $1),
		(SELECT string_agg(phase || ':' || coalesce(written_by::text, 'link'), ',' ORDER BY phase) FROM evaluations WHERE agreement_id = $1),
		(SELECT count(*) FROM audit_log WHERE entity = 'agreement' AND entity_id = $1
			AND action IN ('agreement.attendance', 'agreement.evaluation', 'agreement.link_sent')),
		(SELECT count(*) FROM link_tokens WHERE payload->>'agreement_id' = $1::text))`, id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return s
}

// fixedClock sets the app's day to attendanceNow.
func (ta *testApp) fixedClock() { ta.store.Clock = func() time.Time { return attendanceNow } }

func weekForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestAttendanceWeek: the employer logs a week day by day; the rows
// replace the week's, with an audit row; the form shows them again; the
// adviser sees the week and the rate on the agreement; the employer does
// not see the flags, the adviser does.
func TestAttendanceWeek(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer, adviser := ta.sessionFor(employerUser), ta.sessionFor(adviserUser)

	res := employer.get(f.path("/attendance/" + attLastWeek))
	if res.status != http.StatusOK {
		t.Fatalf("week form: %d %s", res.status, res.visible())
	}
	for _, want := range []string{f.first, f.job, fill(msg(t, "nb", "attendance.week_heading"), "Week", "23", "Date", "03.06.2030"),
		msg(t, "nb", "attendance.weekday_5")} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("week form lacks %q", want)
		}
	}
	if strings.Contains(res.text(), msg(t, "nb", "attendance.weekday_6")) {
		t.Error("a five-day agreement's form shows Saturday")
	}
	// No reason is asked for: the form has the four marks and hours only.
	for _, absent := range []string{`name="absence_`, `name="reason`, msg(t, "nb", "attendance.absence_illness")} {
		if strings.Contains(res.body, absent) {
			t.Errorf("the week form still asks for a reason: %q", absent)
		}
	}
	for _, m := range db.EmployerMarks {
		if !strings.Contains(res.body, `name="state_0" value="`+m+`"`) {
			t.Errorf("the week form does not offer %s", m)
		}
	}
	// Hours typed on a day not present (as "every day as agreed" fills
	// them) are not stored: an exception is one click.
	res = employer.post(f.path("/attendance/"+attLastWeek), weekForm("state_0", "present", "hours_0", "7,5",
		"state_1", "absent_notified", "hours_1", "6", "state_2", "present", "hours_2", "6", "state_3", "not_work_day", "hours_3", "6",
		"state_4", "absent_not_notified"))
	if res.status != http.StatusSeeOther || res.location() != f.path("") {
		t.Fatalf("save: %d %s %s", res.status, res.location(), res.visible())
	}
	want := fmt.Sprintf("2030-06-03:present:7.5:-:%d,2030-06-04:absent_notified:0.0:-:%[1]d,2030-06-05:present:6.0:-:%[1]d,"+
		"2030-06-06:not_work_day:0.0:-:%[1]d,2030-06-07:absent_not_notified:0.0:-:%[1]d | 1 | 0", employerUser.ID)
	if got := ta.attendanceState(f.id); got != want {
		t.Errorf("after saving:\n%s\nwant\n%s", got, want)
	}
	// Shown again as logged; saving again replaces the week.
	res = employer.get(f.path("/attendance/" + attLastWeek))
	if !strings.Contains(res.body, `value="7,5"`) || !strings.Contains(res.body, `name="state_1" value="absent_notified" checked`) ||
		!strings.Contains(res.body, `name="state_3" value="not_work_day" checked`) {
		t.Error("the form does not show what is logged (hours as typed in Norwegian, 7,5)")
	}
	employer.post("/lang", url.Values{"lang": {"en"}})
	if res := employer.get(f.path("/attendance/" + attLastWeek)); !strings.Contains(res.body, `value="7.5"`) {
		t.Error("in English the hours are not shown as 7.5")
	}
	employer.post("/lang", url.Values{"lang": {"nb"}})
	res = employer.post(f.path("/attendance/"+attLastWeek), weekForm("state_0", "present", "hours_0", "4"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("second save: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != fmt.Sprintf("2030-06-03:present:4.0:-:%d | 2 | 0", employerUser.ID) {
		t.Errorf("after saving again: %s", got)
	}
	// This week: days up to today can be logged.
	res = employer.post(f.path("/attendance/"+attThisWeek), weekForm("state_0", "present", "hours_0", "6", "state_1", "absent_not_notified",
		"state_2", "present", "hours_2", "6"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("this week: %d %s", res.status, res.visible())
	}

	// The adviser sees the weeks, the rate and the flags on the agreement:
	// the absence not classified yet, then, once the adviser has
	// classified it, the classification's flag (never the employer's
	// mark); the employer sees the weeks but not the flags.
	ta.exec(`UPDATE participants SET programme_start = '2030-01-02', programme_end = '2031-12-31' WHERE id = $1`, f.participant)
	res = adviser.get(f.path(""))
	if !strings.Contains(res.text(), fill(msg(t, "nb", "absence.flag.unclassified"), "Count", "1", "Date", "11.06.2030")) {
		t.Error("the adviser's agreement page does not flag the unclassified absence of 11 June")
	}
	res = adviser.get(fmt.Sprintf("/participants/%d/absence", f.participant))
	if !strings.Contains(res.text(), fill(msg(t, "nb", "absence.reported"), "Mark", msg(t, "nb", "absence.mark.absent_not_notified"))) {
		t.Error("the adviser's absence page does not show the employer's mark")
	}
	res = adviser.post(fmt.Sprintf("/participants/%d/absence", f.participant), url.Values{"day": {"2030-06-11"}, "row": {"2030-06-11"},
		"classification": {db.AbsenceInvalid}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("classify: %d %s", res.status, res.visible())
	}
	res = adviser.get(f.path(""))
	if res.status != http.StatusOK {
		t.Fatalf("agreement page as the adviser: %d", res.status)
	}
	page := res.text()
	for _, w := range []string{fill(msg(t, "nb", "attendance.week_label"), "Week", "23", "Date", "03.06.2030"),
		fill(msg(t, "nb", "attendance.rate"), "Percent", "75"), fill(msg(t, "nb", "absence.flag.invalid"), "Date", "11.06.2030"),
		msg(t, "nb", "attendance.never_deducts")} {
		if !strings.Contains(page, w) {
			t.Errorf("the adviser's agreement page lacks %q", w)
		}
	}
	if strings.Contains(page, `href="`+f.path("/attendance/")) {
		t.Error("the adviser is offered to log a week")
	}
	res = employer.get(f.path(""))
	if res.status != http.StatusOK || strings.Contains(res.text(), fill(msg(t, "nb", "absence.flag.invalid"), "Date", "11.06.2030")) {
		t.Errorf("employer's agreement page: %d, or it shows the flags", res.status)
	}
	if !strings.Contains(res.body, `href="`+f.path("/attendance/"+attLastWeek)+`"`) {
		t.Error("the employer is not offered to log last week")
	}
}

// TestAttendanceAsAgreed: "every day as agreed" fills the days left
// empty – the agreement's days a week present with its hours a day, the
// rest not a work day – and answers the form to check, saving nothing;
// exceptions chosen first are kept; the week then saves in one submit:
// open, fill, save, three interactions. The same through the one-click
// link. A day logged before marks is shown as such and kept.
func TestAttendanceAsAgreed(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer := ta.sessionFor(employerUser)
	before := ta.attendanceState(f.id)

	res := employer.get(f.path("/attendance/" + attLastWeek)) // 1: open the week
	if res.status != http.StatusOK || !strings.Contains(res.body, `name="fill" value="agreed"`) ||
		!strings.Contains(res.text(), fill(msg(t, "nb", "attendance.agreed_hint"), "Days", "5", "Hours", "6")) {
		t.Fatalf("the week form offers no 'every day as agreed': %d", res.status)
	}
	res = employer.post(f.path("/attendance/"+attLastWeek), weekForm("fill", "agreed", "state_2", "absent_notified")) // 2: as agreed
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "attendance.filled")) {
		t.Fatalf("fill: %d %s", res.status, res.visible())
	}
	if got := ta.attendanceState(f.id); got != before {
		t.Errorf("filling saved something: %s", got)
	}
	form := url.Values{}
	for i, want := range []string{"present", "present", "absent_notified", "present", "present"} {
		if !strings.Contains(res.body, fmt.Sprintf(`name="state_%d" value="%s" checked`, i, want)) {
			t.Errorf("day %d is not %s after the fill", i, want)
		}
		hours := ""
		if want == "present" {
			hours = "6"
			if !strings.Contains(res.body, fmt.Sprintf(`name="hours_%d" type="text" inputmode="decimal" value="6"`, i)) {
				t.Errorf("day %d has not the agreed 6 hours", i)
			}
		}
		form.Set(fmt.Sprintf("state_%d", i), want)
		form.Set(fmt.Sprintf("hours_%d", i), hours)
	}
	res = employer.post(f.path("/attendance/"+attLastWeek), form) // 3: save
	if res.status != http.StatusSeeOther {
		t.Fatalf("save the filled week: %d %s", res.status, res.visible())
	}
	want := fmt.Sprintf("2030-06-03:present:6.0:-:%d,2030-06-04:present:6.0:-:%[1]d,2030-06-05:absent_notified:0.0:-:%[1]d,"+
		"2030-06-06:present:6.0:-:%[1]d,2030-06-07:present:6.0:-:%[1]d | 1 | 0", employerUser.ID)
	if got := ta.attendanceState(f.id); got != want {
		t.Errorf("after saving:\n%s\nwant\n%s", got, want)
	}

	// Three days a week of 20 hours: the first three days present with
	// 6,7 hours, Thursday and Friday not a work day; this week only the
	// days up to today (Wednesday) are filled.
	ta.exec(`UPDATE agreements SET days_per_week = 3, hours_per_week = 20 WHERE id = $1`, f.id)
	res = employer.post(f.path("/attendance/"+attThisWeek), weekForm("fill", "agreed"))
	for i, want := range []string{"present", "present", "present"} {
		if !strings.Contains(res.body, fmt.Sprintf(`name="state_%d" value="%s" checked`, i, want)) ||
			!strings.Contains(res.body, fmt.Sprintf(`name="hours_%d" type="text" inputmode="decimal" value="6,7"`, i)) {
			t.Errorf("this week, day %d: not %s with 6,7 hours", i, want)
		}
	}
	if strings.Contains(res.body, `name="state_3"`) || strings.Contains(res.body, `name="state_4"`) {
		t.Error("days still to come are offered")
	}
	res = employer.post(f.path("/attendance/"+attLastWeek), weekForm("fill", "agreed"))
	for i, want := range []string{"present", "present", "present", "not_work_day", "not_work_day"} {
		if !strings.Contains(res.body, fmt.Sprintf(`name="state_%d" value="%s" checked`, i, want)) {
			t.Errorf("three days a week, day %d is not %s", i, want)
		}
	}

	// Through the link: the same fill, nothing saved.
	ta.exec(`UPDATE agreements SET days_per_week = 5, hours_per_week = 30 WHERE id = $1`, f.id)
	token := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeAttendance, Email: f.supervisor, TTL: time.Hour,
		Payload: map[string]any{"agreement_id": f.id, "week": "2030-05-27", "lang": "nb"}})
	visitor := ta.client()
	before = ta.attendanceState(f.id)
	res = visitor.post("/l/"+token, weekForm("fill", "agreed"))
	if res.status != http.StatusOK || !strings.Contains(res.body, `name="state_4" value="present" checked`) {
		t.Errorf("fill through the link: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != before {
		t.Errorf("filling through the link saved: %s", got)
	}

	// A day logged before marks: shown as "absent (logged earlier)" and
	// kept as it was when the week is saved again.
	ta.exec(`INSERT INTO attendance (agreement_id, day, present, absence, mark) VALUES ($1, '2030-05-28', false, 'welfare', 'absent')`, f.id)
	res = employer.get(f.path("/attendance/2030-05-27"))
	if !strings.Contains(res.body, `name="state_1" value="absent" checked`) || !strings.Contains(res.text(), msg(t, "nb", "attendance.mark_absent")) {
		t.Error("a day logged before marks is not shown as such")
	}
	res = employer.post(f.path("/attendance/2030-05-27"), weekForm("state_0", "present", "hours_0", "6", "state_1", "absent"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("save with the legacy day: %d %s", res.status, res.visible())
	}
	if got := ta.attendanceState(f.id); !strings.Contains(got, "2030-05-27:present:6.0:-:") || !strings.Contains(got, "2030-05-28:absent:0.0:welfare:link") {
		t.Errorf("the legacy day was not kept: %s", got)
	}
}

// TestAttendanceRefusals: every bad week, day and agreement is refused
// with its status and message, and nothing changes.
func TestAttendanceRefusals(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer := ta.sessionFor(employerUser)
	employer.post(f.path("/attendance/"+attLastWeek), weekForm("state_0", "present", "hours_0", "5"))
	before := ta.attendanceState(f.id)
	if !strings.HasPrefix(before, "2030-06-03:present:5.0") {
		t.Fatalf("setup: %s", before)
	}

	type refusal struct {
		name, week string
		form       url.Values
		status     int
		msgID      string
	}
	cases := []refusal{
		{"future week", "2030-06-17", weekForm("state_0", "present", "hours_0", "5"), 422, "attendance.future_week"},
		{"week before the start", "2030-05-06", weekForm("state_0", "present", "hours_0", "5"), 422, "attendance.outside"},
		{"week after the end", "2030-09-02", weekForm(), 422, "attendance.future_week"},
		{"not a Monday", "2030-06-04", weekForm("state_0", "present", "hours_0", "5"), 404, "error.not_found"},
		{"not a date", "2030-6-3", weekForm(), 404, "error.not_found"},
		{"present in the future", attThisWeek, weekForm("state_0", "present", "hours_0", "6", "state_3", "present", "hours_3", "6"), 422, "attendance.present_future"},
		{"absent in the future", attThisWeek, weekForm("state_4", "absent_notified"), 422, "attendance.day_future"},
		{"too many hours", attLastWeek, weekForm("state_0", "present", "hours_0", "12.5"), 422, "attendance.hours_range"},
		{"negative hours", attLastWeek, weekForm("state_0", "present", "hours_0", "-1"), 422, "attendance.hours_range"},
		{"hours not a number", attLastWeek, weekForm("state_0", "present", "hours_0", "NaN"), 422, "attendance.hours_range"},
		{"present without hours", attLastWeek, weekForm("state_0", "present"), 422, "attendance.hours_required"},
		{"hours without a mark", attLastWeek, weekForm("hours_1", "6"), 422, "attendance.hours_no_mark"},
		// The old form's category, or any reason field: refused as a whole.
		{"the old form's category", attLastWeek, weekForm("state_0", "absent_notified", "absence_0", "illness"), 422, "attendance.reason_refused"},
		{"an empty old category", attLastWeek, weekForm("state_0", "present", "hours_0", "6", "absence_0", ""), 422, "attendance.reason_refused"},
		{"a reason field", attLastWeek, weekForm("state_0", "absent_not_notified", "reason_0", "syk"), 422, "attendance.reason_refused"},
		{"a reason with every day as agreed", attLastWeek, weekForm("fill", "agreed", "category", "illness"), 422, "attendance.reason_refused"},
		{"the old absent state", attLastWeek, weekForm("state_1", "absent"), 422, "attendance.bad_state"},
		{"a classification as a mark", attLastWeek, weekForm("state_1", "own_illness_egenmelding"), 422, "attendance.bad_state"},
		{"unknown state", attLastWeek, weekForm("state_2", "maybe"), 422, "attendance.bad_state"},
		// One bad day refuses the whole week: the good days are not saved.
		{"one bad day of five", attLastWeek, weekForm("state_0", "present", "hours_0", "6", "state_1", "present", "hours_1", "20"), 422, "attendance.hours_range"},
	}
	for _, tc := range cases {
		res := employer.post(f.path("/attendance/"+tc.week), tc.form)
		if res.status != tc.status || !strings.Contains(res.text(), msg(t, "nb", tc.msgID)) {
			t.Errorf("%s: POST %d, want %d with %q", tc.name, res.status, tc.status, tc.msgID)
		}
		if tc.msgID == "attendance.future_week" || tc.msgID == "attendance.outside" || tc.status == 404 {
			if res := employer.get(f.path("/attendance/" + tc.week)); res.status != tc.status {
				t.Errorf("%s: GET %d, want %d", tc.name, res.status, tc.status)
			}
		}
		if got := ta.attendanceState(f.id); got != before {
			t.Errorf("%s changed the attendance: %s", tc.name, got)
		}
	}
	// The refused form keeps what was typed, with the message by the field.
	res := employer.post(f.path("/attendance/"+attLastWeek), weekForm("state_0", "present", "hours_0", "13"))
	if !strings.Contains(res.body, `value="13"`) || !strings.Contains(res.body, `id="f-hours_0-error"`) {
		t.Error("the refused form lost the value or the field's message")
	}

	// Not started (awaiting approval): 409, for the form, the save, the
	// evaluation and the links.
	waiting := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, false)
	wBefore := ta.attendanceState(waiting.id)
	for _, r := range []struct {
		method, path string
		form         url.Values
	}{
		{"GET", waiting.path("/attendance/" + attLastWeek), nil},
		{"POST", waiting.path("/attendance/" + attLastWeek), weekForm("state_0", "present", "hours_0", "5")},
		{"GET", waiting.path("/evaluations/start"), nil},
		{"POST", waiting.path("/evaluations/start"), weekForm("punctuality", "3", "cooperation", "3", "instructions", "3", "speaking", "3")},
		{"POST", waiting.path("/attendance-link"), weekForm("week", attLastWeek)},
		{"POST", waiting.path("/evaluation-link"), weekForm("phase", "start")},
	} {
		var res response
		if r.method == "GET" {
			res = employer.get(r.path)
		} else {
			res = employer.post(r.path, r.form)
		}
		if res.status != http.StatusConflict || !(strings.Contains(res.text(), msg(t, "nb", "attendance.not_open")) ||
			strings.Contains(res.text(), msg(t, "nb", "evaluation.not_open"))) {
			t.Errorf("%s %s on an agreement awaiting approval: %d", r.method, r.path, res.status)
		}
	}
	if got := ta.attendanceState(waiting.id); got != wBefore {
		t.Errorf("the agreement awaiting approval changed: %s", got)
	}

	// Another organisation's employer: the agreement does not exist (404);
	// the adviser and NAV are not employers (403).
	other := ta.sessionFor(ta.createUser(db.RoleEmployer))
	for _, p := range []string{"/attendance/" + attLastWeek, "/evaluations/start"} {
		if res := other.get(f.path(p)); res.status != http.StatusNotFound {
			t.Errorf("GET %s by another organisation: %d", p, res.status)
		}
		if res := other.post(f.path(p), weekForm("state_0", "present", "hours_0", "1")); res.status != http.StatusNotFound {
			t.Errorf("POST %s by another organisation: %d", p, res.status)
		}
		if res := ta.sessionFor(adviserUser).get(f.path(p)); res.status != http.StatusForbidden {
			t.Errorf("GET %s by the adviser: %d", p, res.status)
		}
	}
	for _, p := range []string{"/attendance-link", "/evaluation-link"} {
		if res := other.post(f.path(p), weekForm("week", attLastWeek, "phase", "start")); res.status != http.StatusNotFound {
			t.Errorf("POST %s by another organisation: %d", p, res.status)
		}
		if res := ta.sessionFor(ta.createUser(db.RoleAdviser)).post(f.path(p), weekForm("week", attLastWeek, "phase", "start")); res.status != http.StatusNotFound {
			t.Errorf("POST %s by another adviser: %d", p, res.status)
		}
	}

	// The employer's access ended: refused with a message, nothing logged.
	ta.exec(`UPDATE agreements SET employer_access_until = '2030-06-11' WHERE id = $1`, f.id)
	for _, p := range []string{"/attendance/" + attLastWeek, "/evaluations/start"} {
		if res := employer.get(f.path(p)); res.status != http.StatusForbidden || !strings.Contains(res.text(), msg(t, "nb", "agreements.access_ended")) {
			t.Errorf("GET %s after the access ended: %d", p, res.status)
		}
	}
	if res := employer.post(f.path("/attendance/"+attLastWeek), weekForm("state_0", "present", "hours_0", "1")); res.status != http.StatusForbidden {
		t.Errorf("POST after the access ended: %d", res.status)
	}
	if res := employer.post(f.path("/attendance-link"), weekForm("week", attLastWeek)); res.status != http.StatusForbidden {
		t.Errorf("link after the access ended: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != before {
		t.Errorf("refusals after the access ended changed the attendance: %s", got)
	}
}

// TestEvaluations: the employer fills in each phase once (a second time is
// 409); an unknown phase is 404; a missing or unknown rating is 422; the
// adviser sees the ratings with their scale words.
func TestEvaluations(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer := ta.sessionFor(employerUser)

	if res := employer.get(f.path("/evaluations/start")); res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "evaluation.not_observed")) {
		t.Fatalf("evaluation form: %d", res.status)
	}
	before := ta.attendanceState(f.id)
	for _, tc := range []struct {
		phase  string
		form   url.Values
		status int
		msgID  string
	}{
		{"final", weekForm("punctuality", "3", "cooperation", "3", "instructions", "3", "speaking", "3"), 404, "error.not_found"},
		{"start", weekForm("punctuality", "3", "cooperation", "3", "instructions", "3"), 422, "evaluation.rating_required"},
		{"start", weekForm("punctuality", "5", "cooperation", "3", "instructions", "3", "speaking", "3"), 422, "evaluation.bad_rating"},
		{"start", weekForm("punctuality", "3", "cooperation", "3", "instructions", "3", "speaking", "3", "comment", strings.Repeat("x", 2001)), 422, "form.too_long"},
	} {
		res := employer.post(f.path("/evaluations/"+tc.phase), tc.form)
		if res.status != tc.status || !strings.Contains(res.text(), msg(t, "nb", tc.msgID)) {
			t.Errorf("%s %v: %d, want %d %s", tc.phase, tc.form, res.status, tc.status, tc.msgID)
		}
	}
	if res := employer.get(f.path("/evaluations/final")); res.status != http.StatusNotFound {
		t.Errorf("GET unknown phase: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != before {
		t.Errorf("refused evaluations changed something: %s", got)
	}
	full := weekForm("punctuality", "4", "cooperation", "3", "instructions", "0", "speaking", "2", "comment", "Blid og presis.")
	if res := employer.post(f.path("/evaluations/start"), full); res.status != http.StatusSeeOther || res.location() != f.path("") {
		t.Fatalf("save: %d %s", res.status, res.visible())
	}
	after := ta.attendanceState(f.id)
	for i, r := range []response{employer.post(f.path("/evaluations/start"), full), employer.get(f.path("/evaluations/start"))} {
		if r.status != http.StatusConflict || !strings.Contains(r.text(), msg(t, "nb", "evaluation.done")) {
			t.Errorf("the start phase again: %d", r.status)
		}
		// A refused save is headed as one; opening the done phase is not.
		heading := []string{"error.heading_409", "error.heading_409_read"}[i]
		if !strings.Contains(r.text(), "<h1 class=\"ds-heading\" data-size=\"lg\">"+msg(t, "nb", heading)+"</h1>") {
			t.Errorf("the start phase again (%d): not headed %q", i, msg(t, "nb", heading))
		}
	}
	if got := ta.attendanceState(f.id); got != after || !strings.Contains(got, fmt.Sprintf("start:%d", employerUser.ID)) {
		t.Errorf("after the second start: %s", got)
	}
	res := ta.sessionFor(adviserUser).get(f.path(""))
	for _, w := range []string{msg(t, "nb", "evaluation.rating_4"), msg(t, "nb", "evaluation.rating_2"), msg(t, "nb", "evaluation.not_observed"), "Blid og presis."} {
		if !strings.Contains(res.text(), w) {
			t.Errorf("the adviser's agreement page lacks %q", w)
		}
	}
}

// TestAttendanceLink: the employer or the adviser mails the supervisor a
// link; the mail holds the link and nothing about the person; without
// signing in the supervisor logs that week of that agreement only, again
// to correct it, until the link expires; an expired link, or one whose
// agreement the employer no longer sees, is the problem page.
func TestAttendanceLink(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	g := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer, adviser := ta.sessionFor(employerUser), ta.sessionFor(adviserUser)

	// Refused requests send nothing.
	for _, tc := range []struct {
		week   string
		status int
		msgID  string
	}{
		{"2030-06-17", 422, "attendance.future_week"},
		{"2030-05-06", 422, "attendance.outside"},
		{"2030-06-04", 422, "attendance.bad_week"},
		{"", 422, "attendance.bad_week"},
	} {
		res := employer.post(f.path("/attendance-link"), weekForm("week", tc.week))
		if res.status != tc.status || !strings.Contains(res.text(), msg(t, "nb", tc.msgID)) {
			t.Errorf("link for week %q: %d, want %d %s", tc.week, res.status, tc.status, tc.msgID)
		}
	}
	if n := ta.outboxFor(f.supervisor); n != 0 {
		t.Fatalf("refused links queued %d mails", n)
	}
	if res := ta.sessionFor(ta.createUser(db.RoleNAV)).post(f.path("/attendance-link"), weekForm("week", attLastWeek)); res.status != http.StatusForbidden {
		t.Errorf("NAV sends a link: %d", res.status)
	}

	res := employer.post(f.path("/attendance-link"), weekForm("week", attLastWeek))
	if res.status != http.StatusSeeOther || res.location() != f.path("") {
		t.Fatalf("send: %d %s", res.status, res.visible())
	}
	if res := adviser.post(f.path("/attendance-link"), weekForm("week", attLastWeek)); res.status != http.StatusSeeOther {
		t.Fatalf("send by the adviser: %d", res.status)
	}
	var agParticipant int64
	if err := ta.store.DB.Get(&agParticipant, `SELECT participant_id FROM agreements WHERE id = $1`, f.id); err != nil {
		t.Fatal(err)
	}
	if n := ta.countWhere("outbox", "template = 'attendance' AND recipient = $1 AND participant_id = $2", f.supervisor, agParticipant); n != 2 {
		t.Errorf("attendance-link mails naming the participant: %d, want 2", n)
	}
	ta.drain()
	mails := testSMTP.To(f.supervisor)
	if len(mails) != 2 {
		t.Fatalf("%d mails to the supervisor, want 2 (asked twice)", len(mails))
	}
	m := mails[0]
	for _, part := range []string{m.Subject, m.Text, m.HTML} {
		if strings.Contains(part, f.first) || strings.Contains(part, f.last) {
			t.Errorf("the mail names the participant:\n%s", part)
		}
	}
	title, org := ta.placementOf(f.id)
	if !strings.Contains(m.Text, "Kari") || !strings.Contains(m.Text, fill(msg(t, "nb", "email.attendance.body_placement"), "Week", "23", "Placement", title, "Org", org)) {
		t.Errorf("mail text:\n%s", m.Text)
	}
	token := mailToken(t, m)
	if n := ta.auditRowsFor(f.id, "agreement.link_sent"); n != 2 {
		t.Errorf("link_sent audit rows: %d", n)
	}

	// The supervisor, not signed in, sees the week of that agreement.
	visitor := ta.client()
	res = visitor.get("/l/" + token)
	if res.status != http.StatusOK {
		t.Fatalf("link page: %d %s", res.status, res.visible())
	}
	if !strings.Contains(res.text(), f.first) || !strings.Contains(res.text(), f.job) || strings.Contains(res.text(), f.last) {
		t.Error("the link page should show the first name and the job, not the last name")
	}
	if !strings.Contains(res.text(), fill(msg(t, "nb", "attendance.week_heading"), "Week", "23", "Date", "03.06.2030")) {
		t.Error("the link page does not show week 23")
	}
	// Forged fields for agreement g and another week change nothing but
	// f's week of the token.
	gBefore := ta.attendanceState(g.id)
	forged := weekForm("state_0", "present", "hours_0", "5", "agreement_id", itoa(g.id), "week", "2030-05-27", "id", itoa(g.id))
	res = visitor.post("/l/"+token, forged)
	if res.status != http.StatusSeeOther || res.location() != "/l/"+token {
		t.Fatalf("save through the link: %d %s", res.status, res.visible())
	}
	if got := ta.attendanceState(f.id); !strings.HasPrefix(got, "2030-06-03:present:5.0:-:link | ") {
		t.Errorf("f after the link: %s", got)
	}
	if got := ta.attendanceState(g.id); got != gBefore {
		t.Errorf("the link touched agreement g: %s", got)
	}
	var actor *int64
	var ip string
	if err := ta.store.DB.QueryRow(`SELECT actor_id, host(ip) FROM audit_log WHERE action = 'agreement.attendance' AND entity_id = $1`, f.id).Scan(&actor, &ip); err != nil || actor != nil || ip != visitor.ip {
		t.Errorf("audit of the link save: actor %v ip %q %v", actor, ip, err)
	}
	// Bad input through the link: 422, nothing changed.
	fBefore := ta.attendanceState(f.id)
	if res := visitor.post("/l/"+token, weekForm("state_0", "present", "hours_0", "14")); res.status != http.StatusUnprocessableEntity {
		t.Errorf("bad hours through the link: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != fBefore {
		t.Errorf("a refused link save changed: %s", got)
	}
	// Again, to correct a mistake.
	// A reason through the link: 422 with the message, nothing saved.
	if res := visitor.post("/l/"+token, weekForm("state_0", "absent_notified", "absence_0", "illness")); res.status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.text(), msg(t, "nb", "attendance.reason_refused")) {
		t.Errorf("a reason through the link: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != fBefore {
		t.Errorf("a reason through the link changed: %s", got)
	}
	if res := visitor.post("/l/"+token, weekForm("state_0", "absent_notified")); res.status != http.StatusSeeOther {
		t.Errorf("correcting through the link: %d", res.status)
	}
	if got := ta.attendanceState(f.id); !strings.HasPrefix(got, "2030-06-03:absent_notified:0.0:-:link | ") {
		t.Errorf("after the correction: %s", got)
	}

	// The employer's access ended: the link is gone (410), nothing saved.
	ta.exec(`UPDATE agreements SET employer_access_until = '2030-06-11' WHERE id = $1`, f.id)
	fBefore = ta.attendanceState(f.id)
	if res := visitor.get("/l/" + token); res.status != http.StatusGone {
		t.Errorf("link after the access ended: %d", res.status)
	}
	if res := visitor.post("/l/"+token, weekForm("state_0", "present", "hours_0", "1")); res.status != http.StatusGone {
		t.Errorf("link POST after the access ended: %d", res.status)
	}
	ta.exec(`UPDATE agreements SET employer_access_until = NULL WHERE id = $1`, f.id)
	// Expired: 410 with the problem page; nothing saved.
	ta.exec(`UPDATE link_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, db.HashToken(token))
	res = visitor.get("/l/" + token)
	if res.status != http.StatusGone || !strings.Contains(res.text(), msg(t, "nb", "link.expired_heading")) {
		t.Errorf("expired link: %d", res.status)
	}
	if res := visitor.post("/l/"+token, weekForm("state_0", "present", "hours_0", "1")); res.status != http.StatusGone {
		t.Errorf("expired link POST: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != fBefore {
		t.Errorf("refused link saves changed: %s", got)
	}
}

// TestEvaluationLink: the evaluation link is single-use: the supervisor
// fills in the phase once without signing in; using it again is 410; a
// link for a phase already evaluated is not sent.
func TestEvaluationLink(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	adviser := ta.sessionFor(adviserUser)

	if res := adviser.post(f.path("/evaluation-link"), weekForm("phase", "final")); res.status != http.StatusUnprocessableEntity {
		t.Errorf("unknown phase: %d", res.status)
	}
	// The supervisor's address has an account in English: the mail and
	// the link page are in English.
	if _, err := ta.store.CreateUser(context.Background(), db.NewUser{Email: f.supervisor, Name: "Kari Nordmann", Role: db.RoleAdviser,
		Locale: "en", PasswordHash: testHash()}); err != nil {
		t.Fatal(err)
	}
	if res := adviser.post(f.path("/evaluation-link"), weekForm("phase", "mid")); res.status != http.StatusSeeOther {
		t.Fatalf("send: %d %s", res.status, res.visible())
	}
	ta.drain()
	m := oneMailTo(t, f.supervisor)
	if strings.Contains(m.Text, f.first) || strings.Contains(m.HTML, f.first) || strings.Contains(m.Subject, f.first) {
		t.Error("the evaluation mail names the participant")
	}
	title, org := ta.placementOf(f.id)
	if m.Subject != msg(t, "en", "email.evaluation.subject") || !strings.Contains(m.Text, fill(msg(t, "en", "email.evaluation.body_placement"), "Phase", "mid-term", "Placement", title, "Org", org)) {
		t.Errorf("mail not in the supervisor's language: %s\n%s", m.Subject, m.Text)
	}
	token := mailToken(t, m)
	visitor := ta.client()
	if res := visitor.get("/l/" + token); res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "en", "evaluation.title_mid")) {
		t.Fatalf("link page: %d", res.status)
	}
	before := ta.attendanceState(f.id)
	if res := visitor.post("/l/"+token, weekForm("punctuality", "3")); res.status != http.StatusUnprocessableEntity {
		t.Errorf("incomplete through the link: %d", res.status)
	}
	if got := ta.attendanceState(f.id); got != before {
		t.Errorf("a refused evaluation changed: %s", got)
	}
	form := weekForm("punctuality", "3", "cooperation", "4", "instructions", "3", "speaking", "0", "phase", "end", "agreement_id", "1")
	res := visitor.post("/l/"+token, form)
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "en", "evaluation.thanks")) {
		t.Fatalf("evaluation through the link: %d %s", res.status, res.visible())
	}
	if got := ta.attendanceState(f.id); !strings.HasPrefix(got, "mid:link | ") {
		t.Errorf("after the link: %s", got)
	}
	after := ta.attendanceState(f.id)
	for _, r := range []response{visitor.post("/l/"+token, form), visitor.get("/l/" + token)} {
		if r.status != http.StatusGone || !strings.Contains(r.text(), msg(t, "en", "link.used_heading")) {
			t.Errorf("the link again: %d", r.status)
		}
	}
	if got := ta.attendanceState(f.id); got != after {
		t.Errorf("the used link changed something: %s", got)
	}
	if res := adviser.post(f.path("/evaluation-link"), weekForm("phase", "mid")); res.status != http.StatusConflict {
		t.Errorf("a link for a phase done: %d", res.status)
	}
}

// auditRowsFor counts an agreement's audit rows of an action.
func (ta *testApp) auditRowsFor(id int64, action string) int {
	ta.t.Helper()
	return ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = $2", id, action)
}

// The agreement page offers "fill in" for a phase from the day it is
// meant to be filled in (the start at once, the middle half-way, the end
// in the last week) and says from when before that.
func TestEvaluationPhasesOpen(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock() // 2030-06-12
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, "2030-06-03", "2030-08-30", true)
	page := ta.sessionFor(employerUser).get(f.path("")).text()
	if !strings.Contains(page, `href="`+f.path("/evaluations/start")+`"`) {
		t.Error("the start phase is not offered in the agreement's second week")
	}
	for _, ph := range []string{"mid", "end"} {
		if strings.Contains(page, f.path("/evaluations/"+ph)) {
			t.Errorf("the %s phase is offered before its time", ph)
		}
	}
	// Half-way between 3 June and 30 August (88 days) is 17 July; the last week
	// starts on 24 August.
	for _, d := range []string{"17.07.2030", "24.08.2030"} {
		if want := strings.ReplaceAll(msg(t, "nb", "evaluation.opens_on"), "{{.Date}}", d); !strings.Contains(page, want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	// Half-way through, the middle phase is offered too.
	ta.store.Clock = func() time.Time { return time.Date(2030, 7, 17, 8, 0, 0, 0, time.UTC) }
	page = ta.sessionFor(employerUser).get(f.path("")).text()
	if !strings.Contains(page, `href="`+f.path("/evaluations/mid")+`"`) || strings.Contains(page, f.path("/evaluations/end")) {
		t.Error("on 17 July the middle phase is not offered, or the end phase is")
	}
	// Ended early: the end phase opens six days before the day it ended.
	ta.exec(`UPDATE agreements SET ended_on = '2030-07-20', end_reason = 'other' WHERE id = $1`, f.id)
	ta.store.Clock = func() time.Time { return time.Date(2030, 7, 21, 8, 0, 0, 0, time.UTC) }
	if page = ta.sessionFor(employerUser).get(f.path("")).text(); !strings.Contains(page, `href="`+f.path("/evaluations/end")+`"`) {
		t.Error("after an early end the end phase is not offered")
	}
}

// placementOf is the title of an agreement's placement and its
// organisation's name, which the mails about it name.
func (ta *testApp) placementOf(agreementID int64) (title, org string) {
	ta.t.Helper()
	if err := ta.store.DB.QueryRow(`SELECT pl.title, o.name FROM agreements ag JOIN placements pl ON pl.id = ag.placement_id
		JOIN organisations o ON o.id = pl.organisation_id WHERE ag.id = $1`, agreementID).Scan(&title, &org); err != nil {
		ta.t.Fatal(err)
	}
	return title, org
}
