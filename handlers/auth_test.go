package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

var loginErrorRe = regexp.MustCompile(`(?s)<div[^>]*id="login-error">.*?</div>`)

func loginError(t *testing.T, r response) string {
	t.Helper()
	m := loginErrorRe.FindString(r.body)
	if m == "" {
		t.Fatalf("no sign-in error on the page (status %d)", r.status)
	}
	return m
}

// deleted reports whether a Set-Cookie tells the browser to delete the
// cookie: empty, and expired (Max-Age=0 or an Expires in the past).
func deleted(ck *http.Cookie) bool {
	return ck != nil && ck.Value == "" && (ck.MaxAge < 0 || (!ck.Expires.IsZero() && ck.Expires.Before(time.Now())))
}

func login(c *client, email, password string) response {
	return c.post("/login", url.Values{"email": {email}, "password": {password}})
}

// sessionRow reports whether the session of a cookie token exists.
func (ta *testApp) sessionExists(token string) bool {
	ta.t.Helper()
	var n int
	if err := ta.store.DB.Get(&n, `SELECT count(*) FROM sessions WHERE token_hash = $1`, db.HashToken(token)); err != nil {
		ta.t.Fatal(err)
	}
	return n == 1
}

// A wrong password, an unknown e-mail and a disabled account look alike.
func TestLoginFailuresLookAlike(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleAdviser)
	disabled := ta.createUser(db.RoleNAV)
	ta.exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, disabled.ID)
	for _, lang := range []string{"nb", "en"} {
		var first response
		for i, try := range [][2]string{
			{u.Email, "wrong-password-123"},
			{unique("nobody") + "@test.example", "wrong-password-123"},
			{disabled.Email, testPassword},
		} {
			c := ta.client()
			c.cookies[langCookie] = lang
			res := login(c, try[0], try[1])
			if res.status != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", lang, try[0], res.status)
			}
			if !strings.Contains(unescape(loginError(t, res)), msg(t, lang, "login.failed")) {
				t.Errorf("%s %s: not the failure message", lang, try[0])
			}
			if res.cookie(sessionCookie) != nil {
				t.Errorf("%s %s: a session cookie", lang, try[0])
			}
			if i == 0 {
				first = res
			} else if loginError(t, res) != loginError(t, first) {
				t.Errorf("%s: %s gets another message than a wrong password", lang, try[0])
			}
			// The e-mail is kept, the password is not.
			if v, _ := inputValue(res.body, "email"); unescape(v) != try[0] {
				t.Errorf("e-mail not kept: %q", v)
			}
			if strings.Contains(res.body, try[1]) {
				t.Error("the password is echoed")
			}
		}
	}
	// Missing fields: 422 and the field message, no failure recorded.
	c := ta.client()
	failures := ta.count("login_failures")
	res := c.post("/login", url.Values{"email": {""}, "password": {""}})
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("empty sign-in: %d", res.status)
	}
	if got, _ := fieldError(res.body, "email"); unescape(got) != msg(t, "nb", "form.required") {
		t.Errorf("empty e-mail: %q", got)
	}
	if ta.count("login_failures") != failures {
		t.Error("an empty form counted as a failure")
	}
}

// After 5 failures for an account, even the right password is refused for
// the window, from any address; the message is the same for an unknown
// e-mail, so the throttle does not reveal which accounts exist.
func TestLoginThrottlePerAccount(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleAdviser)
	unknown := unique("ghost") + "@test.example"
	var throttled []string
	for _, email := range []string{u.Email, unknown} {
		for i := 0; i < 5; i++ {
			c := ta.client() // a new address each time: the account is throttled, not the IP
			if res := login(c, strings.ToUpper(email), "wrong-password-123"); res.status != http.StatusUnauthorized {
				t.Fatalf("failure %d: %d", i+1, res.status)
			}
		}
		// The count lives in PostgreSQL: another replica refuses too.
		replica := newTestApp(t)
		c := replica.client()
		c.cookies[langCookie] = "en"
		res := login(c, email, testPassword)
		if res.status != http.StatusTooManyRequests {
			t.Fatalf("%s: 6th attempt: %d, want 429", email, res.status)
		}
		if !strings.Contains(unescape(loginError(t, res)), msg(t, "en", "login.throttled")) {
			t.Errorf("%s: not the throttle message", email)
		}
		if res.cookie(sessionCookie) != nil {
			t.Error("throttled, yet signed in")
		}
		throttled = append(throttled, loginError(t, res))
	}
	if throttled[0] != throttled[1] {
		t.Error("the throttle answers an existing and an unknown e-mail differently")
	}
	// When the window has passed, the right password works again and
	// clears the account's failures.
	ta.exec(`UPDATE login_failures SET at = at - interval '16 minutes' WHERE email = $1`, u.Email)
	c := ta.client()
	if res := login(c, u.Email, testPassword); res.status != http.StatusSeeOther {
		t.Fatalf("after the window: %d", res.status)
	}
	var n int
	if err := ta.store.DB.Get(&n, `SELECT count(*) FROM login_failures WHERE email = $1`, u.Email); err != nil || n != 0 {
		t.Errorf("failures left after a sign-in: %d %v", n, err)
	}
}

func TestLoginThrottlePerIP(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.LoginMaxFailuresPerIP = 3 })
	u := ta.createUser(db.RoleAdviser)
	attacker := ta.client()
	for i := 0; i < 3; i++ {
		if res := login(attacker, unique("guess")+"@test.example", "wrong-password-123"); res.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, res.status)
		}
	}
	res := login(attacker, u.Email, testPassword)
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.text(), msg(t, "nb", "login.throttled")) {
		t.Fatalf("4th attempt from the address: %d", res.status)
	}
	// The account itself is fine from another address.
	if res := login(ta.client(), u.Email, testPassword); res.status != http.StatusSeeOther {
		t.Errorf("the account from another address: %d", res.status)
	}
}

func TestPasswordChange(t *testing.T) {
	ta := newTestApp(t)
	for _, lang := range []string{"nb", "en"} {
		c, u := ta.signIn(db.RoleAdviser)
		c.cookies[langCookie] = lang
		ta.exec(`UPDATE users SET locale = $2 WHERE id = $1`, u.ID, lang)
		other := ta.sessionFor(u)
		const next = "a-brand-new-password"
		for _, bad := range []struct {
			name                  string
			current, new, confirm string
			field, msgID          string
		}{
			{"no current", "", next, next, "current", "form.required"},
			{"wrong current", "not-the-password", next, next, "current", "password.wrong_current"},
			{"short", testPassword, "short-pw", "short-pw", "new", "form.password_short"},
			{"e-mail", testPassword, u.Email, u.Email, "new", "form.password_is_email"},
			{"mismatch", testPassword, next, next + "x", "confirm", "password.mismatch"},
			{"same", testPassword, testPassword, testPassword, "new", "password.same"},
		} {
			res := c.post("/password", url.Values{"current": {bad.current}, "new": {bad.new}, "confirm": {bad.confirm}})
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("%s %s: %d", lang, bad.name, res.status)
				continue
			}
			if got, _ := fieldError(res.body, bad.field); unescape(got) != msg(t, lang, bad.msgID) {
				t.Errorf("%s %s: message beside %s: %q", lang, bad.name, bad.field, unescape(got))
			}
			for _, pw := range []string{bad.current, bad.new, bad.confirm} {
				// (the e-mail is in the page anyway, as the hidden username)
				if len(pw) > 5 && pw != u.Email && strings.Contains(res.body, `value="`+pw+`"`) {
					t.Errorf("%s %s: a password is echoed", lang, bad.name)
				}
			}
		}
		got, _ := ta.store.UserByID(context.Background(), u.ID)
		if got.PasswordHash != u.PasswordHash || other.get("/password").status != http.StatusOK {
			t.Fatalf("%s: a refused change changed something", lang)
		}
		res := c.post("/password", url.Values{"current": {testPassword}, "new": {next}, "confirm": {next}})
		if res.status != http.StatusSeeOther || res.location() != "/" {
			t.Fatalf("%s: change: %d", lang, res.status)
		}
		if c.get("/password").status != http.StatusOK {
			t.Error("the current session ended")
		}
		if res := other.get("/password"); res.status != http.StatusSeeOther {
			t.Errorf("the other session survived: %d", res.status)
		}
		if res := login(ta.client(), u.Email, testPassword); res.status != http.StatusUnauthorized {
			t.Errorf("the old password works: %d", res.status)
		}
		if res := login(ta.client(), u.Email, next); res.status != http.StatusSeeOther {
			t.Errorf("the new password does not work: %d", res.status)
		}
	}
}

// A one-time password leads to /password from every page until changed.
func TestMustChangePassword(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	email := unique("otp") + "@test.example"
	id, err := ta.store.CreateUser(ctx, db.NewUser{Email: email, Name: "One Time", Role: db.RoleAdmin, Locale: "en",
		PasswordHash: testHash(), MustChangePassword: true})
	if err != nil {
		t.Fatal(err)
	}
	c := ta.client()
	res := login(c, email, testPassword)
	if res.status != http.StatusSeeOther || res.location() != "/password" {
		t.Fatalf("sign-in with a one-time password: %d to %q", res.status, res.location())
	}
	for _, p := range []string{"/", "/admin/users", "/admin/organisations", "/login", "/signup", "/no-such-page"} {
		if res := c.get(p); res.status != http.StatusSeeOther || res.location() != "/password" {
			t.Errorf("GET %s: %d to %q", p, res.status, res.location())
		}
	}
	if res := c.post("/admin/users", url.Values{"name": {"X"}, "email": {unique("x") + "@test.example"}, "role": {"nav"}}); res.status != http.StatusSeeOther || res.location() != "/password" {
		t.Errorf("POST /admin/users: %d to %q", res.status, res.location())
	}
	if res := htmxPost(c, "/admin/users", nil); res.header.Get("HX-Redirect") != "/password" {
		t.Errorf("htmx: %d %v", res.status, res.header)
	}
	page := c.get("/password")
	if page.status != http.StatusOK || !strings.Contains(page.text(), msg(t, "en", "password.required")) {
		t.Fatalf("/password: %d", page.status)
	}
	if res := c.post("/lang", url.Values{"lang": {"nb"}, "back": {"/password"}}); res.status != http.StatusSeeOther {
		t.Errorf("language switch: %d", res.status)
	}
	res = c.post("/password", url.Values{"current": {testPassword}, "new": {"my-own-password-1"}, "confirm": {"my-own-password-1"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("change: %d", res.status)
	}
	if res := c.get("/admin/users"); res.status != http.StatusOK {
		t.Errorf("after the change: %d", res.status)
	}
	u, _ := ta.store.UserByID(ctx, id)
	if u.MustChangePassword {
		t.Error("must_change_password still set")
	}
}

// After sign-in, only a local path is followed.
func TestLoginNextRedirect(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleAdmin)
	for _, c := range []struct{ next, want string }{
		{"/admin/users?role=nav", "/admin/users?role=nav"},
		{"/password", "/password"},
		{"", "/"},
		{"//evil.example", "/"},
		{"//evil.example/path", "/"},
		{"https://evil.example", "/"},
		{"http://evil.example/", "/"},
		{`/\evil.example`, "/"},
		{`/\/evil.example`, "/"},
		{"/\t/evil.example", "/"},
		{"/\r\nSet-Cookie: x=y", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
	} {
		cl := ta.client()
		form := cl.get("/login?next=" + url.QueryEscape(c.next))
		if c.want == "/" && c.next != "" && strings.Contains(form.text(), `name="next" value="`+c.next) {
			t.Errorf("next %q is kept in the sign-in form", c.next)
		}
		res := cl.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {c.next}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("next %q: %d", c.next, res.status)
		}
		if got := res.location(); got != c.want {
			t.Errorf("next %q: redirected to %q, want %q", c.next, got, c.want)
		}
	}
	// The protected page a visitor asked for is where sign-in leads.
	cl := ta.client()
	res := cl.get("/admin/organisations?status=approved")
	loc := res.location()
	if !strings.HasPrefix(loc, "/login?next=") {
		t.Fatalf("visitor: %q", loc)
	}
	page := cl.get(loc)
	if !strings.Contains(page.text(), `name="next" value="/admin/organisations?status=approved"`) {
		t.Fatal("the sign-in form lost next")
	}
	res = cl.post("/login", url.Values{"email": {u.Email}, "password": {testPassword}, "next": {"/admin/organisations?status=approved"}})
	if res.location() != "/admin/organisations?status=approved" {
		t.Errorf("back to %q", res.location())
	}
}

// Guessing the current password on /password is throttled like signing in.
func TestPasswordChangeThrottled(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn(db.RoleAdviser)
	wrong := url.Values{"current": {"not-the-password"}, "new": {"a-brand-new-password"}, "confirm": {"a-brand-new-password"}}
	for i := 0; i < 5; i++ {
		if res := c.post("/password", wrong); res.status != http.StatusUnprocessableEntity {
			t.Fatalf("attempt %d: %d", i+1, res.status)
		}
	}
	right := url.Values{"current": {testPassword}, "new": {"a-brand-new-password"}, "confirm": {"a-brand-new-password"}}
	res := c.post("/password", right)
	if res.status != http.StatusTooManyRequests || !strings.Contains(res.text(), msg(t, "nb", "login.throttled")) {
		t.Fatalf("after 5 wrong guesses: %d", res.status)
	}
	if got, _ := ta.store.UserByID(context.Background(), u.ID); got.PasswordHash != u.PasswordHash {
		t.Error("the password changed while throttled")
	}
}
