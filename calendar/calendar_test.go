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
