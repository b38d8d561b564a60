package handlers

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// Guessing tokens is throttled per IP: after this many unknown, used or
// expired tokens within the window, further unknown tokens answer 429 for
// a while. A token that exists is always served: it is 256 bits, so the
// throttle protects nothing there, and behind a municipal NAT one person
// guessing would otherwise lock out every colleague's real links.
const (
	linkMaxFailures = 20
	linkWindow      = 15 * time.Minute
)

type linkPage struct {
	Page
	Token   string
	Purpose string
	State   string // db.TokenValid, TokenUsed, TokenExpired or TokenUnknown
	Email   string
	Form    Form
}

// linkRoom is what the links of one purpose do: show answers GET
// /l/:token with the form the link leads to, use answers POST. Both are
// called only for a valid token of that purpose. lang is the language of
// the mail the token was sent in ("" if unknown), so a visitor who has not
// chosen one sees the page in it.
type linkRoom struct {
	show, use func(a *App, c *fiber.Ctx, p *linkPage, t db.LinkToken) error
	lang      func(a *App, c *fiber.Ctx, t db.LinkToken) string
}

// linkRooms holds every purpose a link can have; a token of any other
// purpose is 404. The account rooms are in links_account.go, the
// agreement rooms (a supervisor's one-click links) in links_agreement.go
// and links_offer.go.
var linkRooms = map[string]linkRoom{
	db.PurposeInvite:      {show: (*App).inviteLinkShow, use: (*App).inviteLinkUse, lang: payloadLang},
	db.PurposeReset:       {show: (*App).resetLinkShow, use: (*App).resetLinkUse, lang: (*App).accountLang},
	db.PurposeAttendance:  {show: (*App).attendanceLinkShow, use: (*App).attendanceLinkUse, lang: payloadLang},
	db.PurposeEvaluation:  {show: (*App).evaluationLinkShow, use: (*App).evaluationLinkUse, lang: payloadLang},
	db.PurposeOfferAnswer: {show: (*App).offerAnswerShow, use: (*App).offerAnswerUse, lang: payloadLang},
	db.PurposeSignup:      {show: (*App).signupLinkShow, use: (*App).signupLinkUse, lang: payloadLang},
}

// language is the room's language hint for t, "" for none.
func (r linkRoom) language(a *App, c *fiber.Ctx, t db.LinkToken) string {
	if r.lang == nil {
		return ""
	}
	return r.lang(a, c, t)
}

// payloadLang is the language a token's payload names (every payload of
// an invitation or an agreement link has one), if it is one we speak.
func payloadLang(_ *App, _ *fiber.Ctx, t db.LinkToken) string {
	var pl struct {
		Lang string `json:"lang"`
	}
	if json.Unmarshal(t.Payload, &pl) == nil && validLocale(pl.Lang) {
		return pl.Lang
	}
	return ""
}

// lookupLink finds the token in the URL and says what state it is in.
// The token is looked up first: one that exists is served whatever the
// IP's record. An unknown one from an IP with too many failures within
// the window is refused (429); otherwise every token that does not work
// is recorded against the IP.
func (a *App) lookupLink(c *fiber.Ctx) (linkPage, db.LinkToken, error) {
	p := linkPage{Page: a.newPage(c, "link.title"), Token: c.Params("token"), Form: newForm()}
	ctx := c.UserContext()
	t, err := db.LinkToken{}, error(nil)
	if len(p.Token) >= 20 && len(p.Token) <= 100 {
		t, err = a.store.LinkTokenLookup(ctx, p.Token)
	} else {
		err = db.ErrNotFound
	}
	switch {
	case errors.Is(err, db.ErrNotFound):
		p.State = db.TokenUnknown
		n, err := a.store.TokenFailures(ctx, clientIP(c), linkWindow)
		if err != nil {
			return p, t, err
		}
		if n >= linkMaxFailures {
			return p, t, errStatus(fiber.StatusTooManyRequests, "link.throttled")
		}
	case err != nil:
		return p, t, err
	default:
		// Judged by the database's clock, which sets and enforces expiry.
		p.Purpose, p.State = t.Purpose, t.State(t.LookedUpAt)
		if t.Email != nil {
			p.Email = *t.Email
		}
		// A visitor who has not chosen a language sees the page in the
		// language of the mail that brought them here.
		if hint := linkRooms[t.Purpose].language(a, c, t); hint != "" {
			c.Locals(langHintKey, hint)
			p.Page = a.newPage(c, "link.title")
		}
	}
	if p.State != db.TokenValid {
		if err := a.store.RecordTokenFailure(ctx, clientIP(c)); err != nil {
			return p, t, err
		}
	}
	return p, t, nil
}

// renderLinkProblem explains why a link does not work: 404 for a link that
// never existed, 410 Gone for a used or expired one.
func (a *App) renderLinkProblem(c *fiber.Ctx, p *linkPage) error {
	status := fiber.StatusGone
	if p.State == db.TokenUnknown {
		status = fiber.StatusNotFound
	}
	return a.render(c, status, "links/problem", p)
}

// linkShow answers GET /l/:token: the form the link leads to, or a clear
// page about a link that cannot be used. GET never uses the token up.
func (a *App) linkShow(c *fiber.Ctx) error {
	p, t, err := a.lookupLink(c)
	if err != nil {
		return err
	}
	if p.State != db.TokenValid {
		return a.renderLinkProblem(c, &p)
	}
	room, ok := linkRooms[t.Purpose]
	if !ok {
		return fiber.ErrNotFound
	}
	return room.show(a, c, &p, t)
}

// linkUse answers POST /l/:token: what the link is for (accept an
// invitation, set a new password, log a week, ...). Each room uses the
// token up in the same transaction as the change it makes, so a double
// submit or a race changes things once.
func (a *App) linkUse(c *fiber.Ctx) error {
	p, t, err := a.lookupLink(c)
	if err != nil {
		return err
	}
	if p.State != db.TokenValid {
		return a.renderLinkProblem(c, &p)
	}
	room, ok := linkRooms[t.Purpose]
	if !ok {
		return fiber.ErrNotFound
	}
	return room.use(a, c, &p, t)
}
