package handlers

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

type adminOrgsPage struct {
	Page
	Status        string
	Statuses      []string
	Organisations []db.Organisation
	Contact       db.ProgrammeContact
	Form          Form
	// Refused is the row whose rejection was refused (no reason): it is
	// shown open with the message.
	Refused orgRow
}

// Row is the data of an organisation's row on the page.
func (p *adminOrgsPage) Row(o db.Organisation) orgRow {
	if p.Refused.Org.ID == o.ID && p.Refused.Error != "" {
		r := p.Refused
		r.Page, r.Org = &p.Page, o
		return r
	}
	return newOrgRow(p, o)
}

// orgRow is the data of one table row, the unit htmx swaps. A refused
// rejection comes back with its reason as typed and the message.
type orgRow struct {
	*Page
	Org           db.Organisation
	Reason, Error string
}

func newOrgRow(p pager, o db.Organisation) orgRow { return orgRow{Page: p.page(), Org: o} }

// rejectionReasonMax is the longest reason a rejection may give.
const rejectionReasonMax = 1000

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
	if err := a.loadOrgsPage(c, &p, filter); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "admin/organisations", &p)
}

func (a *App) loadOrgsPage(c *fiber.Ctx, p *adminOrgsPage, filter string) error {
	var err error
	if p.Organisations, err = a.store.Organisations(c.UserContext(), filter); err != nil {
		return err
	}
	p.Contact, err = a.store.ProgrammeContact(c.UserContext())
	return err
}

func (a *App) adminOrganisationApprove(c *fiber.Ctx) error { return a.decideOrganisation(c, true) }
func (a *App) adminOrganisationReject(c *fiber.Ctx) error  { return a.decideOrganisation(c, false) }

// decideOrganisation approves or rejects, after the confirm step in the
// row (a <details> with the real submit inside); a rejection needs a
// reason. The organisation's employers are told either way, with the
// reason and the programme's contact details. htmx gets the updated row,
// a plain form post goes back to the list with a flash.
func (a *App) decideOrganisation(c *fiber.Ctx, approve bool) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	before, err := a.store.Organisation(ctx, id)
	if err != nil {
		return err
	}
	reason := ""
	if !approve {
		reason = strings.TrimSpace(c.FormValue("reason"))
		msg := ""
		switch {
		case reason == "":
			msg = "admin.orgs.reason_required"
		case utf8.RuneCountInString(reason) > rejectionReasonMax:
			msg = "form.too_long"
		}
		if msg != "" {
			return a.refuseRejection(c, before, reason, msg)
		}
	}
	d := db.OrgDecision{OrgID: id, AdminID: session(c).User.ID, Approve: approve, Reason: reason, IP: clientIP(c)}
	if changes := approve != (before.Status() == db.OrgApproved) || (!approve && before.Status() == db.OrgPending); changes {
		if d.Notices, err = a.decisionMails(c, before, approve, reason); err != nil {
			return err
		}
	}
	if !approve {
		if d.Withdrawal, err = a.withdrawalMails(c, id); err != nil {
			return err
		}
	}
	o, err := a.store.Decide(ctx, d)
	if err != nil {
		return err
	}
	if len(d.Notices)+len(d.Withdrawal) > 0 {
		a.wakeMail()
	}
	flash := "flash.org_rejected"
	if approve {
		flash = "flash.org_approved"
	}
	return a.rowAnswer(c, "/admin/organisations", "admin.orgs.title", flash, o.Name, "admin/org_row",
		func(p *Page) any { return newOrgRow(p, o) })
}

// refuseRejection answers a rejection without a (valid) reason: htmx gets
// the row with the form open and the message, a plain post the list with
// an error summary and that row open.
func (a *App) refuseRejection(c *fiber.Ctx, o db.Organisation, reason, msg string) error {
	if isFragment(c) {
		p := a.newPage(c, "admin.orgs.title")
		return a.renderPartial(c, fiber.StatusUnprocessableEntity, "admin/org_row",
			orgRow{Page: &p, Org: o, Reason: reason, Error: msg})
	}
	p := adminOrgsPage{Page: a.newPage(c, "admin.orgs.title"), Statuses: []string{db.OrgPending, db.OrgApproved, db.OrgRejected, "all"},
		Status: o.Status(), Form: newForm()}
	p.Form.Check(false, fmt.Sprintf("reason-%d", o.ID), msg)
	p.Form.setLabel(fmt.Sprintf("reason-%d", o.ID), p.T("admin.orgs.reason_named", "Name", o.Name))
	if err := a.loadOrgsPage(c, &p, p.Status); err != nil {
		return err
	}
	p.Refused = orgRow{Org: o, Reason: reason, Error: msg}
	return a.render(c, fiber.StatusUnprocessableEntity, "admin/organisations", &p)
}

// decisionMails tell each enabled employer of the organisation that it was
// approved or rejected (with the reason), with the programme's contact
// details. The key names the decision and its second, so a decision made
// again later is told again, and a double click once.
func (a *App) decisionMails(c *fiber.Ctx, o db.Organisation, approve bool, reason string) ([]db.Mail, error) {
	ctx := c.UserContext()
	members, err := a.store.OrganisationMembers(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	contact, err := a.store.ProgrammeContact(ctx)
	if err != nil {
		return nil, err
	}
	name, path := "org_rejected", "/organisation"
	if approve {
		name, path = "org_approved", "/"
	}
	at := time.Now().Unix()
	var mails []db.Mail
	for _, m := range members {
		if m.Role != db.RoleEmployer || m.DisabledAt != nil {
			continue
		}
		d := mail.Data{FirstName: mail.FirstName(m.Name), Link: a.mail.Link(path), Vars: map[string]string{
			"Org": o.Name, "Reason": reason, "ContactName": contact.Name, "ContactEmail": contact.Email, "ContactPhone": contact.Phone}}
		out, err := a.mail.Render(name, m.Locale, m.Email, fmt.Sprintf("%s:%d:%d:%d", name, o.ID, m.ID, at), d)
		if err != nil {
			return nil, err
		}
		mails = append(mails, out)
	}
	return mails, nil
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
		m.About = []int64{ag.ParticipantID}
		mails = append(mails, m)
	}
	return mails, nil
}
