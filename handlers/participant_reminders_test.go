package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
	"praksis/mail/smtptest"
)

// The participant turns their own reminders off and on at /me/reminders
// (audited, in their language; a bad choice changes nothing); the adviser
// sees the choice on the profile; and both reminder kinds — the placement
// starts tomorrow (with the calendar file) and a plan review in a week —
// honour it. The mails are read from the SMTP server: in the
// participant's language, nothing personal beyond the first name.
func TestParticipantReminderChoice(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	ctx := context.Background()
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	// Both start on Monday 16 June 2025; both have a plan review on the 22nd.
	on := ta.attendanceAgreement(employer, adviser, "2025-06-16", "2025-09-30", true)
	off := ta.attendanceAgreement(employer, adviser, "2025-06-16", "2025-09-30", true)
	addrOn, addrOff := unique("oksana")+"@example.org", unique("taras")+"@example.org"
	ta.exec(`UPDATE participants SET email = $2, locale = 'uk' WHERE id = $1`, on.participant, addrOn)
	ta.exec(`UPDATE participants SET email = $2, locale = 'ar' WHERE id = $1`, off.participant, addrOff)
	for _, id := range []int64{on.participant, off.participant} {
		ta.exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category)
			SELECT id, programme_start, programme_start, programme_end, goal_category FROM participants WHERE id = $1
			ON CONFLICT (participant_id) DO NOTHING`, id)
		ta.exec(`UPDATE integration_plans SET next_review_due = '2025-06-22' WHERE participant_id = $1`, id)
	}

	// The page: on by default with an address, in Ukrainian.
	p := ta.participantClient(on.participant)
	page := p.meGet("/me/reminders")
	if page.status != http.StatusOK || !strings.Contains(page.text(), participantMsg(t, "uk", "me.reminders.state_on")) ||
		!strings.Contains(page.text(), addrOn) || !strings.Contains(page.body, `value="on" checked`) {
		t.Fatalf("reminders page: %d\n%s", page.status, page.text())
	}
	if n := ta.auditRows(on.participant, "participant.self_reminders"); n != 1 {
		t.Errorf("reading the reminders page: %d audit rows, want 1", n)
	}
	// A choice that is neither on nor off: asked again, nothing changed.
	for _, bad := range []url.Values{{}, {"reminders": {"maybe"}}, {"reminders": {"ON"}}} {
		res := p.post("/me/reminders", bad)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), participantMsg(t, "uk", "me.reminders.bad")) ||
			!strings.Contains(res.text(), participantMsg(t, "nb", "me.reminders.bad")) {
			t.Errorf("bad choice %v: %d", bad, res.status)
		}
	}
	if ta.remindersOn(on.participant) != true || ta.auditRows(on.participant, "participant.reminders_off") != 0 {
		t.Error("a bad choice changed the participant's reminders")
	}

	// The other participant turns them off, in Arabic.
	q := ta.participantClient(off.participant)
	q.meGet("/me/reminders")
	if res := q.post("/me/reminders", url.Values{"reminders": {"off"}}); res.status != http.StatusSeeOther || res.location() != "/me/reminders" {
		t.Fatalf("turn off: %d %s", res.status, res.location())
	}
	page = q.meGet("/me/reminders")
	if !strings.Contains(page.text(), participantMsg(t, "ar", "me.reminders.saved_off")) ||
		!strings.Contains(page.text(), participantMsg(t, "ar", "me.reminders.state_off")) || !strings.Contains(page.body, `value="off" checked`) {
		t.Errorf("after turning off:\n%s", page.text())
	}
	if ta.remindersOn(off.participant) || ta.auditRows(off.participant, "participant.reminders_off") != 1 {
		t.Error("turning off was not stored and audited")
	}
	// The adviser sees both choices on the profile.
	staff := ta.sessionFor(adviser)
	if prof := staff.get("/participants/" + itoa(off.participant)).text(); !strings.Contains(prof, fill(msg(t, "nb", "access.reminders_off"), "Email", addrOff)) {
		t.Error("the profile does not show that the participant turned reminders off")
	}
	if prof := staff.get("/participants/" + itoa(on.participant)).text(); !strings.Contains(prof, fill(msg(t, "nb", "access.reminders_on"), "Email", addrOn)) {
		t.Error("the profile does not show the participant's reminders as on")
	}

	now := time.Date(2025, 6, 15, 10, 0, 0, 0, calendar.Oslo) // Sunday
	ta.store.Clock = func() time.Time { return now }
	run := func() {
		t.Helper()
		res, err := ta.sys.Scheduler.Run(ctx, "reminders", now, true)
		if err != nil || res.Status != "ok" {
			t.Fatalf("run: %+v %v", res, err)
		}
		ta.drain()
	}
	run()
	got := testSMTP.To(addrOn)
	if len(got) != 2 {
		t.Fatalf("%d mails to the participant with reminders on, want 2 (start and review)", len(got))
	}
	checkParticipantMail(t, got, "uk", on.first, on.last, addrOn)
	if n := len(testSMTP.To(addrOff)); n != 0 {
		t.Errorf("%d mails to the participant who turned reminders off", n)
	}

	// On again: the next run sends them both, and nothing twice to the first.
	if res := q.post("/me/reminders", url.Values{"reminders": {"on"}}); res.status != http.StatusSeeOther {
		t.Fatalf("turn on: %d", res.status)
	}
	if !ta.remindersOn(off.participant) || ta.auditRows(off.participant, "participant.reminders_on") != 1 {
		t.Error("turning on was not stored and audited")
	}
	run()
	if n := len(testSMTP.To(addrOn)); n != 2 {
		t.Errorf("%d mails to the first participant after a rerun, want still 2", n)
	}
	got = testSMTP.To(addrOff)
	if len(got) != 2 {
		t.Fatalf("%d mails after turning reminders on again, want 2", len(got))
	}
	checkParticipantMail(t, got, "ar", off.first, off.last, addrOff)
}

// checkParticipantMail checks a participant's start and review reminders:
// subject and body in lang, the first name and nothing else of theirs,
// the calendar file with the start only, and how to turn reminders off.
func checkParticipantMail(t *testing.T, got []smtptest.Message, lang, first, last, addr string) {
	t.Helper()
	kinds := map[string]bool{}
	for _, m := range got {
		var kind string
		switch m.Subject {
		case participantMsg(t, lang, "me.mail.start.subject"):
			kind = "start"
		case participantMsg(t, lang, "me.mail.review.subject"):
			kind = "review"
		default:
			t.Errorf("a mail in the wrong language or of no known kind: %q", m.Subject)
			continue
		}
		kinds[kind] = true
		if !strings.Contains(m.Text, first) || !strings.Contains(m.HTML, first) {
			t.Errorf("%s: the mail does not greet %s", kind, first)
		}
		if !strings.Contains(m.Text, participantMsg(t, lang, "me.mail.reminders_off")) {
			t.Errorf("%s: the mail does not say how to turn reminders off", kind)
		}
		var ics string
		for _, part := range m.Parts {
			if part.MediaType == "text/calendar" {
				ics = part.Body
			}
		}
		for _, s := range []string{m.Subject, m.Text, m.HTML, ics} {
			if strings.Contains(s, last) || strings.Contains(s, first+" "+last) || strings.Contains(s, "Nordmann") {
				t.Errorf("%s: the mail carries more than the first name", kind)
			}
		}
		if strings.Contains(m.Subject, first) {
			t.Errorf("%s: the subject names the participant", kind)
		}
		if (kind == "start") != strings.Contains(ics, "DTSTART;VALUE=DATE:20250616") {
			t.Errorf("%s: calendar file %q", kind, ics)
		}
	}
	if !kinds["start"] || !kinds["review"] {
		t.Errorf("mails to %s: %v, want start and review", addr, kinds)
	}
}

func (ta *testApp) remindersOn(id int64) bool {
	ta.t.Helper()
	var on bool
	if err := ta.store.DB.Get(&on, `SELECT reminders FROM participants WHERE id = $1`, id); err != nil {
		ta.t.Fatal(err)
	}
	return on
}

// A signed-in participant who opens the site's address is on their own
// pages; a visitor still gets the landing page.
func TestParticipantHomeIsMe(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	adviser := ta.createUser(db.RoleAdviser)
	p := ta.participantClient(ta.storeParticipant(adviser, participantInput("Hjem", unique("Deltaker"))))
	if res := p.get("/"); res.status != http.StatusSeeOther || res.location() != "/me" {
		t.Errorf("/ as a participant: %d %s", res.status, res.location())
	}
	if res := ta.client().get("/"); res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "home.title")) {
		t.Errorf("/ as a visitor: %d", res.status)
	}
}
