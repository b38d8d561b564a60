// Package calendar is the programme's calendar: the Europe/Oslo zone its
// days begin and end in, loaded once for storage, pages and schedules.
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
