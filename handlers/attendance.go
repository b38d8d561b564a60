package handlers

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/calendar"
	"praksis/db"
)

// Attendance: the employer (or the supervisor through a one-click link)
// logs a week at a time, day by day: present with hours, absent with a
// category, or not a working day. What is logged feeds the adviser's
// benefit decision; the portal flags, it never deducts (DOMAIN.md).

// Day states on the week form; "off" (or nothing) stores no row.
const (
	dayPresent = "present"
	dayAbsent  = "absent"
	dayOff     = "off"
)

// attendanceDay is one day of the week form.
type attendanceDay struct {
	Index     int
	Day       time.Time
	WeekdayID string // message ID of the day's name
	Disabled  string // message ID of why it cannot be logged, "" if it can
	State     string // present, absent, off or "" (nothing chosen)
	Hours     string
	Absence   string
	// Message IDs of the day's problems.
	StateError, HoursError, AbsenceError string
}

// attendancePage is the week form, signed in or through a link.
type attendancePage struct {
	Page
	A          db.Agreement
	Monday     time.Time
	Days       []attendanceDay
	Categories []string
	Form       Form
	Action     string // where the form posts
	ViaLink    bool   // the supervisor through a one-click link
	Expires    time.Time
}

// Week is the ISO week number of the page's week.
func (p *attendancePage) Week() int {
	_, w := p.Monday.ISOWeek()
	return w
}

// parseMonday reads a week as its Monday in YYYY-MM-DD; anything else is
// not a week.
func parseMonday(s string) (time.Time, bool) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil || d.Weekday() != time.Monday {
		return time.Time{}, false
	}
	return d, true
}

// weekProblem says why a week of the agreement cannot be logged (a status
// and message ID), or 0 when it can: the agreement must be running or
// ended, the week no later than this one and within the agreement's days.
func weekProblem(ag db.Agreement, monday, today time.Time) (int, string) {
	if !ag.Loggable() {
		return fiber.StatusConflict, "attendance.not_open"
	}
	if monday.After(calendar.Monday(today)) {
		return fiber.StatusUnprocessableEntity, "attendance.future_week"
	}
	last := ag.LastDay()
	if ag.StartDate == nil || last == nil || monday.AddDate(0, 0, 6).Before(*ag.StartDate) || monday.After(*last) {
		return fiber.StatusUnprocessableEntity, "attendance.outside"
	}
	return 0, ""
}

// weekDays are the days of the form: Monday to Friday, or to Sunday when
// the agreement has more than five days a week. A day before the start,
// after the end or after today is shown but cannot be logged.
func weekDays(ag db.Agreement, monday, today time.Time) []attendanceDay {
	n := 5
	if ag.DaysPerWeek != nil && *ag.DaysPerWeek > 5 {
		n = 7
	}
	last := ag.LastDay()
	out := make([]attendanceDay, n)
	for i := range out {
		d := monday.AddDate(0, 0, i)
		out[i] = attendanceDay{Index: i, Day: d, WeekdayID: fmt.Sprintf("attendance.weekday_%d", i+1)}
		switch {
		case ag.StartDate != nil && d.Before(*ag.StartDate):
			out[i].Disabled = "attendance.day_before_start"
		case last != nil && d.After(*last):
			out[i].Disabled = "attendance.day_after_end"
		case d.After(today):
			out[i].Disabled = "attendance.day_future"
		}
	}
	return out
}

// fillLogged puts what is logged into the form's days, hours written as
// the page's language writes them (7,5 in Norwegian), as they were typed.
func fillLogged(p *Page, days []attendanceDay, logged []db.AttendanceDay) {
	for _, l := range logged {
		for i := range days {
			if !days[i].Day.Equal(l.Day) {
				continue
			}
			if l.Present {
				days[i].State, days[i].Hours = dayPresent, p.Num(l.Hours)
			} else {
				days[i].State = dayAbsent
				if l.Absence != nil {
					days[i].Absence = *l.Absence
				}
			}
		}
	}
}

// parseHours reads hours with a decimal point or comma, to a tenth.
func parseHours(s string) (float64, bool) {
	h, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	if err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
		return 0, false
	}
	return math.Round(h*10) / 10, true
}

// readWeek reads the posted days into the form and checks each: a known
// state; present with 0–12 hours on a day that can be logged; absent with
// a known category and no hours. It returns the rows to store.
func readWeek(c *fiber.Ctx, p *attendancePage) []db.AttendanceDay {
	var rows []db.AttendanceDay
	for i := range p.Days {
		d := &p.Days[i]
		sf, hf, af := fmt.Sprintf("state_%d", i), fmt.Sprintf("hours_%d", i), fmt.Sprintf("absence_%d", i)
		d.State, d.Hours, d.Absence = c.FormValue(sf), strings.TrimSpace(c.FormValue(hf)), c.FormValue(af)
		p.Form.Values[sf], p.Form.Values[hf], p.Form.Values[af] = d.State, d.Hours, d.Absence
		switch d.State {
		case "", dayOff:
			continue
		case dayPresent, dayAbsent:
		default:
			p.Form.Check(false, sf, "attendance.bad_state")
			continue
		}
		if d.Disabled != "" {
			msg := d.Disabled
			if d.State == dayPresent && d.Disabled == "attendance.day_future" {
				msg = "attendance.present_future"
			}
			p.Form.Check(false, sf, msg)
			continue
		}
		row := db.AttendanceDay{Day: d.Day, Present: d.State == dayPresent}
		if row.Present {
			h, ok := parseHours(d.Hours)
			p.Form.Check(d.Hours != "", hf, "attendance.hours_required")
			p.Form.Check(d.Hours == "" || (ok && h >= 0 && h <= 12), hf, "attendance.hours_range")
			row.Hours = h
		} else {
			h, ok := parseHours(d.Hours)
			p.Form.Check(d.Hours == "" || (ok && h == 0), hf, "attendance.hours_absent")
			p.Form.Check(d.Absence != "", af, "attendance.absence_required")
			p.Form.Check(d.Absence == "" || Contains(db.AbsenceCategories, d.Absence), af, "attendance.bad_category")
			cat := d.Absence
			row.Absence = &cat
		}
		rows = append(rows, row)
	}
	for i := range p.Days {
		d := &p.Days[i]
		d.StateError = p.Form.Errors[fmt.Sprintf("state_%d", i)]
		d.HoursError = p.Form.Errors[fmt.Sprintf("hours_%d", i)]
		d.AbsenceError = p.Form.Errors[fmt.Sprintf("absence_%d", i)]
	}
	return rows
}

// employerAgreement loads the agreement in the URL for its employer with
// access (an employer whose access ended is refused).
func (a *App) employerAgreement(c *fiber.Ctx) (db.Agreement, error) {
	ag, err := a.agreementFor(c)
	if err != nil {
		return ag, err
	}
	if err := a.employerCut(c, ag); err != nil {
		return ag, err
	}
	return ag, nil
}

// newAttendancePage checks the week and builds its form, prefilled with
// what is logged.
func (a *App) newAttendancePage(c *fiber.Ctx, pg Page, ag db.Agreement, week string) (*attendancePage, error) {
	monday, ok := parseMonday(week)
	if !ok {
		return nil, fiber.ErrNotFound
	}
	today := a.today()
	if status, msgID := weekProblem(ag, monday, today); status != 0 {
		return nil, weekError(status, msgID, ag, monday)
	}
	p := &attendancePage{Page: pg, A: ag, Monday: monday, Days: weekDays(ag, monday, today), Categories: db.AbsenceCategories,
		Form: newForm(), Action: fmt.Sprintf("/agreements/%d/attendance/%s", ag.ID, week)}
	p.Title = p.T("attendance.week_title", "Week", p.Week())
	logged, err := a.store.AttendanceWeek(c.UserContext(), ag.ID, monday)
	if err != nil {
		return nil, err
	}
	fillLogged(&p.Page, p.Days, logged)
	// The week's form shows who it is about: a read of the agreement.
	return p, a.logAgreementRead(c, ag.ID)
}

// attendanceWeek is GET /agreements/:id/attendance/:week: the week's form.
func (a *App) attendanceWeek(c *fiber.Ctx) error {
	ag, err := a.employerAgreement(c)
	if err != nil {
		return err
	}
	p, err := a.newAttendancePage(c, a.newPage(c, "attendance.title"), ag, c.Params("week"))
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "agreements/attendance", p)
}

// attendanceSave is POST /agreements/:id/attendance/:week: the week's
// rows are replaced in one transaction, or nothing changes.
func (a *App) attendanceSave(c *fiber.Ctx) error {
	ag, err := a.employerAgreement(c)
	if err != nil {
		return err
	}
	p, err := a.newAttendancePage(c, a.newPage(c, "attendance.title"), ag, c.Params("week"))
	if err != nil {
		return err
	}
	rows := readWeek(c, p)
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "agreements/attendance", p)
	}
	err = a.store.SaveAttendanceWeek(c.UserContext(), ag.ID, p.Monday, rows,
		db.LinkWriter{UserID: session(c).User.ID, Today: a.today(), IP: clientIP(c)})
	if errors.Is(err, db.ErrNotStarted) {
		return errStatus(fiber.StatusConflict, "attendance.not_open")
	} else if err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/agreements/%d", ag.ID), "flash.attendance_saved")
}
