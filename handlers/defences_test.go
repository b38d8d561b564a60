package handlers

import (
	"net/http"
	"testing"

	"praksis/db"
)

// Tests of defences that the rest of the suite passes without (issue 21,
// item 11): each fails when its defence is taken out.

// TestLevelFitOnTheBoundary: a participant whose level is exactly the
// placement's requirement meets it (the search's level-fit badge says
// yes); one level below does not; above does; no requirement always fits;
// no level given says nothing.
func TestLevelFitOnTheBoundary(t *testing.T) {
	a2, b1 := db.LevelA2, db.LevelB1
	p := db.Placement{LevelOral: &a2, LevelReading: &b1}
	for _, c := range []struct {
		skill string
		have  db.Level
		want  string
	}{
		{"oral", db.LevelA2, "yes"}, // equal: the boundary
		{"oral", db.LevelA1, "no"},
		{"oral", db.LevelB1, "yes"},
		{"reading", db.LevelB1, "yes"}, // equal
		{"reading", db.LevelA2, "no"},
		{"listening", db.LevelA1, "yes"}, // no requirement
		{"oral", "", ""},                 // no level given
	} {
		d := levelsData{P: p, have: map[string]db.Level{c.skill: c.have}}
		if got := d.Fit(c.skill); got != c.want {
			t.Errorf("%s: requirement %q, level %q: fit %q, want %q", c.skill, p.Level(c.skill), c.have, got, c.want)
		}
	}
}

// TestAttendanceWeekReadAudit: every view of an attendance week — it
// shows whom the agreement is with — writes one read audit row for the
// agreement, as the participant pages do; a week refused (not a week of
// the agreement) writes none.
func TestAttendanceWeekReadAudit(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock()
	employerUser, adviserUser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employerUser, adviserUser, attStart, attEnd, true)
	employer := ta.sessionFor(employerUser)
	reads := func() int {
		t.Helper()
		var n int
		if err := ta.store.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE entity = 'agreement' AND entity_id = $1
			AND action = 'agreement.view' AND actor_id = $2`, f.id, employerUser.ID); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i := 1; i <= 3; i++ {
		before := reads()
		if res := employer.get(f.path("/attendance/" + attLastWeek)); res.status != http.StatusOK {
			t.Fatalf("week: %d", res.status)
		}
		if got := reads() - before; got != 1 {
			t.Errorf("view %d of the week wrote %d read audit rows, want 1", i, got)
		}
	}
	before := reads()
	if res := employer.get(f.path("/attendance/2001-01-01")); res.status < 400 {
		t.Fatalf("a week outside the agreement: %d", res.status)
	}
	if got := reads() - before; got != 0 {
		t.Errorf("a refused week wrote %d read audit rows", got)
	}
}
