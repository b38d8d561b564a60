package db_test

import (
	"testing"
	"time"

	"praksis/db"
)

func TestEmployerViewTable(t *testing.T) {
	today := *date("2030-06-12")
	d := func(s string) *time.Time { return date(s) }
	given := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	withdrawnAt := time.Date(2030, 5, 1, 9, 0, 0, 0, time.UTC)
	full := &db.Consent{Items: []string{db.ItemFirstName, db.ItemLevels, db.ItemLanguages, db.ItemNote, db.ItemAdaptations,
		db.ItemFullName, db.ItemPhone, db.ItemEndReason}, Adaptations: []string{"Pauser"}, GivenAt: given}
	firstOnly := &db.Consent{Items: []string{db.ItemFirstName}, GivenAt: given}
	gone := &db.Consent{Items: []string{db.ItemFirstName}, GivenAt: given, WithdrawnAt: &withdrawnAt}
	open := db.EmployerRelation{ProposalStatus: db.ProposalOpen}
	approved := db.EmployerRelation{ProposalStatus: db.ProposalAccepted, HasAgreement: true, AgreementStatus: db.AgreementRunning, FirstApprovedAt: &given}
	awaiting := db.EmployerRelation{ProposalStatus: db.ProposalAccepted, HasAgreement: true, AgreementStatus: db.AgreementAwaiting}
	endedAccess := func(until string) db.EmployerRelation {
		r := approved
		r.AgreementStatus, r.AccessUntil = db.AgreementEnded, d(until)
		return r
	}
	declined := func(on string) db.EmployerRelation {
		return db.EmployerRelation{ProposalStatus: db.ProposalDeclined, ProposalDecidedAt: d(on)}
	}
	type want struct {
		first, full, phone, levels, note, endReason, blocked bool
		adaptations                                          int
		hidden                                               string
	}
	cases := []struct {
		name       string
		protection string
		consent    *db.Consent
		withdrawn  bool
		rel        db.EmployerRelation
		want       want
	}{
		{"open proposal, full consent: no name or phone before approval", "none", full, false, open,
			want{first: true, levels: true, note: true, adaptations: 1}},
		{"approved agreement, full consent", "none", full, false, approved,
			want{first: true, full: true, phone: true, levels: true, note: true, endReason: true, adaptations: 1}},
		{"awaiting approval: still no full name", "none", full, false, awaiting,
			want{first: true, levels: true, note: true, endReason: true, adaptations: 1}},
		{"approved, first name only consented", "none", firstOnly, false, approved, want{first: true}},
		{"no consent", "none", nil, false, open, want{hidden: db.HiddenNoConsent}},
		{"withdrawn consent blocks", "none", gone, true, approved, want{hidden: db.HiddenWithdrawn, blocked: true}},
		{"kode 6 beats consent", "strengt_fortrolig", full, false, approved, want{hidden: db.HiddenKode6, blocked: true}},
		{"kode 7 changes nothing the employer could see", "fortrolig", firstOnly, false, open, want{first: true}},
		{"access ends today: still visible", "none", full, false, endedAccess("2030-06-12"),
			want{first: true, full: true, phone: true, levels: true, note: true, endReason: true, adaptations: 1}},
		{"access ended yesterday", "none", full, false, endedAccess("2030-06-11"), want{hidden: db.HiddenExpired}},
		{"declined 12 weeks ago to the day", "none", full, false, declined("2030-03-20"),
			want{first: true, levels: true, note: true, adaptations: 1}},
		{"declined 12 weeks and a day ago", "none", full, false, declined("2030-03-19"), want{hidden: db.HiddenExpired}},
		{"withdrawn proposal", "none", full, false, db.EmployerRelation{ProposalStatus: "withdrawn"}, want{hidden: db.HiddenNoRelation}},
		{"no relation at all", "none", full, false, db.EmployerRelation{}, want{hidden: db.HiddenNoRelation}},
	}
	for _, c := range cases {
		v := db.EmployerView(db.ViewInput{Protection: c.protection, Consent: c.consent, Withdrawn: c.withdrawn, Relation: c.rel,
			AccessWeeks: 12, Today: today})
		got := want{v.FirstName, v.FullName, v.Phone, v.Levels, v.Note, v.EndReason, v.Blocked, len(v.Adaptations), v.Hidden}
		if got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
		if v.Any() != (c.want.hidden == "") {
			t.Errorf("%s: Any() = %v", c.name, v.Any())
		}
	}
}

func TestRedactAgreementAndProposal(t *testing.T) {
	reason, note := "illness", "other"
	a := db.Agreement{FirstName: "Marta", LastName: "Test", ConsentReason: &note, ConsentNote: "leser dårlig", EndReason: &reason,
		EndNote: "sykehusopphold"}
	a.Adaptations = "Pauser"
	db.EmployerVisibility{FirstName: true}.RedactAgreement(&a)
	if a.FirstName != "Marta" || a.LastName != "" || a.ConsentNote != "" || a.ConsentReason != nil || a.EndNote != "" ||
		a.EndReason == nil || *a.EndReason != db.EndReasonNeutral || a.Adaptations != "" {
		t.Errorf("agreement for a first-name consent: %+v", a)
	}
	done := "completed"
	b := db.Agreement{FirstName: "Marta", LastName: "Test", EndReason: &done}
	db.EmployerVisibility{}.RedactAgreement(&b)
	if b.FirstName != "" || *b.EndReason != "completed" {
		t.Errorf("agreement with nothing visible: %+v", b)
	}
	p := db.Proposal{FirstName: "Marta", Note: "Flink", SharedAdaptations: "Pauser\nLeser dårlig", Languages: []string{"uk"}}
	db.EmployerVisibility{FirstName: true, Adaptations: []string{"Pauser"}}.RedactProposal(&p)
	if p.FirstName != "Marta" || p.Note != "" || p.SharedAdaptations != "Pauser" || p.Languages != nil {
		t.Errorf("proposal: %+v", p)
	}
}
