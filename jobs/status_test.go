package jobs

import (
	"context"
	"testing"
	"time"

	"praksis/db/seed"
)

// The status job gives back the seats of agreements that ran out, logs
// each status change once and records the end of employer access once; a
// rerun changes nothing.
func TestStatusJob(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	if err := seed.DemoAll(ctx, st); err != nil {
		t.Fatal(err)
	}
	var placement, running int64
	if err := st.DB.QueryRow(`SELECT ag.placement_id, ag.id FROM agreements ag
		WHERE agreement_status(ag, current_date) = 'running' LIMIT 1`).Scan(&placement, &running); err != nil {
		t.Fatal(err)
	}
	seats := func() (n int) {
		if err := st.DB.Get(&n, `SELECT seats_taken FROM placements WHERE id = $1`, placement); err != nil {
			t.Fatal(err)
		}
		return n
	}
	audits := func(action string) (n int) {
		if err := st.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'agreement' AND action LIKE $1`, action); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var agreements int
	if err := st.DB.Get(&agreements, `SELECT count(*) FROM agreements`); err != nil {
		t.Fatal(err)
	}
	before := seats()
	// The running agreement's last day was yesterday.
	if _, err := st.DB.Exec(`UPDATE agreements SET end_date = current_date - 1 WHERE id = $1`, running); err != nil {
		t.Fatal(err)
	}
	s, err := NewScheduler(st, quiet, nil, Status())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		r, err := s.Run(ctx, "status", time.Now(), true)
		if err != nil || r.Status != "ok" {
			t.Fatalf("run %d: %+v %v", i+1, r, err)
		}
		if got := seats(); got != before-1 {
			t.Errorf("run %d: seats taken %d, want %d (the ended agreement's seat back, once)", i+1, got, before-1)
		}
		if n := audits("agreement.status_%"); n != agreements {
			t.Errorf("run %d: %d status audit rows, want one per agreement (%d)", i+1, n, agreements)
		}
		if n := audits("agreement.status_ended"); n < 4 {
			t.Errorf("run %d: %d agreements logged as ended, want at least 4", i+1, n)
		}
		// The demo's agreement that ended 20 weeks ago is past the 12 weeks.
		if n := audits("agreement.access_ended"); n != 1 {
			t.Errorf("run %d: %d access-ended rows, want 1", i+1, n)
		}
	}
	var held bool
	if err := st.DB.Get(&held, `SELECT seat_held FROM agreements WHERE id = $1`, running); err != nil || held {
		t.Errorf("the ended agreement still holds its seat: %v %v", held, err)
	}
}
