package handlers

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/jobs"
	"praksis/locale"
	"praksis/mail"
	"praksis/mail/smtptest"
)

// The package shares one database cloned from the migrated template; tests
// make their own rows (unique e-mails, org numbers) so they can run in
// parallel.
var testDBURL string

// testSMTP is a real SMTP server in this process; every test app delivers
// to it, so tests read the mail a person would get.
var (
	testSMTP    *smtptest.Server
	testSMTPURL string
)

func TestMain(m *testing.M) {
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testDBURL = u
	if testSMTP, err = smtptest.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testSMTPURL = testSMTP.URL()
	code := m.Run()
	renderDrop() // the render benchmarks' database, when they ran
	cleanup()
	os.Exit(code)
}

type testApp struct {
	sys   *jobs.System
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
	return newTestAppOn(t, testDBURL, mutate...)
}

// newTestAppOn builds the real app on the database at dbURL (a dedicated
// one from dbtest.New, or one that does not answer).
func newTestAppOn(t *testing.T, dbURL string, mutate ...func(*Config)) *testApp {
	t.Helper()
	st, err := db.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := testConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	sys, err := jobs.NewSystem(st, log, tr, mail.Config{BaseURL: cfg.BaseURL, SMTPURL: testSMTPURL, MailFrom: "Praksis <noreply@praksis.example>",
		Sender: mail.SenderConfig{Rate: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, Deps{Store: st, Log: log, Translator: tr, Mail: sys.Renderer, Sender: sys.Sender, Scheduler: sys.Scheduler})
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{t: t, app: a, store: st, sys: sys}
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

var ipSeq atomic.Int64

// client returns a browser with no cookies and an IP address of its own
// (never shared with another client in this run, so the per-IP login
// throttle of one test cannot affect another).
func (ta *testApp) client() *client {
	n := ipSeq.Add(1)
	return &client{ta: ta, cookies: map[string]string{}, ip: fmt.Sprintf("10.%d.%d.%d", 10+n>>16, n>>8&255, n&255)}
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

// request sends any method with optional form and extra headers.
func (c *client) request(method, path string, form url.Values, headers map[string]string) response {
	c.ta.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// htmxGet asks for a page the way htmx does (a fragment).
func (c *client) htmxGet(path string) response {
	return c.request(http.MethodGet, path, nil, map[string]string{"HX-Request": "true"})
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

// testHash is an argon2id hash of testPassword, made once: every account
// the tests create shares it, so making an account costs no hashing.
var testHash = sync.OnceValue(func() string {
	h, err := db.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// createUser makes an account of the role (employers get a fresh approved
// organisation) and returns it.
func (ta *testApp) createUser(role string) db.User {
	ta.t.Helper()
	ctx := context.Background()
	hash := testHash()
	email := unique(role) + "@test.example"
	var id int64
	var err error
	if role == db.RoleEmployer {
		_, id, _, err = ta.store.CreateOrganisationWithUser(ctx, db.Signup{OrgName: unique("Org "), OrgNumber: validOrgNumber(),
			Kind: db.KindBusiness, Sector: "retail", Municipality: "Trondheim", Name: "Test Employer", Email: email, PasswordHash: hash, Locale: "nb"})
		if err == nil {
			_, err = ta.store.DB.ExecContext(ctx, `UPDATE organisations SET approved_at = now()
				WHERE id = (SELECT organisation_id FROM users WHERE id = $1)`, id)
		}
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

// sessionFor returns a client signed in as u through a session row made
// directly in the database, as login makes it (a random token stored
// hashed, a random CSRF token) but without the cost of a password check;
// tests that need many sessions use it, tests of login itself do not.
func (ta *testApp) sessionFor(u db.User) *client {
	ta.t.Helper()
	c := ta.client()
	token, csrf := randomToken(), randomToken()
	if err := ta.store.CreateSession(context.Background(), u.ID, token, csrf, 12*time.Hour, c.ip, "test"); err != nil {
		ta.t.Fatal(err)
	}
	c.cookies[sessionCookie] = token
	c.csrf = maskToken(csrf) // pages carry the token masked
	return c
}

// count returns the number of rows of a table (a fixed name from a test).
func (ta *testApp) count(table string) int {
	ta.t.Helper()
	var n int
	if err := ta.store.DB.Get(&n, `SELECT count(*) FROM `+table); err != nil {
		ta.t.Fatal(err)
	}
	return n
}

// exec runs SQL that moves the database into the state a test needs.
func (ta *testApp) exec(query string, args ...any) {
	ta.t.Helper()
	if _, err := ta.store.DB.Exec(query, args...); err != nil {
		ta.t.Fatal(err)
	}
}

// msg returns a message of a catalogue as written there, so tests compare
// against the catalogue rather than against the code under test.
func msg(t *testing.T, lang, id string) string {
	t.Helper()
	m, err := locale.Catalogue(lang)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := m[id]
	if !ok || s == "" {
		t.Fatalf("no message %s in %s", id, lang)
	}
	return s
}

// text is the body as a person reads it: HTML entities decoded.
func (r response) text() string { return html.UnescapeString(r.body) }

// location is the redirect target of a 303 (or the HX-Redirect of htmx).
func (r response) location() string {
	if l := r.header.Get("Location"); l != "" {
		return l
	}
	return r.header.Get("HX-Redirect")
}

// cookie returns the Set-Cookie of the response with the name, or nil.
func (r response) cookie(name string) *http.Cookie {
	for _, c := range r.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// serve runs the app on a real loopback listener, for what app.Test
// cannot show (fasthttp refuses an oversized body before Fiber's handlers,
// and app.Test reports that as an error instead of the response).
func (ta *testApp) serve() string {
	ta.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ta.t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = ta.app.Fiber().Listener(ln); close(done) }()
	ta.t.Cleanup(func() {
		_ = ta.app.Fiber().Shutdown()
		<-done
	})
	return "http://" + ln.Addr().String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
