package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"praksis/db"
)

type agreementCase struct {
	name   string
	c      *client
	method string // "" is POST
	path   string
	form   url.Values
	status int
	field  string // the field the message stands beside; "" for the page
	msgID  string
}

// TestAgreementBadInput: every refusal answers with its status and the
// catalogue's message, and changes nothing at all.
func TestAgreementBadInput(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser, employer, nav := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer), ta.sessionFor(fx.nav)
	ag := ta.agreement(fx.id)
	lock := strconv.Itoa(ag.LockVersion)
	sched := scheduleForm(ag)
	start := *ag.StartDate
	plEnd := *ag.PlacementEnd
	day0 := today()

	// The unchanged schedule is valid: saving it changes nothing and is
	// not refused, so each case below is refused for its one change.
	before := ta.agreementState(fx.id)
	if res := adviser.post(aPath(fx.id, "/steps/schedule"), formWith(sched)); res.status != http.StatusSeeOther {
		t.Fatalf("the unchanged schedule: %d\n%s", res.status, res.text())
	}
	ta.sameAgreement("an unchanged schedule", before, ta.agreementState(fx.id))

	s := aPath(fx.id, "/steps/schedule")
	ta.expectRefused(t, fx.id, []agreementCase{
		{"end after the programme", adviser, "", s, formWith(sched, "end_date", ymd(ag.ProgrammeEnd.AddDate(0, 0, 1))), 422, "end_date", "agreements.outside_programme"},
		{"start before the placement", adviser, "", s, formWith(sched, "start_date", ymd(day0.AddDate(0, 0, 7))), 422, "start_date", "agreements.before_placement"},
		{"end after the placement", employer, "", s, formWith(sched, "end_date", ymd(plEnd.AddDate(0, 0, 1))), 422, "end_date", "agreements.after_placement"},
		{"end before start", adviser, "", s, formWith(sched, "start_date", ymd(start.AddDate(0, 0, 10)), "end_date", ymd(start.AddDate(0, 0, 9))), 422, "end_date", "agreements.end_before_start"},
		{"start in the past", employer, "", s, formWith(sched, "start_date", ymd(day0.AddDate(0, 0, -1))), 422, "start_date", "agreements.start_past"},
		{"hours over the programme's", adviser, "", s, formWith(sched, "hours_per_week", "38"), 422, "hours_per_week", "agreements.hours_over_programme"},
		{"hours over the placement's", adviser, "", s, formWith(sched, "hours_per_week", "32,5"), 422, "hours_per_week", "agreements.hours_over_placement"},
		{"hours abc", employer, "", s, formWith(sched, "hours_per_week", "abc"), 422, "hours_per_week", "agreements.hours_invalid"},
		{"hours empty", employer, "", s, formWith(sched, "hours_per_week", ""), 422, "hours_per_week", "form.required"},
		{"days 9", adviser, "", s, formWith(sched, "days_per_week", "9"), 422, "days_per_week", "agreements.days_invalid"},
		{"no job title", adviser, "", s, formWith(sched, "job_title", "  "), 422, "job_title", "form.required"},
		{"start not a date", adviser, "", s, formWith(sched, "start_date", "31.12.2026"), 422, "start_date", "placement.date_invalid"},
		{"no goals", adviser, "", aPath(fx.id, "/steps/goals"), url.Values{"lock_version": {lock}}, 422, "goals", "agreements.goals_needed"},
		{"unknown goal", adviser, "", aPath(fx.id, "/steps/goals"), url.Values{"lock_version": {lock}, "goals": {"language", "fishing"}}, 422, "goals", "agreements.goals_needed"},
		{"other goal without text", employer, "", aPath(fx.id, "/steps/goals"), url.Values{"lock_version": {lock}, "goals": {"other"}, "goals_text": {" "}}, 422, "goals_text", "agreements.goals_other_needed"},
		{"supervisor e-mail invalid", employer, "", aPath(fx.id, "/steps/contacts"), url.Values{"lock_version": {lock}, "supervisor_name": {"Kari"}, "supervisor_email": {"kari@"}}, 422, "supervisor_email", "form.email_invalid"},
		{"supervisor missing", employer, "", aPath(fx.id, "/steps/contacts"), url.Values{"lock_version": {lock}, "supervisor_email": {"kari@firma.example"}}, 422, "supervisor_name", "form.required"},
		{"follow-up weeks 0", adviser, "", aPath(fx.id, "/steps/followup"), url.Values{"lock_version": {lock}, "follow_up_weeks": {"0"}}, 422, "follow_up_weeks", "agreements.weeks_invalid"},
		{"consent other without a note", adviser, "", aPath(fx.id, "/consent"), url.Values{"lock_version": {lock}, "mode": {"on_behalf"}, "reason": {"other"}}, 422, "", "agreements.consent_note_needed"},
		{"consent on behalf without a reason", adviser, "", aPath(fx.id, "/consent"), url.Values{"lock_version": {lock}, "mode": {"on_behalf"}}, 422, "reason", "form.choose"},
		{"consent without a mode", adviser, "", aPath(fx.id, "/consent"), url.Values{"lock_version": {lock}}, 422, "", "form.choose"},
		{"the adviser approves first", adviser, "", aPath(fx.id, "/approve"), url.Values{"lock_version": {lock}}, 409, "", "agreements.not_now"},
		{"the employer records consent", employer, "", aPath(fx.id, "/consent"), url.Values{"lock_version": {lock}, "mode": {"in_person"}}, 403, "", "error.forbidden"},
		{"NAV saves a step", nav, "", s, sched, 403, "", "error.forbidden"},
		{"NAV approves", nav, "", aPath(fx.id, "/approve"), url.Values{"lock_version": {lock}}, 403, "", "error.forbidden"},
		{"NAV opens a step", nav, http.MethodGet, s, nil, 403, "", "error.forbidden"},
		{"cancel without a note", employer, "", aPath(fx.id, "/cancel"), url.Values{"lock_version": {lock}, "note": {"  "}}, 422, "note", "form.required"},
		// Only a running agreement ends early; the page of one that has not
		// started has no end form to show a field's problem beside, so the
		// answer is the state's: 409.
		{"end before it started", adviser, "", aPath(fx.id, "/end"), url.Values{"lock_version": {lock}, "ended_on": {ymd(day0)}, "reason": {"completed"}}, 409, "", "agreements.not_now"},
		{"follow-up in the future", adviser, "", aPath(fx.id, "/follow-ups"), url.Values{"held_on": {ymd(day0.AddDate(0, 0, 1))}, "with": {"participant"}}, 422, "held_on", "agreements.follow_up_future"},
		{"follow-up with nobody", adviser, "", aPath(fx.id, "/follow-ups"), url.Values{"held_on": {ymd(day0)}}, 422, "", "form.choose"},
		{"unknown step GET", adviser, http.MethodGet, aPath(fx.id, "/steps/approval"), nil, 404, "", "error.not_found"},
		{"unknown step POST", employer, "", aPath(fx.id, "/steps/salary"), url.Values{"lock_version": {lock}}, 404, "", "error.not_found"},
	})

	// The employer approves once; twice is 409.
	if res := employer.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {lock}, "duties_confirmed": {"yes"}}); res.status != http.StatusSeeOther {
		t.Fatalf("the employer's approval: %d", res.status)
	}
	lock2 := strconv.Itoa(ta.agreement(fx.id).LockVersion)
	ta.expectRefused(t, fx.id, []agreementCase{
		{"the employer approves twice", employer, "", aPath(fx.id, "/approve"), url.Values{"lock_version": {lock2}}, 409, "", "agreements.not_now"},
		{"the adviser approves before consent", adviser, "", aPath(fx.id, "/approve"), url.Values{"lock_version": {lock2}}, 409, "", "agreements.not_now"},
	})

	// Outsiders: another organisation's employer and another adviser get
	// 404 everywhere, as for an agreement that does not exist; an
	// unlinked NAV user too.
	others := map[string]*client{"employer of another organisation": ta.sessionFor(ta.createUser(db.RoleEmployer)),
		"another adviser": ta.sessionFor(ta.createUser(db.RoleAdviser)), "an unlinked NAV user": ta.sessionFor(ta.createUser(db.RoleNAV))}
	var cases []agreementCase
	for who, c := range others {
		for _, p := range []string{"", "/summary", "/steps/schedule"} {
			want := 404
			if who == "an unlinked NAV user" && p == "/steps/schedule" {
				want = 403 // never NAV's to edit
			}
			msgID := map[int]string{404: "error.not_found", 403: "error.forbidden"}[want]
			cases = append(cases, agreementCase{who + " GET " + p, c, http.MethodGet, aPath(fx.id, p), nil, want, "", msgID})
		}
		if who == "an unlinked NAV user" {
			continue
		}
		for _, p := range []string{"/steps/schedule", "/approve", "/cancel", "/end"} {
			cases = append(cases, agreementCase{who + " POST " + p, c, "", aPath(fx.id, p),
				formWith(sched, "lock_version", lock2, "note", "Ikke vår", "ended_on", ymd(day0), "reason", "completed"), 404, "", "error.not_found"})
		}
	}
	anotherAdviser := others["another adviser"]
	cases = append(cases,
		agreementCase{"another adviser records consent", anotherAdviser, "", aPath(fx.id, "/consent"), url.Values{"lock_version": {lock2}, "mode": {"in_person"}}, 404, "", "error.not_found"},
		agreementCase{"another adviser logs a follow-up", anotherAdviser, "", aPath(fx.id, "/follow-ups"), url.Values{"held_on": {ymd(day0)}, "with": {"participant"}}, 404, "", "error.not_found"},
		agreementCase{"no such agreement", adviser, http.MethodGet, "/agreements/999999999", nil, 404, "", "error.not_found"},
		agreementCase{"not an id", adviser, http.MethodGet, "/agreements/abc", nil, 404, "", "error.not_found"})
	ta.expectRefused(t, fx.id, cases)
	for who, c := range others {
		if res := c.get("/agreements"); res.status != http.StatusOK || strings.Contains(res.body, `href="`+agreementPath(fx.id)+`"`) || strings.Contains(res.body, fx.first) {
			t.Errorf("%s's list shows the agreement (%d)", who, res.status)
		}
	}

	// The employer's access has ended: they see the agreement without the
	// person, and can no longer change anything.
	ta.exec(`UPDATE agreements SET employer_access_until = $2 WHERE id = $1`, fx.id, ymd(day0.AddDate(0, 0, -1)))
	page := employer.get(agreementPath(fx.id))
	if page.status != http.StatusOK {
		t.Fatalf("the agreement after the access ended: %d", page.status)
	}
	if strings.Contains(page.body, fx.first) || strings.Contains(page.body, fx.last) {
		t.Error("the employer whose access ended still sees the participant's name")
	}
	if want := fill(msg(t, "nb", "agreements.access_ended_note"), "Date", nbDate(day0.AddDate(0, 0, -1))); !strings.Contains(page.text(), want) {
		t.Errorf("the page does not say %q", want)
	}
	if res := employer.get("/agreements"); strings.Contains(res.body, fx.first) || !strings.Contains(res.text(), msg(t, "nb", "agreements.person_hidden")) {
		t.Error("the employer's list still names the person whose access ended")
	}
	if res := employer.get(aPath(fx.id, "/summary")); res.status != http.StatusOK || strings.Contains(res.body, fx.first) {
		t.Errorf("the summary after the access ended: %d, or with the name", res.status)
	}
	ta.expectRefused(t, fx.id, []agreementCase{
		{"approve after the access ended", employer, "", aPath(fx.id, "/approve"), url.Values{"lock_version": {lock2}}, 403, "", "agreements.access_ended"},
		{"open a step after the access ended", employer, http.MethodGet, s, nil, 403, "", "agreements.access_ended"},
		{"save a step after the access ended", employer, "", s, formWith(sched, "lock_version", lock2, "hours_per_week", "25"), 403, "", "agreements.access_ended"},
		{"cancel after the access ended", employer, "", aPath(fx.id, "/cancel"), url.Values{"lock_version": {lock2}, "note": {"Sent"}}, 403, "", "agreements.access_ended"},
	})
	ta.exec(`UPDATE agreements SET employer_access_until = NULL WHERE id = $1`, fx.id)

	// Arbeidstrening lasts at most 12 months: a year less a day is the
	// longest.
	at := ta.freshAgreement()
	ta.exec(`UPDATE placements SET kind = 'arbeidstrening', end_date = $2 WHERE id = $1`, at.placement, ymd(day0.AddDate(3, 0, 0)))
	ta.exec(`UPDATE participants SET programme_end = $2 WHERE id = $1`, at.participant, ymd(day0.AddDate(3, 0, 0)))
	atAg := ta.agreement(at.id)
	atAdviser := ta.sessionFor(at.adviser)
	atSched := scheduleForm(atAg)
	ta.expectRefused(t, at.id, []agreementCase{
		{"arbeidstrening over 12 months", atAdviser, "", aPath(at.id, "/steps/schedule"),
			formWith(atSched, "end_date", ymd(atAg.StartDate.AddDate(1, 0, 0))), 422, "end_date", "agreements.arbeidstrening_max"},
	})
	if res := atAdviser.post(aPath(at.id, "/steps/schedule"), formWith(atSched, "end_date", ymd(atAg.StartDate.AddDate(1, 0, -1)))); res.status != http.StatusSeeOther {
		t.Errorf("arbeidstrening of exactly 12 months: %d, want 303\n%s", res.status, res.text())
	}

	// A programme of 30 hours a week caps the hours at 30.
	ta.exec(`UPDATE participants SET programme_hours = 30 WHERE id = $1`, fx.participant)
	ta.exec(`UPDATE placements SET hours_per_week = 40 WHERE id = $1`, fx.placement)
	ta.expectRefused(t, fx.id, []agreementCase{
		{"hours over a 30-hour programme", adviser, "", s, formWith(sched, "lock_version", lock2, "hours_per_week", "30,5"), 422, "hours_per_week", "agreements.hours_over_programme"},
	})

	// A running agreement: it cannot be cancelled, and an end needs a day
	// between its start and today and a known reason.
	run := ta.freshAgreement()
	ta.approveAll(run)
	runAg := ta.agreement(run.id)
	ta.setToday(runAg.StartDate.AddDate(0, 0, 10))
	runAdviser, runEmployer := ta.sessionFor(run.adviser), ta.sessionFor(run.employer)
	runLock := strconv.Itoa(runAg.LockVersion)
	e := aPath(run.id, "/end")
	endForm := url.Values{"lock_version": {runLock}, "ended_on": {ymd(ta.store.Today())}, "reason": {"completed"}}
	ta.expectRefused(t, run.id, []agreementCase{
		{"cancel a running agreement", runAdviser, "", aPath(run.id, "/cancel"), url.Values{"lock_version": {runLock}, "note": {"For sent"}}, 409, "", "agreements.not_now"},
		// As above: a running agreement's page has no cancel form, so a
		// cancel without a note is refused for the state, with its message.
		{"cancel a running agreement without a note", runEmployer, "", aPath(run.id, "/cancel"), url.Values{"lock_version": {runLock}}, 409, "", "agreements.not_now"},
		{"end in the future", runAdviser, "", e, formWith(endForm, "ended_on", ymd(ta.store.Today().AddDate(0, 0, 1))), 422, "ended_on", "agreements.end_in_future"},
		{"end before the start", runEmployer, "", e, formWith(endForm, "ended_on", ymd(runAg.StartDate.AddDate(0, 0, -1))), 422, "ended_on", "agreements.end_before_start"},
		{"end without a day", runEmployer, "", e, formWith(endForm, "ended_on", ""), 422, "ended_on", "form.required"},
		{"end for an unknown reason", runAdviser, "", e, formWith(endForm, "reason", "bored"), 422, "reason", "form.choose"},
		{"got a job without the kind", runAdviser, "", e, formWith(endForm, "reason", "got_job"), 422, "job_kind", "form.choose"},
		{"end for another reason without a note", runAdviser, "", e, formWith(endForm, "reason", "other"), 422, "note", "agreements.end_note_needed"},
		{"end with an old version", runAdviser, "", e, formWith(endForm, "lock_version", strconv.Itoa(runAg.LockVersion-1)), 409, "", "agreements.stale_heading"},
	})
	if st := ta.agreement(run.id).Status; st != db.AgreementRunning {
		t.Errorf("after the refused ends: %s, want running", st)
	}
}

// expectRefused sends each case and checks the status, the message and that the
// agreement is exactly as it was.
func (ta *testApp) expectRefused(t *testing.T, id int64, cases []agreementCase) {
	t.Helper()
	for _, c := range cases {
		before := ta.agreementState(id)
		var res response
		if c.method == http.MethodGet {
			res = c.c.get(c.path)
		} else {
			res = c.c.post(c.path, formWith(c.form)) // post adds the client's CSRF token to the form it is given
		}
		if res.status != c.status {
			t.Errorf("%s: %d, want %d", c.name, res.status, c.status)
		} else if c.field != "" {
			if got := placementFieldError(res.body, c.field); got != msg(t, "nb", c.msgID) {
				t.Errorf("%s: message beside %s %q, want %q", c.name, c.field, got, msg(t, "nb", c.msgID))
			}
		} else if !strings.Contains(res.text(), msg(t, "nb", c.msgID)) {
			t.Errorf("%s: %d without the message %q", c.name, res.status, msg(t, "nb", c.msgID))
		}
		ta.sameAgreement(c.name, before, ta.agreementState(id))
	}
}
