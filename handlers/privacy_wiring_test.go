package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"praksis/db"
)

// TestProposalNeedsConsent: proposing without consent, for kode 6 and
// after the consent was withdrawn is refused on the suggestions page with
// a plain message; no proposal is stored and no mail queued. With consent
// the form says what the employer will see and offers only that.
func TestProposalNeedsConsent(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	adviser := ta.sessionFor(adviserUser)
	in := participantInput(unique("Samtykke"), unique("Deltaker"))
	in.Municipality = unique("Kommune")
	pid := ta.storeParticipant(adviserUser, in)
	employer := ta.createUser(db.RoleEmployer)
	placementID := ta.storePlacement(employer, completePlacement(in.Municipality), db.PlacementPublished)
	form := url.Values{"placement_id": {itoa(placementID)}}

	refused := func(what, msgID string) {
		t.Helper()
		proposals, outbox := ta.countWhere("proposals", "participant_id = $1", pid), ta.count("outbox")
		res := adviser.post(pPath(pid, "/proposals"), form)
		if res.status != http.StatusConflict || !strings.Contains(res.text(), msg(t, "nb", msgID)) {
			t.Errorf("%s: %d, want 409 with %s", what, res.status, msgID)
		}
		if n := ta.countWhere("proposals", "participant_id = $1", pid); n != proposals {
			t.Errorf("%s: a proposal was stored", what)
		}
		if n := ta.count("outbox"); n != outbox {
			t.Errorf("%s: %d mails queued", what, n-outbox)
		}
	}

	// No consent: the page offers no form, only the way to record one.
	page := adviser.get(pPath(pid, "/suggestions")).text()
	if strings.Contains(page, `name="placement_id" value="`+itoa(placementID)+`"`) || !strings.Contains(page, `href="`+pPath(pid, "/consent")+`"`) {
		t.Error("the suggestions page offers a proposal without consent")
	}
	refused("without consent", "privacy.no_consent")

	// With consent (first name and one adaptation, no note): the form
	// names what the employer sees and has no note field.
	org := *employer.OrganisationID
	if _, err := ta.store.GiveConsent(context.Background(), db.ConsentInput{ParticipantID: pid, OrganisationID: org,
		Items: []string{db.ItemFirstName, db.ItemAdaptations}, Adaptations: []string{"Korte pauser"}, GivenHow: db.ConsentInPerson,
		ActorID: adviserUser.ID}); err != nil {
		t.Fatal(err)
	}
	page = adviser.get(pPath(pid, "/suggestions")).text()
	if !strings.Contains(page, `name="placement_id" value="`+itoa(placementID)+`"`) || strings.Contains(page, `id="note-`+itoa(placementID)+`"`) ||
		!strings.Contains(page, `value="Korte pauser"`) {
		t.Error("the form with consent: want a form without the note field and the consented adaptation to choose")
	}
	// A note the participant did not agree to share is refused.
	form.Set("note", "Hun leser dårlig.")
	refused("a note without consent to it", "privacy.no_consent")
	form.Del("note")

	// Withdrawn: refused again.
	if _, err := ta.store.WithdrawConsent(context.Background(), pid, org, adviserUser.ID, ""); err != nil {
		t.Fatal(err)
	}
	refused("after the withdrawal", "privacy.no_consent")

	// Kode 6, even with a consent in person.
	if _, err := ta.store.GiveConsent(context.Background(), db.ConsentInput{ParticipantID: pid, OrganisationID: org,
		Items: []string{db.ItemFirstName}, GivenHow: db.ConsentInPerson, ActorID: adviserUser.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.store.SetProtection(context.Background(), pid, adviserUser.ID, db.ProtectionKode6, ""); err != nil {
		t.Fatal(err)
	}
	refused("kode 6", "privacy.kode6")
	if page := adviser.get(pPath(pid, "/suggestions")).text(); strings.Contains(page, `action="`+pPath(pid, "/proposals")+`"`) {
		t.Error("the suggestions page offers a proposal for kode 6")
	}
}

// TestAgreementConsentIsRecorded: the consent given at the agreement's
// approval becomes the consent record for the organisation; once it is
// withdrawn, the agreement's approvals are refused and nothing changes.
func TestAgreementConsentIsRecorded(t *testing.T) {
	ta := newTestApp(t)
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employer, adviser, ymd(today().AddDate(0, 0, 7)), ymd(today().AddDate(0, 0, 60)), false)
	ta.exec(`UPDATE agreements SET adaptations = 'Hev-senk-bord' WHERE id = $1`, f.id)
	ta.approveAs(employer, f.id)
	before := ta.countWhere("consents", "participant_id = $1", f.participant)
	ta.consentAs(adviser, f.id)
	var items string
	if err := ta.store.DB.Get(&items, `SELECT array_to_string(items, ',') || '|' || array_to_string(adaptations, ',') || '|' || given_how
		FROM consents WHERE participant_id = $1 AND organisation_id = $2 AND withdrawn_at IS NULL`, f.participant, *employer.OrganisationID); err != nil {
		t.Fatalf("no consent in force after the approval-time consent: %v", err)
	}
	if n := ta.countWhere("consents", "participant_id = $1", f.participant); n != before+1 ||
		!strings.Contains(items, "adaptations") || !strings.Contains(items, "Hev-senk-bord") || !strings.HasSuffix(items, "|in_person") {
		t.Errorf("consent record after the approval: %d rows (was %d), %q", n, before, items)
	}

	if _, err := ta.store.WithdrawConsent(context.Background(), f.participant, *employer.OrganisationID, adviser.ID, ""); err != nil {
		t.Fatal(err)
	}
	state := ta.agreementState(f.id)
	if err := ta.store.Approve(context.Background(), f.id, ta.agreement(f.id).LockVersion, ta.actorFor(adviser), nil); !errors.Is(err, db.ErrNoConsent) {
		t.Errorf("approval after the withdrawal: %v, want ErrNoConsent", err)
	}
	if s := ta.agreementState(f.id); s != state {
		t.Error("the refused approval changed the agreement")
	}
}

// TestEmployerApprovalConfirmsDuties: the agreement states the employer's
// duties; the employer's approval without ticking them is refused (422,
// nothing changed), with them it is stored with the approval.
func TestEmployerApprovalConfirmsDuties(t *testing.T) {
	ta := newTestApp(t)
	employer, adviser := ta.createUser(db.RoleEmployer), ta.createUser(db.RoleAdviser)
	f := ta.attendanceAgreement(employer, adviser, ymd(today().AddDate(0, 0, 7)), ymd(today().AddDate(0, 0, 60)), false)
	emp := ta.sessionFor(employer)
	page := emp.get(f.path("")).text()
	for _, id := range []string{"privacy.duty_safety", "privacy.duty_insurance", "privacy.duty_confidentiality", "privacy.duty_no_replacement"} {
		if !strings.Contains(page, msg(t, "nb", id)) {
			t.Errorf("the agreement page does not state %s", id)
		}
	}
	if !strings.Contains(page, `name="duties_confirmed"`) {
		t.Error("the employer's approval form has no confirmation of the duties")
	}
	state := ta.agreementState(f.id)
	lock := itoa(int64(ta.agreement(f.id).LockVersion))
	res := emp.post(f.path("/approve"), url.Values{"lock_version": {lock}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), msg(t, "nb", "privacy.duties_required")) {
		t.Errorf("approval without the duties: %d, want 422 with the message", res.status)
	}
	if s := ta.agreementState(f.id); s != state {
		t.Error("the refused approval changed the agreement")
	}
	if res := emp.post(f.path("/approve"), url.Values{"lock_version": {lock}, "duties_confirmed": {"yes"}}); res.status != http.StatusSeeOther {
		t.Fatalf("approval with the duties: %d", res.status)
	}
	if ag := ta.agreement(f.id); ag.EmployerApprovedAt == nil || ag.EmployerDutiesConfirmedAt == nil {
		t.Error("the approval did not store the confirmation of the duties")
	}
	if !strings.Contains(ta.sessionFor(adviser).get(f.path("/summary")).text(), msg(t, "nb", "privacy.duty_no_replacement")) {
		t.Error("the printable summary does not state the employer's duties")
	}
}

// TestProfileShowsSharing: the adviser's profile links to consent,
// absence and innsyn, names the grade, asks to confirm a migrated grade
// and lists what is shared with whom; NAV sees none of it.
func TestProfileShowsSharing(t *testing.T) {
	ta := newTestApp(t)
	adviserUser, nav := ta.createUser(db.RoleAdviser), ta.createUser(db.RoleNAV)
	in := participantInput(unique("Profil"), unique("Deltaker"))
	in.NavContactID = &nav.ID
	pid := ta.storeParticipant(adviserUser, in)
	employer := ta.createUser(db.RoleEmployer)
	placementID := ta.storePlacement(employer, completePlacement(unique("Kommune ")), db.PlacementPublished)
	ta.consentFor(adviserUser, pid, placementID, "")
	// A grade the migration derived from the old flag: not yet confirmed.
	ta.exec(`UPDATE participants SET protection = 'fortrolig', protection_set_at = NULL WHERE id = $1`, pid)

	page := ta.sessionFor(adviserUser).get(pPath(pid, "")).text()
	org, err := ta.store.Organisation(context.Background(), *employer.OrganisationID)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="` + pPath(pid, "/consent") + `"`, `href="` + pPath(pid, "/absence") + `"`, `href="` + pPath(pid, "/innsyn") + `"`,
		msg(t, "nb", "protection.grade.fortrolig"), msg(t, "nb", "protection.confirm_notice"), msg(t, "nb", "consent.shared_heading"), org.Name,
		`action="` + pPath(pid, "/consent/"+itoa(org.ID)+"/withdraw") + `"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the adviser's profile lacks %q", want)
		}
	}
	navPage := ta.sessionFor(nav).get(pPath(pid, "")).text()
	for _, not := range []string{pPath(pid, "/consent"), pPath(pid, "/innsyn"), msg(t, "nb", "consent.shared_heading")} {
		if strings.Contains(navPage, not) {
			t.Errorf("NAV's view of the profile shows %q", not)
		}
	}
	admin := ta.sessionFor(ta.createUser(db.RoleAdmin))
	if page := admin.get("/admin/archive").text(); !strings.Contains(page, `href="/admin/archive"`) {
		t.Error("the admin menu has no archive item")
	}
}

// TestParticipantPhoneAndQuota: the adviser records the phone (which the
// form says an employer sees only with consent) and the sick-child quota;
// a phone that is not a number is refused and nothing is stored.
func TestParticipantPhoneAndQuota(t *testing.T) {
	ta := newTestApp(t)
	adviserUser := ta.createUser(db.RoleAdviser)
	adviser := ta.sessionFor(adviserUser)
	if page := adviser.get("/participants/new").text(); !strings.Contains(page, msg(t, "nb", "participant.phone_hint")) ||
		!strings.Contains(page, `name="sick_child_quota"`) {
		t.Fatal("the participant form lacks the phone with its hint or the sick-child quota")
	}
	last := unique("Telefon")
	form := validParticipantForm("Nadia", last)
	form.Set("phone", "ring meg")
	before := ta.count("participants")
	if res := adviser.post("/participants", form); res.status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.text(), msg(t, "nb", "participant.phone_invalid")) {
		t.Errorf("a phone in words: %d, want 422 with the message", res.status)
	}
	if n := ta.count("participants"); n != before {
		t.Error("the refused form stored a participant")
	}
	form.Set("phone", "+47 912 34 567")
	form.Set("sick_child_quota", "single_parent")
	if res := adviser.post("/participants", form); res.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", res.status, res.text())
	}
	var got string
	if err := ta.store.DB.Get(&got, `SELECT phone || '|' || sick_child_quota FROM participants WHERE last_name = $1`, last); err != nil || got != "+47 912 34 567|single_parent" {
		t.Errorf("stored %q (%v)", got, err)
	}
}
