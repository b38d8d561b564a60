package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
)

// searchEval is db/testdata/search_eval.json: a fixed set of placements
// (titles from NAV's and utdanning.no's occupational vocabulary, real
// employer kinds and towns) and judged queries. For each query, Must are
// the placements a person typing it wants (all of them on the first page,
// or a full first page of them when there are more than a page), MustNot
// are near misses that must not be shown. The judgements were written by
// rule over the titles and employers, not taken from the search.
type searchEval struct {
	Placements []struct {
		ID           int64  `json:"id"`
		Title        string `json:"title"`
		Org          string `json:"org"`
		Sector       string `json:"sector"`
		Municipality string `json:"municipality"`
		Tasks        string `json:"tasks"`
		Kind         string `json:"kind"`
	} `json:"placements"`
	Queries []struct {
		Q       string  `json:"q"`
		Why     string  `json:"why"`
		Must    []int64 `json:"must"`
		MustNot []int64 `json:"must_not"`
	} `json:"queries"`
}

// evalFloorRecall and evalFloorPrecision are the floors the evaluation
// must stay above (macro averages over the queries, first page of 20).
// The search before issue 17 (websearch_to_tsquery over the norwegian
// stemmer, no organisation name) measured recall 0.357 and precision
// 0.980 on this set: it found whole words only, and 'lager' found 'lage'
// (both stem to 'lag'). The search of issue 17 measured recall 1.000 and
// precision 0.998 (for 'renholder' it also shows the caretaker of the
// employer Renholdsservice Midt AS, through the stem 'renhold'). The floors leave room for a query or two to lose a hit
// to a ranking or data change (one query of 50 is 0.02), not for
// compounds, accents, typos or employer names to stop working: any one of
// those is several queries.
const (
	evalFloorRecall    = 0.95
	evalFloorPrecision = 0.95
)

// loadSearchEval stores the evaluation's placements, with their ids, in
// a database of their own, published and newest first by id.
func loadSearchEval(t *testing.T) (*db.Store, searchEval) {
	t.Helper()
	raw, err := os.ReadFile("testdata/search_eval.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev searchEval
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Placements) < 200 || len(ev.Queries) < 40 {
		t.Fatalf("the evaluation set is too small: %d placements, %d queries", len(ev.Placements), len(ev.Queries))
	}
	st := dbtest.Open(t)
	ctx := context.Background()
	orgs := map[string]int64{}
	for _, p := range ev.Placements {
		org, ok := orgs[p.Org]
		if !ok {
			org, _ = newOrg(t, st)
			if _, err := st.DB.Exec(`UPDATE organisations SET name = $1 WHERE id = $2`, p.Org, org); err != nil {
				t.Fatal(err)
			}
			orgs[p.Org] = org
		}
		if _, err := st.DB.ExecContext(ctx, `INSERT INTO placements (id, organisation_id, kind, title, tasks, sector, municipality,
				status, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'published', timestamptz '2026-01-01' + make_interval(mins => $8))`,
			p.ID, org, p.Kind, p.Title, p.Tasks, p.Sector, p.Municipality, int(p.ID)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.DB.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	return st, ev
}

// TestSearchEvaluation runs every query of the evaluation set and holds
// recall and precision of the first page to the floors above.
func TestSearchEvaluation(t *testing.T) {
	st, ev := loadSearchEval(t)
	ctx := context.Background()
	const page = 20
	var recallSum, precisionSum float64
	var recallN, precisionN int
	for _, q := range ev.Queries {
		hits, _, err := st.SearchPlacements(ctx, db.PlacementFilter{Query: q.Q, Limit: page})
		if err != nil {
			t.Fatalf("%q: %v", q.Q, err)
		}
		must, mustNot := idSet(q.Must), idSet(q.MustNot)
		var good, bad int
		var wrong []int64
		for _, h := range hits {
			if must[h.ID] {
				good++
			} else if mustNot[h.ID] {
				bad++
				wrong = append(wrong, h.ID)
			}
		}
		want := min(len(q.Must), page)
		recall, precision := 1.0, 1.0
		if want > 0 {
			recall = float64(good) / float64(want)
			recallSum += recall
			recallN++
		}
		if good+bad > 0 {
			precision = float64(good) / float64(good+bad)
		}
		if good+bad > 0 || len(q.MustNot) > 0 {
			precisionSum += precision
			precisionN++
		}
		if recall < 1 || precision < 1 {
			t.Logf("%-18q recall %.2f precision %.2f (%d hits; %d of %d wanted; wrong %v) — %s", q.Q, recall, precision, len(hits), good, want, wrong, q.Why)
		}
	}
	recall, precision := recallSum/float64(recallN), precisionSum/float64(precisionN)
	t.Logf("search evaluation: %d queries over %d placements: recall %.3f, precision %.3f (floors %.2f, %.2f)",
		len(ev.Queries), len(ev.Placements), recall, precision, evalFloorRecall, evalFloorPrecision)
	if recall < evalFloorRecall || precision < evalFloorPrecision {
		t.Errorf("below the floor: recall %.3f (floor %.2f), precision %.3f (floor %.2f)", recall, evalFloorRecall, precision, evalFloorPrecision)
	}
}

func idSet(ids []int64) map[int64]bool {
	m := make(map[int64]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// A typo is forgiven only in a word found in no word of the placements:
// 'lager' is found inside 'lagermedarbeider', so it does not also find
// 'dager' (one letter away); 'plukkke' finds 'plukke'; 'lagr' is too
// short to be forgiven.
func TestSearchTypoOnlyForUnknownWords(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	org, user := newOrg(t, st)
	store := publish(t, st, org, user, db.PlacementInput{Title: "Lagermedarbeider", Tasks: "Plukke varer på lageret"})
	days := publish(t, st, org, user, db.PlacementInput{Title: "Kontorhjelp", Tasks: "Tre dager i uka på kontoret"})
	for q, want := range map[string][]int64{"lager": {store}, "plukkke": {store}, "dager": {days}, "lagr": nil} {
		hits, _, err := st.SearchPlacements(ctx, db.PlacementFilter{Query: q})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ids(hits)) != fmt.Sprint(want) && !(len(hits) == 0 && len(want) == 0) {
			t.Errorf("%q: %v, want %v", q, ids(hits), want)
		}
	}
}

// Ranking: the word or a compound of it in the title first, then the
// word itself in the tasks, then only a compound of it there; an older
// placement does not lose its place to a newer one that matches less.
func TestSearchRanksTitleAndWholeWordFirst(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	org, user := newOrg(t, st)
	inTitle := publish(t, st, org, user, db.PlacementInput{Title: "Lagermedarbeider", Tasks: "Plukke varer"})
	word := publish(t, st, org, user, db.PlacementInput{Title: "Butikkmedarbeider", Tasks: "Rydde i butikk og lager"})
	compound := publish(t, st, org, user, db.PlacementInput{Title: "Kontorhjelp", Tasks: "Noe lagerrydding"})
	if _, err := st.DB.Exec(`UPDATE placements SET published_at = now() - interval '1 day' * (100 - id)`); err != nil {
		t.Fatal(err)
	}
	hits, _, err := st.SearchPlacements(ctx, db.PlacementFilter{Query: "lager"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids(hits)), fmt.Sprint([]int64{inTitle, word, compound}); got != want {
		t.Errorf("lager: %s, want %s", got, want)
	}
}

// The demo data (`praksis seed --demo`) has the placements the words of
// issue 17 are about, and the search finds them: parts of compounds both
// ways, with and without accents, and the employer's name.
func TestSeedDemoFindsDemoWords(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	if err := seed.DemoAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	for word, titles := range map[string][]string{
		"lager": {"Lagermedarbeider"}, "kjøkken": {"Kjøkkenassistent"}, "assistent": {"Kjøkkenassistent", "Bakeriassistent"},
		"bakeri": {"Bakeriassistent", "Kafémedarbeider", "Lagermedarbeider"}, "kafe": {"Kafémedarbeider"}, "kafé": {"Kafémedarbeider"},
		"KJOKKEN": {"Kjøkkenassistent"},
	} {
		hits, _, err := st.SearchPlacements(ctx, db.PlacementFilter{Query: word})
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, h := range hits {
			found[h.Title] = true
		}
		for _, title := range titles {
			if !found[title] {
				t.Errorf("%q does not find the demo's %s: %v", word, title, found)
			}
		}
	}
}
