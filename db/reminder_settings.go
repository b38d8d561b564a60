package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ReminderSettings are the thresholds and cadences an admin edits.
type ReminderSettings struct {
	EvaluationStartWeeks int        `db:"evaluation_start_weeks"`
	EndsWithinDays       int        `db:"ends_within_days"`
	ProposalWorkingDays  int        `db:"proposal_working_days"`
	ProposalAdviserDays  int        `db:"proposal_adviser_days"`
	ProgrammeEndDays     int        `db:"programme_end_days"`
	OrgWaitingDays       int        `db:"org_waiting_days"`
	AttendanceWeekday    int        `db:"attendance_weekday"`
	PlanReviewMonths     int        `db:"plan_review_months"`
	UpdatedAt            *time.Time `db:"updated_at"`
	UpdatedBy            *string    `db:"updated_by"` // the admin's name
}

// ReminderLimit is one setting's name and allowed range, the same as the
// CHECK in migration 00007.
type ReminderLimit struct {
	Name     string
	Min, Max int
}

// ReminderLimits lists the settings in the form's order.
var ReminderLimits = []ReminderLimit{
	{"evaluation_start_weeks", 1, 12}, {"ends_within_days", 1, 60}, {"proposal_working_days", 1, 30},
	{"proposal_adviser_days", 0, 30}, {"programme_end_days", 7, 365}, {"org_waiting_days", 1, 30},
	{"attendance_weekday", 1, 5}, {"plan_review_months", 1, 24},
}

// Field points at a setting by its column name (nil for an unknown name).
func (s *ReminderSettings) Field(name string) *int {
	switch name {
	case "evaluation_start_weeks":
		return &s.EvaluationStartWeeks
	case "ends_within_days":
		return &s.EndsWithinDays
	case "proposal_working_days":
		return &s.ProposalWorkingDays
	case "proposal_adviser_days":
		return &s.ProposalAdviserDays
	case "programme_end_days":
		return &s.ProgrammeEndDays
	case "org_waiting_days":
		return &s.OrgWaitingDays
	case "attendance_weekday":
		return &s.AttendanceWeekday
	case "plan_review_months":
		return &s.PlanReviewMonths
	}
	return nil
}

const reminderSettingsSelect = `SELECT rs.evaluation_start_weeks, rs.ends_within_days, rs.proposal_working_days,
	rs.proposal_adviser_days, rs.programme_end_days, rs.org_waiting_days, rs.attendance_weekday, rs.plan_review_months, rs.updated_at,
	u.name AS updated_by
	FROM reminder_settings rs LEFT JOIN users u ON u.id = rs.updated_by`

// ReminderSettings reads the thresholds in force.
func (s *Store) ReminderSettings(ctx context.Context) (ReminderSettings, error) {
	var out ReminderSettings
	if err := s.DB.GetContext(ctx, &out, reminderSettingsSelect); err != nil {
		return out, fmt.Errorf("db: reminder settings: %w", err)
	}
	return out, nil
}

// ReminderSettings reads the thresholds inside the run's transaction.
func (t *JobTx) ReminderSettings(ctx context.Context) (ReminderSettings, error) {
	var out ReminderSettings
	if err := t.tx.GetContext(ctx, &out, reminderSettingsSelect); err != nil {
		return out, fmt.Errorf("db: reminder settings: %w", err)
	}
	return out, nil
}

// SaveReminderSettings stores new thresholds (validated by the caller, and
// again by the CHECKs) with an audit row holding the old and new values.
func (s *Store) SaveReminderSettings(ctx context.Context, in ReminderSettings, actorID int64, ip string) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var old ReminderSettings
		if err := tx.GetContext(ctx, &old, reminderSettingsSelect+` FOR UPDATE OF rs`); err != nil {
			return fmt.Errorf("db: reminder settings: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE reminder_settings SET evaluation_start_weeks = $1, ends_within_days = $2,
			proposal_working_days = $3, proposal_adviser_days = $4, programme_end_days = $5, org_waiting_days = $6,
			attendance_weekday = $7, plan_review_months = $9, updated_by = NULLIF($8::bigint, 0), updated_at = now()`,
			in.EvaluationStartWeeks, in.EndsWithinDays, in.ProposalWorkingDays, in.ProposalAdviserDays,
			in.ProgrammeEndDays, in.OrgWaitingDays, in.AttendanceWeekday, actorID, in.PlanReviewMonths)
		if err != nil {
			return fmt.Errorf("db: save reminder settings: %w", translate(err))
		}
		values := func(r ReminderSettings) map[string]int {
			m := map[string]int{}
			for _, l := range ReminderLimits {
				m[l.Name] = *r.Field(l.Name)
			}
			return m
		}
		details, _ := json.Marshal(map[string]any{"old": values(old), "new": values(in)})
		_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (actor_id, action, entity, details, ip)
			VALUES (NULLIF($1::bigint, 0), 'reminders.settings', 'reminder_settings', $2, NULLIF($3, '')::inet)`, actorID, string(details), ip)
		if err != nil {
			return fmt.Errorf("db: audit: %w", err)
		}
		return nil
	})
}
