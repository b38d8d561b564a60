package handlers

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// stateChangingRoutes lists every registered route whose method is not
// safe, as "METHOD pattern", so a new route is covered without editing
// the test.
func stateChangingRoutes(a *App) []string {
	var out []string
	for k := range registeredRoutes(a) {
		method, _, _ := strings.Cut(k, " ")
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			continue
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fillPattern makes a concrete path of a pattern: organisation, user,
// mail, participant, placement and agreement ids, the link token and a real job name from the
// fixtures, "1" for any other parameter.
func fillPattern(pattern string, fx matrixFixtures) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		switch {
		case p == "*":
			parts[i] = "x"
		case strings.HasPrefix(p, ":"):
			parts[i] = "1"
			prev := ""
			if i > 0 {
				prev = parts[i-1]
			}
			switch prev {
			case "organisations":
				parts[i] = strconv.FormatInt(fx.pendingOrg, 10)
			case "users":
				parts[i] = strconv.FormatInt(fx.target, 10)
			case "outbox":
				parts[i] = strconv.FormatInt(fx.mail, 10)
			case "l":
				parts[i] = fx.token
			case "jobs":
				parts[i] = "retention"
			case "participants":
				parts[i] = strconv.FormatInt(fx.participant, 10)
			case "placements":
				parts[i] = strconv.FormatInt(fx.placement, 10)
			case "agreements":
				parts[i] = strconv.FormatInt(fx.agreements.running, 10)
			}
		}
	}
	return strings.Join(parts, "/")
}

// TestCSRFRejected sends every state-changing route the forged requests a
// hostile page could make, signed in as an admin (who may call every
// route) and as a visitor; each is refused with 403 before the handler
// runs, and nothing changes.
func TestCSRFRejected(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.createUser(db.RoleAdmin)
	fx := ta.newMatrixFixtures()
	signupEmail := unique("forged") + "@test.example"
	signupForm := url.Values{"org_name": {"Forged AS"}, "org_number": {validOrgNumber()}, "kind": {db.KindBusiness},
		"sector": {"retail"}, "municipality": {"Bergen"}, "name": {"Forged Person"}, "email": {signupEmail},
		"password": {"a-long-enough-password"}}
	// Forms that would succeed with a valid token, so "nothing changed"
	// means the check stopped them.
	forms := map[string]url.Values{
		"POST /signup":              signupForm,
		"POST /login":               {"email": {admin.Email}, "password": {testPassword}},
		"POST /lang":                {"lang": {"en"}},
		"POST /password":            {"current": {testPassword}, "new": {"another-long-password"}, "confirm": {"another-long-password"}},
		"POST /admin/users":         {"name": {"Forged Adviser"}, "email": {unique("forged-adviser") + "@test.example"}, "role": {db.RoleAdviser}, "locale": {"nb"}},
		"POST /admin/users/invite":  {"name": {"Forged Invitee"}, "email": {unique("forged-invitee") + "@test.example"}, "role": {db.RoleAdviser}, "locale": {"nb"}},
		"POST /organisation/invite": {"name": {"Forged Colleague"}, "email": {unique("forged-colleague") + "@test.example"}},
		"POST /password/forgot":     {"email": {admin.Email}},
		"POST /l/:token":            {"password": {"forged-new-password"}, "confirm": {"forged-new-password"}},
	}
	forms["POST /participants/:id/reassign"] = url.Values{"adviser": {strconv.FormatInt(fx.newAdviser, 10)}}
	// The rule forms as an admin would send them (the admin may call these
	// routes); the plan forms need the adviser, so the token check alone
	// stands between them and the tables counted below.
	forms["POST /admin/rules"] = url.Values{"regime": {db.RegimeKap6A}, "track": {db.TrackAny}, "min_age": {"18"}, "max_age": {"55"},
		"min_months": {"3"}, "max_months": {"12"}, "extension_months": {"0"}, "valid_from": {"2031-07-01"}, "norskmal": {"optional"},
		"source": {"forged"}}
	forms["POST /admin/rules/measure"] = url.Values{"m_valid_from": {"2031-01-01"}, "m_risk_horizon_months": {"6"},
		"m_pace_window_months": {"6"}, "m_review_interval_months": {"6"}, "m_source": {"forged"}}
	forms["POST /participants/:id/leave"] = url.Values{"leave_kind": {"welfare"}, "leave_from_date": {ymd(today())},
		"leave_to_date": {ymd(today())}, "leave_decided_on": {ymd(today())}}
	// The participant area (issue 16): an invitation by mail, a language.
	forms["POST /participants/:id/access/link"] = url.Values{"email": {unique("forged-participant") + "@test.example"}, "lang": {"uk"}}
	forms["POST /me/lang"] = url.Values{"lang": {"ar"}, "back": {"/me"}}
	forms["POST /me/reminders"] = url.Values{"reminders": {"off"}}
	routes := stateChangingRoutes(ta.app)
	if len(routes) < 10 {
		t.Fatalf("only %d state-changing routes found: %v", len(routes), routes)
	}

	other := ta.sessionFor(ta.createUser(db.RoleAdmin))
	otherVisitor, _ := ta.signIn("")
	otherVisitor.get("/signup")
	asAdmin := ta.sessionFor(admin)
	asVisitor, _ := ta.signIn("")
	asVisitor.get("/signup")
	if other.csrf == "" || otherVisitor.csrf == "" || asVisitor.csrf == "" || asVisitor.csrf == otherVisitor.csrf {
		t.Fatal("no CSRF tokens to borrow")
	}

	before := map[string]int{}
	tables := []string{"organisations", "users", "sessions", "audit_log", "login_failures",
		"outbox", "link_tokens", "link_token_failures", "job_runs", "placements", "placement_events",
		"participants", "language_results", "outcomes", "participant_notes", "proposals", "agreements",
		"agreement_versions", "attendance", "evaluations", "follow_ups", "consents", "absence_classifications", "archive_bundles",
		"programme_rules", "measure_rules", "integration_plans", "integration_plan_versions", "plan_reviews", "programme_leave",
		"programme_extensions", "participant_invites", "participant_sessions"}
	for _, tbl := range tables {
		before[tbl] = ta.count(tbl)
	}

	type attempt struct {
		name     string
		token    func(c *client) string // "" sends no token
		inHeader bool                   // as X-CSRF-Token, the way htmx sends it
		headers  map[string]string
	}
	anotherSession := func(c *client) string {
		if c.cookies[sessionCookie] == "" {
			return otherVisitor.csrf
		}
		return other.csrf
	}
	attempts := []attempt{
		{name: "no token", token: func(*client) string { return "" }},
		{name: "wrong token", token: func(*client) string { return "wrong-" + strings.Repeat("x", 40) }},
		{name: "wrong header token", token: func(*client) string { return "wrong" }, inHeader: true},
		{name: "token of another session", token: anotherSession},
		{name: "header token of another session", token: anotherSession, inHeader: true},
		{name: "cross-site fetch", token: func(c *client) string { return c.csrf }, headers: map[string]string{"Sec-Fetch-Site": "cross-site"}},
		{name: "same-site fetch", token: func(c *client) string { return c.csrf }, headers: map[string]string{"Sec-Fetch-Site": "same-site"}},
		{name: "foreign origin", token: func(c *client) string { return c.csrf }, headers: map[string]string{"Origin": "https://evil.example"}},
		{name: "null origin", token: func(c *client) string { return c.csrf }, headers: map[string]string{"Origin": "null"}},
	}
	for _, route := range routes {
		method, pattern, _ := strings.Cut(route, " ")
		path := fillPattern(pattern, fx)
		for _, who := range []string{"admin", "visitor"} {
			c := asAdmin
			if who == "visitor" {
				c = asVisitor
			}
			for _, at := range attempts {
				form := url.Values{}
				for k, v := range forms[route] {
					form[k] = v
				}
				headers := map[string]string{}
				for k, v := range at.headers {
					headers[k] = v
				}
				tok := at.token(c)
				switch {
				case tok != "" && at.inHeader:
					headers["X-CSRF-Token"] = tok
				case tok != "":
					form.Set("csrf_token", tok)
				}
				res := c.request(method, path, form, headers)
				if res.status != http.StatusForbidden {
					t.Errorf("%s %s as %s with %s: status %d, want 403", method, path, who, at.name, res.status)
					continue
				}
				if !strings.Contains(res.text(), msg(t, "nb", "error.csrf")) {
					t.Errorf("%s %s as %s with %s: 403 without the CSRF message", method, path, who, at.name)
				}
			}
		}
	}

	for _, tbl := range tables {
		if n := ta.count(tbl); n != before[tbl] {
			t.Errorf("%s: %d rows after forged requests, %d before", tbl, n, before[tbl])
		}
	}
	o, err := ta.store.Organisation(ctx, fx.pendingOrg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != db.OrgPending {
		t.Errorf("organisation is %s after forged approve/reject", o.Status())
	}
	if m, err := ta.store.OutboxMailByID(ctx, fx.mail); err != nil || m.Status != "dead" {
		t.Errorf("dead mail is %q after a forged retry (%v)", m.Status, err)
	}
	if tok, err := ta.store.LinkTokenLookup(ctx, fx.token); err != nil || tok.UsedAt != nil {
		t.Errorf("a forged POST used the reset link: %v %v", tok.UsedAt, err)
	}
	if p := ta.placement(fx.placement); p.Status != db.PlacementPublished {
		t.Errorf("placement is %s after forged status moves", p.Status)
	}
	if p := ta.participant(fx.participant); p.AdviserID != fx.adviser.ID {
		t.Errorf("participant moved to adviser %d by a forged request", p.AdviserID)
	}
	u, err := ta.store.UserByID(ctx, fx.target)
	if err != nil {
		t.Fatal(err)
	}
	if u.DisabledAt != nil {
		t.Error("user disabled by a forged request")
	}
	if _, err := ta.store.UserByEmail(ctx, signupEmail); err != db.ErrNotFound {
		t.Errorf("forged signup made an account: %v", err)
	}
	if n := ta.countWhere("link_tokens", "purpose = 'signup' AND email = $1", signupEmail); n != 0 {
		t.Errorf("forged signup mailed %d confirmations", n)
	}
	if a, _ := ta.store.UserByID(ctx, admin.ID); a.Locale != "nb" || a.PasswordHash != admin.PasswordHash {
		t.Error("forged requests changed the admin's language or password")
	}

	// The same requests with the token and a same-origin browser go through:
	// the forms above are ones the handlers accept.
	c := ta.sessionFor(admin)
	same := map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost:3000"}
	res := c.request(http.MethodPost, fillPattern("/admin/organisations/:id/approve", fx), url.Values{"csrf_token": {c.csrf}}, same)
	if res.status != http.StatusSeeOther {
		t.Fatalf("approve with a valid token: %d", res.status)
	}
	res = c.request(http.MethodPost, fillPattern("/admin/users/:id/disable", fx), url.Values{}, map[string]string{"X-CSRF-Token": c.csrf, "Sec-Fetch-Site": "same-origin"})
	if res.status != http.StatusSeeOther {
		t.Fatalf("disable with a valid header token: %d", res.status)
	}
	v, _ := ta.signIn("")
	form := url.Values{}
	for k, vals := range signupForm {
		form[k] = vals
	}
	if res := v.post("/signup", form); res.status != http.StatusSeeOther {
		t.Fatalf("signup with a valid token: %d", res.status)
	}
	// A valid sign-up mails its confirmation (the account is made when
	// the link is used: signup_test.go).
	if n := ta.countWhere("link_tokens", "purpose = 'signup' AND email = $1", signupEmail); n != 1 {
		t.Fatalf("valid signup made %d confirmation tokens, want 1", n)
	}
	// The new POST routes' forms, with the token, do change things.
	outbox, tokens := ta.count("outbox"), ta.count("link_tokens")
	if res := c.post("/admin/users/invite", forms["POST /admin/users/invite"]); res.status != http.StatusSeeOther {
		t.Fatalf("invite with a valid token: %d", res.status)
	}
	if ta.count("outbox") != outbox+1 || ta.count("link_tokens") != tokens+1 {
		t.Error("a valid invitation queued no mail or made no token")
	}
	if res := c.post(fillPattern("/admin/outbox/:id/retry", fx), nil); res.status != http.StatusSeeOther {
		t.Fatalf("retry with a valid token: %d", res.status)
	}
	w := ta.client()
	w.get(fillPattern("/l/:token", fx))
	if res := w.post(fillPattern("/l/:token", fx), forms["POST /l/:token"]); res.status != http.StatusSeeOther {
		t.Fatalf("reset with a valid token: %d %s", res.status, res.body)
	}
	if tok, _ := ta.store.LinkTokenLookup(ctx, fx.token); tok.UsedAt == nil {
		t.Error("a valid reset left the link unused")
	}
}

// TestCSRFNoWriteOnGET: reading pages signed in does not write to the
// database, except to move last_seen_at at most once a minute.
func TestCSRFNoWriteOnGET(t *testing.T) {
	ta := newTestApp(t)
	u := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(u)
	hash := db.HashToken(c.cookies[sessionCookie])
	lastSeen := func() time.Time {
		t.Helper()
		var ts time.Time
		if err := ta.store.DB.Get(&ts, `SELECT last_seen_at FROM sessions WHERE token_hash = $1`, hash); err != nil {
			t.Fatal(err)
		}
		return ts
	}
	ta.exec(`UPDATE sessions SET last_seen_at = now() - interval '20 seconds' WHERE token_hash = $1`, hash)
	before := lastSeen()
	for _, p := range []string{"/", "/password", "/", "/no-such-page"} {
		if res := c.get(p); res.status != http.StatusOK && res.status != http.StatusNotFound {
			t.Fatalf("GET %s: %d", p, res.status)
		}
	}
	if after := lastSeen(); !after.Equal(before) {
		t.Errorf("GET moved last_seen_at from %v to %v within a minute", before, after)
	}
	// Past a minute, one request moves it (so the idle timeout works).
	ta.exec(`UPDATE sessions SET last_seen_at = now() - interval '2 minutes' WHERE token_hash = $1`, hash)
	stale := lastSeen()
	c.get("/")
	if after := lastSeen(); !after.After(stale.Add(time.Minute)) {
		t.Errorf("last_seen_at not moved after two minutes: %v", after)
	}
}
