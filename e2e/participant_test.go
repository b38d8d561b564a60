package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/db"
	"praksis/locale"
)

// meMessage is a participant message ("me.*") as the app renders it in
// lang, plain Norwegian where the language lacks it.
func meMessage(t *testing.T, lang, id string, kv ...string) string {
	t.Helper()
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	args := make([]any, 0, len(kv))
	for _, v := range kv {
		args = append(args, v)
	}
	return tr.T(lang, id, args...)
}

// TestParticipantOwnPagesJourney (issue 16), in Ukrainian, Arabic and plain
// Norwegian: the adviser mails the participant a sign-in link from the
// profile; on a 375 px phone the participant follows it from the mail
// (read from the SMTP server), goes through every page of their own
// (axe on each, screenshots), withdraws their consent, and the employer
// no longer sees them; a second participant signs in with the code the
// adviser shows for a meeting.
func TestParticipantOwnPagesJourney(t *testing.T) {
	journey(t, resEmployer, resReminders)
	for _, lang := range []string{"uk", "ar", "nb"} {
		t.Run(lang, func(t *testing.T) { participantJourney(t, lang) })
	}
}

func participantJourney(t *testing.T, lang string) {
	ctx := context.Background()
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	adviserAddr, adviserID, err := newAdviser(ctx, "radgiver-deltaker-", "Randi Rådgiver ")
	if err != nil {
		t.Fatal(err)
	}
	today := osloToday(t)
	first := map[string]string{"uk": "Олена", "ar": "Amira", "nb": "Selam"}[lang]
	newParticipant := func(firstName string) int64 {
		pid, err := store.CreateParticipant(ctx, adviserID, db.ParticipantInput{
			FirstName: firstName, LastName: unique("Deltaker"), BirthYear: 1988, Languages: []string{lang},
			Education: "upper_secondary", Regime: "kap6a", ProgrammeStart: today.AddDate(0, -4, 0), ProgrammeEnd: today.AddDate(0, 10, 0),
			GoalCategory: "work_sector", GoalSector: "hospitality", Municipality: "Trondheim", Status: "active",
			Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelA2, "writing": db.LevelA2, "oral": db.LevelB1},
		}, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return pid
	}
	pid := newParticipant(first)
	if err := store.AddResult(ctx, pid, adviserID, "oral", db.LevelA2, today.AddDate(0, -1, 0), "norskprove", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	// Consent to the demo employer and a proposal there: the employer sees
	// the first name until the participant withdraws.
	if _, err := store.GiveConsent(ctx, db.ConsentInput{ParticipantID: pid, OrganisationID: *employer.OrganisationID,
		Items: []string{db.ItemFirstName, db.ItemLevels}, GivenHow: db.ConsentInPerson, ActorID: adviserID}); err != nil {
		t.Fatal(err)
	}
	hours, perWeek := 20, 4
	plStart, plEnd := today.AddDate(0, 0, 14), today.AddDate(0, 3, 0)
	placementID, err := store.CreatePlacement(ctx, *employer.OrganisationID, employer.ID, db.PlacementInput{
		Kind: "arbeidspraksis", Title: unique("Butikkmedarbeider "), Tasks: "Fylle hyller.", Sector: "retail",
		Municipality: "Trondheim", HoursPerWeek: &hours, DaysPerWeek: &perWeek, StartDate: &plStart, EndDate: &plEnd, Seats: 1,
		SupervisorName: "Siv Butikk", SupervisorEmail: unique("veileder-") + "@e2e.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPlacementStatus(ctx, placementID, *employer.OrganisationID, employer.ID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}
	propID, err := store.Propose(ctx, db.NewProposal{ParticipantID: pid, PlacementID: placementID, AdviserID: adviserID}, nil, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	e := newTab(t)
	e.expectStatus("employer signs in", e.signIn("arbeidsgiver@example.org", db.DemoPassword), 200)
	proposal := fmt.Sprintf("/proposals/%d", propID)
	e.expectStatus("employer opens the proposal", e.open(proposal), 200)
	if !strings.Contains(e.text("main"), first) {
		t.Fatalf("the employer does not see %s before the withdrawal", first)
	}

	// 1. The adviser sends the link in the participant's language.
	a := newTab(t)
	a.expectStatus("adviser signs in", a.signIn(adviserAddr, db.DemoPassword), 200)
	a.ensureLanguage("nb")
	profile := fmt.Sprintf("/participants/%d", pid)
	a.expectStatus("profile", a.open(profile), 200)
	a.expect("invite card", a.text("#access-heading"), a.msg("access.title"))
	addr := unique("deltaker-"+lang+"-") + "@e2e.example"
	a.fill("#access-email", addr)
	a.choose("#access-lang", lang)
	a.expectStatus("send the link", a.submit(`form[action$="/access/link"] button[type="submit"]`), 200)
	a.expect("flash", a.text("#alerts"), a.msg("flash.access_sent"))
	a.checkPage("participant-access-" + lang)

	m := a.mailTo(addr)
	a.expect("subject", m.Subject, meMessage(t, lang, "me.mail.invite.subject"))
	if !strings.Contains(m.Text, first) || strings.Contains(m.Text+m.Subject, "Deltaker") {
		t.Errorf("the invitation greets by first name and says nothing more:\n%s", m.Text)
	}
	link := regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/me/l/[A-Za-z0-9_-]{40,}`).FindString(m.Text)
	if link == "" || !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Fatalf("no sign-in link in the mail:\n%s", m.Text)
	}

	// 2. The participant, on a phone.
	p := newTab(t)
	p.lang = lang
	p.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	p.expectStatus("open the link", p.open(strings.TrimPrefix(link, baseURL)), 200)
	p.expect("greeting", p.text("main h1"), meMessage(t, lang, "me.link.hello", "Name", first))
	wantDir := map[bool]string{true: "rtl", false: "ltr"}[locale.RTL(lang)]
	if got := eval[string](p, `document.documentElement.dir`); got != wantDir {
		t.Errorf("dir=%q, want %q", got, wantDir)
	}
	p.checkPage("me-welcome")
	p.expectStatus("sign in", p.submit(`main form button[type="submit"]`), 200)
	p.expectPath("/me")
	for _, pg := range []struct{ path, name, heading string }{
		{"/me", "me-programme", meMessage(t, lang, "me.programme.hello", "Name", first)},
		{"/me/placement", "me-placement", meMessage(t, lang, "me.placement.title")},
		{"/me/attendance", "me-attendance", meMessage(t, lang, "me.attendance.title")},
		{"/me/consent", "me-consent", meMessage(t, lang, "me.consent.title")},
		{"/me/data", "me-data", meMessage(t, lang, "me.data.title")},
		{"/me/reminders", "me-reminders", meMessage(t, lang, "me.reminders.title")},
	} {
		p.expectStatus(pg.path, p.open(pg.path), 200)
		p.expect(pg.path+" heading", p.text("main h1"), pg.heading)
		if !p.exists(fmt.Sprintf(`nav a[href=%q][aria-current="page"]`, pg.path)) {
			t.Errorf("%s: the menu does not mark the page", pg.path)
		}
		p.expectNoSidewaysScroll(pg.name)
		// The language picker is one row beside its button: the header
		// took 197 px of a 375 px phone before the menu.
		if h := eval[float64](p, `document.querySelector(".me-header").getBoundingClientRect().height`); h > 150 {
			t.Errorf("%s: the header is %.0f px tall at 375 px, want at most 150", pg.path, h)
		}
		// Nothing runs out of its card, to either side (in Arabic
		// "(introduksjonsprogrammet)" ran out to the left, past the screen).
		for _, out := range eval[[]string](p, `Array.from(document.querySelectorAll("main .me-card, main .me-card *"))
			.filter(e => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
			.map(e => e.tagName.toLowerCase() + ": " + e.textContent.trim().slice(0, 40))`) {
			t.Errorf("%s: %s runs out of its card", pg.path, out)
		}
		p.checkPage(pg.name)
	}

	// The participant turns their own reminders off.
	p.do(chromedp.Click(chromedp.CSS(`input[name="reminders"][value="off"]`)))
	p.expectStatus("reminders off", p.submit(`form[action="/me/reminders"] button`), 200)
	p.expect("reminders saved", p.text(".me-flash"), meMessage(t, lang, "me.reminders.saved_off"))
	p.checkPage("me-reminders-off")

	// 3. The participant withdraws the consent; the employer loses sight.
	p.expectStatus("consent", p.open("/me/consent"), 200)
	p.expectStatus("withdraw", p.submit(`form[action$="/withdraw"] button`), 200)
	p.expect("withdrawn", p.text(".me-flash"), meMessage(t, lang, "me.consent.withdrawn"))
	p.checkPage("me-consent-withdrawn")
	e.expectStatus("employer opens the proposal again", e.open(proposal), 200)
	if strings.Contains(e.text("main"), first) {
		t.Errorf("the employer still sees %s after the participant withdrew consent", first)
	}

	// 4. A meeting: the adviser shows a code; another participant types it.
	other := newParticipant("Mariam")
	a.expectStatus("other profile", a.open(fmt.Sprintf("/participants/%d", other)), 200)
	a.expectStatus("show a code", a.submit(`form[action$="/access/code"] button`), 200)
	code := a.text(`[data-testid="participant-code"]`)
	if !a.exists(`main img[src^="data:image/png;base64,"]`) || len(code) != 11 {
		t.Fatalf("no QR code or code (%q) on the page", code)
	}
	a.checkPage("participant-code-" + lang)
	q := newTab(t)
	q.do(chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile))
	q.expectStatus("sign-in page", q.open("/me/login"), 200)
	q.lang = eval[string](q, `document.documentElement.lang`)
	q.checkPage("me-login")
	q.fill("#code", strings.ToLower(code))
	q.expectStatus("sign in with the code", q.submit(`main form button[type="submit"]`), 200)
	q.expectPath("/me")
}
