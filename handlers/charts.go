package handlers

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// General SVG charts, drawn by views/partials/kpi/line.html and bars.html:
// the geometry is computed here, so the templates only place numbers.
// Like the participant's chart (chart.go, whose tick and dot they share),
// each is a <figure> with a role="img" SVG named by its title and
// description, and the same figures as a data table beside it.

// dataTable is a chart's table alternative: one row per category or day,
// the first cell a row header.
type dataTable struct {
	Caption string
	Head    []string // column headers after the row header's
	Corner  string   // the row headers' column header
	Rows    []tableRow
}

type tableRow struct {
	Head  string
	Cells []string
}

// lineSeries is one line of a line chart.
type lineSeries struct {
	Label, Class string
	Dash         string // stroke-dasharray, so lines differ without colour
	Points       string // "x,y x,y …"
	Dots         []dot
}

// lineChart is values over days.
type lineChart struct {
	ID, Title, Desc        string
	Width, Height          int
	Left, Right, Top, Base float64
	YTicks, XTicks         []tick
	Series                 []lineSeries
	Table                  dataTable
	TableLabel             string   // the summary that opens the table
	Empty                  string   // shown instead of the chart without data
	Notes                  []string // printed under the chart (a target's source)
}

// linePoint is a value of a series on a day.
type linePoint struct {
	Day   time.Time
	Value float64
}

// lineInput is one series before layout. NoDots draws the line alone (a
// target: its values are in the table).
type lineInput struct {
	Label, Class, Dash string
	Points             []linePoint
	NoDots             bool
}

// lineDashes tell up to four series apart without colour.
var lineDashes = []string{"", "8 4", "2 4", "12 4 3 4"}

// newLineChart lays series out over the days they cover, on a y axis from
// 0 to yMax with yStep between ticks; format prints a value (the tick
// labels, the dots' titles and the table).
func newLineChart(id, title, desc string, series []lineInput, yMax, yStep float64, format func(float64) string) lineChart {
	c := lineChart{ID: id, Title: title, Desc: desc, Width: 760, Height: 300, Left: 70, Right: 730, Top: 20, Base: 250}
	var from, to time.Time
	for _, s := range series {
		for _, p := range s.Points {
			if from.IsZero() || p.Day.Before(from) {
				from = p.Day
			}
			if p.Day.After(to) {
				to = p.Day
			}
		}
	}
	span := to.Sub(from).Hours()
	x := func(d time.Time) float64 {
		if span <= 0 {
			return (c.Left + c.Right) / 2
		}
		return c.Left + (c.Right-c.Left)*d.Sub(from).Hours()/span
	}
	y := func(v float64) float64 { return c.Base - (c.Base-c.Top)*math.Min(v, yMax)/yMax }
	for v := 0.0; v <= yMax+yStep/2; v += yStep {
		c.YTicks = append(c.YTicks, tick{Pos: y(v), Label: format(v)})
	}
	// Up to five dates along the bottom: the first, the last and evenly
	// between.
	if !from.IsZero() {
		n := 4
		if days := int(span / 24); days < n {
			n = days
		}
		for i := 0; i <= n; i++ {
			d := from
			if n > 0 {
				d = from.Add(time.Duration(float64(to.Sub(from)) * float64(i) / float64(n))).Truncate(24 * time.Hour)
			}
			c.XTicks = append(c.XTicks, tick{Pos: x(d), Label: d.Format("02.01.06")})
		}
	}
	// The table: one row per day, a column per series.
	byDay := map[time.Time][]string{}
	var days []time.Time
	for i, s := range series {
		c.Table.Head = append(c.Table.Head, s.Label)
		ls := lineSeries{Label: s.Label, Class: s.Class, Dash: s.Dash}
		if ls.Dash == "" {
			ls.Dash = lineDashes[i%len(lineDashes)]
		}
		var pts []string
		for _, p := range s.Points {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Day), y(p.Value)))
			if !s.NoDots {
				ls.Dots = append(ls.Dots, dot{X: x(p.Day), Y: y(p.Value), Title: s.Label + " " + p.Day.Format("02.01.2006") + ": " + format(p.Value)})
			}
			if _, ok := byDay[p.Day]; !ok {
				days = append(days, p.Day)
				byDay[p.Day] = make([]string, len(series))
			}
			byDay[p.Day][i] = format(p.Value)
		}
		if s.NoDots && len(s.Points) > 0 {
			// A target: steps (a new value holds from its day on) across
			// the whole width, so one day's target is a line too.
			pts = pts[:0]
			prev := y(s.Points[0].Value)
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", c.Left, prev))
			for _, p := range s.Points[1:] {
				if v := y(p.Value); v != prev {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(p.Day), prev), fmt.Sprintf("%.1f,%.1f", x(p.Day), v))
					prev = v
				}
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", c.Right, prev))
		}
		ls.Points = strings.Join(pts, " ")
		c.Series = append(c.Series, ls)
	}
	sortTimes(days)
	for _, d := range days {
		cells := byDay[d]
		for i := range cells {
			if cells[i] == "" {
				cells[i] = "–"
			}
		}
		c.Table.Rows = append(c.Table.Rows, tableRow{Head: d.Format("02.01.2006"), Cells: cells})
	}
	return c
}

// sortTimes sorts days in place, oldest first (few: an insertion sort).
func sortTimes(ts []time.Time) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Before(ts[j-1]); j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// bar is one horizontal bar.
type bar struct {
	X, Y, W, H float64
	Class      string
	Label      string // the value, printed after the bar
	Title      string // category, metric and value, for a pointer's tooltip
}

// barGroup is one category: its label and a bar per metric.
type barGroup struct {
	Label  string
	LabelY float64
	Bars   []bar
}

// legendKey names a bar's metric in the legend.
type legendKey struct{ Label, Class string }

// barChart is shares (0–1) per category, a group of horizontal bars per
// category and a bar per metric, on a 0–100 % axis, with an optional
// target line (the national 70 %).
type barChart struct {
	ID, Title, Desc  string
	Width, Height    int
	Left, Right, Top float64
	Base             float64
	XTicks           []tick
	Groups           []barGroup
	Legend           []legendKey
	TargetX          float64
	TargetLabel      string
	HasTarget        bool
	Table            dataTable
	TableLabel       string // the summary that opens the table
	Empty            string // shown instead of the chart without data
}

// barInput is a category's values, nil where there is no figure.
type barInput struct {
	Label  string
	Values []*float64
}

// newBarChart lays out categories × metrics (keys name the metrics, in
// the order of each category's Values). target < 0 draws no target line.
func newBarChart(id, title, desc string, keys []legendKey, cats []barInput, target float64, targetLabel string, format func(float64) string) barChart {
	const barH, gap = 14.0, 14.0
	c := barChart{ID: id, Title: title, Desc: desc, Width: 760, Left: 190, Right: 690, Top: 10, Legend: keys}
	groupH := float64(len(keys))*barH + gap
	c.Base = c.Top + groupH*float64(len(cats))
	c.Height = int(c.Base) + 30
	x := func(v float64) float64 { return c.Left + (c.Right-c.Left)*math.Max(0, math.Min(v, 1)) }
	for v := 0.0; v <= 1.0001; v += 0.25 {
		c.XTicks = append(c.XTicks, tick{Pos: x(v), Label: format(v)})
	}
	if target >= 0 {
		c.HasTarget, c.TargetX, c.TargetLabel = true, x(target), targetLabel
	}
	for gi, cat := range cats {
		top := c.Top + groupH*float64(gi) + gap/2
		g := barGroup{Label: shorten(cat.Label, 26), LabelY: top + float64(len(keys))*barH/2}
		for i, k := range keys {
			var v *float64
			if i < len(cat.Values) {
				v = cat.Values[i]
			}
			b := bar{X: c.Left, Y: top + float64(i)*barH, H: barH - 2, Class: k.Class, Label: "–"}
			if v != nil {
				b.W, b.Label = x(*v)-c.Left, format(*v)
			}
			b.Title = cat.Label + ", " + k.Label + ": " + b.Label
			g.Bars = append(g.Bars, b)
		}
		c.Groups = append(c.Groups, g)
	}
	return c
}

// shorten cuts a label to n characters with an ellipsis (the table has
// it whole).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
