package handlers

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// The package shares one database cloned from the migrated template; tests
// make their own rows (unique e-mails, org numbers) so they can run in
// parallel.
var testDBURL string

func TestMain(m *testing.M) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testDBURL = u
	code := m.Run()
	cleanup()
	os.Exit(code)
}

type testApp struct {
	t     *testing.T
	app   *App
	store *db.Store
}

func testConfig() Config {
	return Config{
		BaseURL:               "http://localhost:3000",
		SecretKey:             []byte("test-secret-test-secret-test-secret!"),
		SessionIdleTimeout:    30 * time.Minute,
		SessionMaxAge:         12 * time.Hour,
		LoginMaxFailures:      5,
		LoginMaxFailuresPerIP: 20,
		LoginWindow:           15 * time.Minute,
		ProxyHeader:           "X-Forwarded-For", // each test client has its own IP
	}
}

// newTestApp builds the real app on the package database.
func newTestApp(t *testing.T, mutate ...func(*Config)) *testApp {
	t.Helper()
	st, err := db.Open(testDBURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := testConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	a, err := New(cfg, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{t: t, app: a, store: st}
}

var seq atomic.Int64

// unique returns a string no other test in this run uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s%d%d", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

// validOrgNumber makes a fresh organisation number with a correct check digit.
func validOrgNumber() string {
	for {
		n := 100000000 + int(time.Now().UnixNano()%89999999) + int(seq.Add(7))
		s := fmt.Sprintf("%08d", n%100000000)
		for d := 0; d <= 9; d++ {
			cand := s + fmt.Sprint(d)
			if db.ValidOrgNumber(cand) {
				return cand
			}
		}
	}
}

// client is a browser: it keeps cookies and the CSRF token of the last page.
type client struct {
	ta      *testApp
	cookies map[string]string
	csrf    string
	ip      string
	lang    string
}

func (ta *testApp) client() *client {
	return &client{ta: ta, cookies: map[string]string{}, ip: fmt.Sprintf("10.9.%d.%d", seq.Add(1)%250, seq.Add(1)%250)}
}

type response struct {
	status  int
	body    string
	header  http.Header
	cookies []*http.Cookie
}

var csrfRe = regexp.MustCompile(`"X-CSRF-Token": "([^"]+)"`)

func (c *client) do(req *http.Request) response {
	c.ta.t.Helper()
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	res, err := c.ta.app.Fiber().Test(req, -1)
	if err != nil {
		c.ta.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	if m := csrfRe.FindStringSubmatch(string(b)); m != nil {
		c.csrf = m[1]
	}
	return response{status: res.StatusCode, body: string(b), header: res.Header, cookies: res.Cookies()}
}

func (c *client) get(path string) response {
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form with the client's CSRF token (fetching a page first if
// it has none yet).
func (c *client) post(path string, form url.Values) response {
	c.ta.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	if !form.Has("csrf_token") {
		form.Set("csrf_token", c.csrf)
	}
	return c.postRaw(path, form)
}

// postRaw sends the form exactly as given.
func (c *client) postRaw(path string, form url.Values) response {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// htmx marks the next requests as htmx requests.
func htmxPost(c *client, path string, form url.Values) response {
	if form == nil {
		form = url.Values{}
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", c.csrf)
	return c.do(req)
}

const testPassword = "correct-horse-battery"

// createUser makes an account of the role (employers get a fresh approved
// organisation) and returns it.
func (ta *testApp) createUser(role string) db.User {
	ta.t.Helper()
	ctx := context.Background()
	hash, err := db.HashPassword(testPassword)
	if err != nil {
		ta.t.Fatal(err)
	}
	email := unique(role) + "@test.example"
	var id int64
	if role == db.RoleEmployer {
		_, id, _, err = ta.store.CreateOrganisationWithUser(ctx, db.Signup{OrgName: unique("Org "), OrgNumber: validOrgNumber(),
			Kind: db.KindBusiness, Sector: "retail", Municipality: "Trondheim", Name: "Test Employer", Email: email, PasswordHash: hash, Locale: "nb"})
	} else {
		id, err = ta.store.CreateUser(ctx, db.NewUser{Email: email, Name: "Test " + role, Role: role, Locale: "nb", PasswordHash: hash})
	}
	if err != nil {
		ta.t.Fatal(err)
	}
	u, err := ta.store.UserByID(ctx, id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return u
}

// signIn returns a client signed in as a new user of the role ("" for a
// visitor).
func (ta *testApp) signIn(role string) (*client, db.User) {
	ta.t.Helper()
	c := ta.client()
	if role == "" {
		c.get("/")
		return c, db.User{}
	}
	u := ta.createUser(role)
	c.signInAs(u.Email, testPassword)
	return c, u
}

func (c *client) signInAs(email, password string) {
	c.ta.t.Helper()
	res := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if res.status != http.StatusSeeOther {
		c.ta.t.Fatalf("sign in as %s: status %d", email, res.status)
	}
	c.get("/") // pick up the session's CSRF token
}
