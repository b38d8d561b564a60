package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// summaryOf returns the error summary of a page ("" when there is none).
var summaryRe = regexp.MustCompile(`(?s)<div class="ds-error-summary"[^>]*>.*?</div>`)

func summaryOf(body string) string { return summaryRe.FindString(body) }

// checkSummary asserts the shared summary pattern: focused on load
// (autofocus and tabindex), not an alert, each item naming its field.
func checkSummary(t *testing.T, what, body string, items ...string) {
	t.Helper()
	s := summaryOf(body)
	if s == "" {
		t.Fatalf("%s: no error summary", what)
	}
	open := s[:strings.Index(s, ">")]
	for _, want := range []string{`tabindex="-1"`, "autofocus", "data-autofocus"} {
		if !strings.Contains(open, want) {
			t.Errorf("%s: the summary lacks %s: %s", what, want, open)
		}
	}
	if strings.Contains(open, `role="alert"`) {
		t.Errorf("%s: the summary is an alert (it gets focus instead)", what)
	}
	if strings.Contains(open, "data-relabel") {
		t.Errorf("%s: a problem in the summary has no field label", what)
	}
	text := (response{body: s}).text()
	for _, it := range items {
		if !strings.Contains(text, it) {
			t.Errorf("%s: the summary does not say %q:\n%s", what, it, text)
		}
	}
}

// TestRefusedFollowUpKeepsWhatWasTyped: the follow-up form refused keeps
// its ticks, date and notes, shows a focused summary at the top of the
// form naming each field, the message beside the field, and a second
// submit with only the mistake corrected is saved.
func TestRefusedFollowUpKeepsWhatWasTyped(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser := ta.sessionFor(fx.adviser)
	day0 := today()
	notes := unique("Samtale med veileder ")

	form := url.Values{"held_on": {ymd(day0.AddDate(0, 0, 1))}, "with": {"participant", "supervisor"}, "notes": {notes}}
	res := adviser.post(aPath(fx.id, "/follow-ups"), form)
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a follow-up in the future: %d, want 422", res.status)
	}
	checkSummary(t, "follow-up", res.body, msg(t, "nb", "agreements.held_on")+": "+msg(t, "nb", "agreements.follow_up_future"))
	for _, w := range []string{"participant", "supervisor"} {
		if !regexp.MustCompile(`id="f-with-` + w + `"[^>]*checked`).MatchString(res.body) {
			t.Errorf("the tick for %s is gone after the refused submit", w)
		}
	}
	if regexp.MustCompile(`id="f-with-nav"[^>]*checked`).MatchString(res.body) {
		t.Error("a box that was not ticked is ticked")
	}
	if !strings.Contains(res.text(), notes) || !strings.Contains(res.body, `value="`+ymd(day0.AddDate(0, 0, 1))+`"`) {
		t.Error("the notes or the date typed are gone")
	}
	// The summary is at the top of the follow-up form, which is open.
	fu := res.body[strings.Index(res.body, `action="`+aPath(fx.id, "/follow-ups")+`"`):]
	if i, j := strings.Index(fu, "ds-error-summary"), strings.Index(fu, `name="held_on"`); i < 0 || i > j {
		t.Error("the summary is not at the top of the follow-up form")
	}
	if !strings.Contains(res.body, "<details class=\"no-print\" open>") {
		t.Error("the follow-up form is folded away after the refused submit")
	}
	if field := placementFieldError(res.body, "held_on"); field != msg(t, "nb", "agreements.follow_up_future") {
		t.Errorf("the message beside the date: %q", field)
	}

	// Nobody ticked: the summary names the group.
	res = adviser.post(aPath(fx.id, "/follow-ups"), url.Values{"held_on": {ymd(day0)}})
	checkSummary(t, "follow-up without anyone", res.body, msg(t, "nb", "agreements.with_whom")+": "+msg(t, "nb", "form.choose"))

	// Corrected: the same ticks and notes go through.
	form.Set("held_on", ymd(day0))
	if res := adviser.post(aPath(fx.id, "/follow-ups"), form); res.status != http.StatusSeeOther {
		t.Fatalf("the corrected follow-up: %d\n%s", res.status, res.text())
	}
	if n := ta.countWhere("follow_ups", "agreement_id = $1 AND with_whom = '{participant,supervisor}' AND notes = $2", fx.id, notes); n != 1 {
		t.Errorf("follow-ups stored: %d, want 1", n)
	}
}

// TestRefusedNoteHasSummaryAndCounter: the profile's note form refused
// shows the summary at the top of that form, naming the field; the long
// text states its limit before it is hit.
func TestRefusedNoteHasSummaryAndCounter(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.namedUser(db.RoleAdviser, unique("Rådgiver "))
	id := ta.storeParticipant(adviser, participantInput("Amina", unique("Yusuf")))
	c := ta.sessionFor(adviser)

	page := c.get(pPath(id, ""))
	if want := fill(msg(t, "nb", "form.char_count"), "N", "0", "Max", "4000"); !strings.Contains(page.text(), want) {
		t.Errorf("the note form does not state its limit %q", want)
	}
	if summaryOf(page.body) != "" {
		t.Error("a summary on a page with nothing refused")
	}
	long := strings.Repeat("å", 4001)
	res := c.post(pPath(id, "/notes"), url.Values{"body": {long}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("an over-long note: %d", res.status)
	}
	checkSummary(t, "note", res.body, msg(t, "nb", "participants.note_body")+": "+msg(t, "nb", "form.too_long"))
	if want := fill(msg(t, "nb", "form.char_count"), "N", "4001", "Max", "4000"); !strings.Contains(res.text(), want) {
		t.Errorf("the counter does not say %q", want)
	}
	if !strings.Contains(res.body, long) {
		t.Error("the note typed is gone")
	}
	notes := res.body[strings.Index(res.body, `action="`+pPath(id, "/notes")+`"`):]
	if i, j := strings.Index(notes, "ds-error-summary"), strings.Index(notes, `name="body"`); i < 0 || i > j {
		t.Error("the summary is not at the top of the note form")
	}
}

// TestRefusedProposalKeepsWhatWasTyped: a proposal whose note is too long
// shows the suggestions again with that placement's form open, the texts
// as typed, a summary naming the field, and nothing sent.
func TestRefusedProposalKeepsWhatWasTyped(t *testing.T) {
	ta := newTestApp(t)
	adviserUser, employerUser := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleEmployer)
	pid := ta.storeParticipant(adviserUser, participantInput("Omar", unique("Ali")))
	pl := ta.storePlacement(employerUser, completePlacement("Trondheim"), db.PlacementPublished)
	adviser := ta.sessionFor(adviserUser)
	long, shared := strings.Repeat("n", 1001), unique("Trenger rolig start ")
	ta.consentFor(adviserUser, pid, pl, shared) // issue 15: no proposal form without consent
	before := ta.count("proposals")
	res := adviser.post(pPath(pid, "/proposals"), url.Values{"placement_id": {itoa(pl)}, "note": {long}, "shared_adaptations": {shared}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a proposal with a note too long: %d", res.status)
	}
	if n := ta.count("proposals"); n != before {
		t.Error("the refused proposal was stored")
	}
	checkSummary(t, "proposal", res.body, msg(t, "nb", "proposals.note")+": "+msg(t, "nb", "form.too_long"))
	if !strings.Contains(res.body, long) || !strings.Contains(res.text(), shared) {
		t.Error("the texts typed are gone")
	}
	if !strings.Contains(res.body, `<details class="propose" open>`) {
		t.Error("the refused proposal's form is folded away")
	}
	if !strings.Contains(res.body, `href="#f-note-`+itoa(pl)+`"`) || !strings.Contains(res.body, `id="f-note-`+itoa(pl)+`"`) {
		t.Error("the summary does not link to the note")
	}
}

// TestSummariesNameRepeatedFields: the summaries of the evaluation and
// the attendance week name the criterion and the day with each message,
// and sign-up's names each empty field instead of repeating "fill in".
func TestSummariesNameRepeatedFields(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer := ta.sessionFor(employerUser)

	res := employer.post(f.path("/evaluations/start"), url.Values{"cooperation": {"3"}, "instructions": {"3"}, "speaking": {"3"}})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("an evaluation without punctuality: %d", res.status)
	}
	checkSummary(t, "evaluation", res.body, msg(t, "nb", "evaluation.criterion_punctuality")+": "+msg(t, "nb", "evaluation.rating_required"))

	res = employer.post(f.path("/attendance/"+attLastWeek), weekForm("state_0", "present"))
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("a day present without hours: %d", res.status)
	}
	checkSummary(t, "attendance", res.body, msg(t, "nb", "attendance.weekday_1")+" 03.06.2030 – "+msg(t, "nb", "attendance.hours_label")+": "+msg(t, "nb", "attendance.hours_required"))

	visitor := ta.client()
	visitor.get("/signup")
	res = visitor.post("/signup", url.Values{})
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("an empty sign-up: %d", res.status)
	}
	checkSummary(t, "sign-up", res.body, msg(t, "nb", "signup.org_name")+": "+msg(t, "nb", "form.required"))
}
