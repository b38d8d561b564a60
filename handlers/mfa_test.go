package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"praksis/db"
)

// testClock is a clock a test moves; the store (TOTP steps, signed
// cookies) reads it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newMFAApp is an app where admins must have a second factor, on a clock
// the test moves (at the start of a 30-second step).
func newMFAApp(t *testing.T, mutate ...func(*Config)) (*testApp, *testClock) {
	ta := newTestApp(t, append([]func(*Config){func(c *Config) { c.MFARequiredRoles = []string{db.RoleAdmin} }}, mutate...)...)
	clk := &testClock{t: time.Now().Truncate(30 * time.Second)}
	ta.store.Clock = clk.now
	return ta, clk
}

var secretRe = regexp.MustCompile(`id="totp-secret">([A-Z2-7 ]+)<`)

// code is the authenticator's code now.
func code(t *testing.T, secret string, clk *testClock) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(strings.ReplaceAll(secret, " ", ""), clk.now(), totpOpts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// setUpTOTP goes from a right password to a confirmed authenticator and
// returns its secret and the recovery codes shown.
func setUpTOTP(t *testing.T, c *client, u db.User, clk *testClock) (string, []string) {
	t.Helper()
	res := c.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}})
	if res.status != http.StatusSeeOther || res.location() != "/login/mfa/setup" || c.cookies[sessionCookie] != "" {
		t.Fatalf("password: %d %q, session %v", res.status, res.location(), c.cookies[sessionCookie] != "")
	}
	page := c.get("/login/mfa/setup")
	m := secretRe.FindStringSubmatch(page.body)
	if page.status != http.StatusOK || m == nil || !strings.Contains(page.body, `src="data:image/png;base64,`) {
		t.Fatalf("set-up page: %d, secret found %v", page.status, m != nil)
	}
	if res := c.post("/login/mfa/setup", url.Values{"code": {"000000"}}); res.status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.text(), msg(t, "nb", "mfa.wrong_code")) || !strings.Contains(res.body, m[1]) {
		t.Fatalf("wrong first code: %d", res.status)
	}
	res = c.post("/login/mfa/setup", url.Values{"code": {code(t, m[1], clk)}})
	codes := regexp.MustCompile(`<code>([a-z2-7]{5}-[a-z2-7]{5})</code>`).FindAllStringSubmatch(res.body, -1)
	if res.status != http.StatusOK || len(codes) != recoveryCodeCount || c.cookies[sessionCookie] == "" {
		t.Fatalf("confirm: %d, %d codes, session %v", res.status, len(codes), c.cookies[sessionCookie] != "")
	}
	var out []string
	for _, cd := range codes {
		out = append(out, cd[1])
	}
	return m[1], out
}

func TestMFARequiredSetupAndSignIn(t *testing.T) {
	ta, clk := newMFAApp(t)
	admin := ta.createUser(db.RoleAdmin)
	c := ta.client()
	// Half-authenticated is not signed in: no admin page.
	c.post("/login", url.Values{"email": {admin.Email}, "password": {testPassword}})
	if res := c.get("/admin/users"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.location(), "/login") {
		t.Fatalf("half-authenticated reached an admin page: %d", res.status)
	}
	c = ta.client()
	secret, codes := setUpTOTP(t, c, admin, clk)
	var stored []byte
	if err := ta.store.DB.Get(&stored, `SELECT secret FROM user_totp WHERE user_id = $1 AND confirmed_at IS NOT NULL`, admin.ID); err != nil ||
		strings.Contains(string(stored), strings.ReplaceAll(secret, " ", "")) {
		t.Errorf("secret stored in the clear or not confirmed: %v", err)
	}
	if n := ta.countWhere("recovery_codes", "user_id = $1 AND used_at IS NULL", admin.ID); n != recoveryCodeCount {
		t.Errorf("%d recovery codes stored", n)
	}
	if ta.countWhere("audit_log", "actor_id = $1 AND action = 'user.mfa_enable'", admin.ID) != 1 {
		t.Error("not audited")
	}
	if res := c.get("/admin/users"); res.status != http.StatusOK {
		t.Errorf("after set-up: %d", res.status)
	}

	// Next sign-in asks for the code; the code of the set-up does not
	// work again within its window.
	used := code(t, secret, clk)
	d := ta.client()
	if res := d.post("/login", url.Values{"email": {admin.Email}, "password": {testPassword}}); res.location() != "/login/mfa" {
		t.Fatalf("password: %d %q", res.status, res.location())
	}
	if res := d.get("/login/mfa"); res.status != http.StatusOK || !strings.Contains(res.body, `name="code"`) {
		t.Fatalf("code page: %d", res.status)
	}
	if res := d.post("/login/mfa", url.Values{"code": {used}}); res.status != http.StatusUnauthorized || d.cookies[sessionCookie] != "" {
		t.Fatalf("a used code: %d", res.status)
	}
	clk.add(30 * time.Second)
	next := code(t, secret, clk)
	if res := d.post("/login/mfa", url.Values{"code": {next}}); res.status != http.StatusSeeOther || d.cookies[sessionCookie] == "" {
		t.Fatalf("the next code: %d %s", res.status, res.text())
	}
	// The same code in another browser straight after: refused.
	e := ta.client()
	e.post("/login", url.Values{"email": {admin.Email}, "password": {testPassword}})
	if res := e.post("/login/mfa", url.Values{"code": {next}}); res.status != http.StatusUnauthorized {
		t.Errorf("a code replayed: %d", res.status)
	}
	// A recovery code works once (typed in capitals, without the dash).
	rc := strings.ToUpper(strings.ReplaceAll(codes[3], "-", ""))
	if res := e.post("/login/mfa", url.Values{"code": {rc}}); res.status != http.StatusSeeOther || e.cookies[sessionCookie] == "" {
		t.Fatalf("recovery code: %d", res.status)
	}
	f := ta.client()
	f.post("/login", url.Values{"email": {admin.Email}, "password": {testPassword}})
	if res := f.post("/login/mfa", url.Values{"code": {codes[3]}}); res.status != http.StatusUnauthorized {
		t.Errorf("a used recovery code: %d", res.status)
	}
	// A forged or expired half-authenticated cookie is nothing.
	clk.add(mfaTTL + time.Minute)
	if res := f.post("/login/mfa", url.Values{"code": {code(t, secret, clk)}}); res.status != http.StatusSeeOther || res.location() != "/login" || f.cookies[sessionCookie] != "" {
		t.Errorf("expired: %d %q", res.status, res.location())
	}
}

func TestMFAThrottled(t *testing.T) {
	ta, clk := newMFAApp(t)
	admin := ta.createUser(db.RoleAdmin)
	secret, _ := setUpTOTP(t, ta.client(), admin, clk)
	c := ta.client()
	c.post("/login", url.Values{"email": {admin.Email}, "password": {testPassword}})
	for i := 0; i < 5; i++ { // LOGIN_MAX_FAILURES (the set-up's session cleared the earlier one)
		if res := c.post("/login/mfa", url.Values{"code": {"123456"}}); res.status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d", i, res.status)
		}
	}
	clk.add(30 * time.Second)
	if res := c.post("/login/mfa", url.Values{"code": {code(t, secret, clk)}}); res.status != http.StatusTooManyRequests || c.cookies[sessionCookie] != "" {
		t.Errorf("throttled: %d", res.status)
	}
}

// Roles outside MFA_REQUIRED_ROLES and exempt accounts sign in with the
// password alone; anyone may set a factor up from /settings/security and
// is then asked for it.
func TestMFAOptionalAndExempt(t *testing.T) {
	exempt := unique("demo") + "@example.org"
	ta, clk := newMFAApp(t, func(c *Config) { c.MFAExempt = []string{exempt} })
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.client()
	c.signInAs(adviser.Email, testPassword)
	if _, err := ta.store.CreateUser(t.Context(), db.NewUser{Email: exempt, Name: "Demo Admin", Role: db.RoleAdmin, Locale: "nb", PasswordHash: testHash()}); err != nil {
		t.Fatal(err)
	}
	ta.client().signInAs(exempt, testPassword)

	if res := c.get("/settings/security"); res.status != http.StatusOK || !strings.Contains(res.body, `action="/settings/totp/new"`) {
		t.Fatalf("security page: %d", res.status)
	}
	if res := c.get("/settings/totp"); res.status != http.StatusSeeOther {
		t.Errorf("set-up page with nothing started: %d", res.status)
	}
	if res := c.post("/settings/totp/new", nil); res.status != http.StatusSeeOther || res.location() != "/settings/totp" {
		t.Fatalf("start: %d %q", res.status, res.location())
	}
	m := secretRe.FindStringSubmatch(c.get("/settings/totp").body)
	if m == nil {
		t.Fatal("no secret on the set-up page")
	}
	if res := c.post("/settings/totp", url.Values{"code": {code(t, m[1], clk)}}); res.status != http.StatusOK || !strings.Contains(res.body, `id="recovery-codes"`) {
		t.Fatalf("confirm: %d", res.status)
	}
	if res := c.post("/settings/totp/new", nil); res.location() != "/settings/security" {
		t.Errorf("a second authenticator: %q", res.location())
	}
	d := ta.client()
	if res := d.post("/login", url.Values{"email": {adviser.Email}, "password": {testPassword}}); res.location() != "/login/mfa" {
		t.Errorf("an adviser with a factor: %d %q", res.status, res.location())
	}
}

// The admin resets a person's factors: gone, signed out, told by mail,
// audited; the next sign-in sets a new one up.
func TestMFAAdminReset(t *testing.T) {
	ta, clk := newMFAApp(t)
	person := ta.createUser(db.RoleAdmin)
	pc := ta.client()
	setUpTOTP(t, pc, person, clk)
	admin := ta.createUser(db.RoleAdmin)
	ac := ta.sessionFor(admin)
	if res := ac.get("/admin/users"); !strings.Contains(res.body, "/admin/users/"+itoa(person.ID)+"/mfa-reset") {
		t.Error("no reset button on the users page")
	}
	if res := ac.post("/admin/users/"+itoa(person.ID)+"/mfa-reset", nil); res.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.status)
	}
	if f, _ := ta.store.FactorsOf(t.Context(), person.ID); f.Any() || f.RecoveryCodes != 0 {
		t.Errorf("factors left: %+v", f)
	}
	if res := pc.get("/admin/users"); res.status == http.StatusOK {
		t.Error("the person's session survived the reset")
	}
	if ta.countWhere("audit_log", "actor_id = $1 AND action = 'user.mfa_reset' AND entity_id = $2", admin.ID, person.ID) != 1 {
		t.Error("not audited")
	}
	if ta.countWhere("outbox", "recipient = $1 AND template = 'mfa_reset'", person.Email) != 1 {
		t.Error("the person was not mailed")
	}
	if res := ta.client().post("/login", url.Values{"email": {person.Email}, "password": {testPassword}}); res.location() != "/login/mfa/setup" {
		t.Errorf("after a reset: %q", res.location())
	}
	if res := ta.sessionFor(ta.createUser(db.RoleAdviser)).post("/admin/users/"+itoa(person.ID)+"/mfa-reset", nil); res.status != http.StatusForbidden {
		t.Errorf("an adviser resetting: %d", res.status)
	}
}

// SECRET_KEY rotated with SECRET_KEY_PREVIOUS: authenticators keep working
// and are sealed anew; without it, a code is refused (not a 500).
func TestMFASecretKeyRotation(t *testing.T) {
	ta, clk := newMFAApp(t)
	admin := ta.createUser(db.RoleAdmin)
	secret, _ := setUpTOTP(t, ta.client(), admin, clk)
	var before []byte
	ta.store.DB.Get(&before, `SELECT secret FROM user_totp WHERE user_id = $1`, admin.ID)

	newKey := []byte("a-brand-new-secret-key-of-32-bytes-or-more")
	signIn := func(ta *testApp) response {
		c := ta.client()
		c.post("/login", url.Values{"email": {admin.Email}, "password": {testPassword}})
		clk.add(30 * time.Second)
		return c.post("/login/mfa", url.Values{"code": {code(t, secret, clk)}})
	}
	rotated, _ := newMFAApp(t, func(c *Config) { c.SecretKey = newKey; c.PreviousSecretKey = testConfig().SecretKey })
	rotated.store.Clock = clk.now
	if res := signIn(rotated); res.status != http.StatusSeeOther {
		t.Fatalf("with the previous key: %d", res.status)
	}
	var after []byte
	ta.store.DB.Get(&after, `SELECT secret FROM user_totp WHERE user_id = $1`, admin.ID)
	if string(after) == string(before) {
		t.Error("the secret was not sealed anew")
	}
	only, _ := newMFAApp(t, func(c *Config) { c.SecretKey = newKey })
	only.store.Clock = clk.now
	if res := signIn(only); res.status != http.StatusSeeOther {
		t.Errorf("resealed secret with the new key alone: %d", res.status)
	}
	old, _ := newMFAApp(t) // the old key alone no longer opens it
	old.store.Clock = clk.now
	if res := signIn(old); res.status != http.StatusUnauthorized {
		t.Errorf("unopenable secret: %d, want 401", res.status)
	}
}
