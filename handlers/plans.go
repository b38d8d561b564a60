package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// planActivityRows is how many activity rows the plan form offers beyond
// those planned: empty rows are not saved.
const planActivityRows = 2

// planPage is the integration plan: the plan and its rule, the ends, the
// versions, reviews, leave and extensions, and the adviser's forms.
type planPage struct {
	Page
	P          db.Participant
	Plan       *db.IntegrationPlan
	Rule       *db.ProgrammeRule
	Ends       *db.ProgrammeEnds
	Versions   []versionLine
	Reviews    []db.PlanReview
	Leaves     []db.Leave
	Extensions []db.Extension
	ExtLeft    int
	CanEdit    bool
	// Form is the form that failed (for the error summary); the others
	// keep what they show.
	Form, PlanForm, ReviewForm, LeaveForm, ExtForm Form
	Activities                                     []activityRow
	Skills                                         []string
	Kinds, Parties, LeaveKinds                     []string
	Categories, Sectors                            []string
	Levels                                         []db.Level
}

// versionLine is one version of the plan with what changed since the one
// before, worked out from the kept JSON.
type versionLine struct {
	N       int
	SavedAt time.Time
	Reason  string
	First   bool
	Changed string // the parts changed since the version before, translated
}

// activityRow is one row of the plan form's activities: its index in the
// field names and its number for people.
type activityRow struct{ I, N int }

// GoalRefused reports whether the plan form came back with a refused
// Norwegian goal: the goal fields are then shown even where the rule has
// none, so the message stands beside the field.
func (p *planPage) GoalRefused() bool {
	for _, sk := range db.Skills {
		if p.PlanForm.Errors["goal_"+sk] != "" {
			return true
		}
	}
	return false
}

// TookPart is who the review form has ticked.
func (p *planPage) TookPart() []string {
	if v := p.ReviewForm.Values["review_took_part"]; v != "" {
		return strings.Split(v, ",")
	}
	return nil
}

// planVersionLines lists the versions newest first, each with the parts
// that differ from the version before.
func planVersionLines(p *Page, vs []db.PlanVersion) []versionLine {
	out := make([]versionLine, 0, len(vs))
	var prev map[string]any
	for _, v := range vs {
		var cur map[string]any
		if err := json.Unmarshal([]byte(v.Content), &cur); err != nil {
			cur = map[string]any{}
		}
		l := versionLine{N: v.Version, SavedAt: v.SavedAt, Reason: v.Reason}
		if id := "plan.reason." + v.Reason; v.Reason != "" && p.T(id) != id {
			l.Reason = p.T(id)
		}
		l.First = prev == nil
		if prev != nil {
			var changed []string
			for _, part := range []struct {
				id   string
				keys []string
			}{{"plan.field.decided_on", []string{"decided_on"}}, {"plan.field.plan_date", []string{"plan_date"}},
				{"plan.field.original_end", []string{"original_end"}}, {"plan.field.goal", []string{"goal_category", "goal_sector"}},
				{"plan.field.goals", []string{"goals"}}, {"plan.field.activities", []string{"activities"}}} {
				for _, k := range part.keys {
					if !reflect.DeepEqual(prev[k], cur[k]) {
						changed = append(changed, p.T(part.id))
						break
					}
				}
			}
			l.Changed = strings.Join(changed, ", ")
		}
		prev = cur
		out = append(out, l)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// planPageFor gathers the plan page of a participant the user may see.
func (a *App) planPageFor(c *fiber.Ctx, pt db.Participant) (planPage, error) {
	ctx := c.UserContext()
	u := session(c).User
	p := planPage{Page: a.newPage(c, "plan.title"), P: pt, CanEdit: u.Role == db.RoleAdviser && pt.AdviserID == u.ID,
		Form: newForm(), PlanForm: newForm(), ReviewForm: newForm(), LeaveForm: newForm(), ExtForm: newForm(),
		Kinds: db.PlanActivityKinds, Parties: db.ReviewParties, LeaveKinds: db.LeaveKinds,
		Categories: db.GoalCategories, Sectors: db.Sectors, Levels: db.Levels, Skills: db.Skills}
	plan, err := a.store.Plan(ctx, pt.ID)
	switch {
	case err == nil:
		p.Plan = &plan
	case !errors.Is(err, db.ErrNoPlan):
		return p, err
	}
	rules, err := a.store.ProgrammeRules(ctx)
	if err != nil {
		return p, err
	}
	if p.Plan != nil && p.Plan.RuleID != nil {
		for i := range rules {
			if rules[i].ID == *p.Plan.RuleID {
				p.Rule = &rules[i]
			}
		}
	}
	if p.Rule == nil { // no plan yet: the rule on the programme's start
		r, err := a.store.ProgrammeRuleAt(ctx, db.RuleQuery{Regime: pt.Regime, Education: pt.Education,
			GoalCategory: pt.GoalCategory, BirthYear: pt.BirthYear, On: pt.ProgrammeStart})
		if err == nil || errors.Is(err, db.ErrRuleExpired) {
			p.Rule = &r
		} else if !errors.Is(err, db.ErrNotFound) {
			return p, err
		}
	}
	if p.Plan != nil {
		ends, err := a.store.ProgrammeEndsOf(ctx, pt.ID)
		if err != nil {
			return p, err
		}
		p.Ends = &ends
		vs, err := a.store.PlanVersions(ctx, pt.ID)
		if err != nil {
			return p, err
		}
		p.Versions = planVersionLines(&p.Page, vs)
		if p.Reviews, err = a.store.PlanReviews(ctx, pt.ID); err != nil {
			return p, err
		}
	}
	if p.Leaves, err = a.store.Leaves(ctx, pt.ID); err != nil {
		return p, err
	}
	if p.Extensions, err = a.store.Extensions(ctx, pt.ID); err != nil {
		return p, err
	}
	if p.Rule != nil {
		p.ExtLeft = p.Rule.ExtensionMonths
		for _, x := range p.Extensions {
			p.ExtLeft -= x.Months
		}
		p.ExtLeft = max(p.ExtLeft, 0)
	}
	p.PlanForm = planFormFrom(pt, p.Plan)
	p.Activities = activityRows(p.PlanForm)
	// The plan is participant data: every read is audited, under its own
	// action (as the suggestions are), so the profile's views stay countable.
	return p, a.store.LogParticipantAccess(ctx, u.ID, pt.ID, "participant.plan_view", clientIP(c))
}

// planFormFrom fills the plan form from the current plan, or from the
// participant before there is one.
func planFormFrom(pt db.Participant, plan *db.IntegrationPlan) Form {
	f := newForm()
	v := f.Values
	if plan == nil {
		v["decided_on"], v["plan_date"] = ymdOf(pt.ProgrammeStart), ymdOf(pt.ProgrammeStart)
		v["original_end"], v["goal_category"], v["goal_sector"] = ymdOf(pt.ProgrammeEnd), pt.GoalCategory, pt.GoalSector
		return f
	}
	v["decided_on"], v["plan_date"], v["original_end"] = ymdOf(plan.DecidedOn), ymdOf(plan.PlanDate), ymdOf(plan.OriginalEnd)
	v["goal_category"], v["goal_sector"] = plan.GoalCategory, plan.GoalSector
	for _, sk := range db.Skills {
		if l := plan.Goal(sk); l != nil {
			v["goal_"+sk] = string(*l)
		}
	}
	for i, a := range plan.Activities {
		k := "activity_" + strconv.Itoa(i) + "_"
		v[k+"kind"], v[k+"description"], v[k+"starts_on"], v[k+"ends_on"] = a.Kind, a.Description, ymdOf(a.StartsOn), ymdOf(a.EndsOn)
	}
	v["activities"] = strconv.Itoa(len(plan.Activities))
	return f
}

func ymdOf(t time.Time) string { return t.Format("2006-01-02") }

// activityRows are the indexes of the activity rows the form shows: those
// filled in and a few empty ones.
func activityRows(f Form) []activityRow {
	n, _ := strconv.Atoi(f.Values["activities"])
	rows := make([]activityRow, min(n, 50)+planActivityRows)
	for i := range rows {
		rows[i] = activityRow{I: i, N: i + 1}
	}
	return rows
}

// maxActivityRows bounds the rows read from a posted form.
const maxActivityRows = 52

// readPlanForm reads the plan form into a PlanInput; the index of each
// saved activity in the form is returned, so a refusal of the store
// (activity_<i>_…) lands beside the row the adviser filled in.
func readPlanForm(c *fiber.Ctx) (Form, db.PlanInput, []int) {
	f := newForm()
	for _, k := range []string{"decided_on", "plan_date", "original_end", "goal_category", "goal_sector", "reason",
		"goal_listening", "goal_reading", "goal_writing", "goal_oral"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	in := db.PlanInput{GoalCategory: f.Values["goal_category"], GoalSector: f.Values["goal_sector"],
		Reason: f.Values["reason"], Goals: map[string]db.Level{}}
	for _, k := range []string{"decided_on", "plan_date", "original_end"} {
		if d := requiredDate(&f, k); d != nil {
			switch k {
			case "decided_on":
				in.DecidedOn = *d
			case "plan_date":
				in.PlanDate = *d
			default:
				in.OriginalEnd = *d
			}
		}
	}
	f.Check(in.GoalSector == "" || Contains(db.Sectors, in.GoalSector), "goal_sector", "form.choose")
	for _, sk := range db.Skills {
		if l := db.Level(f.Values["goal_"+sk]); l != "" {
			f.Check(l.Valid(), "goal_"+sk, "form.choose")
			in.Goals[sk] = l
		}
	}
	var index []int
	rows := 0
	for i := 0; i < maxActivityRows; i++ {
		k := "activity_" + strconv.Itoa(i) + "_"
		kind, desc := strings.TrimSpace(c.FormValue(k+"kind")), strings.TrimSpace(c.FormValue(k+"description"))
		from, to := strings.TrimSpace(c.FormValue(k+"starts_on")), strings.TrimSpace(c.FormValue(k+"ends_on"))
		if kind == "" && desc == "" && from == "" && to == "" {
			continue
		}
		f.Values[k+"kind"], f.Values[k+"description"], f.Values[k+"starts_on"], f.Values[k+"ends_on"] = kind, desc, from, to
		rows = i + 1
		a := db.PlanActivity{Kind: kind, Description: desc}
		f.Check(Contains(db.PlanActivityKinds, kind), k+"kind", "form.choose")
		if d := requiredDate(&f, k+"starts_on"); d != nil {
			a.StartsOn = *d
		}
		if d := requiredDate(&f, k+"ends_on"); d != nil {
			a.EndsOn = *d
		}
		in.Activities = append(in.Activities, a)
		index = append(index, i)
	}
	f.Values["activities"] = strconv.Itoa(rows)
	return f, in, index
}

// planShow is the integration plan page: the adviser edits, NAV and
// admins read.
func (a *App) planShow(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	p, err := a.planPageFor(c, pt)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/plan", &p)
}

// planSave saves the plan as a new version.
func (a *App) planSave(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f, in, index := readPlanForm(c)
	if f.Valid() {
		err = a.store.SavePlan(c.UserContext(), pt.ID, session(c).User.ID, in, clientIP(c))
		if fe := (*db.FieldError)(nil); errors.As(err, &fe) {
			f.Check(false, activityField(fe.Field, index), fe.Code)
		} else if err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.planRefused(c, pt, func(p *planPage) {
			p.PlanForm = f
			p.Activities = activityRows(f)
		}, f)
	}
	return a.redirect(c, pPathOf(pt.ID, "/plan"), "flash.plan_saved")
}

// activityField maps the store's activity_<n>_… (the n-th saved activity)
// to the row of the form it came from.
func activityField(field string, index []int) string {
	var n int
	var rest string
	if _, err := fmt.Sscanf(field, "activity_%d_%s", &n, &rest); err == nil && n >= 0 && n < len(index) {
		return "activity_" + strconv.Itoa(index[n]) + "_" + rest
	}
	return field
}

// planRefused shows the plan page again with the failed form (422).
func (a *App) planRefused(c *fiber.Ctx, pt db.Participant, set func(*planPage), failed Form) error {
	p, err := a.planPageFor(c, pt)
	if err != nil {
		return err
	}
	set(&p)
	p.Form = failed
	return a.render(c, fiber.StatusUnprocessableEntity, "participants/plan", &p)
}

func pPathOf(id int64, suffix string) string {
	return "/participants/" + strconv.FormatInt(id, 10) + suffix
}

// prefixed reads the named fields of a form whose field names carry a
// prefix (several forms share the page, so ids must differ).
func prefixed(c *fiber.Ctx, prefix string, names ...string) Form {
	f := newForm()
	for _, n := range names {
		f.Values[prefix+n] = strings.TrimSpace(c.FormValue(prefix + n))
	}
	return f
}

// storeRefusal puts a *db.FieldError beside its field (with the form's
// prefix) and reports whether err was one.
func storeRefusal(f *Form, prefix string, err error) bool {
	var fe *db.FieldError
	if errors.As(err, &fe) {
		f.Check(false, prefix+fe.Field, fe.Code)
		return true
	}
	return false
}

// dateOrZero reads an optional date field; a bad one is refused on f.
func dateOrZero(f *Form, field string) time.Time {
	if d := optionalDate(f, field); d != nil {
		return *d
	}
	return time.Time{}
}

// planReviewCreate records a plan review.
func (a *App) planReviewCreate(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := prefixed(c, "review_", "held_on", "changes", "next_review_due")
	parties := formList(c, "review_took_part")
	f.Values["review_took_part"] = strings.Join(parties, ",")
	in := db.ReviewInput{HeldOn: dateOrZero(&f, "review_held_on"), TookPart: parties, Changes: f.Values["review_changes"],
		NextDue: optionalDate(&f, "review_next_review_due")}
	if f.Valid() {
		_, err = a.store.RecordPlanReview(c.UserContext(), pt.ID, session(c).User.ID, in, clientIP(c))
		if !storeRefusal(&f, "review_", err) && err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.planRefused(c, pt, func(p *planPage) { p.ReviewForm = f }, f)
	}
	return a.redirect(c, pPathOf(pt.ID, "/plan"), "flash.review_saved")
}

// leaveCreate records approved leave; the current end moves.
func (a *App) leaveCreate(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := prefixed(c, "leave_", "kind", "from_date", "to_date", "decided_on", "note")
	in := db.LeaveInput{Kind: f.Values["leave_kind"], FromDate: dateOrZero(&f, "leave_from_date"), ToDate: dateOrZero(&f, "leave_to_date"),
		DecidedOn: dateOrZero(&f, "leave_decided_on"), Note: f.Values["leave_note"]}
	if f.Valid() {
		_, err = a.store.AddLeave(c.UserContext(), pt.ID, session(c).User.ID, in, clientIP(c))
		if errors.Is(err, db.ErrNoPlan) {
			f.Check(false, "leave_from_date", "plan.none_yet")
		} else if !storeRefusal(&f, "leave_", err) && err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.planRefused(c, pt, func(p *planPage) { p.LeaveForm = f }, f)
	}
	return a.redirect(c, pPathOf(pt.ID, "/plan"), "flash.leave_saved")
}

// extensionCreate records an extension; the current end moves.
func (a *App) extensionCreate(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := prefixed(c, "ext_", "decided_on", "months", "reason")
	months, convErr := strconv.Atoi(f.Values["ext_months"])
	f.Check(convErr == nil, "ext_months", "extension.months_range")
	in := db.ExtensionInput{DecidedOn: dateOrZero(&f, "ext_decided_on"), Months: months, Reason: f.Values["ext_reason"]}
	if f.Valid() {
		_, err = a.store.AddExtension(c.UserContext(), pt.ID, session(c).User.ID, in, clientIP(c))
		if errors.Is(err, db.ErrNoPlan) {
			f.Check(false, "ext_months", "plan.none_yet")
		} else if !storeRefusal(&f, "ext_", err) && err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.planRefused(c, pt, func(p *planPage) { p.ExtForm = f }, f)
	}
	return a.redirect(c, pPathOf(pt.ID, "/plan"), "flash.extension_saved")
}
