package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/db/dbtest"
)

// Tests of defences held by the jobs' storage (issue 21, item 11), apart
// from defences_test.go because they call the job-run API (BeginJobRun,
// WriteGoalSnapshots) that the jobs reach through Store.RunJob.

// TestJobRunBusyWhileOpen: while a run of a job is open (its transaction
// holds the job's advisory lock), "run now" of the same job from another
// transaction answers busy and records no second run — also when forced
// (which skips the slot check) and for another slot (which the slot's
// unique row does not cover). Another job is not held up.
func TestJobRunBusyWhileOpen(t *testing.T) {
	st := dbtest.Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	slot := time.Date(2030, 6, 12, 3, 30, 0, 0, time.UTC)
	open, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = open.Rollback() }()
	if id, skipped, err := db.BeginJobRun(ctx, open, "retention", slot, false); err != nil || skipped != "" || id == 0 {
		t.Fatalf("the open run: %d %q %v", id, skipped, err)
	}
	for _, c := range []struct {
		name   string
		slot   time.Time
		forced bool
	}{{"the same slot, forced", slot, true}, {"another slot", slot.Add(7 * 24 * time.Hour), false}, {"another slot, forced", slot.Add(time.Hour), true}} {
		tx, err := st.DB.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		id, skipped, err := db.BeginJobRun(ctx, tx, "retention", c.slot, c.forced)
		_ = tx.Rollback()
		if err != nil || skipped != db.JobBusy || id != 0 {
			t.Errorf("%s while a run is open: id %d, skipped %q, %v; want busy", c.name, id, skipped, err)
		}
	}
	tx, err := st.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id, skipped, err := db.BeginJobRun(ctx, tx, "status", slot, false); err != nil || skipped != "" || id == 0 {
		t.Errorf("another job while retention runs: %d %q %v", id, skipped, err)
	}
	_ = tx.Rollback()
	if err := open.Commit(); err != nil {
		t.Fatal(err)
	}
	var runs int
	if err := st.DB.Get(&runs, `SELECT count(*) FROM job_runs WHERE job = 'retention'`); err != nil || runs != 1 {
		t.Errorf("%d runs of retention recorded, want 1 (%v)", runs, err)
	}
}

// TestRiskBoundaryCaseloadAndSnapshot: a programme that ends exactly six
// months from today is "ends within 6 months" — at risk with a gap to the
// norskmål — in the caseload and in the nightly snapshot alike; one that
// ends a day later is in neither.
func TestRiskBoundaryCaseloadAndSnapshot(t *testing.T) {
	st := dbtest.Open(t)
	ctx := context.Background()
	adviser := newStaff(t, st, db.RoleAdviser)
	var today, edge time.Time
	if err := st.DB.QueryRow(`SELECT oslo_today(), (oslo_today() + interval '6 months')::date`).Scan(&today, &edge); err != nil {
		t.Fatal(err)
	}
	ends := map[string]time.Time{"on the boundary": edge, "a day after": edge.AddDate(0, 0, 1), "a day before": edge.AddDate(0, 0, -1)}
	wantRisk := map[string]bool{"on the boundary": true, "a day after": false, "a day before": true}
	ids := map[string]int64{}
	for name, end := range ends {
		id, err := st.CreateParticipant(ctx, adviser, db.ParticipantInput{FirstName: "Grense", LastName: name, BirthYear: 1990,
			Education: "primary", Regime: "integreringsloven", ProgrammeStart: today.AddDate(0, -18, 0), ProgrammeEnd: end,
			GoalCategory: "work_or_education", Status: "active",
			Goals: map[string]db.Level{"listening": db.LevelB1, "reading": db.LevelB1, "writing": db.LevelB1, "oral": db.LevelB1}}, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	rows, err := st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "end"})
	if err != nil {
		t.Fatal(err)
	}
	caseload := map[int64]bool{}
	for _, r := range rows {
		caseload[r.ID] = r.Risk
	}
	if err := st.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := db.JobTxOf(tx).WriteGoalSnapshots(ctx, today) // the nightly job's writer since issue 14
		return err
	}); err != nil {
		t.Fatal(err)
	}
	snaps, err := st.GoalSnapshotsOn(ctx, today, []int64{ids["on the boundary"], ids["a day after"], ids["a day before"]})
	if err != nil {
		t.Fatal(err)
	}
	snapshot := map[int64]bool{}
	for _, s := range snaps {
		snapshot[s.ParticipantID] = s.Risk
	}
	for name, id := range ids {
		if caseload[id] != wantRisk[name] || snapshot[id] != wantRisk[name] {
			t.Errorf("programme ending %s (%s): caseload risk %v, snapshot risk %v, want %v in both",
				name, ends[name].Format("2006-01-02"), caseload[id], snapshot[id], wantRisk[name])
		}
	}
}
