package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/calendar"
	"praksis/db"
)

// TestPrivacyPages: the adviser's pages of issue 15 in the browser, with
// axe on each: consent refused empty and then given for the demo
// organisation, the protected-address grade confirmed, a day of absence
// outside the placements added and classified, the innsyn document; and
// the admin's archive list. The journey of the issue through proposals
// and the employer's week form comes with phase 2b. Once per language.
func TestPrivacyPages(t *testing.T) {
	journey(t, resAdmin, resAdviser)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { privacyPages(t, lang) })
	}
}

func privacyPages(t *testing.T, lang string) {
	ctx := context.Background()
	var adviserID, orgID int64
	var orgName string
	if err := store.DB.GetContext(ctx, &adviserID, `SELECT id FROM users WHERE email = $1`, adviserEmail); err != nil {
		t.Fatal(err)
	}
	if err := store.DB.QueryRowContext(ctx, `SELECT o.id, o.name FROM organisations o JOIN users u ON u.organisation_id = o.id
		WHERE u.email = 'arbeidsgiver@example.org'`).Scan(&orgID, &orgName); err != nil {
		t.Fatal(err)
	}
	today := osloToday(t)
	first, last := unique("Personvern"), unique("Deltaker")
	pid, err := store.CreateParticipant(ctx, adviserID, db.ParticipantInput{FirstName: first, LastName: last, BirthYear: 1988,
		Languages: []string{"uk"}, Education: "upper_secondary", Regime: "integreringsloven", ProgrammeStart: today.AddDate(0, -6, 0),
		ProgrammeEnd: today.AddDate(1, 0, 0), GoalCategory: "work_or_education", Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1}}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	base := "/participants/" + strconv.FormatInt(pid, 10)

	b := newTab(t)
	b.expectStatus("adviser signs in", b.signIn(adviserEmail, db.DemoPassword), 200)
	b.ensureLanguage(lang)

	b.expectStatus("consent page", b.open(base+"/consent"), 200)
	b.expect("heading", b.text("main h1"), b.msg("consent.heading", "Name", first+" "+last))
	b.checkPage("privacy-consent")
	give := `main form[action$="/consent"] button[type="submit"]`
	b.expectStatus("give nothing", b.submit(give), 422)
	b.expect("organisation error", b.text(`main .ds-error-summary a[href="#f-org"]`), b.msg("form.choose"))
	b.checkPage("privacy-consent-error")
	b.choose("#f-org", strconv.FormatInt(orgID, 10))
	b.do(chromedp.Click(chromedp.CSS("#f-items-first_name")), chromedp.Click(chromedp.CSS("#f-items-levels")))
	b.expectStatus("give consent", b.submit(give), 200)
	b.expectPath(base + "/consent")
	if got := b.text("main .shared-with"); !strings.Contains(got, orgName) {
		t.Errorf("shared with: %q lacks %q", got, orgName)
	}
	b.do(chromedp.Click(chromedp.CSS("#f-protection-fortrolig")))
	b.expectStatus("set kode 7", b.submit(`main form[action$="/protection"] button[type="submit"]`), 200)
	b.checkPage("privacy-consent-shared")

	b.expectStatus("absence page", b.open(base+"/absence"), 200)
	b.checkPage("privacy-absence")
	b.choose("#f-day", ymd(today.AddDate(0, -1, 0)))
	b.choose("#f-classification", db.AbsenceApprovedLeave)
	b.expectStatus("add a day", b.submit(`main form[action$="/absence"]:not(.absence-day__form) button[type="submit"]`), 200)
	if got := b.text("main .absence-days"); !strings.Contains(got, b.msg("absence.added_by_adviser")) {
		t.Errorf("the added day is not listed: %q", got)
	}
	b.checkPage("privacy-absence-classified")

	b.expectStatus("innsyn", b.open(base+"/innsyn"), 200)
	b.expect("innsyn heading", b.text("main h1"), b.msg("innsyn.heading", "Name", first+" "+last))
	b.checkPage("privacy-innsyn")

	a := newTab(t)
	a.expectStatus("admin signs in", a.signIn(adminEmail, db.DemoPassword), 200)
	a.ensureLanguage(lang)
	a.expectStatus("archive", a.open("/admin/archive"), 200)
	a.expect("archive heading", a.text("main h1"), a.msg("archive.heading"))
	a.checkPage("privacy-archive")
}

// TestPrivacyJourney is the journey in the browser, with axe on
// each page, once per language: the adviser records the participant's
// consent for the employer, proposes them from the suggestions (the form
// saying what the employer will see), the employer logs a day of absence
// on the week form of the agreement that followed (no reason asked; its
// first week "as agreed" on a phone in three interactions, counted), the
// adviser classifies it, and the innsyn document lists it.
func TestPrivacyJourney(t *testing.T) {
	journey(t, resAdviser, resEmployer)
	for _, lang := range languages {
		t.Run(lang, func(t *testing.T) { privacyJourney(t, lang) })
	}
}

func privacyJourney(t *testing.T, lang string) {
	ctx := context.Background()
	adviser, err := store.UserByEmail(ctx, adviserEmail)
	if err != nil {
		t.Fatal(err)
	}
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	today := osloToday(t)
	town := unique("Samtykkeby")
	first, last := unique("Reise"), unique("Deltaker")
	pid, err := store.CreateParticipant(ctx, adviser.ID, db.ParticipantInput{FirstName: first, LastName: last, BirthYear: 1991,
		Languages: []string{"uk"}, Education: "upper_secondary", Regime: "integreringsloven", ProgrammeStart: today.AddDate(0, -6, 0),
		ProgrammeEnd: today.AddDate(1, 0, 0), GoalCategory: "work_or_education", Municipality: town, Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1}}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	hours, days := 30, 5
	placementID := publishedPlacement(t, employer, db.PlacementInput{
		Kind: "sprakpraksis", Title: unique("Lagerhjelp "), Tasks: "Varemottak og sortering.", Sector: "retail",
		Municipality: town, HoursPerWeek: &hours, DaysPerWeek: &days, Seats: 1, SupervisorName: "Siv Lager",
		SupervisorEmail: unique("veileder-personvern-") + "@e2e.example"})
	base := "/participants/" + strconv.FormatInt(pid, 10)

	// 1. Consent: the first name and the levels, for the demo employer.
	a := newTab(t)
	a.expectStatus("adviser signs in", a.signIn(adviserEmail, db.DemoPassword), 200)
	a.ensureLanguage(lang)
	a.expectStatus("consent page", a.open(base+"/consent"), 200)
	a.choose("#f-org", strconv.FormatInt(*employer.OrganisationID, 10))
	a.do(chromedp.Click(chromedp.CSS("#f-items-first_name")), chromedp.Click(chromedp.CSS("#f-items-levels")))
	a.expectStatus("give consent", a.submit(`main form[action$="/consent"] button[type="submit"]`), 200)

	// 2. The proposal, from the suggestions: the form names what the
	// employer will see and has no note field (the note is not consented).
	a.expectStatus("suggestions", a.open(base+"/suggestions"), 200)
	hit := `main ol.hits > li:has(input[name="placement_id"][value="` + strconv.FormatInt(placementID, 10) + `"])`
	a.do(click(hit + ` details.propose summary`))
	if got := a.text(hit + ` form`); !strings.Contains(got, a.msg("consent.item.first_name")) || a.exists(hit+` textarea[name="note"]`) {
		t.Errorf("the proposal form does not say what the employer sees, or offers a note: %q", got)
	}
	a.checkPage("privacy-journey-propose")
	a.expectStatus("propose", a.submit(hit+` form button[type="submit"]`), 200)
	a.expectPath(base)
	a.expect("flash", a.text("#alerts"), a.msg("flash.proposal_sent"))

	// The employer accepts; the agreement is approved by all (the
	// agreement journey covers those pages) and has run for two weeks.
	var proposalID int64
	if err := store.DB.GetContext(ctx, &proposalID, `SELECT id FROM proposals WHERE participant_id = $1 AND placement_id = $2`, pid, placementID); err != nil {
		t.Fatal(err)
	}
	agID, err := store.DecideProposal(ctx, proposalID, *employer.OrganisationID, employer.ID, true, "", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	monday := calendar.Monday(today).AddDate(0, 0, -7)
	if _, err := store.DB.ExecContext(ctx, `UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5,
		job_title = 'Lagerhjelp', supervisor_name = 'Siv Lager', supervisor_email = 'siv@e2e.example', employer_approved_at = now(),
		employer_duties_confirmed_at = now(), consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now(), first_approved_at = now()
		WHERE id = $1`, agID, ymd(monday.AddDate(0, 0, -7)), ymd(today.AddDate(0, 2, 0))); err != nil {
		t.Fatal(err)
	}

	// 3. The employer, on a phone (375 px), logs the agreement's first
	// week as agreed: open the week, "every day as agreed", save – each
	// interaction counted, at most three for a normal week.
	e := newTab(t)
	e.expectStatus("employer signs in", e.signIn("arbeidsgiver@example.org", db.DemoPassword), 200)
	e.ensureLanguage(lang)
	e.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	agPath := "/agreements/" + strconv.FormatInt(agID, 10)
	firstMonday := monday.AddDate(0, 0, -7)
	firstWeek := agPath + "/attendance/" + ymd(firstMonday)
	interactions := 0
	e.expectStatus("open the first week", e.open(firstWeek), 200)
	interactions++
	// The form is short on a phone: 2,585 px before the compact rows.
	if h := eval[float64](e, `document.documentElement.scrollHeight`); h > 1600 {
		t.Errorf("the week form is %.0f px tall at 375 px, want at most 1,600", h)
	}
	e.expectNoSidewaysScroll("the week form on a phone")
	e.checkPage("privacy-journey-week-phone")
	e.expectStatus("every day as agreed", e.submit(`main form button[name="fill"][value="agreed"]`), 200)
	interactions++
	e.expect("filled, not saved", e.text("main .attendance-filled"), e.msg("attendance.filled"))
	e.checkPage("privacy-journey-week-filled-phone")
	e.expectStatus("save the week", e.submit(`main form .button-row button[type="submit"]`), 200)
	interactions++
	e.expect("flash", e.text("#alerts"), e.msg("flash.attendance_saved"))
	if interactions > 3 {
		t.Errorf("a week as agreed took %d interactions, want at most 3", interactions)
	}
	var present int
	var hoursLogged float64
	if err := store.DB.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(hours), 0)::float8 FROM attendance
		WHERE agreement_id = $1 AND day >= $2::date AND day < $2::date + 7 AND mark = 'present'`, agID, ymd(firstMonday)).Scan(&present, &hoursLogged); err != nil {
		t.Fatal(err)
	}
	if present != 5 || hoursLogged != 30 {
		t.Errorf("the week as agreed saved %d days present, %.1f hours; want 5 days, 30 hours", present, hoursLogged)
	}

	// 4. At 1280 px, last week: every day as agreed but Monday, absent
	// and notified. No reason is asked for anywhere. (A new tab: each has
	// its own time budget.)
	e = newTab(t)
	e.expectStatus("employer signs in again", e.signIn("arbeidsgiver@example.org", db.DemoPassword), 200)
	e.ensureLanguage(lang)
	week := agPath + "/attendance/" + ymd(monday)
	e.expectStatus("week form", e.open(week), 200)
	if strings.Contains(e.text("main"), last) {
		t.Error("the employer's week form shows the last name, which was not consented")
	}
	if e.exists(`main form select, main form textarea, main form [name^="absence"], main form [name^="reason"]`) {
		t.Error("the employer's week form asks for a reason or category of absence")
	}
	e.checkPage("privacy-journey-week")
	e.expectStatus("every day as agreed", e.submit(`main form button[name="fill"][value="agreed"]`), 200)
	e.do(click("#f-state_0-absent_notified"))
	e.expectStatus("log the week", e.submit(`main form .button-row button[type="submit"]`), 200)
	e.expect("flash", e.text("#alerts"), e.msg("flash.attendance_saved"))

	// The adviser classifies it: the day is listed with the employer's
	// mark, unclassified. (A new tab: each has its own time budget, and
	// the employer's steps took some of the first one's.)
	a = newTab(t)
	a.expectStatus("adviser signs in again", a.signIn(adviserEmail, db.DemoPassword), 200)
	a.ensureLanguage(lang)
	day := ymd(monday)
	a.expectStatus("absence page", a.open(base+"/absence"), 200)
	got := a.text("#day-" + day)
	if !strings.Contains(got, a.msg("absence.unclassified")) || !strings.Contains(got, a.msg("absence.reported", "Mark", a.msg("absence.mark.absent_notified"))) {
		t.Errorf("the employer's day is not listed as unclassified with its mark: %q", got)
	}
	a.checkPage("privacy-journey-absence")
	a.choose("#f-"+day+"-classification", db.AbsenceApprovedLeave)
	a.expectStatus("classify", a.submit(`#day-`+day+` form button[type="submit"]`), 200)
	if got := a.text("#day-" + day); !strings.Contains(got, a.msg("absence.classified")) {
		t.Errorf("the day is not classified: %q", got)
	}

	// 5. The innsyn document lists the consent, the proposal and the day.
	a.expectStatus("innsyn", a.open(base+"/innsyn"), 200)
	doc := a.text("main")
	for _, want := range []string{first + " " + last, a.msg("absence.class." + db.AbsenceApprovedLeave)} {
		if !strings.Contains(doc, want) {
			t.Errorf("the innsyn document lacks %q", want)
		}
	}
	a.checkPage("privacy-journey-innsyn")
}
