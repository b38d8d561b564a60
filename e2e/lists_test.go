package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"praksis/db"
)

// agreementStatus is an agreement's status today, as the list shows it.
func agreementStatus(t *testing.T, agreementID int64) string {
	t.Helper()
	var st string
	if err := store.DB.QueryRow(`SELECT agreement_status(ag, current_date) FROM agreements ag WHERE id = $1`, agreementID).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPlacementSearchHistory: each htmx search adds one history entry,
// not two (typing, then leaving the field or pressing Enter, used to ask
// again and push the same address), and the address has no empty
// parameters (issue 20).
func TestPlacementSearchHistory(t *testing.T) {
	journey(t, resAdviser, resSearch)
	demoPlacement(t, "Kafémedarbeider")
	b := newTab(t)
	b.expectStatus("adviser signs in", b.signIn("radgiver@example.org", db.DemoPassword), 200)
	b.ensureLanguage("nb")
	b.expectStatus("GET /placements", b.open("/placements"), 200)
	start := eval[int](b, `history.length`)
	settle := func() { b.do(chromedp.Sleep(900 * time.Millisecond)) }

	b.fill("#s-q", "kafé")
	b.waitFor(`new URLSearchParams(location.search).get("q") === "kafé"`)
	b.do(chromedp.SendKeys(chromedp.CSS("#s-q"), kb.Enter)) // submit: the same search
	settle()
	b.do(evalVoid(`document.querySelector("#s-q").blur()`)) // change: the same search
	settle()
	if got := eval[int](b, `history.length`); got != start+1 {
		t.Errorf("one search: history.length %d, want %d", got, start+1)
	}
	b.choose("#s-sector", eval[string](b, `document.querySelector("#s-sector option:nth-child(2)").value`))
	b.do(evalVoid(`document.querySelector("#s-sector").dispatchEvent(new Event("change", {bubbles: true}))`))
	b.waitFor(`new URLSearchParams(location.search).has("sector")`)
	settle()
	if got := eval[int](b, `history.length`); got != start+2 {
		t.Errorf("two searches: history.length %d, want %d", got, start+2)
	}
	search := eval[string](b, `location.search`)
	for _, p := range strings.Split(strings.TrimPrefix(search, "?"), "&") {
		if strings.HasSuffix(p, "=") {
			t.Errorf("address %s has the empty parameter %s", search, p)
		}
	}
	if eval[int](b, `document.querySelectorAll("#results").length`) != 1 {
		t.Errorf("the results are not on the page once")
	}
}

// TestAdminOrganisationsTable: the organisations table has no sideways
// scroll at 1280 px, also with a rejection's confirm step open, and stacks
// at 375 px without making the page wider than the screen; axe is clean
// (issue 20).
func TestAdminOrganisationsTable(t *testing.T) {
	journey(t, resAdmin)
	b := newTab(t)
	b.do(chromedp.EmulateViewport(1280, 900))
	b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
	b.ensureLanguage("nb")
	b.expectStatus("GET /admin/organisations", b.open("/admin/organisations?status=all"), 200)
	tableFits := func(name string) {
		t.Helper()
		scroll, client := eval[int](b, `document.querySelector("main .table-wrap").scrollWidth`), eval[int](b, `document.querySelector("main .table-wrap").clientWidth`)
		if scroll > client {
			t.Errorf("%s: the table is %dpx wide in its %dpx box", name, scroll, client)
		}
	}
	tableFits("1280 px")
	b.expectNoSidewaysScroll("organisations at 1280 px")
	b.checkPage("admin-organisations-1280")
	b.do(click(`main tbody tr details:has(form[action$="/reject"]) > summary`))
	b.waitFor(`document.querySelector('main tbody tr details[open] textarea[name="reason"]') !== null`)
	tableFits("1280 px, rejection open")
	b.checkPage("admin-organisations-reject-open")

	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	b.expectStatus("GET /admin/organisations", b.open("/admin/organisations?status=all"), 200)
	b.expectNoSidewaysScroll("organisations at 375 px")
	if got := eval[string](b, `getComputedStyle(document.querySelector("main tbody tr")).display`); got != "block" {
		t.Errorf("at 375 px a row is display %q, want block (stacked)", got)
	}
	b.checkPage("admin-organisations-375")
	b.expectStatus("GET /admin/contact", b.open("/admin/contact"), 200)
	b.expectNoSidewaysScroll("contact at 375 px")
	b.checkPage("admin-contact-375")
}

// TestAgreementsList: the agreements list filters and fits: no sideways
// scroll in its table at 1280 px, no page wider than the screen at 375 px,
// axe clean (issue 20).
func TestAgreementsList(t *testing.T) {
	journey(t)
	f := newFormsFixture(t) // an adviser of their own with an agreement
	st := agreementStatus(t, f.agreement)
	b := newTab(t)
	b.do(chromedp.EmulateViewport(1280, 900))
	b.expectStatus("adviser signs in", b.signIn(f.adviser, db.DemoPassword), 200)
	b.ensureLanguage("nb")
	b.expectStatus("GET /agreements", b.open("/agreements"), 200)
	all := eval[int](b, `document.querySelectorAll("main tbody tr").length`)
	if all == 0 {
		t.Fatal("the adviser's agreement is not listed")
	}
	scroll, client := eval[int](b, `document.querySelector("main .table-wrap").scrollWidth`), eval[int](b, `document.querySelector("main .table-wrap").clientWidth`)
	if scroll > client {
		t.Errorf("the agreements table is %dpx wide in its %dpx box", scroll, client)
	}
	b.checkPage("agreements-1280")
	b.choose("#a-status", st)
	b.expectStatus("filter by status", b.submit(`main form[role="search"] button[type="submit"]`), 200)
	if got := eval[string](b, `new URLSearchParams(location.search).get("status")`); got != st {
		t.Errorf("status in the address: %q", got)
	}
	want := b.msg("agreements.status." + st)
	if got := eval[[]string](b, `Array.from(document.querySelectorAll("main tbody .status")).map(e => e.textContent.trim())`); len(got) != 1 {
		t.Errorf("statuses listed %v, want the one agreement", got)
	}
	for _, s := range eval[[]string](b, `Array.from(document.querySelectorAll("main tbody .status")).map(e => e.textContent.trim())`) {
		if s != want {
			t.Errorf("a %q agreement in the list of running ones", s)
		}
	}
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	b.expectStatus("GET /agreements", b.open("/agreements"), 200)
	b.expectNoSidewaysScroll("agreements at 375 px")
	b.checkPage("agreements-375")
}
