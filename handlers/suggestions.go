package handlers

import (
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type suggestionsPage struct {
	Page
	P           db.Participant
	Row         db.CaseloadRow
	Suggestions []db.Suggestion
	Skills      []string
}

// participantSuggestions ranks published placements with free seats for a
// participant and says why each fits (DOMAIN.md: språkpraksis while far
// from the norskmål, work-oriented placements closer to it). It reads the
// participant's data, so it is audited like a profile view.
func (a *App) participantSuggestions(c *fiber.Ctx) error {
	row, err := a.participantRow(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	pt := row.Participant
	p := suggestionsPage{Page: a.newPage(c, "suggestions.title"), P: pt, Row: row, Skills: db.Skills}
	if p.Suggestions, err = a.store.Suggestions(ctx, pt.ID, scope(c), 20); err != nil {
		return err
	}
	if err := a.store.LogParticipantAccess(ctx, session(c).User.ID, pt.ID, "participant.suggestions", clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/suggestions", &p)
}
