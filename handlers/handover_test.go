package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

// TestHandoverList: the NAV user's dashboard lists exactly their linked,
// active participants whose programme ends within six months with no
// work or education in place (the boundary day included), each row
// audited; the export has the same people and is audited too (issue 20).
func TestHandoverList(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	adviser := ta.namedUser(db.RoleAdviser, "Rita Rådgiver")
	nav, otherNAV := ta.createUser(db.RoleNAV), ta.createUser(db.RoleNAV)
	add := func(first string, nav db.User, monthsLeft int, status string) int64 {
		in := participantInput(first, "Overlevering")
		in.ProgrammeEnd = today().AddDate(0, monthsLeft, 0)
		in.NavContactID, in.Status = &nav.ID, status
		return ta.storeParticipant(adviser, in)
	}
	listed := add("Listet", nav, 3, "active")
	boundary := add("Grense", nav, 6, "active")
	working := add("Jobber", nav, 2, "active")
	if err := ta.store.AddOutcome(ctx, working, adviser.ID, "work_part", today().AddDate(0, 1, 0), "Bakeri AS", "", ""); err != nil {
		t.Fatal(err)
	}
	add("Senere", nav, 9, "active")
	add("Annen", otherNAV, 2, "active")
	add("Slutt", nav, 2, "ended_early")
	onLeave := add("Permisjon", nav, 4, "on_leave")

	c := ta.sessionFor(nav)
	before := ta.count("audit_log")
	res := c.get("/")
	if res.status != http.StatusOK {
		t.Fatalf("dashboard: %d", res.status)
	}
	page := res.text()
	if !strings.Contains(page, msg(t, "nb", "handover.heading")) {
		t.Fatal("no hand-over list on NAV's dashboard")
	}
	for _, name := range []string{"Listet", "Grense", "Permisjon"} {
		if !strings.Contains(page, "Overlevering, "+name) {
			t.Errorf("%s is not on the list", name)
		}
	}
	for _, name := range []string{"Jobber", "Senere", "Annen", "Slutt"} {
		if strings.Contains(page, "Overlevering, "+name) {
			t.Errorf("%s is on the list", name)
		}
	}
	if got := ta.count("audit_log") - before; got != 3 {
		t.Errorf("%d audit rows for a list of three", got)
	}
	var audited []int64
	if err := ta.store.DB.Select(&audited, `SELECT entity_id FROM audit_log WHERE actor_id = $1 AND action = 'participant.list' ORDER BY entity_id`, nav.ID); err != nil {
		t.Fatal(err)
	}
	if len(audited) != 3 || audited[0] != listed || audited[1] != boundary || audited[2] != onLeave {
		t.Errorf("audited %v, want %d, %d and %d", audited, listed, boundary, onLeave)
	}

	res = c.get("/handover.csv")
	if res.status != http.StatusOK || !strings.Contains(res.body, "Listet") || !strings.Contains(res.body, "Grense") || strings.Contains(res.body, "Jobber") {
		t.Errorf("export: %d %q", res.status, res.body)
	}
	var exported int
	if err := ta.store.DB.Get(&exported, `SELECT count(*) FROM audit_log WHERE actor_id = $1 AND action = 'participant.export'`, nav.ID); err != nil || exported != 3 {
		t.Errorf("export audited %d times (%v), want 3", exported, err)
	}
}
