package db

import (
	"context"
	"fmt"
	"time"
)

// MyPlacement is the participant's own view of their current (or next)
// placement: what they need to turn up, nothing of the employer's notes.
type MyPlacement struct {
	AgreementID     int64      `db:"agreement_id"`
	OrgName         string     `db:"org_name"`
	Address         string     `db:"address"`
	Municipality    string     `db:"municipality"`
	JobTitle        string     `db:"job_title"`
	Tasks           string     `db:"tasks"`
	StartDate       *time.Time `db:"start_date"`
	EndDate         *time.Time `db:"end_date"`
	HoursPerWeek    *float64   `db:"hours_per_week"`
	DaysPerWeek     *int       `db:"days_per_week"`
	SupervisorName  string     `db:"supervisor_name"`
	SupervisorPhone string     `db:"supervisor_phone"`
	// NextFollowUp is when the adviser's next follow-up meeting is due:
	// the last one (or the start) plus the agreement's interval.
	NextFollowUp *time.Time `db:"next_follow_up"`
}

// SupervisorFirstName is the part of the supervisor's name the
// participant's page shows.
func (m MyPlacement) SupervisorFirstName() string {
	for i, r := range m.SupervisorName {
		if r == ' ' {
			return m.SupervisorName[:i]
		}
	}
	return m.SupervisorName
}

// The participant pages' reads (this file, MyRemindersOf and the session
// lookup) are prepared statements (prepared.go): chosen by the
// participant's id alone, planning them was most of their cost.

// MyPlacementOf returns the participant's running placement, else the
// next one to start, among agreements approved by all (ready or running;
// ErrNotFound: none).
func (s *Store) MyPlacementOf(ctx context.Context, participantID int64) (MyPlacement, error) {
	var m MyPlacement
	err := s.getPrepared(ctx, &m, `SELECT ag.id AS agreement_id, o.name AS org_name, pl.address, pl.municipality, ag.job_title,
			ag.tasks, ag.start_date, ag.end_date, ag.hours_per_week::float8 AS hours_per_week, ag.days_per_week, ag.supervisor_name,
			ag.supervisor_phone,
			(greatest(coalesce((SELECT max(f.held_on) FROM follow_ups f WHERE f.agreement_id = ag.id), ag.start_date), ag.start_date)
				+ make_interval(weeks => ag.follow_up_weeks))::timestamptz AS next_follow_up
		FROM agreements ag JOIN organisations o ON o.id = ag.organisation_id JOIN placements pl ON pl.id = ag.placement_id
		WHERE ag.participant_id = $1 AND agreement_status(ag, oslo_today()) IN ('ready', 'running')
		ORDER BY ag.start_date NULLS LAST, ag.id LIMIT 1`, participantID)
	return m, translate(err)
}

// MyDay is one logged day of the participant's attendance, with the
// adviser's classification of an absence where there is one.
type MyDay struct {
	Day            time.Time `db:"day"`
	Mark           string    `db:"mark"`
	Hours          float64   `db:"hours"`
	Classification *string   `db:"classification"`
}

// MyAttendanceOf lists the participant's logged days, newest first (at
// most a year of them).
func (s *Store) MyAttendanceOf(ctx context.Context, participantID int64) ([]MyDay, error) {
	var out []MyDay
	err := s.selectPrepared(ctx, &out, `SELECT at.day,
			coalesce(at.mark, CASE WHEN at.present THEN 'present' ELSE 'absent' END) AS mark, at.hours::float8 AS hours,
			c.classification
		FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id
		LEFT JOIN absence_classifications c ON c.participant_id = ag.participant_id AND c.day = at.day
		WHERE ag.participant_id = $1 ORDER BY at.day DESC LIMIT 366`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: my attendance: %w", err)
	}
	return out, nil
}

// ParticipantReaders lists who read or changed the participant's record
// (people with an account: staff and employers), once per person and
// day, newest first: the "who has seen my data" part of their own page.
// The participant's own reads (no actor) are left out by the partial
// index audit_log_actor_entity_idx (migration 00030); the two halves are
// a UNION ALL so each is an index scan — an OR across them made
// PostgreSQL read every agreement's audit rows (5 s at 1.3 million rows).
func (s *Store) ParticipantReaders(ctx context.Context, participantID int64) ([]AuditRow, error) {
	var out []AuditRow
	// One line per person and day: a participant asks who, not how often.
	err := s.selectPrepared(ctx, &out, `SELECT max(r.at) AS at, '' AS action, u.name AS actor_name, u.role AS actor_role
		FROM (SELECT l.at, l.actor_id FROM audit_log l
				WHERE l.entity = 'participant' AND l.entity_id = $1 AND l.actor_id IS NOT NULL
			UNION ALL
			SELECT l.at, l.actor_id FROM agreements ag JOIN audit_log l
				ON l.entity = 'agreement' AND l.entity_id = ag.id AND l.actor_id IS NOT NULL
				WHERE ag.participant_id = $1) r
		JOIN users u ON u.id = r.actor_id
		GROUP BY u.id, u.name, u.role, (r.at AT TIME ZONE 'Europe/Oslo')::date
		ORDER BY at DESC LIMIT 200`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: participant readers: %w", err)
	}
	return out, nil
}

// LogParticipantSelf audits a participant reading their own pages.
func (s *Store) LogParticipantSelf(ctx context.Context, participantID int64, action, ip string) error {
	const q = `INSERT INTO audit_log (actor_id, action, entity, entity_id, details, ip)
		VALUES (NULL, $1, 'participant', $2, '{"by":"participant"}', NULLIF($3, '')::inet)`
	if _, err := s.DB.ExecContext(ctx, q, action, participantID, ip); err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}
