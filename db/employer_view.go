package db

import (
	"context"
	"fmt"
	"time"
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
	var rels []struct {
		EmployerRelation
		AgreementID *int64 `db:"agreement_id"`
	}
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
		r.HasAgreement = r.AgreementID != nil
		out = append(out, ViewInput{Protection: protection, Consent: consent, Withdrawn: withdrawn,
			Relation: r.EmployerRelation, AccessWeeks: weeks, Today: today})
	}
	return out, nil
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
