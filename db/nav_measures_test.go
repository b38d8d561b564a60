package db_test

import (
	"context"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// navFx is an agreement on a placement of some kind for a participant
// linked to a NAV user, complete, approved by the employer, consented and
// approved by the adviser, from start to end.
type navFx struct {
	st                           *db.Store
	adviser, nav, otherNAV, part int64
	org, employer                int64
}

func newNAVFx(t *testing.T) *navFx {
	t.Helper()
	st := dbtest.Open(t)
	f := &navFx{st: st}
	f.org, f.employer = newOrg(t, st)
	f.adviser, f.nav, f.otherNAV = newStaff(t, st, db.RoleAdviser), newStaff(t, st, db.RoleNAV), newStaff(t, st, db.RoleNAV)
	f.part = registered(t, st, f.adviser, "Nav", db.RegimeKap6A, "higher", "2030-01-07", "2030-12-20", "active")
	if _, err := st.DB.Exec(`UPDATE participants SET nav_contact_id = $2 WHERE id = $1`, f.part, f.nav); err != nil {
		t.Fatal(err)
	}
	return f
}

// agreement makes the agreement through a proposal the employer accepts,
// then fills and approves it the way the approval steps do (the
// adviser's step sets first_approved_at).
func (f *navFx) agreement(t *testing.T, kind, start, end string) int64 {
	t.Helper()
	ctx := context.Background()
	pl := publish(t, f.st, f.org, f.employer, db.PlacementInput{Kind: kind, Title: "Lager", Tasks: "Plukke varer", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 1})
	id, err := f.st.DecideProposal(ctx, propose(t, f.st, f.adviser, f.part, pl), f.org, f.employer, true, "", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DB.Exec(`UPDATE agreements SET start_date = $2, end_date = $3, hours_per_week = 30, days_per_week = 5,
		job_title = 'Lager', supervisor_name = 'Kari Nordmann', supervisor_email = 'kari@lager.example',
		employer_approved_at = now(), consent_at = now(), consent_mode = 'in_person', adviser_approved_at = now(),
		first_approved_at = coalesce(first_approved_at, now()) WHERE id = $1`, id, start, end); err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *navFx) status(t *testing.T, id int64, day string) string {
	t.Helper()
	var s string
	if err := f.st.DB.Get(&s, `SELECT agreement_status(ag, $2::date) FROM agreements ag WHERE id = $1`, id, day); err != nil {
		t.Fatal(err)
	}
	return s
}

func (f *navFx) lockVersion(t *testing.T, id int64) int {
	t.Helper()
	var v int
	if err := f.st.DB.Get(&v, `SELECT lock_version FROM agreements WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestNAVApproval: an arbeidstrening agreement approved by everyone else
// waits for NAV (never ready or running before), only the linked NAV user
// decides, the duration follows NAV's dated rule (12 months, 18 with a
// reduced-capacity reason), and NAV's approval starts it.
func TestNAVApproval(t *testing.T) {
	f := newNAVFx(t)
	ctx := context.Background()
	// 2030-02-01 – 2031-04-30: 15 months.
	id := f.agreement(t, "arbeidstrening", "2030-02-01", "2031-04-30")
	for _, day := range []string{"2030-01-15", "2030-03-01", "2031-05-01"} {
		if s := f.status(t, id, day); s != db.AgreementAwaiting {
			t.Errorf("on %s before NAV's approval: %s, want awaiting_approval", day, s)
		}
	}
	var first *string
	if err := f.st.DB.Get(&first, `SELECT first_approved_at::text FROM agreements WHERE id = $1`, id); err != nil || first != nil {
		t.Errorf("first_approved_at %v before NAV approved (%v)", first, err)
	}
	if _, err := f.st.NAVStateOf(ctx, id); err != nil {
		t.Errorf("NAV state: %v", err)
	}

	v := f.lockVersion(t, id)
	approve := db.NAVDecision{Approve: true}
	// Not linked, not NAV, or disabled: the agreement is not there for them.
	if err := f.st.NAVDecide(ctx, id, v, f.otherNAV, approve, ""); err != db.ErrNotFound {
		t.Errorf("unlinked NAV user: %v", err)
	}
	if err := f.st.NAVDecide(ctx, id, v, f.adviser, approve, ""); err != db.ErrNotFound {
		t.Errorf("the adviser as NAV: %v", err)
	}
	if _, err := f.st.DB.Exec(`UPDATE users SET disabled_at = now() WHERE id = $1`, f.nav); err != nil {
		t.Fatal(err)
	}
	if err := f.st.NAVDecide(ctx, id, v, f.nav, approve, ""); err != db.ErrNotFound {
		t.Errorf("disabled NAV user: %v", err)
	}
	if _, err := f.st.DB.Exec(`UPDATE users SET disabled_at = NULL WHERE id = $1`, f.nav); err != nil {
		t.Fatal(err)
	}
	if err := f.st.NAVDecide(ctx, id, v-1, f.nav, approve, ""); err != db.ErrStale {
		t.Errorf("an old version: %v", err)
	}
	// 15 months: past 12 without a reduced-capacity reason.
	if err := f.st.NAVDecide(ctx, id, v, f.nav, approve, ""); !fieldErr(err, "reduced_capacity_reason", "nav.reduced_capacity_needed") {
		t.Errorf("15 months without a reason: %v", err)
	}
	if err := f.st.NAVDecide(ctx, id, v, f.nav, db.NAVDecision{}, ""); !fieldErr(err, "reason", "form.required") {
		t.Errorf("a refusal without a reason: %v", err)
	}
	if f.lockVersion(t, id) != v || f.status(t, id, "2030-03-01") != db.AgreementAwaiting {
		t.Fatal("refused decisions changed the agreement")
	}
	if n := auditActions(t, f.st, "agreement", id); n["agreement.nav_approve"]+n["agreement.nav_refuse"] != 0 {
		t.Errorf("refused decisions were audited: %v", n)
	}

	waiting := func(nav int64) (ids []int64, refused []bool) {
		t.Helper()
		list, err := f.st.AgreementsAwaitingNAV(ctx, nav)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range list {
			ids, refused = append(ids, w.AgreementID), append(refused, w.Refused)
		}
		return ids, refused
	}
	if ids, _ := waiting(f.nav); len(ids) != 1 || ids[0] != id {
		t.Errorf("NAV's list: %v, want [%d]", ids, id)
	}
	if ids, _ := waiting(f.otherNAV); len(ids) != 0 {
		t.Errorf("an unlinked NAV user's list: %v", ids)
	}

	// Refused with a reason: the adviser sees it; still waiting.
	if err := f.st.NAVDecide(ctx, id, v, f.nav, db.NAVDecision{Reason: "Tiltaket passer ikke nå"}, ""); err != nil {
		t.Fatal(err)
	}
	st, _ := f.st.NAVStateOf(ctx, id)
	if st.Decision == nil || *st.Decision != "refused" || st.Reason != "Tiltaket passer ikke nå" || f.status(t, id, "2030-03-01") != db.AgreementAwaiting {
		t.Errorf("after the refusal: %+v, %s", st, f.status(t, id, "2030-03-01"))
	}
	if ids, refused := waiting(f.nav); len(ids) != 1 || !refused[0] {
		t.Errorf("NAV's list after the refusal: %v %v", ids, refused)
	}
	// Approved for 15 months with reduced capacity: it runs by its dates.
	v = f.lockVersion(t, id)
	if err := f.st.NAVDecide(ctx, id, v, f.nav, db.NAVDecision{Approve: true, ReducedCapacityReason: "Nedsatt arbeidsevne (helse)"}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]string{"2030-01-15": db.AgreementReady, "2030-03-01": db.AgreementRunning, "2031-05-01": db.AgreementEnded} {
		if s := f.status(t, id, day); s != want {
			t.Errorf("on %s after NAV's approval: %s, want %s", day, s, want)
		}
	}
	if ids, _ := waiting(f.nav); len(ids) != 0 {
		t.Errorf("NAV's list after the approval: %v", ids)
	}
	if err := f.st.NAVDecide(ctx, id, v+1, f.nav, approve, ""); err != db.ErrConflict {
		t.Errorf("approving twice: %v", err)
	}
	a := auditActions(t, f.st, "agreement", id)
	if a["agreement.nav_refuse"] != 1 || a["agreement.nav_approve"] != 1 {
		t.Errorf("audit: %v", a)
	}

	// 19 months is past even the reduced-capacity maximum of 18.
	long := f.agreement(t, "arbeidstrening", "2030-02-01", "2031-08-31")
	if err := f.st.NAVDecide(ctx, long, f.lockVersion(t, long), f.nav, db.NAVDecision{Approve: true, ReducedCapacityReason: "Nedsatt arbeidsevne"}, ""); !fieldErr(err, "end_date", "nav.too_long") {
		t.Errorf("19 months: %v", err)
	}
	// 12 months of lønnstilskudd need no reason.
	wage := f.agreement(t, "lonnstilskudd", "2030-02-01", "2031-01-31")
	if s := f.status(t, wage, "2030-03-01"); s != db.AgreementAwaiting {
		t.Errorf("lønnstilskudd before NAV: %s", s)
	}
	if err := f.st.NAVDecide(ctx, wage, f.lockVersion(t, wage), f.nav, approve, ""); err != nil || f.status(t, wage, "2030-03-01") != db.AgreementRunning {
		t.Errorf("lønnstilskudd for 12 months: %v, %s", err, f.status(t, wage, "2030-03-01"))
	}

	// Other kinds stay as they are: running without NAV, which has no say.
	lang := f.agreement(t, "sprakpraksis", "2030-02-01", "2030-06-30")
	if s := f.status(t, lang, "2030-03-01"); s != db.AgreementRunning {
		t.Errorf("språkpraksis: %s, want running", s)
	}
	if err := f.st.NAVDecide(ctx, lang, f.lockVersion(t, lang), f.nav, approve, ""); err != db.ErrConflict {
		t.Errorf("NAV deciding on a språkpraksis: %v", err)
	}
	if _, err := f.st.NAVStateOf(ctx, lang); err != db.ErrNotNAVMeasure {
		t.Errorf("NAV state of a språkpraksis: %v", err)
	}
}

// TestNAVOrder: NAV decides after the employer's approval and the
// participant's consent, not before.
func TestNAVOrder(t *testing.T) {
	f := newNAVFx(t)
	ctx := context.Background()
	id := f.agreement(t, "arbeidstrening", "2030-02-01", "2030-07-31")
	if _, err := f.st.DB.Exec(`UPDATE agreements SET consent_at = NULL, consent_mode = NULL, adviser_approved_at = NULL WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := f.st.NAVDecide(ctx, id, f.lockVersion(t, id), f.nav, db.NAVDecision{Approve: true}, ""); err != db.ErrConflict {
		t.Errorf("before the consent: %v", err)
	}
	if _, err := f.st.DB.Exec(`UPDATE agreements SET consent_at = now(), consent_mode = 'in_person' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	// NAV before the adviser: approved, but not ready until the adviser.
	if err := f.st.NAVDecide(ctx, id, f.lockVersion(t, id), f.nav, db.NAVDecision{Approve: true}, ""); err != nil {
		t.Fatal(err)
	}
	if s := f.status(t, id, "2030-01-15"); s != db.AgreementAwaiting {
		t.Errorf("NAV approved, the adviser not yet: %s", s)
	}
	// The adviser's approval (the step of agreements.go) completes the set.
	if _, err := f.st.DB.Exec(`UPDATE agreements SET adviser_approved_at = now(), first_approved_at = coalesce(first_approved_at, now()) WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if s := f.status(t, id, "2030-03-01"); s != db.AgreementRunning {
		t.Errorf("after the adviser: %s, want running", s)
	}
}
