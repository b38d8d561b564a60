package handlers

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// Evaluations: at the start, in the middle and at the end the supervisor
// rates punctuality, cooperation, following instructions and speaking
// Norwegian from 1 to 4, or "not observed", with a comment. Each phase
// once; written by the employer signed in or through a single-use link.

// notObserved is the form value of "not observed" (stored as NULL).
const notObserved = "0"

// evaluationRatings are the values a rating field accepts.
var evaluationRatings = []string{"1", "2", "3", "4", notObserved}

type evaluationPage struct {
	Page
	A        db.Agreement
	Phase    string
	Criteria []string
	Ratings  []string
	Form     Form
	Action   string
	ViaLink  bool
	Done     bool // saved through a link: the thank-you page
}

// phaseProblem says why the phase cannot be evaluated now (status and
// message ID), or 0.
func (a *App) phaseProblem(c *fiber.Ctx, ag db.Agreement, phase string) (int, string, error) {
	if !ag.Loggable() {
		return fiber.StatusConflict, "evaluation.not_open", nil
	}
	done, err := a.store.Evaluations(c.UserContext(), ag.ID)
	if err != nil {
		return 0, "", err
	}
	for _, e := range done {
		if e.Phase == phase {
			return fiber.StatusConflict, "evaluation.done", nil
		}
	}
	return 0, "", nil
}

// newEvaluationPage checks the phase and builds its form.
func (a *App) newEvaluationPage(c *fiber.Ctx, pg Page, ag db.Agreement, phase string) (*evaluationPage, error) {
	if !Contains(db.EvaluationPhases, phase) {
		return nil, fiber.ErrNotFound
	}
	status, msgID, err := a.phaseProblem(c, ag, phase)
	if err != nil {
		return nil, err
	}
	if status != 0 {
		return nil, errStatus(status, msgID)
	}
	p := &evaluationPage{Page: pg, A: ag, Phase: phase, Criteria: db.EvaluationCriteria, Ratings: evaluationRatings, Form: newForm(),
		Action: fmt.Sprintf("/agreements/%d/evaluations/%s", ag.ID, phase)}
	p.Title = p.T("evaluation.title_" + phase)
	return p, a.logAgreementRead(c, ag.ID)
}

// readEvaluation reads and checks the posted ratings and comment.
func readEvaluation(c *fiber.Ctx, p *evaluationPage) db.NewEvaluation {
	e := db.NewEvaluation{Phase: p.Phase}
	targets := map[string]**int{"punctuality": &e.Punctuality, "cooperation": &e.Cooperation,
		"instructions": &e.Instructions, "speaking": &e.Speaking}
	for _, cr := range db.EvaluationCriteria {
		v := c.FormValue(cr)
		p.Form.Values[cr] = v
		p.Form.Check(v != "", cr, "evaluation.rating_required")
		p.Form.Check(v == "" || Contains(evaluationRatings, v), cr, "evaluation.bad_rating")
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 4 {
			*targets[cr] = &n
		}
	}
	e.Comment = strings.TrimSpace(c.FormValue("comment"))
	p.Form.Values["comment"] = e.Comment
	p.Form.Check(utf8.RuneCountInString(e.Comment) <= 2000, "comment", "form.too_long")
	return e
}

// evaluationForm is GET /agreements/:id/evaluations/:phase.
func (a *App) evaluationForm(c *fiber.Ctx) error {
	ag, err := a.employerAgreement(c)
	if err != nil {
		return err
	}
	p, err := a.newEvaluationPage(c, a.newPage(c, "evaluation.title"), ag, c.Params("phase"))
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "agreements/evaluation", p)
}

// evaluationSave is POST /agreements/:id/evaluations/:phase; a phase
// evaluated already is 409 with nothing changed.
func (a *App) evaluationSave(c *fiber.Ctx) error {
	ag, err := a.employerAgreement(c)
	if err != nil {
		return err
	}
	p, err := a.newEvaluationPage(c, a.newPage(c, "evaluation.title"), ag, c.Params("phase"))
	if err != nil {
		return err
	}
	e := readEvaluation(c, p)
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "agreements/evaluation", p)
	}
	err = a.store.AddEvaluation(c.UserContext(), ag.ID, e, db.LinkWriter{UserID: session(c).User.ID, Today: a.today(), IP: clientIP(c)})
	if err := evaluationError(err); err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/agreements/%d", ag.ID), "flash.evaluation_saved")
}

// evaluationError maps the store's refusals to what the person is told.
func evaluationError(err error) error {
	switch {
	case errors.Is(err, db.ErrConflict):
		return errStatus(fiber.StatusConflict, "evaluation.done")
	case errors.Is(err, db.ErrNotStarted):
		return errStatus(fiber.StatusConflict, "evaluation.not_open")
	}
	return err
}
