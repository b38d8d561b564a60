package handlers

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type suggestionsPage struct {
	Page
	P           db.Participant
	Row         db.CaseloadRow
	Suggestions []db.Suggestion
	Skills      []string
	// Form is a refused proposal (its fields named note-<placement> and
	// shared_adaptations-<placement>), FormFor the placement it was for.
	Form    Form
	FormFor int64
	// Shared are the consents in force, by organisation: a placement is
	// proposed only with one, and its form offers only what it covers.
	Shared     map[int64]db.Consent
	Protection db.ProtectionState
	// Refused is the plain message of a proposal the store refused.
	Refused string
}

// ConsentFor is the consent in force for an organisation, nil without one.
func (p *suggestionsPage) ConsentFor(orgID int64) *db.Consent {
	if c, ok := p.Shared[orgID]; ok {
		return &c
	}
	return nil
}

// Kode6 reports a strictly confidential address: no proposal at all.
func (p *suggestionsPage) Kode6() bool { return p.Protection.Grade == db.ProtectionKode6 }

// participantSuggestions ranks published placements with free seats for a
// participant and says why each fits (DOMAIN.md: språkpraksis while far
// from the norskmål, work-oriented placements closer to it). It reads the
// participant's data, so it is audited like a profile view.
func (a *App) participantSuggestions(c *fiber.Ctx) error {
	return a.suggestions(c, fiber.StatusOK, newForm(), 0)
}

// suggestions renders the ranked list, with a refused proposal's form
// (f, for placement formFor) open as it was typed.
func (a *App) suggestions(c *fiber.Ctx, status int, f Form, formFor int64) error {
	row, err := a.participantRowViewed(c, "participant.suggestions")
	if err != nil {
		return err
	}
	p, err := a.suggestionsPageFor(c, row, formFor)
	if err != nil {
		return err
	}
	p.Form, p.FormFor = f, formFor
	return a.render(c, status, "participants/suggestions", &p)
}

// suggestionsPageFor reads the suggestions (pin first: a refused
// proposal's placement) with what decides whether each may be proposed:
// the consents in force and the protection grade.
func (a *App) suggestionsPageFor(c *fiber.Ctx, row db.CaseloadRow, pin int64) (suggestionsPage, error) {
	ctx := c.UserContext()
	pt := row.Participant
	p := suggestionsPage{Page: a.newPage(c, "suggestions.title"), P: pt, Row: row, Skills: db.Skills, Form: newForm(), Shared: map[int64]db.Consent{}}
	var err error
	if p.Suggestions, err = a.store.Suggestions(ctx, pt.ID, scope(c), 20, pin); err != nil {
		return p, err
	}
	shared, err := a.store.SharedWith(ctx, pt.ID)
	if err != nil {
		return p, err
	}
	for _, s := range shared {
		p.Shared[s.OrganisationID] = s
	}
	p.Protection, err = a.store.Protection(ctx, pt.ID)
	return p, err
}

// proposalFields are the names a proposal's fields have in the form of
// one placement on the suggestions page.
func proposalFields(placementID int64) (note, shared string) {
	id := strconv.FormatInt(placementID, 10)
	return "note-" + id, "shared_adaptations-" + id
}
