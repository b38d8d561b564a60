package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// numericEdges are the values every numeric parameter is tried with: the
// ends of int32 and int64 and one past each, and texts that only look
// like numbers.
var numericEdges = []string{"-1", "0", "1", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808",
	"-9223372036854775809", "1e3", " 1", "1 ", "+1", "0x10", "1.5", "٣"}

// numericQueries are the numeric query parameters, on the page that
// reads each, with the role that may see it.
var numericQueries = []struct{ role, path, param string }{
	{db.RoleAdmin, "/admin/outbox", "before"},
	{db.RoleAdmin, "/admin/jobs", "run"},
	{db.RoleAdviser, "/participants", "page"},
	{db.RoleAdmin, "/participants", "page"},
}

// withParam puts v into every :id segment of a matrix row's path.
func withParam(pattern, path, v string) string {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	for i := range ps {
		if ps[i] == ":id" && i < len(xs) {
			xs[i] = url.PathEscape(v)
		}
	}
	return strings.Join(xs, "/")
}

// TestNumericParamsNeverFail (issue 21, item 7): every route's :id, every
// numeric query parameter and every numeric form field of the
// authorisation matrix's rows, at the int32/int64 edges and in forms that
// only look like numbers, is answered without a server error, by the
// roles that may use the route; a query parameter out of its column's
// range is a 400 with the message.
func TestNumericParamsNeverFail(t *testing.T) {
	ta := newTestApp(t, areaOnConfig)
	fx := ta.newMatrixFixtures()
	rows := authorisationMatrix(ta, fx)
	users := map[string]db.User{db.RoleEmployer: fx.employer, db.RoleAdviser: fx.adviser, db.RoleNAV: fx.nav, db.RoleAdmin: ta.createUser(db.RoleAdmin)}
	clients := map[string]*client{}
	for role, u := range users {
		clients[role] = ta.sessionFor(u)
	}
	clients[db.RoleParticipant] = ta.participantClient(fx.participant)
	send := func(c *client, method, path string, form url.Values) response {
		if method == http.MethodGet {
			return c.get(path)
		}
		return c.post(path, form)
	}
	for _, r := range rows {
		// The roles the row lets in (not 401/403).
		var roles []string
		for i, role := range matrixRoles {
			if role != "" && r.want[i] != s401 && r.want[i] != s403 {
				roles = append(roles, role)
			}
		}
		for _, role := range roles {
			c := clients[role]
			if strings.Contains(r.pattern, ":id") {
				for _, v := range numericEdges {
					path := withParam(r.pattern, r.path, v)
					if res := send(c, r.method, path, r.form); res.status >= 500 {
						t.Errorf("%s %s as %s: %d", r.method, path, role, res.status)
					}
				}
			}
			for k, vs := range r.form {
				if len(vs) != 1 {
					continue
				}
				if _, err := strconv.ParseInt(vs[0], 10, 64); err != nil {
					continue
				}
				for _, v := range numericEdges {
					form := url.Values{}
					for k2, v2 := range r.form {
						form[k2] = v2
					}
					form.Set(k, v)
					if res := send(c, r.method, r.path, form); res.status >= 500 {
						t.Errorf("%s %s as %s with %s=%q: %d", r.method, r.path, role, k, v, res.status)
					}
				}
			}
		}
	}
	for _, q := range numericQueries {
		for _, v := range numericEdges {
			path := q.path + "?" + q.param + "=" + url.QueryEscape(v)
			if res := clients[q.role].get(path); res.status >= 500 {
				t.Errorf("GET %s as %s: %d", path, q.role, res.status)
			}
		}
	}
	for _, v := range []string{"2147483648", "9223372036854775807"} {
		if res := clients[db.RoleAdmin].get("/admin/outbox?before=" + v); res.status != http.StatusOK {
			t.Errorf("before=%s, a bigint id: %d, want 200", v, res.status)
		}
	}
	for _, v := range []string{"9223372036854775808", "-1", "1e3", " 1"} {
		res := clients[db.RoleAdmin].get("/admin/outbox?before=" + url.QueryEscape(v))
		if res.status != http.StatusBadRequest || !strings.Contains(res.text(), msg(t, "nb", "error.bad_number")) {
			t.Errorf("before=%q: %d, want 400 with the message", v, res.status)
		}
	}
}

// FuzzNumericParams: whatever text stands where a route wants a number
// (every GET route's :id, every numeric query parameter), the answer is
// never a server error. The seeds are the int32/int64 edges, each tried
// on every route (route 255); an input of the fuzzing engine tries one
// route and one query parameter, chosen by route, so `make fuzz` stays
// cheap. One app and one session per role serve every input
// (newFuzzApp); a route is asked as the first of admin, adviser and
// employer that may open it.
func FuzzNumericParams(f *testing.F) {
	fa := newFuzzApp(f)
	st, ctx := fa.app.store, context.Background()
	cookies := map[string]string{db.RoleAdviser: fa.cookie}
	orgID, employerID, _, err := st.CreateOrganisationWithUser(ctx, db.Signup{OrgName: unique("Fuzz AS "), OrgNumber: validOrgNumber(),
		Kind: db.KindBusiness, Sector: "retail", Municipality: "Trondheim", Name: "Fuzz Employer", Email: unique("fuzz-employer") + "@test.example",
		PasswordHash: testHash(), Locale: "nb"})
	if err != nil {
		f.Fatal(err)
	}
	if _, err := st.DB.Exec(`UPDATE organisations SET approved_at = now() WHERE id = $1`, orgID); err != nil {
		f.Fatal(err)
	}
	adminID, err := st.CreateUser(ctx, db.NewUser{Email: unique("fuzz-admin") + "@test.example", Name: "Fuzz Admin", Role: db.RoleAdmin,
		Locale: "nb", PasswordHash: testHash()})
	if err != nil {
		f.Fatal(err)
	}
	for role, id := range map[string]int64{db.RoleEmployer: employerID, db.RoleAdmin: adminID} {
		token := randomToken()
		if err := st.CreateSession(ctx, id, token, randomToken(), time.Hour, "10.250.0.2", "fuzz"); err != nil {
			f.Fatal(err)
		}
		cookies[role] = token
	}
	get := func(t *testing.T, role, target string) int {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookies[role]})
		res, err := fa.app.Fiber().Test(req, -1)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	var routes []string
	for route := range registeredRoutes(fa.app) {
		if method, pattern, _ := strings.Cut(route, " "); method == http.MethodGet && strings.Contains(pattern, ":id") {
			routes = append(routes, pattern)
		}
	}
	sort.Strings(routes)
	for _, v := range numericEdges {
		f.Add(v, uint8(255))
	}
	f.Fuzz(func(t *testing.T, v string, route uint8) {
		routes, queries := routes, numericQueries
		if route != 255 {
			routes = routes[int(route)%len(routes):][:1]
			queries = queries[int(route)%len(queries):][:1]
		}
		for _, pattern := range routes {
			// The other parameters get a value their handler accepts.
			path := strings.NewReplacer(":week", "2030-06-10", ":phase", "mid", ":step", "goals").Replace(pattern)
			path = withParam(pattern, path, v)
			for _, role := range []string{db.RoleAdmin, db.RoleAdviser, db.RoleEmployer} {
				status := get(t, role, path)
				if status >= 500 {
					t.Fatalf("GET %s as %s: %d", path, role, status)
				}
				if status != http.StatusForbidden {
					break
				}
			}
		}
		for _, q := range queries {
			path := q.path + "?" + q.param + "=" + url.QueryEscape(v)
			if status := get(t, q.role, path); status >= 500 {
				t.Fatalf("GET %s as %s: %d", path, q.role, status)
			}
		}
	})
}
