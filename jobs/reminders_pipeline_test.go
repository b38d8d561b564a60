package jobs

import (
	"context"
	htmltemplate "html/template"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// TestRemindersRenderFailureRollsBack: the digests render on other
// goroutines while the run stores links and queues what is rendered, one
// digest per INSERT here. A digest that fails to render after two others
// were queued fails the run, and the run leaves nothing: no recorded
// items, links, audit rows or mail. The items are still due, so the next
// run (with a working template) sends all three digests.
func TestRemindersRenderFailureRollsBack(t *testing.T) {
	defer func(n int) { digestChunk = n }(digestChunk)
	digestChunk = 1

	w := newRemWorld(t)
	ctx := context.Background()
	adviser, adviserEmail := w.user(db.RoleAdviser, "Siri Rådgiver", "en")
	kari := uniq("kari") + "@bakeri.example"
	per := uniq("per") + "@bakeri.example"
	// Running since 2 June with the week of 9 June unlogged: attendance
	// items to Kari and Per; Goran's follow-up (started 16 May) is due.
	w.agreement(adviser, "Amal", "Hassan", "2025-06-02", "2025-09-30", "Kari Nordmann", kari)
	w.agreement(adviser, "Goran", "Petrović", "2025-05-16", "2025-09-30", "Per Olsen", per)
	before := map[string]int{}
	tables := []string{"reminders_sent", "outbox", "link_tokens", "audit_log"}
	for _, tbl := range tables {
		before[tbl] = w.count(`SELECT count(*) FROM ` + tbl)
	}

	// The digests go in address order: the adviser's, Kari's, then Per's,
	// whose greeting is shorter than the four letters this layout slices.
	broken := newRenderer(t)
	bad, err := htmltemplate.New("digest").Parse(`{{define "layout"}}{{slice .FirstName 4}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	broken.html["digest"] = bad
	s, err := NewScheduler(w.st, quiet, nil, Reminders(w.st, broken))
	if err != nil {
		t.Fatal(err)
	}
	w.now = remFriday7
	res, err := s.Run(ctx, "reminders", remFriday7, false)
	if err != nil || res.Status != "failed" || res.Err == nil || !strings.Contains(res.Err.Error(), "render digest") {
		t.Fatalf("a run whose third digest fails to render: %+v %v, want failed with the render error", res, err)
	}
	for _, tbl := range tables {
		if n := w.count(`SELECT count(*) FROM ` + tbl); n != before[tbl] {
			t.Errorf("%s: %d rows after the failed run, want %d as before it", tbl, n, before[tbl])
		}
	}

	res = w.run(w.scheduler(), remFriday7.Add(10*time.Minute), true)
	if res.Stats["digests"] != 3 || res.Stats["attendance"] != 2 || res.Stats["follow_up"] != 1 {
		t.Errorf("the next run: %v, want 3 digests, 2 attendance items and the follow-up", res.Stats)
	}
	for _, to := range []string{adviserEmail, kari, per} {
		if m := w.outbox(to); len(m) != 1 || m[0].Template != "digest" {
			t.Errorf("mail to %s: %+v, want one digest", to, m)
		}
	}
}
