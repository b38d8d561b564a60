package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"praksis/db"
)

// An arbeidstrening is NAV's decision (issue 14): after the employer and
// the participant, the linked NAV user approves or refuses with a reason
// the adviser sees, the adviser's approval waits for NAV, an edit clears
// NAV's decision, and a NAV user not linked to the participant gets 404.
func TestAgreementNAVDecision(t *testing.T) {
	ta := newTestApp(t)
	fx := agreementFx{adviser: ta.createUser(db.RoleAdviser), employer: ta.createUser(db.RoleEmployer), nav: ta.createUser(db.RoleNAV),
		first: unique("Amina"), last: unique("Tiltak")}
	in := agreementPlacementInput()
	in.Kind = "arbeidstrening"
	fx.placement = ta.storePlacement(fx.employer, in, db.PlacementPublished)
	fx.id, fx.participant = ta.storeAgreement(fx.adviser, fx.employer, &fx.nav, fx.placement, fx.first, fx.last)
	adviser, nav, other := ta.sessionFor(fx.adviser), ta.sessionFor(fx.nav), ta.sessionFor(ta.createUser(db.RoleNAV))
	lock := func() string { return strconv.Itoa(ta.agreement(fx.id).LockVersion) }
	navDecision := func() string {
		var d *string
		if err := ta.store.DB.Get(&d, `SELECT nav_decision FROM agreements WHERE id = $1`, fx.id); err != nil {
			t.Fatal(err)
		}
		if d == nil {
			return ""
		}
		return *d
	}

	ta.approveAs(fx.employer, fx.id)
	ta.consentAs(fx.adviser, fx.id)
	// The adviser's approval waits for NAV.
	if res := adviser.post(aPath(fx.id, "/approve"), formWith(nil, "lock_version", lock())); res.status != http.StatusConflict ||
		!strings.Contains(res.text(), msg(t, "nb", "agreements.nav_first")) {
		t.Errorf("the adviser approves before NAV: %d", res.status)
	}
	if page := adviser.get(agreementPath(fx.id)).text(); !strings.Contains(page, msg(t, "nb", "agreements.nav_awaiting")) ||
		strings.Contains(page, `action="/agreements/`+itoa(fx.id)+`/approve"`) {
		t.Error("the adviser's page should say NAV decides first and offer no approval")
	}
	// NAV's dashboard lists it.
	if home := nav.get("/").text(); !strings.Contains(home, msg(t, "nb", "dashboard.awaiting_nav")) || !strings.Contains(home, `href="/agreements/`+itoa(fx.id)+`"`) {
		t.Error("NAV's dashboard does not list the agreement awaiting NAV")
	}
	// A NAV user not linked to the participant: the agreement does not exist.
	before := ta.agreementState(fx.id)
	if res := other.post(aPath(fx.id, "/nav"), formWith(nil, "lock_version", lock(), "decision", "approve")); res.status != http.StatusNotFound {
		t.Errorf("an unlinked NAV user decides: %d, want 404", res.status)
	}
	// A refusal without a reason is refused beside the field.
	res := nav.post(aPath(fx.id, "/nav"), formWith(nil, "lock_version", lock(), "decision", "refuse"))
	if got, _ := fieldError(res.body, "reason"); res.status != http.StatusUnprocessableEntity || unescape(got) != msg(t, "nb", "form.required") {
		t.Errorf("a refusal without a reason: %d %q", res.status, got)
	}
	after := ta.agreementState(fx.id)
	ta.sameAgreement("the refused NAV decisions", before, after)
	// NAV refuses with a reason; the adviser sees it.
	if res := nav.post(aPath(fx.id, "/nav"), formWith(nil, "lock_version", lock(), "decision", "refuse", "reason", "Trenger mer norsk først")); res.status != http.StatusSeeOther {
		t.Fatalf("NAV refuses: %d", res.status)
	}
	if page := adviser.get(agreementPath(fx.id)).text(); !strings.Contains(page, "Trenger mer norsk først") || !strings.Contains(page, msg(t, "nb", "agreements.nav_refused")) {
		t.Error("the adviser does not see NAV's reason")
	}
	if s := ta.agreement(fx.id).Status; s != db.AgreementAwaiting {
		t.Errorf("a refused agreement is %s, want awaiting approval", s)
	}
	// An edit withdraws the approvals and NAV's decision with them.
	if err := ta.store.SaveAgreement(context.Background(), fx.id, ta.agreement(fx.id).LockVersion, ta.actorFor(fx.adviser), "schedule",
		func(c *db.AgreementContent) { c.JobTitle = "Lagermedarbeider med opplæring" }); err != nil {
		t.Fatal(err)
	}
	if d := navDecision(); d != "" {
		t.Errorf("NAV's decision after an edit: %q, want none", d)
	}
	// Then the order again: employer, consent, NAV approves, the adviser last.
	ta.approveAs(fx.employer, fx.id)
	ta.consentAs(fx.adviser, fx.id)
	if res := nav.post(aPath(fx.id, "/nav"), formWith(nil, "lock_version", lock(), "decision", "approve")); res.status != http.StatusSeeOther || navDecision() != "approved" {
		t.Fatalf("NAV approves: %d %q", res.status, navDecision())
	}
	if home := nav.get("/").text(); strings.Contains(home, `href="/agreements/`+itoa(fx.id)+`"`) {
		t.Error("an approved agreement is still on NAV's list")
	}
	if res := adviser.post(aPath(fx.id, "/approve"), formWith(nil, "lock_version", lock())); res.status != http.StatusSeeOther {
		t.Fatalf("the adviser approves last: %d", res.status)
	}
	if s := ta.agreement(fx.id).Status; s != db.AgreementReady {
		t.Errorf("after every approval: %s, want ready", s)
	}
}
