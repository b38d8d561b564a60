package handlers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
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

// TestAgreementStepKeepsLockVersion: a step refused for bad input shows
// the form again with the version the person was editing, so that once
// they correct it the save goes through (and a change someone else made
// in between is still caught).
func TestAgreementStepKeepsLockVersion(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser := ta.sessionFor(fx.adviser)
	ag := ta.agreement(fx.id)
	s := aPath(fx.id, "/steps/schedule")
	res := adviser.post(s, formWith(scheduleForm(ag), "hours_per_week", "abc"))
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad hours: %d, want 422", res.status)
	}
	got := formLock(t, res, s)
	if got != strconv.Itoa(ag.LockVersion) {
		t.Errorf("the refused form carries lock_version %q, want %d (the version being edited)", got, ag.LockVersion)
	}
	res = adviser.post(s, formWith(scheduleForm(ag), "lock_version", got, "hours_per_week", "25"))
	if res.status != http.StatusSeeOther {
		t.Errorf("the corrected form: %d, want 303 (%s)", res.status, firstAlert(res))
	}
}

var alertRe = regexp.MustCompile(`(?s)<h2 class="ds-heading" data-size="xs">([^<]*)</h2>`)

func firstAlert(res response) string {
	if m := alertRe.FindStringSubmatch(res.body); m != nil {
		return unescape(m[1])
	}
	return ""
}

// TestAgreementStaleSave: the employer and the adviser open the schedule
// at the same version; the employer saves first; the adviser's save is
// refused with 409 and the newer version on the screen, and nothing of
// theirs is stored. The same for an approval of a version that has
// changed since the page was loaded.
func TestAgreementStaleSave(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser, employer := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer)
	s := aPath(fx.id, "/steps/schedule")
	ag := ta.agreement(fx.id)

	approvePage := employer.get(agreementPath(fx.id)) // loaded before anyone saves
	oldApproveLock := formLock(t, approvePage, aPath(fx.id, "/approve"))
	pe, pa := employer.get(s), adviser.get(s)
	le, la := formLock(t, pe, s), formLock(t, pa, s)
	if le == "" || le != la || le != strconv.Itoa(ag.LockVersion) {
		t.Fatalf("lock versions on the forms: %q and %q, want both %d", le, la, ag.LockVersion)
	}
	res := employer.post(s, formWith(scheduleForm(ag), "lock_version", le, "job_title", "Arbeidsgivers tittel", "hours_per_week", "25"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("the first save: %d\n%s", res.status, res.text())
	}
	res = adviser.post(s, formWith(scheduleForm(ag), "lock_version", la, "job_title", "Rådgivers tittel", "hours_per_week", "20"))
	if res.status != http.StatusConflict {
		t.Fatalf("the second save: %d, want 409", res.status)
	}
	if !strings.Contains(res.text(), msg(t, "nb", "agreements.stale_heading")) || !strings.Contains(res.text(), msg(t, "nb", "agreements.stale_step")) {
		t.Error("the refused save does not say someone else changed the agreement first")
	}
	if v, _ := inputValue(res.body, "job_title"); unescape(v) != "Arbeidsgivers tittel" {
		t.Errorf("the refused save's form shows %q, want the newer version's title", unescape(v))
	}
	// What the second person typed is shown, not lost.
	if body := res.text(); !strings.Contains(body, msg(t, "nb", "agreements.stale_mine")) || !strings.Contains(body, "Rådgivers tittel") {
		t.Error("the refused save does not show what the person tried to save")
	}
	cur := ta.agreement(fx.id)
	if cur.JobTitle != "Arbeidsgivers tittel" || cur.HoursPerWeek == nil || *cur.HoursPerWeek != 25 {
		t.Errorf("stored after the race: %q, %v hours; want the first save's", cur.JobTitle, cur.HoursPerWeek)
	}
	if n := ta.countWhere("agreements", "id = $1 AND row_to_json(agreements)::text LIKE '%Rådgivers%'", fx.id); n != 0 {
		t.Error("the refused save's title is stored")
	}
	if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = 'agreement.edit_schedule'", fx.id); n != 1 {
		t.Errorf("schedule edits audited: %d, want 1", n)
	}
	// With the newer version from the refusal, the adviser's save goes through.
	res = adviser.post(s, formWith(scheduleForm(cur), "lock_version", formLock(t, res, s), "job_title", "Rådgivers tittel"))
	if res.status != http.StatusSeeOther || ta.agreement(fx.id).JobTitle != "Rådgivers tittel" {
		t.Errorf("saving again on the newer version: %d", res.status)
	}

	// An approval of the version on a page loaded before the changes.
	before := ta.agreementState(fx.id)
	res = employer.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {oldApproveLock}, "duties_confirmed": {"yes"}})
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "agreements.stale_heading")) {
		t.Errorf("approving an old version: %d, want 409 with the message", res.status)
	}
	ta.sameAgreement("approving an old version", before, ta.agreementState(fx.id))
	if !strings.Contains(res.text(), "Rådgivers tittel") {
		t.Error("the refusal does not show the current version")
	}
	res = employer.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {formLock(t, res, aPath(fx.id, "/approve"))}, "duties_confirmed": {"yes"}})
	if res.status != http.StatusSeeOther || ta.agreement(fx.id).EmployerApprovedAt == nil {
		t.Errorf("approving the current version: %d", res.status)
	}
}

// TestAgreementApproveEditRace: the employer approves the version on
// their screen at the moment the adviser saves a change to it. Exactly one
// of them goes through; an approval never stands on content the employer
// did not see.
func TestAgreementApproveEditRace(t *testing.T) {
	ta := newTestApp(t)
	for i := range 5 {
		fx := ta.freshAgreement()
		ag := ta.agreement(fx.id)
		employer, adviser := ta.sessionFor(fx.employer), ta.sessionFor(fx.adviser)
		lock := strconv.Itoa(ag.LockVersion)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var approve, save rawResult
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			approve = employer.postFrom(aPath(fx.id, "/approve"), url.Values{"lock_version": {lock}, "duties_confirmed": {"yes"}})
		}()
		go func() {
			defer wg.Done()
			<-start
			save = adviser.postFrom(aPath(fx.id, "/steps/schedule"), formWith(scheduleForm(ag), "hours_per_week", "25"))
		}()
		close(start)
		wg.Wait()
		if approve.err != nil || save.err != nil {
			t.Fatalf("round %d: %v %v", i, approve.err, save.err)
		}
		cur := ta.agreement(fx.id)
		switch {
		case approve.status == http.StatusSeeOther && save.status == http.StatusConflict:
			if cur.EmployerApprovedAt == nil || *cur.HoursPerWeek != 30 {
				t.Errorf("round %d: the approval won, but stored: approved %v, %v hours", i, cur.EmployerApprovedAt, *cur.HoursPerWeek)
			}
		case save.status == http.StatusSeeOther && approve.status == http.StatusConflict:
			if cur.EmployerApprovedAt != nil || *cur.HoursPerWeek != 25 {
				t.Errorf("round %d: the edit won, but stored: approved %v, %v hours", i, cur.EmployerApprovedAt, *cur.HoursPerWeek)
			}
		default:
			t.Errorf("round %d: approve %d, save %d; want one 303 and one 409", i, approve.status, save.status)
		}
		if n := ta.countWhere("agreement_versions", "agreement_id = $1", fx.id); n != 0 {
			t.Errorf("round %d: %d versions kept, want 0 (no approval was withdrawn)", i, n)
		}
	}
}

// TestAgreementVersions: an edit after an approval withdraws every
// approval and keeps the approved content as a version; the page lists
// the versions with what changed, old and new. A save that changes
// nothing leaves the approvals standing.
func TestAgreementVersions(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser, employer := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer)
	s := aPath(fx.id, "/steps/schedule")
	ta.approveAs(fx.employer, fx.id)
	ta.consentAs(fx.adviser, fx.id)

	step := adviser.get(s)
	if !strings.Contains(step.text(), msg(t, "nb", "agreements.edit_withdraws")) {
		t.Error("the step does not warn that saving withdraws the approvals")
	}
	ag := ta.agreement(fx.id)
	res := adviser.post(s, formWith(scheduleForm(ag), "lock_version", formLock(t, step, s), "hours_per_week", "25"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit after the approvals: %d\n%s", res.status, res.text())
	}
	cur := ta.agreement(fx.id)
	if cur.EmployerApprovedAt != nil || cur.ConsentAt != nil || cur.Status != db.AgreementAwaiting {
		t.Errorf("after the edit: employer %v, consent %v, %s; want both withdrawn", cur.EmployerApprovedAt, cur.ConsentAt, cur.Status)
	}
	var v struct {
		Version   int    `db:"version"`
		Hours     string `db:"hours"`
		Employer  bool   `db:"employer"`
		Consent   bool   `db:"consent"`
		Withdrawn int64  `db:"withdrawn_by"`
	}
	if err := ta.store.DB.Get(&v, `SELECT version, content->>'hours_per_week' AS hours, approvals ? 'employer' AS employer,
		approvals ? 'consent' AS consent, withdrawn_by FROM agreement_versions WHERE agreement_id = $1`, fx.id); err != nil {
		t.Fatalf("the approved version is not kept: %v", err)
	}
	if v.Version != 1 || v.Hours != "30" || !v.Employer || !v.Consent || v.Withdrawn != fx.adviser.ID {
		t.Errorf("kept version: %+v", v)
	}

	hoursRow := func(old, new string) *regexp.Regexp {
		return regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(msg(t, "nb", "agreements.field.hours_per_week")) +
			`</th><td[^>]*>` + old + `</td><td[^>]*>` + new + `</td>`)
	}
	page := employer.get(agreementPath(fx.id))
	text := page.text()
	for _, want := range []string{msg(t, "nb", "agreements.versions"), fill(msg(t, "nb", "agreements.version"), "N", "1"),
		fill(msg(t, "nb", "agreements.version"), "N", "2"), msg(t, "nb", "agreements.party_approved.employer"), msg(t, "nb", "agreements.party_approved.participant")} {
		if !strings.Contains(text, want) {
			t.Errorf("the agreement page lacks %q", want)
		}
	}
	if !hoursRow("30", "25").MatchString(page.body) {
		t.Error("the versions do not show the hours changed from 30 to 25")
	}

	// The employer approves the new version; a save that changes nothing
	// keeps the approval; an edit of the mentor keeps version 2.
	ta.approveAs(fx.employer, fx.id)
	before := ta.agreementState(fx.id)
	if res := adviser.post(s, scheduleForm(ta.agreement(fx.id))); res.status != http.StatusSeeOther {
		t.Fatalf("unchanged save: %d", res.status)
	}
	ta.sameAgreement("a save that changes nothing", before, ta.agreementState(fx.id))
	res = employer.post(aPath(fx.id, "/steps/mentor"), url.Values{"lock_version": {strconv.Itoa(ta.agreement(fx.id).LockVersion)},
		"mentor_name": {"Per Mentor"}, "mentor_phone": {"+47 400 00 000"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("mentor edit: %d\n%s", res.status, res.text())
	}
	if n := ta.countWhere("agreement_versions", "agreement_id = $1", fx.id); n != 2 {
		t.Errorf("versions kept: %d, want 2", n)
	}
	page = adviser.get(agreementPath(fx.id))
	mentorRow := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(msg(t, "nb", "agreements.field.mentor_name")) + `</th><td[^>]*>–</td><td[^>]*>Per Mentor</td>`)
	if !mentorRow.MatchString(page.body) || !hoursRow("30", "25").MatchString(page.body) {
		t.Error("the versions do not show each change against the version after it")
	}
	if hoursRow("25", "25").MatchString(page.body) {
		t.Error("version 2 lists a field that did not change")
	}
}

// TestAgreementAcceptRace: a placement with one seat left and two open
// proposals; two employers of the organisation accept at the same moment.
// One agreement is made, the other acceptance is refused, and the seats
// taken never exceed the seats.
func TestAgreementAcceptRace(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	first := ta.createUser(db.RoleEmployer)
	second := ta.colleague(first)
	a, b := ta.sessionFor(first), ta.sessionFor(second)
	for i := range 6 {
		in := agreementPlacementInput()
		in.Seats = 2
		placementID := ta.storePlacement(first, in, db.PlacementPublished)
		ta.storeAgreement(adviserUser, first, nil, placementID, "Tidlig", unique("Deltaker")) // takes the first seat
		ids := [2]int64{}
		for j := range ids {
			pt := ta.storeParticipant(adviserUser, participantInput("Rase", unique("Deltaker")))
			ids[j] = ta.storeProposal(adviserUser, pt, placementID, "", "")
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		results := [2]rawResult{}
		for j, c := range []*client{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[j] = c.postFrom("/proposals/"+itoa(ids[j])+"/accept", nil)
			}()
		}
		close(start)
		wg.Wait()
		statuses := map[int]int{}
		for _, r := range results {
			if r.err != nil {
				t.Fatalf("round %d: %v", i, r.err)
			}
			statuses[r.status]++
		}
		if statuses[http.StatusSeeOther] != 1 || statuses[http.StatusConflict] != 1 {
			t.Errorf("round %d: statuses %v, want one 303 and one 409", i, statuses)
		}
		if n := ta.countWhere("agreements", "placement_id = $1", placementID); n != 2 {
			t.Errorf("round %d: %d agreements on the placement, want 2 (the earlier one and one winner)", i, n)
		}
		if n := ta.countWhere("agreements", "proposal_id = ANY($1)", fmt.Sprintf("{%d,%d}", ids[0], ids[1])); n != 1 {
			t.Errorf("round %d: %d agreements from the racing proposals, want 1", i, n)
		}
		if p := ta.placement(placementID); p.SeatsTaken != 2 || p.SeatsTaken > p.Seats {
			t.Errorf("round %d: seats taken %d of %d, want 2", i, p.SeatsTaken, p.Seats)
		}
		if n := ta.countWhere("proposals", "id = ANY($1) AND status = 'accepted'", fmt.Sprintf("{%d,%d}", ids[0], ids[1])); n != 1 {
			t.Errorf("round %d: %d proposals accepted, want 1", i, n)
		}
	}
}

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
