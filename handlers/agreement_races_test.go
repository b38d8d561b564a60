package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"praksis/db"
)

// TestAgreementStepKeepsLockVersion: a step refused for bad input shows
// the form again with the version the person was editing, so that once
// they correct it the save goes through (and a change someone else made
// in between is still caught).
func TestAgreementStepKeepsLockVersion(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser := ta.sessionFor(fx.adviser)
	ag := ta.agreement(fx.id)
	s := aPath(fx.id, "/steps/schedule")
	res := adviser.post(s, formWith(scheduleForm(ag), "hours_per_week", "abc"))
	if res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad hours: %d, want 422", res.status)
	}
	got := formLock(t, res, s)
	if got != strconv.Itoa(ag.LockVersion) {
		t.Errorf("the refused form carries lock_version %q, want %d (the version being edited)", got, ag.LockVersion)
	}
	res = adviser.post(s, formWith(scheduleForm(ag), "lock_version", got, "hours_per_week", "25"))
	if res.status != http.StatusSeeOther {
		t.Errorf("the corrected form: %d, want 303 (%s)", res.status, firstAlert(res))
	}
}

var alertRe = regexp.MustCompile(`(?s)<h2 class="ds-heading" data-size="xs">([^<]*)</h2>`)

func firstAlert(res response) string {
	if m := alertRe.FindStringSubmatch(res.body); m != nil {
		return unescape(m[1])
	}
	return ""
}

// TestAgreementStaleSave: the employer and the adviser open the schedule
// at the same version; the employer saves first; the adviser's save is
// refused with 409 and the newer version on the screen, and nothing of
// theirs is stored. The same for an approval of a version that has
// changed since the page was loaded.
func TestAgreementStaleSave(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser, employer := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer)
	s := aPath(fx.id, "/steps/schedule")
	ag := ta.agreement(fx.id)

	approvePage := employer.get(agreementPath(fx.id)) // loaded before anyone saves
	oldApproveLock := formLock(t, approvePage, aPath(fx.id, "/approve"))
	pe, pa := employer.get(s), adviser.get(s)
	le, la := formLock(t, pe, s), formLock(t, pa, s)
	if le == "" || le != la || le != strconv.Itoa(ag.LockVersion) {
		t.Fatalf("lock versions on the forms: %q and %q, want both %d", le, la, ag.LockVersion)
	}
	res := employer.post(s, formWith(scheduleForm(ag), "lock_version", le, "job_title", "Arbeidsgivers tittel", "hours_per_week", "25"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("the first save: %d\n%s", res.status, res.text())
	}
	res = adviser.post(s, formWith(scheduleForm(ag), "lock_version", la, "job_title", "Rådgivers tittel", "hours_per_week", "20"))
	if res.status != http.StatusConflict {
		t.Fatalf("the second save: %d, want 409", res.status)
	}
	if !strings.Contains(res.text(), msg(t, "nb", "agreements.stale_heading")) || !strings.Contains(res.text(), msg(t, "nb", "agreements.stale_step")) {
		t.Error("the refused save does not say someone else changed the agreement first")
	}
	if v, _ := inputValue(res.body, "job_title"); unescape(v) != "Arbeidsgivers tittel" {
		t.Errorf("the refused save's form shows %q, want the newer version's title", unescape(v))
	}
	// What the second person typed is shown, not lost.
	if body := res.text(); !strings.Contains(body, msg(t, "nb", "agreements.stale_mine")) || !strings.Contains(body, "Rådgivers tittel") {
		t.Error("the refused save does not show what the person tried to save")
	}
	cur := ta.agreement(fx.id)
	if cur.JobTitle != "Arbeidsgivers tittel" || cur.HoursPerWeek == nil || *cur.HoursPerWeek != 25 {
		t.Errorf("stored after the race: %q, %v hours; want the first save's", cur.JobTitle, cur.HoursPerWeek)
	}
	if n := ta.countWhere("agreements", "id = $1 AND row_to_json(agreements)::text LIKE '%Rådgivers%'", fx.id); n != 0 {
		t.Error("the refused save's title is stored")
	}
	if n := ta.countWhere("audit_log", "entity = 'agreement' AND entity_id = $1 AND action = 'agreement.edit_schedule'", fx.id); n != 1 {
		t.Errorf("schedule edits audited: %d, want 1", n)
	}
	// With the newer version from the refusal, the adviser's save goes through.
	res = adviser.post(s, formWith(scheduleForm(cur), "lock_version", formLock(t, res, s), "job_title", "Rådgivers tittel"))
	if res.status != http.StatusSeeOther || ta.agreement(fx.id).JobTitle != "Rådgivers tittel" {
		t.Errorf("saving again on the newer version: %d", res.status)
	}

	// An approval of the version on a page loaded before the changes.
	before := ta.agreementState(fx.id)
	res = employer.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {oldApproveLock}, "duties_confirmed": {"yes"}})
	if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", "agreements.stale_heading")) {
		t.Errorf("approving an old version: %d, want 409 with the message", res.status)
	}
	ta.sameAgreement("approving an old version", before, ta.agreementState(fx.id))
	if !strings.Contains(res.text(), "Rådgivers tittel") {
		t.Error("the refusal does not show the current version")
	}
	res = employer.post(aPath(fx.id, "/approve"), url.Values{"lock_version": {formLock(t, res, aPath(fx.id, "/approve"))}, "duties_confirmed": {"yes"}})
	if res.status != http.StatusSeeOther || ta.agreement(fx.id).EmployerApprovedAt == nil {
		t.Errorf("approving the current version: %d", res.status)
	}
}

// TestAgreementApproveEditRace: the employer approves the version on
// their screen at the moment the adviser saves a change to it. Exactly one
// of them goes through; an approval never stands on content the employer
// did not see.
func TestAgreementApproveEditRace(t *testing.T) {
	ta := newTestApp(t)
	for i := range 5 {
		fx := ta.freshAgreement()
		ag := ta.agreement(fx.id)
		employer, adviser := ta.sessionFor(fx.employer), ta.sessionFor(fx.adviser)
		lock := strconv.Itoa(ag.LockVersion)
		start := make(chan struct{})
		var wg sync.WaitGroup
		var approve, save rawResult
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			approve = employer.postFrom(aPath(fx.id, "/approve"), url.Values{"lock_version": {lock}, "duties_confirmed": {"yes"}})
		}()
		go func() {
			defer wg.Done()
			<-start
			save = adviser.postFrom(aPath(fx.id, "/steps/schedule"), formWith(scheduleForm(ag), "hours_per_week", "25"))
		}()
		close(start)
		wg.Wait()
		if approve.err != nil || save.err != nil {
			t.Fatalf("round %d: %v %v", i, approve.err, save.err)
		}
		cur := ta.agreement(fx.id)
		switch {
		case approve.status == http.StatusSeeOther && save.status == http.StatusConflict:
			if cur.EmployerApprovedAt == nil || *cur.HoursPerWeek != 30 {
				t.Errorf("round %d: the approval won, but stored: approved %v, %v hours", i, cur.EmployerApprovedAt, *cur.HoursPerWeek)
			}
		case save.status == http.StatusSeeOther && approve.status == http.StatusConflict:
			if cur.EmployerApprovedAt != nil || *cur.HoursPerWeek != 25 {
				t.Errorf("round %d: the edit won, but stored: approved %v, %v hours", i, cur.EmployerApprovedAt, *cur.HoursPerWeek)
			}
		default:
			t.Errorf("round %d: approve %d, save %d; want one 303 and one 409", i, approve.status, save.status)
		}
		if n := ta.countWhere("agreement_versions", "agreement_id = $1", fx.id); n != 0 {
			t.Errorf("round %d: %d versions kept, want 0 (no approval was withdrawn)", i, n)
		}
	}
}

// TestAgreementVersions: an edit after an approval withdraws every
// approval and keeps the approved content as a version; the page lists
// the versions with what changed, old and new. A save that changes
// nothing leaves the approvals standing.
func TestAgreementVersions(t *testing.T) {
	ta := newTestApp(t)
	fx := ta.freshAgreement()
	adviser, employer := ta.sessionFor(fx.adviser), ta.sessionFor(fx.employer)
	s := aPath(fx.id, "/steps/schedule")
	ta.approveAs(fx.employer, fx.id)
	ta.consentAs(fx.adviser, fx.id)

	step := adviser.get(s)
	if !strings.Contains(step.text(), msg(t, "nb", "agreements.edit_withdraws")) {
		t.Error("the step does not warn that saving withdraws the approvals")
	}
	ag := ta.agreement(fx.id)
	res := adviser.post(s, formWith(scheduleForm(ag), "lock_version", formLock(t, step, s), "hours_per_week", "25"))
	if res.status != http.StatusSeeOther {
		t.Fatalf("edit after the approvals: %d\n%s", res.status, res.text())
	}
	cur := ta.agreement(fx.id)
	if cur.EmployerApprovedAt != nil || cur.ConsentAt != nil || cur.Status != db.AgreementAwaiting {
		t.Errorf("after the edit: employer %v, consent %v, %s; want both withdrawn", cur.EmployerApprovedAt, cur.ConsentAt, cur.Status)
	}
	var v struct {
		Version   int    `db:"version"`
		Hours     string `db:"hours"`
		Employer  bool   `db:"employer"`
		Consent   bool   `db:"consent"`
		Withdrawn int64  `db:"withdrawn_by"`
	}
	if err := ta.store.DB.Get(&v, `SELECT version, content->>'hours_per_week' AS hours, approvals ? 'employer' AS employer,
		approvals ? 'consent' AS consent, withdrawn_by FROM agreement_versions WHERE agreement_id = $1`, fx.id); err != nil {
		t.Fatalf("the approved version is not kept: %v", err)
	}
	if v.Version != 1 || v.Hours != "30" || !v.Employer || !v.Consent || v.Withdrawn != fx.adviser.ID {
		t.Errorf("kept version: %+v", v)
	}

	hoursRow := func(old, new string) *regexp.Regexp {
		return regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(msg(t, "nb", "agreements.field.hours_per_week")) +
			`</th><td[^>]*>` + old + `</td><td[^>]*>` + new + `</td>`)
	}
	page := employer.get(agreementPath(fx.id))
	text := page.text()
	for _, want := range []string{msg(t, "nb", "agreements.versions"), fill(msg(t, "nb", "agreements.version"), "N", "1"),
		fill(msg(t, "nb", "agreements.version"), "N", "2"), msg(t, "nb", "agreements.party_approved.employer"), msg(t, "nb", "agreements.party_approved.participant")} {
		if !strings.Contains(text, want) {
			t.Errorf("the agreement page lacks %q", want)
		}
	}
	if !hoursRow("30", "25").MatchString(page.body) {
		t.Error("the versions do not show the hours changed from 30 to 25")
	}

	// The employer approves the new version; a save that changes nothing
	// keeps the approval; an edit of the mentor keeps version 2.
	ta.approveAs(fx.employer, fx.id)
	before := ta.agreementState(fx.id)
	if res := adviser.post(s, scheduleForm(ta.agreement(fx.id))); res.status != http.StatusSeeOther {
		t.Fatalf("unchanged save: %d", res.status)
	}
	ta.sameAgreement("a save that changes nothing", before, ta.agreementState(fx.id))
	res = employer.post(aPath(fx.id, "/steps/mentor"), url.Values{"lock_version": {strconv.Itoa(ta.agreement(fx.id).LockVersion)},
		"mentor_name": {"Per Mentor"}, "mentor_phone": {"+47 400 00 000"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("mentor edit: %d\n%s", res.status, res.text())
	}
	if n := ta.countWhere("agreement_versions", "agreement_id = $1", fx.id); n != 2 {
		t.Errorf("versions kept: %d, want 2", n)
	}
	page = adviser.get(agreementPath(fx.id))
	mentorRow := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(msg(t, "nb", "agreements.field.mentor_name")) + `</th><td[^>]*>–</td><td[^>]*>Per Mentor</td>`)
	if !mentorRow.MatchString(page.body) || !hoursRow("30", "25").MatchString(page.body) {
		t.Error("the versions do not show each change against the version after it")
	}
	if hoursRow("25", "25").MatchString(page.body) {
		t.Error("version 2 lists a field that did not change")
	}
}

// TestAgreementAcceptRace: a placement with one seat left and two open
// proposals; two employers of the organisation accept at the same moment.
// One agreement is made, the other acceptance is refused, and the seats
// taken never exceed the seats.
func TestAgreementAcceptRace(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	first := ta.createUser(db.RoleEmployer)
	second := ta.colleague(first)
	a, b := ta.sessionFor(first), ta.sessionFor(second)
	for i := range 6 {
		in := agreementPlacementInput()
		in.Seats = 2
		placementID := ta.storePlacement(first, in, db.PlacementPublished)
		ta.storeAgreement(adviserUser, first, nil, placementID, "Tidlig", unique("Deltaker")) // takes the first seat
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
				t.Fatalf("round %d: %v", i, r.err)
			}
			statuses[r.status]++
		}
		if statuses[http.StatusSeeOther] != 1 || statuses[http.StatusConflict] != 1 {
			t.Errorf("round %d: statuses %v, want one 303 and one 409", i, statuses)
		}
		if n := ta.countWhere("agreements", "placement_id = $1", placementID); n != 2 {
			t.Errorf("round %d: %d agreements on the placement, want 2 (the earlier one and one winner)", i, n)
		}
		if n := ta.countWhere("agreements", "proposal_id = ANY($1)", fmt.Sprintf("{%d,%d}", ids[0], ids[1])); n != 1 {
			t.Errorf("round %d: %d agreements from the racing proposals, want 1", i, n)
		}
		if p := ta.placement(placementID); p.SeatsTaken != 2 || p.SeatsTaken > p.Seats {
			t.Errorf("round %d: seats taken %d of %d, want 2", i, p.SeatsTaken, p.Seats)
		}
		if n := ta.countWhere("proposals", "id = ANY($1) AND status = 'accepted'", fmt.Sprintf("{%d,%d}", ids[0], ids[1])); n != 1 {
			t.Errorf("round %d: %d proposals accepted, want 1", i, n)
		}
	}
}
