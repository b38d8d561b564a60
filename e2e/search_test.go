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
// employer's name. db.TestSeedDemoFindsDemoWords checks that `praksis
// seed --demo` holds them and that the store finds them.
var demoWords = []struct {
	word   string
	titles []string
	// employer: the page must also show a placement found by the
	// employer's name alone (which of the demo employer's placements
	// depends on what earlier journeys published for it).
	employer bool
}{
	{"lager", []string{"Lagermedarbeider"}, false},
	{"kjøkken", []string{"Kjøkkenassistent"}, false},
	{"assistent", []string{"Kjøkkenassistent", "Bakeriassistent"}, false},
	{"bakeri", []string{"Bakeriassistent"}, true},
	{"kafe", []string{"Kafémedarbeider"}, false},
	{"kafé", []string{"Kafémedarbeider"}, false},
}

// demoTasks are the demo placements' tasks, as db/seed*.go writes them.
var demoTasks = map[string]string{
	"Lagermedarbeider": "Varemottak, plukking av ordre og pakking i lageret vårt på Heimdal.",
	"Kjøkkenassistent": "Forberedelse av råvarer, enkel matlaging og oppvask på produksjonskjøkkenet. Vi lærer deg opp steg for steg.",
	"Bakeriassistent":  "Du hjelper til med baking av brød og boller, oppvask og å fylle disken i butikken. Mye prat med kolleger og kunder – fin for å øve norsk.",
	"Kafémedarbeider":  "Servering, kassa og kundeservice i kafeen vår i sentrum. Passer for deg som vil jobbe med mennesker.",
}

// demoPlacement is the id of the demo employer's published placement
// with the title. The journeys' database holds the demo accounts only
// (TestMain), and the demo placements' seed does nothing once the demo
// employer has placements (as earlier journeys give it), so a missing one
// is published here as the seed writes it.
func demoPlacement(t *testing.T, title string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := store.DB.Get(&id, `SELECT p.id FROM placements p JOIN organisations o ON o.id = p.organisation_id
		WHERE o.org_number = $1 AND p.title = $2 AND p.status = 'published' ORDER BY p.id LIMIT 1`, db.DemoOrgNumber, title)
	if err == nil {
		return id
	}
	org, err := store.OrganisationByNumber(ctx, db.DemoOrgNumber)
	if err != nil {
		t.Fatal(err)
	}
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if id, err = store.CreatePlacement(ctx, org.ID, employer.ID, db.PlacementInput{Kind: "arbeidspraksis", Title: title, Tasks: demoTasks[title],
		Sector: "hospitality", Municipality: "Trondheim", Seats: 1}); err != nil {
		t.Fatal(err)
	}
	if err := store.SetPlacementStatus(ctx, id, org.ID, employer.ID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSearchFindsWhatPeopleType: the demo words find their placements as
// the adviser types them (htmx), and as a plain GET form without
// JavaScript; a word with two typos finds nothing but offers the word
// meant ("Mente du …?"), which finds it. axe checks each kind of page.
func TestSearchFindsWhatPeopleType(t *testing.T) {
	journey(t, resAdviser, resSearch)
	for _, title := range []string{"Lagermedarbeider", "Kjøkkenassistent", "Bakeriassistent", "Kafémedarbeider"} {
		demoPlacement(t, title)
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
			if w.employer && !byEmployerOnly(b, w.word) {
				t.Errorf("%q: no hit found by the employer's name alone", w.word)
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
			if w.employer && !byEmployerOnly(b, w.word) {
				t.Errorf("%q: no hit found by the employer's name alone", w.word)
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

// byEmployerOnly says whether the results show a placement of the demo
// employer whose title lacks the word: found by the employer's name.
func byEmployerOnly(b *tab, word string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`Array.from(document.querySelectorAll("#results .hit")).some(li =>
		li.querySelector(".hit__org").textContent.includes("Fjordbyen Bakeri AS") &&
		!li.querySelector("h3").textContent.toLowerCase().includes(%q))`, word))
}
