package db

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// ProtectionChange is what setting kode 6 touched, for telling the adviser
// to handle the placement outside the portal.
type ProtectionChange struct {
	// ProposalsWithdrawn are the open proposals, withdrawn: an employer
	// may not be asked about a kode-6 person.
	ProposalsWithdrawn []int64
	// AgreementsOpen are the agreements not ended or cancelled: the
	// employer sees nothing of the person any more and their further steps
	// are blocked; the adviser ends them or moves them outside the portal.
	AgreementsOpen []int64
}

// SetProtection records a participant's protected-address grade (none,
// fortrolig, strengt_fortrolig), by their adviser (ErrNotFound for anyone
// else), audited with the old and the new grade. Setting kode 6 withdraws
// the open proposals and lists the open agreements.
func (s *Store) SetProtection(ctx context.Context, participantID, adviserID int64, grade, ip string) (ProtectionChange, error) {
	var out ProtectionChange
	if !slices.Contains(Protections, grade) {
		return out, fmt.Errorf("db: unknown protection %q", grade)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var old string
		err := tx.GetContext(ctx, &old, `SELECT protection FROM participants WHERE id = $1 AND adviser_id = $2
			AND anonymised_at IS NULL FOR UPDATE`, participantID, adviserID)
		if err != nil {
			return translate(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE participants SET protection = $2, protection_set_by = $3, protection_set_at = now(),
			updated_at = now() WHERE id = $1`, participantID, grade, adviserID); err != nil {
			return fmt.Errorf("db: set protection: %w", err)
		}
		if grade == ProtectionKode6 {
			if err := tx.SelectContext(ctx, &out.ProposalsWithdrawn, `UPDATE proposals SET status = 'withdrawn', decided_at = now()
				WHERE participant_id = $1 AND status = 'proposed' RETURNING id`, participantID); err != nil {
				return fmt.Errorf("db: withdraw proposals: %w", err)
			}
			if err := tx.SelectContext(ctx, &out.AgreementsOpen, `SELECT id FROM agreements ag WHERE participant_id = $1
				AND agreement_status(ag, oslo_today()) NOT IN ('ended', 'cancelled') ORDER BY id`, participantID); err != nil {
				return fmt.Errorf("db: open agreements: %w", err)
			}
		}
		return auditDetails(ctx, tx, adviserID, "participant.protection", "participant", participantID, ip,
			map[string]string{"from": old, "to": grade})
	})
	return out, err
}

// ProtectionState is a participant's protected-address grade as the
// adviser's page shows it.
type ProtectionState struct {
	Grade string `db:"protection"`
	// SetAt is nil while the grade is the one migration 00017 derived
	// from the old flag: the adviser is asked to confirm it.
	SetAt     *time.Time `db:"protection_set_at"`
	SetByName *string    `db:"set_by_name"`
}

// Confirmed reports whether an adviser has set (or confirmed) the grade.
func (p ProtectionState) Confirmed() bool { return p.SetAt != nil }

// Protection reads a participant's grade (ErrNotFound for an unknown or
// anonymised participant). Callers check the reader's scope first.
func (s *Store) Protection(ctx context.Context, participantID int64) (ProtectionState, error) {
	var out ProtectionState
	err := s.getPrepared(ctx, &out, `SELECT p.protection, p.protection_set_at, u.name AS set_by_name
		FROM participants p LEFT JOIN users u ON u.id = p.protection_set_by
		WHERE p.id = $1 AND p.anonymised_at IS NULL`, participantID)
	return out, translate(err)
}
