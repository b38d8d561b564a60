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

var sentAlertRe = regexp.MustCompile(`(?s)<div class="ds-alert" data-color="success" role="status">(.*?)</div>`)

// forgot asks for a reset link as a visitor in lang and returns the page.
func (ta *testApp) forgot(lang, email string) response {
	ta.t.Helper()
	c := ta.client()
	c.cookies[langCookie] = lang
	c.get("/password/forgot")
	return c.post("/password/forgot", url.Values{"email": {email}})
}

// An existing account, an unknown address and a disabled account get the
// same answer; only the enabled account gets a mail, in its own language,
// with its first name only and a link whose token is stored hashed.
func TestPasswordResetRequest(t *testing.T) {
	ta := newTestApp(t)
	nbUser := ta.createUser(db.RoleAdviser)
	ta.exec(`UPDATE users SET name = 'Ingrid Søreide' WHERE id = $1`, nbUser.ID)
	enUser := ta.createUser(db.RoleEmployer)
	ta.exec(`UPDATE users SET name = 'Amir Haddad', locale = 'en' WHERE id = $1`, enUser.ID)
	disabled := ta.createUser(db.RoleNAV)
	ta.exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, disabled.ID)
	unknown := unique("nobody") + "@test.example"

	if res := ta.client().get("/password/forgot"); res.status != http.StatusOK ||
		!strings.Contains(res.text(), msg(t, "nb", "forgot.lead")) || !strings.Contains(res.body, `action="/password/forgot"`) {
		t.Fatalf("GET /password/forgot: %d", res.status)
	}
	ta.drain() // whatever earlier tests queued is out of the way

	for _, lang := range []string{"nb", "en"} {
		var first string
		for i, email := range []string{nbUser.Email, unknown, disabled.Email} {
			res := ta.forgot(lang, email)
			if res.status != http.StatusOK {
				t.Fatalf("%s %s: status %d", lang, email, res.status)
			}
			m := sentAlertRe.FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("%s %s: no confirmation", lang, email)
			}
			// The message names the address typed; otherwise it is the same.
			got := strings.ReplaceAll(unescape(m[1]), email, "ADDRESS")
			if want := `<p class="ds-paragraph">` + fill(msg(t, lang, "forgot.sent"), "Email", "ADDRESS") + `</p>`; got != want {
				t.Errorf("%s %s: %q, want %q", lang, email, got, want)
			}
			if i == 0 {
				first = got
			} else if got != first {
				t.Errorf("%s: the answer for %s differs from an existing account's", lang, email)
			}
			if strings.Contains(res.body, `action="/password/forgot"`) {
				t.Errorf("%s %s: the form is still shown", lang, email)
			}
		}
	}
	ta.forgot("nb", enUser.Email)

	// Asked twice within 10 minutes (once per language above): one mail,
	// one token.
	if n := ta.outboxFor(nbUser.Email); n != 1 {
		t.Errorf("reset mails queued for the account: %d, want 1", n)
	}
	if n := ta.countWhere("link_tokens", "user_id = $1", nbUser.ID); n != 1 {
		t.Errorf("reset tokens for the account: %d, want 1", n)
	}
	for _, nobody := range []string{unknown, disabled.Email} {
		if n := ta.outboxFor(nobody); n != 0 {
			t.Errorf("%s: %d mails queued", nobody, n)
		}
	}
	if n := ta.countWhere("link_tokens", "user_id = $1 OR email = $2", disabled.ID, unknown); n != 0 {
		t.Errorf("tokens for a disabled or unknown account: %d", n)
	}

	ta.drain()
	for _, nobody := range []string{unknown, disabled.Email} {
		if got := testSMTP.To(nobody); len(got) != 0 {
			t.Errorf("%s got %d mails", nobody, len(got))
		}
	}
	for _, tc := range []struct {
		u           db.User
		lang, first string
		last        string
	}{{nbUser, "nb", "Ingrid", "Søreide"}, {enUser, "en", "Amir", "Haddad"}} {
		m := oneMailTo(t, tc.u.Email)
		if m.Subject != msg(t, tc.lang, "email.reset.subject") {
			t.Errorf("%s: subject %q", tc.lang, m.Subject)
		}
		greeting := fill(msg(t, tc.lang, "email.greeting"), "Name", tc.first)
		for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
			if !strings.Contains(body, greeting) || !strings.Contains(body, msg(t, tc.lang, "email.reset.body")) {
				t.Errorf("%s %s part: no greeting %q or body in the user's language", tc.lang, part, greeting)
			}
			if strings.Contains(body, tc.last) || strings.Contains(body, tc.u.Email) {
				t.Errorf("%s %s part: carries the last name or the e-mail address", tc.lang, part)
			}
		}
		if !strings.Contains(m.HTML, `<html lang="`+tc.lang+`">`) {
			t.Errorf("%s: HTML part %.60q", tc.lang, m.HTML)
		}
		token := mailToken(t, m)
		// Only the hash is stored: the raw token is nowhere in the row.
		var rows []string
		if err := ta.store.DB.Select(&rows, `SELECT row_to_json(l)::text || encode(token_hash, 'escape') || encode(token_hash, 'hex')
			FROM link_tokens l WHERE user_id = $1`, tc.u.ID); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || strings.Contains(rows[0], token) {
			t.Errorf("%s: token rows %d, or the raw token is stored", tc.lang, len(rows))
		}
		if n := ta.countWhere("link_tokens", "token_hash = $1 AND user_id = $2 AND purpose = 'reset' AND expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes'",
			db.HashToken(token), tc.u.ID); n != 1 {
			t.Errorf("%s: no reset token with the mail's hash, valid for an hour", tc.lang)
		}
	}

	// Past the 10 minutes, a new request sends a new mail (the window
	// slides; it is not a fixed 10-minute bucket).
	ta.exec(`UPDATE outbox SET created_at = created_at - interval '11 minutes' WHERE recipient = $1`, nbUser.Email)
	ta.forgot("en", nbUser.Email)
	if n := ta.outboxFor(nbUser.Email); n != 2 {
		t.Errorf("after 11 minutes: %d mails, want 2", n)
	}
	// Bad input is refused with a message and queues nothing.
	before := ta.count("outbox")
	for _, lang := range []string{"nb", "en"} {
		c := ta.client()
		c.cookies[langCookie] = lang
		for email, id := range map[string]string{"": "form.required", "not-an-address": "form.email_invalid"} {
			res := c.post("/password/forgot", url.Values{"email": {email}})
			if got, _ := fieldError(res.body, "email"); res.status != http.StatusUnprocessableEntity || unescape(got) != msg(t, lang, id) {
				t.Errorf("%s %q: %d %q", lang, email, res.status, got)
			}
		}
	}
	if ta.count("outbox") != before {
		t.Error("bad input queued mail")
	}
}

// Following a reset link: the form, refusals that keep the link, the
// change that ends every other session and signs in, then 410.
func TestPasswordResetLink(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	u := ta.createUser(db.RoleAdviser)
	elsewhere := ta.sessionFor(u) // the same person, signed in on another device
	ta.drain()
	ta.forgot("nb", u.Email)
	ta.drain()
	token := mailToken(t, oneMailTo(t, u.Email))
	link := "/l/" + token

	c := ta.client()
	for i := 0; i < 2; i++ { // GET twice: still valid
		res := c.get(link)
		if res.status != http.StatusOK || !strings.Contains(res.text(), fill(msg(t, "nb", "reset.lead"), "Email", u.Email)) {
			t.Fatalf("GET %d: %d", i, res.status)
		}
	}
	valid := func() bool {
		tok, err := ta.store.LinkTokenLookup(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		return tok.State(time.Now()) == db.TokenValid
	}
	if !valid() {
		t.Fatal("GET used the link up")
	}

	// Refused: short password, mismatch, the e-mail as password; in both
	// languages, and the link still works afterwards.
	for _, lang := range []string{"nb", "en"} {
		c.cookies[langCookie] = lang
		for _, tc := range []struct {
			password, confirm, field, id string
		}{
			{"kort", "kort", "password", "form.password_short"},
			{"a-long-enough-password", "another-long-password", "confirm", "password.mismatch"},
			{strings.ToUpper(u.Email), strings.ToUpper(u.Email), "password", "form.password_is_email"},
		} {
			res := c.post(link, url.Values{"password": {tc.password}, "confirm": {tc.confirm}})
			got, _ := fieldError(res.body, tc.field)
			if res.status != http.StatusUnprocessableEntity || unescape(got) != msg(t, lang, tc.id) {
				t.Errorf("%s %s: %d %q, want %q", lang, tc.id, res.status, unescape(got), msg(t, lang, tc.id))
			}
			if strings.Contains(res.body, tc.password) && tc.password != "kort" {
				t.Errorf("%s: the password is echoed back", lang)
			}
		}
	}
	if !valid() {
		t.Fatal("a refused POST used the link up")
	}
	if res := c.get(link); res.status != http.StatusOK {
		t.Fatalf("link after refusals: %d", res.status)
	}
	// A second link asked for later (past the 10 minutes).
	ta.exec(`UPDATE outbox SET created_at = created_at - interval '11 minutes' WHERE recipient = $1`, u.Email)
	ta.forgot("nb", u.Email)
	ta.drain()
	if len(testSMTP.To(u.Email)) != 2 {
		t.Fatal("no second reset mail")
	}
	second := mailToken(t, testSMTP.To(u.Email)[1])

	delete(c.cookies, langCookie)
	const newPassword = "a-brand-new-password"
	res := c.post(link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
	if res.status != http.StatusSeeOther || res.location() != "/" {
		t.Fatalf("valid reset: %d to %q", res.status, res.location())
	}
	if res.cookie(sessionCookie) == nil {
		t.Fatal("not signed in after the reset")
	}
	home := c.get("/")
	if !strings.Contains(home.text(), fill(msg(t, "nb", "dashboard.hello"), "Name", u.Name)) ||
		!strings.Contains(home.text(), msg(t, "nb", "flash.password_changed")) {
		t.Error("the dashboard does not greet the user with the flash")
	}
	after, err := ta.store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.CheckPassword(after.PasswordHash, newPassword); !ok {
		t.Error("the new password does not check")
	}
	if ta.sessionExists(elsewhere.cookies[sessionCookie]) {
		t.Error("the session on the other device survived the reset")
	}
	if n := ta.countWhere("sessions", "user_id = $1", u.ID); n != 1 {
		t.Errorf("sessions after the reset: %d, want only the new one", n)
	}
	if res := elsewhere.get("/password"); res.status != http.StatusSeeOther {
		t.Errorf("the other device still reaches /password: %d", res.status)
	}
	// The old password no longer signs in; the new one does.
	if res := login(ta.client(), u.Email, testPassword); res.status != http.StatusUnauthorized {
		t.Errorf("old password: %d", res.status)
	}
	ta.client().signInAs(u.Email, newPassword)

	// The link, and the other reset link sent earlier, are used up.
	for _, tok := range []string{token, second} {
		for _, lang := range []string{"nb", "en"} {
			v := ta.client()
			v.cookies[langCookie] = lang
			res := v.get("/l/" + tok)
			if res.status != http.StatusGone || !strings.Contains(res.text(), msg(t, lang, "link.used_text")) ||
				!strings.Contains(res.body, `href="/password/forgot"`) {
				t.Errorf("%s: used link: %d", lang, res.status)
			}
			if res := v.post("/l/"+tok, url.Values{"password": {"yet-another-password"}, "confirm": {"yet-another-password"}}); res.status != http.StatusGone {
				t.Errorf("%s: POST to a used link: %d", lang, res.status)
			}
		}
	}
	if again, _ := ta.store.UserByID(ctx, u.ID); again.PasswordHash != after.PasswordHash {
		t.Error("a used link changed the password")
	}
}

// Expired, unknown and malformed links say what is wrong; guessing is
// throttled per IP.
func TestLinkProblems(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleAdviser)
	expired := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeReset, UserID: &u.ID, Email: u.Email, TTL: time.Hour})
	ta.exec(`UPDATE link_tokens SET expires_at = now() - interval '1 minute' WHERE token_hash = $1`, db.HashToken(expired))
	valid := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeReset, UserID: &u.ID, Email: u.Email, TTL: time.Hour})

	for _, lang := range []string{"nb", "en"} {
		for _, tc := range []struct {
			name, path string
			status     int
			heading    string
			text       string
		}{
			{"expired", "/l/" + expired, http.StatusGone, "link.expired_heading", "link.expired_text"},
			{"unknown", "/l/" + randomToken(), http.StatusNotFound, "link.unknown_heading", "link.unknown_text"},
			{"too short", "/l/abc", http.StatusNotFound, "link.unknown_heading", "link.unknown_text"},
			{"too long", "/l/" + strings.Repeat("a", 101), http.StatusNotFound, "link.unknown_heading", "link.unknown_text"},
		} {
			c := ta.client()
			c.cookies[langCookie] = lang
			for _, method := range []string{"GET", "POST"} {
				var res response
				if method == "GET" {
					res = c.get(tc.path)
				} else {
					res = c.post(tc.path, url.Values{"password": {"a-long-enough-password"}, "confirm": {"a-long-enough-password"}})
				}
				if res.status != tc.status || !strings.Contains(res.text(), msg(t, lang, tc.heading)) || !strings.Contains(res.text(), msg(t, lang, tc.text)) {
					t.Errorf("%s %s %s: %d", lang, method, tc.name, res.status)
				}
			}
		}
	}
	if tok, _ := ta.store.LinkTokenLookup(context.Background(), expired); tok.UsedAt != nil {
		t.Error("a POST to an expired link used it")
	}

	// One IP guessing: 20 wrong links, then further guesses answer 429;
	// a valid link from the same IP (a colleague behind the same NAT)
	// still works, and so does another IP.
	guesser := ta.client()
	for i := 0; i < linkMaxFailures; i++ {
		if res := guesser.get("/l/" + randomToken()); res.status != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i, res.status)
		}
	}
	for _, lang := range []string{"nb", "en"} {
		guesser.cookies[langCookie] = lang
		res := guesser.get("/l/" + randomToken())
		if res.status != http.StatusTooManyRequests || !strings.Contains(res.text(), msg(t, lang, "link.throttled")) {
			t.Errorf("%s: after %d guesses another guess: %d", lang, linkMaxFailures, res.status)
		}
		if res := guesser.get("/l/" + valid); res.status != http.StatusOK {
			t.Errorf("%s: after %d guesses a valid link from the same IP: %d", lang, linkMaxFailures, res.status)
		}
	}
	if res := guesser.post("/l/"+randomToken(), url.Values{"password": {"a-long-enough-password"}, "confirm": {"a-long-enough-password"}}); res.status != http.StatusTooManyRequests {
		t.Errorf("POST of a guess while throttled: %d", res.status)
	}
	if res := ta.client().get("/l/" + valid); res.status != http.StatusOK {
		t.Errorf("another IP with a valid link: %d", res.status)
	}
	// A throttled IP recovers once its failures are older than the window.
	ta.exec(`UPDATE link_token_failures SET at = at - interval '16 minutes' WHERE ip = $1::inet`, guesser.ip)
	if res := guesser.get("/l/" + randomToken()); res.status != http.StatusNotFound {
		t.Errorf("a guess after the window: %d", res.status)
	}
	if res := guesser.post("/l/"+valid, url.Values{"password": {"a-long-enough-password"}, "confirm": {"a-long-enough-password"}}); res.status == http.StatusTooManyRequests || res.status >= 400 {
		t.Errorf("a valid link used from the guessing IP: %d", res.status)
	}
}
