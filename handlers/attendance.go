package handlers

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"praksis/db"
	"praksis/mail"
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

// linkPayload is what an attendance or evaluation link is for. Only the
// token's payload says which agreement and week or phase a link may
// touch; nothing in the form it shows is trusted for that.
type linkPayload struct {
	AgreementID int64  `json:"agreement_id"`
	Week        string `json:"week,omitempty"`
	Phase       string `json:"phase,omitempty"`
	Lang        string `json:"lang,omitempty"`
}

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
	if monday.After(db.Monday(today)) {
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
	if a.employerCut(c, ag) {
		return ag, errStatus(fiber.StatusForbidden, "agreements.access_ended")
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
		return nil, errStatus(status, msgID)
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

// linkAgreement loads the agreement a one-click link was made for, from
// the token's payload alone. An agreement whose employer access has ended
// makes the link one that no longer works (410).
func (a *App) linkAgreement(c *fiber.Ctx, lp *linkPage, t db.LinkToken) (db.Agreement, linkPayload, bool, error) {
	var pl linkPayload
	if err := json.Unmarshal(t.Payload, &pl); err != nil || pl.AgreementID <= 0 {
		return db.Agreement{}, pl, false, fiber.ErrNotFound
	}
	today := a.today()
	ag, err := a.store.AgreementIn(c.UserContext(), pl.AgreementID, db.AgreementScope{Role: db.RoleAdmin}, today)
	if err != nil {
		return ag, pl, false, err
	}
	if !ag.EmployerMaySee(today) {
		lp.State = db.TokenExpired
		return ag, pl, false, a.renderLinkProblem(c, lp)
	}
	return ag, pl, true, nil
}

// attendanceLinkPage is the week form a one-click link opens, for the
// agreement and week its token names.
func (a *App) attendanceLinkPage(c *fiber.Ctx, lp *linkPage, t db.LinkToken) (*attendancePage, error) {
	ag, pl, ok, err := a.linkAgreement(c, lp, t)
	if !ok {
		return nil, err
	}
	p, err := a.newAttendancePage(c, lp.Page, ag, pl.Week)
	if err != nil {
		return nil, err
	}
	p.ViaLink, p.Action, p.Expires = true, "/l/"+lp.Token, t.ExpiresAt
	return p, nil
}

// attendanceLinkShow is GET /l/:token for an attendance link: the week's
// form without signing in.
func (a *App) attendanceLinkShow(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.attendanceLinkPage(c, lp, t)
	if p == nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "links/attendance", p)
}

// attendanceLinkUse is POST /l/:token for an attendance link: it saves
// the week the token names, for the agreement it names, whatever the form
// says. The link stays valid until it expires, to correct a mistake.
func (a *App) attendanceLinkUse(c *fiber.Ctx, lp *linkPage, t db.LinkToken) error {
	p, err := a.attendanceLinkPage(c, lp, t)
	if p == nil {
		return err
	}
	ag := p.A
	rows := readWeek(c, p)
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "links/attendance", p)
	}
	err = a.store.SaveAttendanceWeek(c.UserContext(), ag.ID, p.Monday, rows, db.LinkWriter{Token: lp.Token, Today: a.today(), IP: clientIP(c)})
	switch {
	case errors.Is(err, db.ErrNotStarted):
		return errStatus(fiber.StatusConflict, "attendance.not_open")
	case errors.Is(err, db.ErrNotFound): // expired or access ended meanwhile
		lp.State = db.TokenExpired
		return a.renderLinkProblem(c, lp)
	case err != nil:
		return err
	}
	return a.redirect(c, "/l/"+lp.Token, "flash.attendance_saved")
}

// sendLink mails the agreement's supervisor a one-click link, through the
// outbox in the same transaction as the token and the audit row. The
// mail's language is the supervisor's account's, if the address has one.
func (a *App) sendLink(c *fiber.Ctx, ag db.Agreement, purpose string, pl linkPayload, vars map[string]string) error {
	ctx := c.UserContext()
	var err error
	if pl.Lang, err = a.localeOf(ctx, ag.SupervisorEmail); err != nil {
		return err
	}
	days := a.store.AgreementRules().LinkDays
	vars["Days"] = strconv.Itoa(days)
	payload := map[string]any{"lang": pl.Lang}
	what := pl.Week
	if pl.Week != "" {
		payload["week"] = pl.Week
	}
	if pl.Phase != "" {
		payload["phase"], what = pl.Phase, pl.Phase
	}
	err = a.store.InTx(ctx, func(tx *sqlx.Tx) error {
		token, err := db.SendLink(ctx, tx, purpose, ag.ID, payload, ag.SupervisorEmail, time.Duration(days)*24*time.Hour,
			db.LinkWriter{UserID: session(c).User.ID, Today: a.today(), IP: clientIP(c)})
		if err != nil {
			return err
		}
		// A fresh token each time: asking twice mails twice, while the
		// same transaction, retried, queues one mail.
		key := fmt.Sprintf("%s:%d:%s:%s", purpose, ag.ID, what, hex.EncodeToString(db.HashToken(token))[:16])
		d := mail.Data{FirstName: mail.FirstName(ag.SupervisorName), Link: a.mail.Link("/l/" + token), Vars: vars}
		return a.queueMail(ctx, tx, purpose, pl.Lang, ag.SupervisorEmail, key, d)
	})
	if err != nil {
		return err
	}
	a.wakeMail()
	return nil
}

// linkSender loads the agreement for someone who may mail its supervisor
// a link: the employer with access, or the participant's adviser.
func (a *App) linkSender(c *fiber.Ctx) (db.Agreement, error) {
	ag, err := a.employerAgreement(c)
	if err != nil {
		return ag, err
	}
	if ag.SupervisorEmail == "" {
		return ag, errStatus(fiber.StatusConflict, "attendance.no_supervisor")
	}
	return ag, nil
}

// attendanceLinkSend is POST /agreements/:id/attendance-link: mail the
// supervisor a link to log the chosen week.
func (a *App) attendanceLinkSend(c *fiber.Ctx) error {
	ag, err := a.linkSender(c)
	if err != nil {
		return err
	}
	week := c.FormValue("week")
	monday, ok := parseMonday(week)
	if !ok {
		if !ag.Loggable() {
			return errStatus(fiber.StatusConflict, "attendance.not_open")
		}
		return errStatus(fiber.StatusUnprocessableEntity, "attendance.bad_week")
	}
	if status, msgID := weekProblem(ag, monday, a.today()); status != 0 {
		return errStatus(status, msgID)
	}
	_, n := monday.ISOWeek()
	if err := a.sendLink(c, ag, db.PurposeAttendance, linkPayload{Week: week}, map[string]string{"Week": strconv.Itoa(n)}); err != nil {
		return err
	}
	return a.redirect(c, fmt.Sprintf("/agreements/%d", ag.ID), "flash.attendance_link_sent")
}
