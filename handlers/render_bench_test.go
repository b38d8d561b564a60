package handlers

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
	"praksis/jobs"
	"praksis/locale"
	"praksis/mail"
)

// The render benchmarks (issue 19, "render less"): each renders one page
// with the layout, as the handler does after its reads, from a fixed data
// set read once: `praksis seed --scale 2000 --seed 1` on a fixed day, the
// demo adviser's caseload of 500. What the handler works out in Go from
// the rows (the caseload's lines, the profile's timeline and chart, the
// search's hits) is inside the loop; the store's reads are not.
//
//	go test -run '^$' -bench 'Render' -benchmem ./handlers/
//
// RENDER_DUMP=dir writes each page once into dir, to compare the HTML
// before and after a change.
//
// Figures before and after in docs/benchmarks.md ("Render less").

// renderFixture is the seeded database and the app over it, made once per
// test binary.
type renderFixture struct {
	app     *App
	store   *db.Store
	adviser db.User
	profile int64 // the adviser's participant with the most results
}

var (
	renderOnce sync.Once
	renderFix  *renderFixture
	renderErr  error
	// renderDrop drops the fixture's database; TestMain calls it.
	renderDrop = func() {}
)

// renderDay is the fixed "today" of the seed and the pages.
func renderDay() time.Time { return time.Date(2026, 3, 11, 9, 30, 0, 0, time.UTC) }

func renderSetup(b *testing.B) *renderFixture {
	b.Helper()
	renderOnce.Do(func() { renderFix, renderErr = newRenderFixture() })
	if renderErr != nil {
		b.Fatal(renderErr)
	}
	return renderFix
}

func newRenderFixture() (*renderFixture, error) {
	ctx := context.Background()
	u, drop, err := dbtest.New(ctx)
	if err != nil {
		return nil, err
	}
	st, err := db.Open(u)
	if err != nil {
		drop()
		return nil, err
	}
	renderDrop = func() { st.Close(); drop() }
	st.Clock = renderDay
	if _, err := seed.Scale(ctx, st, seed.ScaleOptions{Participants: 2000, Seed: 1}); err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr, err := locale.New()
	if err != nil {
		return nil, err
	}
	cfg := testConfig()
	sys, err := jobs.NewSystem(st, log, tr, mail.Config{BaseURL: cfg.BaseURL, SMTPURL: testSMTPURL, MailFrom: "Praksis <noreply@praksis.example>",
		Sender: mail.SenderConfig{Rate: 1000}})
	if err != nil {
		return nil, err
	}
	a, err := New(cfg, Deps{Store: st, Log: log, Translator: tr, Mail: sys.Renderer, Sender: sys.Sender, Scheduler: sys.Scheduler})
	if err != nil {
		return nil, err
	}
	f := &renderFixture{app: a, store: st}
	if f.adviser, err = st.UserByEmail(ctx, "radgiver@example.org"); err != nil {
		return nil, err
	}
	if err := st.DB.GetContext(ctx, &f.profile, `SELECT p.id FROM participants p JOIN language_results r ON r.participant_id = p.id
		WHERE p.adviser_id = $1 GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1`, f.adviser.ID); err != nil {
		return nil, err
	}
	return f, nil
}

// page is a signed-in page in bokmål, as newPage makes it.
func (f *renderFixture) page(u db.User, path, titleID string) Page {
	p := Page{app: f.app, Locale: "nb", Path: path, Back: path, CSRF: "csrf-token-of-the-benchmark", RequestID: "bench", User: &u}
	p.Title = p.T(titleID)
	return p
}

// renderLoop renders the page b.N times; view prepares the data as the
// handler does after its reads.
func renderLoop(b *testing.B, a *App, name string, view func() pager) {
	b.Helper()
	out, err := a.renderPage(name, view(), false)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(out)), "bytes/page")
	if dir := os.Getenv("RENDER_DUMP"); dir != "" {
		// The page as rendered, to compare before and after a change.
		if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".html"), out, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	if !bytes.Contains(out, []byte("</html>")) {
		b.Fatalf("%s: not a whole page", name)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := a.renderPage(name, view(), false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderProfile: the adviser's view of the participant with the
// most results (chart, timeline, notes, forms).
func BenchmarkRenderProfile(b *testing.B) {
	f := renderSetup(b)
	ctx := context.Background()
	row, err := f.store.CaseloadRowFor(ctx, f.profile, db.Scope{AdviserID: f.adviser.ID})
	if err != nil {
		b.Fatal(err)
	}
	base := profilePage{Page: f.page(f.adviser, "/participants", "participants.profile_title")}
	if err := f.app.loadProfile(ctx, &base, row); err != nil {
		b.Fatal(err)
	}
	b.Logf("profile %d: %d results, %d outcomes, %d notes, %d proposals, %d agreements", f.profile,
		len(base.Results), len(base.Outcomes), len(base.Notes), len(base.Proposals), len(base.Agreements))
	renderLoop(b, f.app, "participants/show", func() pager {
		p := base
		f.app.profileView(&p)
		return &p
	})
}

// BenchmarkRenderCaseload: the adviser's caseload, first page of 100 by end.
func BenchmarkRenderCaseload(b *testing.B) {
	f := renderSetup(b)
	rows, err := f.store.Caseload(context.Background(), db.Scope{AdviserID: f.adviser.ID},
		db.CaseloadFilter{Sort: "end", Limit: caseloadPageSize})
	if err != nil || len(rows) != caseloadPageSize {
		b.Fatalf("caseload: %d rows, %v", len(rows), err)
	}
	renderLoop(b, f.app, "participants/index", func() pager {
		p := caseloadPage{Page: f.page(f.adviser, "/participants", "participants.title"), Statuses: db.ParticipantStatuses,
			Sort: "end", PageNo: 1, Total: rows[0].Total, Pages: (rows[0].Total + caseloadPageSize - 1) / caseloadPageSize,
			From: 1, To: len(rows), RiskHorizon: 6}
		p.Lines = caseloadLines(&p.Page, rows, f.store.Today())
		if err := f.app.caseloadRowsHTML(&p.Page, p.Lines); err != nil {
			b.Fatal(err)
		}
		return &p
	})
}

// BenchmarkRenderSearch: the placement search's first page of 20 hits for
// "norsk" with an oral level, as the adviser searches.
func BenchmarkRenderSearch(b *testing.B) {
	f := renderSetup(b)
	ctx := context.Background()
	a2 := db.Level("a2")
	filter := db.PlacementFilter{Query: "norsk", Levels: map[string]db.Level{"oral": a2}, Limit: 20}
	hits, _, err := f.store.SearchPlacements(ctx, filter)
	if err != nil || len(hits) == 0 {
		b.Fatalf("search: %d hits, %v", len(hits), err)
	}
	towns, err := f.store.Municipalities(ctx)
	if err != nil {
		b.Fatal(err)
	}
	renderLoop(b, f.app, "placements/search", func() pager {
		p := searchPage{Page: f.page(f.adviser, "/placements", "placements.search_title"), Kinds: db.PlacementKinds, Sectors: db.Sectors,
			Levels: db.Levels[1:], Skills: db.Skills, Langs: db.WorkplaceLanguages, Towns: towns,
			ParticipantL: map[string]db.Level{"oral": a2}, Filtered: true, NextURL: "/placements?q=norsk&level_oral=a2&after=x"}
		p.Q = map[string][]string{"q": {"norsk"}, "level_oral": {"a2"}}
		p.Hits = searchHits(&p.Page, hits, p.ParticipantL)
		return &p
	})
}

// BenchmarkRenderAgreements: the demo adviser's agreements list as it
// opens, the first page (of 100).
func BenchmarkRenderAgreements(b *testing.B) {
	f := renderSetup(b)
	sc := db.AgreementScope{UserID: f.adviser.ID, Role: db.RoleAdviser}
	today := f.store.Today()
	ags, total, err := f.store.AgreementsPage(context.Background(), sc, today, db.AgreementFilter{Limit: agreementsPerPage})
	if err != nil || len(ags) == 0 {
		b.Fatalf("agreements: %d rows, %v", len(ags), err)
	}
	b.Logf("agreements: %d rows of %d", len(ags), total)
	renderLoop(b, f.app, "agreements/index", func() pager {
		p := agreementsPage{Page: f.page(f.adviser, "/agreements", "agreements.title"), Today: today, Statuses: db.AgreementStatuses,
			Total: total, PageNo: 1, Filter: db.AgreementFilter{Limit: agreementsPerPage}}
		p.Agreements = ags
		p.Lines = agreementLines(&p.Page, ags)
		return &p
	})
}
