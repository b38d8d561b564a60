package handlers

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"praksis/db"
)

// rowIDs are the ids a list's rows link to or carry, in order.
func rowIDs(t *testing.T, res response, pattern string) []int64 {
	t.Helper()
	if res.status != http.StatusOK {
		t.Fatalf("list: %d", res.status)
	}
	var ids []int64
	for _, m := range regexp.MustCompile(pattern).FindAllStringSubmatch(res.body, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, n)
	}
	return ids
}

// TestDashboardCardsProposalsAndUnlogged (issue 20): the adviser's
// dashboard counts the proposals without an answer and the running
// agreements with a week not logged; each card opens the list filtered to
// exactly those (the count equals the rows, and both the rows worked out
// by hand); the employer's dashboard counts the same weeks to log. The
// proposals list says how long each waited, filters by status, audits only
// the people it shows, and is refused to NAV.
func TestDashboardCardsProposalsAndUnlogged(t *testing.T) {
	ta := newTestApp(t)
	ta.fixedClock() // Wednesday 12 June 2030
	adviser, other := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleAdviser)
	employer := ta.createUser(db.RoleEmployer)
	// Running since 13 May, nothing logged; and one whose past weeks are logged.
	unlogged := ta.attendanceAgreement(employer, adviser, attStart, attEnd, true)
	logged := ta.attendanceAgreement(employer, adviser, attStart, attEnd, true)
	for _, d := range []string{"2030-05-13", "2030-05-20", "2030-05-27", attLastWeek} {
		ta.exec(`INSERT INTO attendance (agreement_id, day, present, hours, mark) VALUES ($1, $2::date, true, 6, 'present')`, logged.id, d)
	}
	// Awaiting approval with past weeks: not running, not counted.
	awaiting := ta.attendanceAgreement(employer, adviser, attStart, attEnd, false)

	pl := func() int64 {
		return ta.storePlacement(employer, completePlacement(unique("Kommune ")), db.PlacementPublished)
	}
	waitingP := ta.storeParticipant(adviser, participantInput(unique("Oksana"), unique("Venter")))
	answeredP := ta.storeParticipant(adviser, participantInput(unique("Taras"), unique("Svart")))
	waiting := ta.storeProposal(adviser, waitingP, pl(), "", "")
	ta.exec(`UPDATE proposals SET created_at = '2030-06-09 10:00+02' WHERE id = $1`, waiting)
	answered := ta.storeProposal(adviser, answeredP, pl(), "", "")
	if _, err := ta.store.DecideProposal(context.Background(), answered, *employer.OrganisationID, employer.ID, false, "Ingen plass", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	ta.storeProposal(other, ta.storeParticipant(other, participantInput(unique("Ivan"), unique("Annen"))), pl(), "", "")

	c := ta.sessionFor(adviser)
	dash := c.get("/")
	if dash.status != http.StatusOK {
		t.Fatalf("dashboard: %d", dash.status)
	}
	proposalRow := `<tr id="proposal-(\d+)">`
	agreementRow := `<th scope="row"><a class="ds-link" href="/agreements/(\d+)">`
	for _, k := range []struct {
		card, row string
		want      []int64
	}{
		{"card-proposals", proposalRow, []int64{waiting}},
		{"card-unlogged", agreementRow, []int64{unlogged.id}},
	} {
		n, href := cardOf(t, dash.body, k.card)
		ids := rowIDs(t, c.get(href), k.row)
		if n != len(k.want) || len(ids) != n || !sameSet(idStrings(ids), k.want...) {
			t.Errorf("%s: count %d, list %s has %v, want %v", k.card, n, href, ids, k.want)
		}
	}

	// The proposals list: how long it has waited, the answered one on
	// asking for all, the person and the placement linked.
	res := c.get("/proposals?status=proposed&sort=waiting")
	if !strings.Contains(res.text(), "Har ventet i 3 dager") {
		t.Error("the list does not say the proposal has waited 3 days")
	}
	if !strings.Contains(res.body, `href="/participants/`+itoa(waitingP)+`"`) || !strings.Contains(res.body, `<option value="proposed" selected>`) {
		t.Error("the list does not link to the person or does not show its filter")
	}
	// All of them: these two and the three accepted ones the agreements came from.
	want := []int64{waiting, answered}
	for _, id := range []int64{unlogged.id, logged.id, awaiting.id} {
		want = append(want, ta.agreement(id).ProposalID)
	}
	if all := rowIDs(t, c.get("/proposals"), proposalRow); !sameSet(idStrings(all), want...) {
		t.Errorf("all the adviser's proposals: %v, want %v", all, want)
	}
	// (Proposed and declined in this test's same second.)
	if declined := c.get("/proposals?status=declined"); !strings.Contains(declined.text(), "Takket nei samme dag") ||
		!sameSet(idStrings(rowIDs(t, declined, proposalRow)), answered) {
		t.Error("the declined proposal is not listed alone, or does not say when it was answered")
	}
	// Only the people on the page are audited as listed.
	before := ta.countWhere("audit_log", "action = 'participant.list' AND entity_id = $1", answeredP)
	beforeW := ta.countWhere("audit_log", "action = 'participant.list' AND entity_id = $1", waitingP)
	c.get("/proposals?status=proposed")
	if n := ta.countWhere("audit_log", "action = 'participant.list' AND entity_id = $1", answeredP); n != before {
		t.Errorf("a person not shown was audited as listed (%d → %d)", before, n)
	}
	if n := ta.countWhere("audit_log", "action = 'participant.list' AND entity_id = $1 AND actor_id = $2", waitingP, adviser.ID); n != beforeW+1 {
		t.Errorf("the person shown was not audited as listed (%d → %d)", beforeW, n)
	}
	// The agreements list offers the filter in its form, ticked when on.
	if body := c.get("/agreements?unlogged=1").body; !regexp.MustCompile(`id="a-unlogged" name="unlogged" value="1"\s+checked`).MatchString(body) {
		t.Error("the agreements list does not show its unlogged filter as chosen")
	}

	// The employer: weeks to log, the same agreements.
	e := ta.sessionFor(employer)
	edash := e.get("/")
	n, href := cardOf(t, edash.body, "card-unlogged")
	if ids := rowIDs(t, e.get(href), agreementRow); n != 1 || !sameSet(idStrings(ids), unlogged.id) {
		t.Errorf("the employer's card: %d, list %s has %v, want %d", n, href, ids, unlogged.id)
	}
	// Logging the weeks takes the agreement off both.
	for _, d := range []string{"2030-05-13", "2030-05-20", "2030-05-27", attLastWeek} {
		ta.exec(`INSERT INTO attendance (agreement_id, day, present, mark) VALUES ($1, $2::date, false, 'absent_notified')`, unlogged.id, d)
	}
	if n, _ := cardOf(t, c.get("/").body, "card-unlogged"); n != 0 {
		t.Errorf("after logging: the adviser's card says %d", n)
	}
	if ids := rowIDs(t, e.get(href), agreementRow); len(ids) != 0 {
		t.Errorf("after logging: the employer's list has %v", ids)
	}

	if res := ta.sessionFor(ta.createUser(db.RoleNAV)).get("/proposals"); res.status != http.StatusForbidden {
		t.Errorf("/proposals as NAV: %d, want 403", res.status)
	}
	// An admin sees everyone's proposals, the other adviser's too.
	if all := rowIDs(t, ta.sessionFor(ta.createUser(db.RoleAdmin)).get("/proposals?status=proposed"), proposalRow); len(all) < 2 {
		t.Errorf("the admin's open proposals: %v, want the two advisers'", all)
	}
}
