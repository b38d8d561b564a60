package db

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"praksis/calendar"
)

// AbsenceCategories are the kinds of absence an employer logs (DOMAIN.md):
// own illness (self-certified), a sick child, welfare leave, a religious
// holiday, other valid absence, and invalid absence, which may reduce the
// introduction benefit. The adviser decides; the portal only flags.
var AbsenceCategories = []string{"illness", "sick_child", "welfare", "religious", "other_valid", "invalid"}

// Absence flag kinds, what AttendanceOverview asks the adviser to look at.
const (
	FlagSickTooLong  = "sick_too_long"
	FlagSickTooEarly = "sick_too_early"
	FlagSickTooOften = "sick_too_often"
	FlagInvalid      = "invalid"
)

// ErrNotStarted means the agreement is not running and has not ended:
// nothing can be logged or evaluated on a draft, one awaiting approval,
// one ready to start or a cancelled one.
var ErrNotStarted = errors.New("db: agreement not started")

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

// AttendanceDay is one logged day: present with hours, or absent with a
// category. A day without a row is not a working day or not logged yet.
type AttendanceDay struct {
	Day     time.Time `db:"day"`
	Present bool      `db:"present"`
	Hours   float64   `db:"hours"`
	Absence *string   `db:"absence"`
}

// AttendanceWeek lists what is logged for the seven days from monday.
func (s *Store) AttendanceWeek(ctx context.Context, agreementID int64, monday time.Time) ([]AttendanceDay, error) {
	var out []AttendanceDay
	err := s.DB.SelectContext(ctx, &out, `SELECT day, present, hours::float8 AS hours, absence FROM attendance
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
// the days (within the week, the agreement's dates and today). Through a
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
		if _, err := tx.ExecContext(ctx, `DELETE FROM attendance WHERE agreement_id = $1 AND day >= $2::date AND day < $2::date + 7`,
			agreementID, dateOnly(monday)); err != nil {
			return fmt.Errorf("db: clear attendance week: %w", err)
		}
		for _, d := range days {
			if d.Day.Before(monday) || !d.Day.Before(monday.AddDate(0, 0, 7)) {
				return fmt.Errorf("db: attendance day %s outside the week of %s", dateOnly(d.Day), dateOnly(monday))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO attendance (agreement_id, day, present, hours, absence, logged_by)
				VALUES ($1, $2::date, $3, $4, $5, NULLIF($6, 0))`, agreementID, dateOnly(d.Day), d.Present, d.Hours, d.Absence, who.UserID); err != nil {
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
	Weeks []AttendanceWeek // newest first, from the agreement's first week to min(this week, last week)
	Rate  *float64         // present days / logged days over the agreement, nil before anything is logged
	Flags []AbsenceFlag    // what the adviser should look at
}

// AttendanceWeek sums up one week of an agreement.
type AttendanceWeek struct {
	Monday                  time.Time
	Logged                  bool
	Hours                   float64
	PresentDays, AbsentDays int
	Absences                map[string]int // by category
}

// Week is the ISO week number of the week.
func (w AttendanceWeek) Week() int {
	_, n := w.Monday.ISOWeek()
	return n
}

// AbsenceFlag is one thing about absence the adviser should look at: Kind
// is one of the Flag constants, Day the first day concerned and Count how
// many days (sick_too_long, sick_too_early) or illness runs (sick_too_often).
type AbsenceFlag struct {
	Kind  string
	Day   time.Time
	Count int
}

// attendanceRow is a logged day with the agreement it belongs to.
type attendanceRow struct {
	AgreementID int64 `db:"agreement_id"`
	AttendanceDay
}

// AttendanceOverview sums up an agreement's attendance by week, the share
// of logged days present and the flags for the adviser.
//
// The flags follow DOMAIN.md's rules for self-certified sickness, with
// the limits of AgreementRules. They are signals for the adviser, who
// decides; the portal never deducts anything. Decisions:
//
//   - Only own illness ("illness") is self-certified sickness. A sick
//     child, welfare leave, religious holidays and other valid absence
//     neither count nor extend an illness run; a logged day of any other
//     kind (present or another absence) ends a run.
//   - An illness run is consecutive logged days of illness. Days without a
//     row (weekends, days off, not logged) do not end a run, so illness
//     from Friday to Tuesday is four days; but a gap of more than a week
//     between two illness days starts a new run.
//   - sick_too_long: a run of this agreement longer than SickMaxDays
//     logged days (Day: its first day, Count: its length).
//   - sick_too_early: a run of this agreement with illness before
//     SickAfterWeeks weeks after programme_start (Day: the first such day,
//     Count: how many of its days fall before).
//   - sick_too_often: more than SickMaxPerYear runs starting in the 12
//     months up to today. Runs are counted over all the participant's
//     agreements (the rule is about the person, not the workplace), one
//     flag with Day the start of the latest run and Count the runs.
//   - invalid: every day of invalid absence in this agreement, one flag
//     each.
//
// Flags are ordered newest first. Only advisers, NAV and admins are shown
// them (the employer logs, it does not judge).
func (s *Store) AttendanceOverview(ctx context.Context, a Agreement, today time.Time) (AttendanceOverview, error) {
	var ov AttendanceOverview
	var rows []attendanceRow
	err := s.DB.SelectContext(ctx, &rows, `SELECT at.agreement_id, at.day, at.present, at.hours::float8 AS hours, at.absence
		FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id
		WHERE ag.participant_id = $1 ORDER BY at.day, at.agreement_id`, a.ParticipantID)
	if err != nil {
		return ov, fmt.Errorf("db: attendance overview: %w", err)
	}
	var own []AttendanceDay
	for _, r := range rows {
		if r.AgreementID == a.ID {
			own = append(own, r.AttendanceDay)
		}
	}
	ov.Weeks = attendanceWeeks(a, own, today)
	present := 0
	for _, d := range own {
		if d.Present {
			present++
		}
	}
	if len(own) > 0 {
		rate := float64(present) / float64(len(own))
		ov.Rate = &rate
	}
	ov.Flags = absenceFlags(a, rows, today, s.AgreementRules())
	return ov, nil
}

// attendanceWeeks sums the agreement's days per week, newest first, from
// the week it starts to this week or its last week, whichever is earlier.
func attendanceWeeks(a Agreement, days []AttendanceDay, today time.Time) []AttendanceWeek {
	if a.StartDate == nil {
		return nil
	}
	first, last := calendar.Monday(*a.StartDate), calendar.Monday(today)
	if ld := a.LastDay(); ld != nil && calendar.Monday(*ld).Before(last) {
		last = calendar.Monday(*ld)
	}
	byWeek := map[time.Time]*AttendanceWeek{}
	var out []AttendanceWeek
	for m := last; !m.Before(first); m = m.AddDate(0, 0, -7) {
		out = append(out, AttendanceWeek{Monday: m, Absences: map[string]int{}})
	}
	for i := range out {
		byWeek[out[i].Monday] = &out[i]
	}
	for _, d := range days {
		w := byWeek[calendar.Monday(d.Day)]
		if w == nil {
			continue
		}
		w.Logged = true
		w.Hours += d.Hours
		if d.Present {
			w.PresentDays++
		} else {
			w.AbsentDays++
			if d.Absence != nil {
				w.Absences[*d.Absence]++
			}
		}
	}
	return out
}

// illnessRun is consecutive logged days of own illness.
type illnessRun struct {
	days []time.Time
	own  bool // at least one day belongs to the agreement in question
}

// absenceFlags applies the rules to the participant's logged days (all
// agreements, ordered by day); see AttendanceOverview.
func absenceFlags(a Agreement, rows []attendanceRow, today time.Time, r AgreementRules) []AbsenceFlag {
	var flags []AbsenceFlag
	// One entry per day: two agreements logging the same day count once,
	// illness winning.
	type dayKind struct {
		day      time.Time
		ill, own bool // own: an illness row of this agreement
	}
	var merged []dayKind
	for _, row := range rows {
		own := row.AgreementID == a.ID
		if own && row.Absence != nil && *row.Absence == "invalid" {
			flags = append(flags, AbsenceFlag{Kind: FlagInvalid, Day: row.Day, Count: 1})
		}
		ill := isIllness(row.AttendanceDay)
		if n := len(merged); n > 0 && merged[n-1].day.Equal(row.Day) {
			merged[n-1].ill = merged[n-1].ill || ill
			merged[n-1].own = merged[n-1].own || (ill && own)
			continue
		}
		merged = append(merged, dayKind{row.Day, ill, ill && own})
	}
	var runs []illnessRun
	var cur *illnessRun
	for _, d := range merged {
		if !d.ill {
			cur = nil
			continue
		}
		if cur == nil || d.day.Sub(cur.days[len(cur.days)-1]) > 7*24*time.Hour {
			runs = append(runs, illnessRun{})
			cur = &runs[len(runs)-1]
		}
		cur.days = append(cur.days, d.day)
		cur.own = cur.own || d.own
	}
	allowedFrom := a.ProgrammeStart.AddDate(0, 0, 7*r.SickAfterWeeks)
	yearAgo := today.AddDate(-1, 0, 0)
	var recent []illnessRun
	for _, run := range runs {
		start := run.days[0]
		if start.After(yearAgo) && !start.After(today) {
			recent = append(recent, run)
		}
		if !run.own {
			continue
		}
		if len(run.days) > r.SickMaxDays {
			flags = append(flags, AbsenceFlag{Kind: FlagSickTooLong, Day: start, Count: len(run.days)})
		}
		early := 0
		for _, d := range run.days {
			if d.Before(allowedFrom) {
				early++
			}
		}
		if early > 0 {
			flags = append(flags, AbsenceFlag{Kind: FlagSickTooEarly, Day: start, Count: early})
		}
	}
	if len(recent) > r.SickMaxPerYear {
		flags = append(flags, AbsenceFlag{Kind: FlagSickTooOften, Day: recent[len(recent)-1].days[0], Count: len(recent)})
	}
	sort.SliceStable(flags, func(i, j int) bool { return flags[i].Day.After(flags[j].Day) })
	return flags
}

func isIllness(d AttendanceDay) bool {
	return !d.Present && d.Absence != nil && *d.Absence == "illness"
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

// Categories lists the absence categories, for templates.
func (o AttendanceOverview) Categories() []string { return AbsenceCategories }
