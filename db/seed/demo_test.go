package seed_test

import (
	"context"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
)

func TestSeedDemoIdempotent(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	if has, err := st.HasDemoData(ctx); err != nil || has {
		t.Fatalf("HasDemoData on a fresh database = %v, %v", has, err)
	}
	for i := 0; i < 2; i++ {
		if err := seed.Demo(ctx, st); err != nil {
			t.Fatalf("seed.Demo run %d: %v", i+1, err)
		}
	}
	var users, orgs int
	if err := st.DB.Get(&users, `SELECT count(*) FROM users WHERE email LIKE '%@example.org'`); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Get(&orgs, `SELECT count(*) FROM organisations WHERE org_number = $1`, db.DemoOrgNumber); err != nil {
		t.Fatal(err)
	}
	if users != 4 || len(db.DemoAccounts) != 4 || orgs != 1 {
		t.Errorf("after two runs: %d demo users, %d demo organisations", users, orgs)
	}
	if !db.ValidOrgNumber(db.DemoOrgNumber) {
		t.Error("the demo organisation number is not valid")
	}
	o, err := st.OrganisationByNumber(ctx, db.DemoOrgNumber)
	if err != nil || o.Status() != db.OrgApproved {
		t.Errorf("demo organisation %+v, %v", o, err)
	}
	for _, a := range db.DemoAccounts {
		u, err := st.UserByEmail(ctx, a.Email)
		if err != nil {
			t.Fatalf("%s: %v", a.Email, err)
		}
		if u.Role != a.Role || u.DisabledAt != nil {
			t.Errorf("%s: %+v", a.Email, u)
		}
		if ok, _ := db.CheckPassword(u.PasswordHash, db.DemoPassword); !ok {
			t.Errorf("%s: the demo password does not work", a.Email)
		}
		if (a.Role == db.RoleEmployer) != (u.OrganisationID != nil && *u.OrganisationID == o.ID) {
			t.Errorf("%s: organisation %v", a.Email, u.OrganisationID)
		}
	}
	if has, err := st.HasDemoData(ctx); err != nil || !has {
		t.Errorf("HasDemoData after seeding = %v, %v", has, err)
	}
	// Any one demo account is enough to count as demo data.
	if _, err := st.DB.Exec(`DELETE FROM users WHERE email <> 'nav@example.org' AND email LIKE '%@example.org'`); err != nil {
		t.Fatal(err)
	}
	if has, _ := st.HasDemoData(ctx); !has {
		t.Error("HasDemoData misses a remaining demo account")
	}
}

func TestSeedDemoCaseloadAndPlacements(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // idempotent
		if err := seed.Demo(ctx, st); err != nil {
			t.Fatal(err)
		}
		if err := seed.DemoCaseload(ctx, st); err != nil {
			t.Fatal(err)
		}
		if err := seed.DemoPlacements(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	adviser, err := st.UserByEmail(ctx, "radgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.Caseload(ctx, db.Scope{AdviserID: adviser.ID}, db.CaseloadFilter{})
	if err != nil || len(rows) != 12 {
		t.Fatalf("demo caseload: %d rows, %v", len(rows), err)
	}
	risky, withResults := 0, 0
	for _, r := range rows {
		if r.Risk {
			risky++
		}
		if r.Best("oral") != "" {
			withResults++
		}
	}
	if risky == 0 || risky == 12 || withResults < 10 {
		t.Errorf("an unrealistic caseload: %d at risk, %d with results", risky, withResults)
	}
	hits, _, err := st.SearchPlacements(ctx, db.PlacementFilter{})
	if err != nil || len(hits) != 4 {
		t.Fatalf("demo placements: %d published, %v", len(hits), err)
	}
}
