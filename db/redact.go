package db

import (
	"slices"
	"strings"
	"time"

	"praksis/calendar"
)

// Consent items: what a participant can agree to share with an
// organisation (migration 00017, consents.items).
const (
	ItemFirstName   = "first_name"
	ItemLevels      = "levels"
	ItemLanguages   = "languages"
	ItemNote        = "note"        // the adviser's proposal note, written for the employer
	ItemAdaptations = "adaptations" // each adaptation in Consent.Adaptations
	ItemFullName    = "full_name"   // only once an agreement is approved by all
	ItemPhone       = "phone"       // likewise
	ItemEndReason   = "end_reason"  // the real end reason instead of "ended early"
)

// ConsentItems lists the items in the order a consent form shows them.
var ConsentItems = []string{ItemFirstName, ItemLevels, ItemLanguages, ItemNote, ItemAdaptations, ItemFullName, ItemPhone, ItemEndReason}

// Protection grades of a participant's address.
const (
	ProtectionNone   = "none"
	ProtectionKode7  = "fortrolig"
	ProtectionKode6  = "strengt_fortrolig"
	EndReasonNeutral = "ended_early" // what an employer sees of an early end without consent to more
)

// Protections lists the grades, for forms.
var Protections = []string{ProtectionNone, ProtectionKode7, ProtectionKode6}

// Why an employer sees nothing of a person (EmployerVisibility.Hidden).
const (
	HiddenKode6      = "kode6"
	HiddenNoRelation = "no_relation"
	HiddenExpired    = "expired"
	HiddenNoConsent  = "no_consent"
	HiddenWithdrawn  = "withdrawn"
)

// EmployerRelation is one link between an organisation and a participant
// that an employer page, summary, mail or export is about: a proposal to
// one of its placements, with the agreement that followed, if any.
type EmployerRelation struct {
	ProposalStatus    string     // proposed, accepted, declined, withdrawn
	ProposalDecidedAt *time.Time // when the employer declined or accepted
	HasAgreement      bool
	AgreementStatus   string     // agreement_status() today
	FirstApprovedAt   *time.Time // approved by all once: the agreement runs by its dates
	AccessUntil       *time.Time // the employer's access to the person ends after this day
}

// ViewInput is everything the redaction rule looks at.
type ViewInput struct {
	Protection string
	// Consent is the participant's active consent for the organisation;
	// nil when there is none. Withdrawn says one existed and was withdrawn.
	Consent     *Consent
	Withdrawn   bool
	Relation    EmployerRelation
	AccessWeeks int // after a decline, the employer sees the person this long
	Today       time.Time
}

// EmployerVisibility is what an employer may see of a participant through
// one relation. The zero value shows nothing.
type EmployerVisibility struct {
	FirstName, FullName, Phone, Levels, Languages, Note, EndReason bool
	// Adaptations are the adaptations the employer may read, as consented.
	Adaptations []string
	// Blocked: the relation's further steps (approvals, attendance links,
	// evaluations) are refused, because of kode 6 or a withdrawn consent.
	Blocked bool
	// Hidden says why nothing is shown ("" when something may be).
	Hidden string
}

// May reports whether the item may be shown.
func (v EmployerVisibility) May(item string) bool {
	switch item {
	case ItemFirstName:
		return v.FirstName
	case ItemFullName:
		return v.FullName
	case ItemPhone:
		return v.Phone
	case ItemLevels:
		return v.Levels
	case ItemLanguages:
		return v.Languages
	case ItemNote:
		return v.Note
	case ItemEndReason:
		return v.EndReason
	case ItemAdaptations:
		return len(v.Adaptations) > 0
	}
	return false
}

// Any reports whether anything about the person may be shown.
func (v EmployerVisibility) Any() bool { return v.Hidden == "" }

// EmployerView is the one redaction rule: what an employer of an
// organisation may see of a participant through a relation, given the
// protection grade, the consent and the employer's access. Every
// employer page, summary, mail and export asks it (docs/plans/issue-15.md
// lists them). In order:
//
//   - kode 6: nothing, and the relation's further steps are blocked;
//   - no live relation (a withdrawn proposal, a decline more than
//     AccessWeeks ago, an agreement past its access end): nothing;
//   - no active consent: nothing; blocked too when it was withdrawn;
//   - otherwise the consented items, the full name and phone only once an
//     agreement was approved by all, the real end reason only with consent.
//
// The home address and municipality are never for an employer (kode 7
// or not), nor anything an adviser wrote for the municipality (consent
// and end notes): no item covers them.
func EmployerView(in ViewInput) EmployerVisibility {
	if in.Protection == ProtectionKode6 {
		return EmployerVisibility{Hidden: HiddenKode6, Blocked: true}
	}
	if h := relationHidden(in.Relation, in.AccessWeeks, in.Today); h != "" {
		return EmployerVisibility{Hidden: h}
	}
	c := in.Consent
	if c == nil || !c.Active() {
		if in.Withdrawn {
			return EmployerVisibility{Hidden: HiddenWithdrawn, Blocked: true}
		}
		return EmployerVisibility{Hidden: HiddenNoConsent}
	}
	approved := in.Relation.HasAgreement && in.Relation.FirstApprovedAt != nil
	v := EmployerVisibility{
		FirstName: c.Covers(ItemFirstName),
		Levels:    c.Covers(ItemLevels),
		Languages: c.Covers(ItemLanguages),
		Note:      c.Covers(ItemNote),
		FullName:  approved && c.Covers(ItemFullName),
		Phone:     approved && c.Covers(ItemPhone),
		EndReason: in.Relation.HasAgreement && c.Covers(ItemEndReason),
	}
	if c.Covers(ItemAdaptations) {
		v.Adaptations = slices.Clone([]string(c.Adaptations))
	}
	return v
}

// relationHidden says why a relation shows nothing any more, "" while it
// is live.
func relationHidden(r EmployerRelation, accessWeeks int, today time.Time) string {
	switch {
	case r.ProposalStatus == "" && !r.HasAgreement:
		return HiddenNoRelation
	case r.ProposalStatus == "withdrawn":
		return HiddenNoRelation
	case r.ProposalStatus == ProposalDeclined:
		if r.ProposalDecidedAt == nil || today.After(dayOf(*r.ProposalDecidedAt).AddDate(0, 0, 7*accessWeeks)) {
			return HiddenExpired
		}
	case r.HasAgreement && r.AccessUntil != nil && today.After(*r.AccessUntil):
		return HiddenExpired
	}
	return ""
}

// dayOf is t's day in Europe/Oslo, at midnight UTC like Store.Today.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(calendar.Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// RedactAgreement removes from an agreement what the employer may not see.
// What the adviser wrote for the municipality (the consent reason and
// note, the end note) always goes; the end reason becomes the neutral
// EndReasonNeutral unless consented or "completed".
func (v EmployerVisibility) RedactAgreement(a *Agreement) {
	a.ConsentReason, a.ConsentNote, a.EndNote = nil, "", ""
	if a.EndReason != nil && *a.EndReason != "completed" && !v.EndReason {
		neutral := EndReasonNeutral
		a.EndReason = &neutral
	}
	if !v.FullName {
		a.LastName = ""
	}
	if !v.Phone {
		a.Phone = ""
	}
	if !v.FirstName && !v.FullName {
		a.FirstName = ""
	}
	if len(v.Adaptations) == 0 {
		a.Adaptations = ""
	}
}

// RedactNAV leaves an employer only whether NAV approved the measure and
// when: who at NAV decided, why NAV refused and the reduced-capacity
// reason (about the person's health or capacity) are NAV's and the
// municipality's, never the employer's, whatever was consented.
func (v EmployerVisibility) RedactNAV(st *NAVState) {
	st.DecidedBy, st.Decider, st.Reason, st.ReducedCapacityReason = nil, "", "", ""
}

// RedactProposal removes from a proposal what the employer may not see;
// of the shared adaptations only the lines the participant consented to
// stay.
func (v EmployerVisibility) RedactProposal(p *Proposal) {
	if !v.FirstName {
		p.FirstName = ""
	}
	if !v.Languages {
		p.Languages = nil
	}
	if !v.Levels {
		p.BestLevels = BestLevels{}
	}
	if !v.Note {
		p.Note = ""
	}
	p.SharedAdaptations = strings.Join(consentedLines(p.SharedAdaptations, v.Adaptations), "\n")
}

// consentedLines keeps the non-empty lines of text that are among allowed.
func consentedLines(text string, allowed []string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" && slices.Contains(allowed, l) {
			out = append(out, l)
		}
	}
	return out
}
