package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

func TestSessionCookieAndRotation(t *testing.T) {
	for _, base := range []string{"http://localhost:3000", "https://praksis.example"} {
		ta := newTestApp(t, func(c *Config) { c.BaseURL = base })
		u := ta.createUser(db.RoleAdviser)
		c := ta.client()
		c.cookies[sessionCookie] = "planted-by-an-attacker" // session fixation attempt
		res := login(c, u.Email, testPassword)
		if res.status != http.StatusSeeOther || res.location() != "/" {
			t.Fatalf("%s: sign in %d to %q", base, res.status, res.location())
		}
		ck := res.cookie(sessionCookie)
		if ck == nil || ck.Value == "" || ck.Value == "planted-by-an-attacker" {
			t.Fatalf("%s: session cookie %v", base, ck)
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Errorf("%s: cookie HttpOnly=%v SameSite=%v Path=%q", base, ck.HttpOnly, ck.SameSite, ck.Path)
		}
		if wantSecure := strings.HasPrefix(base, "https"); ck.Secure != wantSecure {
			t.Errorf("%s: cookie Secure=%v", base, ck.Secure)
		}
		if ck.MaxAge <= 0 || ck.MaxAge > 12*3600 {
			t.Errorf("%s: cookie Max-Age %d", base, ck.MaxAge)
		}
		if ta.sessionExists("planted-by-an-attacker") {
			t.Error("the planted token became a session")
		}
		if !ta.sessionExists(ck.Value) {
			t.Fatal("the cookie's session is not stored (by its hash)")
		}
		var stored int
		if err := ta.store.DB.Get(&stored, `SELECT count(*) FROM sessions WHERE token_hash::text LIKE '%' || $1 || '%'`, ck.Value); err != nil || stored != 0 {
			t.Errorf("the token is stored in clear: %d %v", stored, err)
		}
		first := ck.Value

		// Signing in again rotates the id: the old token is gone.
		c.get("/password")
		res = login(c, u.Email, testPassword)
		if res.status != http.StatusSeeOther {
			t.Fatalf("second sign-in: %d", res.status)
		}
		second := res.cookie(sessionCookie)
		if second == nil || second.Value == first {
			t.Fatal("the session id was not rotated")
		}
		if ta.sessionExists(first) {
			t.Error("the old session still exists")
		}
		old := ta.client()
		old.cookies[sessionCookie] = first
		if res := old.get("/password"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.location(), "/login") {
			t.Errorf("the old token still works: %d", res.status)
		}
		if c.get("/password").status != http.StatusOK {
			t.Error("the new token does not work")
		}
	}
}

// An idle or expired session is treated as a visitor and its cookie cleared.
func TestSessionTimeouts(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleAdviser)
	for _, c := range []struct {
		name, sql string
	}{
		{"idle", `UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = $1`},
		{"expired", `UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`},
	} {
		cl := ta.sessionFor(u)
		token := cl.cookies[sessionCookie]
		if res := cl.get("/password"); res.status != http.StatusOK {
			t.Fatalf("%s: fresh session: %d", c.name, res.status)
		}
		ta.exec(c.sql, db.HashToken(token))
		res := cl.get("/password")
		if res.status != http.StatusSeeOther || res.location() != "/login?next=%2Fpassword" {
			t.Errorf("%s: %d to %q", c.name, res.status, res.location())
		}
		if !deleted(res.cookie(sessionCookie)) {
			t.Errorf("%s: cookie not cleared: %v", c.name, res.cookie(sessionCookie))
		}
		if res := cl.get("/"); !strings.Contains(res.text(), msg(t, "nb", "home.heading")) {
			t.Errorf("%s: / is not the visitor's page", c.name)
		}
	}
	// Just inside the idle timeout still works (and is moved on).
	cl := ta.sessionFor(u)
	ta.exec(`UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE token_hash = $1`, db.HashToken(cl.cookies[sessionCookie]))
	if res := cl.get("/password"); res.status != http.StatusOK {
		t.Errorf("29 minutes idle: %d", res.status)
	}
	if res := cl.get("/password"); res.status != http.StatusOK {
		t.Errorf("after the touch: %d", res.status)
	}
}

func TestLogoutEndsSession(t *testing.T) {
	ta := newTestApp(t)
	c, _ := ta.signIn(db.RoleNAV)
	token := c.cookies[sessionCookie]
	if !ta.sessionExists(token) {
		t.Fatal("no session")
	}
	res := c.post("/logout", nil)
	if res.status != http.StatusSeeOther || res.location() != "/login" {
		t.Fatalf("logout: %d to %q", res.status, res.location())
	}
	if ta.sessionExists(token) {
		t.Error("the session row survived sign-out")
	}
	if !deleted(res.cookie(sessionCookie)) {
		t.Errorf("the cookie was not cleared: %v", res.cookie(sessionCookie))
	}
	replay := ta.client()
	replay.cookies[sessionCookie] = token
	if res := replay.get("/password"); res.status != http.StatusSeeOther {
		t.Errorf("the token works after sign-out: %d", res.status)
	}
	if !strings.Contains(c.get("/login").text(), msg(t, "nb", "flash.signed_out")) {
		t.Error("no signed-out message")
	}
}

func TestDisablingEndsSessions(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	victim, u := ta.signIn(db.RoleEmployer)
	second := ta.sessionFor(u)
	if victim.get("/").status != http.StatusOK || second.get("/").status != http.StatusOK {
		t.Fatal("not signed in")
	}
	if res := admin.post("/admin/users/"+itoa(u.ID)+"/disable", nil); res.status != http.StatusSeeOther {
		t.Fatalf("disable: %d", res.status)
	}
	if n, _ := ta.store.CountSessions(context.Background(), u.ID); n != 0 {
		t.Errorf("%d sessions left", n)
	}
	for _, c := range []*client{victim, second} {
		if res := c.get("/password"); res.status != http.StatusSeeOther || !strings.HasPrefix(res.location(), "/login") {
			t.Errorf("disabled user's next request: %d", res.status)
		}
	}
	if res := login(ta.client(), u.Email, testPassword); res.status != http.StatusUnauthorized {
		t.Errorf("a disabled user signs in: %d", res.status)
	}
	// Enabled again, they can sign in.
	if res := admin.post("/admin/users/"+itoa(u.ID)+"/enable", nil); res.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", res.status)
	}
	if res := login(ta.client(), u.Email, testPassword); res.status != http.StatusSeeOther {
		t.Errorf("enabled user cannot sign in: %d", res.status)
	}
}
