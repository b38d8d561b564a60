package handlers

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

var participantFields = []string{"first_name", "last_name", "birth_year", "education", "regime", "programme_start", "programme_end",
	"goal_category", "goal_sector", "goal_listening", "goal_reading", "goal_writing", "goal_oral", "municipality", "address",
	"nav_contact", "status", "programme_hours", "legal_basis", "permit_date", "sex", "phone", "sick_child_quota"}

type participantForm struct {
	Form
	Languages []string
	Input     db.ParticipantInput
	Legal     db.LegalStatus
	PlanGoals map[string]db.Level
	// The regime's limits, set when the dates break them, for the hint
	// beside the end date.
	MaxMonths, MinMonths int
	// Regime is the regime derived from the legal basis ("" when it
	// cannot be yet); Expired the rule that would apply but has ended.
	Regime  string
	Expired *db.ProgrammeRule
	// Norskmal is the rule's word on a Norwegian goal (required,
	// optional, none; "" before a rule is found).
	Norskmal string
}

// readParticipantForm parses and checks the participant form. Checks that
// need the database (the NAV contact, the programme rules, default goals)
// are done here too, through the store. current is the stored regime (""
// when registering), kept while the legal basis is unknown.
func (a *App) readParticipantForm(c *fiber.Ctx, current string) (participantForm, error) {
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
	if err := pf.readLegalStatus(c.UserContext(), a.store, current); err != nil {
		return pf, err
	}
	in.Regime = pf.Regime
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
	var rule db.ProgrammeRule
	if start != nil && pf.Regime != "" && Contains(db.Educations, in.Education) && Contains(db.GoalCategories, in.GoalCategory) {
		// The rule in force on the plan's date, which the form takes to
		// be the programme's start (version 1 of the plan).
		rule, err = a.store.ProgrammeRuleAt(ctx, db.RuleQuery{Regime: pf.Regime, Education: in.Education,
			GoalCategory: in.GoalCategory, BirthYear: in.BirthYear, On: *start})
		switch {
		case errors.Is(err, db.ErrRuleExpired):
			f.Check(false, "programme_start", "plan.rule_expired")
			pf.Expired = &rule
		case errors.Is(err, db.ErrNotFound):
			f.Check(false, "programme_start", "plan.no_rule")
		case err != nil:
			return pf, err
		default:
			pf.Norskmal = rule.Norskmal
		}
	}
	if pf.Norskmal != "" && end != nil && end.After(*start) {
		if end.After(start.AddDate(0, rule.MaxMonths, 0)) {
			f.Check(false, "programme_end", "participant.too_long")
			pf.MaxMonths = rule.MaxMonths
		}
		if end.Before(start.AddDate(0, rule.MinMonths, 0)) {
			f.Check(false, "programme_end", "participant.too_short")
			pf.MinMonths = rule.MinMonths
		}
	}
	in.Goals, pf.PlanGoals = map[string]db.Level{}, map[string]db.Level{}
	var defaults map[string]db.Level
	if start != nil && Contains(db.Educations, in.Education) {
		if defaults, err = a.store.DefaultGoals(ctx, in.Education, *start); err != nil {
			return pf, err
		}
	}
	for _, sk := range db.Skills {
		typed := db.Level(f.Values["goal_"+sk])
		l := typed
		if l == "" {
			l = defaults[sk] // the configured default for the education level
		}
		f.Check(l == "" && defaults == nil || l.Valid(), "goal_"+sk, "form.choose")
		// The participant's own columns keep a goal in every skill
		// (legacy readers); the plan has one only where its rule allows:
		// every skill where it requires one, the typed ones where it is
		// optional, none where the regime has none.
		in.Goals[sk] = l
		switch {
		case pf.Norskmal == db.NorskmalRequired && l.Valid():
			pf.PlanGoals[sk] = l
		case pf.Norskmal == db.NorskmalOptional && typed.Valid():
			pf.PlanGoals[sk] = typed
		case pf.Norskmal == db.NorskmalNone && typed != "":
			f.Check(false, "goal_"+sk, "plan.no_norskmal")
		}
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

// readLegalStatus reads the legal basis, permit date and sex and derives
// the regime from the first two by the dated rules (never from
// nationality); an unknown basis keeps current, and a new participant
// needs a known one.
func (pf *participantForm) readLegalStatus(ctx context.Context, store *db.Store, current string) error {
	f := &pf.Form
	pf.Legal = db.LegalStatus{LegalBasis: f.Values["legal_basis"], Sex: f.Values["sex"]}
	if pf.Legal.Sex == "" {
		pf.Legal.Sex, f.Values["sex"] = "not_given", "not_given"
	}
	f.Check(Contains(db.LegalBases, pf.Legal.LegalBasis), "legal_basis", "form.choose")
	f.Check(current != "" || pf.Legal.LegalBasis != db.BasisUnknown, "legal_basis", "participant.basis_needed")
	f.Check(Contains(db.Sexes, pf.Legal.Sex), "sex", "form.choose")
	if pf.Legal.LegalBasis != db.BasisUnknown {
		pf.Legal.PermitDate = requiredDate(f, "permit_date")
	} else if f.Values["permit_date"] != "" {
		pf.Legal.PermitDate = optionalDate(f, "permit_date")
	}
	if pf.Legal.LegalBasis == db.BasisUnknown {
		pf.Regime = current
	}
	if f.Errors["legal_basis"] != "" || f.Errors["permit_date"] != "" || pf.Legal.LegalBasis == db.BasisUnknown {
		return nil
	}
	rules, err := store.RegimeRules(ctx)
	if err != nil {
		return err
	}
	r, err := db.DeriveRegime(pf.Legal.LegalBasis, pf.Legal.PermitDate, rules)
	if err != nil {
		f.Check(false, "permit_date", "participant.no_regime_rule")
		return nil
	}
	pf.Regime = r.Regime
	return nil
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
	v["legal_basis"], v["sex"] = p.LegalBasis, p.Sex
	if p.PermitDate != nil {
		v["permit_date"] = p.PermitDate.Format("2006-01-02")
	}
	pf.Regime = p.Regime
	v["phone"], v["sick_child_quota"] = p.Phone, p.SickChildQuota
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

// participantFieldOf is the form field beside which a refusal of the
// store is shown: the plan's fields are the form's programme dates.
func participantFieldOf(field string) string {
	switch field {
	case "plan_date", "decided_on":
		return "programme_start"
	case "original_end":
		return "programme_end"
	}
	return field
}

// registration is what the store saves of a valid form.
func (pf participantForm) registration() db.Registration {
	return db.Registration{Participant: pf.Input, Legal: pf.Legal, PlanGoals: pf.PlanGoals}
}

// withPlan shows the plan's original end and Norwegian goals on the edit
// form: the form edits the plan's end, and the plan says which skills
// have a goal.
func withPlan(pf participantForm, plan db.IntegrationPlan) participantForm {
	pf.Values["programme_end"] = plan.OriginalEnd.Format("2006-01-02")
	for _, sk := range db.Skills {
		pf.Values["goal_"+sk] = ""
		if l := plan.Goal(sk); l != nil {
			pf.Values["goal_"+sk] = string(*l)
		}
	}
	return pf
}

// validPhone accepts an empty value or a phone number as people write
// one: digits, spaces, a leading +, at least 5 digits, at most 30
// characters (the narrower of the two columns that hold one: a
// participant's and the programme contact's).
func validPhone(s string) bool {
	if s == "" {
		return true
	}
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
	return digits >= 5
}
