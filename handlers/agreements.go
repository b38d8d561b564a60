package handlers

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// today is the current day in Europe/Oslo, from the store's clock (which
// tests move).
func (a *App) today() time.Time { return a.store.Today() }

// agreementScope is whose agreements the signed-in user may see.
func agreementScope(c *fiber.Ctx) db.AgreementScope {
	u := session(c).User
	sc := db.AgreementScope{UserID: u.ID, Role: u.Role}
	if u.OrganisationID != nil {
		sc.OrgID = *u.OrganisationID
	}
	return sc
}

// actor is the signed-in user changing an agreement today.
func (a *App) actor(c *fiber.Ctx) db.AgreementActor {
	return db.AgreementActor{Scope: agreementScope(c), Today: a.today(), IP: clientIP(c)}
}

// agreementFor loads the agreement in the URL if the user may see it; an
// agreement outside their scope (another organisation's, another
// adviser's) does not exist for them (404).
func (a *App) agreementFor(c *fiber.Ctx) (db.Agreement, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return db.Agreement{}, fiber.ErrNotFound
	}
	return a.store.AgreementIn(c.UserContext(), int64(id), agreementScope(c), a.today())
}

// employerView is what the signed-in user may see of the agreement's
// participant: staff everything (ok false: nothing to redact), an
// employer what the one redaction rule, db.EmployerView, allows.
func (a *App) employerView(c *fiber.Ctx, ag db.Agreement) (v db.EmployerVisibility, employer bool, err error) {
	if session(c).User.Role != db.RoleEmployer {
		return v, false, nil
	}
	v, err = a.store.EmployerViewOf(c.UserContext(), ag.ProposalID, a.today())
	return v, true, err
}

// employerCut refuses (403) an employer whose access to the person has
// ended, or whose steps are blocked (kode 6, consent withdrawn): they
// still see the agreement, but not who it was with, and can no longer
// log or approve anything.
func (a *App) employerCut(c *fiber.Ctx, ag db.Agreement) error {
	v, employer, err := a.employerView(c, ag)
	switch {
	case err != nil:
		return err
	case employer && v.Blocked:
		return errStatus(fiber.StatusForbidden, "privacy.blocked")
	case employer && !v.Any():
		return errStatus(fiber.StatusForbidden, "agreements.access_ended")
	}
	return nil
}

// agreementSteps are the steps of the agreement form, in NAV's order;
// approval is the last and has its own forms on the agreement page.
var agreementSteps = []string{"contacts", "goals", "schedule", "followup", "mentor"}

type agreementsPage struct {
	Page
	Agreements []db.Agreement
	Today      time.Time
	Statuses   []string
	// The filter as asked (Q, the form's values) and the page shown.
	Q                url.Values
	Filter           db.AgreementFilter
	Total, PageNo    int
	PrevURL, NextURL string
	Filtered         bool
}

// agreementsPerPage is how many agreements a page of the list shows.
const agreementsPerPage = 100

// agreementsIndex lists the agreements the user may see, what needs them
// first (awaiting approval, then running), filtered by status,
// organisation, participant and words, 100 a page; only the rows shown
// are audited as listed.
func (a *App) agreementsIndex(c *fiber.Ctx) error {
	p := agreementsPage{Page: a.newPage(c, "agreements.title"), Today: a.today(), Statuses: db.AgreementStatuses, Q: url.Values{}}
	f := db.AgreementFilter{Limit: agreementsPerPage}
	if v := c.Query("status"); Contains(db.AgreementStatuses, v) {
		f.Status = v
		p.Q.Set("status", v)
	}
	if n, err := strconv.ParseInt(c.Query("org"), 10, 64); err == nil && n > 0 {
		f.OrgID = n
		p.Q.Set("org", c.Query("org"))
	}
	if n, err := strconv.ParseInt(c.Query("participant"), 10, 64); err == nil && n > 0 {
		f.ParticipantID = n
		p.Q.Set("participant", c.Query("participant"))
	}
	if c.Query("follow_up") == "due" {
		f.FollowUpDue = true
		p.Q.Set("follow_up", "due")
	}
	if v := strings.TrimSpace(c.Query("q")); v != "" {
		if utf8.RuneCountInString(v) > 200 {
			v = string([]rune(v)[:200])
		}
		f.Query = v
		p.Q.Set("q", v)
	}
	p.Filtered = len(p.Q) > 0
	p.PageNo = 1
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n > 1 && n <= 100000 {
		p.PageNo = n
	}
	f.Offset = (p.PageNo - 1) * agreementsPerPage
	p.Filter = f
	var err error
	if p.Agreements, p.Total, err = a.store.AgreementsPage(c.UserContext(), agreementScope(c), p.Today, f); err != nil {
		return err
	}
	page := func(n int) string {
		q := url.Values{}
		for k, v := range p.Q {
			q[k] = v
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return "/agreements"
		}
		return "/agreements?" + q.Encode()
	}
	if p.PageNo > 1 {
		p.PrevURL = page(p.PageNo - 1)
	}
	if f.Offset+len(p.Agreements) < p.Total {
		p.NextURL = page(p.PageNo + 1)
	}
	if session(c).User.Role == db.RoleEmployer {
		ids := make([]int64, len(p.Agreements))
		for i, ag := range p.Agreements {
			ids[i] = ag.ProposalID
		}
		views, err := a.store.EmployerViews(c.UserContext(), ids, p.Today)
		if err != nil {
			return err
		}
		for i := range p.Agreements {
			views[p.Agreements[i].ProposalID].RedactAgreement(&p.Agreements[i])
		}
	}
	ids := make([]int64, len(p.Agreements))
	for i, ag := range p.Agreements {
		ids[i] = ag.ID
	}
	if err := a.store.LogListed(c.UserContext(), session(c).User.ID, "agreement", ids, clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "agreements/index", &p)
}

// First is the position of the first row shown in the whole list.
func (p *agreementsPage) First() int { return p.Filter.Offset + 1 }

// Last is the position of the last row shown.
func (p *agreementsPage) Last() int { return p.Filter.Offset + len(p.Agreements) }

type agreementPage struct {
	Page
	A           db.Agreement
	NAV         *db.NAVState // NAV's side of a NAV measure; nil for other kinds
	Today       time.Time
	Hidden      bool // an employer who may see nothing of the person (db.EmployerView)
	Blocked     bool // and whose steps are blocked: kode 6 or consent withdrawn
	Steps       []string
	Versions    []db.AgreementVersion
	FollowUps   []db.FollowUp
	Attendance  db.AttendanceOverview
	Evaluations []db.Evaluation
	Goals       []string
	Reasons     []string
	Consent     []string
	Parties     []string
	Form        Form   // the form that failed, if any
	FormName    string // consent, end, cancel or follow_up
	Stale       bool   // the person's change was refused: someone changed it first
	Print       bool   // the printable summary: no edit links
}

// PhaseOpensOn is the date from which a phase's evaluation is meant to be
// filled in, "" when that day has come: the page offers "fill in" from
// then and says when before it, instead of asking for a final evaluation
// in the first week.
func (p *agreementPage) PhaseOpensOn(phase string) string {
	d := p.A.PhaseOpensOn(phase)
	if d.IsZero() || !d.After(p.Today) {
		return ""
	}
	return dateOf(d)
}

// CanEdit reports whether the user may change the content: the employer
// (with access) or the participant's adviser, while the agreement runs
// or has yet to start.
func (p *agreementPage) CanEdit() bool {
	r := p.Role()
	return p.A.Editable() && !p.Hidden && !p.Print && (r == db.RoleEmployer || r == db.RoleAdviser)
}

// Waiting lists the approvals still missing, in the order they are given.
func (p *agreementPage) Waiting() []string {
	var out []string
	if p.A.EmployerApprovedAt == nil {
		out = append(out, "employer")
	}
	if p.A.ConsentAt == nil {
		out = append(out, "participant")
	}
	if p.NAVPending() {
		out = append(out, "nav")
	}
	if p.A.AdviserApprovedAt == nil {
		out = append(out, "adviser")
	}
	return out
}

// NAVPending reports whether the agreement is a NAV measure NAV has not
// approved (not yet decided, or refused): the adviser's approval waits.
func (p *agreementPage) NAVPending() bool {
	return p.NAV != nil && (p.NAV.Decision == nil || *p.NAV.Decision != "approved")
}

// NAVRefused reports whether NAV refused the agreement as it stands.
func (p *agreementPage) NAVRefused() bool {
	return p.NAV != nil && p.NAV.Decision != nil && *p.NAV.Decision == "refused"
}

// NAVCanDecide reports whether the signed-in NAV user is asked to decide:
// the employer approved and the participant consented, NAV has not
// approved, and it is still open. (NAVDecide checks the link to the
// participant; the page is only shown to the linked NAV user.)
func (p *agreementPage) NAVCanDecide() bool {
	return p.Role() == db.RoleNAV && p.NAVPending() && p.A.PendingApproval() && !p.Print &&
		p.A.EmployerApprovedAt != nil && p.A.ConsentAt != nil
}

// Next is the first step with something missing, for "Continue".
func (p *agreementPage) Next() string {
	c := p.A.AgreementContent
	switch {
	case c.SupervisorName == "" || c.SupervisorEmail == "":
		return "contacts"
	case len(c.Goals) == 0:
		return "goals"
	case c.JobTitle == "" || c.StartDate == nil || c.EndDate == nil || c.HoursPerWeek == nil || c.DaysPerWeek == nil:
		return "schedule"
	}
	return ""
}

// agreementView gathers the agreement page. Reading it is audited.
func (a *App) agreementView(c *fiber.Ctx, ag db.Agreement, action string) (agreementPage, error) {
	ctx := c.UserContext()
	p := agreementPage{Page: a.newPage(c, "agreements.show_title"), A: ag, Today: a.today(), Steps: agreementSteps,
		Goals: db.AgreementGoals, Reasons: db.EndReasons, Consent: db.ConsentReasons, Parties: db.FollowUpParties, Form: newForm()}
	v, employer, err := a.employerView(c, ag)
	if err != nil {
		return p, err
	}
	if employer {
		p.Hidden, p.Blocked = !v.Any(), v.Blocked
		v.RedactAgreement(&p.A)
	}
	switch st, err := a.store.NAVStateOf(ctx, ag.ID); {
	case err == nil:
		p.NAV = &st
	case !errors.Is(err, db.ErrNotNAVMeasure):
		return p, err
	}
	if p.Versions, err = a.store.AgreementVersions(ctx, ag); err != nil {
		return p, err
	}
	if !p.Hidden {
		if p.FollowUps, err = a.store.FollowUps(ctx, ag.ID); err != nil {
			return p, err
		}
		if p.Attendance, err = a.store.AttendanceOverview(ctx, ag, p.Today); err != nil {
			return p, err
		}
		if p.Evaluations, err = a.store.Evaluations(ctx, ag.ID); err != nil {
			return p, err
		}
	}
	if session(c).User.Role == db.RoleEmployer {
		p.FollowUps = nil // the adviser's notes are not the employer's to read
	}
	return p, a.store.LogAgreementAccess(ctx, session(c).User.ID, ag.ID, action, clientIP(c))
}

// agreementShow is /agreements/:id: the content by step, the approvals,
// attendance, evaluations, follow-ups and earlier versions.
func (a *App) agreementShow(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	p, err := a.agreementView(c, ag, "agreement.view")
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "agreements/show", &p)
}

// agreementSummary is the printable record of the agreement as it
// stands, with the approvals: the signed record.
func (a *App) agreementSummary(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	p, err := a.agreementView(c, ag, "agreement.print")
	if err != nil {
		return err
	}
	p.Print = true
	return a.render(c, fiber.StatusOK, "agreements/summary", &p)
}

// refuseChange shows the agreement again with the refused form's problems,
// or, when someone else changed it first, the current version with a
// clear message and nothing saved.
func (a *App) refuseChange(c *fiber.Ctx, err error, f Form, formName string) error {
	ag, lerr := a.agreementFor(c)
	if lerr != nil {
		return lerr
	}
	p, verr := a.agreementView(c, ag, "agreement.view")
	if verr != nil {
		return verr
	}
	p.Form, p.FormName = f, formName
	switch {
	case errors.Is(err, db.ErrStale):
		p.Stale = true
		return a.render(c, fiber.StatusConflict, "agreements/show", &p)
	case errors.Is(err, db.ErrConflict):
		return errStatus(fiber.StatusConflict, "agreements.not_now")
	case err != nil:
		return err
	}
	return a.render(c, fiber.StatusUnprocessableEntity, "agreements/show", &p)
}

// lockVersion is the version of the agreement the person's form was made
// from.
func lockVersion(c *fiber.Ctx) int {
	n, err := strconv.Atoi(c.FormValue("lock_version"))
	if err != nil {
		return -1
	}
	return n
}

// agreementApprove records the employer's or the adviser's approval of
// the version on their screen.
func (a *App) agreementApprove(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if err := a.employerCut(c, ag); err != nil {
		return err
	}
	who := a.actor(c)
	who.DutiesConfirmed = c.FormValue("duties_confirmed") == "yes"
	err = a.store.Approve(c.UserContext(), ag.ID, lockVersion(c), who)
	if errors.Is(err, db.ErrAwaitingNAV) {
		return errStatus(fiber.StatusConflict, "agreements.nav_first")
	}
	if err != nil {
		return a.refuseChange(c, err, newForm(), "approve")
	}
	if err := a.announceApproval(c, ag); err != nil {
		return err
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_approved")
}

// agreementNAV records the linked NAV user's decision on an agreement on
// a NAV measure: approve (past the ordinary maximum only with a
// reduced-capacity reason) or refuse with a reason the adviser sees. A
// NAV user not linked to the participant does not see the agreement (404).
func (a *App) agreementNAV(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	decision := c.FormValue("decision")
	f.Values["decision"] = decision
	f.Values["reason"] = strings.TrimSpace(c.FormValue("reason"))
	f.Values["reduced_capacity_reason"] = strings.TrimSpace(c.FormValue("reduced_capacity_reason"))
	f.Check(decision == "approve" || decision == "refuse", "decision", "form.choose")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "nav")
	}
	err = a.store.NAVDecide(c.UserContext(), ag.ID, lockVersion(c), session(c).User.ID, db.NAVDecision{Approve: decision == "approve",
		Reason: f.Values["reason"], ReducedCapacityReason: f.Values["reduced_capacity_reason"]}, clientIP(c))
	var fe *db.FieldError
	switch {
	case errors.As(err, &fe):
		field := fe.Field
		if field == "end_date" {
			field = "decision" // the dates are not NAV's to edit: the message goes beside the decision
		}
		f.Check(false, field, fe.Code)
		return a.refuseChange(c, nil, f, "nav")
	case errors.Is(err, db.ErrNotFound):
		return err
	case err != nil:
		return a.refuseChange(c, err, f, "nav")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.nav_"+decision)
}

func agreementPath(id int64) string { return "/agreements/" + strconv.FormatInt(id, 10) }

// agreementConsent records the participant's consent, by the adviser: in
// person, or on their behalf with a reason (no BankID, low digital
// skills, other — "other" needs a note).
func (a *App) agreementConsent(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	mode, reason := c.FormValue("mode"), c.FormValue("reason")
	f.Values["mode"], f.Values["reason"], f.Values["consent_note"] = mode, reason, strings.TrimSpace(c.FormValue("consent_note"))
	f.Check(mode == "in_person" || mode == "on_behalf", "mode", "form.choose")
	var why *string
	if mode == "on_behalf" {
		f.Check(Contains(db.ConsentReasons, reason), "reason", "form.choose")
		why = &reason
		f.Check(reason != "other" || f.Values["consent_note"] != "", "consent_note", "agreements.consent_note_needed")
	}
	f.Check(utf8.RuneCountInString(f.Values["consent_note"]) <= 500, "consent_note", "form.too_long")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "consent")
	}
	if err := a.store.RecordConsent(c.UserContext(), ag.ID, lockVersion(c), a.actor(c), mode, why, f.Values["consent_note"]); err != nil {
		return a.refuseChange(c, err, f, "consent")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_consent")
}

// agreementCancel cancels an agreement that has not started, with a note.
func (a *App) agreementCancel(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if err := a.employerCut(c, ag); err != nil {
		return err
	}
	switch ag.Status {
	case db.AgreementDraft, db.AgreementAwaiting, db.AgreementReady:
	default: // started, ended or cancelled: nothing to cancel
		return errStatus(fiber.StatusConflict, "agreements.not_now")
	}
	f := newForm()
	f.Values["note"] = strings.TrimSpace(c.FormValue("note"))
	f.Required("note", 1000)
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "cancel")
	}
	if err := a.store.CancelAgreement(c.UserContext(), ag.ID, lockVersion(c), a.actor(c), f.Values["note"]); err != nil {
		return a.refuseChange(c, err, f, "cancel")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_cancelled")
}

// agreementEnd ends a running agreement early: the last day (between its
// start and today), a reason, and for "got a job" the kind of work, which
// is recorded as the participant's outcome as well.
func (a *App) agreementEnd(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if err := a.employerCut(c, ag); err != nil {
		return err
	}
	if ag.Status != db.AgreementRunning {
		return errStatus(fiber.StatusConflict, "agreements.not_now")
	}
	f := newForm()
	for _, k := range []string{"ended_on", "reason", "note", "job_kind"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	on := requiredDate(&f, "ended_on")
	today := a.today()
	if on != nil && ag.StartDate != nil {
		f.Check(!on.Before(*ag.StartDate), "ended_on", "agreements.end_before_start")
		f.Check(!on.After(today), "ended_on", "agreements.end_in_future")
	}
	f.Check(Contains(db.EndReasons, f.Values["reason"]), "reason", "form.choose")
	if f.Values["reason"] == "got_job" {
		f.Check(f.Values["job_kind"] == "work_full" || f.Values["job_kind"] == "work_part", "job_kind", "form.choose")
	}
	f.Check(f.Values["reason"] != "other" || f.Values["note"] != "", "note", "agreements.end_note_needed")
	f.Check(utf8.RuneCountInString(f.Values["note"]) <= 1000, "note", "form.too_long")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "end")
	}
	in := db.EndInput{On: *on, Reason: f.Values["reason"], Note: f.Values["note"], JobKind: f.Values["job_kind"]}
	if err := a.store.EndAgreement(c.UserContext(), ag.ID, lockVersion(c), a.actor(c), in); err != nil {
		return a.refuseChange(c, err, f, "end")
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.agreement_ended")
}

// agreementFollowUp records a follow-up meeting (the participant's
// adviser); the next is then due after the agreement's cadence.
func (a *App) agreementFollowUp(c *fiber.Ctx) error {
	ag, err := a.agreementFor(c)
	if err != nil {
		return err
	}
	if ag.AdviserID != session(c).User.ID {
		return fiber.ErrNotFound
	}
	f := newForm()
	f.Values["held_on"], f.Values["notes"] = c.FormValue("held_on"), strings.TrimSpace(c.FormValue("notes"))
	with := f.List(c, "with")
	on := requiredDate(&f, "held_on")
	if on != nil {
		f.Check(!on.After(a.today()), "held_on", "agreements.follow_up_future")
	}
	ok := len(with) > 0
	for _, w := range with {
		ok = ok && Contains(db.FollowUpParties, w)
	}
	f.Check(ok, "with", "form.choose")
	f.Check(utf8.RuneCountInString(f.Values["notes"]) <= 4000, "notes", "form.too_long")
	if !f.Valid() {
		return a.refuseChange(c, nil, f, "follow_up")
	}
	if err := a.store.AddFollowUp(c.UserContext(), ag.ID, a.actor(c), *on, with, f.Values["notes"]); err != nil {
		return err
	}
	return a.redirect(c, agreementPath(ag.ID), "flash.follow_up_saved")
}

// logAgreementRead records that the agreement's data was shown: by the
// signed-in user, or (actor NULL, with the IP) through a one-click link.
func (a *App) logAgreementRead(c *fiber.Ctx, id int64) error {
	var actor int64
	if s := session(c); s != nil {
		actor = s.User.ID
	}
	return a.store.LogAgreementAccess(c.UserContext(), actor, id, "agreement.view", clientIP(c))
}
