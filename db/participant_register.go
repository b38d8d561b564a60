package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Registration is what the registration form saves: the participant, their
// legal status (the regime is derived from it, never typed) and the
// Norwegian goals of the plan (only the skills with one; none where the
// rule has none or the adviser set none).
type Registration struct {
	Participant ParticipantInput
	Legal       LegalStatus
	PlanGoals   map[string]Level
}

// planFromRegistration is the plan the form's fields make: decided and
// dated on the programme's start (the adviser corrects both on the plan
// page), ending on the programme's end.
func planFromRegistration(r Registration) PlanInput {
	in := r.Participant
	return PlanInput{DecidedOn: in.ProgrammeStart, PlanDate: in.ProgrammeStart, OriginalEnd: in.ProgrammeEnd,
		GoalCategory: in.GoalCategory, GoalSector: in.GoalSector, Goals: r.PlanGoals, Reason: "registration"}
}

// RegisterParticipant registers a participant in an adviser's caseload in
// one transaction: the row, the regime derived from the legal status, and
// version 1 of the integration plan checked against the rule in force on
// its date (SavePlan), audited as one registration. A known legal basis is required (the
// regime follows from it). Bad input is a *FieldError; nothing is written.
func (s *Store) RegisterParticipant(ctx context.Context, adviserID int64, r Registration, ip string) (int64, error) {
	if err := r.Legal.validate(); err != nil {
		return 0, err
	}
	if r.Legal.LegalBasis == BasisUnknown {
		return 0, &FieldError{"legal_basis", "participant.basis_needed"}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		regime, err := deriveRegimeTx(ctx, tx, r.Legal, "")
		if err != nil {
			return err
		}
		in := r.Participant
		in.Regime = regime
		if id, err = insertParticipant(ctx, tx, adviserID, in); err != nil {
			return err
		}
		if _, err := setLegalStatus(ctx, tx, id, r.Legal, regime); err != nil {
			return err
		}
		if err := savePlan(ctx, tx, id, adviserID, planFromRegistration(r)); err != nil {
			return err
		}
		return audit(ctx, tx, adviserID, "participant.create", "participant", id, ip)
	})
	return id, err
}

// EditParticipant saves the edit form in one transaction: the row, the
// legal status and derived regime (an unknown basis keeps the stored
// regime), and the plan: version 1 if there is none yet; a new version
// when the form changed its end (the plan's original end), its sluttmål or
// the programme's start or the Norwegian goals, keeping the plan's dates and
// activities. The
// current end is then worked out again (leave and extensions kept).
// Audited as one update; bad input is a *FieldError, another adviser's participant
// ErrNotFound.
func (s *Store) EditParticipant(ctx context.Context, id, adviserID int64, r Registration, ip string) error {
	if err := r.Legal.validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var old struct {
			Regime         string    `db:"regime"`
			ProgrammeStart time.Time `db:"programme_start"`
		}
		if err := tx.GetContext(ctx, &old, `SELECT regime, programme_start FROM participants WHERE id = $1 AND adviser_id = $2 FOR UPDATE`,
			id, adviserID); err != nil {
			return translate(err)
		}
		regime, err := deriveRegimeTx(ctx, tx, r.Legal, old.Regime)
		if err != nil {
			return err
		}
		in := r.Participant
		in.Regime = regime
		if err := updateParticipant(ctx, tx, id, adviserID, in); err != nil {
			return err
		}
		if _, err := setLegalStatus(ctx, tx, id, r.Legal, regime); err != nil {
			return err
		}
		if err := audit(ctx, tx, adviserID, "participant.update", "participant", id, ip); err != nil {
			return err
		}
		plan, err := planTx(ctx, tx, id)
		if errors.Is(err, ErrNoPlan) {
			return savePlan(ctx, tx, id, adviserID, planFromRegistration(r))
		}
		if err != nil {
			return err
		}
		same := plan.OriginalEnd.Equal(civilDay(in.ProgrammeEnd)) && plan.GoalCategory == in.GoalCategory &&
			plan.GoalSector == in.GoalSector && civilDay(old.ProgrammeStart).Equal(civilDay(in.ProgrammeStart))
		for _, sk := range Skills {
			l, ok := r.PlanGoals[sk]
			same = same && ok == (plan.Goal(sk) != nil) && (!ok || l == *plan.Goal(sk))
		}
		if same {
			return updateCurrentEnd(ctx, tx, id) // the form wrote the end it showed: the current one again
		}
		next := PlanInput{DecidedOn: plan.DecidedOn, PlanDate: plan.PlanDate, OriginalEnd: in.ProgrammeEnd,
			GoalCategory: in.GoalCategory, GoalSector: in.GoalSector, Goals: r.PlanGoals,
			Activities: plan.Activities, Reason: "participant_form"}
		return savePlan(ctx, tx, id, adviserID, next)
	})
}

// planTx reads a participant's current plan inside tx; ErrNoPlan without.
func planTx(ctx context.Context, tx *sqlx.Tx, participantID int64) (IntegrationPlan, error) {
	var p IntegrationPlan
	err := tx.GetContext(ctx, &p, `SELECT ip.id, ip.participant_id, ip.version, ip.decided_on, ip.plan_date, ip.rule_id, ip.original_end,
			ip.goal_category, ip.goal_sector, ip.goal_listening, ip.goal_reading, ip.goal_writing, ip.goal_oral,
			ip.next_review_due, ip.confirmed_at, p.programme_start, p.programme_end AS current_end
		FROM integration_plans ip JOIN participants p ON p.id = ip.participant_id WHERE ip.participant_id = $1`, participantID)
	if errors.Is(translate(err), ErrNotFound) {
		return p, ErrNoPlan
	}
	if err != nil {
		return p, fmt.Errorf("db: plan: %w", err)
	}
	if err := tx.SelectContext(ctx, &p.Activities, `SELECT kind, description, starts_on, ends_on FROM plan_activities
		WHERE plan_id = $1 ORDER BY starts_on, id`, p.ID); err != nil {
		return p, fmt.Errorf("db: plan activities: %w", err)
	}
	return p, nil
}
