package db

import (
	"context"
	"fmt"
	"time"
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

// AbsenceRuleRow is a row of absence_rules as the admin's page lists it:
// LastDay is the last day it applies (nil: open). The table's valid_to is
// the first day it no longer applies (AbsenceRulesOn), unlike the other
// rule tables, whose valid_to is inclusive; the page shows every table's
// dates the same way.
type AbsenceRuleRow struct {
	AbsenceRules
	LastDay *time.Time `db:"last_day"`
}

// AbsenceRuleRows lists every dated row of absence rules, by regime and
// date (the admin's page, read-only: a migration changes them).
func (s *Store) AbsenceRuleRows(ctx context.Context) ([]AbsenceRuleRow, error) {
	var out []AbsenceRuleRow
	if err := s.DB.SelectContext(ctx, &out, `SELECT regime, valid_from, valid_to - 1 AS last_day, egenmelding_max_days,
		egenmelding_after_weeks, egenmelding_max_times, egenmelding_window_months, egenmelding_min_gap_days, sick_child_days,
		sick_child_days_many_children, sick_child_days_single, sick_child_days_single_many, source
		FROM absence_rules ORDER BY regime, valid_from`); err != nil {
		return nil, fmt.Errorf("db: absence rule rows: %w", err)
	}
	return out, nil
}

// AllKPITargets lists the national targets of every metric, by metric and
// date (the admin's page, read-only).
func (s *Store) AllKPITargets(ctx context.Context) ([]KPITarget, error) {
	var out []KPITarget
	if err := s.DB.SelectContext(ctx, &out, `SELECT id, metric, valid_from, valid_to, value::float8 AS value, source, confirm
		FROM kpi_targets ORDER BY metric, valid_from`); err != nil {
		return nil, fmt.Errorf("db: all kpi targets: %w", err)
	}
	return out, nil
}
