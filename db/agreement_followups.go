package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Reads of an agreement and the adviser's follow-up meetings.

// LogAgreementAccess records a read of an agreement.
func (s *Store) LogAgreementAccess(ctx context.Context, actorID, id int64, action, ip string) error {
	return s.Audit(ctx, actorID, action, "agreement", id, ip)
}

// FollowUp is one follow-up meeting.
type FollowUp struct {
	ID       int64          `db:"id"`
	HeldOn   time.Time      `db:"held_on"`
	WithWhom pq.StringArray `db:"with_whom"`
	Notes    string         `db:"notes"`
	Author   string         `db:"author"`
}

// FollowUpParties are who a follow-up meeting can be with.
var FollowUpParties = []string{"participant", "supervisor", "nav", "interpreter", "other"}

// FollowUps lists an agreement's follow-ups, newest first.
func (s *Store) FollowUps(ctx context.Context, agreementID int64) ([]FollowUp, error) {
	var out []FollowUp
	err := s.DB.SelectContext(ctx, &out, `SELECT f.id, f.held_on, f.with_whom, f.notes, u.name AS author
		FROM follow_ups f JOIN users u ON u.id = f.written_by WHERE f.agreement_id = $1 ORDER BY f.held_on DESC, f.id DESC`, agreementID)
	if err != nil {
		return nil, fmt.Errorf("db: follow-ups: %w", err)
	}
	return out, nil
}

// ParticipantFollowUp is a follow-up meeting on the participant's
// timeline: when, and on which agreement (its job title, or the
// placement's title while the agreement has none). What was said stays on
// the agreement's page.
type ParticipantFollowUp struct {
	AgreementID int64     `db:"agreement_id"`
	HeldOn      time.Time `db:"held_on"`
	Title       string    `db:"title"`
}

// FollowUpsOfParticipant lists the follow-ups of all the participant's
// agreements, newest first (agreements_participant_idx, then
// follow_ups_agreement_idx per agreement).
func (s *Store) FollowUpsOfParticipant(ctx context.Context, participantID int64) ([]ParticipantFollowUp, error) {
	var out []ParticipantFollowUp
	err := s.selectPrepared(ctx, &out, `SELECT f.agreement_id, f.held_on, COALESCE(NULLIF(ag.job_title, ''), pl.title) AS title
		FROM agreements ag JOIN follow_ups f ON f.agreement_id = ag.id JOIN placements pl ON pl.id = ag.placement_id
		WHERE ag.participant_id = $1 ORDER BY f.held_on DESC, f.id DESC`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: follow-ups of participant: %w", err)
	}
	return out, nil
}

// AddFollowUp records a follow-up meeting by the participant's adviser.
func (s *Store) AddFollowUp(ctx context.Context, agreementID int64, who AgreementActor, heldOn time.Time, with []string, notes string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO follow_ups (agreement_id, held_on, with_whom, notes, written_by)
			SELECT ag.id, $2, $3, $4, $5 FROM agreements ag JOIN participants p ON p.id = ag.participant_id
			WHERE ag.id = $1 AND p.adviser_id = $5`, agreementID, dateOnly(heldOn), pq.Array(with), notes, who.Scope.UserID)
		if err != nil {
			return fmt.Errorf("db: follow-up: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return audit(ctx, tx, who.Scope.UserID, "agreement.follow_up", "agreement", agreementID, who.IP)
	})
}
