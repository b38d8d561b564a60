package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"praksis/calendar"
)

// AbsenceCategories are the employer's categories of the old week form
// (own illness, a sick child, welfare leave, a religious holiday, other
// valid absence, invalid absence). The employer no longer classifies
// absence (DOMAIN.md, "Attendance and absence"): the ones logged before
// stay in attendance.absence as "proposed by the employer, not
// classified", and these only label them.
var AbsenceCategories = []string{"illness", "sick_child", "welfare", "religious", "other_valid", "invalid"}

// EmployerMarks are what the employer's week form records for a day, in
// the form's order (MarkAbsentLegacy is only read, never written).
var EmployerMarks = []string{MarkPresent, MarkAbsentNotified, MarkAbsentNotNotified, MarkNotWorkDay}

// AbsentMarks are the marks of a day of absence, in the order the week
// list sums them.
var AbsentMarks = []string{MarkAbsentNotified, MarkAbsentNotNotified, MarkAbsentLegacy}

// ErrNotStarted means the agreement is not running and has not ended:
// nothing can be logged or evaluated on a draft, one awaiting approval,
// one ready to start or a cancelled one.
var ErrNotStarted = errors.New("db: agreement not started")

// ErrInvalidMark is a day saved with a mark the employer does not record
// (not one of EmployerMarks), or with hours on a day not present.
var ErrInvalidMark = errors.New("db: invalid attendance mark")

// AttendanceOpen reports whether attendance and evaluations can be
// recorded for an agreement in this status: while it runs and after it
// ended (to catch up), never before it started or when it was cancelled.
func AttendanceOpen(status string) bool {
	return status == AgreementRunning || status == AgreementEnded
}

// LastDay is the agreement's last day: its end date, or the day it ended
// early if that came first; nil without an end date.
func (a Agreement) LastDay() *time.Time {
	last := a.EndDate
	if a.EndedOn != nil && (last == nil || a.EndedOn.Before(*last)) {
		last = a.EndedOn
	}
	return last
}

// AttendanceDay is one logged day: its Mark (one of EmployerMarks, or
// MarkAbsentLegacy for a day of absence logged before marks), the hours
// when present. Absence is the employer's old category of a legacy day
// (read only: SaveAttendanceWeek writes none). A day without a row is not
// logged.
type AttendanceDay struct {
	Day     time.Time `db:"day"`
	Mark    string    `db:"mark"`
	Hours   float64   `db:"hours"`
	Absence *string   `db:"absence"`
}

// Present reports whether the person was there that day.
func (d AttendanceDay) Present() bool { return d.Mark == MarkPresent }

// Absent reports whether the day is a day of absence (notified or not,
// or logged before marks).
func (d AttendanceDay) Absent() bool { return d.Mark != MarkPresent && d.Mark != MarkNotWorkDay }

// attendanceDayColumns read a day; a row from before marks (00017) reads
// as present or as MarkAbsentLegacy.
const attendanceDayColumns = `day, coalesce(mark, CASE WHEN present THEN 'present' ELSE 'absent' END) AS mark,
	hours::float8 AS hours, absence`

// AttendanceWeek lists what is logged for the seven days from monday.
func (s *Store) AttendanceWeek(ctx context.Context, agreementID int64, monday time.Time) ([]AttendanceDay, error) {
	var out []AttendanceDay
	err := s.DB.SelectContext(ctx, &out, `SELECT `+attendanceDayColumns+` FROM attendance
		WHERE agreement_id = $1 AND day >= $2::date AND day < $2::date + 7 ORDER BY day`, agreementID, dateOnly(monday))
	if err != nil {
		return nil, fmt.Errorf("db: attendance week: %w", err)
	}
	return out, nil
}

// LinkWriter is who records attendance or an evaluation: a signed-in
// user (UserID), or the supervisor through a one-click link (UserID 0,
// Token the raw link token, checked again inside the saving transaction).
type LinkWriter struct {
	UserID int64
	Token  string
	Today  time.Time
	IP     string
}

// checkOpen locks the agreement row and checks, inside the transaction,
// that it is running or ended (ErrNotStarted otherwise) and, for a link,
// that the employer's access has not ended and the organisation has not
// been rejected meanwhile (ErrNotFound, as for a link that no longer
// works).
func checkOpen(ctx context.Context, tx *sqlx.Tx, agreementID int64, who LinkWriter) error {
	var row struct {
		Status      string     `db:"status"`
		Until       *time.Time `db:"employer_access_until"`
		OrgApproved bool       `db:"org_approved"`
	}
	err := tx.GetContext(ctx, &row, `SELECT agreement_status(ag, $2::date) AS status, employer_access_until,
			EXISTS (SELECT 1 FROM organisations o WHERE o.id = ag.organisation_id AND o.approved_at IS NOT NULL) AS org_approved
		FROM agreements ag WHERE id = $1 FOR UPDATE`, agreementID, dateOnly(who.Today))
	if err != nil {
		return translate(err)
	}
	if !AttendanceOpen(row.Status) {
		return ErrNotStarted
	}
	if who.UserID == 0 && (!row.OrgApproved || row.Until != nil && who.Today.After(*row.Until)) {
		return ErrNotFound
	}
	return nil
}

// SaveAttendanceWeek replaces what is logged for the week from monday with
// days, in one transaction with an audit row. The caller has validated
// the days (within the week, the agreement's dates and today). Each day
// is stored with its mark and no category (absence NULL): the employer
// records, the adviser classifies (ClassifyAbsence); a day's mark must be
// one of EmployerMarks (ErrInvalidMark otherwise, nothing saved). Through a
// link (who.UserID 0) the attendance token must still be valid and made
// for this agreement and week; it is not used up, so the supervisor can
// correct a mistake until it expires.
func (s *Store) SaveAttendanceWeek(ctx context.Context, agreementID int64, monday time.Time, days []AttendanceDay, who LinkWriter) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		if who.UserID == 0 {
			if err := linkStillValid(ctx, tx, who.Token, PurposeAttendance, agreementID, dateOnly(monday), ""); err != nil {
				return err
			}
		}
		if err := checkOpen(ctx, tx, agreementID, who); err != nil {
			return err
		}
		// A day posted as MarkAbsentLegacy keeps its row from before
		// marks as it is (the employer's old category stays a proposal).
		keep := []string{} // not nil: pq sends nil as NULL, and NOT (day = ANY (NULL)) deletes nothing
		for _, d := range days {
			if d.Mark == MarkAbsentLegacy {
				keep = append(keep, dateOnly(d.Day))
			}
		}
		var kept int
		if err := tx.GetContext(ctx, &kept, `SELECT count(*) FROM attendance WHERE agreement_id = $1 AND day = ANY ($2::date[])
			AND NOT present AND coalesce(mark, 'absent') = 'absent'`,
			agreementID, pq.Array(keep)); err != nil {
			return fmt.Errorf("db: keep attendance: %w", err)
		}
		if kept != len(keep) {
			return ErrInvalidMark
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM attendance WHERE agreement_id = $1 AND day >= $2::date AND day < $2::date + 7
			AND NOT (day = ANY ($3::date[]))`, agreementID, dateOnly(monday), pq.Array(keep)); err != nil {
			return fmt.Errorf("db: clear attendance week: %w", err)
		}
		for _, d := range days {
			if d.Day.Before(monday) || !d.Day.Before(monday.AddDate(0, 0, 7)) {
				return fmt.Errorf("db: attendance day %s outside the week of %s", dateOnly(d.Day), dateOnly(monday))
			}
			if d.Mark == MarkAbsentLegacy {
				continue
			}
			if !slices.Contains(EmployerMarks, d.Mark) || (d.Mark != MarkPresent && d.Hours != 0) {
				return ErrInvalidMark
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO attendance (agreement_id, day, present, hours, mark, absence, logged_by)
				VALUES ($1, $2::date, $3, $4, $5, NULL, NULLIF($6, 0))`, agreementID, dateOnly(d.Day), d.Present(), d.Hours, d.Mark, who.UserID); err != nil {
				return fmt.Errorf("db: log attendance: %w", err)
			}
		}
		return audit(ctx, tx, who.UserID, "agreement.attendance", "agreement", agreementID, who.IP)
	})
}

// linkStillValid checks inside the transaction that a one-click token is
// unused, unexpired, of the purpose and made for this agreement and week
// or phase; anything else is ErrNotFound.
func linkStillValid(ctx context.Context, tx *sqlx.Tx, token, purpose string, agreementID int64, week, phase string) error {
	var ok bool
	err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM link_tokens WHERE token_hash = $1 AND purpose = $2
		AND used_at IS NULL AND expires_at > now() AND payload->>'agreement_id' = $3::text
		AND coalesce(payload->>'week', '') = $4 AND coalesce(payload->>'phase', '') = $5)`,
		HashToken(token), purpose, agreementID, week, phase)
	if err != nil {
		return fmt.Errorf("db: check link: %w", err)
	}
	if !ok {
		return ErrNotFound
	}
	return nil
}

// AttendanceOverview is an agreement's attendance at a glance.
type AttendanceOverview struct {
	Weeks []AttendanceWeek // newest first: the weeks due (DueWeeks) up to this week, and any week with a day logged
	Rate  *float64         // present days / logged days (not a work day left out), nil before anything is logged
	// Flags are the participant's absence flags across the programme
	// (ProgrammeAbsenceFlags), for the adviser, NAV and the admin; the
	// caller fills them (the employer's page does not read them).
	Flags []AbsenceFlag
}

// AttendanceWeek sums up one week of an agreement.
type AttendanceWeek struct {
	Monday                  time.Time
	Logged                  bool
	Hours                   float64
	PresentDays, AbsentDays int
	NotWorkDays             int
	Absences                map[string]int // days absent by mark (AbsentMarks)
}

// Week is the ISO week number of the week.
func (w AttendanceWeek) Week() int {
	_, n := w.Monday.ISOWeek()
	return n
}

// AbsenceFlag is one thing about absence the adviser should look at: Kind
// is one of the Flag constants of absence.go, Day the first day concerned
// and Count how many (see AbsenceRuleFlags).
type AbsenceFlag struct {
	Kind  string
	Day   time.Time
	Count int
}

// DueWeeks are the Mondays of the agreement's weeks due to be logged from
// its first week up to the week of upTo, newest first: the weeks holding
// a working day of the agreement within its dates. The rule is the SQL
// function attendance_week_due (migration 00024), the one definition the
// reminder rule 2 uses too: a week without a working day (an agreement
// starting on a Sunday) is never "not logged" and never reminded about.
func (s *Store) DueWeeks(ctx context.Context, a Agreement, upTo time.Time) ([]time.Time, error) {
	last := a.LastDay()
	if a.StartDate == nil || last == nil {
		return nil, nil
	}
	var out []time.Time
	err := s.DB.SelectContext(ctx, &out, `SELECT m::date FROM generate_series($1::date, $2::date, interval '7 days') m
		WHERE attendance_week_due($3::date, $4::date, $5, m::date) ORDER BY m DESC`,
		dateOnly(calendar.Monday(*a.StartDate)), dateOnly(calendar.Monday(upTo)), dateOnly(*a.StartDate), dateOnly(*last), a.DaysPerWeek)
	if err != nil {
		return nil, fmt.Errorf("db: due weeks: %w", err)
	}
	return out, nil
}

// AttendanceOverview sums up an agreement's attendance by week and the
// share of logged days present. Flags are left to the caller
// (ProgrammeAbsenceFlags: the adviser's classification across the
// programme, never the employer's marks or old categories).
func (s *Store) AttendanceOverview(ctx context.Context, a Agreement, today time.Time) (AttendanceOverview, error) {
	var ov AttendanceOverview
	var days []AttendanceDay
	err := s.DB.SelectContext(ctx, &days, `SELECT `+attendanceDayColumns+` FROM attendance WHERE agreement_id = $1 ORDER BY day`, a.ID)
	if err != nil {
		return ov, fmt.Errorf("db: attendance overview: %w", err)
	}
	upTo := today
	if ld := a.LastDay(); ld != nil && ld.Before(upTo) {
		upTo = *ld
	}
	due, err := s.DueWeeks(ctx, a, upTo)
	if err != nil {
		return ov, err
	}
	ov.Weeks = attendanceWeeks(due, days)
	present, logged := 0, 0
	for _, d := range days {
		if d.Present() {
			present++
		}
		if d.Mark != MarkNotWorkDay {
			logged++
		}
	}
	if logged > 0 {
		rate := float64(present) / float64(logged)
		ov.Rate = &rate
	}
	return ov, nil
}

// attendanceWeeks sums the days per week: the weeks due and any other
// week with a day logged, newest first.
func attendanceWeeks(due []time.Time, days []AttendanceDay) []AttendanceWeek {
	byWeek := map[string]*AttendanceWeek{} // by the Monday's date: the database's and calendar's times differ in location
	week := func(m time.Time) *AttendanceWeek {
		if w := byWeek[dateOnly(m)]; w != nil {
			return w
		}
		w := &AttendanceWeek{Monday: m, Absences: map[string]int{}}
		byWeek[dateOnly(m)] = w
		return w
	}
	for _, m := range due {
		week(m)
	}
	for _, d := range days {
		w := week(calendar.Monday(d.Day))
		w.Logged = true
		switch {
		case d.Present():
			w.PresentDays++
			w.Hours += d.Hours
		case d.Mark == MarkNotWorkDay:
			w.NotWorkDays++
		default:
			w.AbsentDays++
			w.Absences[d.Mark]++
		}
	}
	out := make([]AttendanceWeek, 0, len(byWeek))
	for _, w := range byWeek {
		out = append(out, *w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Monday.After(out[j].Monday) })
	return out
}

// Loggable reports whether attendance and evaluations can be recorded for
// the agreement now (running, or ended and catching up).
func (a Agreement) Loggable() bool { return AttendanceOpen(a.Status) }

// Phases are the evaluation phases, for templates.
func (a Agreement) Phases() []string { return EvaluationPhases }

// PhaseOpensOn is the first day a phase's evaluation is meant to be
// filled in: the start phase from the first day, the middle one half-way,
// the end one in the last week (the days the reminders use, db/reminders.go
// rule 3, which adds the configured weeks to the start phase's reminder).
// The zero time when the agreement has no dates yet.
func (a Agreement) PhaseOpensOn(phase string) time.Time {
	if a.StartDate == nil || a.EndDate == nil {
		return time.Time{}
	}
	start, last := *a.StartDate, *a.EndDate
	if a.EndedOn != nil && a.EndedOn.Before(last) {
		last = *a.EndedOn
	}
	switch phase {
	case "mid":
		days := int(last.Sub(start).Hours() / 24)
		return start.AddDate(0, 0, days/2)
	case "end":
		return last.AddDate(0, 0, -6)
	}
	return start
}

// RatePercent is the attendance rate as a whole percentage, "" before
// anything is logged.
func (o AttendanceOverview) RatePercent() string {
	if o.Rate == nil {
		return ""
	}
	return fmt.Sprintf("%.0f", *o.Rate*100)
}

// Marks lists the marks of absence the week list sums, for templates.
func (o AttendanceOverview) Marks() []string { return AbsentMarks }
