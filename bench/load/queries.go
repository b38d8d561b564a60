package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"praksis/db"
)

// benchQueries times, one at a time, the store calls behind each measured
// page with the arguments the pages use (the best of 20, so a busy
// machine disturbs it less), beside the floor's primary-key query: how
// much of a page's cost is the database's (docs/benchmarks.md).
func benchQueries(dbURL string) error {
	st, err := db.Open(dbURL)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx := context.Background()
	adviser, err := st.UserByEmail(ctx, "radgiver@example.org")
	if err != nil {
		return fmt.Errorf("the demo adviser (is the database seeded?): %w", err)
	}
	employer, err := st.UserByEmail(ctx, "arbeidsgiver@example.org")
	if err != nil || employer.OrganisationID == nil {
		return fmt.Errorf("the demo employer: %v", err)
	}
	participant, _, err := pickParticipant(dbURL)
	if err != nil {
		return err
	}
	name, err := caseloadName(dbURL)
	if err != nil {
		return err
	}
	today := st.Today()
	sc := db.Scope{AdviserID: adviser.ID}
	search := db.PlacementFilter{Query: "norsk", Kind: "sprakpraksis", Levels: map[string]db.Level{"oral": db.LevelA2}, Limit: 20}
	var maxOrg int64
	if err := st.DB.Get(&maxOrg, `SELECT max(id) FROM organisations`); err != nil {
		return err
	}
	calls := []struct {
		page, call string
		f          func() error
	}{
		{"floor", "SELECT … FROM organisations WHERE id = $1", func() error {
			var name string
			return st.DB.Get(&name, `SELECT name FROM organisations WHERE id = $1`, maxOrg/2)
		}},
		{"search", "SearchPlacements (norsk, språkpraksis, oral ≤ A2)", func() error { _, _, err := st.SearchPlacements(ctx, search); return err }},
		{"search (full page only)", "Municipalities", func() error { _, err := st.Municipalities(ctx); return err }},
		{"search: compound part", "SearchPlacements (lager)", func() error {
			_, _, err := st.SearchPlacements(ctx, db.PlacementFilter{Query: "lager", Levels: map[string]db.Level{}, Limit: 20})
			return err
		}},
		{"search: nothing found", "SearchPlacements + SearchSuggestions + SearchRelaxations (kjøkenasistent, arbeidspraksis)", func() error {
			f := db.PlacementFilter{Query: "kjøkenasistent", Kind: "arbeidspraksis", Levels: map[string]db.Level{}, Limit: 20}
			if _, _, err := st.SearchPlacements(ctx, f); err != nil {
				return err
			}
			if _, err := st.SearchSuggestions(ctx, f, 3); err != nil {
				return err
			}
			_, err := st.SearchRelaxations(ctx, f, 101)
			return err
		}},
		{"profile", "CaseloadRowFor", func() error { _, err := st.CaseloadRowFor(ctx, participant, sc); return err }},
		{"profile", "Results", func() error { _, err := st.Results(ctx, participant); return err }},
		{"profile", "Outcomes", func() error { _, err := st.Outcomes(ctx, participant); return err }},
		{"profile", "Notes", func() error { _, err := st.Notes(ctx, participant); return err }},
		{"profile", "ProposalsForParticipant", func() error { _, err := st.ProposalsForParticipant(ctx, participant); return err }},
		{"profile", "AgreementsForParticipant", func() error { _, err := st.AgreementsForParticipant(ctx, participant, today); return err }},
		{"profile", "ProgrammeEndsOf", func() error {
			if _, err := st.ProgrammeEndsOf(ctx, participant); err != nil && !errors.Is(err, db.ErrNoPlan) {
				return err
			}
			return nil
		}},
		{"profile", "Leaves", func() error { _, err := st.Leaves(ctx, participant); return err }},
		{"profile", "Extensions", func() error { _, err := st.Extensions(ctx, participant); return err }},
		{"profile", "SharedWith", func() error { _, err := st.SharedWith(ctx, participant); return err }},
		{"profile", "Protection", func() error { _, err := st.Protection(ctx, participant); return err }},
		{"profile", "CaseloadRowViewed (the row and the view's audit row)", func() error {
			_, err := st.CaseloadRowViewed(ctx, participant, sc, adviser.ID, "participant.view", "127.0.0.1")
			return err
		}},
		{"caseload", "CaseloadListed (first 100 of 500, by end; with its audit rows)", func() error {
			_, err := st.CaseloadListed(ctx, sc, db.CaseloadFilter{Sort: "end", Limit: 100}, adviser.ID, "127.0.0.1")
			return err
		}},
		{"caseload", "CaseloadListed (first 100 of 500, at risk first)", func() error {
			_, err := st.CaseloadListed(ctx, sc, db.CaseloadFilter{Sort: "risk", Limit: 100}, adviser.ID, "127.0.0.1")
			return err
		}},
		{"caseload name search", "CaseloadListed (q=" + name + ")", func() error {
			_, err := st.CaseloadListed(ctx, sc, db.CaseloadFilter{Search: name, Sort: "end", Limit: 100}, adviser.ID, "127.0.0.1")
			return err
		}},
		{"employer dashboard", "TodoFor (employer)", func() error {
			_, err := st.TodoFor(ctx, db.AgreementScope{UserID: employer.ID, OrgID: *employer.OrganisationID, Role: db.RoleEmployer}, today)
			return err
		}},
		{"adviser dashboard", "TodoFor (adviser)", func() error {
			_, err := st.TodoFor(ctx, db.AgreementScope{UserID: adviser.ID, Role: db.RoleAdviser}, today)
			return err
		}},
	}
	// The worst of the first runs shows what a best of 20 hides: a
	// statement PostgreSQL plans with its values on the first five runs
	// of each pooled connection (the profile's 400 ms, issue 19).
	fmt.Println("| page | store call | best of 20 | worst of 20 |")
	fmt.Println("|---|---|---:|---:|")
	for _, c := range calls {
		best, worst := time.Hour, time.Duration(0)
		for i := 0; i < 20; i++ {
			t := time.Now()
			if err := c.f(); err != nil {
				return fmt.Errorf("%s: %w", c.call, err)
			}
			best, worst = min(best, time.Since(t)), max(worst, time.Since(t))
		}
		fmt.Printf("| %s | %s | %.2f ms | %.2f ms |\n", c.page, c.call, float64(best.Microseconds())/1000, float64(worst.Microseconds())/1000)
	}
	return benchMeQueries(st, dbURL) // participant.go
}
