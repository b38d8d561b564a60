package handlers

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// How an adviser records a consent. The third way, by the participant
// themselves, is the participant area's: the store records it without
// an adviser (given_by NULL), so an adviser cannot claim it for them.
var adviserConsentWays = []string{db.ConsentInPerson, db.ConsentOnBehalf}

// Limits of the consent form, as the consents table has them.
const (
	maxAdaptations   = 20
	maxAdaptationLen = 200
	maxReasonNote    = 500
)

// consentPage is the participant's sharing and protection page: what is
// shared with whom since when, the consent form, the history, and the
// protected-address grade.
type consentPage struct {
	Page
	P          db.Participant
	Shared     []db.Consent
	History    []db.Consent
	Orgs       []db.Organisation
	Items      []string
	Ways       []string
	Reasons    []string
	Grades     []string
	Protection db.ProtectionState
	Form       Form
	FormName   string // consent or protection: the form that failed
	Checked    []string
	// Outcome tells the adviser what a withdrawal or kode 6 touched.
	Outcome *privacyOutcome
}

// privacyOutcome is what a withdrawal or setting kode 6 did to the
// proposals and agreements, named so the adviser can act on them.
type privacyOutcome struct {
	Kind       string // withdrawn or kode6
	OrgName    string
	Proposals  []db.Proposal
	Agreements []db.Agreement
}

func (a *App) consentPageFor(c *fiber.Ctx, pt db.Participant) (consentPage, error) {
	ctx := c.UserContext()
	p := consentPage{Page: a.newPage(c, "consent.title"), P: pt, Items: db.ConsentItems, Ways: adviserConsentWays,
		Reasons: db.ConsentReasons, Grades: db.Protections, Form: newForm()}
	var err error
	if p.Shared, err = a.store.SharedWith(ctx, pt.ID); err != nil {
		return p, err
	}
	if p.History, err = a.store.Consents(ctx, pt.ID); err != nil {
		return p, err
	}
	if p.Orgs, err = a.store.Organisations(ctx, "approved"); err != nil {
		return p, err
	}
	if p.Protection, err = a.store.Protection(ctx, pt.ID); err != nil {
		return p, err
	}
	p.Form.Values["org"] = c.Query("org")
	p.Form.Values["how"] = db.ConsentInPerson
	p.Form.Values["protection"] = p.Protection.Grade
	return p, nil
}

// consentShow is the adviser's page of what the participant shares.
// Reading it is a read of the participant, audited like the profile.
func (a *App) consentShow(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	p, err := a.consentPageFor(c, pt)
	if err != nil {
		return err
	}
	if err := a.store.LogParticipantView(c.UserContext(), session(c).User.ID, pt.ID, clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/consent", &p)
}

// consentForm is the consent form as posted.
type consentForm struct {
	Form
	Input db.ConsentInput
}

func readConsentForm(c *fiber.Ctx, pt db.Participant, orgs []db.Organisation) consentForm {
	f := consentForm{Form: newForm()}
	for _, k := range []string{"org", "how", "reason", "reason_note", "adaptations"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	items := formList(c, "items")
	f.Values["items"] = strings.Join(items, ",")
	orgID, perr := strconv.ParseInt(f.Values["org"], 10, 64)
	f.Check(perr == nil && slices.ContainsFunc(orgs, func(o db.Organisation) bool { return o.ID == orgID }), "org", "form.choose")
	f.Check(len(items) > 0, "items", "consent.items_required")
	for _, it := range items {
		f.Check(Contains(db.ConsentItems, it), "items", "form.choose")
	}
	// One adaptation a line, in the words the employer will read.
	var lines []string
	for _, l := range strings.Split(f.Values["adaptations"], "\n") {
		if l = strings.TrimSpace(l); l != "" && !Contains(lines, l) {
			lines = append(lines, l)
			f.Check(utf8.RuneCountInString(l) <= maxAdaptationLen, "adaptations", "consent.adaptation_too_long")
		}
	}
	f.Check(len(lines) <= maxAdaptations, "adaptations", "consent.too_many_adaptations")
	f.Check(len(lines) == 0 || Contains(items, db.ItemAdaptations), "adaptations", "consent.adaptations_unchecked")
	f.Check(len(lines) > 0 || !Contains(items, db.ItemAdaptations), "adaptations", "consent.adaptations_missing")
	f.Check(Contains(adviserConsentWays, f.Values["how"]), "how", "form.choose")
	if f.Values["how"] == db.ConsentOnBehalf {
		f.Check(Contains(db.ConsentReasons, f.Values["reason"]), "reason", "consent.reason_required")
	} else {
		f.Values["reason"] = "" // the reason belongs to on-behalf consent only
	}
	f.Check(utf8.RuneCountInString(f.Values["reason_note"]) <= maxReasonNote, "reason_note", "form.too_long")
	f.Input = db.ConsentInput{ParticipantID: pt.ID, OrganisationID: orgID, Items: items, Adaptations: lines,
		GivenHow: f.Values["how"], OnBehalfReason: f.Values["reason"], ReasonNote: f.Values["reason_note"],
		ActorID: session(c).User.ID, IP: clientIP(c)}
	return f
}

// consentGive records the participant's consent to share the chosen
// items with one organisation, replacing the one in force (adviser).
func (a *App) consentGive(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	orgs, err := a.store.Organisations(c.UserContext(), "approved")
	if err != nil {
		return err
	}
	f := readConsentForm(c, pt, orgs)
	if f.Valid() {
		_, err = a.store.GiveConsent(c.UserContext(), f.Input)
		switch {
		case errors.Is(err, db.ErrProtectedAddress):
			f.Check(false, "how", "consent.kode6_on_behalf")
		case errors.Is(err, db.ErrInvalidConsent):
			f.Check(false, "items", "consent.invalid")
		case err != nil:
			return err
		}
	}
	if !f.Valid() {
		p, err := a.consentPageFor(c, pt)
		if err != nil {
			return err
		}
		p.Form, p.FormName, p.Checked = f.Form, "consent", f.Input.Items
		return a.render(c, fiber.StatusUnprocessableEntity, "participants/consent", &p)
	}
	return a.redirect(c, consentPath(pt.ID), "flash.consent_saved")
}

// consentWithdraw ends the consent for one organisation (adviser): the
// open proposals to it are withdrawn and the adviser is told which, and
// which running agreements are now blocked.
func (a *App) consentWithdraw(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	orgID, err := c.ParamsInt("org")
	if err != nil || orgID <= 0 {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	w, err := a.store.WithdrawConsent(ctx, pt.ID, int64(orgID), session(c).User.ID, clientIP(c))
	if err != nil {
		return err
	}
	if len(w.ProposalsWithdrawn) == 0 && len(w.AgreementsBlocked) == 0 {
		return a.redirect(c, consentPath(pt.ID), "flash.consent_withdrawn")
	}
	out := &privacyOutcome{Kind: "withdrawn"}
	if o, err := a.store.Organisation(ctx, int64(orgID)); err == nil {
		out.OrgName = o.Name
	}
	if err := a.fillOutcome(c, pt.ID, out, w.ProposalsWithdrawn, w.AgreementsBlocked); err != nil {
		return err
	}
	return a.consentOutcome(c, pt, out)
}

// fillOutcome names the proposals and agreements a change touched.
func (a *App) fillOutcome(c *fiber.Ctx, participantID int64, out *privacyOutcome, proposals, agreements []int64) error {
	ctx := c.UserContext()
	if len(proposals) > 0 {
		all, err := a.store.ProposalsForParticipant(ctx, participantID)
		if err != nil {
			return err
		}
		for _, pr := range all {
			if slices.Contains(proposals, pr.ID) {
				out.Proposals = append(out.Proposals, pr)
			}
		}
	}
	if len(agreements) > 0 {
		all, err := a.store.AgreementsForParticipant(ctx, participantID, a.today())
		if err != nil {
			return err
		}
		for _, ag := range all {
			if slices.Contains(agreements, ag.ID) {
				out.Agreements = append(out.Agreements, ag)
			}
		}
	}
	return nil
}

// consentOutcome shows the page again with what a change touched: a
// redirect's flash carries a message, not the list the adviser acts on.
func (a *App) consentOutcome(c *fiber.Ctx, pt db.Participant, out *privacyOutcome) error {
	p, err := a.consentPageFor(c, pt)
	if err != nil {
		return err
	}
	p.Outcome = out
	return a.render(c, fiber.StatusOK, "participants/consent", &p)
}

func consentPath(id int64) string { return "/participants/" + strconv.FormatInt(id, 10) + "/consent" }
