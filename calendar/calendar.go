// Package calendar is the programme's calendar: the Europe/Oslo zone its
// days begin and end in, loaded once for storage, pages and schedules, and
// the date arithmetic on its days (weeks, workdays). Days are dates at
// midnight UTC, as Today gives them, so they compare and format as plain
// dates.
package calendar

import (
	"time"
	_ "time/tzdata" // Europe/Oslo must resolve in a scratch container too
)

// Oslo is where the programme's days begin and end, and the zone every
// schedule is read in.
var Oslo = func() *time.Location {
	l, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		panic(err)
	}
	return l
}()

// Today is the day the instant now falls on in Oslo, at midnight UTC so
// that it compares and formats as a plain date.
func Today(now time.Time) time.Time {
	y, m, d := now.In(Oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// OsloMidnight is the instant a day (a date at midnight UTC, as Today
// gives) begins in Oslo.
func OsloMidnight(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Oslo)
}

// IsoWeekday is t's ISO day of the week, 1 (Monday) to 7 (Sunday).
func IsoWeekday(t time.Time) int { return (int(t.Weekday())+6)%7 + 1 }

// Monday returns the Monday of t's week (ISO weeks begin on Monday).
func Monday(t time.Time) time.Time {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// Workday reports whether a day is Monday to Friday.
func Workday(t time.Time) bool { return IsoWeekday(t) <= 5 }

// NextWorkday is the first Monday-to-Friday day after today.
func NextWorkday(today time.Time) time.Time {
	d := today.AddDate(0, 0, 1)
	for !Workday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// WorkdaysBack is the latest day D such that the days after D up to and
// including today hold n working days: something dated D or earlier has
// waited at least n working days.
func WorkdaysBack(today time.Time, n int) time.Time {
	d := today
	for n > 0 {
		if Workday(d) {
			n--
		}
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// DueAttendanceWeek is the Monday of the week whose attendance is due today:
// the week of the latest attendance weekday (ISO) on or before today.
func DueAttendanceWeek(today time.Time, weekday int) time.Time {
	m := Monday(today)
	if IsoWeekday(today) < weekday {
		m = m.AddDate(0, 0, -7)
	}
	return m
}
