package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/db"
)

// TestPrivacyPages: the adviser's pages of issue 15 in the browser, with
// axe on each: consent refused empty and then given for the demo
// organisation, the protected-address grade confirmed, a day of absence
// outside the placements added and classified, the innsyn document; and
// the admin's archive list. The journey of the issue through proposals
// and the employer's week form comes with phase 2b. Once per language.
func TestPrivacyPages(t *testing.T) {
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
