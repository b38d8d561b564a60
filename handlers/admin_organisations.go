package handlers

import (
	"fmt"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
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
	var mails []db.Mail
	if !approve {
		if mails, err = a.withdrawalMails(c, id); err != nil {
			return err
		}
	}
	o, err := a.store.DecideOrganisation(c.UserContext(), id, session(c).User.ID, approve, clientIP(c), mails...)
	if err != nil {
		return err
	}
	if len(mails) > 0 {
		a.wakeMail()
	}
	flash := "flash.org_rejected"
	if approve {
		flash = "flash.org_approved"
	}
	return a.rowAnswer(c, "/admin/organisations", "admin.orgs.title", flash, o.Name, "admin/org_row",
		func(p *Page) any { return newOrgRow(p, o) })
}

// withdrawalMails are the mails rejecting an approved organisation sends:
// one to the adviser of each of its agreements that is not over, with a
// link to the agreement, where they can end it early or cancel it. The
// store queues them only if the rejection withdraws an approval. The key
// names the approval withdrawn, so a later approval and rejection tell
// the advisers again.
func (a *App) withdrawalMails(c *fiber.Ctx, orgID int64) ([]db.Mail, error) {
	ctx := c.UserContext()
	o, err := a.store.Organisation(ctx, orgID)
	if err != nil || o.ApprovedAt == nil {
		return nil, err
	}
	open, err := a.store.OpenAgreementsOf(ctx, orgID, a.today())
	if err != nil {
		return nil, err
	}
	mails := make([]db.Mail, 0, len(open))
	for _, ag := range open {
		d := mail.Data{FirstName: mail.FirstName(ag.AdviserName), Link: a.mail.Link(agreementPath(ag.ID)),
			Vars: map[string]string{"Org": o.Name, "Title": ag.Title}}
		key := fmt.Sprintf("org_withdrawn:%d:%d:%d", orgID, ag.ID, o.ApprovedAt.Unix())
		m, err := a.mail.Render("org_withdrawn", ag.AdviserLocale, ag.AdviserEmail, key, d)
		if err != nil {
			return nil, err
		}
		mails = append(mails, m)
	}
	return mails, nil
}
