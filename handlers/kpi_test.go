package handlers

import (
	"context"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	"praksis/calendar"
	"praksis/db"
	"praksis/db/dbtest"
)

// kpiFx is a municipality of three active participants on a database of
// its own (so the admin's figures are exact), which measureBoth measures
// with the progress job on two days, 1 and 2 March 2031:
//
//   - reached (adviser A): A2 everywhere, the goal; the programme ends in 2032.
//   - late (adviser A): the goal A2, no results on day 1 (gap 16), A1
//     everywhere on day 2 (gap 4, no pace); ends 30.06.2031: at risk both days.
//   - far (adviser B): no results, gap 16; ends in 2032: not at risk.
//
// Day 2, everyone: at the goal 1 of 3 (33 %), at risk 1 of 3, average gap
// (0 + 4 + 16) / 3 = 6.7. Adviser A: 50 %, 50 %, 2.0 (day 1: 8.0).
type kpiFx struct {
	ta                *testApp
	adviserA, adviser db.User // adviser is B
	reached, late     int64
}

var (
	kpiDay1 = time.Date(2031, 3, 1, 1, 30, 0, 0, calendar.Oslo)
	kpiDay2 = time.Date(2031, 3, 2, 1, 30, 0, 0, calendar.Oslo)
)

func newKPIFx(t *testing.T) kpiFx {
	t.Helper()
	u, cleanup, err := dbtest.New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cleanup)
	ta := newTestAppOn(t, u)
	f := kpiFx{ta: ta, adviserA: ta.namedUser(db.RoleAdviser, "Astrid Rådgiver"), adviser: ta.namedUser(db.RoleAdviser, "Bjørn Rådgiver")}
	add := func(adviser db.User, first string, start, end time.Time, goal db.Level) int64 {
		in := participantInput(first, "Måling")
		in.ProgrammeStart, in.ProgrammeEnd = start, end
		in.Goals = map[string]db.Level{"listening": goal, "reading": goal, "writing": goal, "oral": goal}
		id := ta.storeParticipant(adviser, in)
		// The plan holds the norskmål the measurement reads (issue 14;
		// registration makes it once the form does, hence DO NOTHING).
		ta.exec(`INSERT INTO integration_plans (participant_id, decided_on, plan_date, original_end, goal_category,
				goal_listening, goal_reading, goal_writing, goal_oral)
			SELECT id, programme_start, programme_start, programme_end, goal_category, goal_listening, goal_reading, goal_writing, goal_oral
			FROM participants WHERE id = $1 ON CONFLICT (participant_id) DO NOTHING`, id)
		return id
	}
	d := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	f.reached = add(f.adviserA, "Rita", d("2030-06-01"), d("2032-06-01"), db.LevelA2)
	f.late = add(f.adviserA, "Lars", d("2030-06-01"), d("2031-06-30"), db.LevelA2)
	add(f.adviser, "Frida", d("2030-09-01"), d("2032-09-01"), db.LevelA2)
	// Three of adviser B's who completed more than a year before day 1: a
	// woman in full-time work on her anniversary, a man in "other", a man
	// with nothing recorded (unknown, not "not in work"). One year after,
	// as recorded: all 1 of 2 (50 %), women 100 %, men 0 %, 1 unknown.
	done := func(first, sex string, end time.Time, outcome string, from time.Time) {
		in := participantInput(first, "Ferdig")
		in.ProgrammeStart, in.ProgrammeEnd, in.Status = end.AddDate(-2, 0, 1), end, "completed"
		id := ta.storeParticipant(f.adviser, in)
		ta.exec(`UPDATE participants SET sex = $2 WHERE id = $1`, id, sex)
		if outcome != "" {
			ta.exec(`INSERT INTO outcomes (participant_id, kind, from_date) VALUES ($1, $2, $3)`, id, outcome, from)
		}
	}
	done("Wenche", "woman", d("2029-12-31"), "work_full", d("2030-03-01"))
	done("Odd", "man", d("2029-10-31"), "other", d("2029-12-01"))
	done("Ukjent", "man", d("2029-11-30"), "", time.Time{})
	for _, sk := range db.Skills {
		ta.addResult(f.reached, f.adviserA, sk, db.LevelA2, d("2031-01-10"))
	}
	return f
}

// measureBoth measures day 1, records late's results and measures day 2.
func (f kpiFx) measureBoth() {
	f.measure(kpiDay1)
	for _, sk := range db.Skills {
		f.ta.addResult(f.late, f.adviserA, sk, db.LevelA1, time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC))
	}
	f.measure(kpiDay2)
}

// measure runs the progress job as the scheduler would at 01:30 on day.
func (f kpiFx) measure(day time.Time) {
	f.ta.t.Helper()
	f.ta.store.Clock = func() time.Time { return day }
	// Not forced: each day is a slot of its own, run as the night's run.
	r, err := f.ta.sys.Scheduler.Run(context.Background(), "progress", day, false)
	if err != nil || r.Status != "ok" {
		f.ta.t.Fatalf("progress job on %s: %+v %v", day, r, err)
	}
}

// TestKPIPage: before any measurement the page says so; after, the admin
// sees everyone's figures and every cohort, the adviser their own
// caseload's only (headline, trends, cohorts, never another adviser's),
// each chart a figure with an SVG named by its title and description and
// a table of the same figures; in English too; employers and NAV are
// refused.
func TestKPIPage(t *testing.T) {
	f := newKPIFx(t)
	ta := f.ta
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	res := admin.get("/admin/kpi")
	if res.status != http.StatusOK || !strings.Contains(res.text(), msg(t, "nb", "admin.kpi.empty_heading")) {
		t.Fatalf("before any measurement: %d %s", res.status, res.visible())
	}

	f.measureBoth()
	res = admin.get("/admin/kpi")
	if res.status != http.StatusOK {
		t.Fatalf("admin: %d %s", res.status, res.visible())
	}
	page := res.visible()
	for _, want := range []string{
		fill(msg(t, "nb", "admin.kpi.measured"), "Date", "02.03.2031"),
		msg(t, "nb", "admin.kpi.metric_at_goal") + " 33 % " + fill(msg(t, "nb", "admin.kpi.n_goal"), "N", "3"),
		msg(t, "nb", "admin.kpi.metric_risk") + " 33 %",
		msg(t, "nb", "admin.kpi.metric_avg_gap") + " 6,7 nivåer",
		msg(t, "nb", "admin.kpi.by_adviser"), "Astrid Rådgiver", "Bjørn Rådgiver",
		msg(t, "nb", "admin.kpi.by_regime"), msg(t, "nb", "participant.regime.integreringsloven"),
		msg(t, "nb", "admin.kpi.by_start_year"), "2030",
		fill(msg(t, "nb", "admin.kpi.target_line"), "Target", "70 %"),
		// Issue 14: the share with a norskmål, the splits by sex and by
		// regime × sex, the one-year figure "as recorded".
		msg(t, "nb", "admin.kpi.metric_with_norskmal") + " 100 %",
		msg(t, "nb", "admin.kpi.by_sex"), msg(t, "nb", "admin.kpi.by_regime_sex"),
		fill(fill(msg(t, "nb", "admin.kpi.regime_sex"), "Regime", msg(t, "nb", "participant.regime.integreringsloven")), "Sex", msg(t, "nb", "admin.kpi.sex.not_given")),
		msg(t, "nb", "admin.kpi.metric_work_edu_1y_recorded"),
	} {
		if !strings.Contains(squash(page), squash(want)) {
			t.Errorf("the admin's page lacks %q", want)
		}
	}
	// Three trend charts and five cohort charts (start year, regime, sex,
	// regime × sex, adviser), each a figure with a named SVG and a table.
	checkCharts(t, res.body, 8, 0)
	// The one-year outcome over the days, everyone, women and men against
	// the target row in force (70 %), the unknown counted in the table.
	page = squash(page)
	for _, want := range []string{msg(t, "nb", "admin.kpi.trend_1y"),
		"01.03.2031 50 % 100 % 0 % 70 % 1", "02.03.2031 50 % 100 % 0 % 70 % 1",
		fill(fill(msg(t, "nb", "admin.kpi.unknown_desc"), "N", "1"), "Day", "02.03.2031"),
		fill(msg(t, "nb", "admin.kpi.target_desc"), "Target", "70 %"), "Kilde: Nasjonalt mål: 70 %"} {
		if !strings.Contains(page, squash(want)) {
			t.Errorf("the admin's page lacks %q", want)
		}
	}
	if !strings.Contains(res.body, `kchart__series--target`) || !strings.Contains(res.body, `kchart__series--work-woman`) {
		t.Error("the one-year chart lacks the target line or the women's line")
	}

	// The target is a dated row, not a constant: a new one from day 2
	// ends the old the day before; day 1 keeps 70 %, day 2 and the cohort
	// bars' line show 75 %.
	ta.exec(`UPDATE kpi_targets SET valid_to = '2031-03-01' WHERE metric = 'work_edu_1y' AND valid_to IS NULL`)
	ta.exec(`INSERT INTO kpi_targets (metric, valid_from, value, source) VALUES ('work_edu_1y', '2031-03-02', 0.75, 'Testens mål')`)
	page = squash(admin.get("/admin/kpi").visible())
	for _, want := range []string{"01.03.2031 50 % 100 % 0 % 70 % 1", "02.03.2031 50 % 100 % 0 % 75 % 1",
		fill(msg(t, "nb", "admin.kpi.target_line"), "Target", "75 %"), "Kilde: Testens mål"} {
		if !strings.Contains(page, squash(want)) {
			t.Errorf("with a new target from day 2, the page lacks %q", want)
		}
	}
	if strings.Contains(page, squash(fill(msg(t, "nb", "admin.kpi.target_line"), "Target", "70 %"))) {
		t.Error("the cohort bars still draw the old target")
	}

	// Adviser A: their own two participants only.
	adviser := ta.sessionFor(f.adviserA)
	res = adviser.get("/admin/kpi")
	if res.status != http.StatusOK {
		t.Fatalf("adviser: %d %s", res.status, res.visible())
	}
	page = squash(res.visible())
	for _, want := range []string{
		msg(t, "nb", "admin.kpi.heading_adviser"),
		msg(t, "nb", "admin.kpi.metric_at_goal") + " 50 % " + fill(msg(t, "nb", "admin.kpi.n_goal"), "N", "2"),
		msg(t, "nb", "admin.kpi.metric_risk") + " 50 %",
		msg(t, "nb", "admin.kpi.metric_avg_gap") + " 2,0 nivåer",
		// The trend table has both days: the gap fell from 8.0 to 2.0.
		"01.03.2031 8,0", "02.03.2031 2,0",
	} {
		if !strings.Contains(page, squash(want)) {
			t.Errorf("the adviser's page lacks %q", want)
		}
	}
	for _, leak := range []string{"Bjørn Rådgiver", "6,7", "33 %", msg(t, "nb", "admin.kpi.by_adviser")} {
		if strings.Contains(page, leak) {
			t.Errorf("the adviser's page shows %q, which is not about their caseload", leak)
		}
	}
	// Nobody of adviser A's ended a year ago: the one-year chart says so
	// instead of drawing (a figure without an SVG or a table).
	checkCharts(t, res.body, 7, 1)
	if !strings.Contains(page, squash(msg(t, "nb", "admin.kpi.no_trend_1y"))) {
		t.Error("adviser A's one-year chart does not say why it is empty")
	}

	// Adviser B sees their one participant; in English when that is their language.
	ta.exec(`UPDATE users SET locale = 'en' WHERE id = $1`, f.adviser.ID)
	res = ta.sessionFor(f.adviser).get("/admin/kpi")
	page = squash(res.visible())
	for _, want := range []string{msg(t, "en", "admin.kpi.heading_adviser"),
		msg(t, "en", "admin.kpi.metric_at_goal") + " 0% " + fill(msg(t, "en", "admin.kpi.n_goal"), "N", "1"),
		msg(t, "en", "admin.kpi.metric_avg_gap") + " 16.0 levels",
		// Their three who completed, one year after against the targets
		// (no split by sex for one caseload).
		msg(t, "en", "admin.kpi.trend_1y"), "01.03.2031 50% 70% 1", "02.03.2031 50% 75% 1", msg(t, "en", "admin.kpi.unknown_col")} {
		if !strings.Contains(page, squash(want)) {
			t.Errorf("adviser B's English page lacks %q", want)
		}
	}

	// The caseload links to the key figures and sorts at risk first; NAV
	// users get neither the link nor the exports.
	res = adviser.get("/participants")
	for _, want := range []string{`href="/admin/kpi"`, `href="/participants?sort=risk"`, `action="/agreements/attendance-export.csv"`,
		`href="/participants/export.xlsx"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("the caseload lacks %s", want)
		}
	}
	if res := adviser.get("/participants?sort=risk"); !strings.Contains(res.text(), msg(t, "nb", "participants.sorted_risk")) {
		t.Errorf("sorted by risk, the caseload does not say so: %s", res.visible())
	}
	if res := ta.sessionFor(ta.createUser(db.RoleNAV)).get("/participants"); strings.Contains(res.body, "/admin/kpi") || strings.Contains(res.body, "export") {
		t.Error("a NAV user's caseload offers the key figures or the exports")
	}

	for _, role := range []string{db.RoleEmployer, db.RoleNAV} {
		if res := ta.sessionFor(ta.createUser(role)).get("/admin/kpi"); res.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", role, res.status)
		}
	}
}

// squash collapses runs of white space, so page text compares as read.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// checkCharts checks the accessible structure of the page's n charts, of
// which empty have no data (no SVG, no table), and that no message ID is
// left untranslated.
func checkCharts(t *testing.T, body string, n, empty int) {
	t.Helper()
	for what, count := range map[string]int{
		`<figure class="chart kchart" aria-labelledby="`: n,
		`role="img" aria-labelledby="`:                   n - empty,
		`<desc id="`:                                     n - empty,
		`<details class="chart__table kchart__table">`:   n - empty,
		`<caption id="`:                                  n - empty,
	} {
		if got := strings.Count(body, what); got != count {
			t.Errorf("%d × %s, want %d", got, what, count)
		}
	}
	for _, id := range []string{"admin.kpi.", "participant.regime.", "skill."} {
		if strings.Contains(html.UnescapeString(body), id) {
			t.Errorf("a message ID is shown untranslated: %s…", id)
		}
	}
}

// TestKPIMeasuredByHand: figures from a run forced on /admin/jobs (or by
// run-job long after its slot) say when they were measured, not "in the
// night to" (issue 20); the night's own run says the night.
func TestKPIMeasuredByHand(t *testing.T) {
	f := newKPIFx(t)
	ta := f.ta
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	f.measure(kpiDay1)
	night := fill(msg(t, "nb", "admin.kpi.measured"), "Date", "01.03.2031")
	if page := admin.get("/admin/kpi").visible(); !strings.Contains(squash(page), squash(night)) {
		t.Fatalf("the night's run: the page lacks %q", night)
	}
	ta.store.Clock = func() time.Time { return kpiDay2.Add(7 * time.Hour) }
	if r, err := ta.sys.Scheduler.Run(context.Background(), "progress", kpiDay2.Add(7*time.Hour), true); err != nil || r.Status != "ok" {
		t.Fatalf("forced run: %+v %v", r, err)
	}
	_, m, err := ta.store.LatestKPI(context.Background())
	if err != nil || m == nil || !m.ByHand() {
		t.Fatalf("latest measurement: %+v %v", m, err)
	}
	at := m.StartedAt.In(calendar.Oslo)
	want := fill(msg(t, "nb", "admin.kpi.measured_at"), "Date", at.Format("02.01.2006"), "Time", at.Format("15.04"))
	page := admin.get("/admin/kpi").visible()
	if !strings.Contains(squash(page), squash(want)) {
		t.Errorf("a forced run: the page lacks %q", want)
	}
	if strings.Contains(squash(page), squash(fill(msg(t, "nb", "admin.kpi.measured"), "Date", "02.03.2031"))) {
		t.Errorf("a forced run is called the night's")
	}
}
