package db_test

import (
	"context"
	"slices"
	"testing"

	"praksis/db"
)

// cardAgreement makes an agreement of a new participant of adviser at
// org from start to end through a proposal the employer accepts,
// approved by all unless awaiting, on the attendance tests' clock.
func cardAgreement(t *testing.T, f *attFixture, org, employer, adviser int64, start, end string, awaiting bool) int64 {
	t.Helper()
	ctx := context.Background()
	pt := newParticipant(t, f.st, adviser, "Amal", 400, db.LevelB1)
	if _, err := f.st.DB.Exec(`UPDATE participants SET programme_start = '2030-01-02', programme_end = '2031-12-31' WHERE id = $1`, pt); err != nil {
		t.Fatal(err)
	}
	pl := publish(t, f.st, org, employer, db.PlacementInput{Title: "Butikkmedarbeider", Tasks: "Fylle varer", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
	id, err := f.st.DecideProposal(ctx, propose(t, f.st, adviser, pt, pl), org, employer, true, "", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DB.Exec(`UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5,
		job_title = 'Butikkmedarbeider', supervisor_name = 'Kari Nordmann', supervisor_email = 'kari@butikk.example',
		employer_approved_at = now(), consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now()
		WHERE id = $1`, id, start, end); err != nil {
		t.Fatal(err)
	}
	if awaiting {
		if _, err := f.st.DB.Exec(`UPDATE agreements SET employer_approved_at = NULL WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// TestUnloggedWeeksCardIsTheList (issue 20): the dashboards' "weeks not
// logged" counts the running agreements with a week before this one that
// is due and has no attendance row, and the agreements list filtered by
// unlogged=1 shows exactly those: not a week logged (even only as "not a
// work day"), not the first week of an agreement starting on a Sunday
// (no working day in it), not this week, not an agreement awaiting
// approval or ended, not another adviser's (for the adviser) or another
// organisation's (for the employer). NAV and admins are not counted.
func TestUnloggedWeeksCardIsTheList(t *testing.T) {
	f := newAttFixture(t, "2030-01-02") // today Wednesday 12 June 2030; last week 3–9 June
	ctx := context.Background()
	other := newStaff(t, f.st, db.RoleAdviser)
	otherOrg, otherEmployer := newOrg(t, f.st)
	mk := func(adviser, org, employer int64, start, end string, awaiting bool) int64 {
		return cardAgreement(t, f, org, employer, adviser, start, end, awaiting)
	}
	log := func(id int64, days map[string]string) { f.log(db.Agreement{ID: id}, days) }

	logged := mk(f.adviser, f.org, f.employer, "2030-05-27", "2030-08-31", false)
	log(logged, map[string]string{"2030-05-29": "6", "2030-06-03": "not_notified"})
	missing := mk(f.adviser, f.org, f.employer, "2030-05-27", "2030-08-31", false) // the week of 3 June
	log(missing, map[string]string{"2030-05-27": "6"})
	offOnly := mk(f.adviser, f.org, f.employer, "2030-06-03", "2030-08-31", false) // logged, as not a work day
	log(offOnly, map[string]string{"2030-06-03": "off"})
	sunday := mk(f.adviser, f.org, f.employer, "2030-06-09", "2030-08-31", false) // the week of 3 June has no working day
	mk(f.adviser, f.org, f.employer, "2030-06-10", "2030-08-31", false)           // nothing before this week
	earlyWeek := mk(f.adviser, f.org, f.employer, "2030-05-13", "2030-08-31", false)
	log(earlyWeek, map[string]string{"2030-05-27": "6", "2030-06-04": "6"}) // the weeks of 13 and 20 May were not logged
	sevenDays := mk(f.adviser, f.org, f.employer, "2030-06-09", "2030-08-31", false)
	if _, err := f.st.DB.Exec(`UPDATE agreements SET days_per_week = 7 WHERE id = $1`, sevenDays); err != nil {
		t.Fatal(err)
	}
	awaiting := mk(f.adviser, f.org, f.employer, "2030-05-27", "2030-08-31", true)
	ended := mk(f.adviser, f.org, f.employer, "2030-05-13", "2030-06-07", false)
	theirs := mk(other, f.org, f.employer, "2030-05-27", "2030-08-31", false)
	elsewhere := mk(f.adviser, otherOrg, otherEmployer, "2030-05-27", "2030-08-31", false)
	for id, st := range map[int64]string{missing: db.AgreementRunning, sunday: db.AgreementRunning, awaiting: db.AgreementAwaiting, ended: db.AgreementEnded} {
		if got := f.get(id).Status; got != st {
			t.Fatalf("fixture: agreement %d is %s, want %s", id, got, st)
		}
	}

	cases := []struct {
		sc   db.AgreementScope
		want []int64
	}{
		{db.AgreementScope{UserID: f.adviser, Role: db.RoleAdviser}, []int64{missing, earlyWeek, sevenDays, elsewhere}},
		{db.AgreementScope{UserID: f.employer, OrgID: f.org, Role: db.RoleEmployer}, []int64{missing, earlyWeek, sevenDays, theirs}},
	}
	for _, c := range cases {
		todo, err := f.st.TodoFor(ctx, c.sc, f.st.Today())
		if err != nil {
			t.Fatal(err)
		}
		list, total, err := f.st.AgreementsPage(ctx, c.sc, f.st.Today(), db.AgreementFilter{Unlogged: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, a := range list {
			ids = append(ids, a.ID)
		}
		slices.Sort(ids)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if todo.AgreementsUnlogged != len(want) || total != len(want) || !slices.Equal(ids, want) {
			t.Errorf("%s: card %d, list %v (total %d), want %v", c.sc.Role, todo.AgreementsUnlogged, ids, total, want)
		}
	}
	for _, sc := range []db.AgreementScope{{UserID: other, Role: db.RoleNAV}, {UserID: other, Role: db.RoleAdmin}} {
		if todo, err := f.st.TodoFor(ctx, sc, f.st.Today()); err != nil || todo.AgreementsUnlogged != 0 {
			t.Errorf("%s: weeks not logged %d (%v), want none counted", sc.Role, todo.AgreementsUnlogged, err)
		}
	}

	// Logging the missing week takes it off the card and the list.
	log(missing, map[string]string{"2030-06-05": "notified"})
	sc := db.AgreementScope{UserID: f.adviser, Role: db.RoleAdviser}
	todo, err := f.st.TodoFor(ctx, sc, f.st.Today())
	if err != nil {
		t.Fatal(err)
	}
	_, total, err := f.st.AgreementsPage(ctx, sc, f.st.Today(), db.AgreementFilter{Unlogged: true, Limit: 100})
	if err != nil || todo.AgreementsUnlogged != 3 || total != 3 {
		t.Errorf("after logging the week of 3 June: card %d, list %d (%v), want 3", todo.AgreementsUnlogged, total, err)
	}
}

// TestProposalsWaitingCardIsTheList (issue 20): the adviser's card
// "proposals without an answer" counts the open proposals of the
// participants in their caseload — whoever made them — and the proposals
// list filtered to status proposed shows exactly those; an answered
// proposal and another adviser's are not counted. The list says how long
// each has waited (to today, or to the answer), pages, and sorts newest
// or oldest first; an admin sees everyone's.
func TestProposalsWaitingCardIsTheList(t *testing.T) {
	f := newAttFixture(t, "2030-01-02")
	ctx := context.Background()
	other := newStaff(t, f.st, db.RoleAdviser)
	pl := func() int64 {
		return publish(t, f.st, f.org, f.employer, db.PlacementInput{Title: "Kasse", Tasks: "Ta betalt", Sector: "retail",
			Municipality: "Trondheim", Address: "Gate 1", Seats: 3})
	}
	created := func(id int64, at string) {
		if _, err := f.st.DB.Exec(`UPDATE proposals SET created_at = $2 WHERE id = $1`, id, at); err != nil {
			t.Fatal(err)
		}
	}
	mine := newParticipant(t, f.st, f.adviser, "Amal", 400, db.LevelB1)
	theirs := newParticipant(t, f.st, other, "Bashir", 400, db.LevelB1)
	moved := newParticipant(t, f.st, other, "Chen", 400, db.LevelB1)

	old := propose(t, f.st, f.adviser, mine, pl())
	created(old, "2030-05-29 09:00+02") // 14 days ago in Oslo
	recent := propose(t, f.st, f.adviser, mine, pl())
	created(recent, "2030-06-12 00:30+02") // today in Oslo (the day before in UTC)
	answered := propose(t, f.st, f.adviser, mine, pl())
	created(answered, "2030-06-03 10:00+02")
	if _, err := f.st.DecideProposal(ctx, answered, f.org, f.employer, false, "Ingen plass likevel", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DB.Exec(`UPDATE proposals SET decided_at = '2030-06-06 15:00+02' WHERE id = $1`, answered); err != nil {
		t.Fatal(err)
	}
	notMine := propose(t, f.st, other, theirs, pl())
	created(notMine, "2030-06-01 10:00+02")
	// Proposed by the other adviser, then the participant moved to this one.
	brought := propose(t, f.st, other, moved, pl())
	created(brought, "2030-06-10 10:00+02")
	if _, err := f.st.DB.Exec(`UPDATE participants SET adviser_id = $2 WHERE id = $1`, moved, f.adviser); err != nil {
		t.Fatal(err)
	}

	sc := db.AgreementScope{UserID: f.adviser, Role: db.RoleAdviser}
	todo, err := f.st.TodoFor(ctx, sc, f.st.Today())
	if err != nil {
		t.Fatal(err)
	}
	page := func(sc db.AgreementScope, fl db.ProposalFilter) ([]int64, int, []db.ProposalListed) {
		t.Helper()
		if fl.Limit == 0 {
			fl.Limit = 100
		}
		rows, total, err := f.st.ProposalsPage(ctx, sc, f.st.Today(), fl)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		return ids, total, rows
	}
	waiting, total, rows := page(sc, db.ProposalFilter{Status: db.ProposalOpen, Oldest: true})
	if want := []int64{old, brought, recent}; todo.OpenProposals != 3 || total != 3 || !slices.Equal(waiting, want) {
		t.Errorf("card %d, list %v (total %d), want 3: %v, the longest waiting first", todo.OpenProposals, waiting, total, want)
	}
	days := map[int64]int{}
	for _, r := range rows {
		days[r.ID] = r.Days
		if !r.Waiting() || r.FirstName == "" || r.LastName == "" || r.PlacementTitle != "Kasse" || r.AdviserName == "" {
			t.Errorf("row %+v: want an open proposal with the person's name, the placement and the adviser", r)
		}
	}
	if days[old] != 14 || days[recent] != 0 || days[brought] != 2 {
		t.Errorf("days waited %v, want 14, 0 (today in Oslo) and 2", days)
	}
	if all, total, rows := page(sc, db.ProposalFilter{}); !slices.Equal(all, []int64{recent, brought, answered, old}) || total != 4 {
		t.Errorf("all, newest first: %v (total %d)", all, total)
	} else if rows[2].Status != db.ProposalDeclined || rows[2].Days != 3 {
		t.Errorf("the answered one: %s after %d days, want declined after 3", rows[2].Status, rows[2].Days)
	}
	if second, total, _ := page(sc, db.ProposalFilter{Limit: 3, Offset: 3}); !slices.Equal(second, []int64{old}) || total != 4 {
		t.Errorf("page 2 of 3 a page: %v (total %d)", second, total)
	}
	if declined, _, _ := page(sc, db.ProposalFilter{Status: db.ProposalDeclined}); !slices.Equal(declined, []int64{answered}) {
		t.Errorf("declined: %v", declined)
	}
	admin := db.AgreementScope{UserID: newStaff(t, f.st, db.RoleAdmin), Role: db.RoleAdmin}
	if open, _, _ := page(admin, db.ProposalFilter{Status: db.ProposalOpen}); len(open) != 4 || !slices.Contains(open, notMine) {
		t.Errorf("the admin's open proposals: %v, want all 4", open)
	}
	if nav, total, _ := page(db.AgreementScope{UserID: f.adviser, Role: db.RoleNAV}, db.ProposalFilter{}); len(nav) != 0 || total != 0 {
		t.Errorf("a NAV scope lists %v", nav)
	}
	// The other adviser's card: their own participant's proposal only.
	if todo, err := f.st.TodoFor(ctx, db.AgreementScope{UserID: other, Role: db.RoleAdviser}, f.st.Today()); err != nil || todo.OpenProposals != 1 {
		t.Errorf("the other adviser's card: %d (%v), want 1", todo.OpenProposals, err)
	}
}
