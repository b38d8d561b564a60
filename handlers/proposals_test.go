package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"praksis/db"
)

// consentFor records, as the adviser does before proposing, the
// participant's consent (in person) to share every item with the
// placement's organisation, with these adaptations (lines of shared).
func (ta *testApp) consentFor(adviser db.User, participantID, placementID int64, shared string) {
	ta.t.Helper()
	ctx := context.Background()
	var org int64
	if err := ta.store.DB.GetContext(ctx, &org, `SELECT organisation_id FROM placements WHERE id = $1`, placementID); err != nil {
		ta.t.Fatal(err)
	}
	var adaptations []string
	for _, l := range strings.Split(shared, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			adaptations = append(adaptations, l)
		}
	}
	items := []string{db.ItemFirstName, db.ItemLevels, db.ItemLanguages, db.ItemNote, db.ItemFullName, db.ItemPhone, db.ItemEndReason}
	if len(adaptations) > 0 {
		items = append(items, db.ItemAdaptations)
	}
	if _, err := ta.store.GiveConsent(ctx, db.ConsentInput{ParticipantID: participantID, OrganisationID: org, Items: items,
		Adaptations: adaptations, GivenHow: db.ConsentInPerson, ActorID: adviser.ID, IP: "192.0.2.1"}); err != nil {
		ta.t.Fatalf("consent: %v", err)
	}
}

// storeProposal records an adviser's proposal through the store, as the
// propose form would (without the mail), after the participant's consent,
// and returns its id.
func (ta *testApp) storeProposal(adviser db.User, participantID, placementID int64, note, shared string) int64 {
	ta.t.Helper()
	ta.consentFor(adviser, participantID, placementID, shared)
	ctx := context.Background()
	id, err := ta.store.Propose(ctx, db.NewProposal{ParticipantID: participantID, PlacementID: placementID,
		AdviserID: adviser.ID, Note: note, SharedAdaptations: shared}, nil, "192.0.2.1")
	if err != nil {
		ta.t.Fatalf("store proposal: %v", err)
	}
	return id
}

// proposal reads a proposal as the employer's organisation sees it.
func (ta *testApp) proposal(employer db.User, id int64) db.Proposal {
	ta.t.Helper()
	p, err := ta.store.ProposalForOrganisation(context.Background(), id, *employer.OrganisationID)
	if err != nil {
		ta.t.Fatalf("proposal %d: %v", id, err)
	}
	return p
}

// colleague is another employer account of the same organisation.
func (ta *testApp) colleague(employer db.User) db.User {
	ta.t.Helper()
	ctx := context.Background()
	id, err := ta.store.CreateUser(ctx, db.NewUser{Email: unique("colleague") + "@test.example", Name: "Kollega Hansen",
		Role: db.RoleEmployer, Locale: "nb", PasswordHash: testHash(), OrganisationID: employer.OrganisationID})
	if err != nil {
		ta.t.Fatal(err)
	}
	u, err := ta.store.UserByID(ctx, id)
	if err != nil {
		ta.t.Fatal(err)
	}
	return u
}

var tagRe = regexp.MustCompile(`(?s)<[^>]*>`)

// visible is the text a person reads on the page: no tags or attributes
// (tokens and asset hashes), entities decoded.
func (r response) visible() string { return response{body: tagRe.ReplaceAllString(r.body, " ")}.text() }

// TestProposalCreate: the adviser proposes from the suggestions page; the
// proposal is stored, and the supervisor (or, without one, every employer
// of the organisation) gets one mail that says nothing about the person.
func TestProposalCreate(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.namedUser(db.RoleAdviser, "Rita Rådgiver")
	adviser := ta.sessionFor(adviserUser)
	in := participantInput(unique("Olena"), unique("Kovalenko"))
	in.Municipality = unique("Kommune")
	pid := ta.storeParticipant(adviserUser, in)
	ta.addResult(pid, adviserUser, "oral", db.LevelA2, today().AddDate(0, -1, 0))
	employer := ta.createUser(db.RoleEmployer)
	plIn := completePlacement(in.Municipality)
	plIn.Levels = map[string]db.Level{"oral": db.LevelA2}
	supervisor := unique("supervisor") + "@test.example"
	plIn.SupervisorEmail = supervisor
	placementID := ta.storePlacement(employer, plIn, db.PlacementPublished)
	ta.consentFor(adviserUser, pid, placementID, "Trenger korte pauser.")

	res := adviser.get(pPath(pid, "/suggestions"))
	if res.status != http.StatusOK {
		t.Fatalf("suggestions: %d", res.status)
	}
	if !strings.Contains(res.body, `action="`+pPath(pid, "/proposals")+`"`) ||
		!strings.Contains(res.body, `name="placement_id" value="`+itoa(placementID)+`"`) {
		t.Fatal("the suggestions page has no propose form for the placement")
	}
	form := url.Values{"placement_id": {itoa(placementID)}, "note": {"Hun er punktlig og blid."}, "shared_adaptations": {"Trenger korte pauser."}}
	res = adviser.post(pPath(pid, "/proposals"), form)
	if res.status != http.StatusSeeOther || res.location() != pPath(pid, "") {
		t.Fatalf("propose: %d to %q, want 303 to the profile\n%s", res.status, res.location(), res.text())
	}
	var id int64
	if err := ta.store.DB.Get(&id, `SELECT id FROM proposals WHERE participant_id = $1 AND placement_id = $2 AND adviser_id = $3
		AND status = 'proposed' AND note = $4 AND shared_adaptations = $5`, pid, placementID, adviserUser.ID, form.Get("note"), form.Get("shared_adaptations")); err != nil {
		t.Fatalf("no proposal row: %v", err)
	}
	if n := ta.auditRows(pid, "participant.propose"); n != 1 {
		t.Errorf("propose audit rows: %d, want 1", n)
	}

	// The mail is about the participant (outbox.participant_id, for innsyn).
	if n := ta.countWhere("outbox", "template = 'proposal' AND participant_id = $1", pid); n != 1 {
		t.Errorf("proposal mails naming the participant: %d, want 1", n)
	}
	// One mail, to the supervisor only (not the organisation's employer).
	ta.drain()
	m := oneMailTo(t, supervisor)
	if n := len(testSMTP.To(employer.Email)); n != 0 {
		t.Errorf("the employer got %d mails though the placement has a supervisor", n)
	}
	if m.Subject != msg(t, "nb", "email.proposal.subject") {
		t.Errorf("subject %q, want %q", m.Subject, msg(t, "nb", "email.proposal.subject"))
	}
	link := "http://localhost:3000/proposals/" + itoa(id)
	if !strings.Contains(m.Text, link) || !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Errorf("the mail does not link to %s:\n%s", link, m.Text)
	}
	for _, part := range []string{m.Subject, m.Text, m.HTML, string(m.Raw)} {
		if strings.Contains(part, in.FirstName) || strings.Contains(part, in.LastName) {
			t.Errorf("the mail tells who the participant is:\n%s", part)
		}
	}

	// Again while open: 409 with the message, nothing new.
	res = adviser.post(pPath(pid, "/proposals"), form)
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "proposals.conflict")) {
		t.Errorf("proposing again: %d, want 409 with the message", res.status)
	}
	if n := ta.countWhere("proposals", "participant_id = $1", pid); n != 1 {
		t.Errorf("proposals after the repeat: %d, want 1", n)
	}

	// Without a supervisor: every employer of the organisation, once each.
	colleague := ta.colleague(employer)
	noSup := plIn
	noSup.SupervisorName, noSup.SupervisorEmail = "", ""
	noSupID := ta.storePlacement(employer, noSup, db.PlacementPublished)
	if res := adviser.post(pPath(pid, "/proposals"), url.Values{"placement_id": {itoa(noSupID)}}); res.status != http.StatusSeeOther {
		t.Fatalf("propose for a placement without supervisor: %d\n%s", res.status, res.text())
	}
	var id2 int64
	if err := ta.store.DB.Get(&id2, `SELECT id FROM proposals WHERE participant_id = $1 AND placement_id = $2`, pid, noSupID); err != nil {
		t.Fatal(err)
	}
	ta.drain()
	for _, u := range []db.User{employer, colleague} {
		m := oneMailTo(t, u.Email)
		if !strings.Contains(m.Text, "http://localhost:3000/proposals/"+itoa(id2)) {
			t.Errorf("%s's mail does not link to the proposal", u.Email)
		}
		if strings.Contains(m.Text+m.HTML, in.FirstName) || strings.Contains(m.Text+m.HTML, in.LastName) {
			t.Errorf("%s's mail tells who the participant is", u.Email)
		}
	}
	if n := len(testSMTP.To(supervisor)); n != 1 {
		t.Errorf("the first placement's supervisor got %d mails, want still 1", n)
	}

	// Refusals: 404 for another adviser's participant, an unpublished
	// placement and one of an unapproved organisation; 409 for a full one.
	outbox := ta.count("outbox")
	otherPid := ta.storeParticipant(ta.createUser(db.RoleAdviser), participantInput("Annen", unique("Deltaker")))
	draft := ta.storePlacement(employer, plIn, db.PlacementDraft)
	paused := ta.storePlacement(employer, plIn, db.PlacementPaused)
	pendingOrgPl := ta.storePlacement(employer, plIn, db.PlacementPublished)
	pending := ta.createPendingOrg()
	ta.exec(`UPDATE placements SET organisation_id = $1 WHERE id = $2`, pending.org.ID, pendingOrgPl)
	full := ta.storePlacement(employer, plIn, db.PlacementPublished)
	ta.exec(`UPDATE placements SET seats_taken = seats WHERE id = $1`, full)
	for _, c := range []struct {
		what      string
		pid, plID int64
		want      int
	}{
		{"another adviser's participant", otherPid, placementID, http.StatusNotFound},
		{"a draft placement", pid, draft, http.StatusNotFound},
		{"a paused placement", pid, paused, http.StatusNotFound},
		{"a placement of an unapproved organisation", pid, pendingOrgPl, http.StatusNotFound},
		{"a full placement", pid, full, http.StatusConflict},
		{"no such placement", pid, 999999999, http.StatusNotFound},
	} {
		before := ta.count("proposals")
		res := adviser.post(pPath(c.pid, "/proposals"), url.Values{"placement_id": {itoa(c.plID)}})
		if res.status != c.want {
			t.Errorf("%s: %d, want %d", c.what, res.status, c.want)
		}
		if c.want == http.StatusConflict && !strings.Contains(res.text(), msg(t, "nb", "proposals.conflict")) {
			t.Errorf("%s: 409 without the message", c.what)
		}
		if n := ta.count("proposals"); n != before {
			t.Errorf("%s: %d proposals stored", c.what, n-before)
		}
	}
	if n := ta.count("outbox"); n != outbox {
		t.Errorf("refused proposals queued %d mails", n-outbox)
	}
}

// TestProposalShowAndDecide: the employer sees only what they need to
// answer, and each view is audited; accepting takes a seat once; a decline
// needs a reason, which the adviser then reads on the profile.
func TestProposalShowAndDecide(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	adviser := ta.sessionFor(adviserUser)
	in := participantInput(unique("Olena"), unique("Kovalenko"))
	in.BirthYear = 1971
	in.Languages = []string{"uk"}
	in.Municipality = unique("Bokommune")
	in.Address = unique("Hemmeligveien ")
	pid := ta.storeParticipant(adviserUser, in)
	ta.addResult(pid, adviserUser, "oral", db.LevelB1, today().AddDate(0, -1, 0))
	ta.addResult(pid, adviserUser, "oral", db.LevelA2, today().AddDate(0, -2, 0))
	employerUser := ta.createUser(db.RoleEmployer)
	employer := ta.sessionFor(employerUser)
	plIn := completePlacement(unique("Plasskommune "))
	plIn.SupervisorEmail = unique("sup") + "@test.example"
	placementID := ta.storePlacement(employerUser, plIn, db.PlacementPublished)
	note, shared := "Hun er punktlig og blid.", "Trenger korte pauser hver time."
	id := ta.storeProposal(adviserUser, pid, placementID, note, shared)

	// The list shows it with the first name only.
	res := employer.get("/proposals")
	if res.status != http.StatusOK || !strings.Contains(res.body, `href="/proposals/`+itoa(id)+`"`) ||
		!strings.Contains(res.visible(), in.FirstName) || strings.Contains(res.visible(), in.LastName) {
		t.Errorf("proposals list: %d, or without the proposal, or with the last name", res.status)
	}

	views := ta.auditRows(pid, "participant.proposal_view")
	res = employer.get("/proposals/" + itoa(id))
	if res.status != http.StatusOK {
		t.Fatalf("proposal page: %d", res.status)
	}
	text := res.visible()
	for _, want := range []string{in.FirstName, msg(t, "nb", "skill.oral"), msg(t, "nb", "level.b1"), msg(t, "nb", "language.uk"), note, shared} {
		if !strings.Contains(text, want) {
			t.Errorf("the proposal page lacks %q", want)
		}
	}
	for _, never := range []string{in.LastName, "1971", in.Municipality, in.Address} {
		if strings.Contains(res.body, never) {
			t.Errorf("the proposal page shows %q", never)
		}
	}
	if n := ta.auditRows(pid, "participant.proposal_view"); n != views+1 {
		t.Errorf("proposal views audited: %d, want 1", n-views)
	}

	// A decline without a reason: 422 with the message beside the field,
	// in the employer's language; nothing changes.
	for _, lang := range []string{"nb", "en"} {
		ta.exec(`UPDATE users SET locale = $1 WHERE id = $2`, lang, employerUser.ID)
		res := employer.post("/proposals/"+itoa(id)+"/decline", url.Values{"reason": {"   "}})
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: decline without a reason: %d, want 422", lang, res.status)
			continue
		}
		if got := placementFieldError(res.body, "reason"); got != msg(t, lang, "form.required") {
			t.Errorf("%s: message beside the reason %q, want %q", lang, got, msg(t, lang, "form.required"))
		}
		if pr := ta.proposal(employerUser, id); pr.Status != db.ProposalOpen || pr.DecidedAt != nil {
			t.Errorf("%s: the refused decline changed the proposal: %s", lang, pr.Status)
		}
	}
	ta.exec(`UPDATE users SET locale = 'nb' WHERE id = $1`, employerUser.ID)

	// Accept: a seat taken, the status and an audit row; again is 409. A
	// reason sent along with an acceptance is not kept as a decline reason.
	res = employer.post("/proposals/"+itoa(id)+"/accept", url.Values{"reason": {"Sendt med ved en feil"}})
	// Accepting starts the agreement: the employer goes straight to its
	// first step (issue 20: before, to the agreement's page).
	if pr := ta.proposal(employerUser, id); res.status != http.StatusSeeOther || pr.AgreementID == nil || !strings.HasPrefix(res.location(), agreementPath(*pr.AgreementID)+"/steps/") {
		t.Fatalf("accept: %d to %q, want 303 to the new agreement's first step", res.status, res.location())
	}
	if pr := ta.proposal(employerUser, id); pr.Status != db.ProposalAccepted || pr.DecidedAt == nil || pr.DeclineReason != "" {
		t.Errorf("after accepting: %s, decline reason %q", pr.Status, pr.DeclineReason)
	}
	if n := ta.countWhere("proposals", "id = $1 AND decided_by = $2", id, employerUser.ID); n != 1 {
		t.Error("the acceptance does not record who decided")
	}
	if p := ta.placement(placementID); p.SeatsTaken != 1 {
		t.Errorf("seats taken: %d, want 1", p.SeatsTaken)
	}
	if n := ta.auditRows(pid, "participant.proposal_accepted"); n != 1 {
		t.Errorf("accept audit rows: %d, want 1", n)
	}
	for _, action := range []string{"/accept", "/decline"} {
		res = employer.post("/proposals/"+itoa(id)+action, url.Values{"reason": {"For sent"}})
		if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "proposals.decided_or_full")) {
			t.Errorf("%s an accepted proposal: %d, want 409 with the message", action, res.status)
		}
	}
	if p := ta.placement(placementID); p.SeatsTaken != 1 {
		t.Errorf("seats taken after the repeat: %d, want 1", p.SeatsTaken)
	}
	if pr := ta.proposal(employerUser, id); pr.Status != db.ProposalAccepted || pr.DeclineReason != "" {
		t.Errorf("the repeat changed the proposal: %s %q", pr.Status, pr.DeclineReason)
	}

	// Decline with a reason: the adviser reads it on the profile.
	other := ta.storeParticipant(adviserUser, participantInput("Ahmad", unique("Deltaker")))
	id2 := ta.storeProposal(adviserUser, other, placementID, "", "")
	reason := unique("Vi trenger noen med førerkort ")
	res = employer.post("/proposals/"+itoa(id2)+"/decline", url.Values{"reason": {reason}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("decline: %d\n%s", res.status, res.text())
	}
	if pr := ta.proposal(employerUser, id2); pr.Status != db.ProposalDeclined || pr.DeclineReason != reason {
		t.Errorf("after declining: %s %q", pr.Status, pr.DeclineReason)
	}
	if p := ta.placement(placementID); p.SeatsTaken != 1 {
		t.Errorf("a decline changed the seats taken: %d", p.SeatsTaken)
	}
	if n := ta.auditRows(other, "participant.proposal_declined"); n != 1 {
		t.Errorf("decline audit rows: %d, want 1", n)
	}
	prof := adviser.get(pPath(other, ""))
	if prof.status != http.StatusOK || !strings.Contains(prof.text(), reason) || !strings.Contains(prof.text(), msg(t, "nb", "proposals.status_declined")) {
		t.Errorf("the adviser's profile does not show the decline and its reason (%d)", prof.status)
	}
}
