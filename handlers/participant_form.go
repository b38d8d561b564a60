package handlers

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

var participantFields = []string{"first_name", "last_name", "birth_year", "education", "regime", "programme_start", "programme_end",
	"goal_category", "goal_sector", "goal_listening", "goal_reading", "goal_writing", "goal_oral", "municipality", "address",
	"nav_contact", "status", "protected_address", "programme_hours", "phone", "sick_child_quota"}

type participantForm struct {
	Form
	Languages []string
	Input     db.ParticipantInput
	// The regime's limits, set when the dates break them, for the hint
	// beside the end date.
	MaxMonths, MinMonths int
}

// readParticipantForm parses and checks the participant form. Checks that
// need the database (the NAV contact, the programme rules, default goals)
// are done here too, through the store.
func (a *App) readParticipantForm(c *fiber.Ctx) (participantForm, error) {
	pf := participantForm{Form: newForm()}
	f := &pf.Form
	for _, k := range participantFields {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	pf.Languages = formList(c, "languages")
	in := &pf.Input
	in.FirstName, in.LastName = f.Values["first_name"], f.Values["last_name"]
	in.Education, in.Regime, in.Status = f.Values["education"], f.Values["regime"], f.Values["status"]
	in.GoalCategory, in.GoalSector = f.Values["goal_category"], f.Values["goal_sector"]
	in.Municipality, in.Address = f.Values["municipality"], f.Values["address"]
	in.ProtectedAddress = f.Values["protected_address"] != ""
	in.Phone, in.SickChildQuota = f.Values["phone"], f.Values["sick_child_quota"]
	f.Check(validPhone(in.Phone), "phone", "participant.phone_invalid")
	f.Check(in.SickChildQuota == "" || Contains(db.SickChildQuotas, in.SickChildQuota), "sick_child_quota", "form.choose")
	in.Languages = pf.Languages
	if in.Status == "" {
		in.Status, f.Values["status"] = "active", "active"
	}
	f.Required("first_name", 100)
	f.Required("last_name", 100)
	year, err := strconv.Atoi(f.Values["birth_year"])
	f.Check(err == nil && year >= 1940 && year <= 2015, "birth_year", "participant.birth_year_range")
	in.BirthYear = year
	for _, l := range pf.Languages {
		f.Check(Contains(db.ParticipantLanguages, l), "languages", "form.choose")
	}
	f.Check(Contains(db.Educations, in.Education), "education", "form.choose")
	f.Check(Contains(db.Regimes, in.Regime), "regime", "form.choose")
	if f.Values["programme_hours"] == "" {
		f.Values["programme_hours"] = db.ProgrammeHours[0] // full time unless said otherwise
	}
	f.Check(Contains(db.ProgrammeHours, f.Values["programme_hours"]), "programme_hours", "form.choose")
	in.ProgrammeHours, _ = strconv.ParseFloat(f.Values["programme_hours"], 64)
	f.Check(Contains(db.GoalCategories, in.GoalCategory), "goal_category", "form.choose")
	f.Check(in.GoalSector == "" || Contains(db.Sectors, in.GoalSector), "goal_sector", "form.choose")
	f.Check(in.GoalCategory != "work_sector" || in.GoalSector != "", "goal_sector", "participant.sector_needed")
	f.Check(Contains(db.ParticipantStatuses, in.Status), "status", "form.choose")
	f.Check(utf8.RuneCountInString(in.Municipality) <= 100, "municipality", "form.too_long")
	f.Check(utf8.RuneCountInString(in.Address) <= 200, "address", "form.too_long")
	start := requiredDate(f, "programme_start")
	end := requiredDate(f, "programme_end")
	if start != nil && end != nil {
		in.ProgrammeStart, in.ProgrammeEnd = *start, *end
		f.Check(end.After(*start), "programme_end", "participant.end_before_start")
	}
	ctx := c.UserContext()
	if start != nil && end != nil && Contains(db.Regimes, in.Regime) && end.After(*start) {
		rule, err := a.store.ProgrammeRuleFor(ctx, in.Regime, *start)
		if err != nil && err != db.ErrNotFound {
			return pf, err
		}
		if err == nil {
			longest := start.AddDate(0, rule.MaxMonths+rule.ExtensionMonths, 0)
			if end.After(longest) {
				f.Check(false, "programme_end", "participant.too_long")
				pf.MaxMonths = rule.MaxMonths + rule.ExtensionMonths
			}
			if end.Before(start.AddDate(0, rule.MinMonths, 0)) {
				f.Check(false, "programme_end", "participant.too_short")
				pf.MinMonths = rule.MinMonths
			}
		}
	}
	in.Goals = map[string]db.Level{}
	var defaults map[string]db.Level
	if start != nil && Contains(db.Educations, in.Education) {
		if defaults, err = a.store.DefaultGoals(ctx, in.Education, *start); err != nil {
			return pf, err
		}
	}
	for _, sk := range db.Skills {
		l := db.Level(f.Values["goal_"+sk])
		if l == "" {
			l = defaults[sk] // the configured default for the education level
		}
		f.Check(l == "" && defaults == nil || l.Valid(), "goal_"+sk, "form.choose")
		in.Goals[sk] = l
	}
	if v := f.Values["nav_contact"]; v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		ok := false
		if err == nil {
			u, err := a.store.UserByID(ctx, id)
			ok = err == nil && u.Role == db.RoleNAV && u.DisabledAt == nil
			in.NavContactID = &id
		}
		f.Check(ok, "nav_contact", "participant.not_nav")
	}
	return pf, nil
}

func requiredDate(f *Form, field string) *time.Time {
	f.Check(f.Values[field] != "", field, "form.required")
	if f.Values[field] == "" {
		return nil
	}
	return optionalDate(f, field)
}

// formFromParticipant fills the form for editing.
func formFromParticipant(p db.Participant) participantForm {
	pf := participantForm{Form: newForm(), Languages: p.Languages}
	v := pf.Values
	v["first_name"], v["last_name"], v["birth_year"] = p.FirstName, p.LastName, strconv.Itoa(p.BirthYear)
	v["education"], v["regime"], v["status"] = p.Education, p.Regime, p.Status
	v["programme_start"], v["programme_end"] = p.ProgrammeStart.Format("2006-01-02"), p.ProgrammeEnd.Format("2006-01-02")
	v["goal_category"], v["goal_sector"] = p.GoalCategory, p.GoalSector
	v["programme_hours"] = strconv.FormatFloat(p.ProgrammeHours, 'f', -1, 64)
	for _, sk := range db.Skills {
		v["goal_"+sk] = string(p.Goal(sk))
	}
	v["municipality"], v["address"] = p.Municipality, p.Address
	v["phone"], v["sick_child_quota"] = p.Phone, p.SickChildQuota
	if p.ProtectedAddress {
		v["protected_address"] = "on"
	}
	if p.NavContactID != nil {
		v["nav_contact"] = strconv.FormatInt(*p.NavContactID, 10)
	}
	return pf
}

// navUsers lists the NAV accounts an adviser can link a participant to.
func (a *App) navUsers(ctx context.Context) ([]db.User, error) {
	all, err := a.store.Users(ctx, db.RoleNAV, "")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, u := range all {
		if u.DisabledAt == nil {
			out = append(out, u)
		}
	}
	return out, nil
}

// validPhone accepts an empty phone or digits with an optional leading +
// and spaces, at most 30 characters (the column's limit).
func validPhone(s string) bool {
	if len(s) > 30 {
		return false
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ' || (r == '+' && i == 0):
		default:
			return false
		}
	}
	return s == "" || digits >= 5
}
