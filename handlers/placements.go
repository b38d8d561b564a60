package handlers

import (
	"errors"
	"strconv"
	"strings"

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
