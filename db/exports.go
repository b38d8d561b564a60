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
	f := CaseloadFilter{Sort: "name", Limit: ExportLimit}
	q := `WITH c AS (` + caseloadPaged(sc, f, false) + `)
		SELECT c.*, att.rate AS attendance_rate FROM c
		LEFT JOIN LATERAL (
			SELECT CASE WHEN count(*) FILTER (WHERE at.mark IS DISTINCT FROM 'not_work_day') > 0
				THEN count(*) FILTER (WHERE at.present)::float8 / count(*) FILTER (WHERE at.mark IS DISTINCT FROM 'not_work_day') END AS rate
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
// their agreements, for registering in NIR: hours and days present (what
// the employers logged) and the days of absence by the adviser's
// classification (absence_classifications, across the programme, also
// days outside a placement), with the days an employer reported absent
// that the adviser has not classified yet as Unclassified. The
// employer's marks and old categories are never counted as a
// classification.
type AttendanceMonthRow struct {
	ParticipantID int64   `db:"participant_id"`
	FirstName     string  `db:"first_name"`
	LastName      string  `db:"last_name"`
	AdviserName   string  `db:"adviser_name"`
	Hours         float64 `db:"hours"`
	PresentDays   int     `db:"present_days"`
	Egenmelding   int     `db:"own_illness_egenmelding"`
	DoctorNote    int     `db:"illness_doctor_note"`
	SickChild     int     `db:"sick_child"`
	WelfareLeave  int     `db:"welfare_leave"`
	ApprovedLeave int     `db:"approved_leave"`
	OtherValid    int     `db:"other_valid"`
	Invalid       int     `db:"invalid"`
	Unclassified  int     `db:"unclassified"`
}

// Absence is the days of absence of a classification
// (AbsenceClassifications).
func (r AttendanceMonthRow) Absence(classification string) int {
	switch classification {
	case AbsenceEgenmelding:
		return r.Egenmelding
	case AbsenceDoctorNote:
		return r.DoctorNote
	case AbsenceSickChild:
		return r.SickChild
	case AbsenceWelfareLeave:
		return r.WelfareLeave
	case AbsenceApprovedLeave:
		return r.ApprovedLeave
	case AbsenceOtherValid:
		return r.OtherValid
	case AbsenceInvalid:
		return r.Invalid
	}
	return 0
}

// AttendanceMonth sums the attendance of the scope's participants in the
// month that begins on first, one row per participant with anything
// logged or classified, by name. A day counts once however many
// agreements logged it.
func (s *Store) AttendanceMonth(ctx context.Context, sc Scope, first time.Time) ([]AttendanceMonthRow, error) {
	var out []AttendanceMonthRow
	err := s.DB.SelectContext(ctx, &out, `WITH att AS (
			SELECT ag.participant_id, at.day, bool_or(at.present) AS present, sum(at.hours) FILTER (WHERE at.present) AS hours,
				bool_or(NOT at.present AND coalesce(at.mark, 'absent') <> 'not_work_day') AS absent
			FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id
			WHERE at.day >= $4::date AND at.day < ($4::date + interval '1 month')::date
			GROUP BY ag.participant_id, at.day
		), cls AS (
			SELECT participant_id, day, classification FROM absence_classifications
			WHERE day >= $4::date AND day < ($4::date + interval '1 month')::date
		), d AS (
			SELECT coalesce(att.participant_id, cls.participant_id) AS participant_id, att.present, att.hours, att.absent, cls.classification
			FROM att FULL JOIN cls ON cls.participant_id = att.participant_id AND cls.day = att.day
		)
		SELECT p.id AS participant_id, p.first_name, p.last_name, a.name AS adviser_name,
			coalesce(sum(d.hours), 0)::float8 AS hours,
			count(*) FILTER (WHERE d.present) AS present_days,
			count(*) FILTER (WHERE d.classification = 'own_illness_egenmelding') AS own_illness_egenmelding,
			count(*) FILTER (WHERE d.classification = 'illness_doctor_note') AS illness_doctor_note,
			count(*) FILTER (WHERE d.classification = 'sick_child') AS sick_child,
			count(*) FILTER (WHERE d.classification = 'welfare_leave') AS welfare_leave,
			count(*) FILTER (WHERE d.classification = 'approved_leave') AS approved_leave,
			count(*) FILTER (WHERE d.classification = 'other_valid') AS other_valid,
			count(*) FILTER (WHERE d.classification = 'invalid') AS invalid,
			count(*) FILTER (WHERE d.absent AND d.classification IS NULL) AS unclassified
		FROM d JOIN participants p ON p.id = d.participant_id JOIN users a ON a.id = p.adviser_id
		WHERE `+scopeSQL+`
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
	err := s.execPrepared(ctx, `INSERT INTO audit_log (actor_id, action, entity, entity_id, ip)
		SELECT $1, CASE WHEN $4 = 'attendance' THEN 'participant.attendance_export' ELSE 'participant.export' END,
			'participant', id, NULLIF($3, '')::inet
		FROM unnest($2::bigint[]) AS id`, actorID, pq.Array(ids), ip, kind)
	if err != nil {
		return fmt.Errorf("db: audit export: %w", err)
	}
	return nil
}
