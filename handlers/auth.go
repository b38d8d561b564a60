package handlers

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type loginPage struct {
	Page
	Form  Form
	Next  string
	Error string // message ID of a sign-in failure
	// Providers are the single sign-on buttons; Password says whether the
	// password form is shown (some audience may still use it).
	Providers []OIDCProvider
	Password  bool
}

func (a *App) newLoginPage(c *fiber.Ctx, next string) loginPage {
	p := loginPage{Page: a.newPage(c, "login.title"), Form: newForm(), Next: safeNext(next),
		Password: a.passwordAllowedFor(AudienceStaff) || a.passwordAllowedFor(AudienceEmployers), Providers: a.cfg.OIDC}
	return p
}

func (a *App) loginForm(c *fiber.Ctx) error {
	if session(c) != nil {
		return a.redirect(c, "/", "")
	}
	p := a.newLoginPage(c, c.Query("next"))
	return a.render(c, fiber.StatusOK, "auth/login", &p)
}

// login checks the throttle first, then the password, and answers the same
// whether the e-mail is unknown, disabled or the password wrong, taking
// the same time in each case.
func (a *App) login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	p := a.newLoginPage(c, c.FormValue("next"))
	email := strings.TrimSpace(c.FormValue("email"))
	password := c.FormValue("password")
	p.Form.Values["email"] = email
	p.Form.Check(email != "", "email", "form.required")
	p.Form.Check(password != "", "password", "form.required")
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/login", &p)
	}
	byEmail, byIP, err := a.store.LoginFailures(ctx, email, clientIP(c), a.cfg.LoginWindow)
	if err != nil {
		return err
	}
	if byEmail >= a.cfg.LoginMaxFailures || byIP >= a.cfg.LoginMaxFailuresPerIP {
		p.Error = "login.throttled"
		return a.render(c, fiber.StatusTooManyRequests, "auth/login", &p)
	}
	u, err := a.store.UserByEmail(ctx, email)
	ok := false
	switch {
	case errors.Is(err, db.ErrNotFound):
		db.BurnPasswordCheck(password)
	case err != nil:
		return err
	default:
		if ok, err = db.CheckPassword(u.PasswordHash, password); err != nil {
			return err
		}
		ok = ok && u.DisabledAt == nil
	}
	if !ok {
		if err := a.store.RecordLoginFailure(ctx, email, clientIP(c)); err != nil {
			return err
		}
		p.Error = "login.failed"
		return a.render(c, fiber.StatusUnauthorized, "auth/login", &p)
	}
	// Told only to whoever knows the password: this audience signs in
	// through its provider now.
	if !a.passwordAllowed(u.Role) {
		p.Error = "login.use_sso"
		return a.render(c, fiber.StatusForbidden, "auth/login", &p)
	}
	return a.afterPassword(c, u, p.Next)
}

// startSession signs a user in with a brand-new session id (any session
// the browser had is ended first: the id is rotated at sign-in).
func (a *App) startSession(c *fiber.Ctx, u db.User) error {
	ctx := c.UserContext()
	if old := c.Cookies(sessionCookie); old != "" {
		if err := a.store.DeleteSessionByToken(ctx, old); err != nil {
			return err
		}
	}
	if err := a.store.ClearLoginFailures(ctx, u.Email); err != nil {
		return err
	}
	token := randomToken()
	if err := a.store.CreateSession(ctx, u.ID, token, randomToken(), a.cfg.SessionMaxAge, clientIP(c), c.Get(fiber.HeaderUserAgent)); err != nil {
		return err
	}
	a.setSessionCookie(c, token)
	a.clearCookie(c, visitorCookie)
	// The language chosen last wins (issue 20): a choice made in this
	// browser before signing in (the switch sets the cookie) is newer than
	// the one stored on the account, so it is stored; without one, the
	// account's choice follows the person to a new browser.
	if l := c.Cookies(langCookie); validLocale(l) && l != u.Locale {
		if err := a.store.SetLocale(ctx, u.ID, l); err != nil {
			return err
		}
	}
	return nil
}

// safeNext keeps a post-login redirect on this site: a local absolute path,
// not "//host" or a scheme. Control characters are refused too: browsers
// drop tabs and newlines from URLs, so "/\t/evil.example" would become
// "//evil.example".
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return ""
	}
	return next
}

func (a *App) logout(c *fiber.Ctx) error {
	if err := a.store.DeleteSession(c.UserContext(), session(c).ID); err != nil {
		return err
	}
	a.clearCookie(c, sessionCookie)
	c.Locals(sessionKey, nil)
	// After single sign-on the provider's own session lives on: offer its
	// sign-out too (a shared computer), when it has one.
	if end := a.ssoLogoutURL(c); end != "" {
		a.clearCookie(c, ssoCookie)
		p := signedOutPage{Page: a.newPage(c, "sso.signed_out_title"), LogoutURL: end, Provider: a.oidc[c.Cookies(ssoCookie)].cfg.Label}
		return a.render(c, fiber.StatusOK, "auth/signed_out", &p)
	}
	a.clearCookie(c, ssoCookie)
	return a.redirect(c, "/login", "flash.signed_out")
}

type signedOutPage struct {
	Page
	LogoutURL, Provider string
}

type passwordPage struct {
	Page
	Form     Form
	Required bool // a one-time password must be replaced
}

func (a *App) passwordForm(c *fiber.Ctx) error {
	p := passwordPage{Page: a.newPage(c, "password.title"), Form: newForm(), Required: session(c).User.MustChangePassword}
	return a.render(c, fiber.StatusOK, "auth/password", &p)
}

// passwordChange needs the current password, so a session left open on a
// shared computer cannot take over the account; other sessions end.
func (a *App) passwordChange(c *fiber.Ctx) error {
	s := session(c)
	p := passwordPage{Page: a.newPage(c, "password.title"), Form: newForm(), Required: s.User.MustChangePassword}
	current, next, confirm := c.FormValue("current"), c.FormValue("new"), c.FormValue("confirm")
	p.Form.Check(current != "", "current", "form.required")
	if current != "" {
		// Guessing the current password from a hijacked session is
		// throttled like signing in, on the same counters.
		byEmail, byIP, err := a.store.LoginFailures(c.UserContext(), s.User.Email, clientIP(c), a.cfg.LoginWindow)
		if err != nil {
			return err
		}
		if byEmail >= a.cfg.LoginMaxFailures || byIP >= a.cfg.LoginMaxFailuresPerIP {
			p.Form.Check(false, "current", "login.throttled")
			return a.render(c, fiber.StatusTooManyRequests, "auth/password", &p)
		}
		ok, err := db.CheckPassword(s.User.PasswordHash, current)
		if err != nil {
			return err
		}
		if !ok {
			if err := a.store.RecordLoginFailure(c.UserContext(), s.User.Email, clientIP(c)); err != nil {
				return err
			}
		}
		p.Form.Check(ok, "current", "password.wrong_current")
	}
	if msg := PasswordProblem(next, s.User.Email, s.User.Name); msg != "" {
		p.Form.Check(false, "new", msg)
	}
	p.Form.Check(next == confirm, "confirm", "password.mismatch")
	p.Form.Check(next != current, "new", "password.same")
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/password", &p)
	}
	hash, err := db.HashPassword(next)
	if err != nil {
		return err
	}
	if err := a.store.SetPassword(c.UserContext(), s.User.ID, hash, s.ID); err != nil {
		return err
	}
	return a.redirect(c, "/", "flash.password_changed")
}
