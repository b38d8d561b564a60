package db

import (
	"context"
	"fmt"
	"time"
)

// HandoverMonths is how far ahead the NAV hand-over list looks: a
// participant whose programme ends within it, with no work or education in
// place, is someone NAV takes over (issue 20). A working habit, not a
// rule of law: NAV raises its own follow-up every 6 months (DOMAIN.md).
const HandoverMonths = 6

// HandoverRow is one person on a NAV user's hand-over list.
type HandoverRow struct {
	ID           int64     `db:"id"`
	FirstName    string    `db:"first_name"`
	LastName     string    `db:"last_name"`
	ProgrammeEnd time.Time `db:"programme_end"`
	MonthsLeft   int       `db:"months_left"`
	AdviserName  string    `db:"adviser_name"`
	AdviserEmail string    `db:"adviser_email"`
	// The placement agreement that is running or about to, if any.
	Placement *string `db:"placement"`
	Org       *string `db:"org"`
}

// handoverSQL: the NAV user's linked participants in the programme (active
// or on leave: leave moves the end, it does not end the need) whose programme
// ends today or within $2 months and whose latest outcome (by date, a
// future start included: a job that is arranged is in place) is not work
// or education.
const handoverSQL = `SELECT p.id, p.first_name, p.last_name, p.programme_end,
	(extract(year FROM age(p.programme_end, $3::date)) * 12 + extract(month FROM age(p.programme_end, $3::date)))::int AS months_left,
	u.name AS adviser_name, u.email AS adviser_email, cp.title AS placement, cp.org
FROM participants p
JOIN users u ON u.id = p.adviser_id
LEFT JOIN LATERAL (
	SELECT coalesce(nullif(ag.job_title, ''), pl.title) AS title, o.name AS org
	FROM agreements ag JOIN placements pl ON pl.id = ag.placement_id JOIN organisations o ON o.id = ag.organisation_id
	WHERE ag.participant_id = p.id AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL AND (ag.end_date IS NULL OR ag.end_date >= $3::date)
	ORDER BY ag.start_date NULLS LAST, ag.id DESC LIMIT 1) cp ON true
WHERE p.nav_contact_id = $1 AND p.status IN ('active', 'on_leave')
  AND p.programme_end BETWEEN $3::date AND $3::date + make_interval(months => $2)
  AND coalesce((SELECT oc.kind FROM outcomes oc WHERE oc.participant_id = p.id
		ORDER BY oc.from_date DESC, oc.id DESC LIMIT 1) NOT IN ('work_full', 'work_part', 'education'), true)
ORDER BY p.programme_end, p.last_name, p.first_name, p.id`

// Handover lists a NAV user's hand-over list on today (Oslo).
func (s *Store) Handover(ctx context.Context, navUserID int64, today time.Time) ([]HandoverRow, error) {
	var out []HandoverRow
	if err := s.selectPrepared(ctx, &out, handoverSQL, navUserID, HandoverMonths, today.Format(time.DateOnly)); err != nil {
		return nil, fmt.Errorf("db: handover: %w", err)
	}
	return out, nil
}
