package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

var (
	outboxRowRe = regexp.MustCompile(`<a class="ds-link" href="/admin/outbox/(\d+)">`)
	olderRe     = regexp.MustCompile(`<a class="ds-link" href="([^"]+)">` + `([^<]+)</a>`)
)

// outboxIDs lists the mail ids of an outbox page, in page order.
func outboxIDs(body string) []string {
	var out []string
	for _, m := range outboxRowRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// olderLink is the "older e-mail" link of an outbox page, or "".
func olderLink(t *testing.T, r response) string {
	t.Helper()
	for _, m := range olderRe.FindAllStringSubmatch(r.body, -1) {
		if unescape(m[2]) == msg(t, "nb", "admin.outbox.older") {
			return unescape(m[1])
		}
	}
	return ""
}

// The outbox page lists mail with status and attempts, filters by status
// and recipient, and pages by keyset.
func TestAdminOutboxList(t *testing.T) {
	ta := newTestApp(t)
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	tag := unique("obx")
	ta.drain()
	const total = outboxPageSize + 7
	var ids []int64
	for i := 0; i < total; i++ {
		ids = append(ids, ta.enqueueMail(fmt.Sprintf("%s-%02d@outbox.example", tag, i)))
	}

	// Keyset paging within a recipient search: 50 newest first, then the rest.
	res := admin.get("/admin/outbox?to=" + tag)
	if res.status != http.StatusOK {
		t.Fatalf("outbox: %d", res.status)
	}
	page1 := outboxIDs(res.body)
	if len(page1) != outboxPageSize || page1[0] != itoa(ids[total-1]) {
		t.Fatalf("page 1: %d rows starting %v, want %d from %d", len(page1), page1[:1], outboxPageSize, ids[total-1])
	}
	older := olderLink(t, res)
	if !strings.Contains(older, "to="+tag) || !strings.Contains(older, "before="+page1[len(page1)-1]) {
		t.Fatalf("older link %q", older)
	}
	res2 := admin.get(older)
	page2 := outboxIDs(res2.body)
	if len(page2) != total-outboxPageSize {
		t.Fatalf("page 2: %d rows, want %d", len(page2), total-outboxPageSize)
	}
	seen := map[string]bool{}
	for _, id := range append(append([]string{}, page1...), page2...) {
		if seen[id] {
			t.Errorf("mail %s on both pages", id)
		}
		seen[id] = true
	}
	for _, id := range ids {
		if !seen[itoa(id)] {
			t.Errorf("mail %d on neither page", id)
		}
	}
	if olderLink(t, res2) != "" {
		t.Error("the last page links to older mail")
	}
	if !strings.Contains(res.text(), msg(t, "nb", "admin.outbox.status_pending")) {
		t.Error("queued mail does not show its status")
	}

	// One address refuses: its mail is dead with the server's error.
	dead := tag + "-dead@outbox.example"
	testSMTP.Reject(dead)
	deadID := ta.enqueueMail(dead)
	st := ta.drain()
	if st.Dead != 1 || st.Sent < total {
		t.Fatalf("drain: %+v", st)
	}
	res = admin.get("/admin/outbox?status=dead&to=" + tag)
	if got := outboxIDs(res.body); len(got) != 1 || got[0] != itoa(deadID) {
		t.Fatalf("dead filter: %v", got)
	}
	if !strings.Contains(res.text(), "550") || !strings.Contains(res.text(), msg(t, "nb", "admin.outbox.status_dead")) ||
		!regexp.MustCompile(`<td>1</td>`).MatchString(res.body) {
		t.Error("the dead mail does not show its error, status and attempt")
	}
	if !regexp.MustCompile(`href="/admin/outbox\?status=dead[^"]*" aria-current="page"`).MatchString(res.body) {
		t.Error("the status tab is not marked")
	}
	res = admin.get("/admin/outbox?status=sent&to=" + tag)
	if got := outboxIDs(res.body); len(got) != outboxPageSize || seen[itoa(deadID)] || strings.Contains(res.body, dead) {
		t.Errorf("sent filter: %d rows", len(got))
	}
	res = admin.get("/admin/outbox?status=pending&to=" + tag)
	if len(outboxIDs(res.body)) != 0 || !strings.Contains(res.text(), msg(t, "nb", "admin.outbox.empty")) {
		t.Error("pending filter: mail listed after the drain")
	}
	res = admin.get("/admin/outbox?to=" + url.QueryEscape(tag+"-07@"))
	if got := outboxIDs(res.body); len(got) != 1 || got[0] != itoa(ids[7]) {
		t.Errorf("recipient search: %v", got)
	}
	// An unknown status is ignored rather than an error.
	if res := admin.get("/admin/outbox?status=nonsense&to=" + tag); res.status != http.StatusOK || len(outboxIDs(res.body)) != outboxPageSize {
		t.Errorf("unknown status: %d", res.status)
	}
	if res := admin.get("/admin/outbox"); strings.Contains(res.text(), msg(t, "nb", "admin.outbox.dev_inbox")) {
		t.Error("the development notice is shown with SMTP configured")
	}
}

// One mail: headers, the text part, the HTML part in a sandboxed frame
// served with its own policy; retry of dead and failed mail.
func TestAdminOutboxMail(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	ta.drain()
	to := unique("one") + "@outbox.example"
	id := ta.enqueueMail(to)
	stored, err := ta.store.OutboxMailByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	res := admin.get("/admin/outbox/" + itoa(id))
	if res.status != http.StatusOK {
		t.Fatalf("mail page: %d", res.status)
	}
	for _, want := range []string{stored.Subject, to, msg(t, "nb", "admin.outbox.status_pending"), "reset (nb)"} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("mail page does not show %q", want)
		}
	}
	// Outside development the one-time links are hidden from the admin
	// (an admin must not be able to follow a colleague's reset link).
	redacted := linkTokenRe.ReplaceAllString(stored.Text, "/l/…")
	if redacted == stored.Text {
		t.Fatal("the test mail has no one-time link to hide")
	}
	if !strings.Contains(res.text(), `<pre class="mail-text">`+redacted+`</pre>`) {
		t.Error("the text part is not shown as sent, with its link hidden")
	}
	if m := linkTokenRe.FindString(stored.Text); strings.Contains(res.body, m) {
		t.Error("the admin page shows a live one-time link")
	}
	if !strings.Contains(res.body, `<iframe class="mail-frame" sandbox src="/admin/outbox/`+itoa(id)+`/html"`) {
		t.Error("no sandboxed frame for the HTML part")
	}
	if strings.Contains(res.body, stored.HTML[:40]) {
		t.Error("the HTML part is inlined in the admin page")
	}
	if strings.Contains(res.body, `/retry"`) {
		t.Error("a retry button for queued mail")
	}

	h := admin.get("/admin/outbox/" + itoa(id) + "/html")
	csp := h.header.Get("Content-Security-Policy")
	if h.status != http.StatusOK || h.body != linkTokenRe.ReplaceAllString(stored.HTML, "/l/…") {
		t.Fatalf("HTML part: %d", h.status)
	}
	for _, want := range []string{"default-src 'none'", "sandbox", "frame-ancestors 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("HTML part CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "'self' 'unsafe") || strings.Contains(h.body, "<script") {
		t.Errorf("HTML part allows script: %q", csp)
	}
	if h.header.Get("X-Frame-Options") != "SAMEORIGIN" || !strings.HasPrefix(h.header.Get("Content-Type"), "text/html") ||
		h.header.Get("Cache-Control") != "no-store" {
		t.Errorf("HTML part headers: %v", h.header)
	}

	// Sent mail cannot be retried.
	ta.drain()
	oneMailTo(t, to)
	if res := admin.post("/admin/outbox/"+itoa(id)+"/retry", nil); res.status != http.StatusNotFound {
		t.Errorf("retry of sent mail: %d", res.status)
	}
	res = admin.get("/admin/outbox/" + itoa(id))
	if !strings.Contains(res.text(), msg(t, "nb", "admin.outbox.sent_at")) || !strings.Contains(res.text(), msg(t, "nb", "admin.outbox.status_sent")) {
		t.Error("sent mail does not show when it was sent")
	}

	// Dead mail: the error and a retry that puts it back in the queue.
	dead := unique("gone") + "@outbox.example"
	testSMTP.Reject(dead)
	deadID := ta.enqueueMail(dead)
	ta.drain()
	res = admin.get("/admin/outbox/" + itoa(deadID))
	if !strings.Contains(res.text(), msg(t, "nb", "admin.outbox.last_error")) || !strings.Contains(res.text(), "550") ||
		!strings.Contains(res.body, `action="/admin/outbox/`+itoa(deadID)+`/retry"`) {
		t.Error("dead mail page lacks the error or the retry button")
	}
	res = admin.post("/admin/outbox/"+itoa(deadID)+"/retry", nil)
	if res.status != http.StatusSeeOther || res.location() != "/admin/outbox/"+itoa(deadID) {
		t.Fatalf("retry: %d to %q", res.status, res.location())
	}
	m, _ := ta.store.OutboxMailByID(ctx, deadID)
	if m.Status != "pending" || m.Attempts != 0 || m.NextAttemptAt.After(time.Now()) {
		t.Errorf("after retry: %s, %d attempts, next %v", m.Status, m.Attempts, m.NextAttemptAt)
	}
	if !strings.Contains(admin.get(res.location()).text(), msg(t, "nb", "flash.mail_retried")) {
		t.Error("no flash after the retry")
	}

	// Failed mail (a temporary error, waiting for its backoff): retry
	// wakes the running sender, which delivers at once.
	ta.drain()
	flaky := unique("flaky") + "@outbox.example"
	flakyID := ta.enqueueMail(flaky)
	testSMTP.FailNext(1)
	if st := ta.drain(); st.Failed != 1 {
		t.Fatalf("drain with a temporary failure: %+v", st)
	}
	m, _ = ta.store.OutboxMailByID(ctx, flakyID)
	if m.Status != "failed" || m.LastError == nil || !strings.Contains(*m.LastError, "451") || !m.NextAttemptAt.After(time.Now()) {
		t.Fatalf("after a temporary failure: %s %v %v", m.Status, m.LastError, m.NextAttemptAt)
	}
	ta.sys.Sender.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ta.sys.Sender.Stop(ctx)
	})
	if res := admin.post("/admin/outbox/"+itoa(flakyID)+"/retry", nil); res.status != http.StatusSeeOther {
		t.Fatalf("retry failed mail: %d", res.status)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(testSMTP.To(flaky)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if len(testSMTP.To(flaky)) != 1 {
		t.Fatal("the retried mail was not delivered: the sender was not woken")
	}
	for time.Now().Before(deadline) {
		if m, _ = ta.store.OutboxMailByID(ctx, flakyID); m.Status == "sent" {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m.Status != "sent" {
		t.Errorf("retried mail is %s", m.Status)
	}

	for _, path := range []string{"/admin/outbox/999999999", "/admin/outbox/0", "/admin/outbox/abc", "/admin/outbox/999999999/html"} {
		if res := admin.get(path); res.status != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, res.status)
		}
	}
	for _, path := range []string{"/admin/outbox/999999999/retry", "/admin/outbox/abc/retry"} {
		if res := admin.post(path, nil); res.status != http.StatusNotFound {
			t.Errorf("POST %s: %d", path, res.status)
		}
	}
}

// Without SMTP_URL the outbox page is the development inbox and says so.
func TestAdminOutboxDevInbox(t *testing.T) {
	ta := newTestApp(t, func(c *Config) { c.DevMail = true })
	u := ta.createUser(db.RoleAdmin)
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $2 WHERE id = $1`, u.ID, lang)
		res := ta.sessionFor(u).get("/admin/outbox")
		if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, lang, "admin.outbox.dev_inbox")) {
			t.Errorf("%s: %d without the development notice", lang, res.status)
		}
	}
	// In development the outbox is the inbox: the links are there to follow.
	id := ta.enqueueMail(unique("dev") + "@outbox.example")
	if res := ta.sessionFor(u).get("/admin/outbox/" + itoa(id)); !strings.Contains(res.body, "/l/"+strings.Repeat("x", 43)) {
		t.Error("the development inbox hides the one-time link")
	}
}

// The jobs page lists each job with its schedule and runs; "run now" runs
// it through the exactly-once path as a forced run.
func TestAdminJobs(t *testing.T) {
	// A database of its own: "never ran" must not depend on which other
	// tests ran a job first.
	dbURL, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	ta := newTestAppOn(t, dbURL)
	ctx := context.Background()
	u := ta.createUser(db.RoleAdmin)
	admin := ta.sessionFor(u)

	res := admin.get("/admin/jobs")
	if res.status != http.StatusOK {
		t.Fatalf("jobs: %d", res.status)
	}
	body := res.text()
	for _, want := range []string{"<code>outbox</code>", "<code>* * * * *</code>", msg(t, "nb", "jobs.outbox"),
		"<code>retention</code>", "<code>30 3 * * *</code>", msg(t, "nb", "jobs.retention"),
		"<code>status</code>", "<code>5 0 * * *</code>", msg(t, "nb", "jobs.status"),
		msg(t, "nb", "admin.jobs.cron_off"), `action="/admin/jobs/retention/run"`, `action="/admin/jobs/outbox/run"`} {
		if !strings.Contains(body, want) {
			t.Errorf("jobs page lacks %q", want)
		}
	}
	jobs := len(ta.sys.Scheduler.Jobs())
	if n := strings.Count(body, msg(t, "nb", "admin.jobs.never")); n != jobs || jobs < 5 {
		t.Errorf("%d jobs say they never ran, want every job (%d: outbox, retention, status, reminders, progress)", n, jobs)
	}
	// The next retention run is the next 03:30 in Oslo (nightly).
	next, _ := ta.sys.Scheduler.Job("retention")
	nt := next.Next(time.Now())
	if time.Until(nt) > 24*time.Hour || nt.Hour() != 3 || nt.Minute() != 30 || !strings.Contains(body, datetime(nt)) {
		t.Errorf("next retention run %v not shown", nt)
	}

	// Something for retention to delete: a link that expired long ago.
	owner := ta.createUser(db.RoleNAV)
	old := ta.linkToken(db.NewLinkToken{Purpose: db.PurposeReset, UserID: &owner.ID, Email: owner.Email, TTL: time.Hour})
	ta.exec(`UPDATE link_tokens SET expires_at = now() - interval '8 days' WHERE token_hash = $1`, db.HashToken(old))
	// Run now answers with a redirect (a reload must not run it again),
	// and the page it leads to shows the outcome.
	res = admin.post("/admin/jobs/retention/run", nil)
	if res.status != http.StatusSeeOther || !strings.HasPrefix(res.location(), "/admin/jobs?run=") {
		t.Fatalf("run retention: %d %q", res.status, res.location())
	}
	res = admin.get(res.location())
	body = res.text()
	done := fill(msg(t, "nb", "admin.jobs.result_ok"), "Job", "retention")
	if !strings.Contains(body, done[:strings.Index(done, "{{")]) {
		t.Errorf("no result %q", done)
	}
	var runs []db.JobRun
	if err := ta.store.DB.Select(&runs, `SELECT id, job, slot, forced, started_at, finished_at, status, stats, error FROM job_runs`); err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Job != "retention" || !runs[0].Forced || runs[0].Status != "ok" || runs[0].FinishedAt == nil {
		t.Fatalf("job runs: %+v", runs)
	}
	var stats map[string]int
	if err := json.Unmarshal(runs[0].Stats, &stats); err != nil || stats["link_tokens"] != 1 {
		t.Errorf("retention stats %s: %v", runs[0].Stats, err)
	}
	if _, err := ta.store.LinkTokenLookup(ctx, old); err != db.ErrNotFound {
		t.Errorf("the expired link survived retention: %v", err)
	}
	for _, want := range []string{msg(t, "nb", "admin.jobs.forced"), msg(t, "nb", "admin.jobs.status_ok"), `"link_tokens": 1`,
		`"bundles_made": 0`, `"anonymised": 0`, `"audit_rows_pruned": 0`} {
		if !strings.Contains(body, want) {
			t.Errorf("the run table lacks %q", want)
		}
	}
	if n := strings.Count(body, msg(t, "nb", "admin.jobs.never")); n != jobs-1 {
		t.Errorf("after one run %d jobs say they never ran, want %d", n, jobs-1)
	}
	// Run now again: a second forced run of the same slot.
	if res := admin.post("/admin/jobs/retention/run", nil); res.status != http.StatusSeeOther {
		t.Fatalf("second run: %d", res.status)
	}
	if n := ta.countWhere("job_runs", "job = 'retention' AND forced"); n != 2 {
		t.Errorf("forced runs: %d, want 2", n)
	}

	// Run the outbox job: it delivers what is queued.
	to := unique("jobmail") + "@test.example"
	ta.enqueueMail(to)
	ta.exec(`UPDATE users SET locale = 'en' WHERE id = $1`, u.ID)
	res = admin.post("/admin/jobs/outbox/run", nil)
	if res.status == http.StatusSeeOther {
		res = admin.get(res.location())
	}
	if res.status != http.StatusOK || !strings.Contains(res.text(), fill(msg(t, "en", "admin.jobs.result_ok"), "Job", "outbox")[:len("outbox has run")]) {
		t.Fatalf("run outbox: %d", res.status)
	}
	oneMailTo(t, to)
	if !strings.Contains(res.text(), `"sent": 1`) || !strings.Contains(res.text(), msg(t, "en", "admin.jobs.heading")) {
		t.Error("the outbox run's result is not shown in English")
	}

	// An unknown job is 404 and runs nothing.
	before := ta.count("job_runs")
	for _, name := range []string{"nope", "kpi", "RETENTION"} {
		if res := admin.post("/admin/jobs/"+name+"/run", nil); res.status != http.StatusNotFound {
			t.Errorf("run %s: %d", name, res.status)
		}
	}
	if ta.count("job_runs") != before {
		t.Error("an unknown job made a run")
	}
}
