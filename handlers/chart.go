package handlers

import (
	"fmt"
	"strings"
	"time"

	"praksis/db"
)

// chart is the geometry of a participant's progress chart, drawn as SVG by
// views/partials/participants/chart.html: one line per skill (the best
// level reached so far, over time) against a dashed goal line per skill.
// Everything is computed here so the template only places numbers.
type chart struct {
	Width, Height          int
	Left, Right, Top, Base float64 // plot area
	YTicks, XTicks         []tick
	Series                 []series
	TodayX                 float64
	ShowToday              bool
	Empty                  bool
	// Where the level labels end (x), the dates stand (y) and "today"
	// is written (y), rounded; the y of each "goal" mark, one per level
	// that is a skill's goal. Worked out here, not with the template's
	// printf, sub and nested ranges per tick.
	LabelX, XTickY, TodayLabelY string
	GoalMarks                   []string
}

type tick struct {
	Pos   float64
	Label string
	// Long: the lowest level's label, set on two lines on a small screen
	// (y ticks); Crowded: a date too close to the one before it, left
	// out on a small screen (x ticks).
	Long, Crowded bool
}

type series struct {
	Skill, Label string
	Points       string // polyline points "x,y x,y …"
	Dots         []dot
	GoalY        float64
	Dash         string // stroke-dasharray, so lines differ without colour
}

type dot struct {
	X, Y  float64
	Title string
}

// Line styles per skill: colour (in CSS, by class) and dash pattern.
var skillDash = map[string]string{"listening": "", "reading": "6 3", "writing": "2 3", "oral": "10 3 2 3"}

// newChart lays out results from the programme start to its end (or the
// last result, if later). Skills on the same level are drawn a few pixels
// apart so that every line stays visible.
func newChart(p db.Participant, results []db.LanguageResult, now time.Time, t func(string, ...any) string) chart {
	c := chart{Width: 760, Height: 320, Left: 140, Right: 720, Top: 24, Base: 270, Empty: len(results) == 0}
	from, to := p.ProgrammeStart, p.ProgrammeEnd
	for _, r := range results {
		if r.TakenOn.Before(from) {
			from = r.TakenOn
		}
		if r.TakenOn.After(to) {
			to = r.TakenOn
		}
	}
	span := to.Sub(from).Hours()
	if span <= 0 {
		span = 24
	}
	x := func(d time.Time) float64 { return c.Left + (c.Right-c.Left)*d.Sub(from).Hours()/span }
	levels := len(db.Levels)
	y := func(l db.Level) float64 { return c.Base - (c.Base-c.Top)*float64(l.Rank())/float64(levels-1) }
	for _, l := range db.Levels {
		c.YTicks = append(c.YTicks, tick{Pos: y(l), Label: t("level." + string(l)), Long: l == db.LevelNone})
	}
	// A tick at the start, at the end, and every 6 months between.
	for d := from; !d.After(to); d = d.AddDate(0, 6, 0) {
		c.XTicks = append(c.XTicks, tick{Pos: x(d), Label: d.Format("01.2006")})
	}
	if last := c.XTicks[len(c.XTicks)-1]; c.Right-last.Pos > 60 {
		c.XTicks = append(c.XTicks, tick{Pos: c.Right, Label: to.Format("01.2006")})
	}
	prev := -1000.0
	for i := range c.XTicks {
		if c.XTicks[i].Pos-prev < 125 {
			c.XTicks[i].Crowded = true
		} else {
			prev = c.XTicks[i].Pos
		}
	}
	c.LabelX, c.XTickY, c.TodayLabelY = fmt.Sprintf("%.0f", c.Left-8), fmt.Sprintf("%.0f", c.Base+22), fmt.Sprintf("%.0f", c.Top-6)
	// "Goal" once at each level that is a skill's goal, above its lines.
	marked := map[db.Level]bool{}
	for _, sk := range db.Skills {
		if g := p.Goal(sk); !marked[g] {
			marked[g] = true
			if r := g.Rank(); r >= 0 {
				c.GoalMarks = append(c.GoalMarks, fmt.Sprintf("%.0f", c.YTicks[r].Pos-13))
			}
		}
	}
	if !now.Before(from) && !now.After(to) {
		c.TodayX, c.ShowToday = x(now), true
	}
	end := now
	if end.After(to) {
		end = to
	}
	for i, sk := range db.Skills {
		off := float64(i*2 - 3) // −3, −1, +1, +3 px
		s := series{Skill: sk, Label: t("skill." + sk), Dash: skillDash[sk], GoalY: y(p.Goal(sk)) + off}
		var pts []string
		best := db.Level("")
		var last time.Time // this skill's last result
		for _, r := range results {
			if r.Skill != sk {
				continue
			}
			last = r.TakenOn
			s.Dots = append(s.Dots, dot{X: x(r.TakenOn), Y: y(r.Level) + off,
				Title: t("participants.chart_dot", "Skill", s.Label, "Level", t("level."+string(r.Level)), "Date", r.TakenOn.Format("02.01.2006"))})
			if best == "" || r.Level.Rank() > best.Rank() {
				if best != "" { // a step: hold the old best up to this date
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.TakenOn), y(best)+off))
				}
				best = r.Level
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.TakenOn), y(best)+off))
			}
		}
		// Hold the best level from the skill's last result to today (or
		// the chart's end); the last result of all skills may be later.
		if best != "" && end.After(last) {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(end), y(best)+off))
		}
		s.Points = strings.Join(pts, " ")
		c.Series = append(c.Series, s)
	}
	return c
}
