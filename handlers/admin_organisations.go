package handlers

import (
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type adminOrgsPage struct {
	Page
	Status        string
	Statuses      []string
	Organisations []db.Organisation
}

// orgRow is the data of one table row, the unit htmx swaps.
type orgRow struct {
	*Page
	Org db.Organisation
}

func newOrgRow(p pager, o db.Organisation) orgRow { return orgRow{Page: p.page(), Org: o} }

func (a *App) adminOrganisations(c *fiber.Ctx) error {
	p := adminOrgsPage{Page: a.newPage(c, "admin.orgs.title"), Statuses: []string{db.OrgPending, db.OrgApproved, db.OrgRejected, "all"}}
	p.Status = c.Query("status", db.OrgPending)
	if !Contains(p.Statuses, p.Status) {
		p.Status = db.OrgPending
	}
	filter := p.Status
	if filter == "all" {
		filter = ""
	}
	var err error
	if p.Organisations, err = a.store.Organisations(c.UserContext(), filter); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/organisations", &p)
}

func (a *App) adminOrganisationApprove(c *fiber.Ctx) error { return a.decideOrganisation(c, true) }
func (a *App) adminOrganisationReject(c *fiber.Ctx) error  { return a.decideOrganisation(c, false) }

// decideOrganisation approves or rejects; htmx gets the updated row,
// a plain form post goes back to the list with a flash.
func (a *App) decideOrganisation(c *fiber.Ctx, approve bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.store.DecideOrganisation(c.UserContext(), id, session(c).User.ID, approve, clientIP(c))
	if err != nil {
		return err
	}
	flash := "flash.org_rejected"
	if approve {
		flash = "flash.org_approved"
	}
	return a.rowAnswer(c, "/admin/organisations", "admin.orgs.title", flash, o.Name, "admin/org_row",
		func(p *Page) any { return newOrgRow(p, o) })
}
