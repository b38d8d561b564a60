package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"praksis/db"
)

// TestParticipantFormLeavesProtection (review finding F4): the grade of a
// protected address is set only on the consent and protection page
// (SetProtection, audited with the old and new grade). The participant
// form has no protected-address field any more, and posting the old
// checkbox (or leaving it out, as an unticked box does) changes nothing
// about the grade: a kode-6 person stays kode 6, an unprotected one stays
// unprotected, and no protection change is audited.
func TestParticipantFormLeavesProtection(t *testing.T) {
	ta := newTestApp(t)
	ctx := context.Background()
	adviser := ta.createUser(db.RoleAdviser)
	c := ta.sessionFor(adviser)
	kode6 := ta.storeParticipant(adviser, participantInput("Kari", unique("Skjermet")))
	if _, err := ta.store.SetProtection(ctx, kode6, adviser.ID, db.ProtectionKode6, ""); err != nil {
		t.Fatal(err)
	}
	open := ta.storeParticipant(adviser, participantInput("Ola", unique("Apen")))

	if res := c.get(pPath(kode6, "/edit")); res.status != http.StatusOK || strings.Contains(res.body, `name="protected_address"`) {
		t.Fatalf("edit form: %d, or it still has the protected-address checkbox", res.status)
	}
	if res := c.get("/participants/new"); strings.Contains(res.body, `name="protected_address"`) {
		t.Error("the new-participant form still has the protected-address checkbox")
	}
	audits := func(id int64) int {
		return ta.countWhere("audit_log", "entity = 'participant' AND entity_id = $1 AND action = 'participant.protection'", id)
	}
	before6, beforeOpen := audits(kode6), audits(open)

	for _, tc := range []struct {
		name string
		id   int64
		box  string // the old field as posted: "" is an unticked box
		want string
	}{
		{"kode 6, box left out", kode6, "", db.ProtectionKode6},
		{"kode 6, box ticked", kode6, "on", db.ProtectionKode6},
		{"none, box ticked", open, "on", db.ProtectionNone},
	} {
		p := ta.participant(tc.id)
		form := validParticipantForm(p.FirstName, p.LastName)
		if tc.box != "" {
			form.Set("protected_address", tc.box)
		}
		if res := c.post(pPath(tc.id, ""), form); res.status != http.StatusSeeOther {
			t.Fatalf("%s: edit %d", tc.name, res.status)
		}
		st, err := ta.store.Protection(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if st.Grade != tc.want {
			t.Errorf("%s: the form changed the grade to %q, want %q", tc.name, st.Grade, tc.want)
		}
	}
	if audits(kode6) != before6 || audits(open) != beforeOpen {
		t.Error("an edit of the participant form recorded a protection change")
	}
	// The address stays hidden from everyone but the adviser.
	if p := ta.participant(kode6); !p.ProtectedAddress {
		t.Error("the kode-6 participant lost the protected-address marker")
	}
}
