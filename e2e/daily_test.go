package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"praksis/db"
)

// viaMenu opens the header's closed menus (<details>: the folded phone
// menu, "Administrasjon") that hold sel, so that a click reaches it; it
// returns sel.
func (b *tab) viaMenu(sel string) string {
	b.t.Helper()
	b.do(evalVoid(fmt.Sprintf(`(e => { for (let d = e && e.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) d.open = true })(document.querySelector(%q))`, sel)))
	return sel
}

// caseloadOf registers participants with the given last names in the demo
// adviser's caseload (the demo data has none), the first at risk: its
// programme ends in two months with no work or education.
func caseloadOf(t *testing.T, lastNames ...string) {
	t.Helper()
	ctx := context.Background()
	adviser, err := store.UserByEmail(ctx, adviserEmail)
	if err != nil {
		t.Fatal(err)
	}
	today := osloToday(t)
	for i, last := range lastNames {
		if _, err := store.CreateParticipant(ctx, adviser.ID, db.ParticipantInput{
			FirstName: "Natalia", LastName: last, BirthYear: 1985, Languages: []string{"uk"},
			Education: "primary", Regime: "integreringsloven", ProgrammeStart: today.AddDate(0, -22, 0), ProgrammeEnd: today.AddDate(0, 2+12*i, 0),
			GoalCategory: "work_sector", GoalSector: "transport", Status: "active",
			Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelA2, "oral": db.LevelB1},
		}, "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
}

// tableFits fails when the main table scrolls sideways in its box.
func (b *tab) tableFits(name string) {
	b.t.Helper()
	scroll, client := eval[int](b, `document.querySelector("main .table-wrap").scrollWidth`), eval[int](b, `document.querySelector("main .table-wrap").clientWidth`)
	if scroll > client {
		b.t.Errorf("%s: the table is %dpx wide in its %dpx box", name, scroll, client)
	}
}

// TestCaseloadFits: the caseload has no sideways scroll at 1280 px (for
// the adviser and, with its adviser column, the admin), turns into
// labelled cards where its columns no longer fit (1024 px) and on a phone
// (375 px), no page wider than the screen; axe clean (issue 20).
func TestCaseloadFits(t *testing.T) {
	journey(t, resAdmin, resAdviser)
	caseloadOf(t, unique("Kovalenko-Bondarenko-"), unique("Tkachenko-"), unique("Al-Sayed-"))
	for _, who := range []string{adviserEmail, "admin@example.org"} {
		b := newTab(t)
		b.do(chromedp.EmulateViewport(1280, 900))
		b.expectStatus(who+" signs in", b.signIn(who, db.DemoPassword), 200)
		b.ensureLanguage("nb")
		b.expectStatus("GET /participants", b.open("/participants"), 200)
		if n := eval[int](b, `document.querySelectorAll("table.caseload tbody tr").length`); n == 0 {
			t.Fatalf("%s: an empty caseload", who)
		}
		b.tableFits(who + " at 1280 px")
		b.expectNoSidewaysScroll(who + " caseload at 1280 px")
		if got := eval[string](b, `getComputedStyle(document.querySelector("table.caseload tbody tr")).display`); got != "table-row" {
			t.Errorf("%s: at 1280 px a row is display %q, want a table row", who, got)
		}
		b.checkPage("caseload-1280-" + strings.Split(who, "@")[0])
		for _, w := range []int64{1024, 375} {
			if w < 600 {
				b.do(chromedp.EmulateViewport(w, 812, chromedp.EmulateMobile))
			} else {
				b.do(chromedp.EmulateViewport(w, 900))
			}
			b.expectStatus("GET /participants", b.open("/participants"), 200)
			b.expectNoSidewaysScroll(fmt.Sprintf("%s caseload at %d px", who, w))
			if got := eval[string](b, `getComputedStyle(document.querySelector("table.caseload tbody tr")).display`); got != "grid" {
				t.Errorf("%s: at %d px a row is display %q, want a card (grid)", who, w, got)
			}
			// Each value says what it is, and the sort stays at hand.
			if got := eval[string](b, `getComputedStyle(document.querySelector("table.caseload tbody td[data-label]"), "::before").content`); got != `"`+b.msg("participants.col_end")+`"` {
				t.Errorf("%s: at %d px the first value is labelled %s", who, w, got)
			}
			if !eval[bool](b, link2visible(`table.caseload thead th[aria-sort] a`)) {
				t.Errorf("%s: at %d px the sort links are hidden", who, w)
			}
			b.checkPage(fmt.Sprintf("caseload-%d-%s", w, strings.Split(who, "@")[0]))
		}
	}
}

// TestAdminHeaderOneLine: at 1280 px the admin's header is no taller than
// the adviser's, its menu on one line, the administration's pages under
// "Administrasjon" (a <details>); Escape closes it. Header links get the
// content's focus ring (issue 20).
func TestAdminHeaderOneLine(t *testing.T) {
	journey(t, resAdmin, resAdviser)
	heights := map[string]float64{}
	for _, who := range []string{adviserEmail, "admin@example.org"} {
		b := newTab(t)
		b.do(chromedp.EmulateViewport(1280, 900))
		b.expectStatus(who+" signs in", b.signIn(who, db.DemoPassword), 200)
		b.ensureLanguage("nb")
		heights[who] = eval[float64](b, `document.querySelector("header").getBoundingClientRect().height`)
		tops := eval[[]float64](b, `Array.from(document.querySelectorAll("header .site-nav > ul > li")).map(li => li.getBoundingClientRect().top)`)
		for _, top := range tops {
			if top != tops[0] {
				t.Errorf("%s: the menu wraps at 1280 px (tops %v)", who, tops)
				break
			}
		}
		if who != adviserEmail {
			continue
		}
		b.checkPage("header-1280-adviser")
	}
	if a, r := heights["admin@example.org"], heights[adviserEmail]; a > r || a >= 110 {
		t.Errorf("the admin's header is %.0f px tall at 1280 px, the adviser's %.0f px: want no taller, under 110", a, r)
	}

	b := newTab(t)
	b.do(chromedp.EmulateViewport(1280, 900))
	b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
	b.ensureLanguage("nb")
	users := `header nav a[href="/admin/users"]`
	if eval[bool](b, link2visible(users)) {
		t.Errorf("the administration's links are shown with their menu closed")
	}
	b.expect("menu", b.text(`header summary.site-submenu__toggle`), b.msg("nav.admin"))
	b.do(click(`header summary.site-submenu__toggle`))
	if !eval[bool](b, link2visible(users)) {
		t.Fatalf("the administration's menu does not open")
	}
	b.checkPage("header-admin-menu-open")
	b.do(chromedp.KeyEvent(kb.Escape))
	if eval[bool](b, `document.querySelector("details.site-submenu").open`) {
		t.Errorf("Escape does not close the administration's menu")
	}
	b.do(click(`header summary.site-submenu__toggle`))
	b.expectStatus("open users", b.submit(users), 200)
	b.expectPath("/admin/users")
	if !eval[bool](b, `document.querySelector("header summary.site-submenu__toggle").classList.contains("site-submenu__toggle--current")`) {
		t.Errorf("the menu does not show that an administration page is open")
	}

	// The focus ring: a header link focused from the keyboard looks as a
	// content link does.
	ring := func(sel string) string {
		b.do(evalVoid(fmt.Sprintf(`document.querySelector(%q).focus()`, sel)))
		return eval[string](b, fmt.Sprintf(`(s => [s.outlineStyle, s.outlineWidth, s.outlineColor, s.outlineOffset, s.boxShadow].join(" | "))(getComputedStyle(document.querySelector(%q)))`, sel))
	}
	b.expectStatus("GET /", b.open("/"), 200)
	b.do(chromedp.KeyEvent(kb.Tab)) // keyboard use: focus() shows :focus-visible from here on
	header, content := ring(`header nav a[href="/participants"]`), ring(`main a.ds-link`)
	if header != content || strings.HasPrefix(header, "none") {
		t.Errorf("a focused header link: %q, a focused content link: %q", header, content)
	}
}

// TestLiveParticipantSearch: the caseload's search asks as the adviser
// types (htmx): the results change in place, one history entry, no empty
// parameters in the address, the count read out; without script it is a
// plain GET form. The profile's timeline shows the agreement with a link
// (issue 20).
func TestLiveParticipantSearch(t *testing.T) {
	journey(t, resAdviser)
	name := unique("Shevchenko")
	caseloadOf(t, name, unique("Melnyk"))
	b := newTab(t)
	b.do(chromedp.EmulateViewport(1280, 900))
	b.expectStatus("adviser signs in", b.signIn(adviserEmail, db.DemoPassword), 200)
	b.ensureLanguage("nb")
	b.expectStatus("GET /participants", b.open("/participants"), 200)
	all := eval[int](b, `document.querySelectorAll("table.caseload tbody tr").length`)
	start := eval[int](b, `history.length`)
	b.do(evalVoid(`window.__marker = 1`))
	b.fill("#c-q", name)
	b.waitFor(fmt.Sprintf(`new URLSearchParams(location.search).get("q") === %q`, name))
	b.waitFor(`document.querySelectorAll("table.caseload tbody tr").length === 1`)
	b.do(chromedp.Sleep(900 * time.Millisecond))
	if eval[int](b, `window.__marker || 0`) != 1 {
		t.Errorf("the page reloaded: the search should swap the results in place")
	}
	if got := eval[int](b, `history.length`); got != start+1 {
		t.Errorf("one search: history.length %d, want %d", got, start+1)
	}
	for _, p := range strings.Split(strings.TrimPrefix(eval[string](b, `location.search`), "?"), "&") {
		if strings.HasSuffix(p, "=") {
			t.Errorf("the address has the empty parameter %s", p)
		}
	}
	if got := b.text("table.caseload tbody th a"); !strings.Contains(got, name) {
		t.Errorf("the search for %s found %q", name, got)
	}
	if n := eval[int](b, `document.querySelectorAll("#caseload-results, main form[role=search]").length`); n != 2 {
		t.Errorf("the results or the form are on the page %d times together, want once each", n)
	}
	b.waitFor(`document.querySelector("#live-region").textContent.trim() === document.querySelector("#caseload-count").textContent.trim()`)
	b.checkPage("caseload-live-search")
	if all <= 1 {
		t.Errorf("the demo caseload has %d participants: the search proves nothing", all)
	}

	// The profile's timeline, newest first: the planned end on top.
	b.expectStatus("open the profile", b.submit("table.caseload tbody th a"), 200)
	if got := eval[string](b, `document.querySelector("main .timeline__item").className`); !strings.Contains(got, "timeline__item--end") {
		t.Errorf("the timeline's first entry is %q, want the planned end", got)
	}
	b.checkPage("profile-timeline")

	// Without script: the plain form.
	n := newTab(t)
	n.do(scriptsDisabled(true))
	n.expectStatus("adviser signs in", n.signIn(adviserEmail, db.DemoPassword), 200)
	n.ensureLanguage("nb")
	n.expectStatus("GET /participants", n.open("/participants"), 200)
	n.fill("#c-q", name)
	n.expectStatus("search without script", n.submit(`main form[role="search"] button[type="submit"]`), 200)
	if got := eval[string](n, `new URLSearchParams(location.search).get("q")`); got != name {
		t.Errorf("without script the address has q=%q", got)
	}
	if got := eval[int](n, `document.querySelectorAll("table.caseload tbody tr").length`); got != 1 {
		t.Errorf("without script the search lists %d rows, want 1", got)
	}
	checkWithoutScripts(n, "nojs-caseload-search")
}
