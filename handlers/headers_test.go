package handlers

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"praksis/db"
)

// assertSecurityHeaders checks what every response must carry.
func assertSecurityHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		t.Errorf("%s: no Content-Security-Policy", what)
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP allows inline code: %s", what, csp)
	}
	if !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("%s: CSP without frame-ancestors 'none': %s", what, csp)
	}
	if !strings.Contains(csp, "script-src 'self'") && !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("%s: CSP does not restrict scripts: %s", what, csp)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, got)
	}
	// Same-origin referrers are kept (the language switch returns to the
	// page), nothing leaks to other sites.
	switch rp := h.Get("Referrer-Policy"); rp {
	case "same-origin", "strict-origin-when-cross-origin", "strict-origin", "no-referrer":
	default:
		t.Errorf("%s: Referrer-Policy %q", what, rp)
	}
}

func TestSecurityHeadersEverywhere(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	visitor, _ := ta.signIn("")
	pending := ta.createPendingOrg()

	checks := []struct {
		what string
		res  response
		want int
	}{
		{"landing page", visitor.get("/"), http.StatusOK},
		{"sign-in page", visitor.get("/login"), http.StatusOK},
		{"404", visitor.get("/no-such-page"), http.StatusNotFound},
		{"unknown asset", visitor.get("/static/x/nope.css"), http.StatusNotFound},
		{"static asset", visitor.get(ta.app.assets.url("css/app.css")), http.StatusOK},
		{"redirect", visitor.get("/password"), http.StatusSeeOther},
		{"healthz", visitor.get("/healthz"), http.StatusOK},
		{"403", ta.sessionFor(ta.createUser(db.RoleNAV)).get("/admin/users"), http.StatusForbidden},
		{"csrf 403", visitor.postRaw("/signup", url.Values{}), http.StatusForbidden},
		{"htmx fragment", htmxPost(admin, "/admin/organisations/"+itoa(pending.org.ID)+"/approve", nil), http.StatusOK},
		{"htmx page fragment", admin.htmxGet("/admin/users"), http.StatusOK},
		{"htmx error", admin.htmxGet("/no-such-page"), http.StatusNotFound},
	}
	for _, c := range checks {
		if c.res.status != c.want {
			t.Errorf("%s: status %d, want %d", c.what, c.res.status, c.want)
		}
		assertSecurityHeaders(t, c.what, c.res.header)
		if got := c.res.header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS outside production: %q", c.what, got)
		}
	}
	if f := checks[9].res; strings.Contains(f.body, "<html") || !strings.Contains(f.body, `id="org-`) {
		t.Errorf("htmx approve is not just the row: %s", f.body)
	}
}

func TestHSTSInProduction(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.Production = true; c.BaseURL = "https://praksis.example" })
	c := ta.client()
	for _, p := range []string{"/", "/no-such-page", ta.app.assets.url("js/app.js"), "/healthz"} {
		res := c.get(p)
		hsts := res.header.Get("Strict-Transport-Security")
		if !strings.Contains(hsts, "max-age=") || strings.Contains(hsts, "max-age=0") {
			t.Errorf("%s: HSTS %q in production", p, hsts)
		}
		assertSecurityHeaders(t, p, res.header)
	}
}

func TestStaticAssetCaching(t *testing.T) {
	ta := newTestApp(t)
	c := ta.client()
	for _, p := range []string{"css/app.css", "js/app.js", "img/favicon.svg"} {
		res := c.get(ta.app.assets.url(p))
		if res.status != http.StatusOK || res.body == "" {
			t.Fatalf("%s: %d", p, res.status)
		}
		cc := res.header.Get("Cache-Control")
		if !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", p, cc)
		}
		if ct := res.header.Get("Content-Type"); ct == "" || strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q", p, ct)
		}
	}
	// A URL of another version is still served (a page from the previous
	// deploy) but not cached for long, and the page links the current one.
	old := c.get("/static/0000000000/css/app.css")
	if old.status != http.StatusOK || strings.Contains(old.header.Get("Cache-Control"), "immutable") {
		t.Errorf("old version: %d %q", old.status, old.header.Get("Cache-Control"))
	}
	if page := c.get("/"); !strings.Contains(page.body, ta.app.assets.url("css/app.css")) {
		t.Error("the page does not link the versioned stylesheet")
	}
	if res := c.get("/static/" + ta.app.assets.version + "/../embed.go"); res.status != http.StatusNotFound {
		t.Errorf("path outside the assets: %d", res.status)
	}
}

// A server error shows a message and a reference, never internals; htmx
// gets the alert in the page's alert region.
func TestServerErrorHidesInternals(t *testing.T) {
	ta := newTestApp(t)
	for _, lang := range []string{"nb", "en"} {
		c := ta.sessionFor(ta.createUser(db.RoleAdmin))
		c.cookies[langCookie] = lang
		ta.store.Close() // the next query fails: "sql: database is closed"
		for _, htmx := range []bool{false, true} {
			var res response
			if htmx {
				res = c.htmxGet("/")
			} else {
				res = c.get("/")
			}
			if res.status != http.StatusInternalServerError {
				t.Fatalf("%s htmx=%v: status %d", lang, htmx, res.status)
			}
			assertSecurityHeaders(t, "500", res.header)
			body := res.text()
			for _, leak := range []string{"sql:", "database is closed", "goroutine", ".go:", "praksis/", "db:"} {
				if strings.Contains(body, leak) {
					t.Errorf("%s htmx=%v: the error shows internals (%q)", lang, htmx, leak)
				}
			}
			// The visitor language applies: the session could not be read.
			if !strings.Contains(body, msg(t, lang, "error.internal")) {
				t.Errorf("%s htmx=%v: no message", lang, htmx)
			}
			rid := res.header.Get("X-Request-Id")
			if rid == "" {
				t.Fatal("no X-Request-ID header")
			}
			ref := strings.ReplaceAll(msg(t, lang, "error.reference"), "{{.ID}}", rid)
			if !strings.Contains(body, ref) {
				t.Errorf("%s htmx=%v: no reference %q in %s", lang, htmx, ref, body)
			}
			if htmx {
				if strings.Contains(body, "<html") {
					t.Error("htmx error: a whole page")
				}
				if res.header.Get("HX-Retarget") != "#alerts" || !strings.Contains(body, `role="alert"`) {
					t.Errorf("htmx error: HX-Retarget %q, body %s", res.header.Get("HX-Retarget"), body)
				}
			} else if !strings.Contains(body, msg(t, lang, "error.heading_500")) {
				t.Error("no heading on the error page")
			}
		}
		// Reopen for the next language.
		st, err := db.Open(testDBURL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		*ta.store = *st
	}
}

// An htmx request that fails with a client error gets the alert fragment
// in #alerts too, with the message of its status.
func TestHTMXErrorFragment(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.createUser(db.RoleAdmin)
	c := ta.sessionFor(admin)
	res := htmxPost(c, "/admin/users/"+itoa(admin.ID)+"/disable", nil)
	if res.status != http.StatusConflict {
		t.Fatalf("disabling oneself: %d", res.status)
	}
	if res.header.Get("HX-Retarget") != "#alerts" || strings.Contains(res.body, "<html") ||
		!strings.Contains(res.text(), msg(t, "nb", "admin.users.not_self")) {
		t.Errorf("htmx 409: %v %s", res.header, res.body)
	}
	if !strings.Contains(res.header.Get("Vary"), "HX-Request") {
		t.Errorf("htmx error without Vary: HX-Request: %q", res.header.Get("Vary"))
	}
}

func TestLanguage(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	en, nb := msg(t, "en", "home.heading"), msg(t, "nb", "home.heading")
	for _, c := range []struct {
		accept, want string
	}{
		{"en", en}, {"en-GB,en;q=0.9", en}, {"nb", nb}, {"nn", nb}, {"no", nb}, {"nb-NO,nb;q=0.9,en;q=0.8", nb},
		{"de", nb}, {"ar", nb}, {"", nb}, {"fr, en;q=0.5", en}, {"not a header ;;;", nb},
	} {
		cl := ta.client()
		cl.lang = c.accept
		res := cl.get("/")
		if !strings.Contains(res.text(), c.want) {
			t.Errorf("Accept-Language %q: not in the expected language", c.accept)
		}
		wantLang := "nb"
		if c.want == en {
			wantLang = "en"
		}
		if !strings.Contains(res.body, `<html lang="`+wantLang+`"`) {
			t.Errorf("Accept-Language %q: html lang is not %s", c.accept, wantLang)
		}
	}

	// A visitor's choice is kept in a cookie and beats Accept-Language.
	v := ta.client()
	v.lang = "nb"
	v.get("/login")
	users := ta.count("users")
	res := v.post("/lang", url.Values{"lang": {"en"}, "back": {"/login"}})
	if res.status != http.StatusSeeOther || res.location() != "/login" {
		t.Fatalf("POST /lang: %d to %q", res.status, res.location())
	}
	if ck := res.cookie(langCookie); ck == nil || ck.Value != "en" {
		t.Fatalf("no language cookie: %v", res.cookies)
	}
	if !strings.Contains(v.get("/login").text(), msg(t, "en", "login.heading")) {
		t.Error("the visitor's choice is not used")
	}
	if ta.count("users") != users {
		t.Error("a visitor's language choice wrote to users")
	}
	if res := v.post("/lang", url.Values{"lang": {"sv"}}); res.status != http.StatusBadRequest {
		t.Errorf("unknown language: %d", res.status)
	}
	if res := v.post("/lang", url.Values{"lang": {"nb"}, "back": {"//evil.example/"}}); res.location() != "/" {
		t.Errorf("back to another site: %q", res.location())
	}

	// A signed-in user's choice is stored on the account and follows them
	// to a new browser.
	u := ta.createUser(db.RoleAdviser)
	s := ta.sessionFor(u)
	s.lang = "nb"
	if !strings.Contains(s.get("/").text(), msg(t, "nb", "dashboard.intro_adviser")) {
		t.Fatal("dashboard not in nb")
	}
	if res := s.post("/lang", url.Values{"lang": {"en"}}); res.status != http.StatusSeeOther {
		t.Fatalf("POST /lang signed in: %d", res.status)
	}
	got, err := ta.store.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Locale != "en" {
		t.Errorf("users.locale = %q after choosing en", got.Locale)
	}
	other := ta.sessionFor(u)
	other.lang = "nb"
	if !strings.Contains(other.get("/").text(), msg(t, "en", "dashboard.intro_adviser")) {
		t.Error("the stored choice does not follow the user")
	}

	// The choice made last wins (issue 20): picking bokmål on the sign-in
	// page of a new browser, then signing in, gives bokmål and stores it,
	// though the account said English.
	fresh := ta.client()
	fresh.lang = "en"
	fresh.get("/login")
	fresh.post("/lang", url.Values{"lang": {"nb"}, "back": {"/login"}})
	fresh.signInAs(u.Email, testPassword)
	if !strings.Contains(fresh.get("/").text(), msg(t, "nb", "dashboard.intro_adviser")) {
		t.Error("the language picked at sign-in was overridden by the account's")
	}
	if got, err := ta.store.UserByID(ctx, u.ID); err != nil || got.Locale != "nb" {
		t.Errorf("users.locale = %q (%v) after choosing nb at sign-in", got.Locale, err)
	}
}

// Static files come compressed at the best level, in the encoding the
// browser takes (brotli first), the same bytes every time; pages are
// compressed too; a client that takes neither gets the file as it is.
func TestCompression(t *testing.T) {
	ta := newTestApp(t)
	raw := ta.app.assets.files["vendor/designsystemet.css"]
	if len(raw) == 0 {
		t.Fatal("no designsystemet.css among the assets")
	}
	url := ta.app.assets.url("vendor/designsystemet.css")
	get := func(path, accept string) (*http.Response, []byte) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		res, err := ta.app.Fiber().Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, br1 := get(url, "gzip, deflate, br, zstd")
	if res.Header.Get("Content-Encoding") != "br" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("brotli: Content-Encoding %q, Vary %q", res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
	}
	if got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br1))); err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("brotli body does not decode to the file: %v", err)
	}
	// Best level: well under what the default level (4) gives.
	var b4 bytes.Buffer
	w := brotli.NewWriterLevel(&b4, 4)
	w.Write(raw)
	w.Close()
	if len(br1) >= b4.Len()*95/100 {
		t.Errorf("brotli %d bytes, level 4 gives %d: not the best level", len(br1), b4.Len())
	}
	if _, br2 := get(url, "br"); !bytes.Equal(br1, br2) {
		t.Error("the compressed file differs between requests")
	}
	res, gz := get(url, "gzip")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, raw) {
		t.Error("gzip body does not decode to the file")
	}
	res, plain := get(url, "identity")
	if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(plain, raw) {
		t.Errorf("identity: Content-Encoding %q, %d bytes of %d", res.Header.Get("Content-Encoding"), len(plain), len(raw))
	}
	// A page is compressed on the fly, with gzip even where brotli is
	// also taken (it is the faster of the two at the same size).
	res, page := get("/login", "gzip, deflate, br, zstd")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("page: Content-Encoding %q", res.Header.Get("Content-Encoding"))
	}
	pr, err := gzip.NewReader(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(pr); err != nil || !strings.Contains(string(got), "</html>") {
		t.Errorf("page body does not decode: %v", err)
	}
	if res, page := get("/login", ""); res.Header.Get("Content-Encoding") != "" || !strings.Contains(string(page), "</html>") {
		t.Errorf("a client that takes no encoding gets %q", res.Header.Get("Content-Encoding"))
	}
}
