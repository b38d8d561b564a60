package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The steps of an agreement's life: creating it from an accepted proposal,
// editing the content, cancelling before the start and ending early.
// Approval and consent, and the versions they keep, are in
// agreement_approvals.go.

// createAgreement starts the agreement for an accepted proposal inside the
// acceptance's transaction, filled in from the placement and the
// participant so that the parties mostly check and approve: the job
// title, tasks and supervisor from the placement; a start no earlier than
// today, the placement's or the programme's start; an end three months
// later, clipped to the placement and the programme; the hours within
// both; the adaptations the adviser shared.
func createAgreement(ctx context.Context, tx *sqlx.Tx, proposalID, actorID int64, today time.Time, r AgreementRules, ip string) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `
		WITH src AS (
			SELECT pr.id AS proposal_id, pr.participant_id, pl.id AS placement_id, pl.organisation_id,
				pl.supervisor_name, pl.supervisor_email, pl.supervisor_phone, pl.title, pl.tasks, pl.days_per_week,
				least(pl.hours_per_week, p.programme_hours) AS hours, pr.shared_adaptations, pl.end_date AS pl_end, p.programme_end,
				greatest($2::date, pl.start_date, p.programme_start) AS start
			FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id JOIN participants p ON p.id = pr.participant_id
			WHERE pr.id = $1)
		, ends AS (SELECT src.*, CASE WHEN start <= programme_end
				THEN least((start + interval '3 months' - interval '1 day')::date, pl_end, programme_end) END AS end_date FROM src)
		INSERT INTO agreements (proposal_id, participant_id, placement_id, organisation_id, supervisor_name, supervisor_email,
			supervisor_phone, goals, job_title, tasks, start_date, end_date, hours_per_week, days_per_week, follow_up_weeks, adaptations,
			employer_access_until)
		SELECT proposal_id, participant_id, placement_id, organisation_id, supervisor_name, supervisor_email, supervisor_phone,
			'{language}', title, tasks, CASE WHEN start <= programme_end THEN start END, end_date,
			hours, days_per_week, $3, shared_adaptations, end_date + 7 * $4
		FROM ends RETURNING id`, proposalID, dateOnly(today), r.FollowUpWeeks, r.EmployerAccessWeeks)
	if err != nil {
		return 0, fmt.Errorf("db: create agreement: %w", err)
	}
	return id, audit(ctx, tx, actorID, "agreement.created", "agreement", id, ip)
}

// lockAgreement locks the agreement row for a change and checks the
// version the person saw. It returns the agreement as it is now.
func lockAgreement(ctx context.Context, tx *sqlx.Tx, id int64, sc AgreementScope, lockVersion int, today time.Time) (Agreement, error) {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM agreements WHERE id = $1 FOR UPDATE`, id); err != nil {
		return Agreement{}, fmt.Errorf("db: lock agreement: %w", err)
	}
	var a Agreement
	err := tx.GetContext(ctx, &a, agreementSelect+`WHERE `+sc.scopeSQL()+` AND ag.id = $5`, append(sc.args(today), id)...)
	if err != nil {
		return a, translate(err)
	}
	if a.LockVersion != lockVersion {
		return a, ErrStale
	}
	return a, nil
}

// AgreementActor is who changes an agreement: their scope, the day it
// happens (Europe/Oslo, from Store.Today) and their IP for the audit log.
type AgreementActor struct {
	Scope AgreementScope
	Today time.Time
	IP    string
	// DutiesConfirmed: the employer ticked that it takes on the
	// employer's duties; its approval needs it (ErrDutiesUnconfirmed).
	DutiesConfirmed bool
}

// SaveAgreement applies edit to the agreement's content if lockVersion is
// still current (else ErrStale with nothing changed). An agreement that
// ended or was cancelled is ErrConflict. If anyone had approved, the
// content as approved is kept as a version and every approval is
// withdrawn: nobody's approval covers text they have not seen — NAV's
// decision on a NAV measure too (nav_first_approved_at stays: a placement
// under way does not stop while NAV looks at the change).
func (s *Store) SaveAgreement(ctx context.Context, id int64, lockVersion int, who AgreementActor, step string, edit func(*AgreementContent)) error {
	r := s.AgreementRules()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAgreement(ctx, tx, id, who.Scope, lockVersion, who.Today)
		if err != nil {
			return err
		}
		if !a.Editable() {
			return ErrConflict
		}
		old := a.AgreementContent
		c := old
		edit(&c)
		if len(c.Diff(old)) == 0 {
			return nil // nothing changed: approvals stand
		}
		if a.EmployerApprovedAt != nil || a.ConsentAt != nil || a.AdviserApprovedAt != nil {
			if err := keepVersion(ctx, tx, a, who.Scope.UserID); err != nil {
				return err
			}
		}
		goals := c.Goals
		if goals == nil {
			goals = pq.StringArray{}
		}
		_, err = tx.ExecContext(ctx, `UPDATE agreements SET supervisor_name = $2, supervisor_email = $3, supervisor_phone = $4,
			goals = $5, goals_text = $6, job_title = $7, tasks = $8, start_date = $9, end_date = $10, hours_per_week = $11,
			days_per_week = $12, follow_up_plan = $13, follow_up_weeks = $14, adaptations = $15, mentor_name = $16,
			mentor_phone = $17, mentor_tasks = $18,
			employer_approved_by = NULL, employer_approved_at = NULL, consent_by = NULL, consent_at = NULL, consent_mode = NULL,
			consent_reason = NULL, consent_note = '', adviser_approved_by = NULL, adviser_approved_at = NULL,
			nav_decision = NULL, nav_decided_by = NULL, nav_decided_at = NULL, nav_reason = '',
			employer_access_until = $10::date + 7 * $19, lock_version = lock_version + 1, updated_at = now()
			WHERE id = $1`, id, c.SupervisorName, c.SupervisorEmail, c.SupervisorPhone, goals, c.GoalsText, c.JobTitle, c.Tasks,
			c.StartDate, c.EndDate, c.HoursPerWeek, c.DaysPerWeek, c.FollowUpPlan, c.FollowUpWeeks, c.Adaptations, c.MentorName,
			c.MentorPhone, c.MentorTasks, r.EmployerAccessWeeks)
		if err != nil {
			return fmt.Errorf("db: save agreement: %w", err)
		}
		return audit(ctx, tx, who.Scope.UserID, "agreement.edit_"+step, "agreement", id, who.IP)
	})
}

// releaseSeat gives the placement its seat back, once.
func releaseSeat(ctx context.Context, tx *sqlx.Tx, a Agreement) error {
	_, err := tx.ExecContext(ctx, `WITH r AS (UPDATE agreements SET seat_held = false WHERE id = $1 AND seat_held RETURNING placement_id)
		UPDATE placements SET seats_taken = greatest(seats_taken - 1, 0) WHERE id IN (SELECT placement_id FROM r)`, a.ID)
	if err != nil {
		return fmt.Errorf("db: release seat: %w", err)
	}
	return nil
}

// CancelAgreement cancels an agreement that has not started: the seat is
// given back and the employer's access ends after the usual weeks.
func (s *Store) CancelAgreement(ctx context.Context, id int64, lockVersion int, who AgreementActor, note string) error {
	r := s.AgreementRules()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAgreement(ctx, tx, id, who.Scope, lockVersion, who.Today)
		if err != nil {
			return err
		}
		switch a.Status {
		case AgreementDraft, AgreementAwaiting, AgreementReady:
		default:
			return ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agreements SET cancelled_at = now(), end_note = $2,
			employer_access_until = $3::date + 7 * $4, lock_version = lock_version + 1, updated_at = now() WHERE id = $1`,
			id, note, dateOnly(who.Today), r.EmployerAccessWeeks); err != nil {
			return fmt.Errorf("db: cancel: %w", err)
		}
		if err := releaseSeat(ctx, tx, a); err != nil {
			return err
		}
		return audit(ctx, tx, who.Scope.UserID, "agreement.cancel", "agreement", id, who.IP)
	})
}

// EndInput is an early end: the last day, the reason and, for "got a
// job", the kind of work (work_full or work_part) recorded as an outcome.
type EndInput struct {
	On      time.Time
	Reason  string
	Note    string
	JobKind string
}

// EndAgreement ends a running agreement early. "Got a job" also records
// the outcome on the participant, from the day after, at this employer.
func (s *Store) EndAgreement(ctx context.Context, id int64, lockVersion int, who AgreementActor, in EndInput) error {
	r := s.AgreementRules()
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAgreement(ctx, tx, id, who.Scope, lockVersion, who.Today)
		if err != nil {
			return err
		}
		if a.Status != AgreementRunning {
			return ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agreements SET ended_on = $2, end_reason = $3, end_note = $4,
			employer_access_until = $2::date + 7 * $5, lock_version = lock_version + 1, updated_at = now() WHERE id = $1`,
			id, dateOnly(in.On), in.Reason, in.Note, r.EmployerAccessWeeks); err != nil {
			return fmt.Errorf("db: end: %w", err)
		}
		if err := releaseSeat(ctx, tx, a); err != nil {
			return err
		}
		if in.Reason == "got_job" {
			if _, err := tx.ExecContext(ctx, `INSERT INTO outcomes (participant_id, kind, from_date, employer, recorded_by)
				VALUES ($1, $2, $3::date + 1, $4, $5)`, a.ParticipantID, in.JobKind, dateOnly(in.On), a.OrgName, who.Scope.UserID); err != nil {
				return fmt.Errorf("db: job outcome: %w", err)
			}
			if err := audit(ctx, tx, who.Scope.UserID, "participant.outcome", "participant", a.ParticipantID, who.IP); err != nil {
				return err
			}
		}
		return audit(ctx, tx, who.Scope.UserID, "agreement.end_"+in.Reason, "agreement", id, who.IP)
	})
}
