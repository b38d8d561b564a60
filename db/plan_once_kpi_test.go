package db_test

import (
	"context"
	"strings"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// The reads of /admin/kpi, the adviser's KPI page, NAV's dashboard and the
// hand-over export run as prepared statements (planned once per
// connection, run in one round trip): each is in pg_prepared_statements
// after one call, and ran there. Their generic plans were checked at
// national scale (docs/benchmarks.md, "KPI and NAV pages").
func TestKPIAndNAVReadsPrepared(t *testing.T) {
	st := dbtest.Open(t)
	st.DB.SetMaxOpenConns(1) // one connection, so pg_prepared_statements sees the store's statements
	ctx := context.Background()
	adviser, nav := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleNAV)
	pid := newParticipant(t, st, adviser, "Amal", 60, db.LevelB1)
	if _, err := st.DB.Exec(`UPDATE participants SET nav_contact_id = $1 WHERE id = $2`, nav, pid); err != nil {
		t.Fatal(err)
	}
	today := st.Today()
	if _, _, err := st.LatestKPI(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.KPIsOn(ctx, today, db.DimAll, db.DimAdviser); err != nil {
		t.Fatal(err)
	}
	if _, err := st.KPISeries(ctx, db.DimAll, db.DimAll, []string{db.MetricRisk}, today.AddDate(-1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.KPITargets(ctx, db.MetricWorkEdu1y); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GoalKPIsFor(ctx, today, adviser); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AgreementsAwaitingNAV(ctx, nav); err != nil {
		t.Fatal(err)
	}
	rows, err := st.Handover(ctx, nav, today)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].ID != pid {
		t.Fatalf("hand-over list: %+v, want the one linked participant ending in two months", rows)
	}
	if err := st.LogExported(ctx, nav, db.ExportHandover, []int64{pid}, "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	for name, marker := range map[string]string{
		"LatestKPI":             "job = 'progress' AND status = 'ok'",
		"KPIsOn":                "coalesce(u.name, k.key) AS label",
		"KPISeries":             "key AS label FROM kpi_snapshots",
		"KPITargets":            "FROM kpi_targets WHERE metric = $1",
		"GoalKPIsFor":           "k.dimension <> 'adviser'",
		"AgreementsAwaitingNAV": "coalesce(ag.nav_decision = 'refused', false)",
		"Handover":              "cp.title AS placement",
		"LogExported":           "participant.attendance_export",
	} {
		if custom, generic := preparedPlans(t, st, marker); custom+generic != 1 {
			t.Errorf("%s: %d custom and %d generic runs as a prepared statement, want 1 run", name, custom, generic)
		}
	}
	// The adviser's figures are planned for one adviser's caseload, not
	// with the nightly job's "all or one adviser" test a generic plan
	// cannot fold.
	var text string
	if err := st.DB.Get(&text, `SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%k.dimension <> ''adviser''%'
		AND statement NOT LIKE '%pg_prepared_statements%'`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text, "= 0 OR") {
		t.Errorf("GoalKPIsFor's statement keeps an \"all or one\" test:\n%s", text)
	}
}
