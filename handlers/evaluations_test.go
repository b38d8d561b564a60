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
