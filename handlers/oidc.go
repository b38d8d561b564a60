package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v2"
	"golang.org/x/oauth2"

	"praksis/db"
)

const (
	// oidcCookie carries the state, nonce and PKCE verifier of one sign-in
	// from the redirect to the callback (signedcookie.go), only to the
	// /login/oidc/ addresses.
	oidcCookie = "praksis_oidc"
	oidcPath   = "/login/oidc/"
	// oidcTTL is how long a person may take at the provider.
	oidcTTL = 10 * time.Minute
	// ssoCookie names the provider of a single sign-on session, so sign-out
	// can offer the provider's own sign-out.
	ssoCookie = "praksis_sso"
)

// oidcClient is one provider with its discovery document, fetched on first
// use and kept (go-oidc refetches the keys when it meets a new key id, so
// a key rotation at the provider needs nothing here).
type oidcClient struct {
	cfg      OIDCProvider
	http     *http.Client
	mu       sync.Mutex
	provider *oidc.Provider
	endURL   string // end_session_endpoint, if the provider has one
}

// discover returns the provider, fetching discovery the first time (or
// again after a failure: the provider may have been down).
func (o *oidcClient) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	known := o.provider
	o.mu.Unlock()
	if known != nil {
		return known, nil
	}
	// Fetched without the lock: a provider that hangs must not queue every
	// sign-in behind one request (each waits its own timeout instead).
	ctx, cancel := context.WithTimeout(oidc.ClientContext(ctx, o.http), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("handlers: discovery of %s: %w", o.cfg.Name, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = p.Claims(&extra) // a malformed extra field only costs the sign-out offer
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		o.provider, o.endURL = p, extra.EndSession
	}
	return o.provider, nil
}

func (a *App) oauth2Config(o *oidcClient, p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: a.cfg.BaseURL + oidcPath + o.cfg.Name + "/callback", Scopes: append([]string{oidc.ScopeOpenID}, o.cfg.Scopes...)}
}

// oidcState is what the signed cookie holds between redirect and callback.
type oidcState struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"x,omitempty"`
}

// ssoStart sends the browser to the provider: authorization code flow
// with PKCE, a fresh state and nonce kept in a signed cookie. Another site
// may link here, but what it starts can only end in this browser, as the
// person who signs in at the provider.
func (a *App) ssoStart(c *fiber.Ctx) error {
	o := a.oidc[c.Params("provider")]
	if o == nil {
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	p, err := o.discover(c.UserContext())
	if err != nil {
		a.log.Warn("single sign-on provider unreachable", "provider", o.cfg.Name, "err", err)
		return a.ssoProblem(c, fiber.StatusServiceUnavailable, "sso.unavailable", o)
	}
	st := oidcState{Provider: o.cfg.Name, State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(),
		Next: safeNext(c.Query("next"))}
	raw, _ := json.Marshal(st)
	a.setSealed(c, oidcCookie, oidcPath, raw, oidcTTL)
	to := a.oauth2Config(o, p).AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier))
	return a.redirect(c, to, "")
}

// ssoPerson is what a verified ID token (and the userinfo endpoint) says.
type ssoPerson struct {
	ID            db.Identity
	Email         string
	EmailVerified bool
	Name          string
	Roles         []string // the RoleClaim's values
}

// ssoCallback is where the provider sends the browser back. It is a GET,
// as OAuth redirects are; the state in the signed cookie is what stops a
// forged one. The ID token is verified (signature against the issuer's
// keys, issuer, audience, expiry on the app's clock) and its nonce must be
// this sign-in's.
func (a *App) ssoCallback(c *fiber.Ctx) error {
	o := a.oidc[c.Params("provider")]
	if o == nil {
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	raw, ok := a.sealed(c, oidcCookie)
	a.clearCookieAt(c, oidcCookie, oidcPath) // one callback per sign-in
	var st oidcState
	if !ok || json.Unmarshal(raw, &st) != nil || st.Provider != o.cfg.Name || st.State == "" || c.Query("state") != st.State {
		return a.ssoFailed(c, o, "sso.bad_state", "state mismatch")
	}
	if e := c.Query("error"); e != "" {
		return a.ssoFailed(c, o, "sso.cancelled", "provider error "+e)
	}
	ctx, cancel := context.WithTimeout(oidc.ClientContext(c.UserContext(), o.http), 15*time.Second)
	defer cancel()
	p, err := o.discover(ctx)
	if err != nil {
		a.log.Warn("single sign-on provider unreachable", "provider", o.cfg.Name, "err", err)
		return a.ssoProblem(c, fiber.StatusServiceUnavailable, "sso.unavailable", o)
	}
	tok, err := a.oauth2Config(o, p).Exchange(ctx, c.Query("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) {
			a.log.Warn("single sign-on provider unreachable", "provider", o.cfg.Name, "err", err)
			return a.ssoProblem(c, fiber.StatusServiceUnavailable, "sso.unavailable", o)
		}
		return a.ssoFailed(c, o, "sso.failed", "code exchange: "+err.Error())
	}
	person, err := a.verifyPerson(ctx, o, p, tok, st.Nonce)
	if err != nil {
		return a.ssoFailed(c, o, "sso.failed", err.Error())
	}
	u, msgID, err := a.ssoAccount(c, o, person)
	if err != nil {
		return err
	}
	if msgID != "" {
		return a.ssoFailed(c, o, msgID, "no account for "+person.ID.Subject)
	}
	if err := a.startSession(c, u); err != nil {
		return err
	}
	if err := a.store.Audit(c.UserContext(), u.ID, "user.sso_sign_in", "user", u.ID, clientIP(c)); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: ssoCookie, Value: o.cfg.Name, Path: "/", HTTPOnly: true, Secure: a.secure,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(a.cfg.SessionMaxAge.Seconds())})
	next := st.Next
	if next == "" {
		next = "/"
	}
	return a.redirect(c, next, "flash.signed_in")
}

// verifyPerson verifies the ID token and reads the person from it, asking
// the userinfo endpoint for what the token leaves out (Entra ID and
// ID-porten put little in it).
func (a *App) verifyPerson(ctx context.Context, o *oidcClient, p *oidc.Provider, tok *oauth2.Token, nonce string) (ssoPerson, error) {
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return ssoPerson{}, errors.New("no id_token in the token response")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID, Now: a.store.Now}).Verify(ctx, rawID)
	if err != nil {
		return ssoPerson{}, err
	}
	if idt.Nonce != nonce {
		return ssoPerson{}, errors.New("nonce mismatch")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return ssoPerson{}, err
	}
	if _, has := claims[o.cfg.EmailClaim]; !has && p.UserInfoEndpoint() != "" {
		ui, err := p.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return ssoPerson{}, fmt.Errorf("userinfo: %w", err)
		}
		if ui.Subject != idt.Subject {
			return ssoPerson{}, errors.New("userinfo is of another subject")
		}
		extra := map[string]any{}
		if err := ui.Claims(&extra); err != nil {
			return ssoPerson{}, err
		}
		for k, v := range extra {
			if _, has := claims[k]; !has {
				claims[k] = v
			}
		}
	}
	person := ssoPerson{ID: db.Identity{Provider: o.cfg.Name, Subject: idt.Subject}, Roles: claimStrings(claims[o.cfg.RoleClaim])}
	person.Email, _ = claims[o.cfg.EmailClaim].(string)
	person.Email = strings.TrimSpace(person.Email)
	switch v := claims["email_verified"].(type) {
	case bool:
		person.EmailVerified = v
	case string: // some providers send "true"
		person.EmailVerified = v == "true"
	}
	person.EmailVerified = person.EmailVerified || o.cfg.TrustEmail
	person.Name, _ = claims["name"].(string)
	if person.Name == "" {
		g, _ := claims["given_name"].(string)
		f, _ := claims["family_name"].(string)
		person.Name = strings.TrimSpace(g + " " + f)
	}
	return person, nil
}

// claimStrings reads a claim that holds one string or a list of them.
func claimStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return strings.Fields(t)
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// mappedRole is the staff role a person's groups give them at a provider
// ("" for none). Several may map; the widest wins.
func mappedRole(o *oidcClient, groups []string) string {
	have := map[string]bool{}
	for _, g := range groups {
		if r, ok := o.cfg.RoleMap[g]; ok {
			have[r] = true
		}
	}
	for _, r := range []string{db.RoleAdmin, db.RoleAdviser, db.RoleNAV} {
		if have[r] {
			return r
		}
	}
	return ""
}

// ssoAccount finds or makes the account for a verified person: the one
// linked to their subject; else, by verified e-mail, an existing account
// of the provider's audience (then linked); else, for staff, a new
// account where the role mapping gives one, and for employers, the
// account an invitation describes (EmployerDirectory). Never one for a
// stranger. A message ID says why there is none.
func (a *App) ssoAccount(c *fiber.Ctx, o *oidcClient, person ssoPerson) (db.User, string, error) {
	ctx := c.UserContext()
	staff := o.cfg.Audience == AudienceStaff
	role := mappedRole(o, person.Roles)
	u, err := a.store.UserByIdentity(ctx, person.ID)
	switch {
	case err == nil:
		if u.DisabledAt != nil || !Contains(audienceRoles(o.cfg.Audience), u.Role) {
			return u, "sso.no_account", nil
		}
		if staff && role == "" { // taken out of the groups at the provider
			return u, "sso.no_role", nil
		}
		if staff && role != u.Role { // moved to another group at the provider
			return u, "sso.role_changed", nil
		}
		return u, "", nil
	case !errors.Is(err, db.ErrNotFound):
		return u, "", err
	}
	if person.Email == "" || !ValidEmail(person.Email) {
		return u, "sso.no_email", nil
	}
	if !person.EmailVerified {
		return u, "sso.unverified_email", nil
	}
	if staff && role == "" {
		return u, "sso.no_role", nil
	}
	ip := clientIP(c)
	u, err = a.store.UserByEmail(ctx, person.Email)
	switch {
	case err == nil:
		if u.DisabledAt != nil || !Contains(audienceRoles(o.cfg.Audience), u.Role) {
			return u, "sso.no_account", nil
		}
		// The provider's groups are the source of the staff role: an
		// account whose role they do not give is not linked (an admin
		// account must not open to someone the mapping makes NAV).
		if staff && role != u.Role {
			return u, "sso.role_changed", nil
		}
		if err := a.store.LinkIdentity(ctx, u.ID, person.ID, ip); errors.Is(err, db.ErrConflict) {
			return u, "sso.linked_elsewhere", nil
		} else if err != nil {
			return u, "", err
		}
		return u, "", nil
	case !errors.Is(err, db.ErrNotFound):
		return u, "", err
	}
	name := person.Name
	if name == "" {
		name, _, _ = strings.Cut(person.Email, "@")
	}
	hash, err := db.HashPassword(db.RandomPassword()) // no password: single sign-on only, until a reset
	if err != nil {
		return u, "", err
	}
	var id int64
	if staff {
		id, err = a.store.CreateUserWithIdentity(ctx, db.NewUser{Email: person.Email, Name: name, Role: role,
			Locale: a.locale(c), PasswordHash: hash}, person.ID, ip)
	} else {
		g, gerr := a.employers.Grant(ctx, person)
		if errors.Is(gerr, db.ErrNotFound) {
			return u, "sso.no_account", nil
		} else if gerr != nil {
			return u, "", gerr
		}
		nu := db.NewUser{Email: person.Email, Name: name, Role: db.RoleEmployer, OrganisationID: &g.OrgID, Locale: g.Lang, PasswordHash: hash}
		if !Contains(Locales, nu.Locale) {
			nu.Locale = Locales[0]
		}
		id, err = a.store.AcceptInvitationWithIdentity(ctx, g.InviteID, nu, person.ID, ip)
		if errors.Is(err, db.ErrNotFound) {
			return u, "sso.no_account", nil
		}
	}
	if err != nil {
		return u, "", err
	}
	u, err = a.store.UserByID(ctx, id)
	return u, "", err
}

// ssoFailed logs why a single sign-on was refused and shows the person
// what they can do.
func (a *App) ssoFailed(c *fiber.Ctx, o *oidcClient, msgID, why string) error {
	a.log.Info("single sign-on refused", "provider", o.cfg.Name, "reason", msgID, "detail", why)
	return a.ssoProblem(c, fiber.StatusForbidden, msgID, o)
}

type ssoProblemPage struct {
	Page
	Message  string
	Provider string
	Password bool // the password form is there for this audience
}

func (a *App) ssoProblem(c *fiber.Ctx, status int, msgID string, o *oidcClient) error {
	p := ssoProblemPage{Page: a.newPage(c, "sso.problem_title"), Provider: o.cfg.Label,
		Password: a.passwordAllowedFor(o.cfg.Audience)}
	p.Message = p.T(msgID, "Provider", o.cfg.Label)
	return a.render(c, status, "auth/sso_problem", &p)
}

// passwordAllowedFor reports whether an audience may still use passwords:
// no provider of the audience has turned them off.
func (a *App) passwordAllowedFor(audience string) bool {
	for _, o := range a.oidc {
		if o.cfg.Audience == audience && !o.cfg.PasswordAllowed {
			return false
		}
	}
	return true
}

// passwordAllowed reports whether a role may sign in with a password.
func (a *App) passwordAllowed(role string) bool {
	if role == db.RoleEmployer {
		return a.passwordAllowedFor(AudienceEmployers)
	}
	return a.passwordAllowedFor(AudienceStaff)
}

// ssoLogoutURL is the provider's sign-out address for the provider the
// session came from, if it has one ("" otherwise).
func (a *App) ssoLogoutURL(c *fiber.Ctx) string {
	o := a.oidc[c.Cookies(ssoCookie)]
	if o == nil {
		return ""
	}
	o.mu.Lock()
	end := o.endURL
	o.mu.Unlock()
	if end == "" {
		return ""
	}
	q := url.Values{"client_id": {o.cfg.ClientID}, "post_logout_redirect_uri": {a.cfg.BaseURL + "/login"}}
	sep := "?"
	if strings.Contains(end, "?") {
		sep = "&"
	}
	return end + sep + q.Encode()
}

// newOIDCClients makes a client per configured provider.
func newOIDCClients(list []OIDCProvider) map[string]*oidcClient {
	out := map[string]*oidcClient{}
	for _, p := range list {
		out[p.Name] = &oidcClient{cfg: p, http: &http.Client{Timeout: 15 * time.Second}}
	}
	return out
}
