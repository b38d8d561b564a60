package db

import (
	"context"
	"encoding/json"
	"errors"
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

// ErrDutiesUnconfirmed refuses an employer's approval that does not
// confirm the employer's duties.
var ErrDutiesUnconfirmed = errors.New("db: the employer's approval must confirm the employer's duties")

// Approve records the employer's or the adviser's approval of the version
// the person saw. The employer approves any time the content is complete;
// the adviser last, after the employer and the participant's consent. The
// adviser's approval that completes the first full set starts the
// agreement's life by its dates (first_approved_at). ErrConflict: not
// complete, ended or cancelled, not this party's turn, or already approved;
// ErrAwaitingNAV: the adviser's turn on a NAV measure NAV has not approved.
//
// m, when not nil, is the mail that tells the other side (rendered
// before): it is queued in the approval's transaction, so it exists
// exactly when the approval does (review finding F6: queued after the
// commit, a crash in between lost it).
func (s *Store) Approve(ctx context.Context, id int64, lockVersion int, who AgreementActor, m *Mail) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		a, err := lockAgreement(ctx, tx, id, who.Scope, lockVersion, who.Today)
		if err != nil {
			return err
		}
		if !a.PendingApproval() {
			return ErrConflict
		}
		// A withdrawn consent blocks the agreement's further steps until
		// the participant consents again (kode 6 is refused by the
		// agreements_guard trigger).
		if c, withdrawn, err := consentState(ctx, tx, a.ParticipantID, a.OrganisationID); err != nil {
			return err
		} else if c == nil && withdrawn {
			return ErrNoConsent
		}
		var q string
		switch who.Scope.Role {
		case RoleEmployer:
			if a.EmployerApprovedAt != nil {
				return ErrConflict
			}
			if !who.DutiesConfirmed {
				return ErrDutiesUnconfirmed
			}
			q = `UPDATE agreements SET employer_approved_by = $2, employer_approved_at = now(), employer_duties_confirmed_at = now(),
				lock_version = lock_version + 1, updated_at = now() WHERE id = $1`
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
			return fmt.Errorf("db: approve: %w", translate(err))
		}
		if m != nil {
			if _, err := Enqueue(ctx, tx, *m); err != nil {
				return err
			}
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
			return fmt.Errorf("db: consent: %w", translate(err))
		}
		if err := recordAgreementConsent(ctx, tx, a, who.Scope.UserID, mode, reason, note); err != nil {
			return err
		}
		return audit(ctx, tx, who.Scope.UserID, "agreement.consent_"+mode, "agreement", id, who.IP)
	})
}

// recordAgreementConsent writes the consent given at the agreement's
// approval as a consents row for the organisation, so the record and the
// agreement agree (as migration 00017 did for the agreements before it):
// what the consent in force covered, or else the first name, levels,
// languages and the note, with the adaptations written in the proposal
// and the agreement, replacing the consent in force (whose history stays).
func recordAgreementConsent(ctx context.Context, tx *sqlx.Tx, a Agreement, actorID int64, mode string, reason *string, note string) error {
	var old *int64
	if err := tx.GetContext(ctx, &old, `UPDATE consents SET withdrawn_at = now(), withdrawn_by = $3
		WHERE participant_id = $1 AND organisation_id = $2 AND withdrawn_at IS NULL RETURNING id`,
		a.ParticipantID, a.OrganisationID, actorID); err != nil && translate(err) != ErrNotFound {
		return fmt.Errorf("db: end consent: %w", err)
	}
	var id int64
	err := tx.GetContext(ctx, &id, `WITH prev AS (
			SELECT items, adaptations FROM consents WHERE id = $7
		), ad AS (
			SELECT coalesce(array_agg(DISTINCT t) FILTER (WHERE t <> ''), '{}') AS list FROM (
				SELECT unnest(adaptations) AS t FROM prev
				UNION ALL SELECT btrim(unnest(string_to_array(pr.shared_adaptations, E'\n'))) FROM proposals pr WHERE pr.id = $8
				UNION ALL SELECT btrim(unnest(string_to_array(ag.adaptations, E'\n'))) FROM agreements ag WHERE ag.id = $9) x
		)
		INSERT INTO consents (participant_id, organisation_id, items, adaptations, given_how, on_behalf_reason, reason_note, given_by)
		SELECT $1, $2, ARRAY(SELECT DISTINCT i FROM unnest(coalesce((SELECT items FROM prev),
				ARRAY['first_name', 'levels', 'languages', 'note']::text[])
				|| CASE WHEN ad.list = '{}' THEN '{}'::text[] ELSE ARRAY['adaptations'] END) AS i
				WHERE i <> 'adaptations' OR ad.list <> '{}' ORDER BY i),
			ad.list[1:20], $3, $4, left($5, 500), $6
		FROM ad RETURNING id`,
		a.ParticipantID, a.OrganisationID, mode, reason, note, actorID, old, a.ProposalID, a.ID)
	if err != nil {
		return fmt.Errorf("db: agreement consent: %w", translate(err))
	}
	if old != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE consents SET replaced_by = $2 WHERE id = $1`, *old, id); err != nil {
			return fmt.Errorf("db: replace consent: %w", err)
		}
	}
	return nil
}
