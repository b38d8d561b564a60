package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// NAV's measures (arbeidstrening, midlertidig lønnstilskudd) are NAV's
// decision (DOMAIN.md): an agreement on such a placement needs the
// approval of the NAV user linked to the participant before it can start.
// The order: the employer approves and the participant consents first,
// then NAV decides, the adviser approves last (docs/plans/issue-14.md).
// agreement_status() and the agreements_nav_guard trigger (migration
// 00016) make sure no writer starts such an agreement without NAV.

// NAVMeasureKinds are the placement kinds that need NAV's approval.
var NAVMeasureKinds = []string{"arbeidstrening", "lonnstilskudd"}

// NAVMeasureRule is how long a NAV measure may last, dated.
type NAVMeasureRule struct {
	ID                       int64      `db:"id"`
	Kind                     string     `db:"kind"`
	MaxMonths                int        `db:"max_months"`
	MaxMonthsReducedCapacity int        `db:"max_months_reduced_capacity"`
	ValidFrom                time.Time  `db:"valid_from"`
	ValidTo                  *time.Time `db:"valid_to"`
	Source                   string     `db:"source"`
}

// NAVMeasureRuleAt returns the rule for a kind of measure in force on a
// day; ErrNotFound when none is.
func (s *Store) NAVMeasureRuleAt(ctx context.Context, kind string, on time.Time) (NAVMeasureRule, error) {
	return navRuleAt(ctx, s.DB, kind, on)
}

func navRuleAt(ctx context.Context, q sqlx.QueryerContext, kind string, on time.Time) (NAVMeasureRule, error) {
	var r NAVMeasureRule
	err := sqlx.GetContext(ctx, q, &r, `SELECT id, kind, max_months, max_months_reduced_capacity, valid_from, valid_to, source
		FROM nav_measure_rules WHERE kind = $1 AND valid_from <= $2::date AND (valid_to IS NULL OR valid_to >= $2::date)
		ORDER BY valid_from DESC LIMIT 1`, kind, dateOnly(on))
	return r, translate(err)
}

// NAVDecision is a NAV user's decision on an agreement.
type NAVDecision struct {
	Approve bool
	// Reason: why NAV refused (required then; the adviser sees it).
	Reason string
	// ReducedCapacityReason: recorded by NAV to let the measure run past
	// its ordinary maximum (arbeidstrening 12 → 18 months).
	ReducedCapacityReason string
}

// navAgreement is what NAV's decision checks of an agreement.
type navAgreement struct {
	LockVersion        int        `db:"lock_version"`
	NavRequired        bool       `db:"nav_required"`
	NavDecision        *string    `db:"nav_decision"`
	Kind               string     `db:"kind"`
	NavContactID       *int64     `db:"nav_contact_id"`
	StartDate          *time.Time `db:"start_date"`
	EndDate            *time.Time `db:"end_date"`
	EmployerApprovedAt *time.Time `db:"employer_approved_at"`
	ConsentAt          *time.Time `db:"consent_at"`
	CancelledAt        *time.Time `db:"cancelled_at"`
	EndedOn            *time.Time `db:"ended_on"`
}

// NAVDecide records a NAV user's approval or refusal of an agreement on a
// NAV measure, audited, in one transaction, if lockVersion is still
// current (else ErrStale). Only the NAV user linked to the participant
// (participants.nav_contact_id, an enabled NAV account) may decide: for
// anyone else the agreement does not exist (ErrNotFound). ErrConflict:
// the agreement needs no NAV decision, is cancelled or ended, NAV already
// approved it, or the employer's approval or the participant's consent is
// still missing. *FieldError: a refusal without a reason, or a measure
// longer than the rule allows (past the ordinary maximum only with a
// reduced-capacity reason). NAV's approval that completes the set starts
// the agreement's life by its dates (first_approved_at).
func (s *Store) NAVDecide(ctx context.Context, agreementID int64, lockVersion int, navUserID int64, d NAVDecision, ip string) error {
	d.Reason, d.ReducedCapacityReason = strings.TrimSpace(d.Reason), strings.TrimSpace(d.ReducedCapacityReason)
	switch {
	case !d.Approve && d.Reason == "":
		return &FieldError{"reason", "form.required"}
	case utf8.RuneCountInString(d.Reason) > 1000:
		return &FieldError{"reason", "form.too_long"}
	case utf8.RuneCountInString(d.ReducedCapacityReason) > 1000:
		return &FieldError{"reduced_capacity_reason", "form.too_long"}
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var a navAgreement
		err := tx.GetContext(ctx, &a, `SELECT ag.lock_version, ag.nav_required, ag.nav_decision, pl.kind, p.nav_contact_id,
				ag.start_date, ag.end_date, ag.employer_approved_at, ag.consent_at, ag.cancelled_at, ag.ended_on
			FROM agreements ag JOIN placements pl ON pl.id = ag.placement_id JOIN participants p ON p.id = ag.participant_id
			WHERE ag.id = $1 AND p.nav_contact_id = $2
			  AND EXISTS (SELECT 1 FROM users u WHERE u.id = $2 AND u.role = 'nav' AND u.disabled_at IS NULL)
			FOR UPDATE OF ag`, agreementID, navUserID)
		if err != nil {
			return translate(err)
		}
		if a.LockVersion != lockVersion {
			return ErrStale
		}
		if !a.NavRequired || a.CancelledAt != nil || a.EndedOn != nil || (a.NavDecision != nil && *a.NavDecision == "approved") ||
			a.EmployerApprovedAt == nil || a.ConsentAt == nil {
			return ErrConflict
		}
		if d.Approve {
			if a.StartDate == nil || a.EndDate == nil {
				return ErrConflict // a draft: nothing to decide on yet
			}
			r, err := navRuleAt(ctx, tx, a.Kind, *a.StartDate)
			if err != nil {
				return fmt.Errorf("db: nav measure rule: %w", err)
			}
			// The last day the measure may run: start + months − 1 day.
			within := func(months int) bool { return !a.EndDate.After(a.StartDate.AddDate(0, months, -1)) }
			switch {
			case within(r.MaxMonths):
			case !within(r.MaxMonthsReducedCapacity):
				return &FieldError{"end_date", "nav.too_long"}
			case d.ReducedCapacityReason == "":
				return &FieldError{"reduced_capacity_reason", "nav.reduced_capacity_needed"}
			}
		}
		decision, action := "refused", "agreement.nav_refuse"
		if d.Approve {
			decision, action = "approved", "agreement.nav_approve"
		}
		if _, err := tx.ExecContext(ctx, `UPDATE agreements SET nav_decision = $2, nav_decided_by = $3, nav_decided_at = now(),
				nav_reason = $4, reduced_capacity_reason = CASE WHEN $2 = 'approved' THEN $5 ELSE reduced_capacity_reason END,
				nav_first_approved_at = CASE WHEN $2 = 'approved' THEN coalesce(nav_first_approved_at, now()) ELSE nav_first_approved_at END,
				first_approved_at = CASE WHEN $2 = 'approved' AND employer_approved_at IS NOT NULL AND consent_at IS NOT NULL
					AND adviser_approved_at IS NOT NULL THEN coalesce(first_approved_at, now()) ELSE first_approved_at END,
				lock_version = lock_version + 1, updated_at = now()
			WHERE id = $1`, agreementID, decision, navUserID, d.Reason, d.ReducedCapacityReason); err != nil {
			return fmt.Errorf("db: nav decision: %w", err)
		}
		return audit(ctx, tx, navUserID, action, "agreement", agreementID, ip)
	})
}

// ErrAwaitingNAV is returned when the adviser approves an agreement on a
// NAV measure that NAV has not approved (pending or refused).
var ErrAwaitingNAV = errors.New("db: awaiting nav")

// ErrNotNAVMeasure is returned where a NAV decision is asked of an
// agreement that needs none.
var ErrNotNAVMeasure = errors.New("db: not a NAV measure")

// NAVState is an agreement's NAV side, for the agreement page and NAV's
// dashboard.
type NAVState struct {
	Required              bool       `db:"nav_required"`
	Decision              *string    `db:"nav_decision"`
	DecidedBy             *int64     `db:"nav_decided_by"`
	Decider               string     `db:"nav_decider"` // the NAV user's name; "" when undecided or redacted
	DecidedAt             *time.Time `db:"nav_decided_at"`
	Reason                string     `db:"nav_reason"`
	FirstApprovedAt       *time.Time `db:"nav_first_approved_at"`
	ReducedCapacityReason string     `db:"reduced_capacity_reason"`
}

// NAVStateOf returns an agreement's NAV side; ErrNotNAVMeasure when it
// needs no NAV decision.
func (s *Store) NAVStateOf(ctx context.Context, agreementID int64) (NAVState, error) {
	var st NAVState
	err := s.DB.GetContext(ctx, &st, `SELECT ag.nav_required, ag.nav_decision, ag.nav_decided_by, coalesce(u.name, '') AS nav_decider,
		ag.nav_decided_at, ag.nav_reason, ag.nav_first_approved_at, ag.reduced_capacity_reason
		FROM agreements ag LEFT JOIN users u ON u.id = ag.nav_decided_by WHERE ag.id = $1`, agreementID)
	if err != nil {
		return st, translate(err)
	}
	if !st.Required {
		return st, ErrNotNAVMeasure
	}
	return st, nil
}

// AwaitingNAV is an agreement waiting for a NAV user's decision.
type AwaitingNAV struct {
	AgreementID   int64      `db:"agreement_id"`
	LockVersion   int        `db:"lock_version"`
	ParticipantID int64      `db:"participant_id"`
	FirstName     string     `db:"first_name"`
	Kind          string     `db:"kind"`
	Organisation  string     `db:"organisation"`
	StartDate     *time.Time `db:"start_date"`
	EndDate       *time.Time `db:"end_date"`
	Refused       bool       `db:"refused"`
}

// AgreementsAwaitingNAV lists the agreements on NAV measures of the
// participants linked to a NAV user that wait for NAV's decision (the
// employer has approved and the participant consented; NAV has not
// approved), oldest start first: NAV's dashboard and digest. A refused
// one stays listed (Refused) until it is changed or cancelled.
func (s *Store) AgreementsAwaitingNAV(ctx context.Context, navUserID int64) ([]AwaitingNAV, error) {
	var out []AwaitingNAV
	err := s.selectPrepared(ctx, &out, `SELECT ag.id AS agreement_id, ag.lock_version, p.id AS participant_id, p.first_name, pl.kind,
			o.name AS organisation, ag.start_date, ag.end_date, coalesce(ag.nav_decision = 'refused', false) AS refused
		FROM participants p JOIN agreements ag ON ag.participant_id = p.id
		JOIN placements pl ON pl.id = ag.placement_id JOIN organisations o ON o.id = ag.organisation_id
		WHERE p.nav_contact_id = $1 AND ag.nav_required AND ag.nav_decision IS DISTINCT FROM 'approved'
		  AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL AND ag.employer_approved_at IS NOT NULL AND ag.consent_at IS NOT NULL
		ORDER BY ag.start_date NULLS LAST, ag.id`, navUserID)
	if err != nil {
		return nil, fmt.Errorf("db: agreements awaiting nav: %w", err)
	}
	return out, nil
}
