package handlers

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/calendar"
	"praksis/db"
)

// Reminders: every signed-in person chooses at /settings/reminders which
// optional reminders their morning digest carries and on which weekdays;
// admins set the thresholds at /admin/reminders and preview what the next
// morning's run of the `reminders` job would send (jobs/reminders.go).

// reminderPrefsPage is /settings/reminders.
type reminderPrefsPage struct {
	Page
	Form     Form
	Optional []string // rules the person may switch off
	Required []string // rules they always get
	On       []string // optional rules switched on
	AllDays  []string // "1" … "5"
	Days     []string // chosen days
}

func (a *App) newReminderPrefsPage(c *fiber.Ctx) reminderPrefsPage {
	role := session(c).User.Role
	p := reminderPrefsPage{Page: a.newPage(c, "settings.reminders.title"), Form: newForm(),
		Optional: db.OptionalReminderRules(role), Required: db.RequiredReminderRules(role)}
	for _, d := range db.ReminderWeekdays {
		p.AllDays = append(p.AllDays, strconv.Itoa(d))
	}
	return p
}

// reminderPrefsForm shows the person's own choices.
func (a *App) reminderPrefsForm(c *fiber.Ctx) error {
	p := a.newReminderPrefsPage(c)
	prefs, err := a.store.ReminderPrefs(c.UserContext(), session(c).User.ID)
	if err != nil {
		return err
	}
	for _, r := range p.Optional {
		if !Contains(prefs.RulesOff, r) {
			p.On = append(p.On, r)
		}
	}
	for _, d := range prefs.Weekdays {
		p.Days = append(p.Days, strconv.Itoa(d))
	}
	return a.render(c, fiber.StatusOK, "settings/reminders", &p)
}

// reminderPrefsSave stores the person's own choices: the checked optional
// rules stay on, the others go off; at least one weekday. Anything not
// offered on the form is refused, and nothing is saved.
func (a *App) reminderPrefsSave(c *fiber.Ctx) error {
	p := a.newReminderPrefsPage(c)
	p.On, p.Days = formList(c, "rules"), formList(c, "days")
	for _, r := range p.On {
		p.Form.Check(Contains(p.Optional, r), "rules", "settings.reminders.bad_rule")
	}
	p.Form.Check(len(p.Days) > 0, "days", "settings.reminders.day_required")
	var days []int
	for _, d := range p.Days {
		p.Form.Check(Contains(p.AllDays, d), "days", "settings.reminders.bad_day")
		n, _ := strconv.Atoi(d)
		days = append(days, n)
	}
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "settings/reminders", &p)
	}
	sort.Ints(days)
	prefs := db.ReminderPrefs{Weekdays: days, RulesOff: []string{}}
	for _, r := range p.Optional {
		if !Contains(p.On, r) {
			prefs.RulesOff = append(prefs.RulesOff, r)
		}
	}
	if err := a.store.SaveReminderPrefs(c.UserContext(), session(c).User.ID, prefs, clientIP(c)); err != nil {
		return err
	}
	return a.redirect(c, "/settings/reminders", "flash.reminder_prefs_saved")
}

// adminRemindersPage is /admin/reminders: the thresholds and the preview.
type adminRemindersPage struct {
	Page
	Form     Form
	Settings db.ReminderSettings
	Fields   []db.ReminderLimit // the number fields, in order
	Weekdays []string           // the attendance weekday's choices
	Day      string             // the previewed day, 02.01.2006
	Weekend  bool               // nobody gets digests that day
	Preview  []previewRecipient // at most previewRecipients of them
	Items    int                // items in the whole preview
	Total    int                // recipients in the whole preview
	More     int                // recipients not shown
}

// previewRecipient is one recipient's part of the preview.
type previewRecipient struct {
	Email, Locale string
	Account       bool
	Items         []db.ReminderItem
}

// previewRecipients caps the recipients the page lists (the counts cover
// all of them).
const previewRecipients = 200

func (a *App) newAdminRemindersPage(c *fiber.Ctx) adminRemindersPage {
	p := adminRemindersPage{Page: a.newPage(c, "admin.reminders.title"), Form: newForm()}
	for _, l := range db.ReminderLimits {
		if l.Name != "attendance_weekday" {
			p.Fields = append(p.Fields, l)
		}
	}
	for _, d := range db.ReminderWeekdays {
		p.Weekdays = append(p.Weekdays, strconv.Itoa(d))
	}
	return p
}

// fillPreview computes what tomorrow's run would send with the thresholds
// in force: the same rule statements as the job, recording nothing. The
// participants it names (by first name) are logged as listed.
func (a *App) fillPreview(c *fiber.Ctx, p *adminRemindersPage) error {
	ctx := c.UserContext()
	set, err := a.store.ReminderSettings(ctx)
	if err != nil {
		return err
	}
	day := a.today().AddDate(0, 0, 1)
	p.Day, p.Weekend = day.Format("02.01.2006"), !calendar.Workday(day)
	items, err := a.store.PreviewReminders(ctx, day, set)
	if err != nil {
		return err
	}
	p.Items = len(items)
	byRecipient := map[string]*previewRecipient{}
	var order []string
	var seen []int64
	for _, it := range items {
		k := strings.ToLower(it.Recipient)
		r, ok := byRecipient[k]
		if !ok {
			r = &previewRecipient{Email: it.Recipient, Locale: it.Locale, Account: it.HasAccount}
			byRecipient[k] = r
			order = append(order, k)
		}
		r.Items = append(r.Items, it)
	}
	sort.Strings(order)
	p.Total = len(order)
	for i, k := range order {
		if i == previewRecipients {
			p.More = len(order) - i
			break
		}
		p.Preview = append(p.Preview, *byRecipient[k])
		for _, it := range byRecipient[k].Items {
			if it.ParticipantID != nil {
				seen = append(seen, *it.ParticipantID)
			}
		}
	}
	return a.store.LogListed(ctx, session(c).User.ID, "participant", seen, clientIP(c))
}

// adminReminders shows the thresholds and the preview.
func (a *App) adminReminders(c *fiber.Ctx) error {
	p := a.newAdminRemindersPage(c)
	var err error
	if p.Settings, err = a.store.ReminderSettings(c.UserContext()); err != nil {
		return err
	}
	for _, l := range db.ReminderLimits {
		p.Form.Values[l.Name] = strconv.Itoa(*p.Settings.Field(l.Name))
	}
	if err := a.fillPreview(c, &p); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/reminders", &p)
}

// adminRemindersSave stores new thresholds: every field a whole number in
// its range (db.ReminderLimits), or the form comes back with a message per
// field and nothing is saved. The change is audited with old and new values.
func (a *App) adminRemindersSave(c *fiber.Ctx) error {
	p := a.newAdminRemindersPage(c)
	var err error
	if p.Settings, err = a.store.ReminderSettings(c.UserContext()); err != nil {
		return err
	}
	in := p.Settings
	for _, l := range db.ReminderLimits {
		v := strings.TrimSpace(c.FormValue(l.Name))
		p.Form.Values[l.Name] = v
		n, err := strconv.Atoi(v)
		p.Form.Check(err == nil && n >= l.Min && n <= l.Max, l.Name, "admin.reminders.range."+l.Name)
		*in.Field(l.Name) = n
	}
	if !p.Form.Valid() {
		if err := a.fillPreview(c, &p); err != nil {
			return err
		}
		return a.render(c, fiber.StatusUnprocessableEntity, "admin/reminders", &p)
	}
	if err := a.store.SaveReminderSettings(c.UserContext(), in, session(c).User.ID, clientIP(c)); err != nil {
		return err
	}
	return a.redirect(c, "/admin/reminders", "flash.reminder_settings_saved")
}
