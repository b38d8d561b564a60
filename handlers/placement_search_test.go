package handlers

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// A search that finds nothing says what was searched for and with which
// filters, suggests a nearby word that does find placements ("Mente
// du …?"), and offers to drop the filter that removes the most; the
// links are plain links (no JavaScript needed) that keep the other
// filters. The demo words find their placements: compounds both ways,
// accents, a typo and the employer's name.
func TestPlacementSearchNoDeadEnd(t *testing.T) {
	ta := newTestApp(t)
	_, emp := ta.signIn(db.RoleEmployer)
	town := unique("Treffby")
	kitchen := completePlacement(town)
	kitchen.Kind, kitchen.Sector, kitchen.Title, kitchen.Tasks = "arbeidstrening", "hospitality", "Kjøkkenassistent", "Forberede råvarer og ta oppvasken."
	cafe := completePlacement(town)
	cafe.Kind, cafe.Sector, cafe.Title, cafe.Tasks = "sprakpraksis", "hospitality", "Kafémedarbeider", "Servering og kasse i kafeen."
	pK, pC := ta.storePlacement(emp, kitchen, db.PlacementPublished), ta.storePlacement(emp, cafe, db.PlacementPublished)

	adviser, _ := ta.signIn(db.RoleAdviser)
	q := func(kv ...string) string {
		v := url.Values{"municipality": {town}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/placements?" + v.Encode()
	}
	for word, want := range map[string][]int64{"kjøkken": {pK}, "kjokken": {pK}, "assistent": {pK}, "kafe": {pC}, "KAFÉ": {pC},
		"kjøkkenasistent": {pK}, "medarbeider": {pC}} {
		if got := hits(t, adviser.get(q("q", word))); !sameSet(got, want...) {
			t.Errorf("%q: hits %v, want %v", word, got, want)
		}
	}

	// Two typos: nothing, but "Mente du kjøkkenassistent?" with the
	// municipality kept.
	res := adviser.get(q("q", "kjøkenasistent"))
	if got := hits(t, res); len(got) != 0 {
		t.Fatalf("two typos found %v", got)
	}
	text := res.text()
	if !strings.Contains(text, fill(msg(t, "nb", "placements.searched_for"), "Query", "kjøkenasistent")) {
		t.Errorf("the page does not say what was searched for:\n%s", text)
	}
	link := `<a class="ds-link" href="` + html.EscapeString(q("q", "kjøkkenassistent")) + `">kjøkkenassistent</a>?`
	if !strings.Contains(text, msg(t, "nb", "placements.did_you_mean")) || !strings.Contains(res.body, link) {
		t.Errorf("no suggestion %s:\n%s", link, res.body)
	}
	if got := hits(t, adviser.get(q("q", "kjøkkenassistent"))); !sameSet(got, pK) {
		t.Errorf("the suggestion finds %v", got)
	}

	// A filter that removes everything: named, and offered to drop with
	// how many it then finds.
	res = adviser.get(q("q", "kafe", "kind", "arbeidspraksis"))
	if got := hits(t, res); len(got) != 0 {
		t.Fatalf("kafe + arbeidspraksis found %v", got)
	}
	text = res.text()
	if !strings.Contains(text, msg(t, "nb", "placement.kind")+": "+msg(t, "nb", "placement.kind.arbeidspraksis")) {
		t.Errorf("the filters in use are not listed:\n%s", text)
	}
	if !strings.Contains(text, fill(msg(t, "nb", "placements.drop_filter"), "Filter", msg(t, "nb", "placement.kind"), "Count", "1")) {
		t.Errorf("no offer to drop the kind:\n%s", text)
	}
	if want := `href="` + html.EscapeString(q("q", "kafe")) + `"`; !strings.Contains(res.body, want) {
		t.Errorf("the drop link is not %s", want)
	}
	// The htmx fragment says the same.
	frag := adviser.request(http.MethodGet, q("q", "kafe", "kind", "arbeidspraksis"), nil, map[string]string{"HX-Request": "true", "HX-Target": "results"})
	if frag.status != http.StatusOK || !strings.Contains(frag.text(), fill(msg(t, "nb", "placements.drop_filter"), "Filter", msg(t, "nb", "placement.kind"), "Count", "1")) {
		t.Errorf("fragment: %d\n%s", frag.status, frag.text())
	}
}
