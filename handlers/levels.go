package handlers

import "praksis/db"

// levelsData is what partials/placements/levels renders: a placement's
// Norwegian requirement per skill, and, when the adviser gave the
// participant's levels, whether each requirement is within reach.
type levelsData struct {
	P    db.Placement
	have map[string]db.Level
	// Label and Badges are what the partial shows, worked out in Go, not
	// per skill with two method calls and three translations through the
	// template's reflection (20 times on a page of search hits).
	Label  string
	Badges []levelBadge
}

// levelBadge is a skill's requirement: the skill, the level ("none" when
// there is no requirement), and the fit ("yes", "no", "" when not asked)
// with its words for a screen reader.
type levelBadge struct {
	Skill, Level, Fit, FitText string
	None                       bool
}

func newLevels(pg pager, p db.Placement, have map[string]db.Level) levelsData {
	page := pg.page()
	d := levelsData{P: p, have: have, Label: page.T("placements.norwegian_needed"), Badges: make([]levelBadge, len(db.Skills))}
	for i, sk := range db.Skills {
		b := levelBadge{Skill: page.T("skill." + sk), Fit: d.Fit(sk)}
		if l := p.Level(sk); l != "" {
			b.Level = page.T("level." + string(l))
		} else {
			b.Level, b.None = page.T("level.none_required_short"), true
		}
		if b.Fit != "" {
			b.FitText = page.T("placements.fit_" + b.Fit)
		}
		d.Badges[i] = b
	}
	return d
}

// Fit is "yes" when the participant's level meets the requirement, "no"
// when it does not, and "" when the adviser gave no level for the skill.
func (d levelsData) Fit(skill string) string {
	have := d.have[skill]
	if have == "" {
		return ""
	}
	if need := d.P.Level(skill); need == "" || need.Rank() <= have.Rank() {
		return "yes"
	}
	return "no"
}

// levelStrings turns levels into strings for the select partial.
func levelStrings(levels []db.Level) []string {
	out := make([]string, len(levels))
	for i, l := range levels {
		out[i] = string(l)
	}
	return out
}

// skillLevelsData is what partials/form/skill_levels renders: one level
// select per skill, named prefix+skill.
type skillLevelsData struct {
	Page            *Page
	Form            Form
	Prefix, EmptyID string
	Levels          []db.Level
	Skills          []string
}

// skillLevels is the template function for partials/form/skill_levels;
// emptyID labels the empty choice ("no requirement", "default").
func skillLevels(pg pager, f Form, prefix, emptyID string, levels []db.Level) skillLevelsData {
	return skillLevelsData{Page: pg.page(), Form: f, Prefix: prefix, EmptyID: emptyID, Levels: levels, Skills: db.Skills}
}
