package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
)

const agreementTestIP = "192.0.2.1"

// agreementPlacementInput is a published arbeidspraksis that fits inside a
// participantInput's programme: it starts in two weeks and ends in six
// months, 30 hours and 4 days a week, two seats, with a supervisor.
func agreementPlacementInput() db.PlacementInput {
	in := completePlacement(unique("Avtalekommune "))
	start, end := today().AddDate(0, 0, 14), today().AddDate(0, 6, 0)
	in.StartDate, in.EndDate = &start, &end
	in.SupervisorEmail = unique("veileder") + "@test.example"
	return in
}

// storeAgreement makes an agreement the way the app does: a participant
// of the adviser (linked to nav unless nil) is proposed for the placement
// and the employer accepts. It returns the agreement's and the
// participant's ids.
func (ta *testApp) storeAgreement(adviser, employer db.User, nav *db.User, placementID int64, first, last string) (int64, int64) {
	ta.t.Helper()
	in := participantInput(first, last)
	if nav != nil {
		in.NavContactID = &nav.ID
	}
	pid := ta.storeParticipant(adviser, in)
	proposal := ta.storeProposal(adviser, pid, placementID, "", "")
	id, err := ta.store.DecideProposal(context.Background(), proposal, *employer.OrganisationID, employer.ID, true, "", agreementTestIP)
	if err != nil {
		ta.t.Fatalf("accept proposal %d: %v", proposal, err)
	}
	return id, pid
}

// agreementFx is one agreement with its people.
type agreementFx struct {
	adviser, employer, nav db.User
	participant, placement int64
	id                     int64
	first, last, org       string
}

// freshAgreement makes a fresh agreement, prefilled from
// agreementPlacementInput and complete, so it awaits approval.
func (ta *testApp) freshAgreement() agreementFx {
	ta.t.Helper()
	fx := agreementFx{adviser: ta.createUser(db.RoleAdviser), employer: ta.createUser(db.RoleEmployer), nav: ta.createUser(db.RoleNAV),
		first: unique("Olena"), last: unique("Kovalenko")}
	fx.placement = ta.storePlacement(fx.employer, agreementPlacementInput(), db.PlacementPublished)
	fx.id, fx.participant = ta.storeAgreement(fx.adviser, fx.employer, &fx.nav, fx.placement, fx.first, fx.last)
	fx.org = ta.agreement(fx.id).OrgName
	return fx
}

// agreement reads an agreement as an admin sees it, with its status on
// the store's today.
func (ta *testApp) agreement(id int64) db.Agreement {
	ta.t.Helper()
	a, err := ta.store.AgreementIn(context.Background(), id, db.AgreementScope{Role: db.RoleAdmin}, ta.store.Today())
	if err != nil {
		ta.t.Fatalf("agreement %d: %v", id, err)
	}
	return a
}

// actorFor is u changing an agreement today (the store's today).
func (ta *testApp) actorFor(u db.User) db.AgreementActor {
	sc := db.AgreementScope{UserID: u.ID, Role: u.Role}
	if u.OrganisationID != nil {
		sc.OrgID = *u.OrganisationID
	}
	// An employer's approval through the store confirms the duties, as the form's checkbox does.
	return db.AgreementActor{Scope: sc, Today: ta.store.Today(), IP: agreementTestIP, DutiesConfirmed: u.Role == db.RoleEmployer}
}

// approveAs records u's approval (employer or adviser) through the store.
func (ta *testApp) approveAs(u db.User, id int64) {
	ta.t.Helper()
	if err := ta.store.Approve(context.Background(), id, ta.agreement(id).LockVersion, ta.actorFor(u), nil); err != nil {
		ta.t.Fatalf("approve %d as %s: %v", id, u.Role, err)
	}
}

// consentAs records the participant's consent, in person, by the adviser.
func (ta *testApp) consentAs(adviser db.User, id int64) {
	ta.t.Helper()
	if err := ta.store.RecordConsent(context.Background(), id, ta.agreement(id).LockVersion, ta.actorFor(adviser), "in_person", nil, ""); err != nil {
		ta.t.Fatalf("consent %d: %v", id, err)
	}
}

// approveAll takes an agreement through every approval: ready to start.
func (ta *testApp) approveAll(fx agreementFx) {
	ta.t.Helper()
	ta.approveAs(fx.employer, fx.id)
	ta.consentAs(fx.adviser, fx.id)
	ta.approveAs(fx.adviser, fx.id)
}

// setToday moves the store's clock to midday (Oslo) of the day d.
func (ta *testApp) setToday(d time.Time) {
	at := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, calendar.Oslo)
	ta.store.Clock = func() time.Time { return at }
}

// agreementState is everything a refused request must leave alone: the
// agreement's row as a whole, its versions and follow-ups, the
// participant's outcomes, the seats taken, the audited changes (reads
// are audited too, and a refusal may show the agreement again) and the
// queued mail.
type agreementState struct {
	row                                          string
	versions, followUps, outcomes, seats, audits int
	outbox                                       int
}

func (ta *testApp) agreementState(id int64) agreementState {
	ta.t.Helper()
	var s agreementState
	if err := ta.store.DB.Get(&s.row, `SELECT row_to_json(a)::text FROM agreements a WHERE id = $1`, id); err != nil {
		ta.t.Fatal(err)
	}
	if err := ta.store.DB.Get(&s.seats, `SELECT pl.seats_taken FROM placements pl JOIN agreements a ON a.placement_id = pl.id WHERE a.id = $1`, id); err != nil {
		ta.t.Fatal(err)
	}
	s.versions = ta.countWhere("agreement_versions", "agreement_id = $1", id)
	s.followUps = ta.countWhere("follow_ups", "agreement_id = $1", id)
	s.outcomes = ta.countWhere("outcomes", "participant_id = (SELECT participant_id FROM agreements WHERE id = $1)", id)
	s.audits = ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action NOT IN ('agreement.view', 'agreement.print', 'agreement.list')", id)
	s.outbox = ta.count("outbox")
	return s
}

// sameAgreement reports a difference between two states.
func (ta *testApp) sameAgreement(what string, before, after agreementState) {
	ta.t.Helper()
	if before != after {
		ta.t.Errorf("%s changed the agreement:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

func aPath(id int64, suffix string) string { return agreementPath(id) + suffix }

var lockVersionRe = regexp.MustCompile(`name="lock_version" value="(\d*)"`)

// formLock is the lock_version of the form with the action on the page
// ("" if the form carries none); the test fails if there is no such form.
func formLock(t *testing.T, res response, action string) string {
	t.Helper()
	i := strings.Index(res.body, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form to %s on the page (%d)", action, res.status)
	}
	form := res.body[i:]
	form = form[:strings.Index(form, "</form>")]
	m := lockVersionRe.FindStringSubmatch(form)
	if m == nil {
		t.Fatalf("the form to %s has no lock_version field", action)
	}
	return m[1]
}

var statusTagRe = regexp.MustCompile(`status--agreement-([a-z_]+)">([^<]*)<`)

// statusOf is the status on an agreement page (its tag, checked to read
// the catalogue's name of the status).
func statusOf(t *testing.T, res response) string {
	t.Helper()
	m := statusTagRe.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("no status on the page (%d)", res.status)
	}
	if want := msg(t, "nb", "agreements.status."+m[1]); unescape(m[2]) != want {
		t.Errorf("status %s shown as %q, want %q", m[1], unescape(m[2]), want)
	}
	return m[1]
}

// scheduleForm is the schedule step with the agreement's current values.
func scheduleForm(a db.Agreement) url.Values {
	f := url.Values{"lock_version": {strconv.Itoa(a.LockVersion)}, "job_title": {a.JobTitle}, "tasks": {a.Tasks}}
	if a.StartDate != nil {
		f.Set("start_date", ymd(*a.StartDate))
	}
	if a.EndDate != nil {
		f.Set("end_date", ymd(*a.EndDate))
	}
	if a.HoursPerWeek != nil {
		f.Set("hours_per_week", strconv.FormatFloat(*a.HoursPerWeek, 'f', -1, 64))
	}
	if a.DaysPerWeek != nil {
		f.Set("days_per_week", strconv.Itoa(*a.DaysPerWeek))
	}
	return f
}

// formWith is a copy of the form with the given fields set (post adds the
// client's CSRF token to the form it is given, so forms are not shared).
func formWith(f url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// nbDate is a day as the pages print it.
func nbDate(d time.Time) string { return d.Format("02.01.2006") }

// TestAgreementLifecycle: the adviser proposes, the employer accepts and
// lands on the agreement, prefilled from the placement; a missing
// supervisor e-mail keeps it a draft until the employer fills it in; the
// adviser sets the goals; the employer approves, the adviser records the
// participant's consent on their behalf (no BankID) and approves last:
// ready to start. When the start has passed it runs; the adviser ends it
// early because the participant got a part-time job: ended, the seat
// given back, the outcome recorded, every step audited, and the mails
// carry no name.
func TestAgreementLifecycle(t *testing.T) {
	ta := newTestApp(t)
	adviserUser, employerUser := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleEmployer)
	adviser, employer := ta.sessionFor(adviserUser), ta.sessionFor(employerUser)
	first, last := unique("Olena"), unique("Kovalenko")
	pid := ta.storeParticipant(adviserUser, participantInput(first, last))
	plIn := agreementPlacementInput()
	plIn.SupervisorEmail = "" // published with a phone number only
	placementID := ta.storePlacement(employerUser, plIn, db.PlacementPublished)
	org, err := ta.store.Organisation(context.Background(), *employerUser.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}

	// Consent, propose and accept.
	ta.consentFor(adviserUser, pid, placementID, "")
	if res := adviser.post(pPath(pid, "/proposals"), url.Values{"placement_id": {itoa(placementID)}}); res.status != http.StatusSeeOther {
		t.Fatalf("propose: %d\n%s", res.status, res.text())
	}
	var proposalID int64
	if err := ta.store.DB.Get(&proposalID, `SELECT id FROM proposals WHERE participant_id = $1 AND placement_id = $2`, pid, placementID); err != nil {
		t.Fatal(err)
	}
	res := employer.post("/proposals/"+itoa(proposalID)+"/accept", nil)
	var id int64
	if err := ta.store.DB.Get(&id, `SELECT id FROM agreements WHERE proposal_id = $1`, proposalID); err != nil {
		t.Fatalf("no agreement after the acceptance: %v", err)
	}
	// To the first step with something missing (issue 20: before, to
	// the agreement's page).
	if res.status != http.StatusSeeOther || res.location() != aPath(id, "/steps/contacts") {
		t.Fatalf("accept: %d to %q, want 303 to %s", res.status, res.location(), aPath(id, "/steps/contacts"))
	}
	if p := ta.placement(placementID); p.SeatsTaken != 1 {
		t.Errorf("seats taken after the acceptance: %d, want 1", p.SeatsTaken)
	}

	// Prefilled from the placement; a draft, since the supervisor has no
	// e-mail address yet.
	ag := ta.agreement(id)
	start := today().AddDate(0, 0, 14)
	if ag.JobTitle != plIn.Title || ag.Tasks != plIn.Tasks || ag.SupervisorName != plIn.SupervisorName || ag.SupervisorPhone != plIn.SupervisorPhone ||
		ag.StartDate == nil || !ag.StartDate.Equal(start) || ag.EndDate == nil || !ag.EndDate.Equal(start.AddDate(0, 3, -1)) ||
		ag.HoursPerWeek == nil || *ag.HoursPerWeek != 30 || ag.DaysPerWeek == nil || *ag.DaysPerWeek != 4 ||
		len(ag.Goals) != 1 || ag.Goals[0] != "language" || ag.FollowUpWeeks != 4 {
		t.Errorf("the agreement is not prefilled from the placement: %+v", ag.AgreementContent)
	}
	page := employer.get(agreementPath(id))
	if page.status != http.StatusOK {
		t.Fatalf("agreement page: %d", page.status)
	}
	if st := statusOf(t, page); st != db.AgreementDraft {
		t.Errorf("status after the acceptance: %s, want draft", st)
	}
	for _, want := range []string{plIn.Title, plIn.SupervisorName, plIn.SupervisorPhone, first, msg(t, "nb", "agreements.next_draft"), org.Name} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("the employer's agreement page lacks %q", want)
		}
	}
	if strings.Contains(page.body, last) {
		t.Error("the employer's agreement page shows the last name")
	}
	if !strings.Contains(page.body, `href="`+aPath(id, "/steps/contacts")+`"`) {
		t.Error("the draft has no link to the missing step (contacts)")
	}

	// The employer fills in the supervisor's e-mail and goes on.
	step := employer.get(aPath(id, "/steps/contacts"))
	if v, _ := inputValue(step.body, "supervisor_name"); step.status != http.StatusOK || unescape(v) != plIn.SupervisorName {
		t.Fatalf("contacts step: %d, supervisor %q", step.status, v)
	}
	supervisor := unique("Kari.N") + "@Firma.example"
	res = employer.post(aPath(id, "/steps/contacts"), url.Values{"lock_version": {formLock(t, step, aPath(id, "/steps/contacts"))},
		"supervisor_name": {plIn.SupervisorName}, "supervisor_email": {supervisor}, "supervisor_phone": {plIn.SupervisorPhone}, "continue": {"1"}})
	if res.status != http.StatusSeeOther || res.location() != aPath(id, "/steps/goals") {
		t.Fatalf("save contacts: %d to %q\n%s", res.status, res.location(), res.text())
	}
	supervisor = strings.ToLower(supervisor)
	if ag := ta.agreement(id); ag.SupervisorEmail != supervisor || ag.Status != db.AgreementAwaiting {
		t.Errorf("after the contacts: e-mail %q, status %s; want %q, awaiting_approval", ag.SupervisorEmail, ag.Status, supervisor)
	}

	// The adviser sets the goals.
	step = adviser.get(aPath(id, "/steps/goals"))
	if step.status != http.StatusOK {
		t.Fatalf("goals step as the adviser: %d", step.status)
	}
	res = adviser.post(aPath(id, "/steps/goals"), url.Values{"lock_version": {formLock(t, step, aPath(id, "/steps/goals"))},
		"goals": {"language", "work_experience", "other"}, "goals_text": {"Lære å bruke kassa."}})
	if res.status != http.StatusSeeOther || res.location() != agreementPath(id) {
		t.Fatalf("save goals: %d to %q\n%s", res.status, res.location(), res.text())
	}
	if ag := ta.agreement(id); strings.Join(ag.Goals, ",") != "language,work_experience,other" || ag.GoalsText != "Lære å bruke kassa." {
		t.Errorf("goals saved: %v %q", ag.Goals, ag.GoalsText)
	}
	if n := ta.countWhere("agreement_versions", "agreement_id = $1", id); n != 0 {
		t.Errorf("edits before any approval kept %d versions", n)
	}

	// The employer approves.
	page = employer.get(agreementPath(id))
	if st := statusOf(t, page); st != db.AgreementAwaiting || !strings.Contains(page.text(), msg(t, "nb", "agreements.next_awaiting")) {
		t.Errorf("status before the approvals: %s", st)
	}
	res = employer.post(aPath(id, "/approve"), url.Values{"lock_version": {formLock(t, page, aPath(id, "/approve"))}, "duties_confirmed": {"yes"}})
	if res.status != http.StatusSeeOther || res.location() != agreementPath(id) {
		t.Fatalf("employer approves: %d to %q\n%s", res.status, res.location(), res.text())
	}
	if n := ta.countWhere("agreements", "id = $1 AND employer_approved_by = $2 AND employer_approved_at IS NOT NULL AND adviser_approved_at IS NULL", id, employerUser.ID); n != 1 {
		t.Error("the employer's approval is not recorded")
	}
	if n := ta.outboxFor(adviserUser.Email); n != 1 {
		t.Errorf("mails to the adviser after the employer's approval: %d, want 1", n)
	}

	// The adviser records consent on the participant's behalf, then
	// approves last.
	page = adviser.get(agreementPath(id))
	if !strings.Contains(page.text(), msg(t, "nb", "agreements.adviser_last")) {
		t.Error("the adviser is not told they approve last")
	}
	res = adviser.post(aPath(id, "/consent"), url.Values{"lock_version": {formLock(t, page, aPath(id, "/consent"))},
		"mode": {"on_behalf"}, "reason": {"no_bankid"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("consent: %d\n%s", res.status, res.text())
	}
	if n := ta.countWhere("agreements", "id = $1 AND consent_by = $2 AND consent_mode = 'on_behalf' AND consent_reason = 'no_bankid' AND consent_at IS NOT NULL",
		id, adviserUser.ID); n != 1 {
		t.Error("the consent on the participant's behalf is not recorded")
	}
	page = adviser.get(agreementPath(id))
	if !strings.Contains(page.text(), msg(t, "nb", "agreements.consent_reason.no_bankid")) {
		t.Error("the page does not show why the adviser consented on the participant's behalf")
	}
	res = adviser.post(aPath(id, "/approve"), url.Values{"lock_version": {formLock(t, page, aPath(id, "/approve"))}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("adviser approves: %d\n%s", res.status, res.text())
	}
	page = adviser.get(agreementPath(id))
	if st := statusOf(t, page); st != db.AgreementReady {
		t.Errorf("status after every approval: %s, want ready", st)
	}
	if want := fill(msg(t, "nb", "agreements.next_ready"), "Date", nbDate(start)); !strings.Contains(page.text(), want) {
		t.Errorf("the ready agreement does not say %q", want)
	}
	if n := ta.outboxFor(supervisor); n != 1 {
		t.Errorf("mails to the supervisor after the last approval: %d, want 1", n)
	}
	ta.drain()
	for _, addr := range []string{adviserUser.Email, supervisor} {
		m := oneMailTo(t, addr)
		if !strings.Contains(m.Text, "http://localhost:3000"+agreementPath(id)) {
			t.Errorf("the mail to %s does not link to the agreement:\n%s", addr, m.Text)
		}
		if strings.Contains(string(m.Raw), first) || strings.Contains(string(m.Raw), last) {
			t.Errorf("the mail to %s names the participant", addr)
		}
	}

	// Sixteen days on it runs.
	ta.setToday(start.AddDate(0, 0, 16))
	page = adviser.get(agreementPath(id))
	if st := statusOf(t, page); st != db.AgreementRunning {
		t.Fatalf("status after the start: %s, want running", st)
	}

	// The participant got a part-time job: ended early, yesterday.
	endedOn := ta.store.Today().AddDate(0, 0, -1)
	res = adviser.post(aPath(id, "/end"), url.Values{"lock_version": {formLock(t, page, aPath(id, "/end"))},
		"ended_on": {ymd(endedOn)}, "reason": {"got_job"}, "job_kind": {"work_part"}, "note": {"Fast deltid i butikken."}})
	if res.status != http.StatusSeeOther || res.location() != agreementPath(id) {
		t.Fatalf("end: %d to %q\n%s", res.status, res.location(), res.text())
	}
	ag = ta.agreement(id)
	if ag.Status != db.AgreementEnded || ag.EndedOn == nil || !ag.EndedOn.Equal(endedOn) || ag.EndReason == nil || *ag.EndReason != "got_job" {
		t.Errorf("after the end: %s %v %v", ag.Status, ag.EndedOn, ag.EndReason)
	}
	if ag.EmployerAccessUntil == nil || !ag.EmployerAccessUntil.Equal(endedOn.AddDate(0, 0, 7*12)) {
		t.Errorf("the employer's access ends %v, want 12 weeks after %s", ag.EmployerAccessUntil, ymd(endedOn))
	}
	if p := ta.placement(placementID); p.SeatsTaken != 0 {
		t.Errorf("seats taken after the end: %d, want 0 (the seat given back)", p.SeatsTaken)
	}
	if n := ta.countWhere("outcomes", "participant_id = $1 AND kind = 'work_part' AND employer = $2 AND from_date = $3 AND recorded_by = $4",
		pid, org.Name, ymd(endedOn.AddDate(0, 0, 1)), adviserUser.ID); n != 1 {
		t.Errorf("job outcomes recorded: %d, want 1 (work_part at %s from the day after)", n, org.Name)
	}
	page = employer.get(agreementPath(id))
	want := fill(msg(t, "nb", "agreements.ended_early"), "Date", nbDate(endedOn), "Reason", msg(t, "nb", "agreements.end_reason.got_job"))
	if statusOf(t, page) != db.AgreementEnded || !strings.Contains(page.text(), want) {
		t.Errorf("the ended agreement does not say %q", want)
	}
	// Nothing changes an ended agreement.
	before := ta.agreementState(id)
	res = adviser.post(aPath(id, "/steps/mentor"), url.Values{"lock_version": {strconv.Itoa(ag.LockVersion)}, "mentor_name": {"Sen Mentor"}})
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "agreements.not_editable")) {
		t.Errorf("editing an ended agreement: %d, want 409 with the message", res.status)
	}
	ta.sameAgreement("an edit after the end", before, ta.agreementState(id))
	ta.expectRefused(t, id, []agreementCase{
		{"end it again", adviser, "", aPath(id, "/end"), url.Values{"lock_version": {strconv.Itoa(ag.LockVersion)}, "ended_on": {ymd(endedOn)},
			"reason": {"completed"}}, 409, "", "agreements.not_now"},
		{"cancel it after the end", employer, "", aPath(id, "/cancel"), url.Values{"lock_version": {strconv.Itoa(ag.LockVersion)}, "note": {"For sent"}},
			409, "", "agreements.not_now"},
	})

	// Every step is in the audit log, by the person who took it.
	for _, c := range []struct {
		action string
		actor  int64
		want   int
	}{
		{"agreement.created", employerUser.ID, 1},
		{"agreement.edit_contacts", employerUser.ID, 1},
		{"agreement.edit_goals", adviserUser.ID, 1},
		{"agreement.approve_employer", employerUser.ID, 1},
		{"agreement.consent_on_behalf", adviserUser.ID, 1},
		{"agreement.approve_adviser", adviserUser.ID, 1},
		{"agreement.end_got_job", adviserUser.ID, 1},
	} {
		if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = $2 AND actor_id = $3", id, c.action, c.actor); n != c.want {
			t.Errorf("audit %s: %d rows, want %d", c.action, n, c.want)
		}
	}
	for _, u := range []db.User{employerUser, adviserUser} {
		if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = 'agreement.view' AND actor_id = $2", id, u.ID); n < 3 {
			t.Errorf("views of the agreement by the %s audited: %d, want one per page", u.Role, n)
		}
	}
	if n := ta.auditRows(pid, "participant.outcome"); n != 1 {
		t.Errorf("outcome audit rows: %d, want 1", n)
	}
}
