package handlers

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"praksis/db"
)

// Guessing tokens is throttled per IP: after this many unknown, used or
// expired tokens within the window, every link answers 429 for a while.
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

// lookupLink finds the token in the URL and says what state it is in. A
// bad token is recorded against the IP; too many of those are refused
// before any lookup.
func (a *App) lookupLink(c *fiber.Ctx) (linkPage, db.LinkToken, error) {
	p := linkPage{Page: a.newPage(c, "link.title"), Token: c.Params("token"), Form: newForm()}
	ctx := c.UserContext()
	n, err := a.store.TokenFailures(ctx, clientIP(c), linkWindow)
	if err != nil {
		return p, db.LinkToken{}, err
	}
	if n >= linkMaxFailures {
		return p, db.LinkToken{}, errStatus(fiber.StatusTooManyRequests, "link.throttled")
	}
	t, err := db.LinkToken{}, error(nil)
	if len(p.Token) >= 20 && len(p.Token) <= 100 {
		t, err = a.store.LinkTokenLookup(ctx, p.Token)
	} else {
		err = db.ErrNotFound
	}
	switch {
	case errors.Is(err, db.ErrNotFound):
		p.State = db.TokenUnknown
	case err != nil:
		return p, t, err
	default:
		p.Purpose, p.State = t.Purpose, t.State(time.Now())
		if t.Email != nil {
			p.Email = *t.Email
		}
		// A visitor who has not chosen a language sees the page in the
		// language of the mail that brought them here.
		if hint := a.linkLanguage(c, t); hint != "" {
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

// linkLanguage is the language of the mail a token was sent in: the
// invitation's, or the account's for a reset.
func (a *App) linkLanguage(c *fiber.Ctx, t db.LinkToken) string {
	switch t.Purpose {
	case db.PurposeInvite:
		var pl invitePayload
		if json.Unmarshal(t.Payload, &pl) == nil && validLocale(pl.Lang) {
			return pl.Lang
		}
	case db.PurposeReset:
		if t.UserID != nil {
			if u, err := a.store.UserByID(c.UserContext(), *t.UserID); err == nil {
				return u.Locale
			}
		}
	case db.PurposeAttendance, db.PurposeEvaluation, db.PurposeOfferAnswer:
		var pl linkPayload
		if json.Unmarshal(t.Payload, &pl) == nil && validLocale(pl.Lang) {
			return pl.Lang
		}
	}
	return ""
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
	switch t.Purpose {
	case db.PurposeInvite:
		var pl invitePayload
		_ = json.Unmarshal(t.Payload, &pl)
		p.Form.Values["name"] = pl.Name
		return a.render(c, fiber.StatusOK, "links/invite", &p)
	case db.PurposeReset:
		return a.render(c, fiber.StatusOK, "links/reset", &p)
	case db.PurposeAttendance:
		return a.attendanceLinkShow(c, &p, t)
	case db.PurposeEvaluation:
		return a.evaluationLinkShow(c, &p, t)
	case db.PurposeOfferAnswer:
		return a.offerAnswerShow(c, &p, t)
	}
	return fiber.ErrNotFound
}

// linkUse answers POST /l/:token: accept an invitation or set a new
// password. The token is used up in the same transaction as the change,
// so a double submit or a race changes things once.
func (a *App) linkUse(c *fiber.Ctx) error {
	p, t, err := a.lookupLink(c)
	if err != nil {
		return err
	}
	if p.State != db.TokenValid {
		return a.renderLinkProblem(c, &p)
	}
	password, confirm := c.FormValue("password"), c.FormValue("confirm")
	if msg := PasswordProblem(password, p.Email); msg != "" {
		p.Form.Check(false, "password", msg)
	}
	p.Form.Check(password == confirm, "confirm", "password.mismatch")
	switch t.Purpose {
	case db.PurposeInvite:
		return a.acceptInvite(c, &p, password)
	case db.PurposeReset:
		return a.resetPassword(c, &p, t, password)
	case db.PurposeAttendance:
		return a.attendanceLinkUse(c, &p, t)
	case db.PurposeEvaluation:
		return a.evaluationLinkUse(c, &p, t)
	case db.PurposeOfferAnswer:
		return a.offerAnswerUse(c, &p, t)
	}
	return fiber.ErrNotFound
}

func (a *App) acceptInvite(c *fiber.Ctx, p *linkPage, password string) error {
	p.Form.Values["name"] = strings.TrimSpace(c.FormValue("name"))
	p.Form.Required("name", 200)
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "links/invite", p)
	}
	hash, err := db.HashPassword(password)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	var userID int64
	err = a.store.InTx(ctx, func(tx *sqlx.Tx) error {
		t, err := db.UseLinkToken(ctx, tx, p.Token, db.PurposeInvite)
		if err != nil {
			return err
		}
		var pl invitePayload
		if err := json.Unmarshal(t.Payload, &pl); err != nil {
			return err
		}
		// The invitation stands only while whoever sent it still may: an
		// enabled inviter, and for employers an approved organisation.
		if ok, err := db.InvitationStillValid(ctx, tx, t.CreatedBy, pl.OrgID); err != nil {
			return err
		} else if !ok {
			return errInvitationWithdrawn
		}
		nu := db.NewUser{Email: p.Email, Name: p.Form.Values["name"], Role: pl.Role, Locale: pl.Lang, PasswordHash: hash}
		if pl.OrgID != 0 {
			nu.OrganisationID = &pl.OrgID
		}
		if !Contains(Locales, nu.Locale) {
			nu.Locale = Locales[0]
		}
		if userID, err = db.CreateUserTx(ctx, tx, nu); err != nil {
			return err
		}
		return db.AuditTx(ctx, tx, userID, "user.invite_accept", "user", userID, clientIP(c))
	})
	switch {
	case errors.Is(err, errInvitationWithdrawn):
		return errStatus(fiber.StatusGone, "invite.withdrawn")
	case errors.Is(err, db.ErrConflict):
		p.Form.Check(false, "name", "invite.account_exists")
		return a.render(c, fiber.StatusConflict, "links/invite", p)
	case errors.Is(err, db.ErrNotFound): // used up by a concurrent request
		p.State = db.TokenUsed
		return a.renderLinkProblem(c, p)
	case err != nil:
		return err
	}
	u, err := a.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	return a.redirect(c, "/", "flash.invite_accepted")
}

func (a *App) resetPassword(c *fiber.Ctx, p *linkPage, t db.LinkToken, password string) error {
	if t.UserID == nil {
		return fiber.ErrNotFound
	}
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "links/reset", p)
	}
	hash, err := db.HashPassword(password)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	err = a.store.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := db.UseLinkToken(ctx, tx, p.Token, db.PurposeReset); err != nil {
			return err
		}
		// Any other reset link sent to this account stops working too.
		if err := db.UseUserTokens(ctx, tx, *t.UserID, db.PurposeReset); err != nil {
			return err
		}
		// Every session ends: whoever else might have been signed in is out.
		return db.SetPasswordTx(ctx, tx, *t.UserID, hash, 0)
	})
	if errors.Is(err, db.ErrNotFound) {
		p.State = db.TokenUsed
		return a.renderLinkProblem(c, p)
	} else if err != nil {
		return err
	}
	u, err := a.store.UserByID(ctx, *t.UserID)
	if err != nil {
		return err
	}
	if u.DisabledAt != nil {
		return a.redirect(c, "/login", "flash.password_changed")
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	return a.redirect(c, "/", "flash.password_changed")
}

// errInvitationWithdrawn: the inviter was disabled or the organisation is
// no longer approved since the invitation was sent.
var errInvitationWithdrawn = errors.New("handlers: invitation withdrawn")
