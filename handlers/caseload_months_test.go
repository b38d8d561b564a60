package handlers

import (
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// The caseload says in words what "0 mnd igjen" meant (found walking the
// demo caseload at 375 px): a programme that ends today, one with less than
// a month left; whole months otherwise.
func TestCaseloadMonthsLeftInWords(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.namedUser(db.RoleAdviser, unique("Rådgiver Moe "))
	c := ta.sessionFor(adviser)
	for _, days := range []int{0, 10, 100} {
		in := participantInput("Mona", unique("Månedsen"))
		in.ProgrammeEnd = today().AddDate(0, 0, days)
		ta.storeParticipant(adviser, in)
	}
	res := c.get("/participants")
	if res.status != 200 {
		t.Fatalf("caseload: %d", res.status)
	}
	for _, id := range []string{"participants.months_left_today", "participants.months_left_under_one"} {
		if !strings.Contains(res.body, msg(t, "nb", id)) {
			t.Errorf("the caseload does not say %q", msg(t, "nb", id))
		}
	}
	if strings.Contains(res.body, ">0 mnd igjen<") {
		t.Error(`the caseload still says "0 mnd igjen"`)
	}
	if !regexp.MustCompile(`>[1-9]\d* mnd igjen<`).MatchString(res.body) {
		t.Error("the programme ending in 100 days has no count of months left")
	}
}
