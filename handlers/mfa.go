package handlers

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"praksis/db"
)

const (
	// mfaCookie is the half-authenticated state between a correct password
	// and the second factor: who, where to go next, and whether the factor
	// is to be used or first set up. It is not a session: no page of any
	// role accepts it.
	mfaCookie = "praksis_mfa"
	mfaTTL    = 10 * time.Minute
	// totpPeriod and totpSkew: 30-second codes, one step either side
	// accepted (a phone's clock a little off).
	totpPeriod = 30
	totpSkew   = 1
	// recoveryCodeCount single-use codes are made when TOTP is set up.
	recoveryCodeCount = 10
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// mfaPending is what the half-authenticated cookie holds.
type mfaPending struct {
	UserID int64  `json:"u"`
	Next   string `json:"n,omitempty"`
	Setup  bool   `json:"s,omitempty"` // MFA_REQUIRED_ROLES: set one up first
}

// mfaRequired reports whether MFA_REQUIRED_ROLES makes u set up a second
// factor (the demo accounts are exempt in development: README).
func (a *App) mfaRequired(u db.User) bool {
	return Contains(a.cfg.MFARequiredRoles, u.Role) && !Contains(a.cfg.MFAExempt, strings.ToLower(u.Email))
}

// noPending answers a second-factor page without the half-authenticated
// cookie (expired, or never there): the signed-in go home, others sign
// in (again).
func (a *App) noPending(c *fiber.Ctx) error {
	switch {
	case session(c) != nil:
		return a.redirect(c, "/", "")
	case c.Method() != fiber.MethodGet:
		return a.redirect(c, "/login", "flash.mfa_expired")
	}
	return a.redirect(c, "/login?next="+url.QueryEscape(c.OriginalURL()), "")
}

// afterPassword decides what a correct password leads to: a session, or
// the second factor (used, or set up first when the role requires one).
func (a *App) afterPassword(c *fiber.Ctx, u db.User, next string) error {
	f, err := a.store.FactorsOf(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	if f.Any() || a.mfaRequired(u) {
		raw, _ := json.Marshal(mfaPending{UserID: u.ID, Next: next, Setup: !f.Any()})
		a.setSealed(c, mfaCookie, "/", raw, mfaTTL)
		if !f.Any() {
			// The secret is made here, in the POST: the set-up page only
			// shows it.
			if _, err := a.startTOTP(c, u); err != nil {
				return err
			}
			return a.redirect(c, "/login/mfa/setup", "")
		}
		return a.redirect(c, "/login/mfa", "")
	}
	return a.finishSignIn(c, u, next)
}

// finishSignIn starts the session and goes on.
func (a *App) finishSignIn(c *fiber.Ctx, u db.User, next string) error {
	a.clearCookie(c, mfaCookie)
	if err := a.startSession(c, u); err != nil {
		return err
	}
	if u.MustChangePassword {
		return a.redirect(c, "/password", "")
	}
	if next == "" {
		next = "/"
	}
	return a.redirect(c, next, "flash.signed_in")
}

// pending reads the half-authenticated state; an account disabled
// meanwhile has none.
func (a *App) pending(c *fiber.Ctx) (mfaPending, db.User, bool, error) {
	var p mfaPending
	raw, ok := a.sealed(c, mfaCookie)
	if !ok || json.Unmarshal(raw, &p) != nil || p.UserID == 0 {
		return p, db.User{}, false, nil
	}
	u, err := a.store.UserByID(c.UserContext(), p.UserID)
	if errors.Is(err, db.ErrNotFound) {
		return p, u, false, nil
	} else if err != nil {
		return p, u, false, err
	}
	return p, u, u.DisabledAt == nil, nil
}

type mfaPage struct {
	Page
	Form     Form
	Error    string
	Factors  db.Factors
	Passkeys bool // offer the passkey button
}

// mfaForm asks for the second factor after the password.
func (a *App) mfaForm(c *fiber.Ctx) error {
	pend, u, ok, err := a.pending(c)
	if err != nil {
		return err
	}
	if !ok || pend.Setup {
		return a.noPending(c)
	}
	p := mfaPage{Page: a.newPage(c, "mfa.title"), Form: newForm()}
	if p.Factors, err = a.store.FactorsOf(c.UserContext(), u.ID); err != nil {
		return err
	}
	p.Passkeys = p.Factors.Passkeys > 0
	return a.render(c, fiber.StatusOK, "auth/mfa", &p)
}

// mfaVerify checks a TOTP or recovery code, throttled on the sign-in
// counters of the account and the address.
func (a *App) mfaVerify(c *fiber.Ctx) error {
	ctx := c.UserContext()
	pend, u, ok, err := a.pending(c)
	if err != nil {
		return err
	}
	if !ok || pend.Setup {
		return a.noPending(c)
	}
	p := mfaPage{Page: a.newPage(c, "mfa.title"), Form: newForm()}
	if p.Factors, err = a.store.FactorsOf(ctx, u.ID); err != nil {
		return err
	}
	p.Passkeys = p.Factors.Passkeys > 0
	code := strings.TrimSpace(c.FormValue("code"))
	p.Form.Check(code != "", "code", "form.required")
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "auth/mfa", &p)
	}
	byEmail, byIP, err := a.store.LoginFailures(ctx, u.Email, clientIP(c), a.cfg.LoginWindow)
	if err != nil {
		return err
	}
	if byEmail >= a.cfg.LoginMaxFailures || byIP >= a.cfg.LoginMaxFailuresPerIP {
		p.Error = "login.throttled"
		return a.render(c, fiber.StatusTooManyRequests, "auth/mfa", &p)
	}
	good, err := a.checkSecondFactor(c, u, code)
	if err != nil {
		return err
	}
	if !good {
		if err := a.store.RecordLoginFailure(ctx, u.Email, clientIP(c)); err != nil {
			return err
		}
		p.Error = "mfa.wrong_code"
		return a.render(c, fiber.StatusUnauthorized, "auth/mfa", &p)
	}
	return a.finishSignIn(c, u, pend.Next)
}

// checkSecondFactor accepts a current TOTP code not used before, or an
// unused recovery code (which is then used up).
func (a *App) checkSecondFactor(c *fiber.Ctx, u db.User, code string) (bool, error) {
	ctx := c.UserContext()
	if digits := strings.ReplaceAll(code, " ", ""); len(digits) == 6 {
		t, err := a.store.TOTP(ctx, u.ID)
		if errors.Is(err, db.ErrNotFound) || (err == nil && t.ConfirmedAt == nil) {
			return false, nil
		} else if err != nil {
			return false, err
		}
		secret, err := a.openTOTP(c, u.ID, t.Secret)
		if errors.Is(err, errUnopenable) {
			// The person uses a recovery code or a passkey, or an admin
			// resets the factor; the code is simply not accepted.
			a.log.Error("authenticator secret cannot be opened: SECRET_KEY changed without SECRET_KEY_PREVIOUS", "user", u.ID)
			return false, nil
		} else if err != nil {
			return false, err
		}
		step, ok := a.totpStep(secret, digits)
		if !ok {
			return false, nil
		}
		return a.store.UseTOTPStep(ctx, u.ID, step)
	}
	return a.store.UseRecoveryCode(ctx, u.ID, recoveryHash(code))
}

// totpStep finds the time step (within the skew) the code belongs to, on
// the store's clock.
func (a *App) totpStep(secret, code string) (int64, bool) {
	now := a.store.Now()
	for d := -totpSkew; d <= totpSkew; d++ {
		at := now.Add(time.Duration(d*totpPeriod) * time.Second)
		want, err := totp.GenerateCodeCustom(secret, at, totpOpts)
		if err == nil && want == code {
			return at.Unix() / totpPeriod, true
		}
	}
	return 0, false
}
