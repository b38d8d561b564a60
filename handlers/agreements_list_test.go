package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"praksis/db"
)

// /agreements filters by status, organisation, participant and words,
// puts what waits for the person first, pages, and audits only the rows
// it shows (issue 20); a page past the end shows the last page.
func TestAgreementsListFiltersAndOrder(t *testing.T) {
	ta := newTestApp(t)
	adviser, employer := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleEmployer)
	placement := ta.storePlacement(employer, agreementPlacementInput(), db.PlacementPublished)
	olena, ivan := unique("Olena"), unique("Ivan")
	waiting, waitingP := ta.storeAgreement(adviser, employer, nil, placement, olena, "Kovalenko")
	cancelled, _ := ta.storeAgreement(adviser, employer, nil, placement, ivan, "Petrenko")
	ta.exec(`UPDATE agreements SET cancelled_at = now() WHERE id = $1`, cancelled)
	// The cancelled one is the newest; what waits comes first all the same.
	ta.exec(`UPDATE agreements SET created_at = now() - interval '1 day' WHERE id = $1`, waiting)
	if st := ta.agreement(waiting).Status; st != db.AgreementAwaiting {
		t.Fatalf("fixture: agreement status %s, want awaiting approval", st)
	}
	c := ta.sessionFor(adviser)
	shown := func(path string) []int64 {
		t.Helper()
		res := c.get(path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: %d", path, res.status)
		}
		var ids []int64
		for _, id := range []int64{waiting, cancelled} {
			if i := strings.Index(res.body, `href="`+agreementPath(id)+`"`); i >= 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) == 2 && strings.Index(res.body, `href="`+agreementPath(cancelled)+`"`) < strings.Index(res.body, `href="`+agreementPath(waiting)+`"`) {
			ids[0], ids[1] = ids[1], ids[0]
		}
		return ids
	}
	same := func(what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: agreements %v, want %v", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s: agreements %v, want %v (in this order)", what, got, want)
				return
			}
		}
	}
	same("all", shown("/agreements"), waiting, cancelled)
	same("status", shown("/agreements?status=cancelled"), cancelled)
	same("words", shown("/agreements?q="+ivan), cancelled)
	same("participant", shown("/agreements?participant="+strconv.FormatInt(waitingP, 10)), waiting)
	same("organisation", shown("/agreements?org="+strconv.FormatInt(*employer.OrganisationID, 10)), waiting, cancelled)
	same("another organisation", shown("/agreements?org=999999999"))
	same("a bad status is no filter", shown("/agreements?status=nonsense"), waiting, cancelled)
	same("page 2, past the end: the last page", shown("/agreements?page=2"), waiting, cancelled)
	same("follow-ups due (neither runs)", shown("/agreements?follow_up=due"))
	if res := c.get("/"); !strings.Contains(res.body, `href="/agreements?follow_up=due"`) || !strings.Contains(res.body, `href="/agreements?status=awaiting_approval"`) {
		t.Error("the adviser's dashboard does not link to the filtered lists")
	}

	before := ta.countWhere("audit_log", "action = 'agreement.list' AND entity_id = $1", waiting)
	shown("/agreements?q=" + ivan)
	if after := ta.countWhere("audit_log", "action = 'agreement.list' AND entity_id = $1", waiting); after != before {
		t.Errorf("a row not shown was audited as listed (%d → %d)", before, after)
	}
}
