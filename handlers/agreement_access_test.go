package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"praksis/calendar"
	"praksis/db"
)

// TestAgreementPrivacy: the employer knows the person by first name only,
// on the agreement, its steps, its summary and the list; the linked NAV
// user reads the agreement without a way to change it; the printable
// summary has no edit links or forms.
func TestAgreementPrivacy(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser, employer, nav := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer), ta.sessionFor(fx.nav)
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	editLinks := []string{`href="` + aPath(fx.id, "/steps/"), `action="` + aPath(fx.id, "/")}

	for _, p := range []string{agreementPath(fx.id), aPath(fx.id, "/summary"), aPath(fx.id, "/steps/contacts"), aPath(fx.id, "/steps/schedule"), "/agreements"} {
		res := employer.get(p)
		if res.status != http.StatusOK {
			t.Errorf("employer GET %s: %d", p, res.status)
		}
		if strings.Contains(res.body, fx.last) {
			t.Errorf("employer GET %s shows the last name", p)
		}
		if p == agreementPath(fx.id) || p == "/agreements" {
			if !strings.Contains(res.body, fx.first) {
				t.Errorf("employer GET %s does not show the first name", p)
			}
		}
	}
	// The adviser's page has the edit links, so their absence below means
	// something.
	res := adviser.get(agreementPath(fx.id))
	for _, s := range editLinks {
		if !strings.Contains(res.body, s) {
			t.Fatalf("the adviser's page has no %s…", s)
		}
	}
	if !strings.Contains(res.body, fx.first+" "+fx.last) {
		t.Error("the adviser's page does not show the full name")
	}
	for who, c := range map[string]*client{"NAV": nav, "admin": admin} {
		res := c.get(agreementPath(fx.id))
		if res.status != http.StatusOK || !strings.Contains(res.body, fx.first) {
			t.Fatalf("%s reads the agreement: %d", who, res.status)
		}
		for _, s := range editLinks {
			if strings.Contains(res.body, s) {
				t.Errorf("%s's agreement page has %s…", who, s)
			}
		}
	}
	if res := nav.get(agreementPath(fx.id)); !strings.Contains(res.text(), msg(t, "nb", "agreements.nav_readonly")) {
		t.Error("the NAV user is not told the agreement is read-only for them")
	}
	for who, c := range map[string]*client{"employer": employer, "adviser": adviser, "NAV": nav, "admin": admin} {
		res := c.get(aPath(fx.id, "/summary"))
		if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "agreements.summary_heading")) {
			t.Errorf("%s's summary: %d", who, res.status)
			continue
		}
		for _, s := range append(editLinks, "<form") {
			if strings.Contains(res.body[strings.Index(res.body, "<main"):], s) {
				t.Errorf("%s's summary has %s…", who, s)
			}
		}
	}
	if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = 'agreement.print'", fx.id); n != 5 {
		t.Errorf("summaries audited: %d, want 5", n)
	}
}

// TestAgreementCancelAndFollowUps: the adviser logs follow-up meetings,
// which set when the next is due and which the employer never reads; the
// employer cancels an agreement that has not started, with a note: the
// seat is free again and the employer keeps access for twelve weeks.
func TestAgreementCancelAndFollowUps(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser, employer, nav := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer), ta.sessionFor(fx.nav)
	day0 := today()

	notes := unique("Møte på arbeidsplassen ")
	res := adviser.post(aPath(fx.id, "/follow-ups"), url.Values{"held_on": {ymd(day0)}, "with": {"participant", "supervisor"}, "notes": {notes}})
	if res.status != http.StatusSeeOther || res.location() != agreementPath(fx.id) {
		t.Fatalf("follow-up: %d to %q\n%s", res.status, res.location(), res.text())
	}
	if n := ta.countWhere("follow_ups", "agreement_id = $1 AND held_on = $2 AND with_whom = '{participant,supervisor}' AND notes = $3 AND written_by = $4",
		fx.id, ymd(day0), notes, fx.adviser.ID); n != 1 {
		t.Errorf("follow-ups stored: %d, want 1", n)
	}
	if next := ta.agreement(fx.id).NextFollowUp; next == nil || !next.Equal(day0.AddDate(0, 0, 28)) {
		t.Errorf("next follow-up due %v, want four weeks after the meeting", next)
	}
	for who, c := range map[string]*client{"adviser": adviser, "NAV": nav} {
		if res := c.get(agreementPath(fx.id)); !strings.Contains(res.text(), notes) {
			t.Errorf("the %s does not read the follow-up", who)
		}
	}
	if res := employer.get(agreementPath(fx.id)); strings.Contains(res.text(), notes) {
		t.Error("the employer reads the adviser's follow-up notes")
	}

	// Cancel.
	seats := ta.placement(fx.placement).SeatsTaken
	page := employer.get(agreementPath(fx.id))
	note := "Deltakeren har flyttet."
	res = employer.post(aPath(fx.id, "/cancel"), url.Values{"lock_version": {formLock(t, page, aPath(fx.id, "/cancel"))}, "note": {note}})
	if res.status != http.StatusSeeOther || res.location() != agreementPath(fx.id) {
		t.Fatalf("cancel: %d to %q\n%s", res.status, res.location(), res.text())
	}
	ag := ta.agreement(fx.id)
	if ag.Status != db.AgreementCancelled || ag.EndNote != note || ag.EmployerAccessUntil == nil || !ag.EmployerAccessUntil.Equal(day0.AddDate(0, 0, 7*12)) {
		t.Errorf("after the cancel: %s %q, access until %v", ag.Status, ag.EndNote, ag.EmployerAccessUntil)
	}
	if p := ta.placement(fx.placement); p.SeatsTaken != seats-1 {
		t.Errorf("seats taken after the cancel: %d, want %d", p.SeatsTaken, seats-1)
	}
	if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = 'agreement.cancel' AND actor_id = $2", fx.id, fx.employer.ID); n != 1 {
		t.Errorf("cancel audit rows: %d, want 1", n)
	}
	page = adviser.get(agreementPath(fx.id))
	if statusOf(t, page) != db.AgreementCancelled || !strings.Contains(page.text(), note) {
		t.Error("the cancelled agreement's page does not show the status and the note")
	}
	for _, s := range []string{`href="` + aPath(fx.id, "/steps/"), `action="` + aPath(fx.id, "/")} {
		if strings.Contains(page.body, s) {
			t.Errorf("the cancelled agreement's page still has %s…", s)
		}
	}
	lock := strconv.Itoa(ag.LockVersion)
	ta.expectRefused(t, fx.id, []agreementCase{
		{"cancel twice", adviser, "", aPath(fx.id, "/cancel"), url.Values{"lock_version": {lock}, "note": {"Igjen"}}, 409, "", "agreements.not_now"},
		{"edit a cancelled agreement", employer, "", aPath(fx.id, "/steps/mentor"), url.Values{"lock_version": {lock}, "mentor_name": {"Sen"}}, 409, "", "agreements.not_editable"},
		{"approve a cancelled agreement", employer, "", aPath(fx.id, "/approve"), url.Values{"lock_version": {lock}}, 409, "", "agreements.not_now"},
	})
	if p := ta.placement(fx.placement); p.SeatsTaken != seats-1 {
		t.Errorf("seats taken after the second cancel: %d, want %d (the seat given back once)", p.SeatsTaken, seats-1)
	}
}

// TestAgreementEmployerAccessEndsAfterTheEnd: an agreement approved as it
// was prefilled and run to its planned end: twelve weeks after the end
// the employer no longer sees who it was with (DOMAIN.md, Privacy).
func TestAgreementEmployerAccessEndsAfterTheEnd(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	ta.approveAll(fx)
	employer := ta.sessionFor(fx.employer)
	end := *ta.agreement(fx.id).EndDate

	ta.setToday(end.AddDate(0, 0, 7*12))
	if res := employer.get(agreementPath(fx.id)); res.status != http.StatusOK || !strings.Contains(res.body, fx.first) {
		t.Errorf("twelve weeks after the end the employer should still see the first name (%d)", res.status)
	}
	ta.setToday(end.AddDate(0, 0, 7*12+1))
	ag := ta.agreement(fx.id)
	if ag.Status != db.AgreementEnded {
		t.Fatalf("status after the end: %s", ag.Status)
	}
	res := employer.get(agreementPath(fx.id))
	if res.status != http.StatusOK {
		t.Fatalf("agreement page: %d", res.status)
	}
	if strings.Contains(res.body, fx.first) {
		t.Errorf("twelve weeks and a day after the end the employer still sees the first name (employer_access_until %v)", ag.EmployerAccessUntil)
	}
	if list := employer.get("/agreements"); strings.Contains(list.body, fx.first) {
		t.Error("the employer's list still names the person twelve weeks after the end")
	}
}

// TestAgreementPageIDsUnique: the adviser's page of an agreement awaiting
// approval holds the consent, follow-up and cancel forms at once; every
// id on it is unique, so each label and error link points at its own
// field (WCAG 1.3.1, 4.1.1).
func TestAgreementPageIDsUnique(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	res := ta.sessionFor(fx.adviser).get(agreementPath(fx.id))
	if res.status != http.StatusOK {
		t.Fatalf("agreement page: %d", res.status)
	}
	seen := map[string]int{}
	for _, m := range regexp.MustCompile(`\sid="([^"]+)"`).FindAllStringSubmatch(res.body, -1) {
		seen[m[1]]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("id %q appears %d times on the page", id, n)
		}
	}
}

// agreementMatrixFx are the agreements the authorisation matrix acts on:
// of the matrix employer's organisation, for participants of the matrix
// adviser linked to the matrix NAV user, each in the state its rows
// start from.
type agreementMatrixFx struct {
	id          int64 // awaiting approval, nothing approved: read, steps, cancel, end, follow-ups
	toApprove   int64 // the employer approved and consent is recorded: the adviser approves last
	approveLock int
	toConsent   int64 // awaiting approval without consent: the adviser records it
	consentLock int
	running     int64 // approved by all and started a week ago: ended (refused) by the parties
}

// agreementPatterns are the routes of the agreements block of routes.go.
var agreementPatterns = map[string]bool{
	"GET /agreements": true, "GET /agreements/:id": true, "GET /agreements/:id/summary": true,
	"GET /agreements/:id/steps/:step": true, "POST /agreements/:id/steps/:step": true, "POST /agreements/:id/approve": true,
	"POST /agreements/:id/consent": true, "POST /agreements/:id/cancel": true, "POST /agreements/:id/end": true,
	"POST /agreements/:id/follow-ups": true, "POST /agreements/:id/nav": true,
}

// TestAgreementMatrixEffects runs the matrix's agreement rows and checks
// that exactly the allowed changes were made: the adviser's consent and
// last approval, the adviser's follow-up; the refused and empty forms
// left the agreements as they were.
func TestAgreementMatrixEffects(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	fx := ta.newMatrixFixtures()
	ag := fx.agreements
	before, running := ta.agreementState(ag.id), ta.agreementState(ag.running)
	if st := ta.agreement(ag.running).Status; st != db.AgreementRunning {
		t.Fatalf("the running fixture is %s", st)
	}
	approvedBy := ta.agreement(ag.toApprove).EmployerApprovedAt
	users := map[string]db.User{db.RoleEmployer: fx.employer, db.RoleAdviser: fx.adviser, db.RoleNAV: fx.nav, db.RoleAdmin: ta.createUser(db.RoleAdmin)}
	rows := 0
	for _, r := range authorisationMatrix(ta, fx) {
		if !agreementPatterns[r.method+" "+r.pattern] {
			continue
		}
		rows++
		for i, role := range matrixRoles {
			c := ta.matrixClient(role, users, fx.participant)
			var res response
			if r.method == http.MethodGet {
				res = c.get(r.path)
			} else {
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				res = c.post(r.path, form)
			}
			if res.status != r.want[i] {
				t.Errorf("%s %s as %q: %d, want %d", r.method, r.path, role, res.status, r.want[i])
			}
		}
	}
	if rows != len(agreementPatterns) {
		t.Fatalf("%d agreement rows in the matrix, want %d", rows, len(agreementPatterns))
	}
	after := ta.agreementState(ag.id)
	if after.followUps != before.followUps+1 || after.audits != before.audits+1 {
		t.Errorf("follow-ups %d→%d, audited changes %d→%d: want one each (the adviser's follow-up)", before.followUps, after.followUps, before.audits, after.audits)
	}
	after.followUps, after.audits, after.outbox = before.followUps, before.audits, before.outbox
	ta.sameAgreement("the matrix", before, after)
	now := ta.agreementState(ag.running)
	now.outbox = running.outbox
	ta.sameAgreement("the matrix's refused ends", running, now)
	if n := ta.countWhere("follow_ups", "agreement_id = $1 AND written_by = $2", ag.id, fx.adviser.ID); n != 1 {
		t.Errorf("the adviser's follow-ups: %d, want 1", n)
	}
	if n := ta.countWhere("agreements", "id = $1 AND consent_by = $2 AND consent_mode = 'in_person'", ag.toConsent, fx.adviser.ID); n != 1 {
		t.Error("the adviser's consent was not recorded")
	}
	a := ta.agreement(ag.toApprove)
	if a.Status != db.AgreementReady || a.AdviserApprovedAt == nil || a.EmployerApprovedAt == nil || !a.EmployerApprovedAt.Equal(*approvedBy) {
		t.Errorf("the agreement the adviser approved last: %s", a.Status)
	}
	if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = 'agreement.approve_employer'", ag.toApprove); n != 1 {
		t.Errorf("employer approvals of toApprove: %d, want 1 (the fixture's)", n)
	}
}

// An edit of an agreement under way withdraws the approvals, but the
// placement goes on: it stays running (attendance can be logged, it can
// end early, it cannot be cancelled) while the parties approve again; the
// adviser's renewed approval does not restart anything.
func TestAgreementEditWhileRunningKeepsItRunning(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	ta.approveAll(fx)
	start := *ta.agreement(fx.id).StartDate
	ta.setToday(start.AddDate(0, 0, 3))
	defer func() { ta.store.Clock = nil }()
	if s := ta.agreement(fx.id).Status; s != db.AgreementRunning {
		t.Fatalf("status after the start: %s, want running", s)
	}
	adviser, employer := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer)
	a := ta.agreement(fx.id)
	res := adviser.post(aPath(fx.id, "/steps/schedule"), formWith(scheduleForm(a), "hours_per_week", "25"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit while running: %d %s", res.status, res.visible())
	}
	a = ta.agreement(fx.id)
	if a.Status != db.AgreementRunning || a.EmployerApprovedAt != nil || a.AdviserApprovedAt != nil || !a.PendingApproval() {
		t.Fatalf("after the edit: %s, approvals %v %v, pending %v; want running with approvals withdrawn", a.Status,
			a.EmployerApprovedAt, a.AdviserApprovedAt, a.PendingApproval())
	}
	page := employer.get(aPath(fx.id, "")).text()
	if !strings.Contains(page, msg(t, "nb", "agreements.changes_pending")) || !strings.Contains(page, `action="/agreements/`+itoa(fx.id)+`/approve"`) {
		t.Error("the employer's page does not say the changes wait for approval, or offers no approval")
	}
	if strings.Contains(page, `action="/agreements/`+itoa(fx.id)+`/cancel"`) {
		t.Error("a running agreement offers to be cancelled")
	}
	if res := employer.post(aPath(fx.id, "/cancel"), url.Values{"lock_version": {strconv.Itoa(a.LockVersion)}, "note": {"Avlys"}}); res.status != http.StatusConflict {
		t.Errorf("cancel of a running agreement after an edit: %d, want 409", res.status)
	}
	// Attendance for the days under way can still be logged.
	monday := calendar.Monday(start.AddDate(0, 0, 3))
	if res := employer.get(aPath(fx.id, "/attendance/"+ymd(monday))); res.status != http.StatusOK {
		t.Errorf("the week's attendance form while changes wait: %d, want 200", res.status)
	}
	// Approvals given again: still running, the first approval kept.
	first := a.FirstApprovedAt
	ta.approveAll(fx)
	if a := ta.agreement(fx.id); a.Status != db.AgreementRunning || a.PendingApproval() || first == nil || !a.FirstApprovedAt.Equal(*first) {
		t.Errorf("after approving again: %s pending %v first %v → %v", a.Status, a.PendingApproval(), first, a.FirstApprovedAt)
	}
}

func (ta *testApp) agreementMatrixFixtures(employer, adviser, nav db.User) agreementMatrixFx {
	ta.t.Helper()
	in := agreementPlacementInput()
	in.Seats = 4
	pl := ta.storePlacement(employer, in, db.PlacementPublished)
	mk := func() int64 {
		id, _ := ta.storeAgreement(adviser, employer, &nav, pl, "Avtale", unique("Matrise"))
		return id
	}
	fx := agreementMatrixFx{id: mk(), toApprove: mk(), toConsent: mk(), running: mk()}
	ta.approveAs(employer, fx.running)
	ta.consentAs(adviser, fx.running)
	ta.approveAs(adviser, fx.running)
	ta.exec(`UPDATE agreements SET start_date = $2 WHERE id = $1`, fx.running, ymd(today().AddDate(0, 0, -7)))
	ta.approveAs(employer, fx.toApprove)
	ta.consentAs(adviser, fx.toApprove)
	fx.approveLock = ta.agreement(fx.toApprove).LockVersion
	fx.consentLock = ta.agreement(fx.toConsent).LockVersion
	return fx
}
