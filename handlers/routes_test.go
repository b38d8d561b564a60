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

// matrixRoles are the columns of the authorisation matrix; "" is a visitor.
var matrixRoles = []string{"", db.RoleEmployer, db.RoleAdviser, db.RoleNAV, db.RoleAdmin}

// matrixRow is one registered route: its method and pattern as Fiber
// knows them, a concrete path to request, the form a POST sends (with a
// valid CSRF token added, so the matrix tests authorisation and not
// CSRF), and the status each role gets, in matrixRoles order.
type matrixRow struct {
	method, pattern, path string
	form                  url.Values
	want                  [5]int
}

// Statuses, short so the matrix reads as a table.
const (
	s200 = http.StatusOK
	s303 = http.StatusSeeOther
	s401 = http.StatusUnauthorized
	s403 = http.StatusForbidden
	s404 = http.StatusNotFound
	s422 = http.StatusUnprocessableEntity
)

// matrixFixtures are the real rows the :id and :token routes act on.
type matrixFixtures struct {
	pendingOrg int64  // approved, then rejected, by the admin column
	target     int64  // an adviser the admin column disables and enables
	mail       int64  // a dead mail the admin column puts back in the queue
	token      string // a valid password-reset link token
}

// newMatrixFixtures makes the rows the matrix and the CSRF test act on.
func (ta *testApp) newMatrixFixtures() matrixFixtures {
	ta.t.Helper()
	pending := ta.createPendingOrg()
	target := ta.createUser(db.RoleAdviser)
	owner := ta.createUser(db.RoleNAV)
	mail := ta.enqueueMail(unique("dead") + "@test.example")
	ta.exec(`UPDATE outbox SET status = 'dead', attempts = 1, last_error = '550 5.1.1 no such user' WHERE id = $1`, mail)
	return matrixFixtures{pendingOrg: pending.org.ID, target: target.ID, mail: mail,
		token: ta.linkToken(db.NewLinkToken{Purpose: db.PurposeReset, UserID: &owner.ID, Email: owner.Email, TTL: time.Hour})}
}

func authorisationMatrix(ta *testApp, fx matrixFixtures) []matrixRow {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	static := ta.app.assets.url("css/app.css")
	return []matrixRow{
		// Public: liveness, readiness and assets answer everyone, before sessions.
		{method: "GET", pattern: "/healthz", path: "/healthz", want: [5]int{s200, s200, s200, s200, s200}},
		{method: "GET", pattern: "/readyz", path: "/readyz", want: [5]int{s200, s200, s200, s200, s200}},
		{method: "GET", pattern: "/static/:version/*", path: static, want: [5]int{s200, s200, s200, s200, s200}},

		// Everyone: the landing page or the role's dashboard; sign-in and
		// sign-up send a signed-in person to the dashboard.
		{method: "GET", pattern: "/", path: "/", want: [5]int{s200, s200, s200, s200, s200}},
		{method: "GET", pattern: "/login", path: "/login", want: [5]int{s200, s303, s303, s303, s303}},
		{method: "POST", pattern: "/login", path: "/login", want: [5]int{s422, s422, s422, s422, s422}},
		{method: "GET", pattern: "/signup", path: "/signup", want: [5]int{s200, s303, s303, s303, s303}},
		{method: "POST", pattern: "/signup", path: "/signup", want: [5]int{s422, s303, s303, s303, s303}},
		{method: "POST", pattern: "/lang", path: "/lang", form: url.Values{"lang": {"nb"}, "back": {"/"}}, want: [5]int{s303, s303, s303, s303, s303}},

		// Any signed-in user.
		{method: "POST", pattern: "/logout", path: "/logout", want: [5]int{s401, s303, s303, s303, s303}},
		{method: "GET", pattern: "/password", path: "/password", want: [5]int{s303, s200, s200, s200, s200}},
		{method: "POST", pattern: "/password", path: "/password", want: [5]int{s401, s422, s422, s422, s422}},

		// Password reset and e-mail links are for visitors above all, but a
		// signed-in person may use them too (nothing redirects). The link
		// rows use a real, valid reset token: GET shows the form (200) and
		// never uses the token up, so every column sees it valid; POST
		// with no password is refused with 422 before the token is used.
		// An empty reset request is 422 as well (the e-mail is required).
		{method: "GET", pattern: "/password/forgot", path: "/password/forgot", want: [5]int{s200, s200, s200, s200, s200}},
		{method: "POST", pattern: "/password/forgot", path: "/password/forgot", want: [5]int{s422, s422, s422, s422, s422}},
		{method: "GET", pattern: "/l/:token", path: "/l/" + fx.token, want: [5]int{s200, s200, s200, s200, s200}},
		{method: "POST", pattern: "/l/:token", path: "/l/" + fx.token, want: [5]int{s422, s422, s422, s422, s422}},

		// Employers: their own organisation (an empty invitation is 422).
		{method: "GET", pattern: "/organisation", path: "/organisation", want: [5]int{s303, s200, s403, s403, s403}},
		{method: "POST", pattern: "/organisation/invite", path: "/organisation/invite", want: [5]int{s401, s422, s403, s403, s403}},

		// Admins only.
		{method: "GET", pattern: "/admin/organisations", path: "/admin/organisations?status=all", want: [5]int{s303, s403, s403, s403, s200}},
		{method: "POST", pattern: "/admin/organisations/:id/approve", path: "/admin/organisations/" + id(fx.pendingOrg) + "/approve", want: [5]int{s401, s403, s403, s403, s303}},
		{method: "POST", pattern: "/admin/organisations/:id/reject", path: "/admin/organisations/" + id(fx.pendingOrg) + "/reject", want: [5]int{s401, s403, s403, s403, s303}},
		{method: "GET", pattern: "/admin/users", path: "/admin/users?role=adviser", want: [5]int{s303, s403, s403, s403, s200}},
		{method: "POST", pattern: "/admin/users", path: "/admin/users", want: [5]int{s401, s403, s403, s403, s422}},
		{method: "POST", pattern: "/admin/users/:id/disable", path: "/admin/users/" + id(fx.target) + "/disable", want: [5]int{s401, s403, s403, s403, s303}},
		{method: "POST", pattern: "/admin/users/:id/enable", path: "/admin/users/" + id(fx.target) + "/enable", want: [5]int{s401, s403, s403, s403, s303}},
		{method: "POST", pattern: "/admin/users/invite", path: "/admin/users/invite", want: [5]int{s401, s403, s403, s403, s422}},
		{method: "GET", pattern: "/admin/outbox", path: "/admin/outbox?status=dead", want: [5]int{s303, s403, s403, s403, s200}},
		{method: "GET", pattern: "/admin/outbox/:id", path: "/admin/outbox/" + id(fx.mail), want: [5]int{s303, s403, s403, s403, s200}},
		{method: "GET", pattern: "/admin/outbox/:id/html", path: "/admin/outbox/" + id(fx.mail) + "/html", want: [5]int{s303, s403, s403, s403, s200}},
		{method: "POST", pattern: "/admin/outbox/:id/retry", path: "/admin/outbox/" + id(fx.mail) + "/retry", want: [5]int{s401, s403, s403, s403, s303}},
		{method: "GET", pattern: "/admin/jobs", path: "/admin/jobs", want: [5]int{s303, s403, s403, s403, s200}},
		{method: "POST", pattern: "/admin/jobs/:name/run", path: "/admin/jobs/retention/run", want: [5]int{s401, s403, s403, s403, s303}},
	}
}

// registeredRoutes lists the app's routes as "METHOD pattern": no Use
// middleware (the session, CSRF and role layers, the 404 catch-all) and no
// HEAD, which Fiber adds for every GET.
func registeredRoutes(a *App) map[string]bool {
	out := map[string]bool{}
	for _, r := range a.Fiber().GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue
		}
		out[r.Method+" "+r.Path] = true
	}
	return out
}

// matchPattern reports whether a concrete path (query removed) fits a
// Fiber pattern with :params and a trailing *.
func matchPattern(pattern, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i, p := range ps {
		if p == "*" {
			return i < len(xs)
		}
		if i >= len(xs) {
			return false
		}
		if strings.HasPrefix(p, ":") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if p != xs[i] {
			return false
		}
	}
	return len(ps) == len(xs)
}

func TestAuthorisationMatrix(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()

	fx := ta.newMatrixFixtures()
	rows := authorisationMatrix(ta, fx)
	retentionRuns := ta.countWhere("job_runs", "job = 'retention'")

	// Every registered route has exactly one row, and every row a route.
	registered := registeredRoutes(ta.app)
	inTable := map[string]bool{}
	for _, r := range rows {
		key := r.method + " " + r.pattern
		if inTable[key] {
			t.Errorf("two rows for %s", key)
		}
		inTable[key] = true
		if !matchPattern(r.pattern, r.path) {
			t.Errorf("row %s: path %s does not fit the pattern", key, r.path)
		}
	}
	var missing, stale []string
	for k := range registered {
		if !inTable[k] {
			missing = append(missing, k)
		}
	}
	for k := range inTable {
		if !registered[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf("routes without a row in the authorisation matrix (add one): %s", strings.Join(missing, ", "))
	}
	if len(stale) > 0 {
		t.Errorf("matrix rows for routes that no longer exist (remove them): %s", strings.Join(stale, ", "))
	}

	// One account per role; each request gets a fresh session, so a row
	// that signs out does not affect the next.
	users := map[string]db.User{}
	for _, role := range matrixRoles[1:] {
		users[role] = ta.createUser(role)
	}
	for _, r := range rows {
		for i, role := range matrixRoles {
			var c *client
			if role == "" {
				c, _ = ta.signIn("")
			} else {
				c = ta.sessionFor(users[role])
			}
			var res response
			if r.method == http.MethodGet {
				res = c.get(r.path)
			} else {
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				res = c.post(r.path, form)
			}
			name := role
			if name == "" {
				name = "visitor"
			}
			if res.status != r.want[i] {
				t.Errorf("%s %s as %s: status %d, want %d", r.method, r.path, name, res.status, r.want[i])
				continue
			}
			// A visitor asking for a protected page is sent to sign in and
			// brought back; a signed-in person on /login or /signup goes home.
			if r.method == http.MethodGet && res.status == s303 {
				want := "/"
				if role == "" {
					want = "/login?next=" + url.QueryEscape(r.path)
				}
				if got := res.location(); got != want {
					t.Errorf("%s %s as %s: redirect to %q, want %q", r.method, r.path, name, got, want)
				}
			}
			if res.status == s403 && !strings.Contains(res.text(), msg(t, "nb", "error.forbidden")) {
				t.Errorf("%s %s as %s: 403 without the message", r.method, r.path, name)
			}
		}
	}

	// The admin column acted on the fixtures; the others did not.
	o, err := ta.store.Organisation(ctx, fx.pendingOrg)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status() != db.OrgRejected {
		t.Errorf("organisation after approve then reject by the admin: %s", o.Status())
	}
	entries, err := ta.store.AuditFor(ctx, "organisation", fx.pendingOrg)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("audit entries for the organisation: %d, want 2 (only the admin's)", len(entries))
	}
	if m, err := ta.store.OutboxMailByID(ctx, fx.mail); err != nil || m.Status != "pending" {
		t.Errorf("dead mail after the admin's retry: %q %v", m.Status, err)
	}
	if n := ta.countWhere("job_runs", "job = 'retention'"); n != retentionRuns+1 {
		t.Errorf("retention runs: %d more, want 1 (only the admin's)", n-retentionRuns)
	}
	// GET never used the link up, and the refused POSTs did not either.
	if tok, err := ta.store.LinkTokenLookup(ctx, fx.token); err != nil || tok.UsedAt != nil {
		t.Errorf("the reset link was used by the matrix: %v %v", tok.UsedAt, err)
	}
}

// Paths nobody routes are 404 for everyone, and the admin area refuses
// non-admins before revealing what exists.
func TestUnknownPaths(t *testing.T) {
	ta := newTestApp(t)
	for _, role := range matrixRoles {
		var c *client
		if role == "" {
			c, _ = ta.signIn("")
		} else {
			c = ta.sessionFor(ta.createUser(role))
		}
		if res := c.get("/no-such-page"); res.status != s404 {
			t.Errorf("%q: /no-such-page: %d", role, res.status)
		}
		want := s403
		switch role {
		case "":
			want = s303
		case db.RoleAdmin:
			want = s404
		}
		if res := c.get("/admin/no-such-page"); res.status != want {
			t.Errorf("%q: /admin/no-such-page: %d, want %d", role, res.status, want)
		}
		if res := c.get("/admin/organisations/1/approve"); res.status != want {
			t.Errorf("%q: GET on a POST-only route: %d, want %d", role, res.status, want)
		}
	}
}

type pendingOrg struct {
	org      db.Organisation
	employer db.User
}

// createPendingOrg registers an organisation awaiting approval, with its
// first employer, the way signup does.
func (ta *testApp) createPendingOrg() pendingOrg {
	ta.t.Helper()
	ctx := context.Background()
	email := unique("pending") + "@test.example"
	orgID, userID, _, err := ta.store.CreateOrganisationWithUser(ctx, db.Signup{OrgName: unique("Venter AS "), OrgNumber: validOrgNumber(),
		Kind: db.KindBusiness, Sector: "retail", Municipality: "Trondheim", Name: unique("Employer "), Email: email,
		PasswordHash: testHash(), Locale: "nb"})
	if err != nil {
		ta.t.Fatal(err)
	}
	o, err := ta.store.Organisation(ctx, orgID)
	if err != nil {
		ta.t.Fatal(err)
	}
	u, err := ta.store.UserByID(ctx, userID)
	if err != nil {
		ta.t.Fatal(err)
	}
	return pendingOrg{org: o, employer: u}
}
