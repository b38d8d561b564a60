package db_test

import (
	"context"
	"errors"
	"testing"

	"praksis/db"
	"praksis/db/dbtest"
)

// privFixture: an adviser's participant and an organisation with a
// published placement.
type privFixture struct {
	t                             *testing.T
	st                            *db.Store
	org, employer, adviser, pl, p int64
}

func newPrivFixture(t *testing.T) *privFixture {
	t.Helper()
	st := dbtest.Open(t)
	f := &privFixture{t: t, st: st}
	f.org, f.employer = newOrg(t, st)
	f.adviser = newStaff(t, st, db.RoleAdviser)
	f.p = newParticipant(t, st, f.adviser, "Marta", 400, db.LevelB1)
	f.pl = publish(t, st, f.org, f.employer, db.PlacementInput{Title: "Baker", Tasks: "Bake", Sector: "retail",
		Municipality: "Trondheim", Address: "Gate 1", Seats: 2})
	return f
}

func (f *privFixture) give(items []string, adaptations []string) int64 {
	f.t.Helper()
	id, err := f.st.GiveConsent(context.Background(), db.ConsentInput{ParticipantID: f.p, OrganisationID: f.org,
		Items: items, Adaptations: adaptations, GivenHow: db.ConsentInPerson, ActorID: f.adviser, IP: "127.0.0.1"})
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *privFixture) propose(in db.NewProposal) (int64, error) {
	ctx := context.Background()
	in.ParticipantID, in.PlacementID, in.AdviserID = f.p, f.pl, f.adviser
	return f.st.Propose(ctx, in, nil, "127.0.0.1")
}

func TestConsentGiveReplaceWithdraw(t *testing.T) {
	f := newPrivFixture(t)
	ctx := context.Background()
	first := f.give([]string{db.ItemFirstName, db.ItemLevels}, nil)
	second := f.give([]string{db.ItemFirstName, db.ItemLevels, db.ItemAdaptations}, []string{"Trenger pauser"})
	all, err := f.st.Consents(ctx, f.p)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || all[0].ID != second || all[1].ID != first || all[1].Active() || all[1].ReplacedBy == nil || *all[1].ReplacedBy != second {
		t.Fatalf("history: %+v", all)
	}
	shared, err := f.st.SharedWith(ctx, f.p)
	if err != nil {
		t.Fatal(err)
	}
	// Sharing began with the first consent: the replacement continues it.
	if len(shared) != 1 || shared[0].ID != second || !shared[0].Since.Equal(all[1].GivenAt) || !shared[0].Covers(db.ItemAdaptations) {
		t.Fatalf("shared with: %+v", shared)
	}
	prop, err := f.propose(db.NewProposal{SharedAdaptations: "Trenger pauser"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.st.WithdrawConsent(ctx, f.p, f.org, f.adviser, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.ProposalsWithdrawn) != 1 || got.ProposalsWithdrawn[0] != prop {
		t.Errorf("open proposal withdrawn with the consent: %+v", got)
	}
	if shared, _ := f.st.SharedWith(ctx, f.p); len(shared) != 0 {
		t.Errorf("nothing shared after withdrawal: %+v", shared)
	}
	if _, err := f.st.WithdrawConsent(ctx, f.p, f.org, f.adviser, ""); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("second withdrawal: %v", err)
	}
	if n := participantAudits(t, f.st, "participant.consent_given", f.p); n != 2 {
		t.Errorf("consent_given audited %d times", n)
	}
	if n := participantAudits(t, f.st, "participant.consent_withdrawn", f.p); n != 1 {
		t.Errorf("consent_withdrawn audited %d times", n)
	}
	if err := f.st.ProposalAllowed(ctx, db.NewProposal{ParticipantID: f.p, PlacementID: f.pl}); !errors.Is(err, db.ErrNoConsent) {
		t.Errorf("proposing after withdrawal: %v", err)
	}
}

func TestConsentRefusals(t *testing.T) {
	f := newPrivFixture(t)
	ctx := context.Background()
	other := newStaff(t, f.st, db.RoleAdviser)
	base := db.ConsentInput{ParticipantID: f.p, OrganisationID: f.org, Items: []string{db.ItemFirstName}, GivenHow: db.ConsentInPerson, ActorID: f.adviser}
	cases := []struct {
		name string
		edit func(*db.ConsentInput)
		want error
	}{
		{"unknown item", func(in *db.ConsentInput) { in.Items = []string{"address"} }, db.ErrInvalidConsent},
		{"no items", func(in *db.ConsentInput) { in.Items = nil }, db.ErrInvalidConsent},
		{"adaptations without the item", func(in *db.ConsentInput) { in.Adaptations = []string{"x"} }, db.ErrInvalidConsent},
		{"item without adaptations", func(in *db.ConsentInput) { in.Items = []string{db.ItemAdaptations} }, db.ErrInvalidConsent},
		{"on behalf without reason", func(in *db.ConsentInput) { in.GivenHow = db.ConsentOnBehalf }, db.ErrInvalidConsent},
		{"in person without adviser", func(in *db.ConsentInput) { in.ActorID = 0 }, db.ErrInvalidConsent},
		{"another adviser's participant", func(in *db.ConsentInput) { in.ActorID = other }, db.ErrNotFound},
		{"unknown organisation", func(in *db.ConsentInput) { in.OrganisationID = -1 }, db.ErrNotFound},
	}
	for _, c := range cases {
		in := base
		c.edit(&in)
		if _, err := f.st.GiveConsent(ctx, in); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if all, _ := f.st.Consents(ctx, f.p); len(all) != 0 {
		t.Errorf("a refusal recorded something: %+v", all)
	}
}

func TestProposalNeedsConsentForWhatItShares(t *testing.T) {
	f := newPrivFixture(t)
	ctx := context.Background()
	allowed := func(note, adaptations string) error {
		return f.st.ProposalAllowed(ctx, db.NewProposal{ParticipantID: f.p, PlacementID: f.pl, Note: note, SharedAdaptations: adaptations})
	}
	if err := allowed("", ""); !errors.Is(err, db.ErrNoConsent) {
		t.Errorf("without consent: %v", err)
	}
	f.give([]string{db.ItemFirstName, db.ItemLevels, db.ItemAdaptations}, []string{"Trenger pauser", "Kort arbeidsdag"})
	for _, c := range []struct {
		note, adaptations string
		want              error
	}{
		{"", "", nil},
		{"", "Trenger pauser\n Kort arbeidsdag \n", nil},
		{"Flink med kunder", "", db.ErrNoConsent},             // the note is not consented
		{"", "Trenger pauser\nLeser dårlig", db.ErrNoConsent}, // one adaptation is not
	} {
		if err := allowed(c.note, c.adaptations); !errors.Is(err, c.want) {
			t.Errorf("note %q adaptations %q: %v, want %v", c.note, c.adaptations, err, c.want)
		}
	}
}

func TestKode6Refusals(t *testing.T) {
	f := newPrivFixture(t)
	ctx := context.Background()
	f.give([]string{db.ItemFirstName}, nil)
	open, err := f.propose(db.NewProposal{})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := f.st.SetProtection(ctx, f.p, f.adviser, db.ProtectionKode6, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.ProposalsWithdrawn) != 1 || ch.ProposalsWithdrawn[0] != open {
		t.Errorf("kode 6 withdraws the open proposal: %+v", ch)
	}
	// Through the existing proposing path: the database refuses, and the
	// refusal arrives as the sentinel.
	if _, err := f.propose(db.NewProposal{}); !errors.Is(err, db.ErrProtectedAddress) {
		t.Errorf("proposal for kode 6: %v", err)
	}
	if err := f.st.ProposalAllowed(ctx, db.NewProposal{ParticipantID: f.p, PlacementID: f.pl}); !errors.Is(err, db.ErrProtectedAddress) {
		t.Errorf("ProposalAllowed for kode 6: %v", err)
	}
	_, err = f.st.GiveConsent(ctx, db.ConsentInput{ParticipantID: f.p, OrganisationID: f.org, Items: []string{db.ItemFirstName},
		GivenHow: db.ConsentOnBehalf, OnBehalfReason: "low_digital", ActorID: f.adviser})
	if !errors.Is(err, db.ErrProtectedAddress) {
		t.Errorf("on-behalf consent for kode 6: %v", err)
	}
	// The guard holds for a write that skips the store's check too.
	_, err = f.st.DB.Exec(`INSERT INTO consents (participant_id, organisation_id, items, given_how, on_behalf_reason, given_by)
		VALUES ($1, $2, '{first_name}', 'on_behalf', 'other', $3)`, f.p, f.org, f.adviser)
	if err == nil {
		t.Error("the database took an on-behalf consent for kode 6")
	}
	var grade string
	var old bool
	if err := f.st.DB.QueryRow(`SELECT protection, protected_address FROM participants WHERE id = $1`, f.p).Scan(&grade, &old); err != nil {
		t.Fatal(err)
	}
	if grade != db.ProtectionKode6 || !old {
		t.Errorf("grade %q, old flag %v", grade, old)
	}
	if n := participantAudits(t, f.st, "participant.protection", f.p); n != 1 {
		t.Errorf("protection audited %d times", n)
	}
}

func TestKode6BlocksAgreementApproval(t *testing.T) {
	f := newAttFixture(t, "2030-01-07")
	a := f.agreement(f.participant, "2030-06-03", "2030-08-30")
	if _, err := f.st.DB.Exec(`UPDATE agreements SET employer_approved_at = NULL WHERE id = $1`, a.ID); err != nil {
		t.Fatal(err)
	}
	ch, err := f.st.SetProtection(context.Background(), f.participant, f.adviser, db.ProtectionKode6, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.AgreementsOpen) != 1 || ch.AgreementsOpen[0] != a.ID {
		t.Errorf("the running agreement is listed for the adviser: %+v", ch)
	}
	if _, err := f.st.DB.Exec(`UPDATE agreements SET employer_approved_at = now() WHERE id = $1`, a.ID); err == nil {
		t.Error("an employer approval was taken for kode 6")
	}
}

// The old boolean and the grade stay in step whichever one is written.
func TestProtectionFlagSync(t *testing.T) {
	f := newPrivFixture(t)
	read := func() (string, bool) {
		var g string
		var b bool
		if err := f.st.DB.QueryRow(`SELECT protection, protected_address FROM participants WHERE id = $1`, f.p).Scan(&g, &b); err != nil {
			t.Fatal(err)
		}
		return g, b
	}
	exec := func(q string) {
		if _, err := f.st.DB.Exec(q, f.p); err != nil {
			t.Fatal(err)
		}
	}
	exec(`UPDATE participants SET protected_address = true WHERE id = $1`)
	if g, b := read(); g != db.ProtectionKode7 || !b {
		t.Errorf("old flag on: %s %v", g, b)
	}
	exec(`UPDATE participants SET protection = 'strengt_fortrolig' WHERE id = $1`)
	exec(`UPDATE participants SET protected_address = true, first_name = 'Marta' WHERE id = $1`)
	if g, b := read(); g != db.ProtectionKode6 || !b {
		t.Errorf("old flag written again keeps kode 6: %s %v", g, b)
	}
	exec(`UPDATE participants SET protected_address = false WHERE id = $1`)
	if g, b := read(); g != db.ProtectionNone || b {
		t.Errorf("old flag off: %s %v", g, b)
	}
}

// participantAudits counts the audit rows of an action about a participant.
func participantAudits(t *testing.T, st *db.Store, action string, id int64) int {
	t.Helper()
	var n int
	if err := st.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = $1 AND entity = 'participant' AND entity_id = $2`, action, id); err != nil {
		t.Fatal(err)
	}
	return n
}
