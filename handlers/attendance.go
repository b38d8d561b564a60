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
// records a week at a time what it saw each day: present with hours,
// absent – notified, absent – not notified, or not a work day. It never
// gives a reason: the adviser classifies each absence (absence.go), and
// what is classified feeds the municipality's benefit decision; the
// portal flags, it never deducts (DOMAIN.md, "Attendance and absence").

// attendanceDay is one day of the week form.
type attendanceDay struct {
	Index     int
	Day       time.Time
	WeekdayID string // message ID of the day's name
	Disabled  string // message ID of why it cannot be logged, "" if it can
	State     string // a mark of db.EmployerMarks, db.MarkAbsentLegacy or "" (nothing chosen)
	Hours     string
	Agreed    bool // a working day of the agreement: "every day as agreed" marks it present
	// Legacy: the day is stored as absent from before marks (the
	// employer's old form); the form offers to keep it as it is.
	Legacy bool
	// Message IDs of the day's problems.
	StateError, HoursError string
}

// attendancePage is the week form, signed in or through a link.
type attendancePage struct {
	Page
	A       db.Agreement
	Monday  time.Time
	Days    []attendanceDay
	Marks   []string
	Form    Form
	Action  string // where the form posts
	ViaLink bool   // the supervisor through a one-click link
	Expires time.Time
	Filled  bool // "every day as agreed" just filled the empty days, not saved yet
}

// Week is the ISO week number of the page's week.
func (p *attendancePage) Week() int {
	_, w := p.Monday.ISOWeek()
	return w
}

// AgreedHours is the hours of an agreed day as the page's language writes
// them: the agreement's hours a week over its days a week, to a tenth;
// "" when the agreement has no hours.
func (p *attendancePage) AgreedHours() string {
	h, ok := agreedDayHours(p.A)
	if !ok {
		return ""
	}
	return p.Num(h)
}

// AgreedDays is how many days a week the agreement has (five if unknown).
func (p *attendancePage) AgreedDays() int { return daysPerWeek(p.A) }

// HasAgreedDay reports whether a working day of the agreement in this
// week can be logged. Only then does the form offer "every day as
// agreed": a week opened by its address whose days on the form all lie
// before the start or after the end (a placement starting on a Saturday)
// has nothing to fill.
func (p *attendancePage) HasAgreedDay() bool {
	for _, d := range p.Days {
		if d.Agreed && d.Disabled == "" {
			return true
		}
	}
	return false
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

// daysPerWeek is the agreement's days a week, five when not set.
func daysPerWeek(ag db.Agreement) int {
	if ag.DaysPerWeek != nil && *ag.DaysPerWeek >= 1 && *ag.DaysPerWeek <= 7 {
		return *ag.DaysPerWeek
	}
	return 5
}

// agreedDayHours is an agreed day's hours: hours a week over days a week,
// to a tenth.
func agreedDayHours(ag db.Agreement) (float64, bool) {
	if ag.HoursPerWeek == nil || *ag.HoursPerWeek <= 0 {
		return 0, false
	}
	return math.Round(*ag.HoursPerWeek/float64(daysPerWeek(ag))*10) / 10, true
}

// weekDays are the days of the form: the days the agreement can be
// worked on, Monday to Friday, or to the days-per-week-th day for six or
// seven days a week (the rule of attendance_week_due, migration 00024). A
// day before the start, after the end or after today is shown but cannot
// be logged. The agreement records days a week, not which days, so its
// agreed days are the first days-per-week of them within its dates.
func weekDays(ag db.Agreement, monday, today time.Time) []attendanceDay {
	n := max(5, daysPerWeek(ag))
	last := ag.LastDay()
	out := make([]attendanceDay, n)
	agreed := 0
	for i := range out {
		d := monday.AddDate(0, 0, i)
		out[i] = attendanceDay{Index: i, Day: d, WeekdayID: fmt.Sprintf("attendance.weekday_%d", i+1)}
		switch {
		case ag.StartDate != nil && d.Before(*ag.StartDate):
			out[i].Disabled = "attendance.day_before_start"
			continue
		case last != nil && d.After(*last):
			out[i].Disabled = "attendance.day_after_end"
			continue
		}
		if agreed < daysPerWeek(ag) {
			out[i].Agreed = true
			agreed++
		}
		if d.After(today) {
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
			days[i].State = l.Mark
			days[i].Legacy = l.Mark == db.MarkAbsentLegacy
			if l.Present() {
				days[i].Hours = p.Num(l.Hours)
			}
		}
	}
}

// fillAgreed is "every day as agreed": each day that can be logged and has
// nothing chosen yet becomes present with the agreed hours if it is an
// agreed day, else not a work day. Days already chosen stay as they are,
// so exceptions entered first are kept.
func fillAgreed(p *attendancePage) {
	h, ok := agreedDayHours(p.A)
	for i := range p.Days {
		d := &p.Days[i]
		if d.Disabled != "" || d.State != "" {
			continue
		}
		if d.Agreed {
			d.State = db.MarkPresent
			if ok && d.Hours == "" {
				d.Hours = p.Num(h)
			}
		} else {
			d.State = db.MarkNotWorkDay
		}
		sf, hf := fmt.Sprintf("state_%d", i), fmt.Sprintf("hours_%d", i)
		p.Form.Values[sf], p.Form.Values[hf] = d.State, d.Hours
	}
	p.Filled = p.HasAgreedDay() // a week without one was not offered the fill
}

// parseHours reads hours with a decimal point or comma, to a tenth.
func parseHours(s string) (float64, bool) {
	h, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	if err != nil || math.IsNaN(h) || math.IsInf(h, 0) {
		return 0, false
	}
	return math.Round(h*10) / 10, true
}

// reasonFieldPrefixes name the fields an employer's week form no longer
// has: the old form's category per day (absence_N) or any reason. A post
// carrying one is refused as a whole (readWeek), nothing saved: the
// employer does not classify absence (DOMAIN.md).
var reasonFieldPrefixes = []string{"absence", "reason", "category", "cause"}

// postsReason reports whether the request's form carries a reason field.
func postsReason(c *fiber.Ctx) bool {
	found := false
	c.Request().PostArgs().VisitAll(func(k, _ []byte) {
		key := strings.ToLower(string(k))
		for _, p := range reasonFieldPrefixes {
			if strings.HasPrefix(key, p) {
				found = true
			}
		}
	})
	if mf, err := c.MultipartForm(); err == nil {
		for key := range mf.Value {
			for _, p := range reasonFieldPrefixes {
				if strings.HasPrefix(strings.ToLower(key), p) {
					found = true
				}
			}
		}
	}
	return found
}

// readWeek reads the posted days into the form and checks each: a known
// mark; present with 0–12 hours on a day that can be logged (hours on
// another mark are not stored); "absent" without notified/not only on a day stored so
// from before marks. A reason field anywhere refuses the whole week. It
// returns the rows to store.
func readWeek(c *fiber.Ctx, p *attendancePage) []db.AttendanceDay {
	if postsReason(c) {
		p.Form.Check(false, "reason", "attendance.reason_refused")
		return nil
	}
	var rows []db.AttendanceDay
	for i := range p.Days {
		d := &p.Days[i]
		sf, hf := fmt.Sprintf("state_%d", i), fmt.Sprintf("hours_%d", i)
		d.State, d.Hours = c.FormValue(sf), strings.TrimSpace(c.FormValue(hf))
		p.Form.Values[sf], p.Form.Values[hf] = d.State, d.Hours
		switch {
		case d.State == "":
			p.Form.Check(d.Hours == "", sf, "attendance.hours_no_mark")
			continue
		case Contains(db.EmployerMarks, d.State), d.State == db.MarkAbsentLegacy && d.Legacy:
		default:
			p.Form.Check(false, sf, "attendance.bad_state")
			continue
		}
		if d.Disabled != "" {
			msg := d.Disabled
			if d.State == db.MarkPresent && d.Disabled == "attendance.day_future" {
				msg = "attendance.present_future"
			}
			p.Form.Check(false, sf, msg)
			continue
		}
		// Hours count only on a day present: the hours "every day as
		// agreed" filled in on a day then marked absent are dropped, so an
		// exception is one click.
		row := db.AttendanceDay{Day: d.Day, Mark: d.State}
		if row.Present() {
			h, ok := parseHours(d.Hours)
			p.Form.Check(d.Hours != "", hf, "attendance.hours_required")
			p.Form.Check(d.Hours == "" || (ok && h >= 0 && h <= 12), hf, "attendance.hours_range")
			row.Hours = h
		}
		rows = append(rows, row)
	}
	for i := range p.Days {
		d := &p.Days[i]
		d.StateError = p.Form.Errors[fmt.Sprintf("state_%d", i)]
		d.HoursError = p.Form.Errors[fmt.Sprintf("hours_%d", i)]
	}
	return rows
}

// readOrFill reads a post of the week form. "Every day as agreed"
// (fill=agreed) fills the days left empty and answers the form to check
// and save (200, nothing saved, what was typed kept); a refused week
// answers 422, nothing saved; a reason field refuses even a fill. It
// returns the rows to save, or the status to render the form with.
func readOrFill(c *fiber.Ctx, p *attendancePage) ([]db.AttendanceDay, int) {
	rows := readWeek(c, p)
	if _, reason := p.Form.Errors["reason"]; !reason && c.FormValue("fill") == "agreed" {
		values := p.Form.Values
		p.Form = newForm()
		p.Form.Values = values
		for i := range p.Days {
			p.Days[i].StateError, p.Days[i].HoursError = "", ""
		}
		fillAgreed(p)
		return nil, fiber.StatusOK
	}
	if !p.Form.Valid() {
		return nil, fiber.StatusUnprocessableEntity
	}
	return rows, 0
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
	p := &attendancePage{Page: pg, A: ag, Monday: monday, Days: weekDays(ag, monday, today), Marks: db.EmployerMarks,
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
	rows, status := readOrFill(c, p)
	if status != 0 {
		return a.render(c, status, "agreements/attendance", p)
	}
	err = a.store.SaveAttendanceWeek(c.UserContext(), ag.ID, p.Monday, rows,
		db.LinkWriter{UserID: session(c).User.ID, Today: a.today(), IP: clientIP(c)})
	if err := attendanceSaveError(err); err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/agreements/%d", ag.ID), "flash.attendance_saved")
}

// attendanceSaveError maps SaveAttendanceWeek's refusals: not running
// (409), a mark the form does not offer (422; readWeek checks first, so
// only a day changed meanwhile gets here).
func attendanceSaveError(err error) error {
	switch {
	case errors.Is(err, db.ErrNotStarted):
		return errStatus(fiber.StatusConflict, "attendance.not_open")
	case errors.Is(err, db.ErrInvalidMark):
		return errStatus(fiber.StatusUnprocessableEntity, "attendance.bad_state")
	}
	return err
}
