package e2e

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"praksis/db"
	"praksis/handlers"
	"praksis/handlers/oidctest"
	"praksis/jobs"
	"praksis/locale"
	"praksis/mail"
)

// ssoServer is the real app with single sign-on: a staff provider
// ("entra", groups map to roles) and an employer provider configured as
// ID-porten, both real providers in this process, and admins required to
// have a second factor. It is served at http://localhost:<port>: a
// passkey's relying party must be a host name, not an address.
type ssoServer struct {
	base            string
	entra, idporten *oidctest.Provider
}

func startSSOServer(t *testing.T) ssoServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s := ssoServer{base: "http://localhost:" + port}
	if s.entra, err = oidctest.Start("praksis-staff", "staff-secret", s.base+"/login/oidc/entra/callback"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.entra.Stop)
	if s.idporten, err = oidctest.Start("praksis-employers", "employer-secret", s.base+"/login/oidc/idporten/callback"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.idporten.Stop)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	sys, err := jobs.NewSystem(store, log, tr, mail.Config{BaseURL: s.base, SMTPURL: mailbox.URL(),
		MailFrom: "Praksis <noreply@praksis.example>", Sender: mail.SenderConfig{Rate: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	app, err := handlers.New(handlers.Config{
		BaseURL: s.base, SecretKey: []byte("e2e-sso-secret-e2e-sso-secret-e2e-sso!"),
		SessionIdleTimeout: 30 * time.Minute, SessionMaxAge: 12 * time.Hour,
		LoginMaxFailures: 5, LoginMaxFailuresPerIP: 50, LoginWindow: 15 * time.Minute,
		MFARequiredRoles: []string{db.RoleAdmin},
		OIDC: []handlers.OIDCProvider{
			{Name: "entra", Label: "Kommunens konto", Issuer: s.entra.Issuer, ClientID: "praksis-staff", ClientSecret: "staff-secret",
				Audience: handlers.AudienceStaff, Scopes: []string{"email", "profile"}, EmailClaim: "email", RoleClaim: "groups",
				RoleMap: map[string]string{"g-adv": db.RoleAdviser}, PasswordAllowed: true},
			{Name: "idporten", Label: "ID-porten", Issuer: s.idporten.Issuer, ClientID: "praksis-employers", ClientSecret: "employer-secret",
				Audience: handlers.AudienceEmployers, Scopes: []string{"email", "profile"}, EmailClaim: "email", PasswordAllowed: true},
		},
	}, handlers.Deps{Store: store, Log: log, Translator: tr, Mail: sys.Renderer, Scheduler: sys.Scheduler})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- app.Fiber().Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = app.Shutdown(ctx)
		<-served
	})
	return s
}

// visit opens an address of the SSO server and returns the status.
func (s ssoServer) visit(b *tab, path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(s.base+path))
	if err != nil {
		b.fatal("open %s: %v", path, err)
	}
	return resp.Status
}

// passwordSignIn signs in on the SSO server's /login.
func (s ssoServer) passwordSignIn(b *tab, email, password string) int64 {
	b.t.Helper()
	b.expectStatus("GET /login", s.visit(b, "/login"), 200)
	b.fill("#f-email", email)
	b.fill("#f-password", password)
	return b.submit(`main form[action="/login"] button[type="submit"]`)
}

// afterNavigation waits until cond holds on the page a script navigated
// to (polling through the navigation, which interrupts an evaluation).
func afterNavigation(b *tab, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.fatal("waiting for %s: %v", cond, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAuthJourney: a staff member signs in through the municipality's
// provider; a password admin sets up TOTP (the secret read off the page,
// the code computed as a phone would); the admin adds a passkey in
// Chromium's virtual authenticator and signs in with it, alone and as the
// second factor after the password; an invited employer signs in through
// the provider configured as ID-porten.
func TestAuthJourney(t *testing.T) {
	journey(t)
	ctx := context.Background()
	s := startSSOServer(t)

	// Staff through single sign-on: the adviser group makes the account.
	adviser := oidctest.Person{Subject: unique("entra-"), Email: unique("sso-adviser") + "@kommune.example", EmailVerified: true,
		Name: "Siri Saksbehandler", Groups: []string{"g-adv"}}
	s.entra.Add(adviser)
	s.entra.SignInAs(adviser.Subject)
	b := newTab(t)
	b.expectStatus("GET /login", s.visit(b, "/login"), 200)
	b.expect("provider button", b.text("#sso-entra"), b.msg("login.sso_button", "Provider", "Kommunens konto"))
	b.checkPage("auth-login")
	b.expectStatus("sign in through the provider", b.submit("#sso-entra"), 200)
	b.expectPath("/")
	if !b.signedIn() || !strings.Contains(b.text("header"), "Siri Saksbehandler") {
		b.fatal("not signed in as the provider's person")
	}
	if u, err := store.UserByEmail(ctx, adviser.Email); err != nil || u.Role != db.RoleAdviser {
		t.Fatalf("account made: %+v %v", u, err)
	}
	b.expectStatus("sign out", b.submit(`header form[action="/logout"] button`), 200)
	b.expect("provider sign-out offered", b.text("#provider-logout"), b.msg("sso.provider_logout", "Provider", "Kommunens konto"))
	b.checkPage("auth-signed-out")

	// A password admin must set up TOTP at the next sign-in.
	email := unique("totp-admin") + "@test.example"
	hash, err := db.HashPassword("admin-password-long")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateUser(ctx, db.NewUser{Email: email, Name: "Tone Totp", Role: db.RoleAdmin, Locale: "nb", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	a := newTab(t)
	a.expectStatus("password", s.passwordSignIn(a, email, "admin-password-long"), 200)
	a.expectPath("/login/mfa/setup")
	if a.signedIn() {
		a.fatal("signed in before the second factor")
	}
	a.checkPage("auth-totp-setup")
	secret := strings.ReplaceAll(a.text("#totp-secret"), " ", "")
	code, err := totp.GenerateCodeCustom(secret, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	a.fill("#f-code", code)
	a.expectStatus("confirm the code", a.submit(`main form button[type="submit"]`), 200)
	if n := eval[int](a, `document.querySelectorAll("#recovery-codes code").length`); n != 10 {
		t.Errorf("%d recovery codes shown", n)
	}
	a.checkPage("auth-recovery-codes")
	a.expectStatus("continue", a.submit("#codes-continue"), 200)
	a.expectPath("/")
	if !a.signedIn() {
		a.fatal("not signed in after the set-up")
	}

	// A passkey, registered in Chromium's virtual authenticator (user
	// verification on, as a phone's screen lock would give).
	if _, err := chromedp.Call(a.ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(a.ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
		Options: &cdpwebauthn.VirtualAuthenticatorOptions{Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21,
			Transport: cdpwebauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
			IsUserVerified: true, AutomaticPresenceSimulation: true}}); err != nil {
		t.Fatal(err)
	}
	a.expectStatus("security page", s.visit(a, "/settings/security"), 200)
	a.checkPage("auth-security")
	a.fill("#f-passkey_name", "Jobb-PC")
	a.do(click("#passkey-register"))
	afterNavigation(a, `document.readyState === "complete" && document.querySelector("#passkey-list") !== null`)
	a.expect("passkey listed", strings.SplitN(a.text("#passkey-list li"), " ", 2)[0], "Jobb-PC")
	a.expect("flash", a.text("#alerts"), a.msg("flash.passkey_added"))
	var keys int
	if err := store.DB.Get(&keys, `SELECT count(*) FROM passkeys p JOIN users u ON u.id = p.user_id WHERE u.email = $1`, email); err != nil || keys != 1 {
		t.Fatalf("passkeys stored: %d %v", keys, err)
	}

	// Signed out, the passkey alone signs in (a discoverable credential).
	a.expectStatus("sign out", a.submit(`header form[action="/logout"] button`), 200)
	a.expectPath("/login")
	a.do(click("#passkey-login-button"))
	afterNavigation(a, `document.readyState === "complete" && location.pathname === "/" && document.querySelector('header form[action="/logout"]') !== null`)

	// And after the password it is a second factor.
	a.expectStatus("sign out", a.submit(`header form[action="/logout"] button`), 200)
	a.expectStatus("password", s.passwordSignIn(a, email, "admin-password-long"), 200)
	a.expectPath("/login/mfa")
	a.checkPage("auth-mfa")
	a.do(click("#passkey-mfa-button"))
	afterNavigation(a, `document.readyState === "complete" && location.pathname === "/" && document.querySelector('header form[action="/logout"]') !== null`)

	// An invited employer through the provider configured as ID-porten.
	demo, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil || demo.OrganisationID == nil {
		t.Fatalf("demo employer: %v", err)
	}
	invitee := oidctest.Person{Subject: unique("idporten-"), Email: unique("sso-employer") + "@bedrift.example", EmailVerified: true, Name: "Erik Arbeidsgiver"}
	_, err = store.IssueLinkToken(ctx, db.NewLinkToken{Purpose: db.PurposeInvite, Email: invitee.Email, CreatedBy: &demo.ID,
		Payload: map[string]any{"role": db.RoleEmployer, "org_id": *demo.OrganisationID, "name": invitee.Name, "lang": "nb"}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s.idporten.Add(invitee)
	s.idporten.SignInAs(invitee.Subject)
	e := newTab(t)
	e.expectStatus("GET /login", s.visit(e, "/login"), 200)
	e.expectStatus("sign in through ID-porten", e.submit("#sso-idporten"), 200)
	e.expectPath("/")
	e.expectStatus("organisation", s.visit(e, "/organisation"), 200)
	if got := e.text("main h1"); got == "" {
		t.Error("no organisation page")
	}
	if u, err := store.UserByEmail(ctx, invitee.Email); err != nil || u.OrganisationID == nil || *u.OrganisationID != *demo.OrganisationID {
		t.Errorf("employer account: %+v %v", u, err)
	}
}
