package handlers

import (
	"html"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type searchPage struct {
	Page
	Q            url.Values
	Hits         []placementHit
	NextURL      string
	FirstURL     string
	Filtered     bool
	Kinds        []string
	Sectors      []string
	Levels       []db.Level
	Skills       []string
	Langs        []string
	Towns        []string
	ParticipantL map[string]db.Level
	Admin        bool
	Error        string
	// When nothing is found: what was searched, other words that find
	// placements, and the filter whose removal finds the most.
	Searched   string
	Active     []searchFilter
	DidYouMean []searchLink
	Drop       *searchLink
}

// searchFilter is a filter in use, as a person reads it.
type searchFilter struct{ Label, Value string }

// searchLink is a search a page of no results offers instead.
type searchLink struct {
	Text  string
	URL   string
	Count int // hits, up to 101 (more than 100)
}

// Many says the link finds more than a hundred placements.
func (l searchLink) Many() bool { return l.Count > 100 }

// placementHit is a search result as the page shows it: the snippet and
// the title with the matched words marked, and every text of the hit
// worked out in Go (searchHits). The template reads only these fields:
// fields found through two embedded structs, methods called and messages
// translated through reflection, per hit, were a third of the render's
// CPU (docs/benchmarks.md, "Render less").
type placementHit struct {
	ID                           int64
	Title, OrgName, Municipality string
	Status, KindText             string
	StatusText                   string // for the admin, who sees every status
	Snippet, Marked              template.HTML
	Levels                       levelsData
	Seats, Start, Hours, Speaks  string // "" when the placement gives no hours or languages
}

// searchHits are the hits as the page shows them, each requirement set
// against the levels the adviser gave (have).
func searchHits(p *Page, hits []db.PlacementHit, have map[string]db.Level) []placementHit {
	out := make([]placementHit, len(hits))
	speaks := ""
	for i := range hits {
		h := &hits[i]
		l := placementHit{ID: h.ID, Title: h.Title, OrgName: h.OrgName, Municipality: h.Municipality, Status: h.Status,
			KindText: p.T("placement.kind." + h.Kind), Snippet: markedHTML(h.Snippet), Marked: markedHTML(h.MarkedTitle),
			Levels: newLevels(p, h.Placement, have), Seats: p.T("placements.seats_free_n", "Free", h.FreeSeats(), "Seats", h.Seats)}
		if p.Role() == db.RoleAdmin {
			l.StatusText = p.T("placement.status." + h.Status)
		}
		if h.StartDate != nil {
			l.Start = p.T("placements.starts", "Date", dateOf(h.StartDate))
		} else {
			l.Start = p.T("placements.start_open")
		}
		if h.HoursPerWeek != nil {
			l.Hours = p.T("placements.hours_n", "Hours", *h.HoursPerWeek)
		}
		if len(h.Languages) > 0 {
			if speaks == "" {
				speaks = p.T("placements.speaks")
			}
			var b strings.Builder
			b.WriteString(speaks)
			b.WriteByte(' ')
			for j, lang := range h.Languages {
				if j > 0 {
					b.WriteString(", ")
				}
				b.WriteString(p.T("language." + lang))
			}
			l.Speaks = b.String()
		}
		out[i] = l
	}
	return out
}

// markedHTML escapes every character of an employer's text and turns only
// the search's match markers (the control characters 1 and 2, which the
// store takes out of the text before it marks matches) into <mark>.
func markedHTML(s string) template.HTML {
	e := html.EscapeString(s)
	e = strings.ReplaceAll(e, "\x01", "<mark>")
	return template.HTML(strings.ReplaceAll(e, "\x02", "</mark>")) // #nosec G203 -- escaped above; only the markers become tags
}

// placementsSearch is the adviser's search. It is a GET form: the URL
// holds every filter, so back, reload and a shared link give the same
// result. htmx requests for #results get only the results.
func (a *App) placementsSearch(c *fiber.Ctx) error {
	s := session(c)
	p := searchPage{Page: a.newPage(c, "placements.search_title"), Q: url.Values{}, Kinds: db.PlacementKinds, Sectors: db.Sectors,
		Levels: db.Levels[1:], Skills: db.Skills, Langs: db.WorkplaceLanguages, ParticipantL: map[string]db.Level{},
		Admin: s.User.Role == db.RoleAdmin}
	f := db.PlacementFilter{Levels: map[string]db.Level{}, AnyStatus: p.Admin, Limit: 20}
	get := func(k string, max int) string {
		v := strings.TrimSpace(c.Query(k))
		if len([]rune(v)) > max {
			v = string([]rune(v)[:max])
		}
		if v != "" {
			p.Q.Set(k, v)
		}
		return v
	}
	f.Query = get("q", 200)
	if f.Kind = get("kind", 30); f.Kind != "" && !Contains(db.PlacementKinds, f.Kind) {
		f.Kind, p.Error = "", "placements.bad_filter"
	}
	if f.Sector = get("sector", 30); f.Sector != "" && !Contains(db.Sectors, f.Sector) {
		f.Sector, p.Error = "", "placements.bad_filter"
	}
	f.Municipality = get("municipality", 100)
	for _, sk := range db.Skills {
		l := db.Level(get("level_"+sk, 20))
		if l != "" && !l.Valid() {
			l, p.Error = "", "placements.bad_filter"
		}
		f.Levels[sk], p.ParticipantL[sk] = l, l
	}
	f.FreeSeats = get("free", 2) != ""
	if v := get("start_before", 10); v != "" {
		if t, err := time.Parse("2006-01-02", v); err == nil && t.Year() >= 2000 && t.Year() <= 2100 {
			f.StartBefore = &t
		} else {
			p.Error = "placements.bad_filter"
		}
	}
	if f.Language = get("lang", 5); f.Language != "" && !Contains(db.WorkplaceLanguages, f.Language) {
		f.Language, p.Error = "", "placements.bad_filter"
	}
	p.Filtered = len(p.Q) > 0
	if after := c.Query("after"); after != "" {
		cur, err := db.ParseCursor(after)
		if err != nil {
			return errStatus(fiber.StatusBadRequest, "error.bad_request")
		}
		f.After = cur
		p.FirstURL = "/placements?" + p.Q.Encode()
	}
	ctx := c.UserContext()
	hits, next, err := a.store.SearchPlacements(ctx, f)
	if err != nil {
		return err
	}
	p.Hits = searchHits(&p.Page, hits, p.ParticipantL)
	if next != nil {
		q := url.Values{}
		for k, v := range p.Q {
			q[k] = v
		}
		q.Set("after", next.String())
		p.NextURL = "/placements?" + q.Encode()
	}
	if len(hits) == 0 && p.Filtered && f.After == nil {
		if err := a.searchHelp(c, &p, f); err != nil {
			return err
		}
	}
	c.Vary("HX-Target")
	if isFragment(c) && c.Get("HX-Target") == "results" {
		return a.renderPartial(c, fiber.StatusOK, "placements/results", &p)
	}
	if p.Towns, err = a.store.Municipalities(ctx); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "placements/search", &p)
}

// searchHelp makes a search that found nothing no dead end: it says what
// was searched for with which filters, suggests words close to the ones
// typed that do find placements with the same filters ("Mente du …?"),
// and offers to drop the filter whose removal finds the most. It runs
// only when a first page is empty, so its extra queries (a few counts)
// cost nothing on a search that finds something.
func (a *App) searchHelp(c *fiber.Ctx, p *searchPage, f db.PlacementFilter) error {
	ctx := c.UserContext()
	p.Searched = f.Query
	label := map[string]string{"kind": "placement.kind", "sector": "placement.sector", "municipality": "placement.municipality",
		"free": "placements.only_free", "start_before": "placements.start_before", "lang": "placements.workplace_language"}
	value := func(k, v string) string {
		switch {
		case k == "kind":
			return p.T("placement.kind." + v)
		case k == "sector":
			return p.T("sector." + v)
		case k == "lang":
			return p.T("language." + v)
		case k == "free":
			return ""
		case strings.HasPrefix(k, "level_"):
			return p.T("level." + v)
		}
		return v
	}
	name := func(k string) string {
		if sk, ok := strings.CutPrefix(k, "level_"); ok {
			return p.T("skill." + sk)
		}
		return p.T(label[k])
	}
	for _, k := range []string{"kind", "sector", "municipality", "level_listening", "level_reading", "level_writing", "level_oral", "free", "start_before", "lang"} {
		if v := p.Q.Get(k); v != "" {
			p.Active = append(p.Active, searchFilter{Label: name(k), Value: value(k, v)})
		}
	}
	with := func(k, v string) string {
		q := url.Values{}
		for key, vals := range p.Q {
			q[key] = vals
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return "/placements?" + q.Encode()
	}
	if f.Query != "" {
		words, err := a.store.SearchSuggestions(ctx, f, 3)
		if err != nil {
			return err
		}
		for _, w := range words {
			p.DidYouMean = append(p.DidYouMean, searchLink{Text: w, URL: with("q", w)})
		}
	}
	// Counted up to 101, said as "over 100" beyond a hundred.
	drops, err := a.store.SearchRelaxations(ctx, f, 101)
	if err != nil {
		return err
	}
	if len(drops) > 0 {
		d := drops[0]
		p.Drop = &searchLink{Text: name(d.Filter), URL: with(d.Filter, ""), Count: d.Count}
	}
	return nil
}
