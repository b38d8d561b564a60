package db

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// MeasureRule holds the measurement's thresholds in force from a day
// (measure_rules, migration 00016): the risk horizon, the pace window and
// the plan review cadence, in months.
type MeasureRule struct {
	ID                   int64      `db:"id"`
	ValidFrom            time.Time  `db:"valid_from"`
	ValidTo              *time.Time `db:"valid_to"`
	RiskHorizonMonths    int        `db:"risk_horizon_months"`
	PaceWindowMonths     int        `db:"pace_window_months"`
	ReviewIntervalMonths int        `db:"review_interval_months"`
	Source               string     `db:"source"`
}

// MeasureRuleAt returns the thresholds in force on a day; ErrNotFound
// before the first row.
func (s *Store) MeasureRuleAt(ctx context.Context, day time.Time) (MeasureRule, error) {
	var r MeasureRule
	// Prepared: the caseload reads it on every view (its risk horizon).
	err := s.getPrepared(ctx, &r, `SELECT id, valid_from, valid_to, risk_horizon_months, pace_window_months, review_interval_months, source
		FROM measure_rules WHERE valid_from <= $1::date AND (valid_to IS NULL OR valid_to >= $1::date)
		ORDER BY valid_from DESC LIMIT 1`, dateOnly(day))
	return r, translate(err)
}

// AddMeasureRule adds thresholds in force from in.ValidFrom (an admin),
// validated and audited: the row in force until then ends the day
// before, so one row is in force on any day. A row from a day that
// already has one, or from before the current row's start, is refused
// (valid_from, rule.overlap). The caseload's rows are measured again with
// the new rule in the same transaction (refreshCaseloadAll).
func (s *Store) AddMeasureRule(ctx context.Context, actorID int64, in MeasureRule, ip string) (int64, error) {
	in.ValidFrom = civilDay(in.ValidFrom)
	for _, c := range []struct {
		field string
		v     int
	}{{"risk_horizon_months", in.RiskHorizonMonths}, {"pace_window_months", in.PaceWindowMonths}, {"review_interval_months", in.ReviewIntervalMonths}} {
		if c.v < 1 || c.v > 24 {
			return 0, &FieldError{c.field, "rule.months_range"}
		}
	}
	switch {
	case in.ValidFrom.IsZero():
		return 0, &FieldError{"valid_from", "form.required"}
	case strings.TrimSpace(in.Source) == "":
		return 0, &FieldError{"source", "form.required"}
	case utf8.RuneCountInString(in.Source) > 500:
		return 0, &FieldError{"source", "form.too_long"}
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE measure_rules IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("db: lock measure rules: %w", err)
		}
		var later bool
		if err := tx.GetContext(ctx, &later, `SELECT EXISTS (SELECT 1 FROM measure_rules WHERE valid_from >= $1::date)`,
			dateOnly(in.ValidFrom)); err != nil {
			return fmt.Errorf("db: add measure rule: %w", err)
		}
		if later {
			return &FieldError{"valid_from", "rule.overlap"}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE measure_rules SET valid_to = $1::date - 1
			WHERE valid_to IS NULL OR valid_to >= $1::date`, dateOnly(in.ValidFrom)); err != nil {
			return fmt.Errorf("db: add measure rule: %w", err)
		}
		if err := tx.GetContext(ctx, &id, `INSERT INTO measure_rules (valid_from, risk_horizon_months, pace_window_months,
				review_interval_months, source, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			dateOnly(in.ValidFrom), in.RiskHorizonMonths, in.PaceWindowMonths, in.ReviewIntervalMonths,
			strings.TrimSpace(in.Source), actorID); err != nil {
			return fmt.Errorf("db: add measure rule: %w", err)
		}
		if err := audit(ctx, tx, actorID, "measure_rule.create", "measure_rule", id, ip); err != nil {
			return err
		}
		// The rule's statements marked every caseload row stale (migration
		// 00027's trigger): measure them again with it in the same
		// transaction, so no list ever reads a row marked stale and a
		// stored rule is never answered with an error (seconds at
		// national scale: an admin's rare act).
		return refreshCaseloadAll(ctx, tx, s.Today())
	})
	if err != nil {
		return id, err
	}
	return id, nil
}
