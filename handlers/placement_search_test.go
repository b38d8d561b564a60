package handlers

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

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

// fitRe finds a level badge marked against the participant's level.
var fitRe = regexp.MustCompile(`level-badge--(yes|no)\b`)

var hitRe = regexp.MustCompile(`<h3 class="ds-heading" data-size="xs"><a class="ds-link" href="/placements/(\d+)">`)

// hits lists the placement ids of a results page, in order.
func hits(t *testing.T, res response) []string {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("search: %d\n%s", res.status, res.text())
	}
	var out []string
	for _, m := range hitRe.FindAllStringSubmatch(res.body, -1) {
		out = append(out, m[1])
	}
	return out
}

func sameSet(got []string, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	w := make([]string, len(want))
	for i, id := range want {
		w[i] = itoa(id)
	}
	g := append([]string(nil), got...)
	sort.Strings(g)
	sort.Strings(w)
	return strings.Join(g, ",") == strings.Join(w, ",")
}

// The adviser's search through the router: text with Norwegian stemming,
// every filter, published placements only, bad filters and cursors.
func TestPlacementSearch(t *testing.T) {
	ta := newTestApp(t)
	_, emp := ta.signIn(db.RoleEmployer)
	town := unique("Søkeby")
	date := func(s string) *time.Time {
		d, _ := time.Parse("2006-01-02", s)
		return &d
	}
	a1 := completePlacement(town)
	a1.Kind, a1.Sector, a1.Title = "sprakpraksis", "education", "Språkpraksis i barnehage"
	a1.Tasks = "Hjelpe til i barnehagen med måltider og lek."
	a1.Levels = map[string]db.Level{"oral": db.LevelA1}
	a1.StartDate, a1.EndDate, a1.Languages = date("2030-01-15"), nil, []string{"uk"}
	b1 := completePlacement(town)
	b1.Kind, b1.Sector, b1.Title, b1.Tasks = "arbeidspraksis", "retail", "Lagermedarbeider", "Rydde på lageret."
	b1.Levels = map[string]db.Level{"oral": db.LevelB1, "listening": db.LevelB1}
	b1.StartDate, b1.Seats, b1.Languages = date("2030-06-01"), 1, []string{"en"}
	none := completePlacement(town)
	none.Kind, none.Sector, none.Title, none.Tasks = "arbeidstrening", "hospitality", "Kjøkkenhjelp", "Kutte grønnsaker på kjøkkenet."
	none.Levels, none.StartDate, none.EndDate, none.Languages = map[string]db.Level{}, nil, nil, nil

	pA, pB, pN := ta.storePlacement(emp, a1, db.PlacementPublished), ta.storePlacement(emp, b1, db.PlacementPublished), ta.storePlacement(emp, none, db.PlacementPublished)
	ta.exec(`UPDATE placements SET seats_taken = seats WHERE id = $1`, pB) // full
	// The same words in placements advisers must never see.
	hidden := map[string]int64{}
	for _, st := range []string{db.PlacementDraft, db.PlacementPaused, db.PlacementClosed} {
		hidden[st] = ta.storePlacement(emp, a1, st)
	}

	adviser, _ := ta.signIn(db.RoleAdviser)
	q := func(kv ...string) string {
		v := url.Values{"municipality": {town}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/placements?" + v.Encode()
	}
	for _, tc := range []struct {
		name string
		path string
		want []int64
	}{
		{"municipality only", q(), []int64{pA, pB, pN}},
		{"municipality in other case", "/placements?municipality=" + url.QueryEscape(strings.ToUpper(town)), []int64{pA, pB, pN}},
		{"stemming: plural finds the definite singular", q("q", "barnehager"), []int64{pA}},
		{"stemming: verb form", q("q", "ryddet"), []int64{pB}},
		{"words in the title", q("q", "kjøkkenhjelp"), []int64{pN}},
		{"no such word", q("q", "astronaut"), nil},
		{"kind", q("kind", "arbeidspraksis"), []int64{pB}},
		{"sector", q("sector", "hospitality"), []int64{pN}},
		{"oral A2: B1 is too much", q("level_oral", "a2"), []int64{pA, pN}},
		{"oral B2: all", q("level_oral", "b2"), []int64{pA, pB, pN}},
		{"not enough to assess: only no requirement", q("level_oral", "ikke_nok_grunnlag"), []int64{pN}},
		{"listening A2: B1 listening is too much", q("level_listening", "a2"), []int64{pA, pN}},
		{"reading given, nothing requires it", q("level_reading", "under_a1"), []int64{pA, pB, pN}},
		{"free seats", q("free", "1"), []int64{pA, pN}},
		{"start before", q("start_before", "2030-03-01"), []int64{pA}},
		{"start before, later", q("start_before", "2030-12-31"), []int64{pA, pB}},
		{"workplace language", q("lang", "uk"), []int64{pA}},
		{"filters together", q("q", "barnehage", "kind", "sprakpraksis", "level_oral", "a1", "free", "1", "lang", "uk"), []int64{pA}},
	} {
		if got := hits(t, adviser.get(tc.path)); !sameSet(got, tc.want...) {
			t.Errorf("%s: hits %v, want %v", tc.name, got, tc.want)
		}
	}

	// An admin sees every status; the results say which.
	admin, _ := ta.signIn(db.RoleAdmin)
	res := admin.get(q())
	if got := hits(t, res); !sameSet(got, pA, pB, pN, hidden[db.PlacementDraft], hidden[db.PlacementPaused], hidden[db.PlacementClosed]) {
		t.Errorf("admin: hits %v", got)
	}
	if !strings.Contains(res.text(), msg(t, "nb", "placement.status.closed")) {
		t.Error("admin results do not show the status")
	}
	if got := hits(t, admin.get(q("q", "barnehage"))); len(got) != 4 {
		t.Errorf("admin text search: %d hits, want 4", len(got))
	}

	// A bad filter is reported and ignored; the rest still apply.
	for _, bad := range [][]string{{"kind", "fastjobb"}, {"sector", "space"}, {"level_oral", "c7"}, {"start_before", "2030-13-01"}, {"lang", "xx"}} {
		res := adviser.get(q(bad...))
		if got := hits(t, res); !sameSet(got, pA, pB, pN) {
			t.Errorf("bad %s: hits %v", bad[0], got)
		}
		if !strings.Contains(res.text(), msg(t, "nb", "placements.bad_filter")) {
			t.Errorf("bad %s: no message", bad[0])
		}
	}
	if res := adviser.get(q()); strings.Contains(res.text(), msg(t, "nb", "placements.bad_filter")) {
		t.Error("bad_filter message without a bad filter")
	}
	for _, after := range []string{"garbage", "1_2", "x_1_1", "0.1_y_3", "0.1_1_0", "0.1_1_-4", "NaN_1_1", "0_-9223372036854775807_1", "0_9223372036854775807_1"} {
		if res := adviser.get(q("after", after)); res.status != http.StatusBadRequest {
			t.Errorf("after=%s: %d, want 400", after, res.status)
		}
	}

	// Every result shows why it fits: level badges marked against the
	// participant's levels, seats and start.
	res = adviser.get(q("level_oral", "a2", "kind", "sprakpraksis"))
	body := res.text()
	if !strings.Contains(res.body, "level-badge level-badge--yes") || !strings.Contains(body, msg(t, "nb", "placements.fit_yes")) {
		t.Error("no fit marker on the oral badge")
	}
	if n := len(fitRe.FindAllString(res.body, -1)); n != 1 {
		t.Errorf("%d fit markers, want 1 (only the skill given)", n)
	}
	if !strings.Contains(body, fill(msg(t, "nb", "placements.seats_free_n"), "Free", "2", "Seats", "2")) ||
		!strings.Contains(body, fill(msg(t, "nb", "placements.starts"), "Date", "15.01.2030")) {
		t.Errorf("result lacks seats or start:\n%s", body)
	}
	if res := adviser.get(q("kind", "arbeidstrening")); !strings.Contains(res.text(), msg(t, "nb", "placements.start_open")) ||
		fitRe.MatchString(res.body) {
		t.Error("a result without levels given shows markers, or lacks the open start")
	}

	// htmx asks for the results only; the same query string without
	// JavaScript gives the whole page with the same hits.
	for _, path := range []string{q(), q("q", "barnehage"), q("level_oral", "a2")} {
		frag := adviser.request(http.MethodGet, path, nil, map[string]string{"HX-Request": "true", "HX-Target": "results"})
		if frag.status != http.StatusOK || strings.Contains(frag.body, "<html") || !strings.Contains(frag.body, `id="results"`) || strings.Contains(frag.body, `role="search"`) {
			t.Errorf("%s: htmx results: %d\n%s", path, frag.status, frag.body)
		}
		if v := strings.Join(frag.header.Values("Vary"), ","); !strings.Contains(v, "HX-Request") {
			t.Errorf("%s: Vary %q lacks HX-Request", path, v)
		}
		page := adviser.get(path)
		if !strings.Contains(page.body, "<html") || !strings.Contains(page.body, `role="search"`) {
			t.Errorf("%s: plain GET is not the whole page", path)
		}
		if v := strings.Join(page.header.Values("Vary"), ","); !strings.Contains(v, "HX-Request") {
			t.Errorf("%s: page Vary %q lacks HX-Request", path, v)
		}
		if f, p := hits(t, frag), hits(t, page); strings.Join(f, ",") != strings.Join(p, ",") || len(f) == 0 {
			t.Errorf("%s: htmx hits %v, page hits %v", path, f, p)
		}
	}
	// The search form updates the results and the URL with htmx.
	if res := adviser.get("/placements"); !strings.Contains(res.body, `hx-get="/placements" hx-target="#results"`) || !strings.Contains(res.body, `hx-push-url="true"`) {
		t.Error("the search form does not update the results with htmx")
	}

	// The adviser opens a published placement: all of it and the contact.
	res = adviser.get("/placements/" + itoa(pA))
	if res.status != http.StatusOK || !strings.Contains(res.text(), a1.Tasks) || !strings.Contains(res.text(), a1.SupervisorEmail) || !strings.Contains(res.text(), a1.SupervisorPhone) {
		t.Errorf("adviser view: %d", res.status)
	}
	if strings.Contains(res.body, `/placements/`+itoa(pA)+`/publish`) || strings.Contains(res.body, msg(t, "nb", "placements.history")) {
		t.Error("the adviser sees the employer's actions or history")
	}
}

var nextRe = regexp.MustCompile(`<a class="ds-button" data-variant="secondary" href="([^"]+)"`)

// Keyset paging: 25 published placements in pages of 20, following the
// page's own next link; no hit twice, none lost, and a placement published
// between pages does not shift the second page. Both search shapes (the
// second starts with 26, the late one of the first included).
func TestPlacementSearchPaging(t *testing.T) {
	ta := newTestApp(t)
	_, emp := ta.signIn(db.RoleEmployer)
	town := unique("Sideby")
	in := completePlacement(town)
	in.Tasks = "Sortere post og svare i telefonen på kontoret."
	var all []int64
	for i := 0; i < 25; i++ {
		in.Title = "Kontorhjelp " + itoa(int64(i))
		all = append(all, ta.storePlacement(emp, in, db.PlacementPublished))
	}
	adviser, _ := ta.signIn(db.RoleAdviser)
	for _, start := range []string{
		"/placements?" + url.Values{"municipality": {town}}.Encode(),
		"/placements?" + url.Values{"municipality": {town}, "q": {"kontoret"}}.Encode(),
	} {
		want := append([]int64(nil), all...) // what exists when the search starts
		seen := map[string]bool{}
		path, pages := start, 0
		for path != "" {
			pages++
			if pages > 5 {
				t.Fatalf("%s: more than 5 pages", start)
			}
			res := adviser.get(path)
			got := hits(t, res)
			// The htmx fragment of the same URL has the same hits.
			frag := adviser.request(http.MethodGet, path, nil, map[string]string{"HX-Request": "true", "HX-Target": "results"})
			if f := hits(t, frag); strings.Join(f, ",") != strings.Join(got, ",") {
				t.Errorf("page %d: htmx hits %v, page hits %v", pages, f, got)
			}
			for _, id := range got {
				if seen[id] {
					t.Errorf("%s: %s on two pages", start, id)
				}
				seen[id] = true
			}
			if pages == 1 {
				if len(got) != 20 {
					t.Errorf("%s: first page has %d hits", start, len(got))
				}
				// Published after the first page was read: newest, so it
				// belongs before the cursor and never on page 2.
				in.Title = "Kontorhjelp sen"
				all = append(all, ta.storePlacement(emp, in, db.PlacementPublished))
			}
			path = ""
			if m := nextRe.FindStringSubmatch(res.body); m != nil {
				path = html.UnescapeString(m[1])
				if !strings.Contains(path, "after=") || !strings.Contains(path, url.QueryEscape(town)) {
					t.Errorf("next link %q lacks the cursor or the filters", path)
				}
			}
			if pages == 2 && !strings.Contains(res.text(), msg(t, "nb", "placements.first_page")) {
				t.Error("page 2 has no link to the first page")
			}
		}
		if pages != 2 {
			t.Errorf("%s: %d pages, want 2", start, pages)
		}
		if len(seen) != len(want) {
			t.Errorf("%s: %d placements seen, want %d", start, len(seen), len(want))
		}
		for _, id := range want {
			if !seen[itoa(id)] {
				t.Errorf("%s: placement %d never shown", start, id)
			}
		}
	}
	// A fresh search shows the newest first.
	if got := hits(t, adviser.get("/placements?"+url.Values{"municipality": {town}}.Encode())); len(got) != 20 || got[0] != itoa(all[len(all)-1]) {
		t.Errorf("newest placement not first on a fresh search: %v", got)
	}
}
