package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"praksis/db"
	"praksis/jobs"
)

// kpiSetup gives the KPI journeys something to show, once: a fresh
// adviser with four participants (one at the goal, one stuck and ending
// soon, one improving, one without results) and the progress job's
// measurements of 90, 60 and 30 days ago, so the trends have a history.
// The past days are measured through the job on a store of their own
// clock (sharing the pool), never on the server's store, whose clock the
// other journeys rely on.
var kpiSetup = sync.OnceValues(func() (string, error) {
	ctx := context.Background()
	email, adviser, err := newAdviser(ctx, "radgiver-kpi-", "Kari Nøkkeltall ")
	if err != nil {
		return "", err
	}
	today := store.Today()
	day := func(months int) string { return today.AddDate(0, months, 0).Format("2006-01-02") }
	for _, p := range []struct {
		first, regime string
		start, end    int // months from today
		results       [][2]string
	}{
		{"Rita", "integreringsloven", -20, 14, [][2]string{{"a2", day(-8)}, {"b1", day(-2)}}},
		{"Leo", "kap6a", -8, 3, [][2]string{{"a1", day(-7)}, {"a1", day(-1)}}},
		{"Ida", "integreringsloven", -12, 10, [][2]string{{"under_a1", day(-10)}, {"a1", day(-4)}, {"a2", day(-1)}}},
		{"Nora", "introduksjonsloven", -3, 20, nil},
	} {
		var id int64
		err := store.DB.GetContext(ctx, &id, `INSERT INTO participants (adviser_id, first_name, last_name, birth_year, education, regime,
				programme_start, programme_end, goal_category, goal_listening, goal_reading, goal_writing, goal_oral)
			VALUES ($1, $2, 'Nøkkeltall', 1990, 'upper_secondary', $3, $4, $5, 'work_or_education', 'b1', 'b1', 'b1', 'b1') RETURNING id`,
			adviser, p.first, p.regime, day(p.start), day(p.end))
		if err != nil {
			return "", err
		}
		// The plan (issue 14): the norskmål B1 under integreringsloven;
		// Leo's kap. 6A plan has none (optional there), Nora's
		// introduksjonsloven plan none at all.
		if _, err := store.DB.ExecContext(ctx, `INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category,
				goal_listening, goal_reading, goal_writing, goal_oral)
			SELECT id, programme_start, programme_start, programme_end, goal_category,
				CASE WHEN regime = 'integreringsloven' THEN goal_listening END, CASE WHEN regime = 'integreringsloven' THEN goal_reading END,
				CASE WHEN regime = 'integreringsloven' THEN goal_writing END, CASE WHEN regime = 'integreringsloven' THEN goal_oral END
			FROM participants WHERE id = $1 ON CONFLICT (participant_id) DO NOTHING`, id); err != nil {
			return "", err
		}
		for _, r := range p.results {
			if _, err := store.DB.ExecContext(ctx, `INSERT INTO language_results (participant_id, skill, level, taken_on, source)
				SELECT $1, s, $2::cefr_level, $3, 'norskprove' FROM unnest(ARRAY['listening', 'reading', 'writing', 'oral']) s`,
				id, r[0], r[1]); err != nil {
				return "", err
			}
		}
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, back := range []int{-90, -60, -30} {
		at := time.Date(today.Year(), today.Month(), today.Day()+back, 1, 30, 0, 0, jobs.Oslo)
		past := &db.Store{DB: store.DB, Clock: func() time.Time { return at }}
		s, err := jobs.NewScheduler(past, quiet, nil, jobs.Progress(past))
		if err != nil {
			return "", err
		}
		if r, err := s.Run(ctx, "progress", at, true); err != nil || r.Status != "ok" {
			return "", fmt.Errorf("progress on %s: %+v %v", at, r, err)
		}
	}
	return email, nil
})

// TestKPIJourney: the admin runs the measurement now from /admin/jobs,
// goes from the caseload to the key figures and finds the headline
// figures, two trend charts and five cohort charts, each an SVG named by
// its title and description with its table alongside; the page is
// axe-clean with every table open. The adviser sees their own caseload's
// page, without the chart by adviser. In both languages.
func TestKPIJourney(t *testing.T) {
	journey(t, resAdmin)
	adviserEmail, err := kpiSetup()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			b := newTab(t)
			b.expectStatus("admin signs in", b.signIn("admin@example.org", db.DemoPassword), 200)
			b.ensureLanguage(lang)
			b.expectStatus("open jobs", b.open("/admin/jobs"), 200)
			b.expectStatus("run the measurement now", b.submit(`main form[action="/admin/jobs/progress/run"] button`), 200)
			if !b.exists(`main .ds-alert[data-color="success"]`) {
				b.fatal("the measurement did not run: %s", b.text("main"))
			}
			b.expectStatus("open the caseload", b.open("/participants"), 200)
			b.expectStatus("open the key figures", b.submit(`main a[href="/admin/kpi"]`), 200)
			b.expectPath("/admin/kpi")
			b.expect("heading", b.text("main h1"), b.msg("admin.kpi.heading"))
			checkKPICharts(b, 7) // two trends; by start year, regime, sex, regime × sex, adviser
			// The trend table has the three past days and today.
			if n := eval[int](b, `document.querySelectorAll("#trend-gap-table-caption ~ tbody tr").length`); n < 4 {
				t.Errorf("the trend table has %d days, want at least 4", n)
			}
			b.checkPage("kpi-admin")

			a := newTab(t)
			a.expectStatus("adviser signs in", a.signIn(adviserEmail, db.DemoPassword), 200)
			a.ensureLanguage(lang)
			a.expectStatus("open the key figures", a.open("/admin/kpi"), 200)
			a.expect("heading", a.text("main h1"), a.msg("admin.kpi.heading_adviser"))
			checkKPICharts(a, 6)
			if a.exists("#cohort-adviser-caption") {
				t.Error("the adviser's page has the chart by adviser")
			}
			// Two of the four have a norskmål (Rita and Ida, integreringsloven);
			// one of them is at it (Rita, B1): 50 % (issue 14: the share
			// at the goal counts those who have one).
			a.expect("share at the goal", a.text("main .kpi-figures .key-figure:first-child .big-number"), a.msg("admin.kpi.percent", "Value", "50"))
			a.checkPage("kpi-adviser")
		})
	}
}

// checkKPICharts checks the page's n charts: each a figure with a caption,
// an SVG with role="img" named by a title and a description that exist
// and say something, and a table of the same figures (opened, so that
// axe checks it too).
func checkKPICharts(b *tab, n int) {
	b.t.Helper()
	b.do(evalVoid(`document.querySelectorAll("details.kchart__table").forEach(d => d.open = true)`))
	got := eval[int](b, `[...document.querySelectorAll("main figure.kchart")].filter(f => {
		const cap = document.getElementById(f.getAttribute("aria-labelledby"));
		const svg = f.querySelector("svg[role=img]");
		if (!cap || !cap.textContent.trim() || !svg) return false;
		const named = svg.getAttribute("aria-labelledby").split(" ").map(id => document.getElementById(id));
		if (named.length !== 2 || named.some(e => !e || !e.textContent.trim())) return false;
		const table = f.nextElementSibling && f.nextElementSibling.querySelector("table");
		return table && table.querySelector("caption").textContent.trim() && table.querySelectorAll("tbody tr").length > 0;
	}).length`)
	if got != n {
		b.t.Errorf("%d complete charts (figure, named SVG, table), want %d", got, n)
	}
}
