package handlers

import (
	"html"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"praksis/db"
)

// cardOf reads a dashboard card's count and link.
func cardOf(t *testing.T, body, id string) (int, string) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<li class="ds-card" id="` + id + `">.*?<p class="big-number">(\d+)</p>.*?<a class="ds-link" href="([^"]+)">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no card %s on the dashboard", id)
	}
	n, _ := strconv.Atoi(m[1])
	return n, html.UnescapeString(m[2])
}

// TestCaseloadFiltersAndDashboardCards: the adviser's dashboard counts
// the participants at risk (by the one rule) and those whose programme
// ends within 3 months; each card links to the caseload filtered to
// exactly those (the count equals the rows of the list it opens, and both
// equal the participants worked out by hand); the list names the active
// filter with a way to clear it; junk in the filter parameters is a 400.
func TestCaseloadFiltersAndDashboardCards(t *testing.T) {
	ta := newTestApp(t)
	adviser, other := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	mk := func(adv db.User, last string, endDays int, status string) int64 {
		in := participantInput("Kort", unique(last))
		in.ProgrammeEnd = today().AddDate(0, 0, endDays)
		in.Status = status
		return ta.storeParticipant(adv, in) // no plan: measured against the sluttmål
	}
	// Risk horizon 6 months; no outcome and no agreement: at risk when the
	// end is within it.
	soonRisk := mk(adviser, "Snart", 60, "active")    // ends within 3 months, at risk
	laterRisk := mk(adviser, "Senere", 150, "active") // at risk, ends in 5 months
	inWork := mk(adviser, "Jobb", 45, "active")       // ends within 3 months, in work: not at risk
	ta.exec(`INSERT INTO outcomes (participant_id, kind, from_date) VALUES ($1, 'work_full', $2)`, inWork, today().AddDate(0, 0, -3))
	mk(adviser, "Lenge", 700, "active")    // neither
	mk(adviser, "Ferdig", 30, "completed") // not active: neither
	mk(other, "Annen", 30, "active")       // another adviser's: never counted

	dash := c.get("/")
	if dash.status != http.StatusOK {
		t.Fatalf("dashboard: %d", dash.status)
	}
	for _, k := range []struct {
		card string
		want []int64
	}{
		{"card-risk", []int64{soonRisk, laterRisk}},
		{"card-ending", []int64{inWork, soonRisk}},
	} {
		n, href := cardOf(t, dash.body, k.card)
		res := c.get(href)
		ids := caseloadIDs(t, res)
		if n != len(k.want) || len(ids) != n || !sameSet(idStrings(ids), k.want...) {
			t.Errorf("%s: count %d, list %s has %v, want %v", k.card, n, href, ids, k.want)
		}
		if !regexp.MustCompile(`id="caseload-filter"`).MatchString(res.body) {
			t.Errorf("%s: the list does not name its filter", href)
		}
		clear := regexp.MustCompile(`(?s)id="caseload-filter">.*?<a class="ds-link" href="([^"]+)">`).FindStringSubmatch(res.body)
		if clear == nil || regexp.MustCompile(`risk=|ending=`).MatchString(clear[1]) {
			t.Errorf("%s: no link that clears the filter: %v", href, clear)
		} else if all := caseloadIDs(t, c.get(html.UnescapeString(clear[1]))); len(all) != 5 {
			t.Errorf("cleared: %d rows, want the adviser's 5", len(all))
		}
	}
	for _, q := range []string{"risk=2", "risk=yes", "ending=abc", "ending=0", "ending=-1", "ending=121", "ending=3.5", "ending=99999999999999999999"} {
		if res := c.get("/participants?" + q); res.status != http.StatusBadRequest {
			t.Errorf("/participants?%s: %d, want 400", q, res.status)
		}
	}
	if res := c.get("/participants?risk=1&ending=3"); !sameSet(idStrings(caseloadIDs(t, res)), soonRisk) {
		t.Errorf("at risk and ending within 3 months: %v", caseloadIDs(t, res))
	}
}

// idStrings writes ids as text, for sameSet.
func idStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = itoa(id)
	}
	return out
}
