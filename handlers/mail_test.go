package handlers

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/locale"
	"praksis/mail"
	"praksis/mail/smtptest"
)

// Helpers for the e-mail tests: mail goes through the real outbox, the
// real sender and the real SMTP server of TestMain.

// drain delivers everything due in the outbox now, as the sender's loop
// or the every-minute job would.
func (ta *testApp) drain() mail.DrainStats {
	ta.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	st, err := ta.sys.Sender.Drain(ctx)
	if err != nil {
		ta.t.Fatalf("drain: %v", err)
	}
	return st
}

// oneMailTo returns the only mail the SMTP server received for addr.
func oneMailTo(t *testing.T, addr string) smtptest.Message {
	t.Helper()
	got := testSMTP.To(addr)
	if len(got) != 1 {
		t.Fatalf("%d mails delivered to %s, want 1", len(got), addr)
	}
	return got[0]
}

var mailLinkRe = regexp.MustCompile(`http://localhost:3000/l/([A-Za-z0-9_-]+)`)

// mailToken finds the one-time link in a delivered mail: BASE_URL/l/<token>
// in the text part, and the same link as the HTML part's button.
func mailToken(t *testing.T, m smtptest.Message) string {
	t.Helper()
	l := mailLinkRe.FindStringSubmatch(m.Text)
	if l == nil {
		t.Fatalf("no link in the mail's text:\n%s", m.Text)
	}
	if !strings.Contains(m.HTML, `href="`+l[0]+`"`) {
		t.Errorf("the HTML part has no button to %s", l[0])
	}
	return l[1]
}

// fill puts values into a catalogue message's {{.Key}} placeholders.
func fill(s string, kv ...string) string {
	vals := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		vals[kv[i]] = kv[i+1]
	}
	// Rendered as the app renders it (plural forms included); bokmål and
	// English share the plural rule, so the language does not matter here.
	if out, err := locale.Render("nb", s, vals); err == nil && !strings.Contains(out, "<no value>") {
		return out
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{{."+kv[i]+"}}", kv[i+1])
	}
	return s
}

// enqueueMail queues a mail rendered from the real reset template for
// recipient, as a handler would, and returns its id.
func (ta *testApp) enqueueMail(recipient string) int64 {
	ta.t.Helper()
	ctx := context.Background()
	m, err := ta.sys.Renderer.Render("reset", "nb", recipient, unique("test:"),
		mail.Data{FirstName: "Test", Link: ta.sys.Renderer.Link("/l/" + strings.Repeat("x", 43))})
	if err != nil {
		ta.t.Fatal(err)
	}
	var id int64
	if err = ta.store.QueueMail(ctx, m); err == nil {
		err = ta.store.DB.GetContext(ctx, &id, `SELECT id FROM outbox WHERE dedupe_key = $1`, m.DedupeKey)
	}
	if err != nil || id == 0 {
		ta.t.Fatalf("enqueue: %v", err)
	}
	return id
}

// linkToken stores a link token and returns the raw token.
func (ta *testApp) linkToken(in db.NewLinkToken) string {
	ta.t.Helper()
	return dbtest.LinkToken(ta.t, ta.store, in)
}

// countWhere counts the rows of a table matching a fixed condition.
func (ta *testApp) countWhere(table, where string, args ...any) int {
	ta.t.Helper()
	var n int
	if err := ta.store.DB.Get(&n, `SELECT count(*) FROM `+table+` WHERE `+where, args...); err != nil {
		ta.t.Fatal(err)
	}
	return n
}

// outboxFor counts the mail queued for a recipient.
func (ta *testApp) outboxFor(addr string) int {
	ta.t.Helper()
	return ta.countWhere("outbox", "recipient = $1", addr)
}

// rawResult is a response read without the test's *testing.T, so it can
// be made from a goroutine.
type rawResult struct {
	status  int
	cookies []*http.Cookie
	err     error
}

// postFrom sends a form with the client's cookies and CSRF token from any
// goroutine; the caller applies the cookies on the test goroutine.
func (c *client) postFrom(path string, form url.Values) rawResult {
	f := url.Values{"csrf_token": {c.csrf}}
	for k, v := range form {
		f[k] = v
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", c.ip)
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	res, err := c.ta.app.Fiber().Test(req, -1)
	if err != nil {
		return rawResult{err: err}
	}
	defer res.Body.Close()
	return rawResult{status: res.StatusCode, cookies: res.Cookies()}
}

// messageIDRe finds a message ID shown as text or an attribute value,
// which is what the translator prints for a message it does not have.
var messageIDRe = regexp.MustCompile(`[>"]\s*(?:admin|org|link|invite|reset|forgot|email|jobs|form|flash|error|nav|user|role|login|password|dashboard)\.[a-z0-9_]+(?:\.[a-z0-9_]+)*\s*[<"]`)

// TestMailPagesTranslated visits every page the e-mail issue added, in
// bokmål and English, and finds each page's own catalogue text in the
// right language and no message ID in place of a text.
func TestMailPagesTranslated(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.createUser(db.RoleAdmin)
	employer := ta.createUser(db.RoleEmployer)
	owner := ta.createUser(db.RoleAdviser)
	reset := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeReset, UserID: &owner.ID, Email: owner.Email, TTL: time.Hour})
	invite := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeInvite, Email: unique("invitee") + "@test.example",
		Payload: invitePayload{Role: db.RoleNAV, Name: "Nina Veileder", Lang: "en"}, TTL: time.Hour})
	used := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeReset, UserID: &owner.ID, Email: owner.Email, TTL: time.Hour})
	ta.exec(`UPDATE link_tokens SET used_at = now() WHERE token_hash = $1`, db.HashToken(used))
	mail := ta.enqueueMail(unique("translated") + "@test.example")

	type page struct {
		who  string // "" visitor, or the role signed in
		path string
		want int
		ids  []string // messages the page shows
	}
	pages := []page{
		{"", "/password/forgot", 200, []string{"forgot.heading", "forgot.lead", "forgot.submit"}},
		{"", "/l/" + reset, 200, []string{"reset.heading", "reset.submit", "password.new", "password.confirm"}},
		{"", "/l/" + invite, 200, []string{"invite.heading", "invite.name", "invite.password", "invite.submit"}},
		{"", "/l/" + used, 410, []string{"link.used_heading", "link.used_text", "link.new_reset"}},
		{"", "/l/" + strings.Repeat("A", 43), 404, []string{"link.unknown_heading", "link.unknown_text"}},
		{db.RoleEmployer, "/organisation", 200, []string{"org.details", "org.members", "org.invite_heading", "org.invite_submit", "nav.organisation"}},
		{db.RoleAdmin, "/admin/outbox", 200, []string{"admin.outbox.heading", "admin.outbox.status_all", "admin.outbox.status_dead", "admin.outbox.search", "nav.outbox", "nav.jobs"}},
		{db.RoleAdmin, "/admin/outbox/" + itoa(mail), 200, []string{"admin.outbox.back", "admin.outbox.text_part", "admin.outbox.html_part", "admin.outbox.status_pending", "admin.outbox.next_attempt"}},
		{db.RoleAdmin, "/admin/jobs", 200, []string{"admin.jobs.heading", "admin.jobs.run_now", "admin.jobs.schedule", "jobs.outbox", "jobs.retention"}},
		{db.RoleAdmin, "/admin/users", 200, []string{"admin.users.invite", "admin.users.new_lead_invite"}},
		{"", "/login", 200, []string{"login.forgot"}},
	}
	for _, lang := range []string{"nb", "en"} {
		other := "en"
		if lang == "en" {
			other = "nb"
		}
		ta.exec(`UPDATE users SET locale = $3 WHERE id IN ($1, $2)`, admin.ID, employer.ID, lang)
		for _, p := range pages {
			var c *client
			switch p.who {
			case "":
				c = ta.client()
				c.cookies[langCookie] = lang
			case db.RoleAdmin:
				c = ta.sessionFor(admin)
			case db.RoleEmployer:
				c = ta.sessionFor(employer)
			}
			res := c.get(p.path)
			if res.status != p.want {
				t.Errorf("%s %s: %d, want %d", lang, p.path, res.status, p.want)
				continue
			}
			body := res.text()
			for _, id := range p.ids {
				if !strings.Contains(body, msg(t, lang, id)) {
					t.Errorf("%s %s: no %q (%s)", lang, p.path, msg(t, lang, id), id)
				}
				if o := msg(t, other, id); !strings.Contains(msg(t, lang, id), o) && strings.Contains(body, o) {
					t.Errorf("%s %s: shows the %s text of %s", lang, p.path, other, id)
				}
			}
			if m := messageIDRe.FindString(res.body); m != "" {
				t.Errorf("%s %s: a message ID instead of text: %s", lang, p.path, m)
			}
			if !strings.Contains(res.body, `<html lang="`+lang+`"`) {
				t.Errorf("%s %s: the page does not say its language", lang, p.path)
			}
		}
	}
}
