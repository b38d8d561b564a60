package db

import (
	"context"
	"fmt"
)

// MeasureRules lists every row of measurement thresholds, newest first
// (the admin's page).
func (s *Store) MeasureRules(ctx context.Context) ([]MeasureRule, error) {
	var out []MeasureRule
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, valid_from, valid_to, risk_horizon_months, pace_window_months,
		review_interval_months, source FROM measure_rules ORDER BY valid_from DESC`); err != nil {
		return nil, fmt.Errorf("db: measure rules: %w", err)
	}
	return out, nil
}

// NAVMeasureRules lists every dated rule for NAV's measures, by kind and
// date (the admin's page, read-only).
func (s *Store) NAVMeasureRules(ctx context.Context) ([]NAVMeasureRule, error) {
	var out []NAVMeasureRule
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, kind, max_months, max_months_reduced_capacity, valid_from, valid_to, source
		FROM nav_measure_rules ORDER BY kind, valid_from`); err != nil {
		return nil, fmt.Errorf("db: NAV measure rules: %w", err)
	}
	return out, nil
}
