package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The legal regimes of the introduction programme (DOMAIN.md): the
// ordinary rules of integreringsloven, the old introduksjonsloven for
// permits from before 2021, and integreringsloven kapittel 6A for
// collective protection. Labels are "participant.regime.<code>".
const (
	RegimeIntegration  = "integreringsloven"
	RegimeIntroduction = "introduksjonsloven"
	RegimeKap6A        = "kap6a"
)

// Legal bases of the residence permit; they, with the permit's date,
// decide the regime, never nationality. Labels are
// "participant.legal_basis.<code>".
const (
	BasisAsylum              = "asylum"                // utl. § 28
	BasisCollective          = "collective_protection" // utl. § 34
	BasisResettlement        = "resettlement"          // utl. § 35, the resettlement quota
	BasisHumanitarian        = "humanitarian"          // utl. § 38 on an application for protection
	BasisFamilyReunification = "family_reunification"  // family of a person in a group above
	BasisOther               = "other"                 // any other permit: the ordinary rules
	BasisUnknown             = "unknown"               // not recorded: an adviser must confirm it
)

// LegalBases lists the legal bases in the order the form shows them.
var LegalBases = []string{BasisAsylum, BasisCollective, BasisResettlement, BasisHumanitarian, BasisFamilyReunification, BasisOther, BasisUnknown}

// Sexes are the values of the optional sex field; "not_given" is the default.
var Sexes = []string{"woman", "man", "other", "not_given"}

// ErrBasisUnknown means the regime cannot be derived: the legal basis (or
// the permit's date) is not recorded yet.
var ErrBasisUnknown = errors.New("db: legal basis or permit date unknown")

// ErrNoRegimeRule means no dated rule covers the legal basis on the
// permit's date: an admin must add one.
var ErrNoRegimeRule = errors.New("db: no regime rule for the legal basis on that date")

// RegimeRule says which regime a legal basis gives for permits granted
// from PermitFrom to PermitTo (inclusive; nil: open).
type RegimeRule struct {
	ID         int64      `db:"id"`
	LegalBasis string     `db:"legal_basis"`
	PermitFrom time.Time  `db:"permit_from"`
	PermitTo   *time.Time `db:"permit_to"`
	Regime     string     `db:"regime"`
	Source     string     `db:"source"`
	Confirm    bool       `db:"confirm"`
}

// DeriveRegime returns the regime a legal basis gives for a permit
// granted on permitDate, by the rules given (the regime_rules rows). It
// reads nothing else: nationality is not an input. Where two rows cover
// the date, the one starting latest wins (a newer decision).
func DeriveRegime(basis string, permitDate *time.Time, rules []RegimeRule) (RegimeRule, error) {
	if basis == BasisUnknown || basis == "" || permitDate == nil {
		return RegimeRule{}, ErrBasisUnknown
	}
	d := civilDay(*permitDate)
	var best *RegimeRule
	for i := range rules {
		r := &rules[i]
		if r.LegalBasis != basis || d.Before(civilDay(r.PermitFrom)) || (r.PermitTo != nil && d.After(civilDay(*r.PermitTo))) {
			continue
		}
		if best == nil || r.PermitFrom.After(best.PermitFrom) {
			best = r
		}
	}
	if best == nil {
		return RegimeRule{}, ErrNoRegimeRule
	}
	return *best, nil
}

// RegimeRules lists every regime rule, by legal basis and date.
func (s *Store) RegimeRules(ctx context.Context) ([]RegimeRule, error) {
	var out []RegimeRule
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, legal_basis, permit_from, permit_to, regime, source, confirm
		FROM regime_rules ORDER BY legal_basis, permit_from`); err != nil {
		return nil, fmt.Errorf("db: regime rules: %w", err)
	}
	return out, nil
}

// LegalStatus is a participant's legal basis, permit date and the regime
// derived from them.
type LegalStatus struct {
	LegalBasis string
	PermitDate *time.Time
	Sex        string
}

// SetLegalStatus records a participant's legal basis, permit date and sex
// (an adviser of their caseload), derives the regime from the basis and
// the date by the dated rules, stores it and audits the change, in one
// transaction. An unknown basis keeps the stored regime (a migrated
// participant whose basis nobody has confirmed yet). It returns the
// regime it stored. Bad input is a *FieldError; another adviser's
// participant is ErrNotFound.
func (s *Store) SetLegalStatus(ctx context.Context, participantID, adviserID int64, in LegalStatus, ip string) (string, error) {
	if err := in.validate(); err != nil {
		return "", err
	}
	var regime string
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &regime, `SELECT regime FROM participants WHERE id = $1 AND adviser_id = $2 FOR UPDATE`,
			participantID, adviserID); err != nil {
			return translate(err)
		}
		var err error
		if regime, err = setLegalStatus(ctx, tx, participantID, in, regime); err != nil {
			return err
		}
		return audit(ctx, tx, adviserID, "participant.legal_status", "participant", participantID, ip)
	})
	return regime, err
}

// validate checks a legal status on its own.
func (in LegalStatus) validate() error {
	switch {
	case !oneOf(LegalBases, in.LegalBasis):
		return &FieldError{Field: "legal_basis", Code: "form.choose"}
	case !oneOf(Sexes, in.Sex):
		return &FieldError{Field: "sex", Code: "form.choose"}
	case in.LegalBasis != BasisUnknown && in.PermitDate == nil:
		return &FieldError{Field: "permit_date", Code: "form.required"}
	}
	return nil
}

// deriveRegimeTx derives the regime of a legal status by the dated rules
// read in tx; an unknown basis keeps current.
func deriveRegimeTx(ctx context.Context, tx *sqlx.Tx, in LegalStatus, current string) (string, error) {
	if in.LegalBasis == BasisUnknown {
		return current, nil
	}
	var rules []RegimeRule
	if err := tx.SelectContext(ctx, &rules, `SELECT id, legal_basis, permit_from, permit_to, regime, source, confirm
		FROM regime_rules WHERE legal_basis = $1`, in.LegalBasis); err != nil {
		return "", fmt.Errorf("db: regime rules: %w", err)
	}
	r, err := DeriveRegime(in.LegalBasis, in.PermitDate, rules)
	if errors.Is(err, ErrNoRegimeRule) {
		return "", &FieldError{Field: "permit_date", Code: "participant.no_regime_rule"}
	}
	if err != nil {
		return "", err
	}
	return r.Regime, nil
}

// setLegalStatus stores a validated legal status and the regime derived
// from it (current kept for an unknown basis) inside the caller's
// transaction, which audits; it returns the regime stored.
func setLegalStatus(ctx context.Context, tx *sqlx.Tx, participantID int64, in LegalStatus, current string) (string, error) {
	regime, err := deriveRegimeTx(ctx, tx, in, current)
	if err != nil {
		return "", err
	}
	var permit any
	if in.PermitDate != nil {
		permit = dateOnly(*in.PermitDate)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE participants SET legal_basis = $2, permit_date = $3, sex = $4, regime = $5,
		updated_at = now() WHERE id = $1`, participantID, in.LegalBasis, permit, in.Sex, regime); err != nil {
		return "", fmt.Errorf("db: legal status: %w", err)
	}
	return regime, nil
}

// oneOf reports whether v is one of list.
func oneOf(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// civilDay is t's calendar date at midnight UTC, how dates read from
// PostgreSQL compare.
func civilDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
