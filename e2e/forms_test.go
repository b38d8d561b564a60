package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/db"
)

// formsFixture is a fresh adviser with one participant and an agreement
// (proposed to and accepted by the demo employer), so the follow-ups this
// test logs are its own.
type formsFixture struct {
	adviser     string // e-mail
	participant int64
	agreement   int64
}

func newFormsFixture(t *testing.T) formsFixture {
	t.Helper()
	ctx := context.Background()
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	adviser, adviserID, err := newAdviser(ctx, "radgiver-skjema-", "Rita Rådgiver ")
	if err != nil {
		t.Fatal(err)
	}
	f := formsFixture{adviser: adviser}
	today := osloToday(t)
	f.participant, err = store.CreateParticipant(ctx, adviserID, db.ParticipantInput{
		FirstName: "Hanna", LastName: unique("Skjemasen"), BirthYear: 1992, Languages: []string{"uk"},
		Education: "upper_secondary", Regime: "kap6a", ProgrammeStart: today.AddDate(0, -4, 0), ProgrammeEnd: today.AddDate(0, 10, 0),
		GoalCategory: "work_or_education", Status: "active",
		Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1},
	}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	hours, perWeek := 20, 4
	start, end := today.AddDate(0, 0, 7), today.AddDate(0, 4, 0)
	pl, err := store.CreatePlacement(ctx, *employer.OrganisationID, employer.ID, db.PlacementInput{
		Kind: "arbeidspraksis", Title: unique("Lagerhjelp "), Tasks: "Pakke varer.", Sector: "retail", Municipality: "Bergen",
		HoursPerWeek: &hours, DaysPerWeek: &perWeek, StartDate: &start, EndDate: &end, Seats: 1,
		SupervisorName: "Sara Lager", SupervisorEmail: unique("lager-") + "@e2e.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SetPlacementStatus(ctx, pl, *employer.OrganisationID, employer.ID, db.PlacementPublished, []string{db.PlacementDraft}, "publish", ""); err != nil {
		t.Fatal(err)
	}
	// Issue 15: no proposal without the participant's consent to share.
	if _, err := store.GiveConsent(ctx, db.ConsentInput{ParticipantID: f.participant, OrganisationID: *employer.OrganisationID,
		Items:    []string{db.ItemFirstName, db.ItemLevels, db.ItemLanguages, db.ItemNote, db.ItemFullName, db.ItemPhone},
		GivenHow: db.ConsentInPerson, ActorID: adviserID, IP: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	prop, err := store.Propose(ctx, db.NewProposal{ParticipantID: f.participant, PlacementID: pl, AdviserID: adviserID}, nil, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if f.agreement, err = store.DecideProposal(ctx, prop, *employer.OrganisationID, employer.ID, true, "", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFormsKeepWork (issue 20): at 1280 px and at 375 px, the adviser's
// follow-up form refused for a date in the future comes back with the
// focus on an error summary that names the field, every tick and the
// notes as typed, and goes through once the date alone is corrected; the
// profile's note form refused for being empty does the same, states its
// limit with a counter that follows the typing, and keeps what was typed
// when the language is switched. Each page passes axe and fits the screen.
func TestFormsKeepWork(t *testing.T) {
	journey(t)
	f := newFormsFixture(t)
	today := osloToday(t)
	for _, width := range []int64{1280, 375} {
		b := newTab(t)
		if width < 400 {
			b.do(chromedp.EmulateViewport(width, 812, chromedp.EmulateMobile))
		} else {
			b.do(chromedp.EmulateViewport(width, 900))
		}
		b.expectStatus("adviser signs in", b.signIn(f.adviser, db.DemoPassword), 200)
		b.ensureLanguage("nb")
		name := fmt.Sprintf("%d", width)

		// The follow-up form, refused.
		page := fmt.Sprintf("/agreements/%d", f.agreement)
		b.expectStatus("agreement", b.open(page), 200)
		form := `form[action="` + page + `/follow-ups"]`
		b.do(evalVoid(`document.querySelector('` + form + `').closest("details").open = true`))
		b.choose(form+` #f-held_on`, ymd(today.AddDate(0, 0, 1)))
		b.do(click(`#f-with-participant`), click(`#f-with-supervisor`))
		notes := unique("Gikk gjennom arbeidsoppgavene ")
		b.fill(form+` #f-notes`, notes)
		b.expectStatus("follow-up in the future", b.submit(form+` button[type="submit"]`), 422)
		b.expectFocusedSummary("follow-up "+name, b.msg("agreements.held_on")+": "+b.msg("agreements.follow_up_future"))
		for _, box := range []string{"#f-with-participant", "#f-with-supervisor"} {
			if !eval[bool](b, `document.querySelector("`+box+`").checked`) {
				t.Errorf("%s: %s is no longer ticked after the refused submit", name, box)
			}
		}
		b.expect("notes kept", b.value(form+` #f-notes`), notes)
		b.expect("the message beside the date", b.text(`#f-held_on-error`), b.msg("agreements.follow_up_future"))
		b.expectNoSidewaysScroll("follow-up refused " + name)
		b.checkPage("followup-refused-" + name)

		// Corrected: only the date changes.
		b.choose(form+` #f-held_on`, ymd(today))
		b.expectStatus("follow-up corrected", b.submit(form+` button[type="submit"]`), 200)
		b.expectPath(page)
		b.expect("flash", b.text("#alerts"), b.msg("flash.follow_up_saved"))
		var n int
		if err := store.DB.Get(&n, `SELECT count(*) FROM follow_ups WHERE agreement_id = $1 AND notes = $2
			AND with_whom = '{participant,supervisor}'`, f.agreement, notes); err != nil || n != 1 {
			t.Errorf("%s: the corrected follow-up stored %d times (%v), want once with both ticks", name, n, err)
		}

		// The note form on the profile: refused, then the language switch
		// keeps what was typed.
		profile := fmt.Sprintf("/participants/%d", f.participant)
		b.expectStatus("profile", b.open(profile), 200)
		nform := `form[action="` + profile + `/notes"]`
		b.expect("the note's limit", b.text(`#f-body-count`), b.msg("form.char_count", "N", "0", "Max", "4000"))
		b.expectStatus("empty note", b.submit(nform+` button[type="submit"]`), 422)
		b.expectFocusedSummary("note "+name, b.msg("participants.note_body")+": "+b.msg("form.required"))
		b.expectNoSidewaysScroll("note refused " + name)
		b.checkPage("note-refused-" + name)
		// Typing on the profile, then switching language.
		b.expectStatus("profile again", b.open(profile), 200)
		b.fill(nform+` #f-body`, "Tolv tegn nå")
		b.expect("the counter follows the typing", b.text(`#f-body-count`), b.msg("form.char_count", "N", "12", "Max", "4000"))
		b.switchLanguage()
		b.expect("the note after switching language", b.value(nform+` #f-body`), "Tolv tegn nå")
		b.expect("the counter after switching language", b.text(`#f-body-count`), b.msg("form.char_count", "N", "12", "Max", "4000"))
		b.switchLanguage()
		b.signOut()
	}
}

// expectFocusedSummary fails unless the page's error summary has the
// focus and lists want.
func (b *tab) expectFocusedSummary(what, want string) {
	b.t.Helper()
	if !eval[bool](b, `document.activeElement && document.activeElement.classList.contains("ds-error-summary")`) {
		b.t.Errorf("%s: the focus is on %s, not on the error summary", what,
			eval[string](b, `document.activeElement ? document.activeElement.outerHTML.slice(0, 80) : "nothing"`))
	}
	if got := b.text(".ds-error-summary"); !strings.Contains(got, want) {
		b.t.Errorf("%s: the summary says %q, want it to say %q", what, got, want)
	}
}
