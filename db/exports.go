package db

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// ExportLimit caps the rows of one export (a whole municipality's
// caseload fits many times over).
const ExportLimit = 200000

// CaseloadExportRow is a caseload row with the attendance rate over the
// last four weeks, for the caseload export.
type CaseloadExportRow struct {
	CaseloadRow
	// Present days / logged days over the 28 days up to today, all
	// agreements; nil when nothing was logged.
	AttendanceRate *float64 `db:"attendance_rate"`
}

// CaseloadExport is the scope's whole caseload with progress, by name:
// the caseload's read model (best levels, the plan's goals and gaps, months
// left, outcome, risk by the one rule, current placement) on today ($8),
// and the attendance rate, in one statement.
func (s *Store) CaseloadExport(ctx context.Context, sc Scope, today time.Time) ([]CaseloadExportRow, error) {
	if err := s.refreshStale(ctx, sc); err != nil {
		return nil, err
	}
	f := CaseloadFilter{Sort: "name", Limit: ExportLimit}
	q := `WITH c AS (` + caseloadPaged(f) + `)
		SELECT c.*, att.rate AS attendance_rate FROM c
		LEFT JOIN LATERAL (
			SELECT CASE WHEN count(*) > 0 THEN count(*) FILTER (WHERE at.present)::float8 / count(*) END AS rate
			FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id
			WHERE ag.participant_id = c.id AND at.day > $8::date - 28 AND at.day <= $8::date) att ON true
		ORDER BY lower(c.last_name), lower(c.first_name), c.id`
	args := s.caseloadArgs(sc, f)
	args[7] = dateOnly(today)
	var out []CaseloadExportRow
	if err := s.DB.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("db: caseload export: %w", err)
	}
	return out, nil
}

// AttendanceMonthRow is one participant's attendance in a month over all
// their agreements, for registering in NIR: hours present, days present
// and days of absence per category.
type AttendanceMonthRow struct {
	ParticipantID int64   `db:"participant_id"`
	FirstName     string  `db:"first_name"`
	LastName      string  `db:"last_name"`
	AdviserName   string  `db:"adviser_name"`
	Hours         float64 `db:"hours"`
	PresentDays   int     `db:"present_days"`
	Illness       int     `db:"illness"`
	SickChild     int     `db:"sick_child"`
	Welfare       int     `db:"welfare"`
	Religious     int     `db:"religious"`
	OtherValid    int     `db:"other_valid"`
	Invalid       int     `db:"invalid"`
}

// Absence is the days of absence of a category (AbsenceCategories).
func (r AttendanceMonthRow) Absence(category string) int {
	switch category {
	case "illness":
		return r.Illness
	case "sick_child":
		return r.SickChild
	case "welfare":
		return r.Welfare
	case "religious":
		return r.Religious
	case "other_valid":
		return r.OtherValid
	case "invalid":
		return r.Invalid
	}
	return 0
}

// AttendanceMonth sums the logged attendance of the scope's participants
// in the month that begins on first, one row per participant with
// anything logged, by name.
func (s *Store) AttendanceMonth(ctx context.Context, sc Scope, first time.Time) ([]AttendanceMonthRow, error) {
	var out []AttendanceMonthRow
	err := s.DB.SelectContext(ctx, &out, `SELECT p.id AS participant_id, p.first_name, p.last_name, a.name AS adviser_name,
			coalesce(sum(at.hours) FILTER (WHERE at.present), 0)::float8 AS hours,
			count(*) FILTER (WHERE at.present) AS present_days,
			count(*) FILTER (WHERE at.absence = 'illness') AS illness,
			count(*) FILTER (WHERE at.absence = 'sick_child') AS sick_child,
			count(*) FILTER (WHERE at.absence = 'welfare') AS welfare,
			count(*) FILTER (WHERE at.absence = 'religious') AS religious,
			count(*) FILTER (WHERE at.absence = 'other_valid') AS other_valid,
			count(*) FILTER (WHERE at.absence = 'invalid') AS invalid
		FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id
		JOIN participants p ON p.id = ag.participant_id JOIN users a ON a.id = p.adviser_id
		WHERE `+scopeSQL+` AND at.day >= $4::date AND at.day < ($4::date + interval '1 month')::date
		GROUP BY p.id, a.name
		ORDER BY lower(p.last_name), lower(p.first_name), p.id
		LIMIT $5`, append(sc.args(), dateOnly(first), ExportLimit)...)
	if err != nil {
		return nil, fmt.Errorf("db: attendance month: %w", err)
	}
	return out, nil
}

// Export kinds, for LogExported.
const (
	ExportCaseload   = "caseload"
	ExportAttendance = "attendance"
	ExportHandover   = "handover" // NAV's hand-over list (handover.go)
)

// LogExported records that actor exported these participants (one audit
// row each, in one statement): an export is a read of each of them, and
// their access logs show it.
func (s *Store) LogExported(ctx context.Context, actorID int64, kind string, ids []int64, ip string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.DB.ExecContext(ctx, `INSERT INTO audit_log (actor_id, action, entity, entity_id, ip)
		SELECT $1, CASE WHEN $4 = 'attendance' THEN 'participant.attendance_export' ELSE 'participant.export' END,
			'participant', id, NULLIF($3, '')::inet
		FROM unnest($2::bigint[]) AS id`, actorID, pq.Array(ids), ip, kind)
	if err != nil {
		return fmt.Errorf("db: audit export: %w", err)
	}
	return nil
}
