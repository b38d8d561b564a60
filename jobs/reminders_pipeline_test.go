package jobs

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"praksis/db"
	"praksis/locale"
	"praksis/mail"
	"praksis/views"
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
	broken := brokenDigestRenderer(t, `{{define "layout"}}{{slice .FirstName 4}}{{end}}`)
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

// brokenDigestRenderer is a renderer whose HTML digest is layout instead
// of views/emails/digest.html; every other template is the real one.
func brokenDigestRenderer(t *testing.T, layout string) *mail.Renderer {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(views.FS, "emails", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(views.FS, p)
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fsys["emails/digest.html"] = &fstest.MapFile{Data: []byte(layout)}
	tr, err := locale.New()
	if err != nil {
		t.Fatal(err)
	}
	r, err := mail.NewRendererFS(tr, "https://praksis.example", fsys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
