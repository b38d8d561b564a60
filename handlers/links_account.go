package handlers

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// The account rooms of /l/:token: accept an invitation, set a new
// password. These are the only links that take a password.

// checkNewPassword reads the password and its confirmation into the
// link's form errors.
func checkNewPassword(c *fiber.Ctx, p *linkPage) string {
	password, confirm := c.FormValue("password"), c.FormValue("confirm")
	if msg := PasswordProblem(password, p.Email, strings.TrimSpace(c.FormValue("name"))); msg != "" {
		p.Form.Check(false, "password", msg)
	}
	p.Form.Check(password == confirm, "confirm", "password.mismatch")
	return password
}

// inviteLinkShow is GET /l/:token for an invitation: the form to choose a
// name and password, the name filled in as the inviter wrote it.
func (a *App) inviteLinkShow(c *fiber.Ctx, p *linkPage, t db.LinkToken) error {
	var pl invitePayload
	_ = json.Unmarshal(t.Payload, &pl)
	p.Form.Values["name"] = pl.Name
	return a.render(c, fiber.StatusOK, "links/invite", p)
}

// inviteLinkUse is POST /l/:token for an invitation: the account is
// created and the token used up in one transaction, then signed in.
func (a *App) inviteLinkUse(c *fiber.Ctx, p *linkPage, t db.LinkToken) error {
	password := checkNewPassword(c, p)
	p.Form.Values["name"] = strings.TrimSpace(c.FormValue("name"))
	p.Form.Required("name", 200)
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "links/invite", p)
	}
	// The payload of the token looked up is the payload of the token the
	// store uses up: a token's payload never changes.
	var pl invitePayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil {
		return err
	}
	hash, err := db.HashPassword(password)
	if err != nil {
		return err
	}
	nu := db.NewUser{Email: p.Email, Name: p.Form.Values["name"], Role: pl.Role, Locale: pl.Lang, PasswordHash: hash}
	if pl.OrgID != 0 {
		nu.OrganisationID = &pl.OrgID
	}
	if !Contains(Locales, nu.Locale) {
		nu.Locale = Locales[0]
	}
	ctx := c.UserContext()
	userID, err := a.store.AcceptInvite(ctx, p.Token, nu, clientIP(c))
	switch {
	case errors.Is(err, db.ErrInvitationWithdrawn):
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

// resetLinkShow is GET /l/:token for a password reset: the new password form.
func (a *App) resetLinkShow(c *fiber.Ctx, p *linkPage, _ db.LinkToken) error {
	return a.render(c, fiber.StatusOK, "links/reset", p)
}

// resetLinkUse is POST /l/:token for a password reset: the password is
// set, this and every other reset link of the account used up and every
// session ended in one transaction; then the person is signed in, unless
// the account is disabled.
func (a *App) resetLinkUse(c *fiber.Ctx, p *linkPage, t db.LinkToken) error {
	password := checkNewPassword(c, p)
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
	userID, err := a.store.ResetPassword(ctx, p.Token, hash)
	if errors.Is(err, db.ErrNotFound) {
		p.State = db.TokenUsed
		return a.renderLinkProblem(c, p)
	} else if err != nil {
		return err
	}
	u, err := a.store.UserByID(ctx, userID)
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

// accountLang is the language of the account a reset link was sent to.
func (a *App) accountLang(c *fiber.Ctx, t db.LinkToken) string {
	if t.UserID != nil {
		if u, err := a.store.UserByID(c.UserContext(), *t.UserID); err == nil {
			return u.Locale
		}
	}
	return ""
}
