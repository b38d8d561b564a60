package handlers

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/calendar"
	"praksis/db"
)

// The KPI page, /admin/kpi: the nightly measurement's figures for the
// whole municipality (admins) or for the adviser's own caseload. It is
// registered outside the /admin group (routes.go) so that advisers reach
// it too. Everything comes from the latest measured day: headline
// figures, trend lines over the last year from the stored KPIs, and bar
// charts by cohort — for admins the stored cohorts (start year, regime,
// sex, regime × sex, adviser), for an adviser their own caseload split the
// same way, computed from the day's snapshots by the job's query
// (db.GoalKPIsFor). Every figure is measured against the goals people
// have (issue 14): at the goal and the gap over those with a norskmål,
// the one-year outcome "as recorded" with the unknown counted beside it.

type kpiFigure struct {
	Label, Value, Note string
}

type kpiPage struct {
	Page
	ForAdviser bool
	Day        *time.Time
	// MeasuredAt is set when the latest figures came from a run by hand
	// (the page then says the time, not "the night to").
	MeasuredAt *time.Time
	Figures    []kpiFigure
	Skills     []kpiFigure
	Trends     []lineChart
	Cohorts    []barChart
}

// kpiShow is /admin/kpi.
func (a *App) kpiShow(c *fiber.Ctx) error {
	p := kpiPage{Page: a.newPage(c, "admin.kpi.title")}
	ctx := c.UserContext()
	u := session(c).User
	p.ForAdviser = u.Role == db.RoleAdviser
	var err error
	var m *db.KPIMeasurement
	if p.Day, m, err = a.store.LatestKPI(ctx); err != nil || p.Day == nil {
		if err != nil {
			return err
		}
		return a.render(c, fiber.StatusOK, "admin/kpi", &p)
	}
	if m != nil && m.ByHand() {
		at := m.StartedAt.In(calendar.Oslo)
		p.MeasuredAt = &at
	}
	dim, key := db.DimAll, db.DimAll
	var latest []db.KPI
	if p.ForAdviser {
		dim, key = db.DimAdviser, strconv.FormatInt(u.ID, 10)
		latest, err = a.store.GoalKPIsFor(ctx, *p.Day, u.ID)
	} else {
		latest, err = a.store.KPIsOn(ctx, *p.Day, db.DimAll, db.DimStartYear, db.DimRegime, db.DimSex, db.DimRegimeSex, db.DimAdviser)
	}
	if err != nil {
		return err
	}
	from := p.Day.AddDate(-1, 0, 0)
	series, err := a.store.KPISeries(ctx, dim, key, []string{db.MetricAtGoal, db.MetricRisk, db.MetricAvgGap,
		db.MetricWorkEdu1y, db.MetricUnknown1y}, from)
	if err != nil {
		return err
	}
	// The one-year outcome of women and men beside everyone's (the gap
	// between them is the national headline figure); the stored KPIs split
	// by sex for the whole municipality only.
	bySex := map[string][]db.KPI{}
	if !p.ForAdviser {
		for _, sex := range []string{"woman", "man"} {
			if bySex[sex], err = a.store.KPISeries(ctx, db.DimSex, sex, []string{db.MetricWorkEdu1y}, from); err != nil {
				return err
			}
		}
	}
	f := kpiFormat{p: &p.Page}
	if f.targets, err = a.store.KPITargets(ctx, db.MetricWorkEdu1y); err != nil {
		return err
	}
	if t, ok := db.TargetOn(f.targets, *p.Day); ok {
		f.target = &t
	}
	p.Figures, p.Skills = f.figures(latest)
	p.Trends = append(f.trends(series), f.outcomeTrend(series, bySex))
	dims := []string{db.DimStartYear, db.DimRegime, db.DimSex, db.DimRegimeSex}
	if !p.ForAdviser {
		dims = append(dims, db.DimAdviser)
	}
	for _, d := range dims {
		p.Cohorts = append(p.Cohorts, f.cohortChart(d, latest))
	}
	return a.render(c, fiber.StatusOK, "admin/kpi", &p)
}

// kpiFormat turns KPIs into the page's language. targets are the dated
// national targets of the one-year outcome (kpi_targets), target the one
// in force on the page's day (nil: none).
type kpiFormat struct {
	p       *Page
	targets []db.KPITarget
	target  *db.KPITarget
}

func (f kpiFormat) t(id string, args ...any) string { return f.p.T(id, args...) }

// value prints a metric's value: a share as a percentage, the gap in
// levels with one decimal, days as a whole number.
func (f kpiFormat) value(metric string, v float64) string {
	switch metric {
	case db.MetricAvgGap:
		return f.t("admin.kpi.levels", "Value", f.decimal(v))
	case db.MetricDaysToFirst:
		return f.t("admin.kpi.days", "Value", strconv.Itoa(int(math.Round(v))))
	case db.MetricUnknown1y:
		return strconv.Itoa(int(math.Round(v))) // a count, not a share
	}
	return f.percent(v)
}

func (f kpiFormat) percent(v float64) string {
	return f.t("admin.kpi.percent", "Value", strconv.Itoa(int(math.Round(v*100))))
}

// decimal prints one decimal with the language's separator.
func (f kpiFormat) decimal(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if f.p.Locale == "nb" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// figures are the headline figures of the "all" cohort (for an adviser,
// their caseload), and the share at the goal per skill.
func (f kpiFormat) figures(rows []db.KPI) (main, skills []kpiFigure) {
	all := map[string]db.KPI{}
	for _, r := range rows {
		if r.Dimension == db.DimAll {
			all[r.Metric] = r
		}
	}
	fig := func(metric string, label string) kpiFigure {
		r, ok := all[metric]
		if !ok {
			return kpiFigure{Label: label, Value: "–", Note: f.t("admin.kpi.none")}
		}
		note := f.t("admin.kpi.n_"+noteKind(metric), "N", r.N)
		if metric == db.MetricWorkEdu1y {
			// "As recorded": an unknown outcome is not "not in work",
			// so the unknown are counted beside it, not in it.
			unknown := 0
			if u, ok := all[db.MetricUnknown1y]; ok {
				unknown = int(math.Round(u.Value))
			}
			note += " · " + f.t("admin.kpi.unknown_1y", "N", unknown)
			if f.target != nil {
				note += " · " + f.t("admin.kpi.target_note", "Target", f.percent(f.target.Value))
			}
		}
		return kpiFigure{Label: label, Value: f.value(metric, r.Value), Note: note}
	}
	for _, m := range []string{db.MetricAtGoal, db.MetricWithGoal, db.MetricRisk, db.MetricAvgGap, db.MetricWorkEduEnd, db.MetricWorkEdu1y, db.MetricGotJob, db.MetricDaysToFirst} {
		label := f.t("admin.kpi.metric_" + m)
		if m == db.MetricWorkEdu1y {
			label = f.t("admin.kpi.metric_work_edu_1y_recorded")
		}
		main = append(main, fig(m, label))
	}
	for _, sk := range db.Skills {
		skills = append(skills, fig(db.MetricAtGoalSkill+sk, f.t("skill."+sk)))
	}
	return main, skills
}

// noteKind is what a metric's n counts: active participants, participants
// whose programme ended, agreements, or participants with a placement.
func noteKind(metric string) string {
	switch metric {
	case db.MetricAtGoal, db.MetricAvgGap, db.MetricAtGoalSkill + "listening", db.MetricAtGoalSkill + "reading",
		db.MetricAtGoalSkill + "writing", db.MetricAtGoalSkill + "oral":
		return "goal"
	case db.MetricWorkEdu1y:
		return "known"
	case db.MetricUnknown1y:
		return "year"
	case db.MetricWorkEduEnd:
		return "ended"
	case db.MetricGotJob:
		return "agreements"
	case db.MetricDaysToFirst:
		return "placed"
	}
	return "active"
}

// trends are the lines over days: the shares at the goal and at risk on
// one chart, the average gap on another.
func (f kpiFormat) trends(rows []db.KPI) []lineChart {
	by := map[string][]linePoint{}
	maxGap := 0.0
	for _, r := range rows {
		by[r.Metric] = append(by[r.Metric], linePoint{Day: r.Day, Value: r.Value})
		if r.Metric == db.MetricAvgGap {
			maxGap = math.Max(maxGap, r.Value)
		}
	}
	shares := []lineInput{
		{Label: f.t("admin.kpi.metric_at_goal"), Class: "goal", Points: by[db.MetricAtGoal]},
		{Label: f.t("admin.kpi.metric_risk"), Class: "risk", Points: by[db.MetricRisk]},
	}
	gap := []lineInput{{Label: f.t("admin.kpi.metric_avg_gap"), Class: "gap", Points: by[db.MetricAvgGap]}}
	gapMax, gapStep := niceAxis(maxGap)
	charts := []lineChart{
		newLineChart("trend-shares", f.t("admin.kpi.trend_shares"), f.trendDesc(shares, f.percent), shares, 1, 0.25, f.percent),
		newLineChart("trend-gap", f.t("admin.kpi.trend_gap"), f.trendDesc(gap, f.decimal), gap, gapMax, gapStep, f.decimal),
	}
	for i := range charts {
		charts[i].Table.Caption = charts[i].Title
		charts[i].Table.Corner = f.t("admin.kpi.day")
		charts[i].TableLabel = f.t("admin.kpi.show_table")
		charts[i].Empty = f.t("admin.kpi.no_trend")
	}
	return charts
}

// outcomeTrend is the share in work or education one year after the
// programme over the measured days — as recorded: of those whose outcome
// on the anniversary is known; the unknown are a count in the table and
// the description, never "not in work" — for everyone (an adviser: their
// caseload) and, given, for women and men, against the national target in
// force on each day (a dashed line; kpi_targets, with its source below).
func (f kpiFormat) outcomeTrend(rows []db.KPI, bySex map[string][]db.KPI) lineChart {
	points := func(rows []db.KPI, metric string) []linePoint {
		var out []linePoint
		for _, r := range rows {
			if r.Metric == metric {
				out = append(out, linePoint{Day: r.Day, Value: r.Value})
			}
		}
		return out
	}
	lines := []lineInput{{Label: f.t("admin.kpi.trend_1y_all"), Class: "work", Points: points(rows, db.MetricWorkEdu1y)}}
	for _, sex := range []string{"woman", "man"} {
		if pts := points(bySex[sex], db.MetricWorkEdu1y); len(pts) > 0 {
			lines = append(lines, lineInput{Label: f.t("admin.kpi.trend_1y_" + sex), Class: "work-" + sex, Points: pts})
		}
	}
	desc := f.trendDesc(lines, f.percent)
	// The target on each day some line has a figure, as it was in force then.
	seen := map[time.Time]bool{}
	var days []time.Time
	for _, l := range lines {
		for _, pt := range l.Points {
			if !seen[pt.Day] {
				seen[pt.Day] = true
				days = append(days, pt.Day)
			}
		}
	}
	sortTimes(days)
	var target []linePoint
	for _, d := range days {
		if t, ok := db.TargetOn(f.targets, d); ok {
			target = append(target, linePoint{Day: d, Value: t.Value})
		}
	}
	var notes []string
	if len(target) > 0 {
		last := target[len(target)-1]
		lines = append(lines, lineInput{Label: f.t("admin.kpi.target_series"), Class: "target", Dash: "5 3", Points: target, NoDots: true})
		desc += " " + f.t("admin.kpi.target_desc", "Target", f.percent(last.Value))
		if t, ok := db.TargetOn(f.targets, last.Day); ok {
			notes = append(notes, f.t("admin.kpi.target_source", "Source", t.Source, "From", t.ValidFrom.Format("02.01.2006")))
		}
	}
	unknown := map[string]string{}
	unknownPts := points(rows, db.MetricUnknown1y)
	for _, pt := range unknownPts {
		unknown[pt.Day.Format("02.01.2006")] = strconv.Itoa(int(math.Round(pt.Value)))
	}
	if n := len(unknownPts); n > 0 {
		last := unknownPts[n-1]
		desc += " " + f.t("admin.kpi.unknown_desc", "N", int(math.Round(last.Value)), "Day", last.Day.Format("02.01.2006"))
	}
	c := newLineChart("trend-work-1y", f.t("admin.kpi.trend_1y"), desc, lines, 1, 0.25, f.percent)
	c.Table.Caption, c.Table.Corner = c.Title, f.t("admin.kpi.day")
	c.Table.Head = append(c.Table.Head, f.t("admin.kpi.unknown_col"))
	for i := range c.Table.Rows {
		cell, ok := unknown[c.Table.Rows[i].Head]
		if !ok {
			cell = "–"
		}
		c.Table.Rows[i].Cells = append(c.Table.Rows[i].Cells, cell)
	}
	c.TableLabel, c.Empty = f.t("admin.kpi.show_table"), f.t("admin.kpi.no_trend_1y")
	c.Notes = append(notes, f.t("admin.kpi.method_recorded"))
	return c
}

// niceAxis is a y axis from 0 past max in 4 to 6 whole steps.
func niceAxis(max float64) (top, step float64) {
	step = math.Max(1, math.Ceil(max/5))
	top = step * math.Max(4, math.Ceil(max/step))
	return top, step
}

// trendDesc describes the lines in words: each series' first and last
// value over the period.
func (f kpiFormat) trendDesc(series []lineInput, format func(float64) string) string {
	var parts []string
	for _, s := range series {
		if len(s.Points) == 0 {
			continue
		}
		first, last := s.Points[0], s.Points[len(s.Points)-1]
		parts = append(parts, f.t("admin.kpi.trend_series", "Series", s.Label, "From", format(first.Value),
			"FromDay", first.Day.Format("02.01.2006"), "To", format(last.Value), "ToDay", last.Day.Format("02.01.2006")))
	}
	if len(parts) == 0 {
		return f.t("admin.kpi.no_trend")
	}
	return strings.Join(parts, " ")
}

// barMetrics are the bars of a cohort chart; tableMetrics its table.
var (
	barMetrics   = []string{db.MetricAtGoal, db.MetricRisk, db.MetricWorkEdu1y}
	tableMetrics = []string{db.MetricAtGoal, db.MetricWithGoal, db.MetricRisk, db.MetricAvgGap, db.MetricWorkEduEnd, db.MetricWorkEdu1y,
		db.MetricUnknown1y, db.MetricGotJob, db.MetricDaysToFirst}
)

// cohortChart is the bar chart and table of one dimension.
func (f kpiFormat) cohortChart(dim string, rows []db.KPI) barChart {
	type cohort struct {
		key, label string
		m          map[string]db.KPI
	}
	var cohorts []*cohort
	byKey := map[string]*cohort{}
	for _, r := range rows {
		if r.Dimension != dim {
			continue
		}
		co := byKey[r.Key]
		if co == nil {
			co = &cohort{key: r.Key, label: r.Label, m: map[string]db.KPI{}}
			switch dim {
			case db.DimRegime:
				co.label = f.t("participant.regime." + r.Key)
			case db.DimSex:
				co.label = f.t("admin.kpi.sex." + r.Key)
			case db.DimRegimeSex:
				regime, sex, _ := strings.Cut(r.Key, "/")
				co.label = f.t("admin.kpi.regime_sex", "Regime", f.t("participant.regime."+regime), "Sex", f.t("admin.kpi.sex."+sex))
			case db.DimAdviser:
				if co.label == r.Key {
					co.label = f.t("admin.kpi.unknown_adviser")
				}
			}
			byKey[r.Key] = co
			cohorts = append(cohorts, co)
		}
		co.m[r.Metric] = r
	}
	if dim == db.DimStartYear {
		sort.Slice(cohorts, func(i, j int) bool { return cohorts[i].key > cohorts[j].key })
	}
	var keys []legendKey
	for _, m := range barMetrics {
		keys = append(keys, legendKey{Label: f.t("admin.kpi.metric_" + m), Class: m})
	}
	var cats []barInput
	for _, co := range cohorts {
		in := barInput{Label: co.label}
		for _, m := range barMetrics {
			var v *float64
			if r, ok := co.m[m]; ok {
				val := r.Value
				v = &val
			}
			in.Values = append(in.Values, v)
		}
		cats = append(cats, in)
	}
	title := f.t("admin.kpi.by_" + dim)
	target, targetLabel := -1.0, ""
	if f.target != nil {
		target, targetLabel = f.target.Value, f.t("admin.kpi.target_line", "Target", f.percent(f.target.Value))
	}
	c := newBarChart("cohort-"+dim, title, f.t("admin.kpi.bars_desc", "Count", len(cohorts)), keys, cats, target, targetLabel, f.percent)
	c.TableLabel, c.Empty = f.t("admin.kpi.show_table"), f.t("admin.kpi.no_cohorts")
	c.Table = dataTable{Caption: title, Corner: f.t("admin.kpi.dim_" + dim)}
	for _, m := range tableMetrics {
		c.Table.Head = append(c.Table.Head, f.t("admin.kpi.metric_"+m))
	}
	for _, co := range cohorts {
		row := tableRow{Head: co.label}
		for _, m := range tableMetrics {
			cell := "–"
			if r, ok := co.m[m]; ok {
				cell = f.t("admin.kpi.cell", "Value", f.value(m, r.Value), "N", fmt.Sprint(r.N))
			}
			row.Cells = append(row.Cells, cell)
		}
		c.Table.Rows = append(c.Table.Rows, row)
	}
	return c
}
