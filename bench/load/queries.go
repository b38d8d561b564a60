package main

import (
	"context"
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
		{"caseload", "Caseload (first 100 of 500, by end)", func() error {
			_, err := st.Caseload(ctx, sc, db.CaseloadFilter{Sort: "end", Limit: 100})
			return err
		}},
		{"caseload", "Caseload (first 100 of 500, at risk first)", func() error {
			_, err := st.Caseload(ctx, sc, db.CaseloadFilter{Sort: "risk", Limit: 100})
			return err
		}},
		{"caseload name search", "Caseload (q=" + name + ")", func() error {
			_, err := st.Caseload(ctx, sc, db.CaseloadFilter{Search: name, Sort: "end", Limit: 100})
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
	fmt.Println("| page | store call | best of 20 |")
	fmt.Println("|---|---|---:|")
	for _, c := range calls {
		best := time.Hour
		for i := 0; i < 20; i++ {
			t := time.Now()
			if err := c.f(); err != nil {
				return fmt.Errorf("%s: %w", c.call, err)
			}
			best = min(best, time.Since(t))
		}
		fmt.Printf("| %s | %s | %.2f ms |\n", c.page, c.call, float64(best.Microseconds())/1000)
	}
	return benchMeQueries(st, dbURL) // participant.go
}
