package db_test

import (
	"context"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// TestKPITargets: the national one-year target is a dated row with its
// source (migration 00026), 70 % from the programme's start; the row in
// force on a day is found by its dates, and rows of one metric cannot
// overlap.
func TestKPITargets(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	ts, err := st.KPITargets(ctx, db.MetricWorkEdu1y)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Value != 0.70 || ts[0].Source == "" || !ts[0].Confirm || ts[0].ValidTo != nil {
		t.Fatalf("seeded targets %+v, want one open 70 %% row with a source, to be confirmed", ts)
	}
	if _, ok := db.TargetOn(ts, d("2004-08-31")); ok {
		t.Error("a target in force before its first day")
	}
	if tg, ok := db.TargetOn(ts, d("2026-12-06")); !ok || tg.Value != 0.70 {
		t.Errorf("today's target %+v %v", tg, ok)
	}
	if _, err := st.DB.Exec(`INSERT INTO kpi_targets (metric, valid_from, value, source) VALUES ('work_edu_1y', '2027-01-01', 0.75, 'x')`); err == nil {
		t.Error("an overlapping target was stored")
	}
	if _, err := st.DB.Exec(`UPDATE kpi_targets SET valid_to = '2026-12-31';
		INSERT INTO kpi_targets (metric, valid_from, value, source) VALUES ('work_edu_1y', '2027-01-01', 0.75, 'Ny målsetting')`); err != nil {
		t.Fatal(err)
	}
	if ts, err = st.KPITargets(ctx, db.MetricWorkEdu1y); err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]float64{"2026-12-31": 0.70, "2027-01-01": 0.75, "2040-01-01": 0.75} {
		if tg, ok := db.TargetOn(ts, d(day)); !ok || tg.Value != want {
			t.Errorf("%s: %+v %v, want %.2f", day, tg, ok, want)
		}
	}
	if _, err := st.DB.Exec(`INSERT INTO kpi_targets (metric, valid_from, value, source) VALUES ('work_edu_1y', '2050-01-01', 1.5, 'x')`); err == nil {
		t.Error("a share above 100 % was stored")
	}
}
