package e2e

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/db"
)

// TestPlanJourney: kap. 6A as the law runs it today. The seeded kap. 6A
// row ended 2026-06-30, before this machine's clock, so the admin first
// adds the next row on /admin/rules (preview, then save) as an admin
// would; the adviser then registers a kap. 6A participant without a
// Norwegian goal (in English), records parental leave, which moves the
// current end while the original stays and both are shown, and a plan
// review; the plan page is checked at 375 px once. Axe on every page.
func TestPlanJourney(t *testing.T) {
	ctx := context.Background()
	today := osloToday(t)
	admin := newTab(t)
	admin.expectStatus("admin signs in", admin.signIn(adminEmail, db.DemoPassword), 200)
	admin.ensureLanguage("nb")
	menu := `header nav a[href="/admin/rules"]`
	admin.expect("menu item", admin.text(menu), admin.msg("nav.rules"))
	admin.expectStatus("open rules", admin.submit(admin.viaMenu(menu)), 200)
	admin.expect("heading", admin.text("main h1"), admin.msg("admin.rules.title"))
	if !strings.Contains(admin.text("#programme-rules"), admin.msg("admin.rules.expired")) {
		t.Errorf("no row is marked expired (the seeded kap. 6A row ended 2026-06-30)")
	}
	admin.checkPage("admin-rules")
	// A demo seed that already holds the next kap. 6A row leaves nothing
	// to add: the journey adds it only while the rule in force has expired.
	_, err := store.ProgrammeRuleAt(ctx, db.RuleQuery{Regime: db.RegimeKap6A, Education: "primary",
		GoalCategory: "work_or_education", BirthYear: 1988, On: today})
	if errors.Is(err, db.ErrRuleExpired) {
		admin.choose("#f-regime", db.RegimeKap6A)
		admin.choose("#f-track", db.TrackAny)
		for sel, v := range map[string]string{"#f-min_age": "18", "#f-max_age": "55", "#f-min_months": "3", "#f-max_months": "12",
			"#f-extension_months": "0", "#f-source": "demo: kapittel 6A forlenget"} {
			admin.fill(sel, v)
		}
		admin.choose("#f-valid_from", "2026-07-01")
		admin.choose("#f-valid_to", "2027-06-30")
		admin.choose("#f-norskmal", db.NorskmalOptional)
		admin.expectStatus("preview", admin.submit(`main button[formaction="/admin/rules/preview"]`), 200)
		if !admin.exists("#rule-preview") {
			t.Fatal("no preview of whom the rule affects")
		}
		admin.expect("kept source", admin.value("#f-source"), "demo: kapittel 6A forlenget")
		admin.checkPage("admin-rules-preview")
		admin.expectStatus("save rule", admin.submit(`main form[action="/admin/rules"] button:not([formaction])`), 200)
		admin.expect("flash", admin.text("#alerts"), admin.msg("flash.rule_saved"))
		if !strings.Contains(admin.text("#programme-rules"), "demo: kapittel 6A forlenget") {
			t.Error("the new row is not listed")
		}
	} else if err != nil {
		t.Fatal(err)
	}

	// The adviser, in English.
	b := newTab(t)
	b.expectStatus("adviser signs in", b.signIn(adviserEmail, db.DemoPassword), 200)
	b.ensureLanguage("en")
	b.expectStatus("new participant", b.open("/participants/new"), 200)
	first, last := "Kateryna", unique("Tkachenko-")
	start, end := today.AddDate(0, -1, 0), today.AddDate(0, 8, 0)
	b.fill("#f-first_name", first)
	b.fill("#f-last_name", last)
	b.fill("#f-birth_year", "1988")
	b.choose("#f-education", "primary")
	b.choose("#f-legal_basis", db.BasisCollective)
	b.choose("#f-permit_date", "2022-05-02")
	b.choose("#f-sex", "woman")
	b.do(click("#f-lang-uk"))
	b.choose("#f-programme_start", ymd(start))
	b.choose("#f-programme_end", ymd(end))
	b.choose("#f-goal_category", "work_or_education")
	for _, sk := range db.Skills {
		b.expect(sk+" goal left empty", b.value("#f-goal_"+sk), "")
	}
	b.checkPage("plan-participant-new")
	b.expectStatus("register", b.submit(`main form[action="/participants"] button[type="submit"]`), 200)
	id, err := strconv.ParseInt(strings.TrimPrefix(b.path(), "/participants/"), 10, 64)
	if err != nil {
		b.fatal("after registering: on %s", b.path())
	}
	if !strings.Contains(b.text("main .page-head"), b.msg("participant.regime.kap6a")) {
		t.Errorf("the profile does not show the derived regime kap. 6A")
	}
	plan, err := store.Plan(ctx, id)
	if err != nil || plan.HasNorskmal() || plan.Version != 1 {
		t.Fatalf("plan version 1 without a Norwegian goal: %+v %v", plan, err)
	}

	b.expectStatus("open the plan", b.submit(`main a[href="/participants/`+strconv.FormatInt(id, 10)+`/plan"]`), 200)
	b.expect("plan heading", b.text("main h1"), b.msg("plan.heading", "Name", first+" "+last))
	if !strings.Contains(b.text("main"), b.msg("plan.goals_optional")) {
		t.Error("the plan does not say the Norwegian goal is optional under kap. 6A")
	}
	b.expect("no goal", b.text("#plan-goals"), b.msg("plan.goal_none"))
	b.checkPage("plan")

	// Parental leave of 14 days moves the current end by 14 days.
	from := today.AddDate(0, 1, 0)
	b.choose("#f-leave_kind", "parental")
	b.choose("#f-leave_from_date", ymd(from))
	b.choose("#f-leave_to_date", ymd(from.AddDate(0, 0, 13)))
	b.choose("#f-leave_decided_on", ymd(today))
	b.expectStatus("record leave", b.submit(`main form[action$="/leave"] button[type="submit"]`), 200)
	b.expect("flash", b.text("#alerts"), b.msg("flash.leave_saved"))
	b.expect("original end", b.text("#original-end"), dmy(end))
	b.expect("current end", b.text("#current-end"), dmy(end.AddDate(0, 0, 14)))
	if !strings.Contains(b.text("#leaves"), b.msg("leave.kind.parental")) {
		t.Error("the leave is not listed")
	}
	b.checkPage("plan-leave")

	b.choose("#f-review_held_on", ymd(today))
	b.do(click("#f-party-participant"), click("#f-party-adviser"))
	b.fill("#f-review_changes", "More language practice")
	b.expectStatus("record review", b.submit(`main form[action$="/plan/reviews"] button[type="submit"]`), 200)
	b.expect("flash", b.text("#alerts"), b.msg("flash.review_saved"))
	if !strings.Contains(b.text("#reviews"), "More language practice") {
		t.Error("the review is not listed")
	}
	b.expect("next review", b.text("#next-review"), b.msg("plan.review.next_due", "Date", dmy(today.AddDate(0, 6, 0))))
	b.checkPage("plan-review")

	// The profile shows both ends.
	b.expectStatus("back to the profile", b.open("/participants/"+strconv.FormatInt(id, 10)), 200)
	b.expect("profile original end", b.text("#profile-original-end"), dmy(end))
	if !strings.Contains(b.text("main .facts"), dmy(end.AddDate(0, 0, 14))) {
		t.Error("the profile does not show the current end")
	}

	// On a phone.
	b.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	b.expectStatus("plan on a phone", b.open("/participants/"+strconv.FormatInt(id, 10)+"/plan"), 200)
	b.expectNoSidewaysScroll("plan at 375 px")
	b.checkPage("plan-375")
}
