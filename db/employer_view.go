package db

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// EmployerInputs loads what the redaction rule needs to decide what the
// organisation's employers may see of a participant on a day: the
// protection grade, the consent, and one ViewInput per proposal of the
// participant to the organisation's placements (with its agreement).
func (s *Store) EmployerInputs(ctx context.Context, participantID, orgID int64, today time.Time) ([]ViewInput, error) {
	var protection string
	err := s.DB.GetContext(ctx, &protection, `SELECT protection FROM participants WHERE id = $1`, participantID)
	if err != nil {
		return nil, translate(err)
	}
	consent, withdrawn, err := consentState(ctx, s.DB, participantID, orgID)
	if err != nil {
		return nil, err
	}
	var rels []relationRow
	err = s.DB.SelectContext(ctx, &rels, `SELECT pr.status AS proposal_status, pr.decided_at AS proposal_decided_at,
		ag.id AS agreement_id, coalesce(agreement_status(ag, $3::date), '') AS agreement_status,
		ag.first_approved_at, ag.employer_access_until AS access_until
		FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id
		LEFT JOIN agreements ag ON ag.proposal_id = pr.id
		WHERE pr.participant_id = $1 AND pl.organisation_id = $2 ORDER BY pr.id`, participantID, orgID, dateOnly(today))
	if err != nil {
		return nil, fmt.Errorf("db: employer relations: %w", err)
	}
	weeks := s.AgreementRules().EmployerAccessWeeks
	out := make([]ViewInput, 0, len(rels))
	for _, r := range rels {
		out = append(out, ViewInput{Protection: protection, Consent: consent, Withdrawn: withdrawn,
			Relation: r.relation(), AccessWeeks: weeks, Today: today})
	}
	return out, nil
}

// relationRow is an EmployerRelation as the queries read it (the
// relation itself carries no column names).
type relationRow struct {
	ProposalStatus    string     `db:"proposal_status"`
	ProposalDecidedAt *time.Time `db:"proposal_decided_at"`
	AgreementID       *int64     `db:"agreement_id"`
	AgreementStatus   string     `db:"agreement_status"`
	FirstApprovedAt   *time.Time `db:"first_approved_at"`
	AccessUntil       *time.Time `db:"access_until"`
}

func (r relationRow) relation() EmployerRelation {
	return EmployerRelation{ProposalStatus: r.ProposalStatus, ProposalDecidedAt: r.ProposalDecidedAt, HasAgreement: r.AgreementID != nil,
		AgreementStatus: r.AgreementStatus, FirstApprovedAt: r.FirstApprovedAt, AccessUntil: r.AccessUntil}
}

// MaySee answers "may organisation O see item X of participant P on this
// day": yes when the redaction rule allows it through any of the
// organisation's proposals or agreements with the participant.
func (s *Store) MaySee(ctx context.Context, participantID, orgID int64, item string, today time.Time) (bool, error) {
	ins, err := s.EmployerInputs(ctx, participantID, orgID, today)
	if err != nil {
		return false, err
	}
	for _, in := range ins {
		if EmployerView(in).May(item) {
			return true, nil
		}
	}
	return false, nil
}

// EmployerViews applies the redaction rule to proposals (and the
// agreements that followed them) in a few queries, for the employer's
// lists and pages: proposal id → what the placement's organisation may
// see of the person. A proposal not found is missing from the map, which
// a caller reads as the zero EmployerVisibility: nothing. Both statements
// are prepared: they read by primary key and by the consents' pair index
// for any number of ids.
func (s *Store) EmployerViews(ctx context.Context, proposalIDs []int64, today time.Time) (map[int64]EmployerVisibility, error) {
	out := make(map[int64]EmployerVisibility, len(proposalIDs))
	if len(proposalIDs) == 0 {
		return out, nil
	}
	var rels []struct {
		relationRow
		ProposalID    int64  `db:"proposal_id"`
		ParticipantID int64  `db:"participant_id"`
		OrgID         int64  `db:"organisation_id"`
		Protection    string `db:"protection"`
	}
	err := s.selectPrepared(ctx, &rels, `SELECT pr.id AS proposal_id, pr.participant_id, pl.organisation_id, p.protection,
		pr.status AS proposal_status, pr.decided_at AS proposal_decided_at,
		ag.id AS agreement_id, coalesce(agreement_status(ag, $2::date), '') AS agreement_status,
		ag.first_approved_at, ag.employer_access_until AS access_until
		FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id JOIN participants p ON p.id = pr.participant_id
		LEFT JOIN agreements ag ON ag.proposal_id = pr.id
		WHERE pr.id = ANY($1)`, pq.Array(proposalIDs), dateOnly(today))
	if err != nil {
		return nil, fmt.Errorf("db: employer views: %w", err)
	}
	type pair struct{ participant, org int64 }
	var ps, os []int64
	for _, r := range rels {
		ps, os = append(ps, r.ParticipantID), append(os, r.OrgID)
	}
	// consentState for every pair at once: the active consent, or the
	// last withdrawn one that nothing replaced.
	var consents []Consent
	err = s.selectPrepared(ctx, &consents, `SELECT DISTINCT ON (c.participant_id, c.organisation_id)
		c.id, c.participant_id, c.organisation_id, c.items, c.adaptations, c.given_how, c.on_behalf_reason, c.reason_note,
		c.given_at, c.withdrawn_at, c.replaced_by, c.given_at AS since
		FROM consents c JOIN unnest($1::bigint[], $2::bigint[]) AS x(participant_id, organisation_id)
			ON x.participant_id = c.participant_id AND x.organisation_id = c.organisation_id
		WHERE c.withdrawn_at IS NULL OR c.replaced_by IS NULL
		ORDER BY c.participant_id, c.organisation_id, c.withdrawn_at IS NULL DESC, c.withdrawn_at DESC`, pq.Array(ps), pq.Array(os))
	if err != nil {
		return nil, fmt.Errorf("db: employer views: consents: %w", err)
	}
	byPair := make(map[pair]Consent, len(consents))
	for _, c := range consents {
		byPair[pair{c.ParticipantID, c.OrganisationID}] = c
	}
	weeks := s.AgreementRules().EmployerAccessWeeks
	for _, r := range rels {
		in := ViewInput{Protection: r.Protection, Relation: r.relation(), AccessWeeks: weeks, Today: today}
		if c, ok := byPair[pair{r.ParticipantID, r.OrgID}]; ok {
			if c.Active() {
				in.Consent = &c
			} else {
				in.Withdrawn = true
			}
		}
		out[r.ProposalID] = EmployerView(in)
	}
	return out, nil
}

// EmployerViewOf is EmployerViews for one proposal (an agreement's
// ProposalID): the zero visibility, nothing, when there is no such one.
func (s *Store) EmployerViewOf(ctx context.Context, proposalID int64, today time.Time) (EmployerVisibility, error) {
	m, err := s.EmployerViews(ctx, []int64{proposalID}, today)
	return m[proposalID], err
}
