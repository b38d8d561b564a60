package jobs

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praksis/db"
	"praksis/db/dbtest"
)

// counterJob counts its runs in process and writes a marker row in its
// transaction, so a test can tell a committed run from a rolled-back one.
func counterJob(name string, runs *atomic.Int64, fail func() error) Job {
	return Job{Name: name, Spec: "0 7 * * *", Run: func(ctx context.Context, tx *db.JobTx) (map[string]any, error) {
		runs.Add(1)
		if err := tx.Audit(ctx, "test.job", name); err != nil {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond) // long enough for racers to meet
		if fail != nil {
			if err := fail(); err != nil {
				return nil, err
			}
		}
		return map[string]any{"done": 1}, nil
	}}
}

func markers(t *testing.T, st *db.Store, name string) int {
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'test.job' AND entity = $1`, name); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRunnersRaceForOneSlot(t *testing.T) {
	name := uniq("race")
	var runs atomic.Int64
	at := time.Date(2026, 3, 2, 7, 0, 30, 0, Oslo)
	var wg sync.WaitGroup
	results := make(chan Result, 8)
	for i := 0; i < 8; i++ {
		// Each runner has its own pool, like a separate replica.
		s, err := NewScheduler(openStore(t), quiet, nil, counterJob(name, &runs, nil))
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Run(context.Background(), name, at, false)
			if err != nil {
				t.Error(err)
			}
			results <- r
		}()
	}
	wg.Wait()
	close(results)
	ran, skipped := 0, 0
	for r := range results {
		if r.Skipped == "" {
			ran++
		} else {
			skipped++
		}
	}
	st := openStore(t)
	if ran != 1 || skipped != 7 || runs.Load() != 1 || markers(t, st, name) != 1 {
		t.Fatalf("ran %d skipped %d runs %d markers %d", ran, skipped, runs.Load(), markers(t, st, name))
	}
	// A later rerun of the same slot is a no-op; a forced one runs.
	s, _ := NewScheduler(st, quiet, nil, counterJob(name, &runs, nil))
	if r, _ := s.Run(context.Background(), name, at.Add(time.Hour), false); r.Skipped != db.JobDone {
		t.Fatalf("rerun: %+v", r)
	}
	if r, _ := s.Run(context.Background(), name, at, true); r.Skipped != "" || r.Status != "ok" {
		t.Fatalf("forced: %+v", r)
	}
	if runs.Load() != 2 {
		t.Fatalf("runs %d", runs.Load())
	}
}

func TestFailedAndPanickingRunsAreRecorded(t *testing.T) {
	st := openStore(t)
	name := uniq("flaky")
	var runs atomic.Int64
	mode := "panic"
	s, err := NewScheduler(st, quiet, nil, counterJob(name, &runs, func() error {
		switch mode {
		case "panic":
			panic("boom")
		case "error":
			return errors.New("upstream said no")
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	day := time.Date(2026, 5, 4, 8, 0, 0, 0, Oslo)
	r, err := s.Run(ctx, name, day, false)
	if err != nil || r.Status != "failed" || r.Err == nil {
		t.Fatalf("panic run: %+v %v", r, err)
	}
	mode = "error"
	r, _ = s.Run(ctx, name, day.AddDate(0, 0, 1), false)
	if r.Status != "failed" {
		t.Fatalf("error run: %+v", r)
	}
	if markers(t, st, name) != 0 {
		t.Fatal("a failed run's work was committed")
	}
	mode = ""
	r, _ = s.Run(ctx, name, day.AddDate(0, 0, 2), false)
	if r.Status != "ok" || markers(t, st, name) != 1 {
		t.Fatalf("next slot: %+v", r)
	}
	got, err := st.RecentJobRuns(ctx, name, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("runs %d %v", len(got), err)
	}
	if got[2].Status != "failed" || got[2].Error == nil || !strings.Contains(*got[2].Error, "panic: boom") {
		t.Fatalf("panic not recorded: %+v", got[2])
	}
	if got[1].Error == nil || *got[1].Error != "upstream said no" || got[0].Status != "ok" || got[0].FinishedAt == nil {
		t.Fatalf("runs: %+v %+v", got[1], got[0])
	}
}

func TestSlotAt(t *testing.T) {
	s, err := NewScheduler(nil, quiet, nil,
		Job{Name: "daily", Spec: "0 7 * * *"}, Job{Name: "weekly", Spec: "30 3 * * 0"}, Job{Name: "minute", Spec: "* * * * *"})
	if err != nil {
		t.Fatal(err)
	}
	daily, _ := s.Job("daily")
	weekly, _ := s.Job("weekly")
	minute, _ := s.Job("minute")
	cases := []struct {
		j        *Job
		at, want time.Time
	}{
		{daily, time.Date(2026, 3, 28, 7, 0, 5, 0, Oslo), time.Date(2026, 3, 28, 7, 0, 0, 0, Oslo)},
		{daily, time.Date(2026, 3, 28, 6, 59, 0, 0, Oslo), time.Date(2026, 3, 27, 7, 0, 0, 0, Oslo)},
		// The night summer time starts (29 March 2026) 07:00 is still one slot.
		{daily, time.Date(2026, 3, 29, 12, 0, 0, 0, Oslo), time.Date(2026, 3, 29, 7, 0, 0, 0, Oslo)},
		{weekly, time.Date(2026, 11, 26, 10, 0, 0, 0, Oslo), time.Date(2026, 11, 22, 3, 30, 0, 0, Oslo)},
		{minute, time.Date(2026, 11, 26, 10, 4, 59, 0, Oslo), time.Date(2026, 11, 26, 10, 4, 0, 0, Oslo)},
	}
	for _, c := range cases {
		if got := c.j.SlotAt(c.at); !got.Equal(c.want) {
			t.Errorf("%s at %s: slot %s, want %s", c.j.Name, c.at, got, c.want)
		}
	}
	if _, err := NewScheduler(nil, quiet, nil, Job{Name: "bad", Spec: "every day"}); err == nil {
		t.Fatal("a bad schedule was accepted")
	}
}

func TestRetentionDeletesExpired(t *testing.T) {
	st := dbtest.Open(t) // the retention job reaches every participant: a database of its own
	ctx := context.Background()
	hash, _ := db.HashPassword("retention-password")
	uid, err := st.CreateUser(ctx, db.NewUser{Email: uniq("ret") + "@test.example", Name: "R", Role: db.RoleAdviser, Locale: "nb", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, uid, uniq("live"), "c", time.Hour, "", ""); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, uid, uniq("old"), "c", time.Hour, "", ""); err != nil {
		t.Fatal(err)
	}
	_, _ = st.DB.Exec(`UPDATE sessions SET expires_at = now() - interval '1 minute' WHERE id = (SELECT max(id) FROM sessions WHERE user_id = $1)`, uid)
	for range 2 {
		if _, err := st.IssueLinkToken(ctx, db.NewLinkToken{Purpose: db.PurposeReset, UserID: &uid, TTL: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = st.DB.Exec(`UPDATE link_tokens SET expires_at = now() - interval '8 days' WHERE id = (SELECT max(id) FROM link_tokens WHERE user_id = $1)`, uid)
	s, _ := NewScheduler(st, quiet, nil, newRetention(t, st))
	r, err := s.Run(ctx, "retention", time.Now(), true)
	if err != nil || r.Status != "ok" {
		t.Fatalf("%+v %v", r, err)
	}
	if n, _ := st.CountSessions(ctx, uid); n != 1 {
		t.Fatalf("sessions left: %d", n)
	}
	var tokens int
	_ = st.DB.Get(&tokens, `SELECT count(*) FROM link_tokens WHERE user_id = $1`, uid)
	if tokens != 1 {
		t.Fatalf("tokens left: %d", tokens)
	}
}
