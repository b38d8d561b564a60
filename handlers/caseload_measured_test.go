package handlers

import (
	"context"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// TestCaseloadSaysWhenMeasured: the caseload reads its rows as they are
// (issue 19). After midnight, until the nightly job has run, they are the
// day before's measurement and the page says so, with the date; once the
// job has run, the note is gone. On the day the rows were measured there
// is no note.
func TestCaseloadSaysWhenMeasured(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	ta.storeParticipant(adviser, participantInput("Målt", unique("Dagen")))
	measured := ta.store.Today()
	note := func(date string) string {
		return squash(fill(msg(t, "nb", "participants.measured_before"), "Date", date))
	}
	before := note(measured.Format("02.01.2006"))
	if res := c.get("/participants"); strings.Contains(res.body, `id="caseload-measured"`) {
		t.Errorf("measured today, the caseload says when: %s", res.visible())
	}
	next := time.Now().Add(24 * time.Hour)
	ta.store.Clock = func() time.Time { return next }
	defer func() { ta.store.Clock = nil }()
	if page := squash(c.get("/participants").visible()); !strings.Contains(page, before) {
		t.Errorf("the next day before the nightly job, the caseload lacks %q", before)
	}
	if r, err := ta.sys.Scheduler.Run(context.Background(), "progress", next, true); err != nil || r.Status != "ok" {
		t.Fatalf("progress job: %+v %v", r, err)
	}
	res := c.get("/participants")
	if strings.Contains(res.body, `id="caseload-measured"`) {
		t.Errorf("after the nightly job the caseload still says when it was measured: %s", res.visible())
	}
}
