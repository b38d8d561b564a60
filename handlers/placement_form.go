package handlers

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// placementFields are the single-valued fields of the placement form, in
// the order the form shows them (the error summary follows this order).
var placementFields = []string{"kind", "title", "tasks", "sector", "municipality", "address", "hours_per_week", "days_per_week",
	"start_date", "end_date", "ongoing", "seats", "level_listening", "level_reading", "level_writing", "level_oral",
	"adaptations_other", "supervisor_name", "supervisor_email", "supervisor_phone"}

var phoneRe = regexp.MustCompile(`^\+?[0-9 ]{8,20}$`)

// placementForm is the parsed form: what was typed (to show again) and
// the input for the store.
type placementForm struct {
	Form
	Languages   []string
	Adaptations []string
	Input       db.PlacementInput
}

// readPlacementForm parses and checks the form. The checks here are the
// ones every save needs; publishing needs more (checkPublishable).
func readPlacementForm(c *fiber.Ctx) placementForm {
	pf := placementForm{Form: newForm()}
	f := &pf.Form
	for _, k := range placementFields {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	pf.Languages, pf.Adaptations = formList(c, "languages"), formList(c, "adaptations")
	in := &pf.Input
	in.Kind, in.Title, in.Tasks = f.Values["kind"], f.Values["title"], f.Values["tasks"]
	in.Sector, in.Municipality, in.Address = f.Values["sector"], f.Values["municipality"], f.Values["address"]
	in.AdaptationsOther = f.Values["adaptations_other"]
	in.SupervisorName, in.SupervisorEmail, in.SupervisorPhone = f.Values["supervisor_name"], f.Values["supervisor_email"], f.Values["supervisor_phone"]
	in.Languages, in.Adaptations = pf.Languages, pf.Adaptations

	// A draft may wait for its kind (a title alone saves one); publishing
	// needs it (checkPublishable).
	f.Check(in.Kind == "" || Contains(db.PlacementKinds, in.Kind), "kind", "form.choose")
	f.Required("title", 150)
	f.Check(utf8.RuneCountInString(in.Tasks) <= 4000, "tasks", "form.too_long")
	f.Check(in.Sector == "" || Contains(db.Sectors, in.Sector), "sector", "form.choose")
	f.Check(utf8.RuneCountInString(in.Municipality) <= 100, "municipality", "form.too_long")
	f.Check(utf8.RuneCountInString(in.Address) <= 200, "address", "form.too_long")
	in.HoursPerWeek = optionalInt(f, "hours_per_week", 1, 40, "placement.hours_range")
	in.DaysPerWeek = optionalInt(f, "days_per_week", 1, 7, "placement.days_range")
	seats := optionalInt(f, "seats", 1, 50, "placement.seats_range")
	in.Seats = 1
	if seats != nil {
		in.Seats = *seats
	}
	f.Check(f.Values["seats"] != "", "seats", "form.required")
	in.StartDate = optionalDate(f, "start_date")
	if f.Values["ongoing"] == "" {
		in.EndDate = optionalDate(f, "end_date")
	}
	if in.StartDate != nil && in.EndDate != nil {
		f.Check(!in.EndDate.Before(*in.StartDate), "end_date", "placement.end_before_start")
	}
	in.Levels = map[string]db.Level{}
	for _, s := range db.Skills {
		l := db.Level(f.Values["level_"+s])
		f.Check(l == "" || containsLevel(db.RequirementLevels, l), "level_"+s, "form.choose")
		in.Levels[s] = l
	}
	for _, l := range pf.Languages {
		f.Check(Contains(db.WorkplaceLanguages, l), "languages", "form.choose")
	}
	for _, a := range pf.Adaptations {
		f.Check(Contains(db.Adaptations, a), "adaptations", "form.choose")
	}
	f.Check(utf8.RuneCountInString(in.AdaptationsOther) <= 1000, "adaptations_other", "form.too_long")
	f.Check(utf8.RuneCountInString(in.SupervisorName) <= 200, "supervisor_name", "form.too_long")
	f.Check(in.SupervisorEmail == "" || ValidEmail(in.SupervisorEmail), "supervisor_email", "form.email_invalid")
	f.Check(in.SupervisorPhone == "" || phoneRe.MatchString(in.SupervisorPhone), "supervisor_phone", "placement.phone_invalid")
	return pf
}

func containsLevel(list []db.Level, l db.Level) bool {
	for _, v := range list {
		if v == l {
			return true
		}
	}
	return false
}

func optionalInt(f *Form, field string, min, max int, msgID string) *int {
	v := f.Values[field]
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		f.Check(false, field, msgID)
		return nil
	}
	return &n
}

func optionalDate(f *Form, field string) *time.Time {
	v := f.Values[field]
	if v == "" {
		return nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		f.Check(false, field, "placement.date_invalid")
		return nil
	}
	return &t
}

// checkPublishable adds the checks a placement must pass before advisers
// may see it: enough for an adviser to judge it and a contact to call.
func checkPublishable(f *Form, p db.Placement) {
	f.Check(p.Kind != "", "kind", "placement.publish_needs")
	f.Check(strings.TrimSpace(p.Tasks) != "", "tasks", "placement.publish_needs")
	f.Check(p.Sector != "", "sector", "placement.publish_needs")
	f.Check(strings.TrimSpace(p.Municipality) != "", "municipality", "placement.publish_needs")
	f.Check(p.HoursPerWeek != nil, "hours_per_week", "placement.publish_needs")
	f.Check(p.DaysPerWeek != nil, "days_per_week", "placement.publish_needs")
	f.Check(p.StartDate != nil, "start_date", "placement.publish_needs")
	f.Check(strings.TrimSpace(p.SupervisorName) != "", "supervisor_name", "placement.publish_needs")
	f.Check(p.SupervisorEmail != "" || p.SupervisorPhone != "", "supervisor_email", "placement.publish_needs_contact")
}

// formFromPlacement fills the form with a stored placement, for editing.
func formFromPlacement(p db.Placement) placementForm {
	pf := placementForm{Form: newForm(), Languages: p.Languages, Adaptations: p.Adaptations}
	v := pf.Values
	v["kind"], v["title"], v["tasks"], v["sector"] = p.Kind, p.Title, p.Tasks, p.Sector
	v["municipality"], v["address"], v["adaptations_other"] = p.Municipality, p.Address, p.AdaptationsOther
	v["supervisor_name"], v["supervisor_email"], v["supervisor_phone"] = p.SupervisorName, p.SupervisorEmail, p.SupervisorPhone
	v["seats"] = strconv.Itoa(p.Seats)
	if p.HoursPerWeek != nil {
		v["hours_per_week"] = strconv.Itoa(*p.HoursPerWeek)
	}
	if p.DaysPerWeek != nil {
		v["days_per_week"] = strconv.Itoa(*p.DaysPerWeek)
	}
	if p.StartDate != nil {
		v["start_date"] = p.StartDate.Format("2006-01-02")
		if p.EndDate == nil {
			v["ongoing"] = "on"
		}
	}
	if p.EndDate != nil {
		v["end_date"] = p.EndDate.Format("2006-01-02")
	}
	for _, s := range db.Skills {
		v["level_"+s] = string(p.Level(s))
	}
	return pf
}
