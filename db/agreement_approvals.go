package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Approvals of an agreement's content, and the earlier versions an edit
// of an approved content keeps.

// approvalsJSON records who had approved a version.
type approvalsJSON struct {
	Employer *time.Time `json:"employer,omitempty"`
	Consent  *time.Time `json:"consent,omitempty"`
	Adviser  *time.Time `json:"adviser,omitempty"`
}

func keepVersion(ctx context.Context, tx *sqlx.Tx, a Agreement, actorID int64) error {
	content, err := json.Marshal(a.AgreementContent)
	if err != nil {
		return err
	}
	approvals, err := json.Marshal(approvalsJSON{a.EmployerApprovedAt, a.ConsentAt, a.AdviserApprovedAt})
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO agreement_versions (agreement_id, version, content, approvals, withdrawn_by)
		VALUES ($1, $2, $3, $4, $5)`, a.ID, a.Version(), string(content), string(approvals), actorID)
	if err != nil {
		return fmt.Errorf("db: keep version: %w", err)
	}
	return nil
}

// AgreementVersion is an earlier content and who had approved it.
type AgreementVersion struct {
	Version     int       `db:"version"`
	WithdrawnAt time.Time `db:"withdrawn_at"`
	WithdrawnBy string    `db:"withdrawn_by"`
	ContentJSON []byte    `db:"content"`
	Approvals   []byte    `db:"approvals"`
	Content     AgreementContent
	Approved    approvalsJSON
	// Changes from this version to the next one (or the current content).
	Changes []Change
}

// ApprovedBy names the parties that had approved this version.
func (v AgreementVersion) ApprovedBy() []string {
	var out []string
	if v.Approved.Employer != nil {
		out = append(out, "employer")
	}
	if v.Approved.Consent != nil {
		out = append(out, "participant")
	}
	if v.Approved.Adviser != nil {
		out = append(out, "adviser")
	}
	return out
}

// AgreementVersions lists the kept versions, newest first, each with what
// changed in the version after it.
func (s *Store) AgreementVersions(ctx context.Context, a Agreement) ([]AgreementVersion, error) {
	var vs []AgreementVersion
	err := s.DB.SelectContext(ctx, &vs, `SELECT v.version, v.withdrawn_at, coalesce(u.name, '') AS withdrawn_by, v.content, v.approvals
		FROM agreement_versions v LEFT JOIN users u ON u.id = v.withdrawn_by WHERE v.agreement_id = $1 ORDER BY v.version DESC`, a.ID)
	if err != nil {
		return nil, fmt.Errorf("db: versions: %w", err)
	}
	next := a.AgreementContent
	for i := range vs {
		if err := json.Unmarshal(vs[i].ContentJSON, &vs[i].Content); err != nil {
			return nil, fmt.Errorf("db: version content: %w", err)
		}
		if err := json.Unmarshal(vs[i].Approvals, &vs[i].Approved); err != nil {
			return nil, fmt.Errorf("db: version approvals: %w", err)
		}
		vs[i].Changes = next.Diff(vs[i].Content)
		next = vs[i].Content
	}
	return vs, nil
}

// Approve records the employer's or the adviser's approval of the version
// the person saw. The employer approves any time the content is complete;
// the adviser last, after the employer and the participant's consent. The
// adviser's approval that completes the first full set starts the
// agreement's life by its dates (first_approved_at). ErrConflict: not
// complete, ended or cancelled, not this party's turn, or already approved;
// ErrAwaitingNAV: the adviser's turn on a NAV measure NAV has not approved.
func (s *Store) Approve(ctx context.Context, id int64, lockVersion int, who AgreementActor) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAgreement(ctx, tx, id, who.Scope, lockVersion, who.Today)
		if err != nil {
			return err
		}
		if !a.PendingApproval() {
			return ErrConflict
		}
		var q string
		switch who.Scope.Role {
		case RoleEmployer:
			if a.EmployerApprovedAt != nil {
				return ErrConflict
			}
			q = `UPDATE agreements SET employer_approved_by = $2, employer_approved_at = now(), lock_version = lock_version + 1, updated_at = now() WHERE id = $1`
		case RoleAdviser:
			if a.EmployerApprovedAt == nil || a.ConsentAt == nil || a.AdviserApprovedAt != nil {
				return ErrConflict
			}
			// On NAV's measures NAV decides before the adviser's last
			// approval (docs/plans/issue-14.md): the adviser confirms the
			// full set and sees a refusal's reason first.
			var navPending bool
			if err := tx.GetContext(ctx, &navPending, `SELECT nav_required AND nav_decision IS DISTINCT FROM 'approved'
				FROM agreements WHERE id = $1`, id); err != nil {
				return fmt.Errorf("db: approve: %w", err)
			}
			if navPending {
				return ErrAwaitingNAV
			}
			q = `UPDATE agreements SET adviser_approved_by = $2, adviser_approved_at = now(),
				first_approved_at = coalesce(first_approved_at, now()), lock_version = lock_version + 1, updated_at = now() WHERE id = $1`
		default:
			return ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, q, id, who.Scope.UserID); err != nil {
			return fmt.Errorf("db: approve: %w", err)
		}
		return audit(ctx, tx, who.Scope.UserID, "agreement.approve_"+who.Scope.Role, "agreement", id, who.IP)
	})
}

// RecordConsent records, by the adviser, that the participant agreed: in
// person, or on their behalf with a reason.
func (s *Store) RecordConsent(ctx context.Context, id int64, lockVersion int, who AgreementActor, mode string, reason *string, note string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAgreement(ctx, tx, id, who.Scope, lockVersion, who.Today)
		if err != nil {
			return err
		}
		if !a.PendingApproval() || a.ConsentAt != nil {
			return ErrConflict
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agreements SET consent_by = $2, consent_at = now(), consent_mode = $3,
			consent_reason = $4, consent_note = $5, lock_version = lock_version + 1, updated_at = now() WHERE id = $1`,
			id, who.Scope.UserID, mode, reason, note); err != nil {
			return fmt.Errorf("db: consent: %w", err)
		}
		return audit(ctx, tx, who.Scope.UserID, "agreement.consent_"+mode, "agreement", id, who.IP)
	})
}
