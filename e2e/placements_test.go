package e2e

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"praksis/db"
)

// The word the placements' tasks contain, and the stem an adviser types:
// the Norwegian full-text search finds "oppvasken" when asked for "oppvask".
const (
	tasksWord  = "oppvasken"
	searchWord = "oppvask"
)

// TestPlacementJourney: the demo employer writes a placement (live
// validation beside a field, without submitting), previews it as advisers
// will see it and publishes it; an adviser finds it by a stemmed word and
// the participant's oral level, with results swapped in place and the
// filters in the URL, loses it when the level is too low, gets it back
// with the browser's back button and opens it. Once per language.
func TestPlacementJourney(t *testing.T) {
	journey(t, resEmployer, resAdviser, resSearch)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) {
			title, id := employerWritesPlacement(t, lang)
			adviserFindsPlacement(t, lang, title, id)
		})
	}
}

// employerWritesPlacement is part a: it returns the published placement's
// title and id.
func employerWritesPlacement(t *testing.T, lang string) (string, int64) {
	const email = "arbeidsgiver@example.org"
	me, err := store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	b := newTab(t)
	b.expectStatus("employer signs in", b.signIn(email, db.DemoPassword), 200)
	b.expectPath("/")
	b.ensureLanguage(lang)

	menu := `header nav a[href="/placements"]`
	b.expect("menu item", b.text(menu), b.msg("nav.placements"))
	b.expectStatus("open placements", b.submit(menu), 200)
	b.expectPath("/placements")
	b.expect("heading", b.text("main h1"), b.msg("placements.mine_heading"))
	if !b.exists(menu + `[aria-current="page"]`) {
		t.Errorf("the menu does not mark Placements as the current page")
	}
	// The first time the list is empty and says how to start; either way
	// there is one button for a new placement.
	if b.exists("main .empty-state") {
		b.expect("empty state", b.text("main .empty-state h2"), b.msg("placements.none_heading"))
		b.checkPage("placements-mine-empty")
	} else {
		b.checkPage("placements-mine")
	}
	if n := eval[int](b, `document.querySelectorAll('main a[href="/placements/new"]').length`); n != 1 {
		t.Errorf("%d links to a new placement, want 1", n)
	}
	newLink := `main a[href="/placements/new"]`
	b.expect("new placement button", b.text(newLink), b.msg("placements.new"))
	b.expectStatus("new placement", b.submit(newLink), 200)
	b.expectPath("/placements/new")
	b.expect("form heading", b.text("main h1"), b.msg("placements.new_heading"))
	// The supervisor is the person filling in the form unless changed.
	b.expect("supervisor name", b.value("#f-supervisor_name"), me.Name)
	b.expect("supervisor e-mail", b.value("#f-supervisor_email"), email)
	b.expect("seats", b.value("#f-seats"), "1")
	b.checkPage("placement-new")

	title := unique("Kjøkkenhjelp i kantina " + lang + " ")
	tasks := "Ta " + tasksWord + " etter lunsj og sett " + tasksWord + " på plass.\nHjelpe til med å fylle opp salatbaren."
	start := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	b.do(click("#f-kind-arbeidspraksis"))
	b.fill("#f-title", title)
	b.fill("#f-tasks", tasks)
	b.choose("#f-sector", "hospitality")
	b.fill("#f-municipality", "Trondheim")
	b.fill("#f-address", "Kongens gate 1")
	b.fill("#f-hours_per_week", "30")
	b.fill("#f-days_per_week", "5")
	b.choose("#f-start_date", start)
	b.choose("#f-level_oral", "a1")
	b.choose("#f-level_listening", "a2")
	b.do(click("#f-lang-en"), click("#f-lang-uk"), click("#f-adapt-visual_instructions"))

	// Live validation: a wrong number of seats gets its message beside the
	// field as the employer types, without the form being sent.
	b.do(evalVoid(`window.__marker = 1`))
	b.fill("#f-seats", "0")
	b.waitFor(`document.getElementById("f-seats-error") !== null`)
	b.expect("live seats message", b.text("#f-seats-error"), b.msg("placement.seats_range"))
	if !slices.Contains(strings.Fields(eval[string](b, `document.getElementById("f-seats").getAttribute("aria-describedby") || ""`)), "f-seats-msg") {
		t.Errorf("the seats field is not described by its live message (aria-describedby)")
	}
	if eval[int](b, `window.__marker || 0`) != 1 {
		t.Errorf("the page reloaded: live validation should not submit the form")
	}
	b.expectPath("/placements/new")
	if n := eval[int](b, `document.querySelectorAll(".ds-validation-message").length`); n != 1 {
		t.Errorf("%d messages on the form, want only the one for seats", n)
	}
	b.checkPage("placement-new-live-error")
	b.fill("#f-seats", "2")
	b.waitFor(`document.getElementById("f-seats-error") === null`)

	for sel, want := range map[string]bool{"#f-kind-arbeidspraksis": true, "#f-lang-en": true, "#f-lang-uk": true,
		"#f-lang-nb": false, "#f-adapt-visual_instructions": true, "#f-ongoing": false} {
		if got := eval[bool](b, fmt.Sprintf(`document.querySelector(%q).checked`, sel)); got != want {
			t.Errorf("%s checked: %v, want %v", sel, got, want)
		}
	}
	b.checkPage("placement-new-filled")

	save := `main form[action="/placements"] button[type="submit"]`
	b.expect("save button", b.text(save), b.msg("placements.save_preview"))
	b.expectStatus("save and preview", b.submit(save), 200)
	id, err := strconv.ParseInt(strings.TrimPrefix(b.path(), "/placements/"), 10, 64)
	if err != nil {
		b.fatal("after saving: on %s, want /placements/<id>", b.path())
	}
	b.expect("flash", b.text("#alerts"), b.msg("flash.placement_saved"))

	// The preview: the placement as advisers will see it, with a note and
	// the Publish button.
	b.expect("status", b.text("main .preview-bar .status"), b.msg("placement.status.draft"))
	if got := b.text("main .preview-bar p"); !strings.Contains(got, b.msg("placements.preview_note")) {
		t.Errorf("preview bar %q lacks the preview note", got)
	}
	publish := `main .preview-bar form[action$="/publish"] button`
	b.expect("publish button", b.text(publish), b.msg("placements.publish"))
	checkPlacementPage(b, title, start)
	b.checkPage("placement-preview")

	b.expectStatus("publish", b.submit(publish), 200)
	b.expectPath(fmt.Sprintf("/placements/%d", id))
	b.expect("flash", b.text("#alerts"), b.msg("flash.placement_publish"))
	b.expect("status", b.text("main .preview-bar .status"), b.msg("placement.status.published"))
	if b.exists(publish) {
		t.Errorf("a published placement still offers Publish")
	}
	if got := b.text("main .preview-bar p"); !strings.Contains(got, b.msg("placements.published_note")) {
		t.Errorf("preview bar %q lacks the published note", got)
	}
	if p, err := store.Placement(b.ctx, id); err != nil {
		t.Fatal(err)
	} else if p.Status != db.PlacementPublished || p.Seats != 2 || p.Level("oral") != db.LevelA1 || p.Level("listening") != db.LevelA2 ||
		!slices.Equal([]string(p.Languages), []string{"en", "uk"}) || !slices.Equal([]string(p.Adaptations), []string{"visual_instructions"}) {
		t.Errorf("stored placement: status %s, seats %d, levels oral %q listening %q, languages %v, adaptations %v",
			p.Status, p.Seats, p.Level("oral"), p.Level("listening"), p.Languages, p.Adaptations)
	}
	b.checkPage("placement-published")

	// The employer's list has it, with its status and seats.
	b.expectStatus("back to the list", b.submit(menu), 200)
	row := fmt.Sprintf(`main tbody tr:has(a[href="/placements/%d"])`, id)
	if !b.exists(row) {
		b.fatal("the new placement is not in the employer's list")
	}
	b.expect("title in the list", b.text(row+" th"), title)
	b.expect("status in the list", b.text(row+" .status"), b.msg("placement.status.published"))
	b.expect("seats in the list", b.text(row+" .seats"), "0 / 2")
	b.checkPage("placements-mine")
	return title, id
}

// checkPlacementPage checks what the journey's placement page shows to
// both its employer and an adviser.
func checkPlacementPage(b *tab, title, start string) {
	b.t.Helper()
	b.expect("title", b.text("main article h1"), title)
	b.expect("kind", b.text("main article .kind-tag"), b.msg("placement.kind.arbeidspraksis"))
	b.expect("organisation and place", b.text("main article .lead"), demoOrgName+" · Trondheim")
	if got := b.text("main article .prewrap"); !strings.Contains(got, tasksWord) {
		b.t.Errorf("tasks %q", got)
	}
	b.expect("levels", b.text("main article .levels"), strings.Join([]string{
		b.msg("skill.listening"), b.msg("level.a2"), b.msg("skill.reading"), b.msg("level.none_required_short"),
		b.msg("skill.writing"), b.msg("level.none_required_short"), b.msg("skill.oral"), b.msg("level.a1")}, " "))
	b.expect("languages", b.text("main article .placement__languages"), b.msg("language.en")+", "+b.msg("language.uk"))
	b.expect("adaptations", b.text("main article .ds-list"), b.msg("adaptation.visual_instructions"))
	d, _ := time.Parse("2006-01-02", start)
	facts := b.text("main article .facts")
	for _, want := range []string{d.Format("02.01.2006"), b.msg("placement.ongoing_short"), "30", "5", "2 / 2",
		b.msg("sector.hospitality"), "Kongens gate 1"} {
		if !strings.Contains(facts, want) {
			b.t.Errorf("facts %q lack %q", facts, want)
		}
	}
	b.expect("contact e-mail", b.text(`main article aside a[href="mailto:arbeidsgiver@example.org"]`), "arbeidsgiver@example.org")
}

// hitInfo is what a search result card shows of one placement.
type hitInfo struct {
	Found bool   `json:"found"`
	Yes   int    `json:"yes"`
	No    int    `json:"no"`
	Oral  string `json:"oral"`
	Facts string `json:"facts"`
	Snip  string `json:"snip"`
}

// hit looks up the result card of placement id.
func (b *tab) hit(id int64) hitInfo {
	b.t.Helper()
	return eval[hitInfo](b, fmt.Sprintf(`(() => {
		const a = document.querySelector('#results .hit h3 a[href="/placements/%d"]');
		if (!a) return {found: false, yes: 0, no: 0, oral: "", facts: "", snip: ""};
		const li = a.closest(".hit");
		const badges = Array.from(li.querySelectorAll(".level-badge"));
		const oral = badges[3];
		const norm = s => s.replace(/\s+/g, " ").trim();
		return {found: true, yes: li.querySelectorAll(".level-badge--yes").length, no: li.querySelectorAll(".level-badge--no").length,
			oral: oral ? oral.className + " | " + norm(oral.textContent) : "",
			facts: norm(li.querySelector(".hit__facts").textContent),
			snip: li.querySelector(".hit__snippet") ? li.querySelector(".hit__snippet").innerHTML : ""};
	})()`, id))
}

// adviserFindsPlacement is part b.
func adviserFindsPlacement(t *testing.T, lang, title string, id int64) {
	b := newTab(t)
	b.expectStatus("adviser signs in", b.signIn("radgiver@example.org", db.DemoPassword), 200)
	b.expectPath("/")
	b.ensureLanguage(lang)
	menu := `header nav a[href="/placements"]`
	b.expectStatus("open placements", b.submit(menu), 200)
	b.expectPath("/placements")
	b.expect("heading", b.text("main h1"), b.msg("placements.search_heading"))
	b.checkPage("placements-search")

	// Typing a word updates the results in place and the URL with it.
	b.do(evalVoid(`window.__marker = 1`))
	b.fill("#s-q", searchWord)
	b.waitFor(`new URLSearchParams(location.search).get("q") === "` + searchWord + `"`)
	b.waitFor(fmt.Sprintf(`document.querySelector('#results .hit a[href="/placements/%d"]') !== null`, id))
	if h := b.hit(id); !strings.Contains(h.Snip, "<mark>"+tasksWord+"</mark>") {
		t.Errorf("snippet %q does not mark %q", h.Snip, tasksWord)
	}

	// The participant's oral level: the placement asks for A1, so it fits.
	b.choose("#s-level_oral", "a2")
	b.waitFor(`new URLSearchParams(location.search).get("level_oral") === "a2"`)
	b.waitFor(fmt.Sprintf(`document.querySelector('#results .hit:has(a[href="/placements/%d"]) .level-badge--yes') !== null`, id))
	h := b.hit(id)
	if !h.Found {
		b.fatal("placement %d is not among the results for %q at oral A2", id, searchWord)
	}
	if h.Yes != 1 || h.No != 0 || !strings.Contains(h.Oral, "level-badge--yes") || !strings.Contains(h.Oral, b.msg("placements.fit_yes")) {
		t.Errorf("level badges: %d fitting, %d not; oral badge %q; want only oral, marked as fitting", h.Yes, h.No, h.Oral)
	}
	for _, want := range []string{b.msg("placements.seats_free_n", "Free", "2", "Seats", "2"), b.msg("placements.hours_n", "Hours", "30"),
		b.msg("language.en") + ", " + b.msg("language.uk")} {
		if !strings.Contains(h.Facts, want) {
			t.Errorf("result facts %q lack %q", h.Facts, want)
		}
	}
	if eval[int](b, `window.__marker || 0`) != 1 {
		t.Errorf("the page reloaded: the search should swap the results in place")
	}
	b.expectPath("/placements")
	b.checkPage("placements-search-results")

	// Under A1 is below what the placement asks for.
	b.choose("#s-level_oral", "under_a1")
	b.waitFor(`new URLSearchParams(location.search).get("level_oral") === "under_a1"`)
	b.waitFor(fmt.Sprintf(`document.querySelector('#results .hit a[href="/placements/%d"]') === null`, id))
	if eval[int](b, `window.__marker || 0`) != 1 {
		t.Errorf("the page reloaded: the search should swap the results in place")
	}
	b.checkPage("placements-search-under-a1")

	// The browser's back button brings the previous results back.
	b.do(historyBack())
	b.waitFor(`new URLSearchParams(location.search).get("level_oral") === "a2"`)
	b.waitFor(fmt.Sprintf(`document.querySelector('#results .hit a[href="/placements/%d"]') !== null`, id))
	b.expect("oral level after back", b.value("#s-level_oral"), "a2")
	b.expect("search word after back", b.value("#s-q"), searchWord)
	if eval[int](b, `window.__marker || 0`) != 1 {
		t.Errorf("going back reloaded the page: htmx should restore the results in place")
	}

	// The placement in full, with whom to contact.
	b.expectStatus("open the placement", b.submit(fmt.Sprintf(`#results .hit a[href="/placements/%d"]`, id)), 200)
	b.expectPath(fmt.Sprintf("/placements/%d", id))
	if b.exists("main .preview-bar") {
		t.Errorf("an adviser sees the employer's preview bar")
	}
	p, err := store.Placement(b.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	checkPlacementPage(b, title, p.StartDate.Format("2006-01-02"))
	b.checkPage("placement-adviser")
	b.signOut()
}

// historyBack goes one step back in the tab's history as the browser's
// back button does. chromedp.NavigateBack waits for a page load, which a
// pushState entry does not have.
func historyBack() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		h, err := cdp.Call(ctx, tg, page.GetNavigationHistory, cdp.Empty{})
		if err != nil {
			return err
		}
		if h.CurrentIndex <= 0 {
			return fmt.Errorf("no history to go back to")
		}
		_, err = cdp.Call(ctx, tg, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: h.Entries[h.CurrentIndex-1].ID})
		return err
	})
}

// publishedPlacements makes n published placements of a new approved
// organisation through the store; their tasks contain tasksWord and they
// ask for oral A2.
func publishedPlacements(t *testing.T, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	hash, err := db.HashPassword("e2e-placements-password")
	if err != nil {
		t.Fatal(err)
	}
	orgID, userID, _, err := store.CreateOrganisationWithUser(ctx, db.Signup{
		OrgName: unique("E2E Storkjøkken "), OrgNumber: orgNumber(), Kind: db.KindBusiness, Sector: "hospitality",
		Municipality: "Bergen", Name: "Siri Storkjøkken", Email: unique("kitchen-") + "@e2e.example", PasswordHash: hash, Locale: "nb",
	})
	if err != nil {
		t.Fatal(err)
	}
	admin, err := store.UserByEmail(ctx, "admin@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DecideOrganisation(ctx, orgID, admin.ID, true, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	hours, days := 20, 4
	start := time.Now().AddDate(0, 0, 14).Truncate(24 * time.Hour)
	var ids []int64
	for i := range n {
		id, err := store.CreatePlacement(ctx, orgID, userID, db.PlacementInput{
			Kind: "sprakpraksis", Title: fmt.Sprintf("Kjøkkenassistent %d", i+1),
			Tasks:  "Ta " + tasksWord + " og hold kjøkkenet ryddig. Lære ord og uttrykk fra kjøkkenet.",
			Sector: "hospitality", Municipality: "Bergen", Address: "Strandkaien 2", HoursPerWeek: &hours, DaysPerWeek: &days,
			StartDate: &start, Seats: 1 + i%3, Levels: map[string]db.Level{"oral": db.LevelA2, "listening": db.LevelA1},
			Languages: []string{"en", "ar"}, Adaptations: []string{"simple_tasks_first", "english_mentor"},
			SupervisorName: "Siri Storkjøkken", SupervisorEmail: "siri@e2e.example",
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := store.SetPlacementStatus(ctx, id, orgID, userID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestPlacementSearchWithoutJavaScript (part c): with scripts off the
// search is a plain GET form: the Search button loads the results, the URL
// holds the query, and the next-page link is an ordinary link.
func TestPlacementSearchWithoutJavaScript(t *testing.T) {
	journey(t, resAdviser, resSearch)
	created := publishedPlacements(t, 25)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { placementSearchWithoutJS(t, lang, created) })
	}
}

func placementSearchWithoutJS(t *testing.T, lang string, created []int64) {
	b := newTab(t)
	b.do(scriptsDisabled(true))
	b.expectStatus("adviser signs in", b.signIn("radgiver@example.org", db.DemoPassword), 200)
	b.ensureLanguage(lang)
	b.expectStatus("GET /placements", b.open("/placements"), 200)
	if eval[bool](b, `typeof window.htmx !== "undefined"`) {
		t.Fatal("htmx ran: scripts are not disabled")
	}
	b.fill("#s-q", searchWord)
	b.choose("#s-level_oral", "a2")
	search := `main form[role="search"] button[type="submit"]`
	b.expect("search button", b.text(search), b.msg("placements.search"))
	b.expectStatus("search", b.submit(search), 200)
	b.expectPath("/placements")
	q, err := url.ParseQuery(strings.TrimPrefix(eval[string](b, `location.search`), "?"))
	if err != nil {
		t.Fatal(err)
	}
	b.expect("q in the URL", q.Get("q"), searchWord)
	b.expect("level_oral in the URL", q.Get("level_oral"), "a2")
	b.expect("search word kept", b.value("#s-q"), searchWord)
	b.expect("oral level kept", b.value("#s-level_oral"), "a2")

	// The same result as the search the htmx form makes: the store's.
	f := db.PlacementFilter{Query: searchWord, Levels: map[string]db.Level{"oral": db.LevelA2}, Limit: 20}
	want1, next, err := store.SearchPlacements(b.ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if next == nil {
		t.Fatalf("the store has only %d hits: no second page", len(want1))
	}
	page1 := hitIDs(b)
	if !slices.Equal(page1, placementIDs(want1)) {
		t.Errorf("page 1: %v, want %v", page1, placementIDs(want1))
	}
	b.expect("results heading", b.text("#results-heading"), b.msg("placements.results_over", "Count", "20"))
	checkWithoutScripts(b, "nojs-placements-search")

	nextLink := `#results .pager a[href*="after="]`
	b.expect("next page link", b.text(nextLink), b.msg("placements.next_page"))
	b.expectStatus("next page", b.submit(nextLink), 200)
	b.expectPath("/placements")
	q, _ = url.ParseQuery(strings.TrimPrefix(eval[string](b, `location.search`), "?"))
	if q.Get("q") != searchWord || q.Get("level_oral") != "a2" || q.Get("after") == "" {
		t.Errorf("page 2 URL query %v: want q, level_oral and after", q)
	}
	f.After = next
	want2, _, err := store.SearchPlacements(b.ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	page2 := hitIDs(b)
	if !slices.Equal(page2, placementIDs(want2)) {
		t.Errorf("page 2: %v, want %v", page2, placementIDs(want2))
	}
	for _, id := range created {
		if !slices.Contains(page1, id) && !slices.Contains(page2, id) {
			t.Errorf("placement %d is on neither page", id)
		}
	}
	b.expect("results heading on page 2", b.text("#results-heading"), b.msg("placements.results_next", "Count", strconv.Itoa(len(want2))))
	b.expect("first page link", b.text(`#results .pager a:not([href*="after="])`), b.msg("placements.first_page"))
	checkWithoutScripts(b, "nojs-placements-search-page2")
}

// hitIDs are the placements the results list, in order.
func hitIDs(b *tab) []int64 {
	b.t.Helper()
	return eval[[]int64](b, `Array.from(document.querySelectorAll("#results .hit h3 a"))
		.map(a => Number(a.getAttribute("href").split("/").pop()))`)
}

func placementIDs(hits []db.PlacementHit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// TestPlacementPagesMobile (part d): at 375 CSS pixels the placement form,
// the search with results, an adviser's placement page and the employer's
// preview reflow without sideways scrolling and pass axe, in both
// languages.
func TestPlacementPagesMobile(t *testing.T) {
	journey(t, resEmployer, resAdviser, resSearch)
	const width = 375
	ctx := context.Background()
	id := publishedPlacements(t, 1)[0]
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	hours, days := 15, 3
	draft, err := store.CreatePlacement(ctx, *employer.OrganisationID, employer.ID, db.PlacementInput{
		Kind: "lonnstilskudd", Title: "Butikkmedarbeider med lønnstilskudd i bakeriutsalget", Tasks: "Selge brød og kaker, ta " + tasksWord + ".",
		Sector: "retail", Municipality: "Trondheim", HoursPerWeek: &hours, DaysPerWeek: &days, Seats: 1,
		Levels:         map[string]db.Level{"oral": db.LevelA2, "listening": db.LevelA2, "reading": db.LevelA1, "writing": db.LevelA1},
		SupervisorName: employer.Name, SupervisorEmail: employer.Email,
	})
	if err != nil {
		t.Fatal(err)
	}

	emp, adv := newTab(t), newTab(t)
	for _, b := range []*tab{emp, adv} {
		b.do(chromedp.EmulateViewport(width, 812, chromedp.EmulateMobile))
	}
	emp.expectStatus("employer signs in", emp.signIn("arbeidsgiver@example.org", db.DemoPassword), 200)
	adv.expectStatus("adviser signs in", adv.signIn("radgiver@example.org", db.DemoPassword), 200)
	for _, lang := range languages {
		// The switch keeps the path but not the query: switch on the
		// dashboard, then open the pages.
		for _, b := range []*tab{emp, adv} {
			b.expectStatus("GET /", b.open("/"), 200)
			b.ensureLanguage(lang)
		}
		for _, p := range []struct {
			b          *tab
			path, name string
		}{
			{emp, "/placements/new", "placement-new"},
			{emp, fmt.Sprintf("/placements/%d", draft), "placement-preview"},
			{emp, "/placements", "placements-mine"},
			{adv, "/placements?q=" + searchWord + "&level_oral=a2&level_listening=a1", "placements-search"},
			{adv, fmt.Sprintf("/placements/%d", id), "placement-adviser"},
		} {
			b := p.b
			b.expectStatus("GET "+p.path, b.open(p.path), 200)
			expectNoSideScroll(b, width, p.path)
			b.checkPage("mobile-" + p.name)
		}
	}
}

// expectNoSideScroll fails when the page is wider than the screen (WCAG
// 1.4.10 Reflow) and names what sticks out.
func expectNoSideScroll(b *tab, width int, what string) {
	b.t.Helper()
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > width {
		b.t.Errorf("%s %s: the page is %dpx wide on a %dpx screen", b.lang, what, w, width)
		wide := eval[[]string](b, fmt.Sprintf(`Array.from(document.querySelectorAll("body *"))
			.filter(e => e.getBoundingClientRect().right > %d)
			.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""))`, width))
		b.t.Logf("elements past the edge: %v", wide)
	}
}
