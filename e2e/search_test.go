package e2e

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"praksis/db"
)

// demoWords are what a new adviser types (issue 17) and the demo
// placements of the demo employer, Fjordbyen Bakeri AS, each must find:
// parts of compounds both ways, with and without accents, and the
// employer's name.
var demoWords = []struct {
	word   string
	titles []string
}{
	{"lager", []string{"Lagermedarbeider"}},
	{"kjøkken", []string{"Kjøkkenassistent"}},
	{"assistent", []string{"Kjøkkenassistent", "Bakeriassistent"}},
	{"bakeri", []string{"Bakeriassistent", "Kafémedarbeider", "Lagermedarbeider"}}, // the title, and the employer's name
	{"kafe", []string{"Kafémedarbeider"}},
	{"kafé", []string{"Kafémedarbeider"}},
}

// demoPlacement is the id of the demo employer's published placement
// with the title.
func demoPlacement(t *testing.T, title string) int64 {
	t.Helper()
	var id int64
	if err := store.DB.Get(&id, `SELECT p.id FROM placements p JOIN organisations o ON o.id = p.organisation_id
		WHERE o.name = 'Fjordbyen Bakeri AS' AND p.title = $1 AND p.status = 'published' ORDER BY p.id LIMIT 1`, title); err != nil {
		t.Fatalf("the demo data has no published %q: %v", title, err)
	}
	return id
}

// TestSearchFindsWhatPeopleType: the demo words find their placements as
// the adviser types them (htmx), and as a plain GET form without
// JavaScript; a word with two typos finds nothing but offers the word
// meant ("Mente du …?"), which finds it. axe checks each kind of page.
func TestSearchFindsWhatPeopleType(t *testing.T) {
	// The demo placements are those of `praksis seed --demo`, which the
	// journeys' database does not hold by default (TestMain seeds only the
	// accounts); the seeds are idempotent, and no later journey counts
	// the demo employer's placements or the demo adviser's caseload.
	for _, seed := range []func(context.Context) error{store.SeedDemoCaseload, store.SeedDemoPlacements, store.SeedDemoAgreements} {
		if err := seed(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("javascript", func(t *testing.T) {
		b := newTab(t)
		b.expectStatus("adviser signs in", b.signIn("radgiver@example.org", db.DemoPassword), 200)
		b.ensureLanguage("nb")
		b.expectStatus("GET /placements", b.open("/placements"), 200)
		b.do(evalVoid(`window.__marker = 1`))
		for i, w := range demoWords {
			b.fill("#s-q", w.word)
			b.waitFor(fmt.Sprintf(`new URLSearchParams(location.search).get("q") === %q`, w.word))
			for _, title := range w.titles {
				id := demoPlacement(t, title)
				b.waitFor(fmt.Sprintf(`document.querySelector('#results .hit a[href="/placements/%d"]') !== null`, id))
			}
			if i == 0 {
				b.checkPage("search-compound")
			}
		}
		// The match in a compound title is marked.
		id := demoPlacement(t, "Kafémedarbeider")
		if got := eval[string](b, fmt.Sprintf(`document.querySelector('#results .hit a[href="/placements/%d"]').innerHTML`, id)); got != "<mark>Kafémedarbeider</mark>" {
			t.Errorf("title of the hit for kafé: %q, want it marked", got)
		}
		if eval[int](b, `window.__marker || 0`) != 1 {
			t.Errorf("the page reloaded: the search should swap the results in place")
		}
	})
	t.Run("without javascript", func(t *testing.T) {
		b := newTab(t)
		b.do(scriptsDisabled(true))
		b.expectStatus("adviser signs in", b.signIn("radgiver@example.org", db.DemoPassword), 200)
		b.ensureLanguage("nb")
		search := `main form[role="search"] button[type="submit"]`
		for i, w := range demoWords {
			b.expectStatus("GET /placements", b.open("/placements"), 200)
			b.fill("#s-q", w.word)
			b.expectStatus("search "+w.word, b.submit(search), 200)
			q, _ := url.ParseQuery(eval[string](b, `location.search.slice(1)`))
			b.expect("q in the URL", q.Get("q"), w.word)
			hits := hitIDs(b)
			for _, title := range w.titles {
				if id := demoPlacement(t, title); !slices.Contains(hits, id) {
					t.Errorf("%q: %s (%d) is not among %v", w.word, title, id, hits)
				}
			}
			if i == 0 {
				checkWithoutScripts(b, "nojs-search-compound")
			}
		}

		// Two typos: nothing found, but the page says what was searched
		// and offers the word meant.
		b.expectStatus("GET /placements", b.open("/placements?q="+url.QueryEscape("kjøkenasistent")), 200)
		if hits := hitIDs(b); len(hits) != 0 {
			t.Fatalf("two typos found %v", hits)
		}
		b.expect("what was searched", b.text("#results .no-results p"), b.msg("placements.searched_for", "Query", "kjøkenasistent"))
		checkWithoutScripts(b, "nojs-search-nothing-found")
		link := `#results .no-results a[href*="q=kj%C3%B8kkenassistent"]`
		b.expect("did you mean", b.text(link), "kjøkkenassistent")
		b.expectStatus("follow the suggestion", b.submit(link), 200)
		if id, hits := demoPlacement(t, "Kjøkkenassistent"), hitIDs(b); !slices.Contains(hits, id) {
			t.Errorf("the suggestion did not find Kjøkkenassistent (%d): %v", id, hits)
		}
	})
}
