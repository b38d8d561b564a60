package seed_test

import (
	"context"
	"strings"
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

// TestSeedDemoMix: the demo follows Trondheim's mix (issue 14) — most
// participants under kapittel 6A (collective protection), some without a
// Norwegian goal, introduksjonsloven without any, a plan for everyone,
// parental leave that moved one end, one extension, one plan review
// overdue, an arbeidstrening awaiting NAV, and the newer kap. 6A row added
// the way an admin does.
func TestSeedDemoMix(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // idempotent
		if err := seed.DemoAll(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	var m struct {
		Total, Kap6A, Kap6ABasis, Permits, Sexes, Plans, Kap6ANoGoal, IntroGoal, Leave, Extended, Overdue, Rules int
	}
	if err := st.DB.QueryRowContext(ctx, `SELECT count(*),
			count(*) FILTER (WHERE p.regime = 'kap6a'),
			count(*) FILTER (WHERE p.regime = 'kap6a' AND p.legal_basis = 'collective_protection'),
			count(*) FILTER (WHERE p.permit_date IS NOT NULL),
			count(DISTINCT p.sex),
			count(ip.id),
			count(*) FILTER (WHERE p.regime = 'kap6a' AND coalesce(ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral) IS NULL),
			count(*) FILTER (WHERE p.regime = 'introduksjonsloven' AND coalesce(ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral) IS NOT NULL),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM programme_leave l WHERE l.participant_id = p.id AND l.kind = 'parental')
				AND p.programme_end = programme_current_end(p.id) AND p.programme_end > ip.original_end),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM programme_extensions x WHERE x.participant_id = p.id)
				AND p.programme_end = programme_current_end(p.id) AND p.programme_end > ip.original_end),
			count(*) FILTER (WHERE ip.next_review_due < current_date),
			(SELECT count(*) FROM programme_rules WHERE regime = 'kap6a' AND source = $1 AND valid_from <= current_date AND valid_to >= current_date)
		FROM participants p JOIN users a ON a.id = p.adviser_id AND a.email = 'radgiver@example.org'
		LEFT JOIN integration_plans ip ON ip.participant_id = p.id`, seed.DemoRuleSource).Scan(&m.Total, &m.Kap6A, &m.Kap6ABasis, &m.Permits,
		&m.Sexes, &m.Plans, &m.Kap6ANoGoal, &m.IntroGoal, &m.Leave, &m.Extended, &m.Overdue, &m.Rules); err != nil {
		t.Fatal(err)
	}
	if m.Total != 12 || m.Kap6A*2 <= m.Total || m.Kap6ABasis != m.Kap6A || m.Permits != m.Total || m.Sexes < 2 || m.Plans != m.Total ||
		m.Kap6ANoGoal == 0 || m.Kap6ANoGoal == m.Kap6A || m.IntroGoal != 0 || m.Leave != 1 || m.Extended != 1 || m.Overdue != 1 || m.Rules != 1 {
		t.Errorf("demo mix %+v", m)
	}
	nav, err := st.UserByEmail(ctx, "nav@example.org")
	if err != nil {
		t.Fatal(err)
	}
	waiting, err := st.AgreementsAwaitingNAV(ctx, nav.ID)
	if err != nil || len(waiting) != 1 || waiting[0].Kind != "arbeidstrening" || waiting[0].Refused {
		t.Errorf("agreements awaiting NAV: %+v %v, want one arbeidstrening", waiting, err)
	}
}

// TestSeedDemoConsents: every demo participant proposed to the demo
// organisation has consented to share with it, so the demo employer's
// pages show them (issue 15), with every adaptation their proposals share.
func TestSeedDemoConsents(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	if err := seed.DemoAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	var missing, adaptations int
	if err := st.DB.Get(&missing, `SELECT count(DISTINCT pr.participant_id) FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id
		WHERE NOT EXISTS (SELECT 1 FROM consents c WHERE c.participant_id = pr.participant_id AND c.organisation_id = pl.organisation_id
			AND c.withdrawn_at IS NULL AND 'first_name' = ANY (c.items))`); err != nil {
		t.Fatal(err)
	}
	// Every shared adaptation of a proposal is covered by the consent.
	if err := st.DB.Get(&adaptations, `SELECT count(*) FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id
		WHERE btrim(pr.shared_adaptations) <> '' AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.participant_id = pr.participant_id
			AND c.organisation_id = pl.organisation_id AND c.withdrawn_at IS NULL AND btrim(pr.shared_adaptations) = ANY (c.adaptations))`); err != nil {
		t.Fatal(err)
	}
	var consents int
	if err := st.DB.Get(&consents, `SELECT count(*) FROM consents`); err != nil {
		t.Fatal(err)
	}
	if missing != 0 || adaptations != 0 || consents == 0 {
		t.Errorf("%d demo participants proposed without consent, %d shared adaptations not covered, %d consents", missing, adaptations, consents)
	}
}

// TestSeedDemoAttendance: the demo writes attendance as the product does
// today (DOMAIN.md, "Attendance and absence"): the employer's mark for
// each day and no category (no row the week form could not have written),
// and the adviser's classifications, by the participant's adviser, of
// days reported absent within the programme. The running agreement's
// participant is flagged for an invalid day and for a day the adviser has
// yet to classify.
func TestSeedDemoAttendance(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	for i := 0; i < 2; i++ { // idempotent
		if err := seed.DemoAll(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	var legacy, present, absent int
	if err := st.DB.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE absence IS NOT NULL OR mark IS NULL OR NOT (mark = ANY ($1::text[]))),
			count(*) FILTER (WHERE mark = 'present'), count(*) FILTER (WHERE mark IN ('absent_notified', 'absent_not_notified'))
		FROM attendance`, "{"+strings.Join(db.EmployerMarks, ",")+"}").Scan(&legacy, &present, &absent); err != nil {
		t.Fatal(err)
	}
	if legacy != 0 || present == 0 || absent == 0 {
		t.Errorf("demo attendance: %d rows the product could not have written, %d present, %d absent", legacy, present, absent)
	}
	var classified, stray int
	if err := st.DB.QueryRowContext(ctx, `SELECT count(*),
			count(*) FILTER (WHERE c.classified_by IS DISTINCT FROM p.adviser_id OR c.day NOT BETWEEN p.programme_start AND p.programme_end
				OR NOT EXISTS (SELECT 1 FROM attendance a JOIN agreements ag ON ag.id = a.agreement_id
					WHERE ag.participant_id = p.id AND a.day = c.day AND NOT a.present AND a.mark <> 'not_work_day'))
		FROM absence_classifications c JOIN participants p ON p.id = c.participant_id`).Scan(&classified, &stray); err != nil {
		t.Fatal(err)
	}
	if classified == 0 || stray != 0 {
		t.Errorf("demo classifications: %d, of which %d not by the adviser, outside the programme or of no reported absence", classified, stray)
	}
	var olena int64
	if err := st.DB.GetContext(ctx, &olena, `SELECT p.id FROM participants p JOIN users u ON u.id = p.adviser_id
		WHERE u.email = 'radgiver@example.org' AND p.first_name = 'Olena'`); err != nil {
		t.Fatal(err)
	}
	flags, err := st.ProgrammeAbsenceFlags(ctx, olena, st.Today())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, f := range flags {
		kinds[f.Kind] = true
	}
	if !kinds[db.FlagInvalid] || !kinds[db.FlagUnclassified] {
		t.Errorf("the running agreement's participant is flagged %+v, want an invalid and an unclassified day", flags)
	}
}
