package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// scope is whose participants the signed-in user may see.
func scope(c *fiber.Ctx) db.Scope {
	u := session(c).User
	switch u.Role {
	case db.RoleAdviser:
		return db.Scope{AdviserID: u.ID}
	case db.RoleNAV:
		return db.Scope{NavID: u.ID}
	case db.RoleAdmin:
		return db.Scope{All: true}
	}
	return db.Scope{} // sees nothing
}

type caseloadPage struct {
	Page
	Rows     []db.CaseloadRow
	Total    int // matches before the page's limit
	Status   string
	Search   string
	Sort     string
	Desc     bool
	Statuses []string
	Skills   []string
	Sorts    []string
}

// SortURL is the link a column header uses: the same filters, sorted by
// key, flipping the direction when it is already the sort.
func (p *caseloadPage) SortURL(key string) string {
	desc := key == p.Sort && !p.Desc
	u := "/participants?sort=" + key
	if desc {
		u += "&desc=1"
	}
	if p.Status != "" {
		u += "&status=" + p.Status
	}
	if p.Search != "" {
		u += "&q=" + url.QueryEscape(p.Search)
	}
	return u
}

// AriaSort is the aria-sort value of a column header.
func (p *caseloadPage) AriaSort(key string) string {
	switch {
	case key != p.Sort:
		return "none"
	case p.Desc:
		return "descending"
	}
	return "ascending"
}

// participantsIndex is the adviser's caseload (a NAV user's linked
// participants; every participant for an admin).
func (a *App) participantsIndex(c *fiber.Ctx) error {
	p := caseloadPage{Page: a.newPage(c, "participants.title"), Statuses: db.ParticipantStatuses, Skills: db.Skills}
	p.Status = c.Query("status")
	if !Contains(db.ParticipantStatuses, p.Status) {
		p.Status = ""
	}
	p.Search = strings.TrimSpace(c.Query("q"))
	if len([]rune(p.Search)) > 100 {
		p.Search = string([]rune(p.Search)[:100])
	}
	p.Sort = c.Query("sort", "end")
	if _, ok := db.CaseloadSorts[p.Sort]; !ok {
		p.Sort = "end"
	}
	p.Desc = c.Query("desc") == "1"
	var err error
	p.Rows, err = a.store.Caseload(c.UserContext(), scope(c), db.CaseloadFilter{Status: p.Status, Search: p.Search, Sort: p.Sort, Desc: p.Desc})
	if err != nil {
		return err
	}
	if len(p.Rows) > 0 {
		p.Total = p.Rows[0].Total
	}
	// A list shows personal data too: every participant on it is audited.
	ids := make([]int64, len(p.Rows))
	for i, r := range p.Rows {
		ids[i] = r.ID
	}
	if err := a.store.LogListed(c.UserContext(), session(c).User.ID, "participant", ids, clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/index", &p)
}

type participantFormPage struct {
	Page
	PF          participantForm
	Form        Form
	Participant *db.Participant
	Educations  []string
	Regimes     []string
	Hours       []string
	Categories  []string
	Sectors     []string
	Levels      []db.Level
	Skills      []string
	Langs       []string
	Statuses    []string
	NavUsers    []db.User
}

func (a *App) participantFormPage(c *fiber.Ctx, titleID string, pf participantForm) (participantFormPage, error) {
	p := participantFormPage{Page: a.newPage(c, titleID), PF: pf, Form: pf.Form, Educations: db.Educations, Regimes: db.Regimes,
		Categories: db.GoalCategories, Sectors: db.Sectors, Levels: db.Levels, Skills: db.Skills,
		Langs: db.ParticipantLanguages, Statuses: db.ParticipantStatuses, Hours: db.ProgrammeHours}
	if p.Form.Values["programme_hours"] == "" {
		p.Form.Values["programme_hours"] = db.ProgrammeHours[0]
	}
	var err error
	p.NavUsers, err = a.navUsers(c.UserContext())
	return p, err
}

func (a *App) participantNew(c *fiber.Ctx) error {
	pf := participantForm{Form: newForm()}
	pf.Values["status"] = "active"
	pf.Values["regime"] = "integreringsloven"
	p, err := a.participantFormPage(c, "participants.new_title", pf)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/form", &p)
}

// participantCreate registers a participant in the adviser's caseload.
func (a *App) participantCreate(c *fiber.Ctx) error {
	pf, err := a.readParticipantForm(c)
	if err != nil {
		return err
	}
	if !pf.Valid() {
		p, err := a.participantFormPage(c, "participants.new_title", pf)
		if err != nil {
			return err
		}
		return a.render(c, fiber.StatusUnprocessableEntity, "participants/form", &p)
	}
	id, err := a.store.CreateParticipant(c.UserContext(), session(c).User.ID, pf.Input, clientIP(c))
	if err != nil {
		return err
	}
	return a.redirect(c, "/participants/"+strconv.FormatInt(id, 10), "flash.participant_saved")
}

// participantFor loads the participant in the URL if the signed-in user's
// scope includes them; otherwise 404, so ids reveal nothing.
func (a *App) participantFor(c *fiber.Ctx) (db.Participant, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return db.Participant{}, fiber.ErrNotFound
	}
	return a.store.ParticipantIn(c.UserContext(), int64(id), scope(c))
}

// participantRow is participantFor with the participant's caseload figures
// (best levels, gaps, months left) in the same query, for the pages that
// show them.
func (a *App) participantRow(c *fiber.Ctx) (db.CaseloadRow, error) {
	id, err := c.ParamsInt("id")
	if err != nil || id <= 0 {
		return db.CaseloadRow{}, fiber.ErrNotFound
	}
	return a.store.CaseloadRowFor(c.UserContext(), int64(id), scope(c))
}

func (a *App) participantEdit(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	p, err := a.participantFormPage(c, "participants.edit_title", formFromParticipant(pt))
	if err != nil {
		return err
	}
	// The edit form shows everything the profile does: it is a read too.
	if err := a.store.LogParticipantView(c.UserContext(), session(c).User.ID, pt.ID, clientIP(c)); err != nil {
		return err
	}
	p.Participant = &pt
	return a.render(c, fiber.StatusOK, "participants/form", &p)
}

func (a *App) participantUpdate(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	pf, err := a.readParticipantForm(c)
	if err != nil {
		return err
	}
	if !pf.Valid() {
		p, err := a.participantFormPage(c, "participants.edit_title", pf)
		if err != nil {
			return err
		}
		p.Participant = &pt
		if err := a.store.LogParticipantView(c.UserContext(), session(c).User.ID, pt.ID, clientIP(c)); err != nil {
			return err
		}
		return a.render(c, fiber.StatusUnprocessableEntity, "participants/form", &p)
	}
	if err := a.store.UpdateParticipant(c.UserContext(), pt.ID, session(c).User.ID, pf.Input, clientIP(c)); err != nil {
		return err
	}
	return a.redirect(c, "/participants/"+strconv.FormatInt(pt.ID, 10), "flash.participant_saved")
}
