package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"praksis/db"
	"praksis/locale"
)

// The demo accounts the participant journeys use.
const (
	adviserEmail = "radgiver@example.org"
	navEmail     = "nav@example.org"
	adminEmail   = "admin@example.org"
)

// osloToday is today's date in Oslo, where the app's dates are typed.
func osloToday(t *testing.T) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatalf("time zone: %v", err)
	}
	n := time.Now().In(loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

var (
	translatorOnce sync.Once
	translator     *locale.Translator
	translatorErr  error
)

// rendered is a message as the app renders it, for messages with template
// logic (a plural) that tab.msg's plain substitution does not run.
func (b *tab) rendered(id string, data ...any) string {
	b.t.Helper()
	translatorOnce.Do(func() { translator, translatorErr = locale.New() })
	if translatorErr != nil {
		b.fatal("translator: %v", translatorErr)
	}
	if !translator.Has(b.lang, id) {
		b.fatal("no message %q in %s.toml", id, b.lang)
	}
	return translator.T(b.lang, id, data...)
}

func ymd(d time.Time) string { return d.Format("2006-01-02") }
func dmy(d time.Time) string { return d.Format("02.01.2006") }

// journeyParticipant is what the journey registered and what the later
// parts compare against.
type journeyParticipant struct {
	id                 int64
	first, last        string
	start, end         time.Time
	results            []resultStep
	employer, noteBody string
	figures            []keyFigure // as the adviser saw them last
	dots               []string    // the chart's dots, as the adviser saw them last
}

func (p *journeyParticipant) path(suffix string) string {
	return fmt.Sprintf("/participants/%d%s", p.id, suffix)
}

// resultStep is one Norwegian result the adviser records.
type resultStep struct {
	skill     string
	level     db.Level
	monthsAgo int
	gap       int // levels to the goal (B1) in this skill afterwards
}

// TestParticipantJourney: an adviser registers a participant (an error
// beside the field first), records Norwegian results over time and sees
// the key figures and the chart follow, records work and a note; the NAV
// contact sees the same progress read-only and adds a note; the caseload
// shows the badges and sorts; the admin reads the access log. Once per
// language, every page checked by axe.
func TestParticipantJourney(t *testing.T) {
	journey(t, resAdmin, resAdviser, resNAV)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			adv := newTab(t)
			adv.expectStatus("adviser signs in", adv.signIn(adviserEmail, db.DemoPassword), 200)
			adv.ensureLanguage(lang)
			p := adviserRegistersParticipant(adv)
			adviserRecordsResults(adv, p)
			adviserRecordsOutcomeAndNote(adv, p)
			navFollowsParticipant(t, lang, p)
			adviserCaseload(adv, p)
			adminReadsAccessLog(t, lang, p)
		})
	}
}

// keyFigure is one card of the profile's key figures.
type keyFigure struct {
	Label string `json:"label"`
	Big   string `json:"big"`
	Sub   string `json:"sub"`
}

func keyFigures(b *tab) []keyFigure {
	b.t.Helper()
	return eval[[]keyFigure](b, `Array.from(document.querySelectorAll("main .key-figure")).map(c => {
		const t = s => ((c.querySelector(s) || {}).textContent || "").replace(/\s+/g, " ").trim();
		return {label: t(".key-figure__label"), big: t(".big-number"), sub: t(".key-figure__label ~ .subtle")};
	})`)
}

// skillFigure is the key figure of a skill.
func skillFigure(b *tab, skill string) keyFigure {
	b.t.Helper()
	label := b.msg("skill." + skill)
	for _, f := range keyFigures(b) {
		if f.Label == label {
			return f
		}
	}
	b.fatal("no key figure for %s", label)
	return keyFigure{}
}

// expectSkillFigure checks a skill's card: the best level ("" for none)
// and the goal B1 with the levels left.
func expectSkillFigure(b *tab, skill string, best db.Level, gap int) {
	b.t.Helper()
	f := skillFigure(b, skill)
	want := "–"
	if best != "" {
		want = b.msg("level." + string(best))
	}
	b.expect(skill+" key figure", f.Big, want)
	togo := b.msg("participants.goal_reached")
	if gap > 0 {
		togo = b.rendered("participants.levels_to_go", "N", gap)
	}
	if !strings.Contains(f.Sub, b.msg("participants.goal_is", "Level", b.msg("level.b1"))) || !strings.Contains(f.Sub, togo) {
		b.t.Errorf("%s key figure: %q, want the goal B1 and %q", skill, f.Sub, togo)
	}
}

// chartState is what the progress chart draws.
type chartState struct {
	Dots  []string           `json:"dots"`  // "cx,cy" per result
	Lines map[string]string  `json:"lines"` // skill → polyline points ("" without results)
	Goals map[string]float64 `json:"goals"` // skill → y of its dashed goal line
	Text  string             `json:"text"`  // the figure's text outside the SVG (legend, empty message)
}

func chart(b *tab) chartState {
	b.t.Helper()
	return eval[chartState](b, `(() => {
		const fig = document.querySelector("main figure.chart");
		const svg = fig.querySelector("svg.chart__svg");
		const text = Array.from(fig.querySelectorAll(".chart__empty, figcaption")).map(e => e.textContent).join(" ");
		const out = {dots: [], lines: {}, goals: {}, text: text.replace(/\s+/g, " ").trim()};
		for (const c of svg.querySelectorAll("circle.chart__dot")) out.dots.push(c.getAttribute("cx") + "," + c.getAttribute("cy"));
		for (const g of svg.querySelectorAll("g.chart__series")) {
			const sk = Array.from(g.classList).find(c => c.startsWith("chart__series--")).slice("chart__series--".length);
			const pl = g.querySelector("polyline.chart__line");
			out.lines[sk] = pl ? pl.getAttribute("points") : "";
			out.goals[sk] = Number(g.querySelector(".chart__goal").getAttribute("y1"));
		}
		return out;
	})()`)
}

// lastY is the y of a polyline's last point (where the line is today).
func lastY(b *tab, points string) float64 {
	b.t.Helper()
	f := strings.Fields(points)
	if len(f) == 0 {
		b.fatal("no line")
	}
	_, y, _ := strings.Cut(f[len(f)-1], ",")
	v, err := strconv.ParseFloat(y, 64)
	if err != nil {
		b.fatal("point %q", f[len(f)-1])
	}
	return v
}

// texts is the whitespace-normalised text of every match.
func texts(b *tab, sel string) []string {
	b.t.Helper()
	return eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(e => e.textContent.replace(/\s+/g, " ").trim())`, sel))
}

// fieldError checks that a field has its message beside it (in its own
// ds-field, tied by aria-describedby) and is marked invalid.
func fieldError(b *tab, field, msgID string) {
	b.t.Helper()
	id := "f-" + field
	b.expect(field+" message", b.text("#"+id+"-error"), b.msg(msgID))
	if !eval[bool](b, fmt.Sprintf(`document.getElementById(%q).closest(".ds-field") === document.getElementById(%q).closest(".ds-field")`, id+"-error", id)) {
		b.t.Errorf("the message for %s is not beside the field", field)
	}
	if got := eval[string](b, fmt.Sprintf(`document.getElementById(%q).getAttribute("aria-invalid") || ""`, id)); got != "true" {
		b.t.Errorf("%s: aria-invalid=%q", field, got)
	}
	if !slices.Contains(strings.Fields(eval[string](b, fmt.Sprintf(`document.getElementById(%q).getAttribute("aria-describedby") || ""`, id))), id+"-error") {
		b.t.Errorf("%s is not described by its message", field)
	}
	if !b.exists(fmt.Sprintf(`.ds-error-summary a[href="#%s"]`, id)) {
		b.t.Errorf("the error summary does not link to %s", field)
	}
}

// adviserRegistersParticipant is part a.
func adviserRegistersParticipant(b *tab) *journeyParticipant {
	t := b.t
	today := osloToday(t)
	nav, err := store.UserByEmail(context.Background(), navEmail)
	if err != nil {
		t.Fatal(err)
	}
	p := &journeyParticipant{first: "Amina", last: unique("Haile-" + b.lang + "-"),
		start: today.AddDate(0, -10, 0), end: today.AddDate(0, 14, 0)}

	menu := `header nav a[href="/participants"]`
	b.expect("menu item", b.text(menu), b.msg("nav.participants"))
	b.expectStatus("open participants", b.submit(menu), 200)
	b.expectPath("/participants")
	b.expect("heading", b.text("main h1"), b.msg("participants.heading"))
	if !b.exists(menu + `[aria-current="page"]`) {
		t.Errorf("the menu does not mark Participants as the current page")
	}
	b.checkPage("participants-caseload-before")

	newLink := `main .page-head a[href="/participants/new"]`
	b.expect("register button", b.text(newLink), b.msg("participants.new"))
	b.expectStatus("register", b.submit(newLink), 200)
	b.expectPath("/participants/new")
	b.expect("form heading", b.text("main h1"), b.msg("participants.new_heading"))
	b.expect("sex preset", b.value("#f-sex"), "not_given")
	if !strings.Contains(b.text("#derived-regime"), b.msg("participant.regime_pending")) {
		t.Errorf("the regime is not shown as derived, yet to be decided: %q", b.text("#derived-regime"))
	}
	b.expect("status preset", b.value("#f-status"), "active")
	b.checkPage("participant-new")

	b.fill("#f-first_name", p.first)
	b.fill("#f-last_name", p.last)
	b.fill("#f-birth_year", "1991")
	// Primary school only: integreringsloven § 14, a programme of up to
	// two years (with upper secondary education § 13 allows six months).
	b.choose("#f-education", "primary")
	// Asylum granted after 2020: integreringsloven, whose plan has a
	// Norwegian goal in every skill.
	b.choose("#f-legal_basis", "asylum")
	b.choose("#f-permit_date", "2022-06-03")
	b.do(click("#f-lang-ti"), click("#f-lang-ar"))
	b.choose("#f-programme_start", ymd(p.start))
	b.choose("#f-programme_end", ymd(p.start.AddDate(0, -1, 0))) // before the start
	b.choose("#f-goal_category", "work_sector")
	b.choose("#f-goal_sector", "health")
	for _, sk := range db.Skills {
		b.expect(sk+" goal", b.value("#f-goal_"+sk), "") // "Standard"/"Default"
		b.choose("#f-goal_"+sk, "b1")                    // the adviser's decision: B1 in every skill
	}
	b.choose("#f-nav_contact", strconv.FormatInt(nav.ID, 10))
	save := `main form[action="/participants"] button[type="submit"]`
	b.expect("save button", b.text(save), b.msg("participants.save"))

	// The end before the start: the form comes back with the message
	// beside the end date and everything typed still there.
	b.expectStatus("save with the end before the start", b.submit(save), 422)
	fieldError(b, "programme_end", "participant.end_before_start")
	if n := eval[int](b, `document.querySelectorAll("main .ds-validation-message").length`); n != 1 {
		t.Errorf("%d messages on the form, want only the one for the end date", n)
	}
	for sel, want := range map[string]string{"#f-first_name": p.first, "#f-last_name": p.last, "#f-birth_year": "1991",
		"#f-education": "primary", "#f-legal_basis": "asylum", "#f-permit_date": "2022-06-03", "#f-programme_start": ymd(p.start),
		"#f-programme_end": ymd(p.start.AddDate(0, -1, 0)), "#f-goal_category": "work_sector", "#f-goal_sector": "health",
		"#f-nav_contact": strconv.FormatInt(nav.ID, 10), "#f-goal_listening": "b1", "#f-goal_reading": "b1", "#f-goal_writing": "b1",
		"#f-goal_oral": "b1"} {
		b.expect("kept "+sel, b.value(sel), want)
	}
	for sel, want := range map[string]bool{"#f-lang-ti": true, "#f-lang-ar": true, "#f-lang-uk": false} {
		if got := eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked`, sel)); got != want {
			t.Errorf("kept %s checked: %v, want %v", sel, got, want)
		}
	}
	// The regime derived from the basis and the permit date, shown beside them.
	if !strings.Contains(b.text("#derived-regime"), b.msg("participant.regime.integreringsloven")) {
		t.Errorf("the derived regime is not integreringsloven: %q", b.text("#derived-regime"))
	}
	if !eval[bool](b, `document.activeElement && document.activeElement.classList.contains("ds-error-summary")`) {
		t.Errorf("the error summary does not have focus")
	}
	b.checkPage("participant-new-error")

	b.choose("#f-programme_end", ymd(p.end))
	b.expectStatus("save", b.submit(save), 200)
	id, err := strconv.ParseInt(strings.TrimPrefix(b.path(), "/participants/"), 10, 64)
	if err != nil {
		b.fatal("after saving: on %s, want /participants/<id>", b.path())
	}
	p.id = id
	b.expect("flash", b.text("#alerts"), b.msg("flash.participant_saved"))
	b.expect("profile heading", b.text("main h1"), p.first+" "+p.last)
	if stored, err := store.ParticipantIn(b.ctx, id, db.Scope{All: true}); err != nil {
		t.Fatal(err)
	} else if stored.NavContactID == nil || *stored.NavContactID != nav.ID || stored.GoalSector != "health" ||
		!slices.Equal([]string(stored.Languages), []string{"ti", "ar"}) && !slices.Equal([]string(stored.Languages), []string{"ar", "ti"}) {
		t.Errorf("stored: NAV %v, sector %q, languages %v", stored.NavContactID, stored.GoalSector, stored.Languages)
	} else if stored.Regime != db.RegimeIntegration {
		t.Errorf("stored regime %q, want %q", stored.Regime, db.RegimeIntegration)
	}
	// The plan holds the goals the adviser chose, B1 in every skill.
	if plan, err := store.Plan(b.ctx, id); err != nil {
		t.Fatal(err)
	} else {
		for _, sk := range db.Skills {
			if g := plan.Goal(sk); g == nil || *g != db.LevelB1 {
				t.Errorf("the plan's %s goal is %v, want B1", sk, g)
			}
		}
	}

	// Nothing recorded yet: "–" and the plan's goal B1 in every skill,
	// the months left, and a chart that says it is empty.
	row, err := store.CaseloadRowFor(b.ctx, id, db.Scope{All: true})
	if err != nil {
		t.Fatal(err)
	}
	figs := keyFigures(b)
	if len(figs) != 5 {
		b.fatal("%d key figures, want 5 (months left and four skills)", len(figs))
	}
	b.expect("months left", figs[0].Big, strconv.Itoa(row.MonthsLeft))
	b.expect("programme end", figs[0].Sub, b.msg("participants.ends", "Date", dmy(p.end)))
	for _, sk := range db.Skills {
		expectSkillFigure(b, sk, "", 5)
	}
	c := chart(b)
	if len(c.Dots) != 0 || c.Lines["oral"] != "" || !strings.Contains(c.Text, b.msg("participants.chart_empty")) {
		t.Errorf("empty chart: %d dots, oral line %q, caption %q", len(c.Dots), c.Lines["oral"], c.Text)
	}
	facts := b.text("main .facts")
	for _, want := range []string{dmy(p.start), dmy(p.end), b.msg("sector.health"), b.msg("language.ti"), b.msg("language.ar"), "Nils NAV"} {
		if !strings.Contains(facts, want) {
			t.Errorf("facts %q lack %q", facts, want)
		}
	}
	b.checkPage("participant-profile-new")
	return p
}

// adviserRecordsResults is part b.
func adviserRecordsResults(b *tab, p *journeyParticipant) {
	t := b.t
	today := osloToday(t)
	p.results = []resultStep{
		{"oral", db.LevelA1, 9, 2},
		{"listening", db.LevelA1, 9, 2}, // the same test day and level as oral
		{"oral", db.LevelA2, 5, 1},
		{"oral", db.LevelB1, 1, 0},
	}
	form := `main form[action="` + p.path("/results") + `"]`
	b.expect("result button", b.text(form+` button[type="submit"]`), b.msg("participants.save_result"))
	prevOral := 0.0
	for i, s := range p.results {
		on := today.AddDate(0, -s.monthsAgo, 0)
		b.choose("#f-skill", s.skill)
		b.choose("#f-level", string(s.level))
		b.choose("#f-taken_on", ymd(on))
		b.choose("#f-source", "norskprove")
		b.expectStatus("save result", b.submit(form+` button[type="submit"]`), 200)
		b.expectPath(p.path(""))
		b.expect("flash", b.text("#alerts"), b.msg("flash.result_saved"))
		expectSkillFigure(b, s.skill, s.level, s.gap)

		c := chart(b)
		if len(c.Dots) != i+1 {
			t.Errorf("after %s %s: %d dots in the chart, want %d", s.skill, s.level, len(c.Dots), i+1)
		}
		if c.Lines[s.skill] == "" {
			t.Errorf("after %s %s: no %s line", s.skill, s.level, s.skill)
		}
		if strings.Contains(c.Text, b.msg("participants.chart_empty")) {
			t.Errorf("the chart still says it is empty")
		}
		// The oral line ends higher (a smaller y) with each better result,
		// towards its dashed goal line, which it meets at B1.
		y, goal := lastY(b, c.Lines["oral"]), c.Goals["oral"]
		if s.skill == "oral" {
			if prevOral != 0 && y >= prevOral {
				t.Errorf("after oral %s the line ends at y=%.1f, not above the earlier %.1f", s.level, y, prevOral)
			}
			prevOral = y
		}
		if y < goal-0.05 {
			t.Errorf("the oral line (y=%.1f) is above its goal line (y=%.1f)", y, goal)
		}
		if s.gap == 0 && y > goal+0.05 {
			t.Errorf("oral at its goal: the line ends at y=%.1f, the goal line is at y=%.1f", y, goal)
		}
		item := dmy(on) + " " + b.msg("participants.tl_result", "Skill", b.msg("skill."+s.skill), "Level", b.msg("level."+string(s.level)),
			"Source", b.msg("participant.source.norskprove"))
		if !slices.Contains(texts(b, "main .timeline__item"), item) {
			t.Errorf("the timeline lacks %q", item)
		}
		b.checkPage(fmt.Sprintf("participant-result-%d-%s-%s", i+1, s.skill, s.level))
	}
	expectSkillFigure(b, "listening", db.LevelA1, 2)
	expectSkillFigure(b, "reading", "", 5)
	expectSkillFigure(b, "oral", db.LevelB1, 0)
	if !b.exists(`main .key-figure--done .big-number`) || skillFigure(b, "oral").Big != b.msg("level.b1") {
		t.Errorf("the oral card is not marked as done")
	}

	// The table alternative lists every result and the goals.
	b.do(click("main details.chart__table summary"))
	if !eval[bool](b, `document.querySelector("main details.chart__table").open`) {
		t.Errorf("the table alternative did not open")
	}
	rows := eval[[]string](b, `Array.from(document.querySelectorAll("main details.chart__table tbody tr:not(.goal-row)"))
		.map(tr => Array.from(tr.cells).map(c => c.textContent.trim()).join(" "))`)
	for _, s := range p.results {
		want := dmy(today.AddDate(0, -s.monthsAgo, 0)) + " " + b.msg("skill."+s.skill) + " " + b.msg("level."+string(s.level)) + " " +
			b.msg("participant.source.norskprove")
		if !slices.Contains(rows, want) {
			t.Errorf("the table lacks %q: %q", want, rows)
		}
	}
	if n := len(texts(b, "main details.chart__table tbody tr.goal-row")); n != 4 {
		t.Errorf("%d goal rows in the table, want 4", n)
	}
	b.checkPage("participant-results-table")

	// A result dated in the future: the message beside the date, the
	// choices kept, nothing recorded.
	before := chart(b)
	future := today.AddDate(0, 0, 2)
	b.choose("#f-skill", "writing")
	b.choose("#f-level", "a2")
	b.choose("#f-taken_on", ymd(future))
	b.choose("#f-source", "teacher")
	b.expectStatus("save a result in the future", b.submit(form+` button[type="submit"]`), 422)
	fieldError(b, "taken_on", "participant.result_future")
	for sel, want := range map[string]string{"#f-skill": "writing", "#f-level": "a2", "#f-taken_on": ymd(future), "#f-source": "teacher"} {
		b.expect("kept "+sel, b.value(sel), want)
	}
	if after := chart(b); len(after.Dots) != len(before.Dots) {
		t.Errorf("a rejected result was drawn: %d dots, %d before", len(after.Dots), len(before.Dots))
	}
	if rs, err := store.Results(b.ctx, p.id); err != nil {
		t.Fatal(err)
	} else if len(rs) != len(p.results) {
		t.Errorf("%d results stored, want %d", len(rs), len(p.results))
	}
	expectSkillFigure(b, "writing", "", 5)
	b.checkPage("participant-result-future")
}

// adviserRecordsOutcomeAndNote is part c.
func adviserRecordsOutcomeAndNote(b *tab, p *journeyParticipant) {
	t := b.t
	today := osloToday(t)
	b.expectStatus("back to the profile", b.open(p.path("")), 200)
	p.employer = "Fjordbyen sykehjem"
	from := today.AddDate(0, 0, -14)
	form := `main form[action="` + p.path("/outcomes") + `"]`
	b.choose("#f-kind", "work_part")
	b.choose("#f-from_date", ymd(from))
	b.fill("#f-employer", p.employer)
	b.expectStatus("save outcome", b.submit(form+` button[type="submit"]`), 200)
	b.expectPath(p.path(""))
	b.expect("flash", b.text("#alerts"), b.msg("flash.outcome_saved"))
	label := b.msg("participant.outcome.work_part") + " – " + p.employer
	if got := b.text("main section[aria-labelledby=outcomes-heading] li"); !strings.Contains(got, label) || !strings.Contains(got, dmy(from)) {
		t.Errorf("outcome %q lacks %q on %s", got, label, dmy(from))
	}
	if !slices.Contains(texts(b, "main .timeline__item"), dmy(from)+" "+label) {
		t.Errorf("the timeline lacks the outcome %q", label)
	}
	b.checkPage("participant-outcome")

	p.noteBody = "Startet i 50 % stilling på sykehjemmet. Avtalt oppfølging med NAV om fire uker."
	b.fill("#f-body", p.noteBody)
	b.expect("note button", b.text(`main form[action="`+p.path("/notes")+`"] button`), b.msg("participants.add_note"))
	b.expectStatus("save note", b.submit(`main form[action="`+p.path("/notes")+`"] button`), 200)
	b.expect("flash", b.text("#alerts"), b.msg("flash.note_saved"))
	b.expect("note", b.text("main .notes .note .prewrap"), p.noteBody)
	if meta := b.text("main .notes .note__meta"); !strings.Contains(meta, "Rune Rådgiver ("+b.msg("role.adviser")+")") {
		t.Errorf("note by %q, want the adviser", meta)
	}
	p.figures = keyFigures(b)
	p.dots = chart(b).Dots
	b.checkPage("participant-note")
}

// navFollowsParticipant is part d: the NAV contact, in a browser of their
// own.
func navFollowsParticipant(t *testing.T, lang string, p *journeyParticipant) {
	b := newTab(t)
	b.expectStatus("NAV signs in", b.signIn(navEmail, db.DemoPassword), 200)
	b.ensureLanguage(lang)
	menu := `header nav a[href="/participants"]`
	b.expectStatus("open participants", b.submit(menu), 200)
	b.expect("heading", b.text("main h1"), b.msg("participants.nav_heading"))
	if b.exists(`main a[href="/participants/new"]`) {
		t.Errorf("NAV is offered to register a participant")
	}
	link := `main tbody a[href="` + p.path("") + `"]`
	if !b.exists(link) {
		b.fatal("the participant is not in NAV's list")
	}
	b.expect("name in the list", b.text(link), p.last+", "+p.first)
	b.checkPage("participants-nav")

	b.expectStatus("open the profile", b.submit(link), 200)
	b.expectPath(p.path(""))
	b.expect("read-only notice", b.text(`main .ds-alert[data-color="info"]`), b.msg("participants.nav_readonly"))
	got := keyFigures(b)
	if len(got) != len(p.figures) {
		t.Errorf("NAV sees %d key figures, the adviser %d", len(got), len(p.figures))
	}
	for i := range min(len(got), len(p.figures)) {
		if got[i] != p.figures[i] {
			t.Errorf("key figure %d: NAV sees %+v, the adviser %+v", i, got[i], p.figures[i])
		}
	}
	if dots := chart(b).Dots; !slices.Equal(dots, p.dots) {
		t.Errorf("NAV's chart has dots %v, the adviser's %v", dots, p.dots)
	}
	for _, sel := range []string{`main a[href="` + p.path("/edit") + `"]`, `main form[action="` + p.path("/results") + `"]`,
		`main form[action="` + p.path("/outcomes") + `"]`, `main a[href="` + p.path("/suggestions") + `"]`} {
		if b.exists(sel) {
			t.Errorf("NAV is offered %s", sel)
		}
	}
	b.checkPage("participant-nav")

	body := "NAV-kontakt: " + unique("møte avtalt ")
	note := `main form[action="` + p.path("/notes") + `"]`
	b.fill("#f-body", body)
	b.expectStatus("NAV saves a note", b.submit(note+" button"), 200)
	b.expectPath(p.path(""))
	b.expect("flash", b.text("#alerts"), b.msg("flash.note_saved"))
	notes := texts(b, "main .notes .note")
	if len(notes) != 2 || !strings.Contains(notes[0], body) || !strings.Contains(notes[0], "Nils NAV ("+b.msg("role.nav")+")") ||
		!strings.Contains(notes[1], p.noteBody) {
		t.Errorf("notes after NAV's: %q", notes)
	}
	b.checkPage("participant-nav-note")
}

// levelBadge is one skill's badge in a caseload row.
type levelBadge struct {
	Done  bool   `json:"done"`
	Skill string `json:"skill"` // the screen-reader text
	Level string `json:"level"`
}

// adviserCaseload is part e.
func adviserCaseload(b *tab, p *journeyParticipant) {
	t := b.t
	b.expectStatus("open participants", b.submit(`header nav a[href="/participants"]`), 200)
	b.expectPath("/participants")
	row := `main tbody tr:has(a[href="` + p.path("") + `"])`
	if !b.exists(row) {
		b.fatal("the participant is not in the caseload")
	}
	badges := eval[[]levelBadge](b, fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(li => ({
		done: li.classList.contains("level-badge--yes"),
		skill: li.querySelector(".ds-sr-only").textContent.trim(),
		level: li.querySelector(".level-badge__level").textContent.replace(/\s+/g, "").trim()}))`, row+" .level-badge"))
	b1 := b.msg("level.b1")
	want := []levelBadge{
		{false, b.msg("skill.listening") + ":", b.msg("level.a1") + "/" + b1},
		{false, b.msg("skill.reading") + ":", "–/" + b1},
		{false, b.msg("skill.writing") + ":", "–/" + b1},
		{true, b.msg("skill.oral") + ":", b1 + "/" + b1},
	}
	if !slices.Equal(badges, want) {
		t.Errorf("badges %+v, want %+v", badges, want)
	}
	if got := b.text(row); !strings.Contains(got, b.msg("participant.outcome.work_part")) || !strings.Contains(got, dmy(p.end)) {
		t.Errorf("row %q lacks the outcome or the end date", got)
	}
	b.checkPage("participants-caseload")

	// Sorting by a column header: ascending, then descending.
	ariaSort := func(col int) string {
		return eval[string](b, fmt.Sprintf(`document.querySelector("main thead th:nth-child(%d)").getAttribute("aria-sort")`, col))
	}
	b.expect("name column", ariaSort(1), "none")
	b.expect("end column", ariaSort(2), "ascending")
	nameLink := `main thead th:nth-child(1) a`
	b.expect("name header", b.text(nameLink), b.msg("participants.col_name"))
	b.expectStatus("sort by name", b.submit(nameLink), 200)
	b.expect("name column sorted", ariaSort(1), "ascending")
	b.expect("end column after", ariaSort(2), "none")
	b.expectStatus("sort by name again", b.submit(nameLink), 200)
	b.expect("name column reversed", ariaSort(1), "descending")
	names := texts(b, "main tbody th a")
	if !slices.IsSortedFunc(names, func(x, y string) int { return strings.Compare(strings.ToLower(y), strings.ToLower(x)) }) {
		t.Errorf("names are not in descending order: %q", names)
	}
	if !b.exists(row) {
		t.Errorf("the participant is not in the sorted caseload")
	}
	b.checkPage("participants-caseload-sorted")
}

// auditRow is one row of the access log.
type auditRow struct {
	Who  string `json:"who"`
	What string `json:"what"`
}

// adminReadsAccessLog is part f.
func adminReadsAccessLog(t *testing.T, lang string, p *journeyParticipant) {
	b := newTab(t)
	b.expectStatus("admin signs in", b.signIn(adminEmail, db.DemoPassword), 200)
	b.ensureLanguage(lang)
	b.expectStatus("open participants", b.submit(`header nav a[href="/participants"]`), 200)
	b.expect("heading", b.text("main h1"), b.msg("participants.all_heading"))
	link := `main tbody a[href="` + p.path("") + `"]`
	if !b.exists(link) {
		b.fatal("the participant is not in the admin's list")
	}
	b.checkPage("participants-admin")
	b.expectStatus("open the profile", b.submit(link), 200)
	audit := `main a[href="` + p.path("/audit") + `"]`
	b.expect("access log link", b.text(audit), b.msg("participants.audit_link"))
	b.checkPage("participant-admin")

	b.expectStatus("open the access log", b.submit(audit), 200)
	b.expectPath(p.path("/audit"))
	b.expect("heading", b.text("main h1"), b.msg("participants.audit_heading", "Name", p.first+" "+p.last))
	rows := eval[[]auditRow](b, `Array.from(document.querySelectorAll("main tbody tr")).map(tr => ({
		who: tr.cells[1].textContent.replace(/\s+/g, " ").trim(), what: tr.cells[2].textContent.trim()}))`)
	count := func(who, action string) int {
		n := 0
		for _, r := range rows {
			if r.Who == who && r.What == b.msg("audit."+action) {
				n++
			}
		}
		return n
	}
	adviser := "Rune Rådgiver (" + b.msg("role.adviser") + ")"
	nav := "Nils NAV (" + b.msg("role.nav") + ")"
	admin := "Astrid Admin (" + b.msg("role.admin") + ")"
	for _, c := range []struct {
		who, action string
		min, max    int
	}{
		{adviser, "participant.create", 1, 1},
		{adviser, "participant.view", 1, 1000},
		{adviser, "participant.result", len(p.results), len(p.results)},
		{adviser, "participant.outcome", 1, 1},
		{adviser, "participant.note", 1, 1},
		{nav, "participant.view", 1, 1000},
		{nav, "participant.note", 1, 1},
		{admin, "participant.view", 1, 1000},
	} {
		if n := count(c.who, c.action); n < c.min || n > c.max {
			t.Errorf("access log: %d rows of %s by %s, want %d–%d", n, c.action, c.who, c.min, c.max)
		}
	}
	// Newest first: the admin's own view of the profile is at the top.
	if len(rows) == 0 || rows[0] != (auditRow{admin, b.msg("audit.participant.view")}) {
		t.Errorf("first row %+v, want the admin's view", rows[:min(1, len(rows))])
	}
	b.checkPage("participant-audit")
}

// TestParticipantPagesMobile (part g): at 375 CSS pixels the caseload, a
// profile with results (the chart scaled down to the screen, the results
// table scrolling inside its own box if it must) and the registration
// form reflow without sideways scrolling and pass axe, in both languages.
func TestParticipantPagesMobile(t *testing.T) {
	journey(t, resAdviser)
	const width = 375
	ctx := context.Background()
	adviser, err := store.UserByEmail(ctx, adviserEmail)
	if err != nil {
		t.Fatal(err)
	}
	nav, err := store.UserByEmail(ctx, navEmail)
	if err != nil {
		t.Fatal(err)
	}
	today := osloToday(t)
	id, err := store.CreateParticipant(ctx, adviser.ID, db.ParticipantInput{
		FirstName: "Mulugeta", LastName: unique("Tesfamariam-Gebremedhin-"), BirthYear: 1987, Languages: []string{"ti", "am", "en"},
		Education: "primary", Regime: "integreringsloven", ProgrammeStart: today.AddDate(0, -14, 0), ProgrammeEnd: today.AddDate(0, 4, 0),
		GoalCategory: "work_sector", GoalSector: "transport", Status: "active", NavContactID: &nav.ID,
		Goals: map[string]db.Level{"listening": db.LevelA2, "reading": db.LevelA2, "writing": db.LevelA2, "oral": db.LevelB1},
	}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		skill string
		level db.Level
		ago   int
	}{
		{"listening", db.LevelA1, 12}, {"reading", db.LevelA1, 12}, {"writing", db.LevelUnderA1, 12}, {"oral", db.LevelA1, 12},
		{"listening", db.LevelA2, 4}, {"reading", db.LevelA2, 4}, {"writing", db.LevelA1, 4}, {"oral", db.LevelA2, 4},
	} {
		if err := store.AddResult(ctx, id, adviser.ID, r.skill, r.level, today.AddDate(0, -r.ago, 0), "norskprove", "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
	}
	profile := fmt.Sprintf("/participants/%d", id)

	b := newTab(t)
	b.do(chromedp.EmulateViewport(width, 812, chromedp.EmulateMobile))
	b.expectStatus("adviser signs in", b.signIn(adviserEmail, db.DemoPassword), 200)
	for _, lang := range languages {
		b.expectStatus("GET /", b.open("/"), 200)
		b.ensureLanguage(lang)
		for _, pg := range []struct{ path, name string }{
			{"/participants", "participants-caseload"},
			{profile, "participant-profile"},
			{"/participants/new", "participant-new"},
		} {
			b.expectStatus("GET "+pg.path, b.open(pg.path), 200)
			if pg.path == profile {
				// The chart fits the screen: scaled down, not cut off.
				if w := eval[float64](b, `document.querySelector("main svg.chart__svg").getBoundingClientRect().right`); w > width {
					t.Errorf("%s: the chart reaches x=%.0f on a %dpx screen", lang, w, width)
				}
				if n := eval[int](b, `document.querySelectorAll("main svg.chart__svg circle.chart__dot").length`); n != 8 {
					t.Errorf("%s: %d dots, want 8", lang, n)
				}
				b.do(click("main details.chart__table summary"))
			}
			expectNoSideScroll(b, width, pg.path)
			b.checkPage("mobile-" + pg.name)
		}
	}
}
