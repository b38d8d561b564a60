package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// The CSRF token is masked with a fresh pad in every response (so a
// compressed page leaks nothing about it) and every masking is accepted.
func TestCSRFTokenMaskedPerResponse(t *testing.T) {
	ta := newTestApp(t)
	c, _ := ta.signIn(db.RoleAdmin)
	first := c.get("/").body
	t1 := csrfRe.FindStringSubmatch(first)[1]
	c.get("/")
	t2 := c.csrf
	if t1 == t2 {
		t.Fatal("two pages carried the same CSRF token bytes")
	}
	if unmaskToken(t1) == "" || unmaskToken(t1) != unmaskToken(t2) {
		t.Fatal("the two maskings do not unmask to the session's token")
	}
	for _, tok := range []string{t1, t2} {
		res := c.post("/lang", url.Values{"lang": {"nb"}, "back": {"/"}, "csrf_token": {tok}})
		if res.status != http.StatusSeeOther {
			t.Errorf("a masked token was refused: %d", res.status)
		}
	}
	if res := c.post("/lang", url.Values{"lang": {"nb"}, "csrf_token": {unmaskToken(t1)}}); res.status != http.StatusForbidden {
		t.Errorf("the raw, unmasked token was accepted: %d", res.status)
	}
}

// The client address comes from the right of X-Forwarded-For; what the
// client wrote on the left, or garbage, never reaches an inet column.
func TestClientIPFromProxyHeader(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.TrustedProxies = []string{"0.0.0.0/8", "10.0.0.0/8"} })
	u := ta.createUser(db.RoleAdviser)
	for _, xff := range []string{"1.2.3.4, 203.0.113.9, 10.0.0.1", "not-an-ip, 203.0.113.9", "203.0.113.9"} {
		body := url.Values{"email": {u.Email}, "password": {"wrong-password-here"}}
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", xff)
		// A visitor's CSRF cookie and token, fetched the same way.
		c := ta.client()
		c.get("/login")
		for k, v := range c.cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		req.Header.Set("X-CSRF-Token", c.csrf)
		res, err := ta.app.Fiber().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("%q: status %d, want 401 (wrong password)", xff, res.StatusCode)
		}
	}
	var ips []string
	if err := ta.store.DB.SelectContext(context.Background(), &ips, `SELECT host(ip) FROM login_failures WHERE email = $1`, u.Email); err != nil {
		t.Fatal(err)
	}
	if len(ips) != 3 {
		t.Fatalf("failures recorded: %v", ips)
	}
	for _, ip := range ips {
		if ip != "203.0.113.9" {
			t.Errorf("recorded %q, want the address the trusted proxy saw (203.0.113.9)", ip)
		}
	}
}
