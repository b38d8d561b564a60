package handlers

import (
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

func TestParticipantSuggestions(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	adviser := ta.sessionFor(adviserUser)
	in := participantInput("Olena", "Kovalenko")
	in.Municipality = unique("Kommune")
	pid := ta.storeParticipant(adviserUser, in)
	ta.addResult(pid, adviserUser, "oral", db.LevelA2, today().AddDate(0, -1, 0))
	employer := ta.createUser(db.RoleEmployer)
	near := completePlacement(in.Municipality)
	near.Title = `Kafé <script>alert(1)</script>`
	near.Levels = map[string]db.Level{"oral": db.LevelA2}
	nearID := ta.storePlacement(employer, near, db.PlacementPublished)
	far := completePlacement("Et annet sted")
	far.Title = "Resepsjon i hotell"
	far.Levels = map[string]db.Level{"oral": db.LevelB2}
	farID := ta.storePlacement(employer, far, db.PlacementPublished)

	res := adviser.get(pPath(pid, "/suggestions"))
	if res.status != http.StatusOK {
		t.Fatalf("suggestions: %d", res.status)
	}
	body := res.body
	iNear, iFar := strings.Index(body, "/placements/"+itoa(nearID)+`"`), strings.Index(body, "/placements/"+itoa(farID)+`"`)
	// Other tests' placements share this database, so the far one may fall
	// outside the top 20; it must never rank above the near one.
	if iNear < 0 || (iFar >= 0 && iNear > iFar) {
		t.Fatalf("the placement in the person's municipality at their level should rank above the one needing B2 (%d, %d)", iNear, iFar)
	}
	if strings.Contains(body, "<script>alert(1)") || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("an employer's title is not escaped on the suggestions page")
	}
	for _, id := range []string{"suggestions.reason_town", "suggestions.heading"} {
		want := msg(t, "nb", id)
		if i := strings.Index(want, "{{"); i >= 0 {
			want = want[:i]
		}
		if !strings.Contains(res.text(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if got := ta.auditRows(pid, "participant.suggestions"); got != 1 {
		t.Errorf("suggestions left %d audit rows, want 1", got)
	}
	// Another adviser's participant: 404, and no audit row.
	other := ta.sessionFor(ta.createUser(db.RoleAdviser))
	if res := other.get(pPath(pid, "/suggestions")); res.status != http.StatusNotFound {
		t.Errorf("another adviser: %d, want 404", res.status)
	}
	if got := ta.auditRows(pid, "participant.suggestions"); got != 1 {
		t.Errorf("a refused request left an audit row (%d)", got)
	}
	// The profile links to the suggestions.
	if res := adviser.get(pPath(pid, "")); !strings.Contains(res.body, `href="`+pPath(pid, "/suggestions")+`"`) {
		t.Error("the profile does not link to the suggestions")
	}
}
