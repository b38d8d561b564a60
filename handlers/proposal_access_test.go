package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"praksis/db"
)

// TestProposalsOfAnotherOrganisation: an employer of another organisation
// gets 404 for a proposal, the same as for one that does not exist, and
// changes nothing; their list does not show it.
func TestProposalsOfAnotherOrganisation(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	in := participantInput(unique("Olena"), unique("Kovalenko"))
	pid := ta.storeParticipant(adviserUser, in)
	owner := ta.createUser(db.RoleEmployer)
	plIn := completePlacement(unique("Eierkommune "))
	plIn.SupervisorEmail = unique("sup") + "@test.example"
	placementID := ta.storePlacement(owner, plIn, db.PlacementPublished)
	id := ta.storeProposal(adviserUser, pid, placementID, "", "")

	other := ta.sessionFor(ta.createUser(db.RoleEmployer))
	notFound := msg(t, "nb", "error.not_found")
	for _, path := range []string{"/proposals/" + itoa(id), "/proposals/999999999"} {
		if res := other.get(path); res.status != http.StatusNotFound || !strings.Contains(res.text(), notFound) || strings.Contains(res.text(), in.FirstName) {
			t.Errorf("GET %s: %d, want 404 with the message and no name", path, res.status)
		}
		for _, action := range []string{"/accept", "/decline"} {
			if res := other.post(path+action, url.Values{"reason": {"Ikke vår"}}); res.status != http.StatusNotFound || !strings.Contains(res.text(), notFound) {
				t.Errorf("POST %s%s: %d, want 404 with the message", path, action, res.status)
			}
		}
	}
	if res := other.get("/proposals"); res.status != http.StatusOK || strings.Contains(res.body, `href="/proposals/`+itoa(id)+`"`) {
		t.Errorf("another organisation's list shows the proposal (%d)", res.status)
	}
	if pr := ta.proposal(owner, id); pr.Status != db.ProposalOpen || pr.DecidedAt != nil {
		t.Errorf("the outsider changed the proposal: %s", pr.Status)
	}
	if p := ta.placement(placementID); p.SeatsTaken != 0 {
		t.Errorf("the outsider took a seat: %d", p.SeatsTaken)
	}
	if n := ta.auditRows(pid, "participant.proposal_view"); n != 0 {
		t.Errorf("the outsider's refused view was audited (%d)", n)
	}
}

// TestProposalAcceptRace: a placement with one seat and two open
// proposals; two employers of the organisation accept at the same moment.
// Exactly one wins; the placement is never overbooked.
func TestProposalAcceptRace(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	first := ta.createUser(db.RoleEmployer)
	second := ta.colleague(first)
	a, b := ta.sessionFor(first), ta.sessionFor(second)
	for i := range 5 {
		plIn := completePlacement(unique("Rasekommune "))
		plIn.Seats = 1
		plIn.SupervisorEmail = unique("sup") + "@test.example"
		placementID := ta.storePlacement(first, plIn, db.PlacementPublished)
		ids := [2]int64{}
		for j := range ids {
			pt := ta.storeParticipant(adviserUser, participantInput("Rase", unique("Deltaker")))
			ids[j] = ta.storeProposal(adviserUser, pt, placementID, "", "")
		}

		start := make(chan struct{})
		var wg sync.WaitGroup
		results := [2]rawResult{}
		for j, c := range []*client{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[j] = c.postFrom("/proposals/"+itoa(ids[j])+"/accept", nil)
			}()
		}
		close(start)
		wg.Wait()

		statuses := map[int]int{}
		for _, r := range results {
			if r.err != nil {
				t.Fatalf("iteration %d: %v", i, r.err)
			}
			statuses[r.status]++
		}
		if statuses[http.StatusSeeOther] != 1 || statuses[http.StatusConflict] != 1 {
			t.Errorf("iteration %d: statuses %v, want one 303 and one 409", i, statuses)
		}
		if p := ta.placement(placementID); p.SeatsTaken != 1 {
			t.Errorf("iteration %d: seats taken %d, want 1", i, p.SeatsTaken)
		}
		if n := ta.countWhere("proposals", "placement_id = $1 AND status = 'accepted'", placementID); n != 1 {
			t.Errorf("iteration %d: %d proposals accepted, want 1", i, n)
		}
		if n := ta.countWhere("proposals", "placement_id = $1 AND status = 'proposed'", placementID); n != 1 {
			t.Errorf("iteration %d: %d proposals left open, want 1", i, n)
		}
	}
}

// An employer's view of a proposal forgets the person when their access
// ends: 12 weeks after they declined, or after the agreement that came of
// it ended.
func TestProposalRedactedAfterAccessEnds(t *testing.T) {
	ta := newTestApp(t)
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	pl := ta.storePlacement(employer, agreementPlacementInput(), db.PlacementPublished)
	first := unique("Glemtnavn")
	pt := ta.storeParticipant(adviser, participantInput(first, unique("Etternavn")))
	declined := ta.storeProposal(adviser, pt, pl, "Et notat", "Delt tilrettelegging")
	c := ta.sessionFor(employer)
	if res := c.post("/proposals/"+itoa(declined)+"/decline", url.Values{"reason": {"Ingen plass nå"}}); res.status != http.StatusSeeOther {
		t.Fatalf("decline: %d", res.status)
	}
	shows := func(path string) bool { return strings.Contains(c.get(path).text(), first) }
	if !shows("/proposals/"+itoa(declined)) || !shows("/proposals") {
		t.Fatal("the employer does not see the first name of a proposal they just declined")
	}
	ta.exec(`UPDATE proposals SET decided_at = now() - interval '13 weeks' WHERE id = $1`, declined)
	if shows("/proposals/"+itoa(declined)) || shows("/proposals") {
		t.Error("13 weeks after declining, the employer still sees the first name")
	}
	if body := c.get("/proposals/" + itoa(declined)).text(); strings.Contains(body, "Delt tilrettelegging") || strings.Contains(body, "Et notat") {
		t.Error("13 weeks after declining, the employer still sees the note and the shared adaptations")
	}

	agreement, _ := ta.storeAgreement(adviser, employer, nil, pl, first, unique("Etternavn"))
	var proposal int64
	if err := ta.store.DB.Get(&proposal, `SELECT proposal_id FROM agreements WHERE id = $1`, agreement); err != nil {
		t.Fatal(err)
	}
	if !shows("/proposals/" + itoa(proposal)) {
		t.Fatal("the employer does not see the first name of an accepted proposal")
	}
	ta.exec(`UPDATE agreements SET employer_access_until = current_date - 1 WHERE id = $1`, agreement)
	if shows("/proposals/"+itoa(proposal)) || shows("/proposals") {
		t.Error("after the agreement's employer access ended, the proposal still shows the first name")
	}
}
