package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

// proposalCreate proposes a participant for a placement (adviser). The
// proposal and its e-mail to the employer commit together; the mail says
// nothing about the person, only that there is a proposal to answer.
func (a *App) proposalCreate(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	placementID, err := strconv.ParseInt(c.FormValue("placement_id"), 10, 64)
	if err != nil || placementID <= 0 {
		return errStatus(fiber.StatusBadRequest, "error.bad_request")
	}
	note := strings.TrimSpace(c.FormValue("note"))
	// The adaptations are chosen one by one from those the participant
	// consented to share (checkboxes); each value may hold lines.
	var lines []string
	for _, v := range c.Request().PostArgs().PeekMulti("shared_adaptations") {
		if l := strings.TrimSpace(string(v)); l != "" {
			lines = append(lines, l)
		}
	}
	shared := strings.Join(lines, "\n")
	if utf8.RuneCountInString(note) > 1000 || utf8.RuneCountInString(shared) > 1000 {
		// The suggestions again, this placement's form open as typed.
		f := newForm()
		nf, sf := proposalFields(placementID)
		f.Values[nf], f.Values[sf] = note, shared
		f.Check(utf8.RuneCountInString(note) <= 1000, nf, "form.too_long")
		f.Check(utf8.RuneCountInString(shared) <= 1000, sf, "form.too_long")
		return a.suggestions(c, fiber.StatusUnprocessableEntity, f, placementID)
	}
	ctx := c.UserContext()
	me := session(c).User
	// The mails link to the proposal, so its id is reserved first; they
	// are rendered before the one transaction that stores it and them.
	draft, err := a.store.ProposalDraft(ctx, placementID)
	if err != nil {
		return err
	}
	mails := make([]db.Mail, 0, len(draft.Recipients))
	for _, r := range draft.Recipients {
		d := mail.Data{FirstName: mail.FirstName(r.Name), Link: a.mail.Link("/proposals/" + strconv.FormatInt(draft.ID, 10)),
			Vars: map[string]string{"Adviser": me.Name, "Placement": draft.PlacementTitle}}
		m, err := a.mail.Render("proposal", r.Locale, r.Email, fmt.Sprintf("proposal:%d:%s", draft.ID, strings.ToLower(r.Email)), d)
		if err != nil {
			return err
		}
		m.About = []int64{pt.ID}
		mails = append(mails, m)
	}
	_, err = a.store.Propose(ctx, db.NewProposal{ID: draft.ID, ParticipantID: pt.ID, PlacementID: placementID, AdviserID: me.ID,
		Note: note, SharedAdaptations: shared}, mails, clientIP(c))
	switch {
	case errors.Is(err, db.ErrConflict):
		return errStatus(fiber.StatusConflict, "proposals.conflict")
	case errors.Is(err, db.ErrProtectedAddress), errors.Is(err, db.ErrNoConsent):
		// Told plainly on the page the proposal was made from; nothing
		// was stored and no mail queued.
		return a.proposalRefused(c, err)
	case err != nil:
		return err
	}
	a.wakeMail()
	return a.redirect(c, "/participants/"+strconv.FormatInt(pt.ID, 10), "flash.proposal_sent")
}

// proposalRefused answers a proposal the privacy rules refuse with the
// suggestions page and the reason (409).
func (a *App) proposalRefused(c *fiber.Ctx, cause error) error {
	row, err := a.participantRow(c)
	if err != nil {
		return err
	}
	p, err := a.suggestionsPageFor(c, row, 0)
	if err != nil {
		return err
	}
	_, msgID := errorStatus(cause)
	p.Refused = p.T(msgID)
	return a.render(c, fiber.StatusConflict, "participants/suggestions", &p)
}

type proposalsPage struct {
	Page
	Proposals []db.Proposal
}

// proposalsIndex lists the proposals to the employer's placements; an
// adviser or an admin gets the staff's list (proposalsList).
func (a *App) proposalsIndex(c *fiber.Ctx) error {
	if session(c).User.Role != db.RoleEmployer {
		return a.proposalsList(c)
	}
	p := proposalsPage{Page: a.newPage(c, "proposals.title")}
	var err error
	if p.Proposals, err = a.store.ProposalsForOrganisation(c.UserContext(), *session(c).User.OrganisationID); err != nil {
		return err
	}
	ids := make([]int64, len(p.Proposals))
	for i, pr := range p.Proposals {
		ids[i] = pr.ID
	}
	views, err := a.store.EmployerViews(c.UserContext(), ids, a.today())
	if err != nil {
		return err
	}
	// Every person the list names is a read of participant data, audited
	// like the caseload and agreement lists; one whose name the employer
	// may not see (the one redaction rule) is not shown, so not logged.
	var shown []int64
	for i := range p.Proposals {
		views[p.Proposals[i].ID].RedactProposal(&p.Proposals[i])
		if p.Proposals[i].FirstName != "" {
			shown = append(shown, p.Proposals[i].ParticipantID)
		}
	}
	if err := a.store.LogListed(c.UserContext(), session(c).User.ID, "participant", shown, clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "proposals/index", &p)
}

type proposalPage struct {
	Page
	P      db.Proposal
	Skills []string
	Form   Form
}

func (a *App) proposalFor(c *fiber.Ctx) (db.Proposal, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return db.Proposal{}, fiber.ErrNotFound
	}
	// Another organisation's proposal does not exist for this employer.
	p, err := a.store.ProposalForOrganisation(c.UserContext(), int64(id), *session(c).User.OrganisationID)
	if err != nil {
		return p, err
	}
	v, err := a.store.EmployerViewOf(c.UserContext(), p.ID, a.today())
	v.RedactProposal(&p)
	return p, err
}

// proposalShow shows an employer what they need to answer: the person's
// first name, Norwegian level per skill, languages and the adaptations the
// adviser chose to share.
func (a *App) proposalShow(c *fiber.Ctx) error {
	pr, err := a.proposalFor(c)
	if err != nil {
		return err
	}
	if err := a.store.LogParticipantAccess(c.UserContext(), session(c).User.ID, pr.ParticipantID, "participant.proposal_view", clientIP(c)); err != nil {
		return err
	}
	p := proposalPage{Page: a.newPage(c, "proposals.show_title"), P: pr, Skills: db.Skills, Form: newForm()}
	return a.render(c, fiber.StatusOK, "proposals/show", &p)
}

func (a *App) proposalAccept(c *fiber.Ctx) error  { return a.decideProposal(c, true) }
func (a *App) proposalDecline(c *fiber.Ctx) error { return a.decideProposal(c, false) }

// decideProposal accepts (taking a seat) or declines with a reason.
func (a *App) decideProposal(c *fiber.Ctx, accept bool) error {
	pr, err := a.proposalFor(c)
	if err != nil {
		return err
	}
	if accept && orgStatus(session(c)) != db.OrgApproved {
		// A rejected organisation cannot take anyone on.
		return errStatus(fiber.StatusConflict, "placements.org_not_approved")
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	if !accept {
		f := newForm()
		f.Values["reason"] = reason
		f.Required("reason", 1000)
		if !f.Valid() {
			p := proposalPage{Page: a.newPage(c, "proposals.show_title"), P: pr, Skills: db.Skills, Form: f}
			return a.render(c, fiber.StatusUnprocessableEntity, "proposals/show", &p)
		}
	}
	u := session(c).User
	agreementID, err := a.store.DecideProposal(c.UserContext(), pr.ID, *u.OrganisationID, u.ID, accept, reason, clientIP(c))
	if errors.Is(err, db.ErrConflict) {
		return errStatus(fiber.StatusConflict, "proposals.decided_or_full")
	} else if err != nil {
		return err
	}
	if accept {
		// Straight on to the agreement's first step to fill in (or, when
		// the placement filled in everything, its first step to read):
		// approval is offered on the agreement once the steps are done.
		ag, err := a.store.AgreementIn(c.UserContext(), agreementID, agreementScope(c), a.today())
		if err != nil {
			return err
		}
		return a.redirect(c, agreementPath(agreementID)+"/steps/"+firstStep(ag), "flash.proposal_accepted")
	}
	return a.redirect(c, "/proposals/"+strconv.FormatInt(pr.ID, 10), "flash.proposal_declined")
}
