package e2e

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"praksis/calendar"
	"praksis/db"
)

// cardsFixture is a fresh adviser (so the cards count only what this test
// made) with, at the demo employer: an open proposal, a declined one, a
// running agreement whose past weeks are not logged and one whose are.
type cardsFixture struct {
	adviser   string // e-mail
	proposal  int64  // open, six days old
	agreement int64  // running, the last two weeks not logged
}

func newCardsFixture(t *testing.T) cardsFixture {
	t.Helper()
	ctx := context.Background()
	employer, err := store.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	adviser, adviserID, err := newAdviser(ctx, "radgiver-kort-", "Kari Kortleser ")
	if err != nil {
		t.Fatal(err)
	}
	f := cardsFixture{adviser: adviser}
	today := osloToday(t)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := store.DB.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// propose makes a participant and proposes them for a new placement
	// of the demo employer, with their consent.
	propose := func(first string) int64 {
		t.Helper()
		pid, err := store.CreateParticipant(ctx, adviserID, db.ParticipantInput{
			FirstName: first, LastName: unique("Kortsen"), BirthYear: 1990, Languages: []string{"uk"},
			Education: "upper_secondary", Regime: "kap6a", ProgrammeStart: today.AddDate(0, -6, 0), ProgrammeEnd: today.AddDate(0, 10, 0),
			GoalCategory: "work_or_education", Status: "active",
			Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1},
		}, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		hours, perWeek := 20, 4
		start, end := today.AddDate(0, 0, 7), today.AddDate(0, 4, 0)
		pl := publishedPlacement(t, employer, db.PlacementInput{
			Kind: "arbeidspraksis", Title: unique("Butikkhjelp "), Tasks: "Fylle hyller.", Sector: "retail", Municipality: "Bergen",
			HoursPerWeek: &hours, DaysPerWeek: &perWeek, StartDate: &start, EndDate: &end, Seats: 1,
			SupervisorName: "Siri Butikk", SupervisorEmail: unique("butikk-") + "@e2e.example",
		})
		if _, err := store.GiveConsent(ctx, db.ConsentInput{ParticipantID: pid, OrganisationID: *employer.OrganisationID,
			Items:    []string{db.ItemFirstName, db.ItemLevels, db.ItemLanguages, db.ItemNote, db.ItemFullName, db.ItemPhone},
			GivenHow: db.ConsentInPerson, ActorID: adviserID, IP: "127.0.0.1"}); err != nil {
			t.Fatal(err)
		}
		id, err := store.Propose(ctx, db.NewProposal{ParticipantID: pid, PlacementID: pl, AdviserID: adviserID}, nil, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	// running accepts a proposal and makes the agreement run from two
	// weeks before this week's Monday, approved by all.
	monday := calendar.Monday(today)
	running := func(first string) int64 {
		t.Helper()
		id, err := store.DecideProposal(ctx, propose(first), *employer.OrganisationID, employer.ID, true, "", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 20, days_per_week = 4, job_title = $4,
			supervisor_name = 'Siri Butikk', supervisor_email = 'siri@e2e.example', employer_approved_at = now(),
			consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now(), first_approved_at = now() WHERE id = $1`,
			id, ymd(monday.AddDate(0, 0, -14)), ymd(today.AddDate(0, 2, 0)), unique("Butikkjobb "))
		return id
	}

	f.proposal = propose("Olha")
	exec(`UPDATE proposals SET created_at = now() - interval '6 days' WHERE id = $1`, f.proposal)
	if _, err := store.DecideProposal(ctx, propose("Petro"), *employer.OrganisationID, employer.ID, false, "Ingen ledig plass likevel", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	f.agreement = running("Iryna")
	logged := running("Mykola")
	for _, d := range []int{-14, -7} {
		exec(`INSERT INTO attendance (agreement_id, day, present, hours, mark) VALUES ($1, $2::date, true, 5, 'present')`, logged, ymd(monday.AddDate(0, 0, d)))
	}
	return f
}

// TestDashboardCards (issue 20): the adviser's dashboard shows "proposals
// without an answer" and "weeks not logged" beside the other cards; at
// 1280 px and at 375 px (where the cards stack) each card, clicked, opens
// the list filtered to exactly the rows it counts. Every page fits the
// screen and passes axe.
func TestDashboardCards(t *testing.T) {
	journey(t)
	f := newCardsFixture(t)
	for _, w := range []int64{1280, 375} {
		b := newTab(t)
		if w < 600 {
			b.do(chromedp.EmulateViewport(w, 812, chromedp.EmulateMobile))
		} else {
			b.do(chromedp.EmulateViewport(w, 900))
		}
		b.expectStatus("adviser signs in", b.signIn(f.adviser, db.DemoPassword), 200)
		b.ensureLanguage("nb")
		b.expectStatus("GET /", b.open("/"), 200)
		b.expectNoSidewaysScroll(fmt.Sprintf("dashboard at %d px", w))
		b.checkPage(fmt.Sprintf("dashboard-cards-%d", w))
		lefts := eval[[]float64](b, `Array.from(document.querySelectorAll("main ul.todo > li")).map(li => li.getBoundingClientRect().left)`)
		if len(lefts) < 6 {
			t.Fatalf("at %d px the dashboard has %d cards", w, len(lefts))
		}
		stacked := !slices.ContainsFunc(lefts, func(l float64) bool { return l != lefts[0] })
		if w < 600 && !stacked {
			t.Errorf("at %d px the cards do not stack: left edges %v", w, lefts)
		} else if w >= 600 && stacked {
			t.Errorf("at %d px the cards are in one column: left edges %v", w, lefts)
		}
		for _, c := range []struct {
			card, rows, heading string
			want                int64
		}{
			{"#card-proposals", `Array.from(document.querySelectorAll("main tbody tr[id^=proposal-]")).map(tr => tr.id.slice(9))`,
				"dashboard.todo_proposals_adviser", f.proposal},
			{"#card-unlogged", `Array.from(document.querySelectorAll("main tbody th a")).map(a => a.getAttribute("href").split("/").pop())`,
				"dashboard.todo_unlogged_adviser", f.agreement},
		} {
			b.expectStatus("GET /", b.open("/"), 200)
			b.expect(c.card+" heading", b.text(c.card+" h2"), b.msg(c.heading))
			n, err := strconv.Atoi(b.text(c.card + " .big-number"))
			if err != nil {
				t.Fatalf("%s: %v", c.card, err)
			}
			b.expectStatus("click "+c.card, b.submit(c.card+" a"), 200)
			rows := eval[[]string](b, c.rows)
			if n != 1 || len(rows) != n || rows[0] != strconv.FormatInt(c.want, 10) {
				t.Errorf("at %d px %s says %d and opens %s listing %v, want %d", w, c.card, n, b.path(), rows, c.want)
			}
			b.expectNoSidewaysScroll(fmt.Sprintf("%s's list at %d px", c.card, w))
			name := strings.TrimPrefix(c.card, "#card-")
			b.checkPage(fmt.Sprintf("dashboard-%s-list-%d", name, w))
			if name == "proposals" {
				if got := b.text("main tbody tr td:last-child"); !strings.HasPrefix(got, "Har ventet i 6 dager") {
					t.Errorf("the proposal's waiting time: %q", got)
				}
			}
		}
	}
}
