package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type stepPage struct {
	Page
	A       db.Agreement
	Step    string
	Steps   []string
	Form    Form
	Goals   []string // the goal categories checked
	AllGoal []string
	Stale   bool // the save was refused: the form shows the newer version
	// Mine is what the person tried to save when someone else saved
	// first, so that nothing they typed is lost: field name → value.
	Mine []ContentValue
}

// ContentValue is one field of a refused save, for showing it again.
type ContentValue struct{ Field, Value string }

// stepFor loads the agreement and the step in the URL for someone who may
// edit it: the employer with access or the participant's adviser, while
// it has not ended or been cancelled.
func (a *App) stepFor(c *fiber.Ctx) (db.Agreement, string, error) {
	ag, err := a.agreementFor(c)
	if err != nil {
		return ag, "", err
	}
	step := c.Params("step")
	if !Contains(agreementSteps, step) {
		return ag, "", fiber.ErrNotFound
	}
	if err := a.employerCut(c, ag); err != nil {
		return ag, "", err
	}
	if !ag.Editable() {
		return ag, "", errStatus(fiber.StatusConflict, "agreements.not_editable")
	}
	return ag, step, nil
}

func (a *App) newStepPage(c *fiber.Ctx, ag db.Agreement, step string) stepPage {
	p := stepPage{Page: a.newPage(c, "agreements.step_title"), A: ag, Step: step, Steps: agreementSteps,
		Form: formFromAgreement(ag), Goals: ag.Goals, AllGoal: db.AgreementGoals}
	p.Title = p.T("agreements.step." + step)
	return p
}

// agreementStep shows one step's form.
func (a *App) agreementStep(c *fiber.Ctx) error {
	ag, step, err := a.stepFor(c)
	if err != nil {
		return err
	}
	if err := a.store.LogAgreementAccess(c.UserContext(), session(c).User.ID, ag.ID, "agreement.view", clientIP(c)); err != nil {
		return err
	}
	p := a.newStepPage(c, ag, step)
	return a.render(c, fiber.StatusOK, "agreements/step", &p)
}

// agreementStepSave saves one step. A save from an older version than the
// current one is refused with the current version on the screen; a save
// after anyone approved withdraws the approvals (db.SaveAgreement keeps
// the approved version).
func (a *App) agreementStepSave(c *fiber.Ctx) error {
	ag, step, err := a.stepFor(c)
	if err != nil {
		return err
	}
	p := a.newStepPage(c, ag, step)
	f := newForm()
	edit := readStep(c, &f, step, ag, a.today())
	if !f.Valid() {
		// The corrected form must still say which version it was made from.
		f.Values["lock_version"] = c.FormValue("lock_version")
		p.Form = f
		p.Goals = formList(c, "goals")
		return a.render(c, fiber.StatusUnprocessableEntity, "agreements/step", &p)
	}
	err = a.store.SaveAgreement(c.UserContext(), ag.ID, lockVersion(c), a.actor(c), step, edit)
	switch {
	case errors.Is(err, db.ErrStale):
		// Someone saved first: show their version, nothing of ours saved.
		cur, err := a.agreementFor(c)
		if err != nil {
			return err
		}
		p = a.newStepPage(c, cur, step)
		p.Stale = true
		for _, k := range stepFields[step] {
			if v := f.Values[k]; v != "" && v != p.Form.Values[k] {
				p.Mine = append(p.Mine, ContentValue{k, v})
			}
		}
		if goals := formList(c, "goals"); step == "goals" && len(goals) > 0 {
			labels := make([]string, len(goals))
			for i, g := range goals {
				labels[i] = p.T("agreements.goal." + g)
			}
			p.Mine = append(p.Mine, ContentValue{"goals", strings.Join(labels, ", ")})
		}
		return a.render(c, fiber.StatusConflict, "agreements/step", &p)
	case errors.Is(err, db.ErrConflict):
		return errStatus(fiber.StatusConflict, "agreements.not_editable")
	case err != nil:
		return err
	}
	next := agreementPath(ag.ID)
	for i, s := range agreementSteps {
		if s == step && i+1 < len(agreementSteps) && c.FormValue("continue") != "" {
			next += "/steps/" + agreementSteps[i+1]
		}
	}
	return a.redirect(c, next, "flash.agreement_saved")
}

// stepFields are the text fields of each step, in the form's order.
var stepFields = map[string][]string{
	"contacts": {"supervisor_name", "supervisor_email", "supervisor_phone"},
	"goals":    {"goals_text"},
	"schedule": {"job_title", "tasks", "start_date", "end_date", "hours_per_week", "days_per_week"},
	"followup": {"follow_up_weeks", "follow_up_plan", "adaptations"},
	"mentor":   {"mentor_name", "mentor_phone", "mentor_tasks"},
}

// formFromAgreement fills every step's fields from the agreement.
func formFromAgreement(ag db.Agreement) Form {
	f := newForm()
	v := f.Values
	c := ag.AgreementContent
	v["supervisor_name"], v["supervisor_email"], v["supervisor_phone"] = c.SupervisorName, c.SupervisorEmail, c.SupervisorPhone
	v["goals_text"], v["job_title"], v["tasks"] = c.GoalsText, c.JobTitle, c.Tasks
	if c.StartDate != nil {
		v["start_date"] = c.StartDate.Format("2006-01-02")
	}
	if c.EndDate != nil {
		v["end_date"] = c.EndDate.Format("2006-01-02")
	}
	if c.HoursPerWeek != nil {
		v["hours_per_week"] = strconv.FormatFloat(*c.HoursPerWeek, 'f', -1, 64)
	}
	if c.DaysPerWeek != nil {
		v["days_per_week"] = strconv.Itoa(*c.DaysPerWeek)
	}
	v["follow_up_plan"], v["follow_up_weeks"], v["adaptations"] = c.FollowUpPlan, strconv.Itoa(c.FollowUpWeeks), c.Adaptations
	v["mentor_name"], v["mentor_phone"], v["mentor_tasks"] = c.MentorName, c.MentorPhone, c.MentorTasks
	v["lock_version"] = strconv.Itoa(ag.LockVersion)
	return f
}

// readStep reads and checks one step's fields into f and returns the
// edit that applies them. The schedule must fit inside the programme and
// the placement: dates within both, hours within the participant's
// programme hours and the placement's, arbeidstrening at most 12 months.
func readStep(c *fiber.Ctx, f *Form, step string, ag db.Agreement, today time.Time) func(*db.AgreementContent) {
	text := func(name string, max int, required bool) string {
		v := strings.TrimSpace(c.FormValue(name))
		f.Values[name] = v
		if required {
			f.Required(name, max)
		} else {
			f.Check(utf8.RuneCountInString(v) <= max, name, "form.too_long")
		}
		return v
	}
	switch step {
	case "contacts":
		name, email, phone := text("supervisor_name", 200, true), text("supervisor_email", 254, true), text("supervisor_phone", 30, false)
		f.Check(email == "" || ValidEmail(email), "supervisor_email", "form.email_invalid")
		return func(c *db.AgreementContent) {
			c.SupervisorName, c.SupervisorEmail, c.SupervisorPhone = name, strings.ToLower(email), phone
		}
	case "goals":
		goals := formList(c, "goals")
		ok := len(goals) > 0
		for _, g := range goals {
			ok = ok && Contains(db.AgreementGoals, g)
		}
		f.Check(ok, "goals", "agreements.goals_needed")
		other := text("goals_text", 2000, false)
		f.Check(!Contains(goals, "other") || other != "", "goals_text", "agreements.goals_other_needed")
		return func(c *db.AgreementContent) { c.Goals, c.GoalsText = goals, other }
	case "schedule":
		title, tasks := text("job_title", 150, true), text("tasks", 4000, false)
		f.Values["start_date"], f.Values["end_date"] = c.FormValue("start_date"), c.FormValue("end_date")
		start, end := requiredDate(f, "start_date"), requiredDate(f, "end_date")
		f.Values["hours_per_week"] = strings.Replace(strings.TrimSpace(c.FormValue("hours_per_week")), ",", ".", 1)
		f.Values["days_per_week"] = strings.TrimSpace(c.FormValue("days_per_week"))
		f.Check(f.Values["hours_per_week"] != "", "hours_per_week", "form.required")
		hours, err := strconv.ParseFloat(f.Values["hours_per_week"], 64)
		f.Check(err == nil && hours > 0 && hours*2 == float64(int(hours*2)), "hours_per_week", "agreements.hours_invalid")
		f.Check(hours <= ag.ProgrammeHours, "hours_per_week", "agreements.hours_over_programme")
		f.Check(ag.PlacementHours == nil || hours <= float64(*ag.PlacementHours), "hours_per_week", "agreements.hours_over_placement")
		f.Check(f.Values["days_per_week"] != "", "days_per_week", "form.required")
		days := optionalInt(f, "days_per_week", 1, 7, "agreements.days_invalid")
		if start != nil && end != nil {
			f.Check(!end.Before(*start), "end_date", "agreements.end_before_start")
			// A start already agreed may lie in the past (a running
			// agreement keeps its start); a new one may not.
			f.Check(!start.Before(today) || ag.StartDate != nil && start.Equal(*ag.StartDate), "start_date", "agreements.start_past")
			f.Check(!start.Before(ag.ProgrammeStart) && !end.After(ag.ProgrammeEnd), "end_date", "agreements.outside_programme")
			f.Check(ag.PlacementStart == nil || !start.Before(*ag.PlacementStart), "start_date", "agreements.before_placement")
			f.Check(ag.PlacementEnd == nil || !end.After(*ag.PlacementEnd), "end_date", "agreements.after_placement")
			f.Check(ag.PlacementKind != "arbeidstrening" || !end.After(start.AddDate(1, 0, -1)), "end_date", "agreements.arbeidstrening_max")
		}
		return func(c *db.AgreementContent) {
			c.JobTitle, c.Tasks, c.StartDate, c.EndDate, c.HoursPerWeek, c.DaysPerWeek = title, tasks, start, end, &hours, days
		}
	case "followup":
		plan, adapt := text("follow_up_plan", 2000, false), text("adaptations", 2000, false)
		f.Values["follow_up_weeks"] = strings.TrimSpace(c.FormValue("follow_up_weeks"))
		f.Check(f.Values["follow_up_weeks"] != "", "follow_up_weeks", "form.required")
		weeks := optionalInt(f, "follow_up_weeks", 1, 26, "agreements.weeks_invalid")
		return func(c *db.AgreementContent) {
			c.FollowUpPlan, c.Adaptations = plan, adapt
			if weeks != nil {
				c.FollowUpWeeks = *weeks
			}
		}
	}
	// mentor
	name, phone, tasks := text("mentor_name", 200, false), text("mentor_phone", 30, false), text("mentor_tasks", 2000, false)
	return func(c *db.AgreementContent) { c.MentorName, c.MentorPhone, c.MentorTasks = name, phone, tasks }
}
