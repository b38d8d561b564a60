package db

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
)

// Absence classifications: the adviser's, never the employer's (DOMAIN.md,
// "Attendance and absence").
const (
	AbsenceEgenmelding   = "own_illness_egenmelding"
	AbsenceDoctorNote    = "illness_doctor_note"
	AbsenceSickChild     = "sick_child"
	AbsenceWelfareLeave  = "welfare_leave"
	AbsenceApprovedLeave = "approved_leave"
	AbsenceOtherValid    = "other_valid"
	AbsenceInvalid       = "invalid"
)

// AbsenceClassifications lists them in the order the adviser's form shows.
var AbsenceClassifications = []string{AbsenceEgenmelding, AbsenceDoctorNote, AbsenceSickChild, AbsenceWelfareLeave,
	AbsenceApprovedLeave, AbsenceOtherValid, AbsenceInvalid}

// Attendance marks: what the employer records for a day.
const (
	MarkPresent           = "present"
	MarkAbsentNotified    = "absent_notified"
	MarkAbsentNotNotified = "absent_not_notified"
	MarkAbsentLegacy      = "absent" // logged before the employer was asked whether it was notified
	MarkNotWorkDay        = "not_work_day"
)

// Flags from the adviser's classification, across the programme.
const (
	FlagEgenmeldingTooLong  = "egenmelding_too_long"
	FlagEgenmeldingTooEarly = "egenmelding_too_early"
	FlagEgenmeldingTooOften = "egenmelding_too_often"
	FlagEgenmeldingTooClose = "egenmelding_too_close"
	FlagSickChildQuota      = "sick_child_over_quota"
	FlagUnclassified        = "unclassified"
	FlagInvalid             = "invalid"
)

var (
	// ErrNotAdviser refuses a classification by anyone but the
	// participant's adviser.
	ErrNotAdviser = errors.New("db: only the participant's adviser classifies absence")
	// ErrInvalidAbsence is a classification of an unknown kind or of a
	// day outside the programme.
	ErrInvalidAbsence = errors.New("db: invalid absence classification")
)

// AbsenceRules are the rules of one regime on a day (table absence_rules).
type AbsenceRules struct {
	Regime                    string    `db:"regime"`
	ValidFrom                 time.Time `db:"valid_from"`
	EgenmeldingMaxDays        int       `db:"egenmelding_max_days"`
	EgenmeldingAfterWeeks     int       `db:"egenmelding_after_weeks"`
	EgenmeldingMaxTimes       int       `db:"egenmelding_max_times"`
	EgenmeldingWindowMonths   int       `db:"egenmelding_window_months"`
	EgenmeldingMinGapDays     int       `db:"egenmelding_min_gap_days"`
	SickChildDays             int       `db:"sick_child_days"`
	SickChildDaysManyChildren int       `db:"sick_child_days_many_children"`
	SickChildDaysSingle       int       `db:"sick_child_days_single"`
	SickChildDaysSingleMany   int       `db:"sick_child_days_single_many"`
	Source                    string    `db:"source"`
}

// SickChildQuota is the yearly number of sick-child days for a family
// situation (participants.sick_child_quota).
func (r AbsenceRules) SickChildQuota(quota string) int {
	switch quota {
	case "many_children":
		return r.SickChildDaysManyChildren
	case "single_parent":
		return r.SickChildDaysSingle
	case "single_parent_many_children":
		return r.SickChildDaysSingleMany
	}
	return r.SickChildDays
}

// AbsenceRulesOn returns the rules of a regime in force on a day.
func (s *Store) AbsenceRulesOn(ctx context.Context, regime string, day time.Time) (AbsenceRules, error) {
	var r AbsenceRules
	err := s.DB.GetContext(ctx, &r, `SELECT regime, valid_from, egenmelding_max_days, egenmelding_after_weeks, egenmelding_max_times,
		egenmelding_window_months, egenmelding_min_gap_days, sick_child_days, sick_child_days_many_children,
		sick_child_days_single, sick_child_days_single_many, source
		FROM absence_rules WHERE regime = $1 AND valid_from <= $2::date AND (valid_to IS NULL OR $2::date < valid_to)
		ORDER BY valid_from DESC LIMIT 1`, regime, dateOnly(day))
	if err != nil {
		return r, fmt.Errorf("db: absence rules: %w", translate(err))
	}
	return r, nil
}

// ClassifyInput is the adviser's classification of one day.
type ClassifyInput struct {
	ParticipantID  int64
	Day            time.Time
	Classification string
	Note           string // the adviser's own words, never shown to an employer
	ActorID        int64
	IP             string
}

// ClassifyAbsence records or changes the classification of a day of the
// participant's programme, by their adviser only (ErrNotAdviser), audited
// with the old and the new classification. A day outside the programme
// or an unknown classification is ErrInvalidAbsence.
func (s *Store) ClassifyAbsence(ctx context.Context, in ClassifyInput) error {
	if !slices.Contains(AbsenceClassifications, in.Classification) || len([]rune(in.Note)) > 500 {
		return ErrInvalidAbsence
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		var row struct {
			InProgramme bool `db:"in_programme"`
			Adviser     bool `db:"adviser"`
		}
		err := tx.GetContext(ctx, &row, `SELECT $2::date BETWEEN p.programme_start AND p.programme_end AS in_programme,
			EXISTS (SELECT 1 FROM users u WHERE u.id = $3 AND u.role = 'adviser' AND u.disabled_at IS NULL AND u.id = p.adviser_id) AS adviser
			FROM participants p WHERE p.id = $1 AND p.anonymised_at IS NULL FOR UPDATE OF p`, in.ParticipantID, dateOnly(in.Day), in.ActorID)
		if err != nil {
			return translate(err)
		}
		if !row.Adviser {
			return ErrNotAdviser
		}
		if !row.InProgramme {
			return ErrInvalidAbsence
		}
		var old *string
		if err := tx.GetContext(ctx, &old, `SELECT classification FROM absence_classifications WHERE participant_id = $1 AND day = $2::date`,
			in.ParticipantID, dateOnly(in.Day)); err != nil && translate(err) != ErrNotFound {
			return fmt.Errorf("db: classification: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO absence_classifications (participant_id, day, classification, note, classified_by)
			VALUES ($1, $2::date, $3, $4, $5)
			ON CONFLICT (participant_id, day) DO UPDATE SET classification = EXCLUDED.classification, note = EXCLUDED.note,
				classified_by = EXCLUDED.classified_by, classified_at = now()`,
			in.ParticipantID, dateOnly(in.Day), in.Classification, in.Note, in.ActorID); err != nil {
			return fmt.Errorf("db: classify absence: %w", err)
		}
		details := map[string]any{"day": dateOnly(in.Day), "to": in.Classification, "from": old}
		return auditDetails(ctx, tx, in.ActorID, "participant.absence_classified", "participant", in.ParticipantID, in.IP, details)
	})
}

// AbsenceDay is a day of absence as the adviser sees it: what the
// employer reported (if a placement day), the employer's old category as
// a proposal, and the adviser's classification (nil: not classified).
type AbsenceDay struct {
	Day            time.Time `db:"day" json:"day"`
	AgreementID    *int64    `db:"agreement_id" json:"agreement_id,omitempty"`
	Mark           *string   `db:"mark" json:"reported,omitempty"`
	Proposed       *string   `db:"proposed" json:"proposed_by_employer,omitempty"`
	Classification *string   `db:"classification" json:"classification,omitempty"`
	Note           string    `db:"note" json:"note,omitempty"`
}

// Absences lists a participant's days of absence across the programme,
// oldest first: each day an employer reported absent, and each day the
// adviser classified (also outside a placement).
func (s *Store) Absences(ctx context.Context, participantID int64) ([]AbsenceDay, error) {
	var out []AbsenceDay
	err := s.DB.SelectContext(ctx, &out, `WITH reported AS (
			SELECT DISTINCT ON (at.day) at.day, at.agreement_id, coalesce(at.mark, 'absent') AS mark, at.absence AS proposed
			FROM attendance at JOIN agreements ag ON ag.id = at.agreement_id
			WHERE ag.participant_id = $1 AND NOT at.present AND coalesce(at.mark, 'absent') <> 'not_work_day'
			ORDER BY at.day, at.agreement_id)
		SELECT coalesce(r.day, c.day) AS day, r.agreement_id, r.mark, r.proposed, c.classification, coalesce(c.note, '') AS note
		FROM reported r FULL JOIN (SELECT day, classification, note FROM absence_classifications WHERE participant_id = $1) c ON c.day = r.day
		ORDER BY 1`, participantID)
	if err != nil {
		return nil, fmt.Errorf("db: absences: %w", err)
	}
	return out, nil
}

// ProgrammeAbsenceFlags applies the participant's regime's rules in force
// today to the adviser's classifications across the programme, and flags
// the reported absences not yet classified (see AbsenceRuleFlags).
func (s *Store) ProgrammeAbsenceFlags(ctx context.Context, participantID int64, today time.Time) ([]AbsenceFlag, error) {
	var p struct {
		Regime string    `db:"regime"`
		Start  time.Time `db:"programme_start"`
		Quota  string    `db:"sick_child_quota"`
	}
	if err := s.DB.GetContext(ctx, &p, `SELECT regime, programme_start, sick_child_quota FROM participants WHERE id = $1`, participantID); err != nil {
		return nil, translate(err)
	}
	rules, err := s.AbsenceRulesOn(ctx, p.Regime, today)
	if err != nil {
		return nil, err
	}
	days, err := s.Absences(ctx, participantID)
	if err != nil {
		return nil, err
	}
	flags := AbsenceRuleFlags(days, rules, p.Quota, p.Start, today)
	var first *time.Time
	n := 0
	for _, d := range days {
		if d.Classification == nil && d.Mark != nil {
			if first == nil {
				first = &d.Day
			}
			n++
		}
	}
	if n > 0 {
		flags = append(flags, AbsenceFlag{Kind: FlagUnclassified, Day: *first, Count: n})
	}
	return flags, nil
}

// AbsenceRuleFlags is the rule engine, pure. Days from programmeStart to
// today count, whatever the placement (the rules are about the person).
//
//   - An illness period is consecutive days classified own illness
//     (egenmelding) or illness with a doctor's note; a gap of only
//     Saturdays and Sundays does not end it. Its length is in calendar
//     days, first to last (egenmelding counts calendar days).
//   - egenmelding_too_long: a period with egenmelding, no doctor's note
//     (a note resolves an over-long illness) and more than
//     EgenmeldingMaxDays days. Day: its start; Count: its length.
//   - egenmelding_too_early: egenmelding days before EgenmeldingAfterWeeks
//     weeks in the programme. Day: the first; Count: how many.
//   - egenmelding_too_often: a period with egenmelding that is more than
//     the EgenmeldingMaxTimes-th starting within EgenmeldingWindowMonths
//     up to its own start. Day: its start; Count: periods in the window.
//   - egenmelding_too_close: a period with egenmelding starting fewer than
//     EgenmeldingMinGapDays days after the previous such period ended.
//     Day: its start; Count: the days between (start − previous end).
//   - sick_child_over_quota: sick-child days in a calendar year beyond the
//     quota. Day: the first day over; Count: the days in that year.
//   - invalid: each day classified invalid.
//
// Flags are ordered newest first.
func AbsenceRuleFlags(days []AbsenceDay, r AbsenceRules, quota string, programmeStart, today time.Time) []AbsenceFlag {
	var flags []AbsenceFlag
	type period struct {
		start, end          time.Time
		egenmelding, doctor bool
		early               []time.Time
	}
	var periods []*period
	allowedFrom := programmeStart.AddDate(0, 0, 7*r.EgenmeldingAfterWeeks)
	sickChild := map[int]int{}
	for _, d := range days {
		if d.Classification == nil || d.Day.Before(programmeStart) || d.Day.After(today) {
			continue
		}
		switch c := *d.Classification; c {
		case AbsenceInvalid:
			flags = append(flags, AbsenceFlag{Kind: FlagInvalid, Day: d.Day, Count: 1})
		case AbsenceSickChild:
			y := d.Day.Year()
			sickChild[y]++
			if sickChild[y] == r.SickChildQuota(quota)+1 {
				flags = append(flags, AbsenceFlag{Kind: FlagSickChildQuota, Day: d.Day})
			}
		case AbsenceEgenmelding, AbsenceDoctorNote:
			var p *period
			if n := len(periods); n > 0 && onlyWeekendBetween(periods[n-1].end, d.Day) {
				p = periods[n-1]
				p.end = d.Day
			} else {
				p = &period{start: d.Day, end: d.Day}
				periods = append(periods, p)
			}
			if c == AbsenceDoctorNote {
				p.doctor = true
			} else {
				p.egenmelding = true
				if d.Day.Before(allowedFrom) {
					p.early = append(p.early, d.Day)
				}
			}
		}
	}
	for i := range flags {
		if flags[i].Kind == FlagSickChildQuota {
			flags[i].Count = sickChild[flags[i].Day.Year()]
		}
	}
	var prev *period
	var starts []time.Time
	for _, p := range periods {
		if !p.egenmelding {
			continue
		}
		if length := calendarDaysBetween(p.start, p.end) + 1; !p.doctor && length > r.EgenmeldingMaxDays {
			flags = append(flags, AbsenceFlag{Kind: FlagEgenmeldingTooLong, Day: p.start, Count: length})
		}
		if len(p.early) > 0 {
			flags = append(flags, AbsenceFlag{Kind: FlagEgenmeldingTooEarly, Day: p.early[0], Count: len(p.early)})
		}
		if prev != nil && calendarDaysBetween(prev.end, p.start) < r.EgenmeldingMinGapDays {
			flags = append(flags, AbsenceFlag{Kind: FlagEgenmeldingTooClose, Day: p.start, Count: calendarDaysBetween(prev.end, p.start)})
		}
		starts = append(starts, p.start)
		windowStart := p.start.AddDate(0, -r.EgenmeldingWindowMonths, 0)
		n := 0
		for _, s := range starts {
			if s.After(windowStart) {
				n++
			}
		}
		if n > r.EgenmeldingMaxTimes {
			flags = append(flags, AbsenceFlag{Kind: FlagEgenmeldingTooOften, Day: p.start, Count: n})
		}
		prev = p
	}
	sort.SliceStable(flags, func(i, j int) bool { return flags[i].Day.After(flags[j].Day) })
	return flags
}

// calendarDaysBetween is the number of days from a to b.
func calendarDaysBetween(a, b time.Time) int { return int(b.Sub(a).Hours()/24 + 0.5) }

// onlyWeekendBetween reports whether b is the day after a, or only
// Saturdays and Sundays lie between them.
func onlyWeekendBetween(a, b time.Time) bool {
	for d := a.AddDate(0, 0, 1); d.Before(b); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return false
		}
	}
	return b.After(a)
}
