package handlers

import (
	"errors"
	"strconv"
	"time"

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

// NAVReasonAbove reports whether the next-step card shows staff NAV's
// refusal with its reason (show.html, #nav-refused), so the NAV line
// among the approvals leaves the reason out rather than repeat it. The
// printable summary has no such card and keeps it in the approvals.
func (p *agreementPage) NAVReasonAbove() bool {
	return p.NAVRefused() && p.A.PendingApproval() && !p.Print && p.Role() != db.RoleEmployer
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
		if employer {
			v.RedactNAV(&st)
		}
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
		// The flags are the adviser's classification across the
		// programme; the employer records, it does not see them.
		if role := session(c).User.Role; role == db.RoleAdviser || role == db.RoleNAV || role == db.RoleAdmin {
			if p.Attendance.Flags, err = a.store.ProgrammeAbsenceFlags(ctx, ag.ParticipantID, p.Today); err != nil {
				return p, err
			}
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
