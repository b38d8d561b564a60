package handlers

import (
	"math"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// adminRulesPage shows the dated rules: the programme rows (added here,
// with a preview of whom a new row affects), the measurement thresholds
// (added here), and the regime, NAV, absence and national target rows
// (read-only: a migration changes them when the law does).
type adminRulesPage struct {
	Page
	Programme   []db.ProgrammeRule
	Measure     []db.MeasureRule
	Regime      []db.RegimeRule
	NAV         []db.NAVMeasureRule
	Absence     []db.AbsenceRuleRow
	Targets     []kpiTargetRow
	Form        Form // the form that failed, for the summary
	RuleForm    Form
	MeasureForm Form
	Previewed   bool
	Preview     []db.RulePreview
	Outside     int
	Regimes     []string
	Tracks      []string
	Categories  []string
	Norskmals   []string
}

var ruleFields = []string{"regime", "track", "goal_category", "min_age", "max_age", "min_months", "max_months",
	"extension_months", "valid_from", "valid_to", "leave_extends", "norskmal", "source"}

var measureFields = []string{"valid_from", "risk_horizon_months", "pace_window_months", "review_interval_months", "source"}

func (a *App) rulesPage(c *fiber.Ctx) (adminRulesPage, error) {
	ctx := c.UserContext()
	p := adminRulesPage{Page: a.newPage(c, "admin.rules.title"), Form: newForm(), RuleForm: newForm(), MeasureForm: newForm(),
		Regimes: db.Regimes, Tracks: []string{db.TrackAny, db.TrackS13, db.TrackS14}, Categories: db.GoalCategories,
		Norskmals: []string{db.NorskmalRequired, db.NorskmalOptional, db.NorskmalNone}}
	p.RuleForm.Values["track"], p.RuleForm.Values["min_age"], p.RuleForm.Values["max_age"] = db.TrackAny, "18", "55"
	p.RuleForm.Values["leave_extends"] = "on"
	var err error
	if p.Programme, err = a.store.ProgrammeRules(ctx); err != nil {
		return p, err
	}
	if p.Measure, err = a.store.MeasureRules(ctx); err != nil {
		return p, err
	}
	if len(p.Measure) > 0 { // the current thresholds as the starting point
		m := p.Measure[0]
		v := p.MeasureForm.Values
		v["m_risk_horizon_months"], v["m_pace_window_months"] = strconv.Itoa(m.RiskHorizonMonths), strconv.Itoa(m.PaceWindowMonths)
		v["m_review_interval_months"] = strconv.Itoa(m.ReviewIntervalMonths)
	}
	if p.Regime, err = a.store.RegimeRules(ctx); err != nil {
		return p, err
	}
	if p.NAV, err = a.store.NAVMeasureRules(ctx); err != nil {
		return p, err
	}
	if p.Absence, err = a.store.AbsenceRuleRows(ctx); err != nil {
		return p, err
	}
	targets, err := a.store.AllKPITargets(ctx)
	for _, t := range targets {
		p.Targets = append(p.Targets, kpiTargetRow{KPITarget: t, Percent: int(math.Round(t.Value * 100))})
	}
	return p, err
}

// kpiTargetRow is a national target with its share as whole percent.
type kpiTargetRow struct {
	db.KPITarget
	Percent int
}

func (a *App) adminRules(c *fiber.Ctx) error {
	p, err := a.rulesPage(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/rules", &p)
}

// monthsField reads a whole number of months; a non-number is msgID.
func monthsField(f *Form, field, msgID string) int {
	n, err := strconv.Atoi(f.Values[field])
	f.Check(err == nil, field, msgID)
	return n
}

// ageField reads an optional age.
func ageField(f *Form, field string) *int {
	if f.Values[field] == "" {
		return nil
	}
	n, err := strconv.Atoi(f.Values[field])
	f.Check(err == nil, field, "rule.age_range")
	return &n
}

// readRuleForm reads the add-a-row form; the store validates the rest.
func readRuleForm(c *fiber.Ctx) (Form, db.RuleInput) {
	f := newForm()
	for _, k := range ruleFields {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	v := f.Values
	in := db.RuleInput{Regime: v["regime"], Track: v["track"], GoalCategory: v["goal_category"], Norskmal: v["norskmal"],
		Source: v["source"], LeaveExtends: v["leave_extends"] != "", MinAge: ageField(&f, "min_age"), MaxAge: ageField(&f, "max_age"),
		MinMonths: monthsField(&f, "min_months", "rule.months_range"), MaxMonths: monthsField(&f, "max_months", "rule.months_range"),
		ExtensionMonths: monthsField(&f, "extension_months", "rule.months_range")}
	if d := requiredDate(&f, "valid_from"); d != nil {
		in.ValidFrom = *d
	}
	in.ValidTo = optionalDate(&f, "valid_to")
	return f, in
}

// adminRulePreview lists whom a new row would affect, saving nothing.
func (a *App) adminRulePreview(c *fiber.Ctx) error {
	f, in := readRuleForm(c)
	var preview []db.RulePreview
	if f.Valid() {
		var err error
		preview, err = a.store.PreviewProgrammeRule(c.UserContext(), in)
		if !storeRefusal(&f, "", err) && err != nil {
			return err
		}
	}
	p, err := a.rulesPage(c)
	if err != nil {
		return err
	}
	p.RuleForm = f
	if !f.Valid() {
		p.Form = f
		return a.render(c, fiber.StatusUnprocessableEntity, "admin/rules", &p)
	}
	p.Previewed, p.Preview = true, preview
	for _, r := range preview {
		if r.Outside {
			p.Outside++
		}
	}
	return a.render(c, fiber.StatusOK, "admin/rules", &p)
}

// adminRuleCreate adds a dated programme row (validated and audited by
// the store).
func (a *App) adminRuleCreate(c *fiber.Ctx) error {
	f, in := readRuleForm(c)
	if f.Valid() {
		_, err := a.store.AddProgrammeRule(c.UserContext(), session(c).User.ID, in, clientIP(c))
		if !storeRefusal(&f, "", err) && err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.rulesRefused(c, func(p *adminRulesPage) { p.RuleForm = f }, f)
	}
	return a.redirect(c, "/admin/rules", "flash.rule_saved")
}

// adminMeasureRuleCreate adds measurement thresholds from a day.
func (a *App) adminMeasureRuleCreate(c *fiber.Ctx) error {
	f := prefixed(c, "m_", measureFields...)
	in := db.MeasureRule{RiskHorizonMonths: monthsField(&f, "m_risk_horizon_months", "rule.months_range"),
		PaceWindowMonths:     monthsField(&f, "m_pace_window_months", "rule.months_range"),
		ReviewIntervalMonths: monthsField(&f, "m_review_interval_months", "rule.months_range"), Source: f.Values["m_source"]}
	if d := requiredDate(&f, "m_valid_from"); d != nil {
		in.ValidFrom = *d
	}
	if f.Valid() {
		_, err := a.store.AddMeasureRule(c.UserContext(), session(c).User.ID, in, clientIP(c))
		if !storeRefusal(&f, "m_", err) && err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.rulesRefused(c, func(p *adminRulesPage) { p.MeasureForm = f }, f)
	}
	return a.redirect(c, "/admin/rules", "flash.measure_rule_saved")
}

func (a *App) rulesRefused(c *fiber.Ctx, set func(*adminRulesPage), failed Form) error {
	p, err := a.rulesPage(c)
	if err != nil {
		return err
	}
	set(&p)
	p.Form = failed
	return a.render(c, fiber.StatusUnprocessableEntity, "admin/rules", &p)
}
