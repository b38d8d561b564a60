package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// TestProposalJourney: the adviser opens the suggestions for a participant,
// proposes them for the placement that fits best; the supervisor gets a
// mail without personal data, follows its link, sees only the first name,
// levels, languages and what the adviser shared, and accepts; the adviser
// sees the answer on the profile. Every page is checked with axe.
func TestProposalJourney(t *testing.T) {
	journey(t, resAdviser, resEmployer, resReminders)
	ctx := context.Background()
	adviser, err := store.UserByEmail(ctx, adviserEmail)
	if err != nil {
		t.Fatal(err)
	}
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	town := unique("Forslagby")
	lastName := unique("Etternavnsen")
	today := osloToday(t)
	pid, err := store.CreateParticipant(ctx, adviser.ID, db.ParticipantInput{
		FirstName: "Halyna", LastName: lastName, BirthYear: 1984, Languages: []string{"uk", "ru"},
		Education: "upper_secondary", Regime: "kap6a", ProgrammeStart: today.AddDate(0, -4, 0), ProgrammeEnd: today.AddDate(0, 7, 0),
		GoalCategory: "work_sector", GoalSector: "hospitality", Municipality: town, Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1},
	}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.AddResult(ctx, pid, adviser.ID, "oral", db.LevelA2, today.AddDate(0, -1, 0), "norskprove", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	supervisor := unique("veileder") + "@e2e.example"
	hours, days := 25, 4
	start := time.Now().AddDate(0, 0, 21)
	placementID, err := store.CreatePlacement(ctx, *employer.OrganisationID, employer.ID, db.PlacementInput{
		Kind: "arbeidspraksis", Title: unique("Kafévert "), Tasks: "Servering og kasse i kafeen.", Sector: "hospitality",
		Municipality: town, HoursPerWeek: &hours, DaysPerWeek: &days, StartDate: &start, Seats: 1,
		Levels: map[string]db.Level{"oral": db.LevelA2}, Languages: []string{"uk"},
		SupervisorName: "Siv Kafé", SupervisorEmail: supervisor,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPlacementStatus(ctx, placementID, *employer.OrganisationID, employer.ID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}

	// The participant agreed, in a meeting with the adviser, to share with
	// the organisation (recorded on the consent page, TestPrivacyPages).
	if _, err := store.GiveConsent(ctx, db.ConsentInput{ParticipantID: pid, OrganisationID: *employer.OrganisationID,
		Items:       []string{db.ItemFirstName, db.ItemLevels, db.ItemLanguages, db.ItemNote, db.ItemAdaptations},
		Adaptations: []string{"Trenger litt ekstra tid med kassen i starten."}, GivenHow: db.ConsentInPerson, ActorID: adviser.ID}); err != nil {
		t.Fatal(err)
	}

	// The adviser: suggestions, then the proposal.
	a := newTab(t)
	a.expectStatus("adviser signs in", a.signIn(adviserEmail, db.DemoPassword), 200)
	a.ensureLanguage("nb")
	profile := fmt.Sprintf("/participants/%d", pid)
	a.expectStatus("profile", a.open(profile), 200)
	a.expectStatus("find a placement", a.submit(`main a[href="`+profile+`/suggestions"]`), 200)
	a.checkPage("suggestions")
	first := `main ol.hits > li:first-child`
	if got := a.text(first + ` h2 a`); !strings.HasPrefix(got, "Kafévert ") {
		t.Fatalf("the best suggestion is %q, want the placement in the person's municipality at their level", got)
	}
	if !strings.Contains(a.text(first+` .reasons`), a.msg("suggestions.reason_town")) {
		t.Error("the best suggestion does not say it is in the person's municipality")
	}
	a.do(click(first + ` details.propose summary`))
	a.fill(first+` textarea[name="note"]`, "Halyna har jobbet i kafé i Kyiv.")
	a.do(click(first + ` input[name="shared_adaptations"][value="Trenger litt ekstra tid med kassen i starten."]`))
	a.expectStatus("send the proposal", a.submit(first+` form button[type="submit"]`), 200)
	a.expectPath(profile)
	a.expect("flash", a.text("#alerts"), a.msg("flash.proposal_sent"))
	if !strings.Contains(a.text(`#proposals-heading + ul`), a.msg("proposals.status_proposed")) {
		t.Error("the profile does not list the open proposal")
	}
	a.checkPage("profile-proposed")

	// The mail: no personal data, a link into the portal.
	m := a.mailTo(supervisor)
	a.expect("subject", m.Subject, a.msg("email.proposal.subject"))
	if strings.Contains(m.Text, "Halyna") || strings.Contains(m.Text, lastName) || strings.Contains(m.HTML, "Halyna") {
		t.Errorf("the proposal mail carries personal data:\n%s", m.Text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/proposals/\d+`).FindString(m.Text)
	if link == "" {
		t.Fatalf("no link to the proposal in:\n%s", m.Text)
	}

	// The employer follows the link (after signing in).
	e := newTab(t)
	e.expectStatus("employer signs in", e.signIn("arbeidsgiver@example.org", db.DemoPassword), 200)
	e.ensureLanguage("nb")
	path := strings.TrimPrefix(link, baseURL)
	e.expectStatus("open the proposal", e.open(path), 200)
	page := e.text("main")
	for _, want := range []string{"Halyna", "Trenger litt ekstra tid med kassen i starten.", "Halyna har jobbet i kafé i Kyiv."} {
		if !strings.Contains(page, want) {
			t.Errorf("the proposal page lacks %q", want)
		}
	}
	if strings.Contains(page, lastName) || strings.Contains(page, town) || strings.Contains(page, "1984") {
		t.Error("the employer sees more than the first name, levels, languages and what was shared")
	}
	e.checkPage("proposal")
	e.expectStatus("accept", e.submit(`main form[action="`+path+`/accept"] button`), 200)
	e.expect("flash", e.text("#alerts"), e.msg("flash.proposal_accepted"))
	e.checkPage("proposal-accepted")
	if p, err := store.Placement(ctx, placementID); err != nil || p.SeatsTaken != 1 {
		t.Errorf("seats taken after accepting: %d (%v)", p.SeatsTaken, err)
	}

	// The adviser sees the answer.
	a.expectStatus("profile again", a.open(profile), 200)
	if !strings.Contains(a.text(`#proposals-heading + ul`), a.msg("proposals.status_accepted")) {
		t.Error("the profile does not show the accepted proposal")
	}
}
