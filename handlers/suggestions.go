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
}

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
	row, err := a.participantRow(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	pt := row.Participant
	p := suggestionsPage{Page: a.newPage(c, "suggestions.title"), P: pt, Row: row, Skills: db.Skills, Form: f, FormFor: formFor}
	if p.Suggestions, err = a.store.Suggestions(ctx, pt.ID, scope(c), 20, formFor); err != nil {
		return err
	}
	if err := a.store.LogParticipantAccess(ctx, session(c).User.ID, pt.ID, "participant.suggestions", clientIP(c)); err != nil {
		return err
	}
	return a.render(c, status, "participants/suggestions", &p)
}

// proposalFields are the names a proposal's fields have in the form of
// one placement on the suggestions page.
func proposalFields(placementID int64) (note, shared string) {
	id := strconv.FormatInt(placementID, 10)
	return "note-" + id, "shared_adaptations-" + id
}
