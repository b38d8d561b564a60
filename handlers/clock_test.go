package handlers

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"praksis/db"
)

// TestResultDateFollowsTheClock: "not in the future" for a Norwegian
// result is judged by the app's clock, so with the clock a month back a
// result dated the real today is refused and one dated the clock's today
// is recorded.
func TestResultDateFollowsTheClock(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	id := ta.storeParticipant(adviser, participantInput("Amina", unique("Klokke")))
	then := time.Now().AddDate(0, -1, 0)
	ta.store.Clock = func() time.Time { return then }
	defer func() { ta.store.Clock = nil }()
	form := func(on time.Time) url.Values {
		return url.Values{"skill": {"oral"}, "level": {"a2"}, "taken_on": {ymd(on)}, "source": {"teacher"}}
	}
	res := c.post(pPath(id, "/results"), form(today()))
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("result dated the real today, clock a month back: status %d, want 422", res.status)
	}
	if got := placementFieldError(res.body, "taken_on"); got != msg(t, "nb", "participant.result_future") {
		t.Errorf("message beside taken_on %q", got)
	}
	if res := c.post(pPath(id, "/results"), form(ta.store.Today())); res.status != http.StatusSeeOther {
		t.Errorf("result dated the clock's today: status %d, want 303", res.status)
	}
}
