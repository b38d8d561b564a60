package db

import (
	"context"
	"fmt"
	"time"
)

// Reminders to participants themselves (issue 16), in their language,
// only to those with an e-mail who have not turned them off.
const (
	ParticipantReminderStart  = "start"  // their placement starts tomorrow
	ParticipantReminderReview = "review" // a plan review is a week away
)

// ParticipantReminderDays is how many days before a plan review the
// participant is told.
const ParticipantReminderDays = 7

// ParticipantReminder is one reminder due to a participant, with what
// its mail needs (the placement for the calendar file).
type ParticipantReminder struct {
	Kind          string    `db:"kind"`
	ParticipantID int64     `db:"participant_id"`
	FirstName     string    `db:"first_name"`
	Email         string    `db:"email"`
	Locale        string    `db:"locale"`
	On            time.Time `db:"on_day"`
	Placement     MyPlacement
}

// ParticipantRemindersDue decides, in the run's transaction, the
// reminders due to participants on today: placements approved by all
// that start tomorrow, and plan reviews ParticipantReminderDays away.
// The mails' dedupe keys (the agreement or plan and the day) make a rerun
// queue nothing twice.
func (t *JobTx) ParticipantRemindersDue(ctx context.Context, today time.Time) ([]ParticipantReminder, error) {
	var out []ParticipantReminder
	rows, err := t.tx.QueryxContext(ctx, `SELECT 'start' AS kind, p.id AS participant_id, p.first_name, p.email, p.locale,
			ag.start_date AS on_day, ag.id AS agreement_id, o.name AS org_name, pl.address, pl.municipality, ag.job_title, ag.start_date,
			ag.end_date
		FROM agreements ag JOIN participants p ON p.id = ag.participant_id JOIN organisations o ON o.id = ag.organisation_id
		JOIN placements pl ON pl.id = ag.placement_id
		WHERE ag.start_date = $1::date + 1 AND agreement_status(ag, $1::date) = 'ready'
		  AND p.email IS NOT NULL AND p.reminders AND p.anonymised_at IS NULL
		UNION ALL
		SELECT 'review', p.id, p.first_name, p.email, p.locale, ip.next_review_due, NULL, '', '', '', '', NULL, NULL
		FROM integration_plans ip JOIN participants p ON p.id = ip.participant_id
		WHERE ip.next_review_due = $1::date + $2::int
		  AND p.email IS NOT NULL AND p.reminders AND p.anonymised_at IS NULL
		ORDER BY participant_id, kind`, dateOnly(today), ParticipantReminderDays)
	if err != nil {
		return nil, fmt.Errorf("db: participant reminders: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ParticipantReminder
		var agID *int64
		err := rows.Scan(&r.Kind, &r.ParticipantID, &r.FirstName, &r.Email, &r.Locale, &r.On, &agID, &r.Placement.OrgName,
			&r.Placement.Address, &r.Placement.Municipality, &r.Placement.JobTitle, &r.Placement.StartDate, &r.Placement.EndDate)
		if err != nil {
			return nil, fmt.Errorf("db: participant reminders: %w", err)
		}
		if agID != nil {
			r.Placement.AgreementID = *agID
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
