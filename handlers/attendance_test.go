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

// A week opened by its address in which no working day of the agreement
// can be logged (the placement starts on a Saturday, five days a week:
// Monday to Friday lie before the start) is not offered "every day as
// agreed", and a fill posted anyway does not claim to have filled
// anything; the next week, and the same week at six days a week (the
// Saturday is a working day), are.
func TestAttendanceAsAgreedNeedsAWorkingDay(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser := ta.createUser(db.RoleEmployer)
	f := ta.attendanceAgreement(employerUser, ta.createUser(db.RoleAdviser), "2030-05-18", attEnd, true)
	employer := ta.sessionFor(employerUser)
	offers := func(week string) bool {
		t.Helper()
		res := employer.get(f.path("/attendance/" + week))
		if res.status != http.StatusOK {
			t.Fatalf("week %s: %d", week, res.status)
		}
		return strings.Contains(res.body, `name="fill" value="agreed"`) || strings.Contains(res.text(), msg(t, "nb", "attendance.fill_agreed"))
	}
	if offers("2030-05-13") {
		t.Error("the week before the Saturday start offers every day as agreed")
	}
	before := ta.attendanceState(f.id)
	res := employer.post(f.path("/attendance/2030-05-13"), weekForm("fill", "agreed"))
	if res.status != http.StatusOK || strings.Contains(res.text(), msg(t, "nb", "attendance.filled")) {
		t.Errorf("a fill of the week without a working day: %d, says it filled the days", res.status)
	}
	if got := ta.attendanceState(f.id); got != before {
		t.Errorf("the fill saved something: %s", got)
	}
	if !offers("2030-05-20") {
		t.Error("the first full week does not offer every day as agreed")
	}
	ta.exec(`UPDATE agreements SET days_per_week = 6 WHERE id = $1`, f.id)
	if !offers("2030-05-13") {
		t.Error("six days a week: the week with the Saturday start does not offer every day as agreed")
	}
}
