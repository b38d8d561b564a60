package handlers

import (
	"encoding/json"
	"errors"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// The agreement rooms of /l/:token: a supervisor's one-click links to log
// a week's attendance or fill in one evaluation, without signing in. Only
// the token says which agreement and week or phase; the forms themselves
// are attendance.go's and evaluations.go's; the offer answer links are in
// links_offer.go.

// linkWithdrawn is the link page's state for a valid token whose
// agreement's organisation has been rejected.
const linkWithdrawn = "withdrawn"

// linkPayload is what an attendance or evaluation link is for. Only the
// token's payload says which agreement and week or phase a link may
// touch; nothing in the form it shows is trusted for that.
type linkPayload struct {
	AgreementID int64  `json:"agreement_id"`
	Week        string `json:"week,omitempty"`
	Phase       string `json:"phase,omitempty"`
	Lang        string `json:"lang,omitempty"`
}

// linkAgreement loads the agreement a one-click link was made for, from
// the token's payload alone, redacted for the employer: the one access
// check of every agreement link (attendance, evaluation, offer answer).
// An agreement whose employer access has ended or is blocked (kode 6,
// consent withdrawn) makes the link one that no longer works (410), and so
// does one whose organisation has been rejected (410, saying the
// organisation's access was withdrawn).
func (a *App) linkAgreement(c *fiber.Ctx, lp *linkPage, t db.LinkToken) (db.Agreement, linkPayload, bool, error) {
	var pl linkPayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil || pl.AgreementID <= 0 {
		return db.Agreement{}, pl, false, fiber.ErrNotFound
	}
	today := a.today()
	ag, err := a.store.AgreementIn(c.UserContext(), pl.AgreementID, db.AgreementScope{Role: db.RoleAdmin}, today)
	if err != nil {
		return ag, pl, false, err
	}
	if !ag.OrgApproved {
		lp.State = linkWithdrawn
		return ag, pl, false, a.renderLinkProblem(c, lp)
	}
	// The supervisor is the employer: the one redaction rule decides.
	// Nothing to see (access ended) or blocked (kode 6, consent
	// withdrawn) makes the link one that no longer works.
	v, err := a.store.EmployerViewOf(c.UserContext(), ag.ProposalID, today)
	if err != nil {
		return ag, pl, false, err
	}
	if !v.Any() || v.Blocked {
		lp.State = db.TokenExpired
		return ag, pl, false, a.renderLinkProblem(c, lp)
	}
	v.RedactAgreement(&ag)
	return ag, pl, true, nil
}

// attendanceLinkPage is the week form a one-click link opens, for the
// agreement and week its token names.
func (a *App) attendanceLinkPage(c *fiber.Ctx, lp *linkPage, t db.LinkToken) (*attendancePage, error) {
	ag, pl, ok, err := a.linkAgreement(c, lp, t)
	if !ok {
		return nil, err
	}
	p, err := a.newAttendancePage(c, lp.Page, ag, pl.Week)
	if err != nil {
		return nil, err
	}
	p.ViaLink, p.Action, p.Expires = true, "/l/"+lp.Token, t.ExpiresAt
	return p, nil
}

// attendanceLinkShow is GET /l/:token for an attendance link: the week's
// form without signing in.
func (a *App) attendanceLinkShow(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.attendanceLinkPage(c, lp, t)
	if p == nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "links/attendance", p)
}

// attendanceLinkUse is POST /l/:token for an attendance link: it saves
// the week the token names, for the agreement it names, whatever the form
// says. The link stays valid until it expires, to correct a mistake.
func (a *App) attendanceLinkUse(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.attendanceLinkPage(c, lp, t)
	if p == nil {
		return err
	}
	ag := p.A
	rows, status := readOrFill(c, p)
	if status != 0 {
		return a.render(c, status, "links/attendance", p)
	}
	err = a.store.SaveAttendanceWeek(c.UserContext(), ag.ID, p.Monday, rows, db.LinkWriter{Token: lp.Token, Today: a.today(), IP: clientIP(c)})
	if errors.Is(err, db.ErrNotFound) { // expired or access ended meanwhile
		lp.State = db.TokenExpired
		return a.renderLinkProblem(c, lp)
	}
	if err := attendanceSaveError(err); err != nil {
		return err
	}
	return a.redirect(c, "/l/"+lp.Token, "flash.attendance_saved")
}

// evaluationLinkPage is the form a one-click link opens, for the
// agreement and phase its token names.
func (a *App) evaluationLinkPage(c *fiber.Ctx, lp *linkPage, t db.LinkToken) (*evaluationPage, error) {
	ag, pl, ok, err := a.linkAgreement(c, lp, t)
	if !ok {
		return nil, err
	}
	p, err := a.newEvaluationPage(c, lp.Page, ag, pl.Phase)
	if err != nil {
		return nil, err
	}
	p.ViaLink, p.Action = true, "/l/"+lp.Token
	return p, nil
}

// evaluationLinkShow is GET /l/:token for an evaluation link.
func (a *App) evaluationLinkShow(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.evaluationLinkPage(c, lp, t)
	if p == nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "links/evaluation", p)
}

// evaluationLinkUse is POST /l/:token for an evaluation link: the phase
// the token names is saved and the token used up in one transaction.
func (a *App) evaluationLinkUse(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.evaluationLinkPage(c, lp, t)
	if p == nil {
		return err
	}
	ag := p.A
	e := readEvaluation(c, p)
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "links/evaluation", p)
	}
	err = a.store.AddEvaluation(c.UserContext(), ag.ID, e, db.LinkWriter{Token: lp.Token, Today: a.today(), IP: clientIP(c)})
	if errors.Is(err, db.ErrNotFound) { // used up by a concurrent request, or expired
		lp.State = db.TokenUsed
		return a.renderLinkProblem(c, lp)
	}
	if err := evaluationError(err); err != nil {
		return err
	}
	p.Done = true
	return a.render(c, fiber.StatusOK, "links/evaluation", p)
}
