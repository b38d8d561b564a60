package calendar

import (
	"testing"
	"time"
)

// Oslo's day is not UTC's: late in the UTC evening it is tomorrow in Oslo,
// an hour later in winter and two in summer.
func TestToday(t *testing.T) {
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 1, 14, 22, 59, 0, 0, time.UTC), "2026-01-14"},
		{time.Date(2026, 1, 14, 23, 0, 0, 0, time.UTC), "2026-01-15"},
		{time.Date(2026, 6, 14, 21, 59, 0, 0, time.UTC), "2026-06-14"},
		{time.Date(2026, 6, 14, 22, 0, 0, 0, time.UTC), "2026-06-15"},
	} {
		got := Today(c.now)
		if got.Format("2006-01-02") != c.want || got.Location() != time.UTC || got.Hour() != 0 {
			t.Errorf("Today(%s) = %s, want %s at midnight UTC", c.now, got, c.want)
		}
	}
	if Oslo.String() != "Europe/Oslo" {
		t.Errorf("Oslo is %q", Oslo)
	}
}

// TestReminderCalendar: the day arithmetic the reminder rules' parameters
// use (db/reminder_rules.go).
func TestReminderCalendar(t *testing.T) {
	d := func(s string) time.Time {
		t.Helper()
		day, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return day
	}
	for _, c := range []struct{ today, want string }{
		{"2025-06-12", "2025-06-13"}, {"2025-06-13", "2025-06-16"}, {"2025-06-14", "2025-06-16"}, {"2025-06-15", "2025-06-16"},
	} {
		if got := NextWorkday(d(c.today)); !got.Equal(d(c.want)) {
			t.Errorf("NextWorkday(%s) = %s, want %s", c.today, got.Format("2006-01-02"), c.want)
		}
	}
	for _, c := range []struct {
		today string
		n     int
		want  string
	}{
		{"2025-06-13", 5, "2025-06-08"}, {"2025-06-16", 1, "2025-06-15"}, {"2025-06-15", 1, "2025-06-12"},
		{"2025-06-20", 10, "2025-06-08"}, {"2025-06-13", 0, "2025-06-13"},
	} {
		if got := WorkdaysBack(d(c.today), c.n); !got.Equal(d(c.want)) {
			t.Errorf("WorkdaysBack(%s, %d) = %s, want %s", c.today, c.n, got.Format("2006-01-02"), c.want)
		}
	}
	for _, c := range []struct {
		today   string
		weekday int
		want    string
	}{
		{"2025-06-13", 5, "2025-06-09"}, {"2025-06-12", 5, "2025-06-02"}, {"2025-06-15", 5, "2025-06-09"},
		{"2025-06-16", 5, "2025-06-09"}, {"2025-06-16", 1, "2025-06-16"},
	} {
		if got := DueAttendanceWeek(d(c.today), c.weekday); !got.Equal(d(c.want)) {
			t.Errorf("DueAttendanceWeek(%s, %d) = %s, want %s", c.today, c.weekday, got.Format("2006-01-02"), c.want)
		}
	}
	if got := OsloMidnight(d("2025-06-13")); !got.Equal(time.Date(2025, 6, 12, 22, 0, 0, 0, time.UTC)) {
		t.Errorf("OsloMidnight = %s", got)
	}
}

// TestMonday: ISO weeks begin on Monday, whatever the time of day or zone
// of the instant given; Sunday is day 7 and no workday.
func TestMonday(t *testing.T) {
	for _, c := range []struct {
		day     time.Time
		monday  string
		weekday int
		workday bool
	}{
		{time.Date(2025, 6, 16, 0, 0, 0, 0, time.UTC), "2025-06-16", 1, true},
		{time.Date(2025, 6, 20, 23, 30, 0, 0, time.UTC), "2025-06-16", 5, true},
		{time.Date(2025, 6, 22, 12, 0, 0, 0, Oslo), "2025-06-16", 7, false},
		{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), "2025-12-29", 4, true},
	} {
		m := Monday(c.day)
		if m.Format("2006-01-02") != c.monday || m.Location() != time.UTC || IsoWeekday(c.day) != c.weekday || Workday(c.day) != c.workday {
			t.Errorf("%s: Monday %s, weekday %d, workday %v; want %s, %d, %v", c.day, m, IsoWeekday(c.day), Workday(c.day),
				c.monday, c.weekday, c.workday)
		}
	}
}
