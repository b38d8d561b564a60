package handlers

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// TestLastPage holds the page arithmetic the lists share.
func TestLastPage(t *testing.T) {
	for _, c := range []struct{ total, size, want int }{{0, 100, 1}, {1, 100, 1}, {100, 100, 1}, {101, 100, 2}, {250, 100, 3}} {
		if got := lastPage(c.total, c.size); got != c.want {
			t.Errorf("lastPage(%d, %d) = %d, want %d", c.total, c.size, got, c.want)
		}
	}
}

// The staff's proposals list and the agreements list opened past their
// last page (a link made before the list shrank) show the last page, as
// the caseload does, not the empty state ("No proposals yet").
func TestListsPastTheEndShowTheLastPage(t *testing.T) {
	ta := newTestApp(t)
	adviser, employer := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleEmployer)
	placement := ta.storePlacement(employer, agreementPlacementInput(), db.PlacementPublished)
	_, participant := ta.storeAgreement(adviser, employer, nil, placement, unique("Olena"), "Kovalenko")
	// 100 more, each from a proposal of its own: 101 proposals and 101
	// agreements, two pages of each.
	ta.exec(`WITH pr AS (INSERT INTO proposals (participant_id, placement_id, adviser_id, status)
		SELECT $1, $2, $3, 'withdrawn' FROM generate_series(1, 100) RETURNING id)
		INSERT INTO agreements (proposal_id, participant_id, placement_id, organisation_id, seat_held)
		SELECT id, $1, $2, $4, false FROM pr`, participant, placement, adviser.ID, *employer.OrganisationID)
	c := ta.sessionFor(adviser)
	for _, l := range []struct {
		path, row, count, none string
	}{
		{"/proposals", `<tr id="proposal-(\d+)">`, "proposals-count", "proposals.none"},
		{"/agreements", `<th scope="row"><a class="ds-link" href="/agreements/(\d+)">`, "agreements-count", "agreements.none"},
	} {
		last := rowIDs(t, c.get(l.path+"?page=2"), l.row)
		if len(last) != 1 {
			t.Fatalf("%s page 2: %d rows, want 1", l.path, len(last))
		}
		for _, q := range []string{"?page=3", "?page=99", "?page=100000"} {
			res := c.get(l.path + q)
			if res.status != http.StatusOK {
				t.Fatalf("%s%s: %d", l.path, q, res.status)
			}
			if got := rowIDs(t, res, l.row); len(got) != 1 || got[0] != last[0] {
				t.Errorf("%s%s: rows %v, want the last page's %v", l.path, q, got, last)
			}
			if strings.Contains(res.text(), msg(t, "nb", l.none)) {
				t.Errorf("%s%s says there are none", l.path, q)
			}
			if !regexp.MustCompile(`id="` + l.count + `">Viser 101–101 av 101\b`).MatchString(res.text()) {
				t.Errorf("%s%s does not count the last page as 101–101 of 101", l.path, q)
			}
			if !strings.Contains(res.body, `href="`+l.path+`" rel="prev"`) || strings.Contains(res.body, `rel="next"`) {
				t.Errorf("%s%s: the pager is not the last page's (back to page 1, no next)", l.path, q)
			}
		}
	}
}
