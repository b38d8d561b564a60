package db_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
)

// statementOf is the first "-- +goose StatementBegin" block of a migration
// that contains marker: a function as that migration wrote it.
func statementOf(t *testing.T, file, marker string) string {
	t.Helper()
	b, err := os.ReadFile("migrations/" + file)
	if err != nil {
		t.Fatal(err)
	}
	up, _, _ := strings.Cut(string(b), "-- +goose Down")
	for _, part := range strings.Split(up, "-- +goose StatementBegin")[1:] {
		stmt, _, _ := strings.Cut(part, "-- +goose StatementEnd")
		if strings.Contains(stmt, marker) {
			return stmt
		}
	}
	t.Fatalf("%s: no statement with %q", file, marker)
	return ""
}

// installOldMeasure creates the functions as they were before migration
// 00032 under other names: participant_measure_old (00026) and
// caseload_compute_old (00027, calling participant_measure_old).
func installOldMeasure(t *testing.T, st *db.Store) {
	t.Helper()
	measure := strings.Replace(statementOf(t, "00026_measure_and_target.sql", "FUNCTION public.participant_measure("),
		"FUNCTION public.participant_measure(", "FUNCTION public.participant_measure_old(", 1)
	compute := statementOf(t, "00027_caseload_rows.sql", "CREATE FUNCTION caseload_compute(")
	compute = strings.Replace(compute, "CREATE FUNCTION caseload_compute(", "CREATE FUNCTION caseload_compute_old(", 1)
	compute = strings.Replace(compute, "participant_measure(on_day, ids)", "participant_measure_old(on_day, ids)", 1)
	for _, q := range []string{measure, compute} {
		if !strings.Contains(q, "_old(") {
			t.Fatalf("not renamed: %.80s", q)
		}
		if _, err := st.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// assertSameSets fails when the two queries' rows differ in either
// direction (as multisets), or when there are none; it returns how many.
func assertSameSets(t *testing.T, st *db.Store, what, newQ, oldQ string, args ...any) int {
	t.Helper()
	var n, missing, extra int
	if err := st.DB.QueryRow(`SELECT (SELECT count(*) FROM (`+newQ+`) a),
		(SELECT count(*) FROM ((`+oldQ+`) EXCEPT ALL (`+newQ+`)) m),
		(SELECT count(*) FROM ((`+newQ+`) EXCEPT ALL (`+oldQ+`)) x)`, args...).Scan(&n, &missing, &extra); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if missing != 0 || extra != 0 || n == 0 {
		t.Errorf("%s: %d rows, %d of the old function's missing, %d not in it", what, n, missing, extra)
	}
	return n
}

// compareMeasures holds the new participant_measure and caseload_compute
// to the old ones on a day, for every participant: all at once (the
// nightly job's set-based branch), by a list of every id (the triggers'
// branch), and the nightly job's caseload rows from the day's snapshots.
func compareMeasures(t *testing.T, st *db.Store, label string, day time.Time) {
	t.Helper()
	d := day.Format(time.DateOnly)
	ids := `ARRAY(SELECT id FROM participants ORDER BY id)`
	active := assertSameSets(t, st, label+" "+d+", participant_measure(day)",
		`SELECT * FROM participant_measure($1::date)`, `SELECT * FROM participant_measure_old($1::date)`, d)
	assertSameSets(t, st, label+" "+d+", participant_measure(day, every id)",
		`SELECT * FROM participant_measure($1::date, `+ids+`)`, `SELECT * FROM participant_measure_old($1::date, `+ids+`)`, d)
	all := assertSameSets(t, st, label+" "+d+", caseload_compute_all(day, false)",
		`SELECT * FROM caseload_compute_all($1::date, false)`, `SELECT * FROM caseload_compute_old($1::date, NULL)`, d)
	assertSameSets(t, st, label+" "+d+", caseload_compute(day, every id)",
		`SELECT * FROM caseload_compute($1::date, `+ids+`)`, `SELECT * FROM caseload_compute_old($1::date, `+ids+`)`, d)
	var people int
	if err := st.DB.Get(&people, `SELECT count(*) FROM participants`); err != nil || all != people || active == 0 {
		t.Errorf("%s %s: %d caseload rows for %d participants, %d measured (%v)", label, d, all, people, active, err)
	}
	// The nightly job's rows, from the snapshots it writes first: rolled
	// back, so the next day starts from the same data.
	err := st.InTx(context.Background(), func(tx *sqlx.Tx) error {
		if _, err := db.JobTxOf(tx).WriteGoalSnapshots(context.Background(), day); err != nil {
			return err
		}
		var n, missing, extra int
		if err := tx.QueryRow(`SELECT (SELECT count(*) FROM caseload_compute_all($1::date, true)),
			(SELECT count(*) FROM (SELECT * FROM caseload_compute_old($1::date, NULL) EXCEPT ALL SELECT * FROM caseload_compute_all($1::date, true)) m),
			(SELECT count(*) FROM (SELECT * FROM caseload_compute_all($1::date, true) EXCEPT ALL SELECT * FROM caseload_compute_old($1::date, NULL)) x)`,
			d).Scan(&n, &missing, &extra); err != nil {
			return err
		}
		if n != people || missing != 0 || extra != 0 {
			t.Errorf("%s %s, the caseload from the snapshots: %d rows for %d participants, %d missing, %d extra", label, d, n, people, missing, extra)
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
}

var errRollback = &rollback{}

type rollback struct{}

func (*rollback) Error() string { return "rolled back on purpose" }

// TestMeasureOnceEqualsBefore is issue 19's equality test for migration
// 00032: the set-based participant_measure and caseload_compute_all give
// the same rows as the functions they replace (00026, 00027), for every
// participant of the demo seed and of a generated scale set of 1,000, on
// the seed's day and on days before and after it (other pace windows,
// results and outcomes not yet taken, agreements not yet running or
// ended).
func TestMeasureOnceEqualsBefore(t *testing.T) {
	ctx := context.Background()
	demo := dbtest.Open(t)
	if err := seed.DemoAll(ctx, demo); err != nil {
		t.Fatal(err)
	}
	installOldMeasure(t, demo)
	for _, off := range []int{0, -90, 45, 400} {
		compareMeasures(t, demo, "demo seed", demo.Today().AddDate(0, 0, off))
	}

	scale := dbtest.Open(t)
	fixed := time.Date(2026, 3, 11, 9, 30, 0, 0, time.UTC)
	scale.Clock = func() time.Time { return fixed }
	if _, err := seed.Scale(ctx, scale, seed.ScaleOptions{Participants: 1000, Seed: 19}); err != nil {
		t.Fatal(err)
	}
	installOldMeasure(t, scale)
	for _, off := range []int{0, -200, 30, 365} {
		compareMeasures(t, scale, "scale seed", scale.Today().AddDate(0, 0, off))
	}
}
