package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"praksis/db"
)

// TestAdminInviteAndOutbox: the admin invites a NAV counsellor by e-mail
// (the new-user form's primary button); the mail arrives, and the outbox
// lists it as sent and shows it as sent: the text part with the link and
// the HTML part in a preview frame. Then the admin runs the retention job
// by hand and sees its result and the run. Once per language.
func TestAdminInviteAndOutbox(t *testing.T) {
	journey(t, resAdmin, resReminders)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { adminInviteAndOutbox(t, lang) })
	}
}

func adminInviteAndOutbox(t *testing.T, lang string) {
	b := newTab(t)
	b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
	b.ensureLanguage(lang)
	b.expectStatus("open users", b.submit(b.viaMenu(`header nav a[href="/admin/users"]`)), 200)
	b.expectPath("/admin/users")

	name := unique("Nina NAV ")
	email := unique("invited-nav-"+lang+"-") + "@e2e.example"
	b.fill("#f-name", name)
	b.fill("#f-email", email)
	b.choose("#f-role", db.RoleNAV)
	b.choose("#f-locale", lang)
	invite := `main form[action="/admin/users/invite"] button[type="submit"]:not([formaction])`
	b.expect("invite button", b.text(invite), b.msg("admin.users.invite"))
	b.expectStatus("invite", b.submit(invite), 200)
	b.expectPath("/admin/users")
	b.expect("flash", b.text("#alerts"), b.msg("flash.invited"))
	// No account until the invitation is accepted.
	if _, err := store.UserByEmail(b.ctx, email); err == nil {
		t.Errorf("an account for %s exists before the invitation is accepted", email)
	}
	b.checkPage("admin-users-invited")

	m := b.mailTo(email)
	b.expect("subject", m.Subject, message(t, lang, "email.invite.subject"))
	link := b.mailLink(m)
	if role := message(t, lang, "email.invite.role_nav"); !strings.Contains(m.Text, " "+role+".") {
		t.Errorf("the invitation does not name the role %q:\n%s", role, m.Text)
	}

	// The outbox, from the menu, searched by recipient. The mail has
	// reached the SMTP server; being marked sent follows a moment later.
	outbox := `header nav a[href="/admin/outbox"]`
	b.expect("menu item", b.text(outbox), b.msg("nav.outbox"))
	b.expectStatus("open the outbox", b.submit(b.viaMenu(outbox)), 200)
	b.expectPath("/admin/outbox")
	b.expect("heading", b.text("main h1"), b.msg("admin.outbox.heading"))
	b.fill("#to", email)
	b.expectStatus("search by recipient", b.submit(`main form[action="/admin/outbox"] button[type="submit"]`), 200)
	sent := b.msg("admin.outbox.status_sent")
	for deadline := time.Now().Add(mailWait); ; {
		if n := eval[int](b, `document.querySelectorAll("main tbody tr").length`); n != 1 {
			b.fatal("%d rows for %s in the outbox, want 1", n, email)
		}
		if b.text("main tbody tr .status") == sent {
			break
		}
		if time.Now().After(deadline) {
			b.fatal("the mail to %s is %q in the outbox, not %q", email, b.text("main tbody tr .status"), sent)
		}
		time.Sleep(200 * time.Millisecond)
		b.expectStatus("reload the outbox", b.open(strings.TrimPrefix(eval[string](b, `location.href`), baseURL)), 200)
	}
	b.expect("recipient", b.text("main tbody tr td"), email)
	b.expect("subject", b.text("main tbody tr th"), m.Subject)
	b.expect("search kept", b.value("#to"), email)
	b.expect("the status tabs keep the search", eval[string](b,
		`new URL(document.querySelector('main .tabs a[href^="/admin/outbox?status=sent"]').href).searchParams.get("to") || ""`), email)
	b.checkPage("admin-outbox")

	// The mail as sent.
	b.expectStatus("open the mail", b.submit(`main tbody tr th a`), 200)
	if p := b.path(); !strings.HasPrefix(p, "/admin/outbox/") {
		b.fatal("on %s, want /admin/outbox/<id>", p)
	}
	b.expect("mail heading", b.text("main h1"), m.Subject)
	b.expect("mail status", b.text("main .facts .status"), sent)
	text := eval[string](b, `(document.querySelector("main pre.mail-text") || {textContent: ""}).textContent`)
	// Outside development (SMTP is set here) the admin sees the mail with
	// its one-time link hidden: following it would be taking over the
	// invitee's account.
	if strings.Contains(text, link) || !strings.Contains(text, baseURL+"/l/…") {
		t.Errorf("the text part should show the link hidden as /l/…, not %s:\n%s", link, text)
	}
	frame := `main iframe.mail-frame`
	if !b.exists(frame) {
		b.fatal("no HTML preview frame")
	}
	b.expect("frame title", eval[string](b, fmt.Sprintf(`document.querySelector(%q).title`, frame)), b.msg("admin.outbox.html_part"))
	if !eval[bool](b, fmt.Sprintf(`document.querySelector(%q).hasAttribute("sandbox")`, frame)) {
		t.Errorf("the HTML preview frame is not sandboxed")
	}
	// What the frame shows is the mail's HTML part, served with a policy
	// of its own.
	type framed struct {
		Status int    `json:"status"`
		CSP    string `json:"csp"`
		Body   string `json:"body"`
	}
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[framed](fmt.Sprintf(`fetch(document.querySelector(%q).src).then(async r => ({
		status: r.status, csp: r.headers.get("Content-Security-Policy") || "", body: await r.text()}))`, frame), chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("fetch the preview frame's document: %v", err)
	}
	if got.Status != 200 || strings.Contains(got.Body, link) || !strings.Contains(got.Body, `href="`+baseURL+`/l/…"`) {
		t.Errorf("the preview frame's document: HTTP %d, live link %s in it: %v", got.Status, link, strings.Contains(got.Body, link))
	}
	if !strings.Contains(got.CSP, "sandbox") || !strings.Contains(got.CSP, "default-src 'none'") {
		t.Errorf("the preview frame's policy %q does not lock it down", got.CSP)
	}
	if got := eval[string](b, `(document.querySelector('header nav a[href="/admin/outbox"]').getAttribute("aria-current") || "")`); got != "true" {
		t.Errorf("on a mail the E-mail menu item has aria-current=%q, want \"true\" (its section)", got)
	}
	b.checkPage("admin-mail")
	// The frame is an out-of-process sandbox: loaded when the page's load
	// event fired, painted only when scrolled into view.
	b.waitFor(`performance.getEntriesByType("resource").some(e => e.initiatorType === "iframe" && e.responseEnd > 0)`)
	b.screenshotInView(frame, "admin-mail-html")

	// Jobs: run the retention job now.
	jobs := `header nav a[href="/admin/jobs"]`
	b.expect("menu item", b.text(jobs), b.msg("nav.jobs"))
	b.expectStatus("open jobs", b.submit(b.viaMenu(jobs)), 200)
	b.expectPath("/admin/jobs")
	b.expect("heading", b.text("main h1"), b.msg("admin.jobs.heading"))
	b.checkPage("admin-jobs")

	before, err := store.RecentJobRuns(b.ctx, "retention", 1000)
	if err != nil {
		t.Fatal(err)
	}
	run := `main form[action="/admin/jobs/retention/run"] button[type="submit"]`
	b.expect("run button", b.text(run), b.msg("admin.jobs.run_now")+" retention")
	b.expectStatus("run retention now", b.submit(run), 200)
	b.expect("heading after the run", b.text("main h1"), b.msg("admin.jobs.heading"))
	// "retention has run (1.2ms)." — the duration varies.
	result := b.text(`main .ds-alert[role="status"]`)
	want := b.msg("admin.jobs.result_ok", "Job", "retention")
	prefix, _, _ := strings.Cut(want, "{{.Took}}")
	if !strings.HasPrefix(result, prefix) || result == prefix {
		t.Errorf("result message %q, want %q with the duration", result, want)
	}
	after, err := store.RecentJobRuns(b.ctx, "retention", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before)+1 || !after[0].Forced || after[0].Status != "ok" {
		t.Fatalf("retention runs: %d before, %d after (newest first: %+v); want one more, forced and ok", len(before), len(after), after)
	}
	// The run is first in the job's table: manual, OK.
	latest := `section[aria-labelledby="job-retention"] tbody tr:first-child`
	b.expect("latest run status", b.text(latest+" .status"), b.msg("admin.jobs.status_ok"))
	if cell := b.text(latest + " td"); !strings.Contains(cell, b.msg("admin.jobs.forced")) {
		t.Errorf("the latest run %q is not marked %q", cell, b.msg("admin.jobs.forced"))
	}
	if got := eval[string](b, `(document.querySelector('header nav a[href="/admin/jobs"]').getAttribute("aria-current") || "")`); got == "" {
		t.Errorf("after running a job the Jobs menu item is not marked current")
	}
	b.checkPage("admin-jobs-run")
	b.signOut()
}
