package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"praksis/db"
)

// TestPlacementSearchHistory: each htmx search adds one history entry,
// not two (typing, then leaving the field or pressing Enter, used to ask
// again and push the same address), and the address has no empty
// parameters (issue 20).
func TestPlacementSearchHistory(t *testing.T) {
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
