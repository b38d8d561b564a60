package handlers

import (
	"encoding/json"
	"errors"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// Reminder rule 5: the digest tells the supervisor an agreement ends soon
// and asks "can you offer work or an extension?" with three one-click
// links, one per answer (a token of purpose offer_answer each). A link
// opens a page that names the answer and asks to confirm it with one
// button: a GET never changes anything (mail scanners follow links), the
// POST records it. Recording one answer uses up all three links.

// offerPayload is what an answer link is for; only the token says which
// agreement and which answer.
type offerPayload struct {
	AgreementID int64  `json:"agreement_id"`
	Answer      string `json:"answer"`
	Lang        string `json:"lang,omitempty"`
}

type offerAnswerPage struct {
	Page
	A      db.Agreement
	Answer string
	Action string
	Done   bool
}

// offerAnswerPage loads the agreement and answer an answer link names.
func (a *App) offerAnswerPage(c *fiber.Ctx, lp *linkPage, t db.LinkToken) (*offerAnswerPage, error) {
	var pl offerPayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil || !Contains(db.OfferAnswers, pl.Answer) {
		return nil, fiber.ErrNotFound
	}
	ag, _, ok, err := a.linkAgreement(c, lp, t)
	if !ok {
		return nil, err
	}
	p := &offerAnswerPage{Page: lp.Page, A: ag, Answer: pl.Answer, Action: "/l/" + lp.Token}
	p.Title = p.T("offer.title")
	// The page names the person, as the attendance and evaluation links do.
	if err := a.logAgreementRead(c, ag.ID); err != nil {
		return nil, err
	}
	return p, nil
}

// offerAnswerShow is GET /l/:token for an answer link: the answer and a
// button to send it.
func (a *App) offerAnswerShow(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.offerAnswerPage(c, lp, t)
	if p == nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "links/offer_answer", p)
}

// offerAnswerUse is POST /l/:token for an answer link: the answer the
// token names is recorded on the agreement, audited, and every answer link
// of the agreement used up, in one transaction.
func (a *App) offerAnswerUse(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.offerAnswerPage(c, lp, t)
	if p == nil {
		return err
	}
	err = a.store.RecordOfferAnswer(c.UserContext(), lp.Token, p.A.ID, p.Answer, clientIP(c))
	if errors.Is(err, db.ErrNotFound) { // another answer link of the agreement was used first, or it expired
		lp.State = db.TokenUsed
		return a.renderLinkProblem(c, lp)
	} else if err != nil {
		return err
	}
	p.Done = true
	return a.render(c, fiber.StatusOK, "links/offer_answer", p)
}
