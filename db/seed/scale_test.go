package seed_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
)

// scaleClock is a fixed Wednesday: the seed's dates are relative to the
// store's today, so two seeds compare only on the same day.
func scaleClock() time.Time { return time.Date(2026, 3, 11, 9, 30, 0, 0, time.UTC) }

// scaleChecksums is an md5 per table of every row the scale seed wrote
// (the demo accounts, whose hashes and timestamps vary, left out).
func scaleChecksums(t *testing.T, st *db.Store) map[string]string {
	t.Helper()
	queries := map[string]string{
		"organisations": `SELECT row(id, name, org_number, kind, sector, municipality, created_at, approved_at, rejected_at)::text FROM organisations WHERE org_number <> '` + db.DemoOrgNumber + `'`,
		"users":         `SELECT row(id, email, name, role, organisation_id, locale, created_at)::text FROM users WHERE email LIKE '%@` + seed.ScaleEmailDomain + `'`,
	}
	for _, tb := range seed.ScaleTables {
		if queries[tb] == "" {
			queries[tb] = `SELECT t::text FROM ` + tb + ` t`
		}
	}
	out := map[string]string{}
	for tb, q := range queries {
		var sum string
		if err := st.DB.Get(&sum, `SELECT coalesce(md5(string_agg(x, E'\n' ORDER BY x)), '') FROM (`+q+`) s(x)`); err != nil {
			t.Fatalf("checksum %s: %v", tb, err)
		}
		out[tb] = sum
	}
	return out
}

type stageProgress struct {
	last, total map[string]int64
	backwards   []string
}

func seedScale(t *testing.T, rngSeed uint64) (*db.Store, seed.ScaleStats, *stageProgress) {
	t.Helper()
	st := dbtest.Open(t)
	st.Clock = scaleClock
	pr := &stageProgress{last: map[string]int64{}, total: map[string]int64{}}
	stats, err := seed.Scale(context.Background(), st, seed.ScaleOptions{Participants: 300, Seed: rngSeed, Progress: func(stage string, done, total int64) {
		if done < pr.last[stage] {
			pr.backwards = append(pr.backwards, stage)
		}
		pr.last[stage], pr.total[stage] = done, total
	}})
	if err != nil {
		t.Fatal(err)
	}
	return st, stats, pr
}

// TestSeedScale seeds N = 300 twice with one seed and once with another:
// the same seed gives the same rows (checksums per table), another seed
// other rows; the data has what the pages and jobs need (every agreement
// status, attendance with absences inside the agreements' dates, seats
// that add up, valid organisation numbers, the bench caseload), the
// sequences continue after the seed, and a second seed is refused.
func TestSeedScale(t *testing.T) {
	ctx := context.Background()
	a, statsA, progress := seedScale(t, 7)
	b, statsB, _ := seedScale(t, 7)
	c, _, _ := seedScale(t, 8)

	sumA, sumB, sumC := scaleChecksums(t, a), scaleChecksums(t, b), scaleChecksums(t, c)
	differs := 0
	for _, tb := range seed.ScaleTables {
		if statsA[tb] != statsB[tb] {
			t.Errorf("%s: %d rows, then %d with the same seed", tb, statsA[tb], statsB[tb])
		}
		if statsA[tb] == 0 {
			t.Errorf("%s: no rows", tb)
		}
		if sumA[tb] != sumB[tb] {
			t.Errorf("%s: the same seed gave other rows", tb)
		}
		if sumA[tb] != sumC[tb] {
			differs++
		}
		var n int64
		if err := a.DB.Get(&n, `SELECT count(*) FROM `+tb); err != nil {
			t.Fatal(err)
		}
		demo := map[string]int64{"organisations": 1, "users": int64(len(db.DemoAccounts))}[tb]
		if n != statsA[tb]+demo {
			t.Errorf("%s: %d rows in the table, the seed says it wrote %d", tb, n, statsA[tb])
		}
		if progress.last[tb] != statsA[tb] || progress.total[tb] != statsA[tb] {
			t.Errorf("%s: progress ended at %d of %d, want %d", tb, progress.last[tb], progress.total[tb], statsA[tb])
		}
	}
	if differs < len(seed.ScaleTables)-1 { // users differ only in names
		t.Errorf("another seed changed only %d of %d tables", differs, len(seed.ScaleTables))
	}
	if len(progress.backwards) > 0 {
		t.Errorf("progress went backwards in %v", progress.backwards)
	}
	// Proportions (sizesFor): 8 organisations and 25 placements per 100
	// participants; a quarter of them (at most 500) with the demo adviser.
	if statsA["participants"] != 300 || statsA["organisations"] != 24 || statsA["placements"] != 75 {
		t.Errorf("proportions: %v", statsA)
	}
	if r := float64(statsA["agreements"]) / 300; r < 1.2 || r > 1.9 {
		t.Errorf("%.2f agreements per participant, want about 1.5", r)
	}
	if r := float64(statsA["language_results"]) / 300; r < 4 || r > 8 {
		t.Errorf("%.2f results per participant, want about 6", r)
	}
	today := a.Today().Format("2006-01-02")

	var statuses []string
	if err := a.DB.Select(&statuses, `SELECT DISTINCT agreement_status(ag, $1::date) FROM agreements ag ORDER BY 1`, today); err != nil {
		t.Fatal(err)
	}
	if want := "awaiting_approval,cancelled,draft,ended,ready,running"; strings.Join(statuses, ",") != want {
		t.Errorf("agreement statuses %v, want every one of %s", statuses, want)
	}

	// Trondheim's mix (issue 14): about three in four under kapittel 6A,
	// all with collective protection; a plan for everyone.
	var kap6a, collective, total, plans int
	if err := a.DB.QueryRow(`SELECT count(*) FILTER (WHERE regime = 'kap6a'), count(*) FILTER (WHERE regime = 'kap6a' AND legal_basis = 'collective_protection'),
			count(*), (SELECT count(*) FROM integration_plans) FROM participants`).Scan(&kap6a, &collective, &total, &plans); err != nil {
		t.Fatal(err)
	}
	if share := float64(kap6a) / float64(total); share < 0.65 || share > 0.85 || collective != kap6a || plans != total {
		t.Errorf("kap. 6A %d of %d (%.2f, want about 0.75), %d with collective protection, %d plans", kap6a, total, share, collective, plans)
	}

	// Attendance: present and absent days, each inside its agreement,
	// on a working day before today, only for approved agreements, each
	// with a mark the employer's week form writes and no category (the
	// adviser classifies): no row the product could not have written.
	var present, absent, notNotified, legacy, outside int
	if err := a.DB.QueryRow(`SELECT count(*) FILTER (WHERE a.present AND a.mark = 'present'),
			count(*) FILTER (WHERE NOT a.present AND a.mark IN ('absent_notified', 'absent_not_notified')),
			count(*) FILTER (WHERE a.mark = 'absent_not_notified'),
			count(*) FILTER (WHERE a.absence IS NOT NULL OR a.mark IS NULL OR a.mark NOT IN ('present', 'absent_notified', 'absent_not_notified', 'not_work_day')),
			count(*) FILTER (WHERE a.day < ag.start_date OR a.day > coalesce(ag.ended_on, ag.end_date) OR a.day >= $1::date
				OR extract(isodow FROM a.day) > 5 OR agreement_status(ag, $1::date) NOT IN ('running', 'ended'))
		FROM attendance a JOIN agreements ag ON ag.id = a.agreement_id`, today).Scan(&present, &absent, &notNotified, &legacy, &outside); err != nil {
		t.Fatal(err)
	}
	if present == 0 || absent == 0 || notNotified == 0 || notNotified == absent || legacy != 0 || outside != 0 || absent*4 > present {
		t.Errorf("attendance: %d present, %d absent (%d without notice), %d with a legacy category or mark, %d outside their agreement",
			present, absent, notNotified, legacy, outside)
	}

	// Seats: what placements say is taken is what agreements hold.
	var wrongSeats int
	if err := a.DB.Get(&wrongSeats, `SELECT count(*) FROM placements p
		WHERE p.seats_taken <> (SELECT count(*) FROM agreements ag WHERE ag.placement_id = p.id AND ag.seat_held)
			OR p.seats_taken > p.seats`); err != nil {
		t.Fatal(err)
	}
	if wrongSeats != 0 {
		t.Errorf("%d placements whose seats do not add up", wrongSeats)
	}
	var numbers []string
	if err := a.DB.Select(&numbers, `SELECT org_number FROM organisations`); err != nil {
		t.Fatal(err)
	}
	for _, n := range numbers {
		if !db.ValidOrgNumber(n) {
			t.Errorf("organisation number %s fails the mod-11 check", n)
		}
	}

	// The demo adviser has the bench caseload, and the caseload query
	// (the page /participants) reads it.
	adviser, err := a.UserByEmail(ctx, "radgiver@example.org")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := a.Caseload(ctx, db.Scope{AdviserID: adviser.ID}, db.CaseloadFilter{Sort: "gap"})
	if err != nil || len(rows) != 75 {
		t.Errorf("bench caseload: %d rows (want 75), %v", len(rows), err)
	}
	withResults := 0
	for _, r := range rows {
		if r.Best("oral") != "" {
			withResults++
		}
	}
	if withResults < len(rows)/2 {
		t.Errorf("only %d of %d in the caseload have an oral result", withResults, len(rows))
	}

	// Every account the seed makes signs in with the demo password.
	bench, err := a.UserByEmail(ctx, "radgiver1@"+seed.ScaleEmailDomain)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := db.CheckPassword(bench.PasswordHash, db.DemoPassword); !ok || err != nil || bench.Role != db.RoleAdviser {
		t.Errorf("bench adviser %+v: the demo password does not match (%v)", bench, err)
	}

	// The sequences continue after the seed's ids.
	var orgID, maxOrg int64
	if err := a.DB.QueryRow(`INSERT INTO organisations (name, org_number, kind, sector, municipality)
		VALUES ('Etter seed AS', '974760673', 'business', 'retail', 'Oslo') RETURNING id, (SELECT max(id) FROM organisations)`).Scan(&orgID, &maxOrg); err != nil {
		t.Fatalf("insert after the seed: %v", err)
	}
	if orgID <= maxOrg {
		t.Errorf("new organisation got id %d, the seed's go up to %d", orgID, maxOrg)
	}

	// A second seed is refused and adds nothing.
	if _, err := seed.Scale(ctx, a, seed.ScaleOptions{Participants: 300, Seed: 7}); !errors.Is(err, seed.ErrScaleSeeded) {
		t.Errorf("second seed: %v, want ErrScaleSeeded", err)
	}
	var people int64
	if err := a.DB.Get(&people, `SELECT count(*) FROM participants`); err != nil || people != 300 {
		t.Errorf("%d participants after the refused seed (%v)", people, err)
	}
	if _, err := seed.Scale(ctx, a, seed.ScaleOptions{Participants: 5}); err == nil {
		t.Error("a scale of 5 was accepted")
	}
}
