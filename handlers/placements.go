package handlers

import (
	"errors"
	"html"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// placementsIndex is the employer's own list, or the search over published
// placements for advisers (and admins, who also see every status).
func (a *App) placementsIndex(c *fiber.Ctx) error {
	if session(c).User.Role == db.RoleEmployer {
		return a.placementsMine(c)
	}
	return a.placementsSearch(c)
}

type myPlacementsPage struct {
	Page
	Placements []db.Placement
	CanPublish bool
}

func (a *App) placementsMine(c *fiber.Ctx) error {
	s := session(c)
	p := myPlacementsPage{Page: a.newPage(c, "placements.mine_title"), CanPublish: orgStatus(s) == db.OrgApproved}
	var err error
	if p.Placements, err = a.store.OrgPlacements(c.UserContext(), *s.User.OrganisationID); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "placements/mine", &p)
}

// orgStatus is the organisation status of the signed-in employer ("" for others).
func orgStatus(s *db.Session) string {
	if s.OrgStatus == nil {
		return ""
	}
	return *s.OrgStatus
}

type placementFormPage struct {
	Page
	PF         placementForm
	Form       Form // the same form, where shared partials expect it
	Placement  *db.Placement
	Kinds      []string
	Sectors    []string
	Levels     []db.Level
	Skills     []string
	Langs      []string
	Adapts     []string
	CanPublish bool
}

func (a *App) placementFormPage(c *fiber.Ctx, titleID string, pf placementForm) placementFormPage {
	return placementFormPage{Page: a.newPage(c, titleID), PF: pf, Form: pf.Form, Kinds: db.PlacementKinds, Sectors: db.Sectors,
		Levels: db.RequirementLevels, Skills: db.Skills, Langs: db.WorkplaceLanguages, Adapts: db.Adaptations,
		CanPublish: orgStatus(session(c)) == db.OrgApproved}
}

// placementNew shows an empty form; the supervisor defaults to the person
// filling it in, seats to one.
func (a *App) placementNew(c *fiber.Ctx) error {
	u := session(c).User
	pf := placementForm{Form: newForm()}
	pf.Values["seats"] = "1"
	pf.Values["supervisor_name"], pf.Values["supervisor_email"] = u.Name, u.Email
	p := a.placementFormPage(c, "placements.new_title", pf)
	return a.render(c, fiber.StatusOK, "placements/form", &p)
}

// placementCreate saves a new draft and shows its preview.
func (a *App) placementCreate(c *fiber.Ctx) error {
	s := session(c)
	pf := readPlacementForm(c)
	if !pf.Valid() {
		p := a.placementFormPage(c, "placements.new_title", pf)
		return a.render(c, fiber.StatusUnprocessableEntity, "placements/form", &p)
	}
	id, err := a.store.CreatePlacement(c.UserContext(), *s.User.OrganisationID, s.User.ID, pf.Input)
	if err != nil {
		return err
	}
	return a.redirect(c, "/placements/"+strconv.FormatInt(id, 10), "flash.placement_saved")
}

// placementFor loads the placement in the URL as the signed-in user may see
// it: employers only their own organisation's, advisers only published
// ones. Anything else is 404, so ids do not reveal what exists.
func (a *App) placementFor(c *fiber.Ctx) (db.Placement, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return db.Placement{}, err
	}
	p, err := a.store.Placement(c.UserContext(), id)
	if err != nil {
		return p, err
	}
	u := session(c).User
	switch {
	case u.Role == db.RoleEmployer && p.OrganisationID != *u.OrganisationID:
		return p, db.ErrNotFound
	case u.Role == db.RoleAdviser && (p.Status != db.PlacementPublished || !p.OrgApproved):
		// A rejected organisation's placements disappear with it.
		return p, db.ErrNotFound
	}
	return p, nil
}

type placementShowPage struct {
	Page
	P          db.Placement
	Events     []db.PlacementEvent
	Form       Form // problems that stop publishing
	Owner      bool
	Skills     []string
	CanPublish bool
}

func (a *App) placementShowPage(c *fiber.Ctx, pl db.Placement) (placementShowPage, error) {
	s := session(c)
	p := placementShowPage{Page: a.newPage(c, "placements.show_title"), P: pl, Form: newForm(), Skills: db.Skills,
		Owner: s.User.Role == db.RoleEmployer, CanPublish: orgStatus(s) == db.OrgApproved}
	p.Title = pl.Title
	var err error
	if p.Owner || s.User.Role == db.RoleAdmin {
		p.Events, err = a.store.PlacementEvents(c.UserContext(), pl.ID)
	}
	return p, err
}

// placementShow is the placement as an adviser sees it; for its employer
// it is also the preview, with the actions that change its status.
func (a *App) placementShow(c *fiber.Ctx) error {
	pl, err := a.placementFor(c)
	if err != nil {
		return err
	}
	p, err := a.placementShowPage(c, pl)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "placements/show", &p)
}

func (a *App) placementEdit(c *fiber.Ctx) error {
	pl, err := a.placementFor(c)
	if err != nil {
		return err
	}
	if pl.Status == db.PlacementClosed {
		// Agreements will point to closed placements: reopen to change one.
		return errStatus(fiber.StatusConflict, "placements.closed_readonly")
	}
	p := a.placementFormPage(c, "placements.edit_title", formFromPlacement(pl))
	p.Placement = &pl
	return a.render(c, fiber.StatusOK, "placements/form", &p)
}

// placementUpdate saves changes; a published placement stays published
// with the new text (advisers see the change at once).
func (a *App) placementUpdate(c *fiber.Ctx) error {
	pl, err := a.placementFor(c)
	if err != nil {
		return err
	}
	if pl.Status == db.PlacementClosed {
		return errStatus(fiber.StatusConflict, "placements.closed_readonly")
	}
	pf := readPlacementForm(c)
	if pl.Status == db.PlacementPublished && pf.Valid() {
		// A published placement must stay complete.
		next := pl
		applyInput(&next, pf.Input)
		checkPublishable(&pf.Form, next)
	}
	if !pf.Valid() {
		p := a.placementFormPage(c, "placements.edit_title", pf)
		p.Placement = &pl
		return a.render(c, fiber.StatusUnprocessableEntity, "placements/form", &p)
	}
	if err := a.store.UpdatePlacement(c.UserContext(), pl.ID, pl.OrganisationID, pf.Input); err != nil {
		return err
	}
	return a.redirect(c, "/placements/"+strconv.FormatInt(pl.ID, 10), "flash.placement_saved")
}

// applyInput shows what a placement would look like after an update.
func applyInput(p *db.Placement, in db.PlacementInput) {
	p.Kind = in.Kind
	p.Tasks, p.Sector, p.Municipality = in.Tasks, in.Sector, in.Municipality
	p.HoursPerWeek, p.DaysPerWeek, p.StartDate = in.HoursPerWeek, in.DaysPerWeek, in.StartDate
	p.SupervisorName, p.SupervisorEmail, p.SupervisorPhone = in.SupervisorName, in.SupervisorEmail, in.SupervisorPhone
}

// placementValidate answers the form's live checks (htmx, after a short
// pause in typing): the message for the one field that changed.
func (a *App) placementValidate(c *fiber.Ctx) error {
	field := c.Get("HX-Trigger-Name")
	pf := readPlacementForm(c)
	msg := ""
	if id := pf.Errors[field]; id != "" && Contains(placementFields, field) {
		msg = a.translate(a.locale(c), id)
	}
	return a.renderPartial(c, fiber.StatusOK, "form/message", struct{ Name, Error string }{field, msg})
}

// placement status moves: (to, allowed from, event).
var placementMoves = map[string]struct {
	to   string
	from []string
}{
	"publish": {db.PlacementPublished, []string{db.PlacementDraft}},
	"pause":   {db.PlacementPaused, []string{db.PlacementPublished}},
	"resume":  {db.PlacementPublished, []string{db.PlacementPaused}},
	"close":   {db.PlacementClosed, []string{db.PlacementDraft, db.PlacementPublished, db.PlacementPaused}},
	"reopen":  {db.PlacementDraft, []string{db.PlacementClosed}},
}

// placementMove publishes, pauses, resumes, closes or reopens one of the
// employer's placements. Publishing needs an approved organisation and a
// complete placement; otherwise the preview shows what is missing.
func (a *App) placementMove(action string) fiber.Handler {
	move := placementMoves[action]
	return func(c *fiber.Ctx) error {
		pl, err := a.placementFor(c)
		if err != nil {
			return err
		}
		s := session(c)
		if move.to == db.PlacementPublished && pl.UnpublishedReason != "" {
			// Taken down by the municipality: only an admin puts it back.
			return errStatus(fiber.StatusConflict, "placements.taken_down")
		}
		if move.to == db.PlacementPublished {
			p, err := a.placementShowPage(c, pl)
			if err != nil {
				return err
			}
			if orgStatus(s) != db.OrgApproved {
				return errStatus(fiber.StatusConflict, "placements.org_not_approved")
			}
			checkPublishable(&p.Form, pl)
			if !p.Form.Valid() {
				return a.render(c, fiber.StatusUnprocessableEntity, "placements/show", &p)
			}
		}
		err = a.store.SetPlacementStatus(c.UserContext(), pl.ID, pl.OrganisationID, s.User.ID, move.to, move.from, action, "")
		if errors.Is(err, db.ErrConflict) {
			return errStatus(fiber.StatusConflict, "placements.wrong_status")
		} else if err != nil {
			return err
		}
		return a.redirect(c, "/placements/"+strconv.FormatInt(pl.ID, 10), "flash.placement_"+action)
	}
}

// placementDuplicate copies a placement into a new draft to start from.
func (a *App) placementDuplicate(c *fiber.Ctx) error {
	pl, err := a.placementFor(c)
	if err != nil {
		return err
	}
	s := session(c)
	// The copy is named as one, so the list tells the two apart.
	title := truncateRunes(a.translate(a.locale(c), "placements.copy_title", "Title", pl.Title), 150)
	id, err := a.store.DuplicatePlacement(c.UserContext(), pl.ID, pl.OrganisationID, s.User.ID, title)
	if err != nil {
		return err
	}
	return a.redirect(c, "/placements/"+strconv.FormatInt(id, 10)+"/edit", "flash.placement_duplicated")
}

// placementRepublish lets an admin put a placement they took down back
// up (after the employer has fixed it); the reason is cleared.
func (a *App) placementRepublish(c *fiber.Ctx) error {
	pl, err := a.placementFor(c)
	if err != nil {
		return err
	}
	if pl.UnpublishedReason == "" || (pl.Status != db.PlacementPaused && pl.Status != db.PlacementDraft) {
		return errStatus(fiber.StatusConflict, "placements.wrong_status")
	}
	// The employer may have changed it since: it must still be complete.
	f := newForm()
	if checkPublishable(&f, pl); !f.Valid() {
		return errStatus(fiber.StatusConflict, "placements.republish_incomplete")
	}
	err = a.store.SetPlacementStatus(c.UserContext(), pl.ID, 0, session(c).User.ID, db.PlacementPublished,
		[]string{db.PlacementPaused, db.PlacementDraft}, "republish", "")
	if errors.Is(err, db.ErrConflict) {
		return errStatus(fiber.StatusConflict, "placements.wrong_status")
	} else if err != nil {
		return err
	}
	return a.redirect(c, "/placements/"+strconv.FormatInt(pl.ID, 10), "flash.placement_republish")
}

// placementUnpublish lets an admin take down a placement that breaks the
// rules (e.g. it replaces ordinary staff); the employer sees the reason.
func (a *App) placementUnpublish(c *fiber.Ctx) error {
	pl, err := a.placementFor(c)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(c.FormValue("reason"))
	p, err := a.placementShowPage(c, pl)
	if err != nil {
		return err
	}
	p.Form.Values["reason"] = reason
	p.Form.Check(reason != "", "reason", "placements.reason_required")
	p.Form.Check(len([]rune(reason)) <= 1000, "reason", "form.too_long")
	if !p.Form.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "placements/show", &p)
	}
	err = a.store.SetPlacementStatus(c.UserContext(), pl.ID, 0, session(c).User.ID, db.PlacementPaused, []string{db.PlacementPublished}, "unpublish", reason)
	if errors.Is(err, db.ErrConflict) {
		return errStatus(fiber.StatusConflict, "placements.wrong_status")
	} else if err != nil {
		return err
	}
	return a.redirect(c, "/placements/"+strconv.FormatInt(pl.ID, 10), "flash.placement_unpublish")
}

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
// the title with the matched words marked.
type placementHit struct {
	db.PlacementHit
	Snippet template.HTML
	Marked  template.HTML
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
	for _, h := range hits {
		p.Hits = append(p.Hits, placementHit{PlacementHit: h, Snippet: markedHTML(h.Snippet), Marked: markedHTML(h.MarkedTitle)})
	}
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
