package handlers

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"praksis/db"
)

// The chart: an SVG image titled with the first name, one line per skill
// with results, a dot with a title per result, and a table with every
// result and the goal per skill.
func TestParticipantChart(t *testing.T) {
	ta := newTestApp(t)
	adviser := ta.createUser(db.RoleAdviser)
	in := participantInput("Olena", unique("Kovalenko"))
	in.Goals["oral"] = db.LevelB2
	id := ta.storeParticipant(adviser, in)
	c := ta.sessionFor(adviser)

	res := c.get(pPath(id, ""))
	if !strings.Contains(res.text(), msg(t, "nb", "participants.chart_empty")) || strings.Contains(res.body, "<polyline") || strings.Contains(res.body, "<circle") {
		t.Error("a chart without results is not shown as empty")
	}

	type result struct {
		skill string
		level db.Level
		ago   int
	}
	results := []result{
		{"oral", db.LevelA1, 200}, {"listening", db.LevelA1, 200}, {"oral", db.LevelA2, 100},
		{"oral", db.LevelB1, 20}, {"listening", db.LevelUnderA1, 10},
	}
	for _, r := range results {
		ta.addResult(id, adviser, r.skill, r.level, today().AddDate(0, 0, -r.ago))
	}
	res = c.get(pPath(id, ""))
	body := res.body
	i := strings.Index(body, "<svg viewBox")
	if i < 0 {
		t.Fatal("no chart SVG on the profile")
	}
	svg := body[i : i+strings.Index(body[i:], "</svg>")]
	if open := svg[:strings.Index(svg, ">")]; !strings.Contains(open, ` role="img"`) || !strings.Contains(open, `aria-labelledby="chart-title`) {
		t.Errorf("the SVG is not an image labelled by its title: %s", open)
	}
	if m := regexp.MustCompile(`<title id="chart-title">([^<]*)</title>`).FindStringSubmatch(svg); m == nil ||
		html.UnescapeString(m[1]) != fill(msg(t, "nb", "participants.chart_title"), "Name", "Olena") {
		t.Errorf("chart title: %v", m)
	}
	// One polyline per skill with results, in its skill's group.
	if n := strings.Count(svg, "<polyline"); n != 2 {
		t.Errorf("%d polylines, want 2 (oral and listening)", n)
	}
	for _, sk := range db.Skills {
		g := regexp.MustCompile(`(?s)<g class="chart__series chart__series--` + sk + `">(.*?)</g>`).FindStringSubmatch(svg)
		if g == nil {
			t.Fatalf("no series group for %s", sk)
		}
		has := sk == "oral" || sk == "listening"
		if strings.Contains(g[1], "<polyline") != has {
			t.Errorf("%s: polyline present %v, want %v", sk, !has, has)
		}
		if !strings.Contains(g[1], `class="chart__goal"`) {
			t.Errorf("%s: no goal line", sk)
		}
	}
	// A dot per result, each with a title naming skill, level and date.
	dots := regexp.MustCompile(`<circle [^>]*><title>([^<]*)</title></circle>`).FindAllStringSubmatch(svg, -1)
	if len(dots) != len(results) {
		t.Fatalf("%d dots, want %d", len(dots), len(results))
	}
	titles := map[string]bool{}
	for _, d := range dots {
		titles[html.UnescapeString(d[1])] = true
	}
	levelName := func(l db.Level) string { return msg(t, "nb", "level."+string(l)) }
	for _, r := range results {
		title := fill(msg(t, "nb", "participants.chart_dot"), "Skill", msg(t, "nb", "skill."+r.skill), "Level", levelName(r.level),
			"Date", today().AddDate(0, 0, -r.ago).Format("02.01.2006"))
		if !titles[title] {
			t.Errorf("no dot titled %q", title)
		}
	}
	// The oral line rises A1 → A2 → B1: higher on the page is a smaller y.
	pts := regexp.MustCompile(`(?s)chart__series--oral">.*?<polyline class="chart__line" points="([^"]+)"`).FindStringSubmatch(svg)
	if pts == nil {
		t.Fatal("no oral line")
	}
	var ys []float64
	for _, p := range strings.Fields(pts[1]) {
		_, y, _ := strings.Cut(p, ",")
		f, err := strconv.ParseFloat(y, 64)
		if err != nil {
			t.Fatalf("point %q", p)
		}
		ys = append(ys, f)
	}
	for k := 1; k < len(ys); k++ {
		if ys[k] > ys[k-1] {
			t.Errorf("the oral line (best so far) goes down: %v", ys)
		}
	}
	// The listening line holds A1 after the lower under-A1 result.
	lpts := regexp.MustCompile(`(?s)chart__series--listening">.*?<polyline class="chart__line" points="([^"]+)"`).FindStringSubmatch(svg)
	if lpts == nil || len(strings.Fields(lpts[1])) != 2 {
		t.Errorf("listening line: %v (want A1 held to today)", lpts)
	}

	// The table alternative: every result and the goal per skill.
	k := strings.Index(body, `<details class="chart__table">`)
	if k < 0 {
		t.Fatal("no table alternative")
	}
	table := html.UnescapeString(body[k : k+strings.Index(body[k:], "</details>")])
	for _, r := range results {
		row := "<tr><td>" + today().AddDate(0, 0, -r.ago).Format("02.01.2006") + "</td><td>" + msg(t, "nb", "skill."+r.skill) + "</td><td>" +
			levelName(r.level) + "</td><td>" + msg(t, "nb", "participant.source.norskprove") + "</td></tr>"
		if !strings.Contains(table, row) {
			t.Errorf("the table lacks %q", row)
		}
	}
	for _, sk := range db.Skills {
		row := "<td>" + msg(t, "nb", "participants.chart_goal") + "</td><td>" + msg(t, "nb", "skill."+sk) + "</td><td>" + levelName(in.Goals[sk]) + "</td>"
		if !strings.Contains(table, row) {
			t.Errorf("the table lacks the goal row %q", row)
		}
	}
}

// A skill's line is held from its own last result to the chart's end,
// even when another skill's result is later (here after the planned end).
func TestChartHoldsEachSkillToTheEnd(t *testing.T) {
	p := db.Participant{ProgrammeStart: today().AddDate(-2, 0, 0), ProgrammeEnd: today().AddDate(0, -2, 0),
		GoalListening: db.LevelB1, GoalReading: db.LevelB1, GoalWriting: db.LevelB1, GoalOral: db.LevelB1}
	results := []db.LanguageResult{
		{Skill: "oral", Level: db.LevelA2, TakenOn: today().AddDate(-1, 0, 0)},
		{Skill: "listening", Level: db.LevelA1, TakenOn: today().AddDate(0, -1, 0)}, // after the planned end
	}
	c := newChart(p, results, time.Now(), func(id string, _ ...any) string { return id })
	for _, s := range c.Series {
		pts := strings.Fields(s.Points)
		switch s.Skill {
		case "oral":
			if len(pts) != 2 || !strings.HasPrefix(pts[1], strconv.FormatFloat(c.Right, 'f', 1, 64)+",") {
				t.Errorf("oral line %q: want its level held to the chart's right edge (%.1f)", s.Points, c.Right)
			}
		case "listening":
			if len(pts) != 1 || len(s.Dots) != 1 {
				t.Errorf("listening: %q, %d dots", s.Points, len(s.Dots))
			}
		default:
			if s.Points != "" || len(s.Dots) != 0 {
				t.Errorf("%s has a line without results: %q", s.Skill, s.Points)
			}
		}
	}
	if c.ShowToday || c.Empty {
		t.Errorf("today is after the chart (%v), and it has results (%v)", c.ShowToday, c.Empty)
	}
}
