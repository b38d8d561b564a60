package db_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// preparedPlans reads, on the store's only connection, how often the
// prepared statements whose text contains marker were planned with their
// values (custom) and once for every value (generic).
func preparedPlans(t *testing.T, st *db.Store, marker string) (custom, generic int) {
	t.Helper()
	if err := st.DB.QueryRow(`SELECT coalesce(sum(custom_plans), 0), coalesce(sum(generic_plans), 0) FROM pg_prepared_statements
		WHERE statement LIKE '%' || $1 || '%' AND statement NOT LIKE '%pg_prepared_statements%'`, marker).Scan(&custom, &generic); err != nil {
		t.Fatal(err)
	}
	return custom, generic
}

// The profile's caseload row was computed live with participant_measure
// inlined: 30–500 ms to plan with its values at national scale, and once
// participant_measure became set-based (00026) its generic plan measured
// everyone to keep one row (1.6 s). It is read from the read model now:
// one prepared statement that measures nothing, the same row the list
// shows, kept current by the writes (and measured again when stale).
func TestCaseloadRowPlannedOnce(t *testing.T) {
	st := dbtest.Open(t)
	st.DB.SetMaxOpenConns(1) // one connection, so pg_prepared_statements sees the store's statements
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	mine := newParticipant(t, st, adviser, "Amal", 100, db.LevelB1)
	theirs := newParticipant(t, st, other, "Chen", 100, db.LevelB1)
	for i := 0; i < 7; i++ {
		r, err := st.CaseloadRowFor(ctx, mine, db.Scope{AdviserID: adviser})
		if err != nil || r.ID != mine {
			t.Fatalf("CaseloadRowFor: %v, %d", err, r.ID)
		}
	}
	if _, err := st.CaseloadRowFor(ctx, theirs, db.Scope{AdviserID: adviser}); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another adviser's participant: %v, want ErrNotFound", err)
	}
	if custom, generic := preparedPlans(t, st, "participant_measure"); custom+generic != 0 {
		t.Errorf("the profile's row measured live: %d custom and %d generic runs of a statement with participant_measure", custom, generic)
	}
	if custom, generic := preparedPlans(t, st, "JOIN caseload_rows c ON c.participant_id = p.id"); custom+generic != 8 {
		t.Errorf("caseload row: %d custom plans, %d generic runs of the read model's prepared statement; want 8 runs", custom, generic)
	}
	// The row is the list's row: the same figures.
	list, err := st.Caseload(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("caseload: %v %v", list, err)
	}
	row, err := st.CaseloadRowFor(ctx, mine, db.Scope{AdviserID: adviser})
	if err != nil {
		t.Fatal(err)
	}
	list[0].Total, row.Total = 0, 0
	if !reflect.DeepEqual(row, list[0]) {
		t.Errorf("profile row %+v\nlist row    %+v", row, list[0])
	}
}

// CaseloadRowViewed reads the row and writes the view's audit row in one
// statement: one row per read the scope may see, none for a participant
// it may not see.
func TestCaseloadRowViewedAudits(t *testing.T) {
	st := dbtest.Open(t)
	st.DB.SetMaxOpenConns(1)
	ctx := context.Background()
	adviser, other := newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleAdviser)
	mine := newParticipant(t, st, adviser, "Amal", 100, db.LevelB1)
	theirs := newParticipant(t, st, other, "Chen", 100, db.LevelB1)
	count := func(id int64, action string) int {
		t.Helper()
		var n int
		if err := st.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'participant' AND entity_id = $1 AND action = $2
			AND actor_id = $3 AND ip = '192.0.2.7'`, id, action, adviser); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 0; i < 6; i++ {
		r, err := st.CaseloadRowViewed(ctx, mine, db.Scope{AdviserID: adviser}, adviser, "participant.view", "192.0.2.7")
		if err != nil || r.ID != mine || r.FirstName != "Amal" {
			t.Fatalf("CaseloadRowViewed: %v, %+v", err, r.Participant)
		}
	}
	if n := count(mine, "participant.view"); n != 6 {
		t.Errorf("%d audit rows for six views, want 6", n)
	}
	if _, err := st.CaseloadRowViewed(ctx, theirs, db.Scope{AdviserID: adviser}, adviser, "participant.view", "192.0.2.7"); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("another adviser's participant: %v, want ErrNotFound", err)
	}
	if n := count(theirs, "participant.view"); n != 0 {
		t.Errorf("%d audit rows for a participant out of scope, want 0", n)
	}
	// One prepared statement reads the row and writes the audit row, and it
	// measures nothing live (its planning is a look-up's, not the 30–500 ms
	// of participant_measure inlined).
	if custom, generic := preparedPlans(t, st, "INSERT INTO audit_log"); custom+generic != 7 {
		t.Errorf("the audited row ran %d times as a prepared statement, want 7", custom+generic)
	}
	if custom, generic := preparedPlans(t, st, "participant_measure"); custom+generic != 0 {
		t.Errorf("the audited row measured live: %d runs of a statement with participant_measure", custom+generic)
	}
}
