package db_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

var orgSeq atomic.Int64

// newOrg makes an approved organisation with an employer and returns both ids.
func newOrg(t *testing.T, st *db.Store) (orgID, userID int64) {
	t.Helper()
	ctx := context.Background()
	n := orgSeq.Add(1)
	var num string
	for base := 10000000 + int(time.Now().UnixNano()%80000000) + int(n)*13; ; base++ {
		for d := 0; d <= 9; d++ {
			if c := fmt.Sprintf("%08d%d", base, d); db.ValidOrgNumber(c) {
				num = c
				break
			}
		}
		if num != "" {
			break
		}
	}
	orgID, userID, _, err := st.CreateOrganisationWithUser(ctx, db.Signup{OrgName: fmt.Sprintf("Org %d", n), OrgNumber: num, Kind: db.KindBusiness,
		Sector: "retail", Municipality: "Trondheim", Name: "E", Email: fmt.Sprintf("e%d-%d@test.example", n, time.Now().UnixNano()), PasswordHash: "x", Locale: "nb"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.Exec(`UPDATE organisations SET approved_at = now() WHERE id = $1`, orgID); err != nil {
		t.Fatal(err)
	}
	return orgID, userID
}

func date(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

// publish creates and publishes a placement.
func publish(t *testing.T, st *db.Store, orgID, userID int64, in db.PlacementInput) int64 {
	t.Helper()
	ctx := context.Background()
	if in.Seats == 0 {
		in.Seats = 1
	}
	if in.Kind == "" {
		in.Kind = "sprakpraksis"
	}
	id, err := st.CreatePlacement(ctx, orgID, userID, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetPlacementStatus(ctx, id, orgID, userID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}
	return id
}

func ids(hits []db.PlacementHit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

func TestSearchPlacementsFilters(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	org, user := newOrg(t, st)
	bakery := publish(t, st, org, user, db.PlacementInput{Title: "Bakeriassistent", Tasks: "Baking av brød og kaker, oppvask og salg i butikken",
		Municipality: "Trondheim", Sector: "hospitality", Seats: 2, StartDate: date("2026-12-01"),
		Levels: map[string]db.Level{"oral": db.LevelA1}, Languages: []string{"uk", "en"}})
	care := publish(t, st, org, user, db.PlacementInput{Kind: "arbeidspraksis", Title: "Pleieassistent på sykehjem", Tasks: "Hjelpe beboere med måltider og turer",
		Municipality: "Bergen", Sector: "health", StartDate: date("2027-02-01"),
		Levels: map[string]db.Level{"oral": db.LevelB1, "listening": db.LevelB1}, Languages: []string{"ar"}})
	full := publish(t, st, org, user, db.PlacementInput{Title: "Lager", Tasks: "Plukke varer på lageret", Municipality: "trondheim",
		Sector: "transport", StartDate: date("2026-12-15")})
	if _, err := st.DB.Exec(`UPDATE placements SET seats_taken = seats WHERE id = $1`, full); err != nil {
		t.Fatal(err)
	}
	draft, err := st.CreatePlacement(ctx, org, user, db.PlacementInput{Kind: "annet", Title: "Bakeri kladd", Seats: 1})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    db.PlacementFilter
		want []int64
	}{
		{"all published, newest first", db.PlacementFilter{}, []int64{full, care, bakery}},
		// Norwegian stemming: "kaker" finds "kake", "baker" finds "baking"/"bakeri".
		{"text with stemming", db.PlacementFilter{Query: "kake"}, []int64{bakery}},
		{"text in title", db.PlacementFilter{Query: "sykehjem"}, []int64{care}},
		{"kind", db.PlacementFilter{Kind: "arbeidspraksis"}, []int64{care}},
		{"sector", db.PlacementFilter{Sector: "transport"}, []int64{full}},
		{"municipality ignores case", db.PlacementFilter{Municipality: "TRONDHEIM"}, []int64{full, bakery}},
		{"participant at A2 oral", db.PlacementFilter{Levels: map[string]db.Level{"oral": db.LevelA2}}, []int64{full, bakery}},
		{"participant at B1 oral, A2 listening", db.PlacementFilter{Levels: map[string]db.Level{"oral": db.LevelB1, "listening": db.LevelA2}}, []int64{full, bakery}},
		{"participant at B2 everywhere", db.PlacementFilter{Levels: map[string]db.Level{"oral": db.LevelB2, "listening": db.LevelB2, "reading": db.LevelB2, "writing": db.LevelB2}}, []int64{full, care, bakery}},
		{"free seats", db.PlacementFilter{FreeSeats: true}, []int64{care, bakery}},
		{"start before", db.PlacementFilter{StartBefore: date("2026-12-31")}, []int64{full, bakery}},
		{"workplace language", db.PlacementFilter{Language: "uk"}, []int64{bakery}},
		{"text and two filters", db.PlacementFilter{Query: "brød", Municipality: "Trondheim", Levels: map[string]db.Level{"oral": db.LevelA1}}, []int64{bakery}},
		{"nothing", db.PlacementFilter{Query: "kake", Kind: "arbeidspraksis"}, nil},
		{"drafts are not searchable", db.PlacementFilter{Query: "kladd"}, nil},
		{"admin sees drafts", db.PlacementFilter{Query: "kladd", AnyStatus: true}, []int64{draft}},
	}
	for _, c := range cases {
		hits, next, err := st.SearchPlacements(ctx, c.f)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		// Other tests share nothing here: this database is this test's own.
		if fmt.Sprint(ids(hits)) != fmt.Sprint(c.want) && !(len(hits) == 0 && len(c.want) == 0) {
			t.Errorf("%s: got %v, want %v", c.name, ids(hits), c.want)
		}
		if next != nil {
			t.Errorf("%s: a next page with 3 placements", c.name)
		}
	}
	hits, _, _ := st.SearchPlacements(ctx, db.PlacementFilter{Query: "brød"})
	if len(hits) != 1 || hits[0].Snippet == "" || !contains(hits[0].Snippet, "\x01brød\x02") {
		t.Fatalf("snippet: %+v", hits)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

func TestSnippetEscapesEmployerText(t *testing.T) {
	st := dbtest.Open(t)
	org, user := newOrg(t, st)
	publish(t, st, org, user, db.PlacementInput{Title: "Kafé", Tasks: `Servering <script>alert(1)</script> & "kaffe" i kafeen`})
	hits, _, err := st.SearchPlacements(context.Background(), db.PlacementFilter{Query: "kaffe"})
	if err != nil || len(hits) != 1 {
		t.Fatalf("%v %v", hits, err)
	}
	// ts_headline drops what looks like a tag; what remains is the
	// employer's text as typed (the web layer escapes it,
	// handlers.TestPlacementTextEscapedEverywhere), with the match between the
	// marker characters 1 and 2.
	got := hits[0].Snippet
	if contains(got, "<script") || !contains(got, "&") || !contains(got, "\"\x01kaffe\x02\"") {
		t.Fatalf("snippet: %q", got)
	}
	// The characters the search marks matches with, typed by an employer,
	// do not become markers.
	publish(t, st, org, user, db.PlacementInput{Title: "Bakeri", Tasks: "Bake \x01brød\x02 og \x02\x01kaker\x01 i bakeriet"})
	hits, _, err = st.SearchPlacements(context.Background(), db.PlacementFilter{Query: "bakeriet"})
	if err != nil || len(hits) != 1 {
		t.Fatalf("%v %v", hits, err)
	}
	if got := hits[0].Snippet; strings.Count(got, "\x01") != 1 || strings.Count(got, "\x02") != 1 || !contains(got, "\x01bakeriet\x02") {
		t.Fatalf("typed marker characters became markers: %q", got)
	}
}

// Keyset paging returns every row once, in order, while new placements
// are published between pages.
func TestSearchKeysetStableUnderInserts(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	org, user := newOrg(t, st)
	var all []int64
	for i := 0; i < 25; i++ {
		all = append(all, publish(t, st, org, user, db.PlacementInput{Title: fmt.Sprintf("Butikkmedarbeider %d", i), Tasks: "Fylle hyller i butikken"}))
	}
	for _, query := range []string{"", "butikken"} {
		seen := map[int64]bool{}
		var cur *db.Cursor
		pages := 0
		for {
			hits, next, err := st.SearchPlacements(ctx, db.PlacementFilter{Query: query, Limit: 7, After: cur})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, h := range hits {
				if seen[h.ID] {
					t.Fatalf("query %q: %d seen twice", query, h.ID)
				}
				seen[h.ID] = true
			}
			// Someone publishes while the adviser pages.
			publish(t, st, org, user, db.PlacementInput{Title: "Ny butikkjobb", Tasks: "Fylle hyller i butikken"})
			if next == nil {
				break
			}
			// The cursor survives a round trip through a URL.
			if cur, err = db.ParseCursor(next.String()); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range all {
			if !seen[id] {
				t.Fatalf("query %q: placement %d skipped (pages %d)", query, id, pages)
			}
		}
		if pages < 4 {
			t.Fatalf("query %q: %d pages", query, pages)
		}
	}
	// Malformed cursors, and ones naming a rank or time no search can
	// produce (which PostgreSQL would refuse), do not parse.
	for _, bad := range []string{"x_y", "0.1_x_1", "0.1_1_0", "NaN_1_1", "Inf_1_1", "-1_1_1", "0_-9223372036854775807_1", "0_9223372036854775807_1"} {
		if _, err := db.ParseCursor(bad); err == nil {
			t.Errorf("the malformed cursor %q parsed", bad)
		}
	}
}

func TestPlacementOwnershipAndStatus(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	org, user := newOrg(t, st)
	other, otherUser := newOrg(t, st)
	id, err := st.CreatePlacement(ctx, org, user, db.PlacementInput{Kind: "sprakpraksis", Title: "Eget", Seats: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdatePlacement(ctx, id, other, db.PlacementInput{Kind: "annet", Title: "Kapret", Seats: 1}); err != db.ErrNotFound {
		t.Fatalf("update by another org: %v", err)
	}
	if err := st.SetPlacementStatus(ctx, id, other, otherUser, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != db.ErrNotFound {
		t.Fatalf("publish by another org: %v", err)
	}
	if _, err := st.DuplicatePlacement(ctx, id, other, otherUser, ""); err != db.ErrNotFound {
		t.Fatalf("duplicate by another org: %v", err)
	}
	if err := st.SetPlacementStatus(ctx, id, org, user, db.PlacementPaused, []string{db.PlacementPublished}, "pause", ""); err != db.ErrConflict {
		t.Fatalf("pausing a draft: %v", err)
	}
	if err := st.SetPlacementStatus(ctx, id, org, user, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}
	if err := st.SetPlacementStatus(ctx, id, 0, otherUser, db.PlacementPaused, []string{db.PlacementPublished}, "unpublish", "Erstatter ordinær ansatt"); err != nil {
		t.Fatal(err)
	}
	p, _ := st.Placement(ctx, id)
	if p.Status != db.PlacementPaused || p.UnpublishedReason != "Erstatter ordinær ansatt" || p.Title != "Eget" {
		t.Fatalf("%+v", p)
	}
	ev, _ := st.PlacementEvents(ctx, id)
	if len(ev) != 2 || ev[0].Action != "unpublish" || ev[1].Action != "publish" {
		t.Fatalf("events %+v", ev)
	}
	dup, err := st.DuplicatePlacement(ctx, id, org, user, "")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := st.Placement(ctx, dup)
	// The copy keeps the takedown: copying must not be a way around it.
	if d.Status != db.PlacementDraft || d.Title != "Eget" || d.UnpublishedReason != "Erstatter ordinær ansatt" {
		t.Fatalf("duplicate %+v", d)
	}
}
