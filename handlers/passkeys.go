package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

const (
	// webauthnCookie carries a ceremony's challenge (the library's
	// SessionData) from the options to the answer, signed, so any replica
	// can finish what another began.
	webauthnCookie = "praksis_webauthn"
	webauthnTTL    = 5 * time.Minute
)

// newWebAuthn is the relying party: this site's host name and origin.
func newWebAuthn(baseURL string) (*webauthn.WebAuthn, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	return webauthn.New(&webauthn.Config{RPID: u.Hostname(), RPDisplayName: "Praksis", RPOrigins: []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired,
			UserVerification: protocol.VerificationRequired}})
}

// PasskeysOn reports whether this site offers passkeys (BASE_URL names a
// host, as a relying party must).
func (p *Page) PasskeysOn() bool { return p.app.webauthn != nil }

// passkeysOn guards the passkey routes: 404 where passkeys are off.
func (a *App) passkeysOn(c *fiber.Ctx) error {
	if a.webauthn == nil {
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	return c.Next()
}

// waUser is an account as the WebAuthn library sees it.
type waUser struct {
	u      db.User
	handle []byte
	keys   []db.Passkey
	creds  []webauthn.Credential
}

func (w *waUser) WebAuthnID() []byte                         { return w.handle }
func (w *waUser) WebAuthnName() string                       { return w.u.Email }
func (w *waUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w *waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

// loadWAUser loads an account's handle and passkeys.
func (a *App) loadWAUser(c *fiber.Ctx, u db.User) (*waUser, error) {
	ctx := c.UserContext()
	w := &waUser{u: u}
	var err error
	if w.handle, err = a.store.WebAuthnHandle(ctx, u.ID); err != nil {
		return nil, err
	}
	if w.keys, err = a.store.PasskeysOf(ctx, u.ID); err != nil {
		return nil, err
	}
	for _, k := range w.keys {
		var cred webauthn.Credential
		if err := json.Unmarshal(k.Credential, &cred); err != nil {
			return nil, fmt.Errorf("handlers: passkey %d: %w", k.ID, err)
		}
		w.creds = append(w.creds, cred)
	}
	return w, nil
}

func (a *App) saveCeremony(c *fiber.Ctx, s *webauthn.SessionData) {
	raw, _ := json.Marshal(s)
	a.setSealed(c, webauthnCookie, "/", raw, webauthnTTL)
}

// ceremony returns the challenge this browser was given (once).
func (a *App) ceremony(c *fiber.Ctx) (webauthn.SessionData, bool) {
	var s webauthn.SessionData
	raw, ok := a.sealed(c, webauthnCookie)
	a.clearCookie(c, webauthnCookie)
	return s, ok && json.Unmarshal(raw, &s) == nil && s.Challenge != ""
}

// passkeyRegisterOptions begins adding a passkey to the signed-in account:
// discoverable (a resident key), with user verification, none of the
// account's passkeys again.
func (a *App) passkeyRegisterOptions(c *fiber.Ctx) error {
	w, err := a.loadWAUser(c, session(c).User)
	if err != nil {
		return err
	}
	var exclude []protocol.CredentialDescriptor
	for _, cr := range w.creds {
		exclude = append(exclude, cr.Descriptor())
	}
	opts, s, err := a.webauthn.BeginRegistration(w, webauthn.WithExclusions(exclude))
	if err != nil {
		return fmt.Errorf("handlers: passkey options: %w", err)
	}
	a.saveCeremony(c, s)
	return c.JSON(opts)
}

// passkeyRegister checks the authenticator's answer and stores the passkey.
func (a *App) passkeyRegister(c *fiber.Ctx) error {
	s, ok := a.ceremony(c)
	if !ok {
		return errStatus(fiber.StatusBadRequest, "passkey.failed")
	}
	u := session(c).User
	w, err := a.loadWAUser(c, u)
	if err != nil {
		return err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBody(bytes.NewReader(c.Body()))
	if err != nil {
		return errStatus(fiber.StatusBadRequest, "passkey.failed")
	}
	cred, err := a.webauthn.CreateCredential(w, s, parsed)
	if err != nil {
		a.log.Info("passkey refused", "user", u.ID, "err", err)
		return errStatus(fiber.StatusBadRequest, "passkey.failed")
	}
	raw, _ := json.Marshal(cred)
	name := strings.TrimSpace(c.Query("name"))
	if name == "" || len([]rune(name)) > 100 {
		name = a.translate(a.locale(c), "security.passkey_default", "Date", dateOf(a.store.Now()))
	}
	if err := a.store.AddPasskey(c.UserContext(), u.ID, cred.ID, raw, name, clientIP(c)); errors.Is(err, db.ErrConflict) {
		return errStatus(fiber.StatusConflict, "passkey.failed")
	} else if err != nil {
		return err
	}
	a.setFlash(c, "flash.passkey_added")
	return c.JSON(fiber.Map{"redirect": "/settings/security"})
}

// passkeyLoginOptions begins a passkey sign-in: as the second factor of
// the half-authenticated person (their passkeys only), or, for a visitor,
// with any discoverable passkey of this site. User verification is
// required, so a passkey alone is two factors (the device and its PIN or
// biometrics).
func (a *App) passkeyLoginOptions(c *fiber.Ctx) error {
	pend, u, ok, err := a.pending(c)
	if err != nil {
		return err
	}
	var opts *protocol.CredentialAssertion
	var s *webauthn.SessionData
	if ok && !pend.Setup {
		w, err := a.loadWAUser(c, u)
		if err != nil {
			return err
		}
		if len(w.creds) == 0 {
			return errStatus(fiber.StatusBadRequest, "passkey.failed")
		}
		opts, s, err = a.webauthn.BeginLogin(w, webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			return fmt.Errorf("handlers: passkey options: %w", err)
		}
	} else if opts, s, err = a.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired)); err != nil {
		return fmt.Errorf("handlers: passkey options: %w", err)
	}
	a.saveCeremony(c, s)
	return c.JSON(opts)
}

// passkeyLogin checks the assertion and signs the person in.
func (a *App) passkeyLogin(c *fiber.Ctx) error {
	ctx := c.UserContext()
	s, ok := a.ceremony(c)
	if !ok {
		return errStatus(fiber.StatusBadRequest, "passkey.failed")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBody(bytes.NewReader(c.Body()))
	if err != nil {
		return errStatus(fiber.StatusBadRequest, "passkey.failed")
	}
	var w *waUser
	var cred *webauthn.Credential
	next := ""
	if len(s.UserID) > 0 { // second factor: the person of the password
		pend, u, ok, err := a.pending(c)
		if err != nil {
			return err
		}
		if !ok || pend.Setup {
			return errStatus(fiber.StatusBadRequest, "passkey.failed")
		}
		if w, err = a.loadWAUser(c, u); err != nil {
			return err
		}
		next = pend.Next
		cred, err = a.webauthn.ValidateLogin(w, s, parsed)
		if err != nil {
			return a.passkeyRefused(c, u.Email, err)
		}
	} else {
		var user webauthn.User
		user, cred, err = a.webauthn.ValidatePasskeyLogin(func(_, handle []byte) (webauthn.User, error) {
			u, err := a.store.UserByWebAuthnHandle(ctx, handle)
			if err != nil {
				return nil, err
			}
			return a.loadWAUser(c, u)
		}, s, parsed)
		if err != nil {
			return a.passkeyRefused(c, "", err)
		}
		w = user.(*waUser)
	}
	if w.u.DisabledAt != nil {
		return a.passkeyRefused(c, w.u.Email, errors.New("account disabled"))
	}
	// The new sign count (a cloned authenticator shows as a count that
	// does not grow; the library flags it).
	if cred.Authenticator.CloneWarning {
		return a.passkeyRefused(c, w.u.Email, errors.New("sign count did not grow: a cloned authenticator?"))
	}
	// The challenge is used up with the sign-in: the sealed cookie is
	// valid for webauthnTTL on every replica, so without this a captured
	// cookie and answer would sign in again.
	raw, _ := json.Marshal(cred)
	err = a.store.AcceptPasskeyAssertion(ctx, db.PasskeyAssertion{Challenge: s.Challenge, ValidUntil: a.store.Now().Add(webauthnTTL),
		UserID: w.u.ID, CredentialID: cred.ID, Credential: raw, IP: clientIP(c)})
	if errors.Is(err, db.ErrChallengeUsed) {
		return a.passkeyRefused(c, w.u.Email, err)
	} else if err != nil {
		return err
	}
	a.clearCookie(c, mfaCookie)
	if err := a.startSession(c, w.u); err != nil {
		return err
	}
	to := next
	switch {
	case w.u.MustChangePassword:
		to = "/password"
	case to == "":
		to = "/"
	}
	a.setFlash(c, "flash.signed_in")
	return c.JSON(fiber.Map{"redirect": to})
}

// passkeyRefused counts a refused passkey like a failed sign-in (for the
// account when known, and the address) and answers 401.
func (a *App) passkeyRefused(c *fiber.Ctx, email string, why error) error {
	a.log.Info("passkey sign-in refused", "err", why)
	if err := a.store.RecordLoginFailure(c.UserContext(), email, clientIP(c)); err != nil {
		return err
	}
	return errStatus(fiber.StatusUnauthorized, "passkey.failed")
}
