package handlers

import (
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

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

// auditRowsFor counts an agreement's audit rows of an action.
func (ta *testApp) auditRowsFor(id int64, action string) int {
	ta.t.Helper()
	return ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = $2", id, action)
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
