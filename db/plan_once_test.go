package db_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
	"praksis/db/seed"
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

// The caseload page reads its rows through CaseloadListed: a statement of
// its own with fewer columns, scanned without reflection, that writes the
// page's audit rows. It shows what Caseload (the list the equality tests
// hold to a live computation) returns, field for field, for every scope
// shape and filter, and audits exactly the rows it returns; its plan is
// made once per connection.
func TestCaseloadListedIsTheList(t *testing.T) {
	ctx := context.Background()
	st, adviser, nav, admin := caseloadScaleFixture(t, 7)
	st.DB.SetMaxOpenConns(1)
	var name string
	if err := st.DB.QueryRow(`SELECT last_name FROM participants WHERE adviser_id = $1 ORDER BY id LIMIT 1`, adviser).Scan(&name); err != nil {
		t.Fatal(err)
	}
	// The page's fields, as Caseload has them.
	shown := func(r db.CaseloadRow) db.CaseloadRow {
		return db.CaseloadRow{Participant: db.Participant{ID: r.ID, FirstName: r.FirstName, LastName: r.LastName,
			AdviserName: r.AdviserName, Status: r.Status, ProtectedAddress: r.ProtectedAddress, ProgrammeEnd: r.ProgrammeEnd},
			BestLevels: r.BestLevels, PlanGaps: r.PlanGaps, MonthsLeft: r.MonthsLeft, OutcomeKind: r.OutcomeKind, OutcomeFrom: r.OutcomeFrom,
			Risk: r.Risk, RiskReason: r.RiskReason, Basis: r.Basis, MeasuredOn: r.MeasuredOn, CurrentAgreement: r.CurrentAgreement,
			CurrentTitle: r.CurrentTitle, CurrentOrg: r.CurrentOrg, CurrentStatus: r.CurrentStatus, Total: r.Total}
	}
	filters := []db.CaseloadFilter{{Sort: "end"}, {Sort: "name", Desc: true}, {Sort: "gap", Desc: true}, {Sort: "risk"},
		{Sort: "status", Offset: 100}, {Risk: true, Sort: "end"}, {EndingWithin: 6, Sort: "end"}, {Search: name, Sort: "end"},
		{Status: "active", Sort: "risk", Desc: true}}
	actor := map[string]int64{"adviser": adviser, "nav": nav, "admin": admin}
	seen := 0
	for who, sc := range map[string]db.Scope{"adviser": {AdviserID: adviser}, "nav": {NavID: nav}, "admin": {All: true}} {
		for _, f := range filters {
			f.Limit = 100
			want, err := st.Caseload(ctx, sc, f)
			if err != nil {
				t.Fatal(err)
			}
			var before int
			_ = st.DB.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'participant.list' AND actor_id = $1 AND ip = '192.0.2.7'`, actor[who]).Scan(&before)
			got, err := st.CaseloadListed(ctx, sc, f, actor[who], "192.0.2.7")
			if err != nil {
				t.Fatalf("%s %+v: %v", who, f, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s %+v: %d rows listed, the list has %d", who, f, len(got), len(want))
			}
			for i := range want {
				if w := shown(want[i]); !reflect.DeepEqual(got[i], w) {
					t.Fatalf("%s %+v row %d:\nlisted %+v\nlist   %+v", who, f, i, got[i], w)
				}
			}
			var after int
			_ = st.DB.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'participant.list' AND actor_id = $1 AND ip = '192.0.2.7'`, actor[who]).Scan(&after)
			if after-before != len(got) {
				t.Errorf("%s %+v: %d audit rows for %d rows shown", who, f, after-before, len(got))
			}
			seen += len(got)
		}
	}
	if seen < 500 {
		t.Fatalf("the filters listed only %d rows in all: the comparison proves little", seen)
	}
	// Run often enough, the adviser's statement keeps a plan made once.
	for i := 0; i < 7; i++ {
		if _, err := st.CaseloadListed(ctx, db.Scope{AdviserID: adviser}, db.CaseloadFilter{Sort: "name", Limit: 100}, adviser, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, generic := preparedPlans(t, st, "'participant.list', 'participant', pg.id"); generic == 0 {
		t.Error("the page's caseload statement never ran with its generic plan")
	}
}

// The adviser's dashboard counts both its caseload cards in one statement;
// each count is the list its card links to.
func TestCaseloadCardsCountTheirLists(t *testing.T) {
	ctx := context.Background()
	st, adviser, nav, _ := caseloadScaleFixture(t, 11)
	nonzero := 0
	for who, sc := range map[string]db.Scope{"adviser": {AdviserID: adviser}, "nav": {NavID: nav}, "admin": {All: true}} {
		for _, months := range []int{0, 1, 3, 12} { // 0: any end, as the list's filter
			risk, ending, err := st.CaseloadCards(ctx, sc, months)
			if err != nil {
				t.Fatal(err)
			}
			wantRisk, err := st.CaseloadCount(ctx, sc, db.CaseloadFilter{Risk: true})
			if err != nil {
				t.Fatal(err)
			}
			wantEnding, err := st.CaseloadCount(ctx, sc, db.CaseloadFilter{EndingWithin: months})
			if err != nil {
				t.Fatal(err)
			}
			if risk != wantRisk || ending != wantEnding {
				t.Errorf("%s, %d months: cards %d at risk and %d ending; the lists have %d and %d", who, months, risk, ending, wantRisk, wantEnding)
			}
			if risk > 0 && ending > 0 {
				nonzero++
			}
		}
	}
	if nonzero < 3 {
		t.Fatalf("only %d of 12 comparisons had both counts above zero: the seed proves little", nonzero)
	}
}

// caseloadScaleFixture is a scale seed of 600 participants on a fixed day,
// with the adviser and the NAV contact who have the most of them, and an
// admin.
func caseloadScaleFixture(t *testing.T, seedNo uint64) (st *db.Store, adviser, nav, admin int64) {
	t.Helper()
	st = dbtest.Open(t)
	fixed := time.Date(2026, 3, 11, 9, 30, 0, 0, time.UTC)
	st.Clock = func() time.Time { return fixed }
	if _, err := seed.Scale(context.Background(), st, seed.ScaleOptions{Participants: 600, Seed: seedNo}); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.QueryRow(`SELECT (SELECT adviser_id FROM participants GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1),
		(SELECT nav_contact_id FROM participants WHERE nav_contact_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1),
		(SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1)`).Scan(&adviser, &nav, &admin); err != nil {
		t.Fatal(err)
	}
	return st, adviser, nav, admin
}
