package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
	"praksis/handlers"
	"praksis/jobs"
	"praksis/locale"
	"praksis/mail"
)

// xssMark is in every payload, so a page can be shown to display them.
const xssMark = "XSSMARK"

// xssPayload goes, whole, into every free-text field: a script element,
// attribute breakouts with event handlers (double and single quotes),
// template syntax, htmx attributes that would sign the viewer out on load,
// and a javascript: URL at the start (for fields that end up in href).
const xssPayload = `javascript:window.__xss=5//` + xssMark + `<script>window.__xss=1</script>` +
	`"><img src=x onerror="window.__xss=2">'><svg onload=window.__xss=3>` +
	`{{.}}{{template "layouts/base" .}}` +
	`" hx-get="/logout" hx-trigger="load" x="` + `' hx-post='/logout' hx-trigger='load' x='`

// xssShort and xssTiny are for fields with a length limit.
const (
	xssShort = xssMark + `<script>window.__xss=1</script>"><img src=x onerror=window.__xss=2>{{.}}" hx-get="/logout" hx-trigger="load`
	xssTiny  = `"><svg onload=__xss=3>` + xssMark // 29 characters: phones hold 30
)

// xssColumns are the free-text fields of the schema: what employers,
// advisers, NAV users and admins type in (names, titles, tasks, notes,
// reasons, comments, contacts, addresses). Codes (kinds, statuses,
// levels) are checked against lists before they are stored, and are not
// free text.
var xssColumns = map[string][]string{
	"organisations":     {"name", "municipality"},
	"users":             {"name"},
	"placements":        {"title", "tasks", "address", "municipality", "supervisor_name", "supervisor_email", "supervisor_phone", "adaptations_other", "unpublished_reason"},
	"placement_events":  {"reason"},
	"participants":      {"first_name", "last_name", "address", "municipality"},
	"participant_notes": {"body"},
	"outcomes":          {"employer", "note"},
	"proposals":         {"note", "decline_reason", "shared_adaptations"},
	"agreements": {"job_title", "tasks", "goals_text", "adaptations", "follow_up_plan", "mentor_name", "mentor_phone", "mentor_tasks",
		"supervisor_name", "supervisor_email", "supervisor_phone", "consent_note", "end_note"},
	"evaluations": {"comment"},
	"follow_ups":  {"notes"},
}

// checkXSS is run on every page: the flag no payload may set, event
// handler attributes (the app has none: its CSP forbids inline script; an
// injected <svg onload> is caught here too), the attributes the payloads
// try to inject (x outside the progress chart's SVG, hx-* to /logout or on
// load), script elements with payload text, javascript: links and the
// payload's <img>.
const checkXSS = `(() => {
  const p = [];
  if (window.__xss) p.push("a payload script ran: " + window.__xss);
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const n = a.name.toLowerCase(), v = a.value;
      if (n.startsWith("on")) p.push(el.tagName + " has " + n + "=" + v);
      if (n === "x" && el.namespaceURI !== "http://www.w3.org/2000/svg") p.push(el.tagName + " has an injected attribute x");
      if ((n === "hx-get" || n === "hx-post" || n === "data-hx-get" || n === "data-hx-post") && v === "/logout") p.push(el.tagName + " has " + n + "=/logout");
      if (n.includes("hx-trigger") && v === "load") p.push(el.tagName + " has hx-trigger=load");
      if ((n === "href" || n === "src" || n === "action" || n === "formaction") && v.trim().toLowerCase().startsWith("javascript:")) p.push(el.tagName + " " + n + "=" + v);
    }
    if (el.tagName === "SCRIPT" && el.textContent.includes("__xss")) p.push("an injected script element");
    if (el.tagName === "IMG" && el.getAttribute("src") === "x") p.push("an injected IMG");
  }
  return p;
})()`

// Every free-text field holds the payloads; on every page that shows
// them, to every role, in Chromium with the page's CSP switched off (so
// what is proved is the escaping, not only the CSP): no payload script
// runs, no element gets an injected on* or hx-* attribute, and the text
// is shown as text.
func TestNoXSS(t *testing.T) {
	journey(t)
	ctx := context.Background()
	dbURL, drop, err := dbtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	st, err := db.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := seed.DemoAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	injected := 0
	for table, cols := range xssColumns {
		for _, col := range cols {
			// A field with a length limit gets the longest payload it holds.
			var err error
			for _, payload := range []string{xssPayload, xssShort, xssTiny} {
				var res sql.Result
				res, err = st.DB.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET %s = $1`, table, col), payload)
				if err == nil {
					n, _ := res.RowsAffected()
					injected += int(n)
					break
				}
			}
			if err != nil {
				t.Fatalf("payload into %s.%s: %v", table, col, err)
			}
		}
	}
	t.Logf("payloads in %d fields", injected)
	base := startXSSServer(t, st)

	ids := func(q string) []int64 {
		var out []int64
		if err := st.DB.SelectContext(ctx, &out, q); err != nil {
			t.Fatal(err)
		}
		if len(out) == 0 {
			t.Fatalf("no rows for %s", q)
		}
		return out
	}
	one := func(q string) string { return fmt.Sprint(ids(q)[0]) }
	demoOrg := `(SELECT organisation_id FROM users WHERE email = 'arbeidsgiver@example.org')`
	placement := one(`SELECT id FROM placements WHERE organisation_id = ` + demoOrg + ` AND status = 'published' ORDER BY id LIMIT 1`)
	participant := one(`SELECT p.id FROM participants p JOIN agreements a ON a.participant_id = p.id ORDER BY p.id LIMIT 1`)
	agreement := one(`SELECT a.id FROM agreements a JOIN placements p ON p.id = a.placement_id WHERE p.organisation_id = ` + demoOrg + ` ORDER BY a.id LIMIT 1`)
	proposal := one(`SELECT id FROM proposals ORDER BY (decline_reason IS NULL), id LIMIT 1`)
	pages := map[string][]string{
		"arbeidsgiver@example.org": {"/", "/placements", "/placements/" + placement, "/placements/" + placement + "/edit", "/proposals",
			"/proposals/" + proposal, "/agreements", "/agreements/" + agreement, "/agreements/" + agreement + "/summary", "/organisation"},
		"radgiver@example.org": {"/", "/participants", "/participants/" + participant, "/participants/" + participant + "/edit",
			"/participants/" + participant + "/suggestions", "/placements?q=" + xssMark, "/placements/" + placement, "/agreements",
			"/agreements/" + agreement, "/agreements/" + agreement + "/summary", "/agreements/" + agreement + "/steps/goals"},
		"nav@example.org":   {"/", "/participants", "/agreements"},
		"admin@example.org": {"/", "/admin/organisations?status=all", "/admin/users", "/participants/" + participant, "/participants/" + participant + "/audit", "/placements", "/agreements/" + agreement},
	}
	// Pages that must show the payload as text: proof that the check looked
	// at the fields, not at pages without them.
	mustShow := map[string]bool{"/placements/" + placement: true, "/participants/" + participant: true, "/agreements/" + agreement: true,
		"/agreements/" + agreement + "/summary": true, "/proposals/" + proposal: true, "/admin/organisations?status=all": true}

	visited, shown := 0, 0
	for email, paths := range pages {
		b := newTab(t)
		bypass := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
			return err
		})
		b.do(bypass)
		if _, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(base+"/login")); err != nil {
			t.Fatal(err)
		}
		b.fill("#f-email", email)
		b.fill("#f-password", db.DemoPassword)
		if st := b.submit(`main form[action="/login"] button[type="submit"]`); st != 200 {
			t.Fatalf("sign in as %s: %d", email, st)
		}
		for _, path := range paths {
			resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(base+path))
			if err != nil {
				t.Fatalf("%s %s: %v", email, path, err)
			}
			if resp.Status != 200 {
				t.Errorf("%s %s: HTTP %d", email, path, resp.Status)
			}
			time.Sleep(300 * time.Millisecond) // an injected hx-trigger="load" would have fired
			visited++
			for _, p := range eval[[]string](b, checkXSS) {
				t.Errorf("%s %s: %s", email, path, p)
			}
			if eval[bool](b, fmt.Sprintf(`document.body.innerText.includes(%q)`, xssMark)) {
				shown++
				if !eval[bool](b, `document.body.innerText.includes("{{.}}")`) {
					t.Errorf("%s %s: template syntax in a field was not shown as text", email, path)
				}
			} else if mustShow[path] {
				t.Errorf("%s %s: the page does not show the fields' text", email, path)
			}
			if !strings.HasPrefix(eval[string](b, `location.pathname`), strings.SplitN(path, "?", 2)[0]) {
				t.Errorf("%s %s: navigated away to %s", email, path, eval[string](b, `location.href`))
			}
		}
		// Still signed in: no injected hx-get="/logout" fired anywhere.
		if resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(base+"/password")); err != nil || resp.Status != 200 || !b.signedIn() {
			t.Errorf("%s: signed out while browsing the payloads", email)
		}
	}
	t.Logf("%d pages checked, %d of them showing payloads", visited, shown)
}

// startXSSServer serves the real app on the test's own database (full demo
// data, payloads in it), apart from the journeys' server.
func startXSSServer(t *testing.T, st *db.Store) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	sys, err := jobs.NewSystem(st, log, tr, mail.Config{BaseURL: base, MailFrom: "Praksis <noreply@praksis.example>"})
	if err != nil {
		t.Fatal(err)
	}
	app, err := handlers.New(handlers.Config{BaseURL: base, SecretKey: []byte("xss-secret-xss-secret-xss-secret-xss!"),
		SessionIdleTimeout: 30 * time.Minute, SessionMaxAge: 12 * time.Hour, LoginMaxFailures: 5, LoginMaxFailuresPerIP: 50, LoginWindow: 15 * time.Minute},
		handlers.Deps{Store: st, Log: log, Translator: tr, Mail: sys.Renderer, Scheduler: sys.Scheduler})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = app.Fiber().Listener(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = app.Shutdown(ctx)
		<-done
	})
	return base
}
