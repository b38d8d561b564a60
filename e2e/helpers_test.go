package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"praksis/db"
	"praksis/locale"
	"praksis/mail/smtptest"
)

// languages are the two every page is checked in; bokmål is the default.
var languages = []string{"nb", "en"}

// tab is one browser tab in a browser context of its own (its own cookies,
// as a separate person's browser would have), bounded by testTimeout.
// lang is the language its pages are expected in.
type tab struct {
	t       *testing.T
	ctx     context.Context
	lang    string
	console *consoleWatch
}

// newTab opens a tab for t; it closes, and its console is checked for
// errors, when t ends.
func newTab(t *testing.T) *tab {
	t.Helper()
	tctx, cancelTimeout := context.WithTimeout(browserCtx, testTimeout)
	ctx, cancelTab := chromedp.NewContext(tctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		cancelTab()
		cancelTimeout()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return &tab{t: t, ctx: ctx, lang: "nb", console: watchConsole(t, ctx)}
}

// consoleWatch collects the errors a tab's pages log.
type consoleWatch struct {
	mu       sync.Mutex
	problems []string
	allowed  []string
}

// allow accepts console errors containing s (a test that provokes one).
func (w *consoleWatch) allow(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.allowed = append(w.allowed, s)
}

// saw waits up to a few seconds for a console error containing s.
func (w *consoleWatch) saw(s string) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		w.mu.Lock()
		for _, p := range w.problems {
			if strings.Contains(p, s) {
				w.mu.Unlock()
				return true
			}
		}
		w.mu.Unlock()
	}
	return false
}

// watchConsole fails t when the page logs an error or throws: a script
// error, a CSP violation, a missing asset. Failed requests with a status
// are logged by Chromium too; the journeys make some on purpose (422, 401),
// and they check statuses themselves, so those are ignored.
func watchConsole(t *testing.T, ctx context.Context) *consoleWatch {
	w := &consoleWatch{}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			if m.Source == "network" && strings.Contains(m.Text, "the server responded with a status of") {
				continue
			}
			w.mu.Lock()
			w.problems = append(w.problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
	next:
		for _, p := range w.problems {
			for _, a := range w.allowed {
				if strings.Contains(p, a) {
					continue next
				}
			}
			t.Errorf("browser console: %s", p)
		}
	})
	return w
}

func (b *tab) fatal(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf(format, args...)
}

// open navigates to a path of the app and returns the HTTP status.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(baseURL+path))
	if err != nil {
		b.fatal("open %s: %v", path, err)
	}
	return resp.Status
}

// submit clicks a button or link that loads a new page, waits for it and
// returns its HTTP status (after redirects).
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatal("click %s: %v", sel, err)
	}
	return resp.Status
}

// do runs actions that return nothing.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.fatal("%v", err)
	}
}

// fill replaces the text of an input, typing it as a person would.
func (b *tab) fill(sel, value string) {
	b.t.Helper()
	b.do(evalVoid(fmt.Sprintf(`document.querySelector(%q).value = ""`, sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose picks an option of a select by its value.
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(sel), value))
	if got := b.value(sel); got != value {
		b.fatal("select %s: value %q, want %q (no such option?)", sel, got, value)
	}
}

// value is the current value of a form control.
func (b *tab) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.fatal("value of %s: %v", sel, err)
	}
	return v
}

// text is the whitespace-normalised text content of the first match.
func (b *tab) text(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		b.fatal("text of %s: %v", sel, err)
	}
	return strings.Join(strings.Fields(v), " ")
}

// exists reports whether the selector matches now, without waiting.
func (b *tab) exists(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// path is the current location's path.
func (b *tab) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname`)
}

// eval runs an expression in the page (through DevTools, so the page's CSP
// does not apply) and decodes its value.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fatal("evaluate %q: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds (htmx swaps happen
// after the click returns).
func (b *tab) waitFor(cond string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		b.fatal("waiting for %s: %v", cond, err)
	}
}

// expect fails the test unless got equals want.
func (b *tab) expect(what, got, want string) {
	b.t.Helper()
	if got != want {
		b.t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

// expectPath fails the test unless the browser is on path.
func (b *tab) expectPath(path string) {
	b.t.Helper()
	if got := b.path(); got != path {
		b.fatal("on %s, want %s", got, path)
	}
}

// expectStatus fails the test unless got is want.
func (b *tab) expectStatus(what string, got, want int64) {
	b.t.Helper()
	if got != want {
		b.fatal("%s: HTTP %d, want %d", what, got, want)
	}
}

// msg is the text of a message in the tab's language.
func (b *tab) msg(id string, kv ...string) string {
	b.t.Helper()
	return message(b.t, b.lang, id, kv...)
}

// checkPage is what every page a journey visits gets: the language is the
// expected one, axe-core finds no WCAG 2.1 A/AA violation, and a full-page
// screenshot goes to screenshots/<lang>-<name>.png.
func (b *tab) checkPage(name string) {
	b.t.Helper()
	if got := eval[string](b, `document.documentElement.lang`); got != b.lang {
		b.t.Errorf("%s: <html lang=%q>, want %q", name, got, b.lang)
	}
	full := b.lang + "-" + name
	// Chromium's full-page capture can show a stale picture of the part of
	// the page in the viewport that changed last (an htmx message beside a
	// field came out blank, its focus ring missing): from the top, while
	// axe runs, the page is painted afresh. The reader's place is kept.
	b.do(evalVoid(`window.__scrollBack = [window.scrollX, window.scrollY], window.scrollTo(0, 0)`))
	checkA11y(b.ctx, b.t, full)
	screenshot(b.ctx, b.t, full)
	b.do(evalVoid(`window.scrollTo(...(window.__scrollBack || [0, 0])), delete window.__scrollBack`))
}

// switchLanguage presses the language switch in the header and checks
// that the same page comes back in the other language.
func (b *tab) switchLanguage() {
	b.t.Helper()
	before := b.path()
	other := map[string]string{"nb": "en", "en": "nb"}[b.lang]
	btn := `header form[action="/lang"] button`
	b.expect("language switch", b.text(btn), message(b.t, b.lang, "layout.switch_language"))
	if got := eval[string](b, fmt.Sprintf(`document.querySelector(%q).lang`, btn)); got != other {
		b.t.Errorf("language switch button: lang=%q, want %q (it names the other language in that language)", got, other)
	}
	b.expectStatus("switch language", b.submit(btn), 200)
	b.lang = other
	b.expectPath(before)
	if got := eval[string](b, `document.documentElement.lang`); got != other {
		b.fatal("after the switch: <html lang=%q>, want %q", got, other)
	}
}

// ensureLanguage switches when the page is not in lang (a demo account's
// stored choice may be either).
func (b *tab) ensureLanguage(lang string) {
	b.t.Helper()
	b.lang = eval[string](b, `document.documentElement.lang`)
	if b.lang != lang {
		b.switchLanguage()
	}
}

// signIn signs in on /login and returns the status of the page it lands on.
func (b *tab) signIn(email, password string) int64 {
	b.t.Helper()
	mustHold(b.t, email)
	b.expectStatus("GET /login", b.open("/login"), 200)
	b.fill("#f-email", email)
	b.fill("#f-password", password)
	return b.submit(`main form[action="/login"] button[type="submit"]`)
}

// signOut presses the header's sign-out button and checks the result.
func (b *tab) signOut() {
	b.t.Helper()
	// On a phone the button is inside the folded menu: open it first.
	b.do(evalVoid(`(d => { if (d) d.open = true })(document.querySelector("details.site-menu"))`))
	b.expectStatus("sign out", b.submit(`header form[action="/logout"] button`), 200)
	b.expectPath("/login")
	// Signed out, the language is the browser's again: the switch's cookie
	// if this browser pressed it, else Accept-Language.
	b.lang = eval[string](b, `document.documentElement.lang`)
	b.expect("flash after sign-out", b.text("#alerts"), b.msg("flash.signed_out"))
}

var catalogues sync.Map // lang → map[string]string

// message returns a message of views/locales/<lang>.toml with {{.Key}}
// placeholders filled from kv pairs, as the app renders it.
func message(t *testing.T, lang, id string, kv ...string) string {
	t.Helper()
	c, ok := catalogues.Load(lang)
	if !ok {
		m, err := locale.Catalogue(lang)
		if err != nil {
			t.Fatalf("catalogue %s: %v", lang, err)
		}
		c, _ = catalogues.LoadOrStore(lang, m)
	}
	s, ok := c.(map[string]string)[id]
	if !ok {
		t.Fatalf("no message %q in %s.toml", id, lang)
	}
	vals := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		vals[kv[i]] = kv[i+1]
	}
	// As the app renders it (plural forms included) when every placeholder
	// is given; else the given ones filled in, the rest left as written.
	if out, err := locale.Render(lang, s, vals); err == nil && !strings.Contains(out, "<no value>") {
		return out
	}
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{{."+kv[i]+"}}", kv[i+1])
	}
	return s
}

// axeResult is the part of axe.run's result the report needs.
type axeResult struct {
	Passes     int            `json:"passes"`
	Violations []axeViolation `json:"violations"`
}

type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`
		HTML    string   `json:"html"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// axeRun runs axe-core on the whole document for WCAG 2.0 and 2.1, levels A
// and AA, and keeps what the report needs (the full result is large).
const axeRun = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  resultTypes: ['violations']
}).then(r => ({
  passes: r.passes.length,
  violations: r.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(x => Array.isArray(x) ? x.join(' >>> ') : String(x)),
      html: n.html, summary: n.failureSummary || ''
    }))
  }))
}))`

// checkA11y injects axe-core into the current page and fails t with every
// WCAG 2.1 A/AA violation it finds. The script goes in through DevTools
// (Runtime.evaluate), which the page's Content-Security-Policy does not
// govern; TestAxeRunsUnderCSP proves that.
func checkA11y(ctx context.Context, t *testing.T, pageName string) {
	t.Helper()
	res, err := runAxe(ctx)
	if err != nil {
		t.Fatalf("axe %s: %v", pageName, err)
	}
	if res.Passes == 0 {
		t.Errorf("axe %s: no rule passed, so axe did not really look at the page", pageName)
	}
	for _, v := range res.Violations {
		var b strings.Builder
		fmt.Fprintf(&b, "axe %s: %s (%s): %s — %s", pageName, v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == 3 {
				fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-3)
				break
			}
			fmt.Fprintf(&b, "\n    %s  %s", strings.Join(n.Target, " "), truncate(n.HTML, 160))
			if i == 0 && n.Summary != "" {
				fmt.Fprintf(&b, "\n      %s", strings.ReplaceAll(truncate(n.Summary, 400), "\n", "\n      "))
			}
		}
		t.Error(b.String())
	}
}

// runAxe injects axe-core unless the page has it already, and runs it.
func runAxe(ctx context.Context) (axeResult, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object" && typeof window.axe.run === "function"`))
	if err != nil {
		return axeResult{}, err
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource+"\n;void 0")); err != nil {
			return axeResult{}, fmt.Errorf("inject axe-core: %w", err)
		}
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		return axeResult{}, fmt.Errorf("run: %w", err)
	}
	return res, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// screenshot writes a full-page PNG of the current page.
func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.Action[[]byte](fullScreenshot))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// fullScreenshot is chromedp.FullScreenshot(100), a PNG of the whole page,
// encoded for speed rather than size: the screenshots took about a tenth
// of the journeys' time.
func fullScreenshot(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
	yes := true
	r, err := cdp.Call(ctx, tg, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng,
		CaptureBeyondViewport: &yes, FromSurface: &yes, OptimizeForSpeed: &yes})
	if err != nil {
		return nil, err
	}
	return r.Data, nil
}

// screenshotInView scrolls an element into the middle of the viewport and
// saves a screenshot of the viewport as screenshots/<lang>-<name>.png. A
// full-page screenshot leaves out-of-process frames (a sandboxed iframe)
// blank when they lie below the first screen; this one shows them.
func (b *tab) screenshotInView(sel, name string) {
	b.t.Helper()
	b.do(evalVoid(fmt.Sprintf(`document.querySelector(%q).scrollIntoView({block: "center"})`, sel)))
	time.Sleep(300 * time.Millisecond) // let the frame paint at its new place
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, b.lang+"-"+name+".png"), png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
	}
}

var uniq atomic.Int64

// unique makes a string no other journey of this run uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s%d%03d", prefix, time.Now().UnixNano()%1e7, uniq.Add(1))
}

// orgNumber makes a fresh valid organisation number: eight digits and the
// mod-11 check digit (weights 3 2 7 6 5 4 3 2; 11 gives 0; 10 is never
// valid, so such a base is skipped).
func orgNumber() string {
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	for {
		base := fmt.Sprintf("9%07d", rand.IntN(1e7))
		sum := 0
		for i, w := range weights {
			sum += int(base[i]-'0') * w
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		return base + fmt.Sprint(check)
	}
}

// click clicks the first element the CSS selector matches (no navigation
// wait: for htmx and in-page actions; use tab.submit for page loads).
func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(chromedp.CSS(sel))
}

// evalVoid runs a statement in the page, ignoring its value.
func evalVoid(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](expr)
}

// mailWait bounds how long a journey waits for the outbox sender, which is
// woken after each commit and normally delivers within a second.
const mailWait = 10 * time.Second

// mailTo waits for the one mail the app sends to addr (each journey uses
// fresh addresses, so there is never more than one) and returns it.
func (b *tab) mailTo(addr string) smtptest.Message {
	b.t.Helper()
	for deadline := time.Now().Add(mailWait); ; time.Sleep(50 * time.Millisecond) {
		if ms := mailbox.To(addr); len(ms) > 0 {
			if len(ms) > 1 {
				b.t.Errorf("%d mails to %s, want 1", len(ms), addr)
			}
			return ms[0]
		}
		if time.Now().After(deadline) {
			b.fatal("no mail to %s within %s (is the outbox sender running and woken?)", addr, mailWait)
		}
	}
}

// mailLink is the path of the one link of the app (/l/<token>) in a mail:
// the text part has it, absolute on the app's base URL, and the HTML part's
// button leads to the same place.
func (b *tab) mailLink(m smtptest.Message) string {
	b.t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/l/[A-Za-z0-9_-]{20,}`)
	links := re.FindAllString(m.Text, -1)
	if len(links) == 0 {
		b.fatal("no link to %s/l/… in the text part of %q:\n%s", baseURL, m.Subject, m.Text)
	}
	for _, l := range links[1:] {
		if l != links[0] {
			b.t.Errorf("the text part of %q has two different links: %s and %s", m.Subject, links[0], l)
		}
	}
	if !strings.Contains(m.HTML, `href="`+links[0]+`"`) {
		b.t.Errorf("the HTML part of %q has no button to %s", m.Subject, links[0])
	}
	return strings.TrimPrefix(links[0], baseURL)
}

// signedIn reports whether the header offers signing out.
func (b *tab) signedIn() bool {
	b.t.Helper()
	return b.exists(`header form[action="/logout"] button`)
}

// mailWith waits for the one mail the app sends to addr with this subject,
// for an address that gets several kinds of mail in one journey (a
// supervisor: the proposal, the approved agreement, the links).
func (b *tab) mailWith(addr, subject string) smtptest.Message {
	b.t.Helper()
	for deadline := time.Now().Add(mailWait); ; time.Sleep(50 * time.Millisecond) {
		var found []smtptest.Message
		for _, m := range mailbox.To(addr) {
			if m.Subject == subject {
				found = append(found, m)
			}
		}
		if len(found) > 0 {
			if len(found) > 1 {
				b.t.Errorf("%d mails %q to %s, want 1", len(found), subject, addr)
			}
			return found[0]
		}
		if time.Now().After(deadline) {
			var got []string
			for _, m := range mailbox.To(addr) {
				got = append(got, m.Subject)
			}
			b.fatal("no mail %q to %s within %s (got %q)", subject, addr, mailWait, got)
		}
	}
}

// expectNoSidewaysScroll fails the test when the page is wider than the
// viewport (WCAG 1.4.10 reflow), naming a few elements past the edge.
func (b *tab) expectNoSidewaysScroll(name string) {
	b.t.Helper()
	scroll, client := eval[int](b, `document.documentElement.scrollWidth`), eval[int](b, `document.documentElement.clientWidth`)
	if scroll <= client {
		return
	}
	b.t.Errorf("%s: the page is %dpx wide in a %dpx viewport", name, scroll, client)
	wide := eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll("body *"))
		.filter(e => e.getBoundingClientRect().right > %d)
		.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))`, client))
	b.t.Logf("elements past the edge: %v", wide)
}

// publishedPlacement stores a placement of the employer's organisation
// and publishes it, as the employer would on the placement form.
func publishedPlacement(t *testing.T, employer db.User, in db.PlacementInput) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := store.CreatePlacement(ctx, *employer.OrganisationID, employer.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPlacementStatus(ctx, id, *employer.OrganisationID, employer.ID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}
	return id
}

// demoHash is the demo password hashed once for the users the journeys
// make (argon2 takes a while and much memory per hash).
var demoHash = sync.OnceValues(func() (string, error) { return db.HashPassword(db.DemoPassword) })

// newAdviser makes an adviser of the journey's own, signed in with the
// demo password and reading bokmål: its mails and its caseload are the
// journey's alone. The address starts with emailPrefix, the name with
// namePrefix (unique adds the rest).
func newAdviser(ctx context.Context, emailPrefix, namePrefix string) (email string, id int64, err error) {
	hash, err := demoHash()
	if err != nil {
		return "", 0, err
	}
	email = unique(emailPrefix) + "@e2e.example"
	id, err = store.CreateUser(ctx, db.NewUser{Email: email, Name: unique(namePrefix), Role: db.RoleAdviser, Locale: "nb", PasswordHash: hash})
	return email, id, err
}
