package jobs

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"praksis/db/dbtest"
)

// TestRetentionDeletesUsedChallenges: a used passkey challenge is kept
// while a cookie carrying it could still be presented (and a day more),
// then deleted by the retention job.
func TestRetentionDeletesUsedChallenges(t *testing.T) {
	st := dbtest.Open(t) // the retention job reaches every participant: a database of its own
	ctx := context.Background()
	old, live := sha256.Sum256([]byte(uniq("old"))), sha256.Sum256([]byte(uniq("live")))
	if _, err := st.DB.Exec(`INSERT INTO used_challenges (hash, expires_at) VALUES ($1, now() - interval '25 hours'), ($2, now() + interval '5 minutes')`,
		old[:], live[:]); err != nil {
		t.Fatal(err)
	}
	s, _ := NewScheduler(st, quiet, nil, newRetention(t, st))
	if r, err := s.Run(ctx, "retention", time.Now(), true); err != nil || r.Status != "ok" {
		t.Fatalf("%+v %v", r, err)
	}
	for h, want := range map[[32]byte]bool{old: false, live: true} {
		var kept bool
		if err := st.DB.Get(&kept, `SELECT EXISTS (SELECT 1 FROM used_challenges WHERE hash = $1)`, h[:]); err != nil || kept != want {
			t.Errorf("challenge kept %v (%v), want %v", kept, err, want)
		}
	}
}
