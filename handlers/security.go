package handlers

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

// securityPage is /settings/security: the person's second factors.
type securityPage struct {
	Page
	Factors  db.Factors
	Passkeys []db.Passkey
	Required bool // MFA_REQUIRED_ROLES names the person's role
}

func (a *App) securityShow(c *fiber.Ctx) error {
	u := session(c).User
	p := securityPage{Page: a.newPage(c, "security.title"), Required: a.mfaRequired(u)}
	var err error
	if p.Factors, err = a.store.FactorsOf(c.UserContext(), u.ID); err != nil {
		return err
	}
	if p.Passkeys, err = a.store.PasskeysOf(c.UserContext(), u.ID); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "settings/security", &p)
}

// totpStart makes a new authenticator secret (the button on
// /settings/security) and shows it.
func (a *App) totpStart(c *fiber.Ctx) error {
	made, err := a.startTOTP(c, session(c).User)
	if err != nil {
		return err
	}
	if !made {
		return a.redirect(c, "/settings/security", "flash.totp_exists")
	}
	return a.redirect(c, "/settings/totp", "")
}

// totpSettingsForm shows the unconfirmed secret's QR code.
func (a *App) totpSettingsForm(c *fiber.Ctx) error {
	p := totpSetupPage{Page: a.newPage(c, "mfa.setup_title"), Form: newForm(), Action: "/settings/totp"}
	if err := a.showTOTPSetup(c, session(c).User, &p); errors.Is(err, db.ErrNotFound) {
		return a.redirect(c, "/settings/security", "")
	} else if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "auth/totp_setup", &p)
}

func (a *App) totpSettingsConfirm(c *fiber.Ctx) error {
	u := session(c).User
	p := totpSetupPage{Page: a.newPage(c, "mfa.setup_title"), Form: newForm(), Action: "/settings/totp"}
	return a.confirmAndShowCodes(c, u, &p, func([]string) error {
		p.Next = "/settings/security"
		return nil
	})
}

// adminFactorsReset removes a person's second factors (a lost phone), ends
// their sessions and tells them by e-mail, audited. With MFA_REQUIRED_ROLES
// they set a new one up at their next sign-in.
func (a *App) adminFactorsReset(c *fiber.Ctx) error {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return fiber.ErrNotFound
	}
	ctx := c.UserContext()
	u, err := a.store.UserByID(ctx, int64(id))
	if err != nil {
		return err
	}
	m, err := a.mail.Render("mfa_reset", u.Locale, u.Email, fmt.Sprintf("mfa_reset:%d:%d", u.ID, a.store.Now().UnixNano()),
		mail.Data{FirstName: mail.FirstName(u.Name), Link: a.mail.Link("/login")})
	if err != nil {
		return err
	}
	if err := a.store.ResetFactors(ctx, u.ID, session(c).User.ID, clientIP(c), m); errors.Is(err, db.ErrNotFound) {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	a.wakeMail()
	return a.redirect(c, "/admin/users", "flash.factors_reset")
}
