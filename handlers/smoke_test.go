package handlers

import (
	"net/url"
	"strings"
	"testing"
)

func TestSignInAndDashboard(t *testing.T) {
	ta := newTestApp(t)
	c, u := ta.signIn("admin")
	res := c.get("/")
	if res.status != 200 || !strings.Contains(res.body, u.Name) {
		t.Fatalf("dashboard: %d %s", res.status, res.body)
	}
	res = c.post("/logout", url.Values{})
	if res.status != 303 {
		t.Fatalf("logout: %d", res.status)
	}
	if res := c.get("/admin/users"); res.status != 303 {
		t.Fatalf("after logout: %d", res.status)
	}
}
