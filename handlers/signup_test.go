package handlers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// orgNumberWithCheck10 returns nine digits whose first eight give a
// computed check digit of 10, which no organisation number can have.
func orgNumberWithCheck10(t *testing.T) string {
	t.Helper()
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	for n := 91000000; n < 99999999; n++ {
		s := strconv8(n)
		sum := 0
		for i, w := range weights {
			sum += int(s[i]-'0') * w
		}
		if 11-sum%11 == 10 {
			return s + "0"
		}
	}
	t.Fatal("no number with check digit 10")
	return ""
}

func strconv8(n int) string {
	b := []byte("00000000")
	for i := 7; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// wrongCheckDigit turns a valid number into one whose check digit is off.
func wrongCheckDigit(valid string) string {
	last := valid[8]
	if last == '9' {
		return valid[:8] + "0"
	}
	return valid[:8] + string(last+1)
}

func validSignup() url.Values {
	return url.Values{
		"org_name": {unique("Fjord Kafé ")}, "org_number": {validOrgNumber()}, "kind": {db.KindBusiness},
		"sector": {"hospitality"}, "municipality": {"Trondheim"}, "name": {"Kari Nordmann"},
		"email": {unique("kari") + "@test.example"}, "password": {"kaffe-og-boller-123"},
	}
}

// fieldError finds the validation message rendered beside a field.
func fieldError(body, field string) (string, bool) {
	re := regexp.MustCompile(`id="f-` + regexp.QuoteMeta(field) + `-error">([^<]*)</div>`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// inputValue finds the value attribute of a form input.
func inputValue(body, field string) (string, bool) {
	re := regexp.MustCompile(`name="` + regexp.QuoteMeta(field) + `" type="[a-z]+" value="([^"]*)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

func TestSignupBadInput(t *testing.T) {
	ta := newTestApp(t)
	existing := ta.createPendingOrg()

	type tc struct {
		name   string
		change func(f url.Values)
		field  string // where the message appears
		msgID  string
	}
	cases := []tc{
		{"wrong check digit", func(f url.Values) { f.Set("org_number", wrongCheckDigit(f.Get("org_number"))) }, "org_number", "signup.org_number_invalid"},
		{"8 digits", func(f url.Values) { f.Set("org_number", f.Get("org_number")[:8]) }, "org_number", "signup.org_number_invalid"},
		{"10 digits", func(f url.Values) { f.Set("org_number", f.Get("org_number")+"1") }, "org_number", "signup.org_number_invalid"},
		{"letters", func(f url.Values) { f.Set("org_number", "91O00OOO4") }, "org_number", "signup.org_number_invalid"},
		{"check digit 10", func(f url.Values) { f.Set("org_number", orgNumberWithCheck10(t)) }, "org_number", "signup.org_number_invalid"},
		{"duplicate org number", func(f url.Values) { f.Set("org_number", existing.org.OrgNumber) }, "org_number", "signup.org_number_taken"},
		{"duplicate org number with spaces", func(f url.Values) {
			n := existing.org.OrgNumber
			f.Set("org_number", n[:3]+" "+n[3:6]+" "+n[6:])
		}, "org_number", "signup.org_number_taken"},
		{"short password", func(f url.Values) { f.Set("password", "kort-9tgn") }, "password", "form.password_short"},
		{"password is the e-mail", func(f url.Values) { f.Set("password", strings.ToUpper(f.Get("email"))) }, "password", "form.password_is_email"},
		{"password too long", func(f url.Values) { f.Set("password", strings.Repeat("p", 129)) }, "password", "form.password_long"},
		{"missing organisation name", func(f url.Values) { f.Set("org_name", "   ") }, "org_name", "form.required"},
		{"missing org number", func(f url.Values) { f.Del("org_number") }, "org_number", "form.required"},
		{"missing municipality", func(f url.Values) { f.Del("municipality") }, "municipality", "form.required"},
		{"missing name", func(f url.Values) { f.Del("name") }, "name", "form.required"},
		{"missing e-mail", func(f url.Values) { f.Del("email") }, "email", "form.required"},
		{"missing kind", func(f url.Values) { f.Del("kind") }, "kind", "form.choose"},
		{"unknown sector", func(f url.Values) { f.Set("sector", "weapons") }, "sector", "form.choose"},
		{"bad e-mail", func(f url.Values) { f.Set("email", "kari@") }, "email", "form.email_invalid"},
		{"name too long", func(f url.Values) { f.Set("name", strings.Repeat("n", 201)) }, "name", "form.too_long"},
	}
	for _, lang := range []string{"nb", "en"} {
		for _, c := range cases {
			t.Run(lang+"/"+c.name, func(t *testing.T) {
				cl := ta.client()
				cl.cookies[langCookie] = lang
				cl.get("/signup")
				form := validSignup()
				c.change(form)
				password := form.Get("password")
				orgs, users, sessions := ta.count("organisations"), ta.count("users"), ta.count("sessions")
				res := cl.post("/signup", form)
				if res.status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d, want 422", res.status)
				}
				want := msg(t, lang, c.msgID)
				got, ok := fieldError(res.body, c.field)
				if !ok {
					t.Fatalf("no message beside %s", c.field)
				}
				if unescape(got) != want {
					t.Errorf("message beside %s: %q, want %q", c.field, unescape(got), want)
				}
				if !strings.Contains(res.body, `class="ds-error-summary"`) {
					t.Error("no error summary")
				}
				if !strings.Contains(res.body, `lang="`+lang+`"`) {
					t.Errorf("page not in %s", lang)
				}
				// What the person typed is kept, except the password.
				for _, k := range []string{"org_name", "municipality", "name", "email"} {
					if form.Get(k) == "" || len(form.Get(k)) > 200 {
						continue
					}
					if v, ok := inputValue(res.body, k); !ok || unescape(v) != strings.TrimSpace(form.Get(k)) {
						t.Errorf("%s not kept: %q, want %q", k, unescape(v), form.Get(k))
					}
				}
				if password != "" && strings.Contains(res.text(), password) {
					t.Error("the password is echoed")
				}
				if v, ok := inputValue(res.body, "password"); !ok || v != "" {
					t.Errorf("password field value %q", v)
				}
				if ta.count("organisations") != orgs || ta.count("users") != users || ta.count("sessions") != sessions {
					t.Error("bad input changed the database")
				}
				if res.cookie(sessionCookie) != nil {
					t.Error("bad input signed someone in")
				}
			})
		}
	}
}

func unescape(s string) string { return response{body: s}.text() }

// An oversized body is refused before any handler reads it: 413 with the
// translated message, the security headers, and no trace of internals.
func TestSignupOversizedBody(t *testing.T) {
	ta := newTestApp(t)
	base := ta.serve()
	for _, lang := range []string{"nb", "en"} {
		cl := ta.client()
		cl.cookies[langCookie] = lang
		cl.get("/signup")
		form := validSignup()
		form.Set("org_name", strings.Repeat("Å", 150<<10)) // 300 KiB of UTF-8
		form.Set("csrf_token", cl.csrf)
		orgs, users := ta.count("organisations"), ta.count("users")
		// fasthttp refuses from the declared length, before reading the
		// body, and then closes the connection; a client still writing
		// the body would see the reset instead of the answer. So only the
		// head of the request is sent, as a browser's upload looks when
		// the server answers.
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		var head strings.Builder
		fmt.Fprintf(&head, "POST /signup HTTP/1.1\r\nHost: localhost:3000\r\nContent-Type: application/x-www-form-urlencoded\r\n")
		fmt.Fprintf(&head, "Content-Length: %d\r\n", len(form.Encode()))
		for k, v := range cl.cookies {
			fmt.Fprintf(&head, "Cookie: %s=%s\r\n", k, v)
		}
		head.WriteString("\r\n")
		if _, err := io.WriteString(conn, head.String()); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			conn.Close()
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		conn.Close()
		body := unescape(string(b))
		if res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s: status %d, want 413", lang, res.StatusCode)
		}
		if !strings.Contains(body, msg(t, lang, "error.too_large")) || !strings.Contains(body, msg(t, lang, "error.heading_413")) {
			t.Errorf("%s: no translated message in %s", lang, body)
		}
		for _, leak := range []string{"goroutine", ".go:", "fasthttp", "body size", "exceeds"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s: the page shows internals (%q)", lang, leak)
			}
		}
		assertSecurityHeaders(t, "413", res.Header)
		if ta.count("organisations") != orgs || ta.count("users") != users {
			t.Errorf("%s: an oversized signup changed the database", lang)
		}
	}
}

func TestSignupValid(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	for _, lang := range []string{"nb", "en"} {
		cl := ta.client()
		cl.lang = lang // Accept-Language: the first visit follows the browser
		cl.get("/signup")
		form := validSignup()
		n := form.Get("org_number")
		form.Set("org_number", n[:3]+" "+n[3:6]+" "+n[6:]) // as people type it
		orgs, users := ta.count("organisations"), ta.count("users")
		res := cl.post("/signup", form)
		if res.status != http.StatusSeeOther || res.location() != "/signup/sent" {
			t.Fatalf("%s: status %d to %q", lang, res.status, res.location())
		}
		if sent := cl.get("/signup/sent"); sent.status != http.StatusOK || !strings.Contains(sent.text(), msg(t, lang, "signup.sent_text")) {
			t.Errorf("%s: the sent page: %d", lang, sent.status)
		}
		// Nothing is registered until the address confirms.
		if ta.count("organisations") != orgs || ta.count("users") != users || res.cookie(sessionCookie) != nil {
			t.Fatalf("%s: registered before the address was confirmed", lang)
		}
		ta.drain()
		m := oneMailTo(t, form.Get("email"))
		if m.Subject != msg(t, lang, "email.signup_confirm.subject") || strings.Contains(m.Text, form.Get("password")) {
			t.Errorf("%s: mail %q, or it carries the password", lang, m.Subject)
		}
		link := "/l/" + mailToken(t, m)
		if show := cl.get(link); show.status != http.StatusOK || !strings.Contains(show.text(), form.Get("org_name")) {
			t.Fatalf("%s: the confirmation link: %d", lang, show.status)
		}
		if ta.count("organisations") != orgs {
			t.Fatalf("%s: GET of the link registered", lang)
		}
		res = cl.post(link, url.Values{})
		if res.status != http.StatusSeeOther || res.location() != "/" {
			t.Fatalf("%s: confirm: %d to %q", lang, res.status, res.location())
		}
		if again := ta.client().post(link, url.Values{}); again.status != http.StatusGone {
			t.Errorf("%s: the link used twice: %d", lang, again.status)
		}
		if ta.count("organisations") != orgs+1 || ta.count("users") != users+1 {
			t.Fatalf("%s: signup did not add one organisation and one user", lang)
		}
		o, err := ta.store.OrganisationByNumber(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status() != db.OrgPending || o.Name != form.Get("org_name") {
			t.Errorf("%s: organisation %+v", lang, o)
		}
		u, err := ta.store.UserByEmail(ctx, form.Get("email"))
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != db.RoleEmployer || u.OrganisationID == nil || *u.OrganisationID != o.ID || u.Locale != lang {
			t.Errorf("%s: user %+v", lang, u)
		}
		if ok, _ := db.CheckPassword(u.PasswordHash, form.Get("password")); !ok {
			t.Errorf("%s: the password does not sign in", lang)
		}
		// Signed in at once, and the dashboard says approval is pending.
		if res.cookie(sessionCookie) == nil {
			t.Fatalf("%s: not signed in", lang)
		}
		home := cl.get("/")
		if home.status != http.StatusOK {
			t.Fatalf("%s: dashboard %d", lang, home.status)
		}
		for _, id := range []string{"dashboard.pending_heading", "dashboard.pending_text", "flash.signed_up", "org.status_pending"} {
			if !strings.Contains(home.text(), msg(t, lang, id)) {
				t.Errorf("%s: dashboard lacks %s", lang, id)
			}
		}
		if strings.Contains(home.text(), msg(t, lang, "dashboard.approved_heading")) {
			t.Errorf("%s: a pending organisation shown as approved", lang)
		}
	}
}

// TestSignupSameAnswer: signing up with an address that has an account
// answers exactly as with a new one (the same redirect, the same page, no
// session, no form error), registers nothing, and mails the owner that
// someone tried, with the way to a new password and no link that
// registers anything. A second try within signupEvery mails no one again.
func TestSignupSameAnswer(t *testing.T) {
	ta := newTestApp(t)
	existing := ta.createPendingOrg()
	try := func(email string) (response, response) {
		cl := ta.client()
		cl.get("/signup")
		form := validSignup()
		form.Set("email", email)
		res := cl.post("/signup", form)
		if res.location() == "" { // answered in place, not as a new address is
			return res, res
		}
		return res, cl.get(res.location())
	}
	newRes, newPage := try(unique("ny") + "@test.example")
	orgs, users := ta.count("organisations"), ta.count("users")
	ta.drain()
	outbox := ta.outboxFor(existing.employer.Email)
	for _, email := range []string{existing.employer.Email, strings.ToUpper(existing.employer.Email)} {
		res, page := try(email)
		if res.status != newRes.status || res.location() != newRes.location() || page.status != newPage.status ||
			mainOf(page) != mainOf(newPage) || res.cookie(sessionCookie) != nil {
			t.Errorf("%s: %d to %q, page %d; a new address: %d to %q, page %d", email, res.status, res.location(), page.status,
				newRes.status, newRes.location(), newPage.status)
		}
	}
	if ta.count("organisations") != orgs || ta.count("users") != users {
		t.Error("signing up with a taken address registered something")
	}
	if n := ta.outboxFor(existing.employer.Email); n != outbox+1 {
		t.Errorf("notices to the owner: %d, want 1 (the second try within %s sends none)", n-outbox, signupEvery)
	}
	ta.drain()
	m := oneMailTo(t, existing.employer.Email)
	if m.Subject != msg(t, "nb", "email.signup_exists.subject") || strings.Contains(m.Text, "/l/") || !strings.Contains(m.Text, "/password/forgot") {
		t.Errorf("the owner's mail: %q\n%s", m.Subject, m.Text)
	}
	if n := ta.countWhere("link_tokens", "purpose = 'signup' AND email = $1", existing.employer.Email); n != 0 {
		t.Errorf("%d sign-up tokens for a taken address", n)
	}
}

// mainOf is a page's <main> element: what it says, without the header's
// per-response CSRF tokens.
func mainOf(r response) string {
	body := r.text()
	start, end := strings.Index(body, "<main"), strings.Index(body, "</main>")
	if start < 0 || end < start {
		return body
	}
	return body[start:end]
}
