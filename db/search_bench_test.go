package db_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// seedPlacementsSQL makes n placements over 2,000 organisations in one
// statement: titles and tasks from Norwegian word lists, 20 municipalities,
// random kinds, levels and languages; 90 % published over two years.
const seedPlacementsSQL = `
INSERT INTO organisations (name, org_number, kind, sector, municipality, approved_at)
SELECT 'Bedrift ' || g, lpad((800000000 + g)::text, 9, '0'), 'business', 'retail', 'Trondheim', now()
FROM generate_series(1, 2000) g;

WITH words AS (
	SELECT ARRAY['Kjøkkenassistent','Butikkmedarbeider','Lagerarbeider','Barnehageassistent','Pleieassistent','Renholder',
		'Vaktmester','Kantinemedarbeider','Bilmekaniker','Snekker','Elektrikerlærling','Frisør','Bakeriassistent',
		'Resepsjonist','Sjåfør','Gartner','Kokk','Servitør','Kontormedarbeider','IT-støtte'] AS titles,
	ARRAY['oppvask','matlaging','servering','kundeservice','varemottak','plukking','pakking','rengjøring','vedlikehold',
		'hagearbeid','barn','eldre','måltider','kasse','hyller','bestilling','reparasjon','kjøring','arkiv','telefon'] AS tasks,
	ARRAY['Trondheim','Oslo','Bergen','Stavanger','Tromsø','Bodø','Kristiansand','Drammen','Fredrikstad','Ålesund',
		'Hamar','Lillehammer','Molde','Steinkjer','Levanger','Stjørdal','Malvik','Melhus','Orkland','Verdal'] AS towns,
	ARRAY['sprakpraksis','arbeidspraksis','arbeidstrening','lonnstilskudd','sommerjobb','annet'] AS kinds,
	ARRAY['health','education','retail','hospitality','construction','industry','transport','cleaning'] AS sectors,
	ARRAY[NULL,'a1','a2','b1','b2']::cefr_level[] AS levels,
	ARRAY['en','uk','ar','ti','prs','so','pl'] AS langs
)
INSERT INTO placements (organisation_id, kind, title, tasks, sector, municipality, address, hours_per_week, days_per_week,
	start_date, seats, seats_taken, level_listening, level_reading, level_writing, level_oral, languages,
	supervisor_name, supervisor_email, status, published_at, created_at)
SELECT (SELECT min(id) FROM organisations) + (g % 2000),
	kinds[1 + g % 6],
	titles[1 + (g * 7) % 20] || ' ' || g,
	'Arbeid med ' || tasks[1 + (g / 10) % 20] || ', ' || tasks[1 + (g / 3 + 7) % 20] || ' og ' || tasks[1 + (g / 200) % 20] ||
		'. Du blir med i et hyggelig arbeidsmiljø og lærer ' || tasks[1 + (g * 7 / 10) % 20] || ' steg for steg.',
	sectors[1 + g % 8], towns[1 + (g / 7) % 20], 'Gate ' || g, 10 + g % 28, 2 + g % 4,
	current_date + (g % 365), 1 + g % 4, g % 3,
	levels[1 + g % 5], levels[1 + (g / 5) % 5], levels[1 + (g / 25) % 5], levels[1 + (g / 7) % 5],
	ARRAY[langs[1 + g % 7], langs[1 + (g / 7) % 7]],
	'Veileder ' || g, 'veileder' || g || '@example.org',
	CASE WHEN g % 10 = 0 THEN 'draft' ELSE 'published' END,
	CASE WHEN g % 10 = 0 THEN NULL ELSE now() - make_interval(mins => g * 20) END,
	now() - make_interval(mins => g * 20)
FROM words, generate_series(1, $1) g;
ANALYZE placements;
ANALYZE organisations;`

// searchCases are the searches the benchmark and docs/benchmarks.md use.
var searchCases = []struct {
	name string
	f    db.PlacementFilter
}{
	{"no filter", db.PlacementFilter{}},
	{"text", db.PlacementFilter{Query: "oppvask"}},
	{"text+municipality+level", db.PlacementFilter{Query: "barn", Municipality: "Trondheim", Levels: map[string]db.Level{"oral": db.LevelA2}}},
	{"kind+free seats+language", db.PlacementFilter{Kind: "sprakpraksis", FreeSeats: true, Language: "uk"}},
	{"four levels", db.PlacementFilter{Levels: map[string]db.Level{"oral": db.LevelA1, "listening": db.LevelA1, "reading": db.LevelA1, "writing": db.LevelA1}}},
}

// BenchmarkSearchPlacements50k measures one page of each search on 50,000
// placements, first page and a deep keyset page (page 20):
//
//	go test -run '^$' -bench SearchPlacements50k -benchtime 200x ./db/
//
// With -v it also logs EXPLAIN (ANALYZE, BUFFERS) of each first page.
func BenchmarkSearchPlacements50k(b *testing.B) {
	st := dbtest.Open(b)
	ctx := context.Background()
	start := time.Now()
	// The seed is two statements plus ANALYZE; pq runs a multi-statement
	// string only without parameters, so the count is inlined.
	if _, err := st.DB.ExecContext(ctx, strings.ReplaceAll(seedPlacementsSQL, "$1", "50000")); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded 50,000 placements in %s", time.Since(start).Round(time.Millisecond))
	for _, c := range searchCases {
		c := c
		b.Run(c.name+"/first", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := st.SearchPlacements(ctx, c.f); err != nil {
					b.Fatal(err)
				}
			}
		})
		// Walk to page 20 once, then measure that page.
		f := c.f
		var cur *db.Cursor
		for page := 0; page < 19; page++ {
			_, next, err := st.SearchPlacements(ctx, f)
			if err != nil {
				b.Fatal(err)
			}
			if next == nil {
				break
			}
			cur = next
			f.After = cur
		}
		b.Run(c.name+"/page20", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, _, err := st.SearchPlacements(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
		})
		if testing.Verbose() {
			b.Logf("EXPLAIN %s:\n%s", c.name, explain(b, st, c.f))
		}
	}
}

// explain returns the plan of a first-page search as PostgreSQL ran it.
func explain(b *testing.B, st *db.Store, f db.PlacementFilter) string {
	plan, err := st.ExplainSearch(context.Background(), f)
	if err != nil {
		b.Fatal(err)
	}
	return plan
}
