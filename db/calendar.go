package db

import (
	"time"
)

// IsoWeekday is t's ISO day of the week, 1 (Monday) to 7 (Sunday).
func IsoWeekday(t time.Time) int { return (int(t.Weekday())+6)%7 + 1 }

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

// OsloMidnight is the instant a day (a date at midnight UTC, as
// Store.Today gives) begins in Oslo.
func OsloMidnight(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, oslo)
}

// OsloDate is the day an instant falls on in Oslo, as Store.Today gives it.
func OsloDate(t time.Time) time.Time {
	y, m, d := t.In(oslo).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
