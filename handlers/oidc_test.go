package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/handlers/oidctest"
)

// The app's callbacks as the in-process providers know them.
const (
	staffCallback    = "http://localhost:3000/login/oidc/entra/callback"
	employerCallback = "http://localhost:3000/login/oidc/idporten/callback"
)

// ssoFixture is an app with two real providers in process: "entra" for
// staff (groups g-adv, g-nav, g-adm map to roles) and "idporten" for
// employers.
type ssoFixture struct {
	*testApp
	entra, idporten *oidctest.Provider
}

func newSSOApp(t *testing.T, mutate ...func(*Config)) ssoFixture {
	t.Helper()
	entra, err := oidctest.Start("praksis-staff", "staff-secret", staffCallback)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(entra.Stop)
	idp, err := oidctest.Start("praksis-employers", "employer-secret", employerCallback)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(idp.Stop)
	ta := newTestApp(t, append([]func(*Config){func(c *Config) {
		c.OIDC = []OIDCProvider{
			{Name: "entra", Label: "Kommunens konto", Issuer: entra.Issuer, ClientID: "praksis-staff", ClientSecret: "staff-secret",
				Audience: AudienceStaff, Scopes: []string{"email", "profile"}, EmailClaim: "email", RoleClaim: "groups",
				RoleMap: map[string]string{"g-adv": db.RoleAdviser, "g-nav": db.RoleNAV, "g-adm": db.RoleAdmin}, PasswordAllowed: true},
			{Name: "idporten", Label: "ID-porten", Issuer: idp.Issuer, ClientID: "praksis-employers", ClientSecret: "employer-secret",
				Audience: AudienceEmployers, Scopes: []string{"email", "profile"}, EmailClaim: "email", PasswordAllowed: true},
		}
	}}, mutate...)...)
	return ssoFixture{testApp: ta, entra: entra, idporten: idp}
}

// noFollow stops at the first redirect back to the app, which the test
// then sends through the real router.
var noFollow = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
	if req.URL.Host == "localhost:3000" {
		return http.ErrUseLastResponse
	}
	return nil
}}

// ssoBegin clicks the provider's button: the app answers with the
// provider's authorize address.
func (c *client) ssoBegin(provider string) *url.URL {
	c.ta.t.Helper()
	res := c.get("/login/oidc/" + provider)
	if res.status != http.StatusSeeOther {
		c.ta.t.Fatalf("start %s: status %d %s", provider, res.status, res.text())
	}
	u, err := url.Parse(res.location())
	if err != nil {
		c.ta.t.Fatal(err)
	}
	return u
}

// atProvider follows the provider's redirects from the authorize address
// and returns the app's callback path with its query.
func atProvider(t *testing.T, authorize *url.URL) string {
	t.Helper()
	res, err := noFollow.Get(authorize.String())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || back.Host != "localhost:3000" {
		t.Fatalf("provider answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	return back.RequestURI()
}

// ssoSignIn runs a whole sign-in and returns the callback's response.
func (c *client) ssoSignIn(provider string) response {
	c.ta.t.Helper()
	return c.get(atProvider(c.ta.t, c.ssoBegin(provider)))
}

func (f ssoFixture) person(groups ...string) oidctest.Person {
	p := oidctest.Person{Subject: unique("sub-"), Email: unique("sso") + "@kommune.example", EmailVerified: true, Name: "Sigrid Solberg", Groups: groups}
	f.entra.Add(p)
	f.idporten.Add(p)
	f.entra.SignInAs(p.Subject)
	f.idporten.SignInAs(p.Subject)
	return p
}

// expectRefused checks a refused sign-in: the message, no session.
func (f ssoFixture) expectRefused(c *client, res response, status int, msgID, provider string) {
	f.t.Helper()
	if res.status != status {
		f.t.Fatalf("status %d, want %d: %s", res.status, status, res.text())
	}
	if want := strings.ReplaceAll(msg(f.t, "nb", msgID), "{{.Provider}}", provider); !strings.Contains(res.text(), want) {
		f.t.Errorf("page lacks %q", want)
	}
	if c.cookies[sessionCookie] != "" {
		f.t.Error("a refused sign-in got a session")
	}
}

func TestSSOSignInLinksByVerifiedEmail(t *testing.T) {
	f := newSSOApp(t)
	u := f.createUser(db.RoleAdviser)
	p := f.person("g-adv", "g-unrelated")
	p.Email = strings.ToUpper(u.Email) // e-mail is case-insensitive
	f.entra.Add(p)
	c := f.client()
	res := c.ssoSignIn("entra")
	if res.status != http.StatusSeeOther || res.location() != "/" || c.cookies[sessionCookie] == "" {
		t.Fatalf("sign-in: %d %q %s", res.status, res.location(), res.text())
	}
	if home := c.get("/"); !strings.Contains(home.text(), u.Name) {
		t.Error("signed in, but not as the linked account")
	}
	if n := f.countWhere("user_identities", "user_id = $1 AND provider = 'entra' AND subject = $2", u.ID, p.Subject); n != 1 {
		t.Errorf("%d identities linked", n)
	}
	if n := f.countWhere("audit_log", "actor_id = $1 AND action IN ('user.identity_link', 'user.sso_sign_in')", u.ID); n != 2 {
		t.Errorf("%d audit rows", n)
	}
	// Next time the subject finds the account, whatever the e-mail says now.
	p.Email = unique("changed") + "@kommune.example"
	f.entra.Add(p)
	c2 := f.client()
	if res := c2.ssoSignIn("entra"); res.status != http.StatusSeeOther || c2.cookies[sessionCookie] == "" {
		t.Fatalf("second sign-in: %d %s", res.status, res.text())
	}
	// Sign-out ends the session here and offers the provider's own.
	c2.get("/")
	out := c2.post("/logout", nil)
	if out.status != http.StatusOK || !strings.Contains(out.body, f.entra.Issuer) || c2.cookies[sessionCookie] != "" {
		t.Errorf("sign-out: %d, provider's sign-out offered %v", out.status, strings.Contains(out.body, f.entra.Issuer))
	}
	if n, _ := f.store.CountSessions(t.Context(), u.ID); n != 1 {
		t.Errorf("%d sessions left, want the first client's only", n)
	}
}

func TestSSOCreatesStaffOnlyWhereMapped(t *testing.T) {
	f := newSSOApp(t)
	p := f.person("g-nav")
	c := f.client()
	if res := c.ssoSignIn("entra"); res.status != http.StatusSeeOther || c.cookies[sessionCookie] == "" {
		t.Fatalf("sign-in: %d %s", res.status, res.text())
	}
	u, err := f.store.UserByEmail(t.Context(), p.Email)
	if err != nil || u.Role != db.RoleNAV || u.Name != "Sigrid Solberg" {
		t.Fatalf("account %+v, %v", u, err)
	}
	if f.countWhere("audit_log", "actor_id = $1 AND action = 'user.sso_create'", u.ID) != 1 {
		t.Error("creation not audited")
	}

	// A group that maps to no role: refused, nothing created.
	p = f.person("g-canteen")
	c = f.client()
	f.expectRefused(c, c.ssoSignIn("entra"), http.StatusForbidden, "sso.no_role", "Kommunens konto")
	if _, err := f.store.UserByEmail(t.Context(), p.Email); err == nil {
		t.Error("an account was made for an unmapped group")
	}
	// A known person taken out of the groups is refused too.
	p = f.person("g-adv")
	c = f.client()
	c.ssoSignIn("entra")
	p.Groups = nil
	f.entra.Add(p)
	c = f.client()
	f.expectRefused(c, c.ssoSignIn("entra"), http.StatusForbidden, "sso.no_role", "Kommunens konto")
	// Moved to another group at the provider: the stored role is not kept
	// (an adviser now in NAV's group is refused until an admin changes the
	// account), and an existing account is not linked to a person the
	// mapping gives another role.
	p.Groups = []string{"g-nav"}
	f.entra.Add(p)
	c = f.client()
	f.expectRefused(c, c.ssoSignIn("entra"), http.StatusForbidden, "sso.role_changed", "Kommunens konto")
	admin := f.createUser(db.RoleAdmin)
	q := f.person("g-adv")
	q.Email = admin.Email
	f.entra.Add(q)
	c = f.client()
	f.expectRefused(c, c.ssoSignIn("entra"), http.StatusForbidden, "sso.role_changed", "Kommunens konto")
	if n := f.countWhere("user_identities", "user_id = $1", admin.ID); n != 0 {
		t.Errorf("an admin account was linked to a person mapped to adviser")
	}
}

func TestSSORefusals(t *testing.T) {
	f := newSSOApp(t)
	users := f.count("users")

	t.Run("wrong state", func(t *testing.T) {
		f.person("g-adv")
		c := f.client()
		back := atProvider(t, c.ssoBegin("entra"))
		u, _ := url.Parse(back)
		q := u.Query()
		q.Set("state", "forged"+q.Get("state"))
		u.RawQuery = q.Encode()
		f.expectRefused(c, c.get(u.RequestURI()), http.StatusForbidden, "sso.bad_state", "Kommunens konto")
		// Without the cookie (another browser) the real state fails too.
		other := f.client()
		f.expectRefused(other, other.get(back), http.StatusForbidden, "sso.bad_state", "Kommunens konto")
	})
	t.Run("wrong nonce", func(t *testing.T) {
		f.person("g-adv")
		c := f.client()
		auth := c.ssoBegin("entra")
		q := auth.Query()
		q.Set("nonce", "someone-elses-nonce")
		auth.RawQuery = q.Encode()
		f.expectRefused(c, c.get(atProvider(t, auth)), http.StatusForbidden, "sso.failed", "Kommunens konto")
	})
	t.Run("expired token", func(t *testing.T) {
		f.person("g-adv")
		// The provider's ID tokens live an hour; the app's clock is two
		// hours on (the clock the verifier uses).
		f.store.Clock = func() time.Time { return time.Now().Add(2 * time.Hour) }
		defer func() { f.store.Clock = nil }()
		c := f.client()
		f.expectRefused(c, c.ssoSignIn("entra"), http.StatusForbidden, "sso.failed", "Kommunens konto")
	})
	t.Run("wrong audience", func(t *testing.T) {
		f.person("g-adv")
		f.entra.WrongAudience(true)
		defer f.entra.WrongAudience(false)
		c := f.client()
		f.expectRefused(c, c.ssoSignIn("entra"), http.StatusForbidden, "sso.failed", "Kommunens konto")
	})
	t.Run("unverified e-mail", func(t *testing.T) {
		p := f.person("g-adv")
		p.EmailVerified = false
		f.entra.Add(p)
		c := f.client()
		f.expectRefused(c, c.ssoSignIn("entra"), http.StatusForbidden, "sso.unverified_email", "Kommunens konto")
	})
	t.Run("unknown person at the employer provider", func(t *testing.T) {
		f.person()
		c := f.client()
		f.expectRefused(c, c.ssoSignIn("idporten"), http.StatusForbidden, "sso.no_account", "ID-porten")
	})
	t.Run("staff account through the employer provider", func(t *testing.T) {
		u := f.createUser(db.RoleAdmin)
		p := f.person()
		p.Email = u.Email
		f.idporten.Add(p)
		c := f.client()
		f.expectRefused(c, c.ssoSignIn("idporten"), http.StatusForbidden, "sso.no_account", "ID-porten")
		users++
	})
	if n := f.count("users"); n != users {
		t.Errorf("refused sign-ins made %d accounts", n-users)
	}
}

// An employer signs in through ID-porten the first time with an open
// invitation to their verified address: the invitation makes the account
// in its organisation (the in-house EmployerDirectory).
func TestSSOEmployerByInvitation(t *testing.T) {
	f := newSSOApp(t)
	colleague := f.createUser(db.RoleEmployer)
	p := f.person()
	f.linkToken(db.NewLinkToken{Purpose: db.PurposeInvite, Email: p.Email, CreatedBy: &colleague.ID,
		Payload: invitePayload{Role: db.RoleEmployer, OrgID: *colleague.OrganisationID, Name: "Ola", Lang: "en"}, TTL: time.Hour})
	c := f.client()
	if res := c.ssoSignIn("idporten"); res.status != http.StatusSeeOther || c.cookies[sessionCookie] == "" {
		t.Fatalf("sign-in: %d %s", res.status, res.text())
	}
	u, err := f.store.UserByEmail(t.Context(), p.Email)
	if err != nil || u.Role != db.RoleEmployer || u.OrganisationID == nil || *u.OrganisationID != *colleague.OrganisationID || u.Locale != "en" {
		t.Fatalf("account %+v %v", u, err)
	}
	if f.countWhere("link_tokens", "email = $1 AND used_at IS NULL", p.Email) != 0 {
		t.Error("the invitation is still open")
	}
	if res := c.get("/organisation"); res.status != http.StatusOK {
		t.Errorf("organisation page: %d", res.status)
	}
}

// The provider down: a clear page, and the password still signs in.
func TestSSOProviderDown(t *testing.T) {
	f := newSSOApp(t)
	f.entra.Stop()
	c := f.client()
	res := c.get("/login/oidc/entra")
	f.expectRefused(c, res, http.StatusServiceUnavailable, "sso.unavailable", "Kommunens konto")
	if !strings.Contains(res.text(), msg(t, "nb", "sso.password_hint")) {
		t.Error("the page does not point to the password")
	}
	u := f.createUser(db.RoleAdviser)
	c.signInAs(u.Email, testPassword)
	if c.cookies[sessionCookie] == "" {
		t.Error("password sign-in failed while the provider is down")
	}
	// The login page has a button per provider and the password form.
	page := f.client().get("/login")
	for _, want := range []string{`href="/login/oidc/entra"`, `href="/login/oidc/idporten"`, `action="/login"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("login page lacks %s", want)
		}
	}
	if res := f.client().get("/login/oidc/nosuch"); res.status != http.StatusNotFound {
		t.Errorf("unknown provider: %d", res.status)
	}
}

// A staff provider that turns passwords off: staff are told to use it
// (only once the password is right), employers keep their passwords.
func TestSSOPasswordsOffForStaff(t *testing.T) {
	f := newSSOApp(t, func(c *Config) { c.OIDC[0].PasswordAllowed = false })
	adviser := f.createUser(db.RoleAdviser)
	c := f.client()
	res := c.post("/login", url.Values{"email": {adviser.Email}, "password": {testPassword}})
	if res.status != http.StatusForbidden || !strings.Contains(res.text(), msg(t, "nb", "login.use_sso")) || c.cookies[sessionCookie] != "" {
		t.Errorf("staff password: %d", res.status)
	}
	res = c.post("/login", url.Values{"email": {adviser.Email}, "password": {"wrong-password"}})
	if res.status != http.StatusUnauthorized || strings.Contains(res.text(), msg(t, "nb", "login.use_sso")) {
		t.Errorf("wrong staff password: %d", res.status)
	}
	employer := f.createUser(db.RoleEmployer)
	f.client().signInAs(employer.Email, testPassword)
	if page := f.client().get("/login"); !strings.Contains(page.body, `action="/login"`) {
		t.Error("the password form is gone while employers may still use it")
	}
	// Both audiences through their providers: no password form at all.
	g := newSSOApp(t, func(c *Config) { c.OIDC[0].PasswordAllowed, c.OIDC[1].PasswordAllowed = false, false })
	if page := g.client().get("/login"); strings.Contains(page.body, `action="/login"`) || !strings.Contains(page.body, `href="/login/oidc/idporten"`) {
		t.Error("password form shown with passwords off for everyone")
	}
}
