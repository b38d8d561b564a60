package handlers

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

// inviteTTL is how long an invitation link works.
const inviteTTL = 7 * 24 * time.Hour

// An employer's invitations are limited per person and per client IP
// within an hour (counted in PostgreSQL, so across replicas): each is a
// mail with the organisation's name in it to an address of the sender's
// choosing.
const (
	inviteMaxPerUser = 10
	inviteMaxPerIP   = 30
	inviteWindow     = time.Hour
)

// invitePayload is stored with an invitation token: what the account
// will be once the invitation is accepted.
type invitePayload struct {
	Role  string `json:"role"`
	OrgID int64  `json:"org_id,omitempty"`
	Name  string `json:"name"`
	Lang  string `json:"lang"`
}

type organisationPage struct {
	Page
	Org         db.Organisation
	Members     []db.User
	Invitations []db.Invitation
	Form        Form
	// Contacts are, for a rejected organisation, the advisers of its
	// agreements that are not over: whom its employers can ask.
	Contacts []contact
	// Contact is the programme's contact details, for a rejected one.
	Contact db.ProgrammeContact
}

type contact struct{ Name, Email string }

func (a *App) orgPage(c *fiber.Ctx) (organisationPage, error) {
	p := organisationPage{Page: a.newPage(c, "org.page_title"), Form: newForm()}
	ctx := c.UserContext()
	orgID := *session(c).User.OrganisationID
	var err error
	if p.Org, err = a.store.Organisation(ctx, orgID); err != nil {
		return p, err
	}
	if p.Members, err = a.store.OrganisationMembers(ctx, orgID); err != nil {
		return p, err
	}
	if p.Invitations, err = a.store.OpenInvitations(ctx, orgID); err != nil {
		return p, err
	}
	if p.Org.Status() == db.OrgRejected {
		if p.Contact, err = a.store.ProgrammeContact(ctx); err != nil {
			return p, err
		}
		open, err := a.store.OpenAgreementsOf(ctx, orgID, a.today())
		if err != nil {
			return p, err
		}
		seen := map[string]bool{}
		for _, ag := range open {
			if !seen[ag.AdviserEmail] {
				seen[ag.AdviserEmail] = true
				p.Contacts = append(p.Contacts, contact{Name: ag.AdviserName, Email: ag.AdviserEmail})
			}
		}
	}
	return p, nil
}

// organisationShow is the employer's organisation page: its details, the
// colleagues with accounts, open invitations and the invitation form.
func (a *App) organisationShow(c *fiber.Ctx) error {
	p, err := a.orgPage(c)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "organisation/show", &p)
}

// organisationInvite invites a colleague by e-mail to the same organisation.
// Only an approved organisation may: anyone can sign one up, and its name
// goes into the mail, so a pending or rejected one could otherwise make
// Praksis send text of its choosing to any address.
func (a *App) organisationInvite(c *fiber.Ctx) error {
	p, err := a.orgPage(c)
	if err != nil {
		return err
	}
	if p.Org.Status() != db.OrgApproved {
		return errStatus(fiber.StatusForbidden, "org.invite_not_approved")
	}
	f := &p.Form
	f.Values["name"] = strings.TrimSpace(c.FormValue("name"))
	f.Values["email"] = strings.TrimSpace(c.FormValue("email"))
	f.Required("name", 200)
	f.Check(f.Values["email"] != "", "email", "form.required")
	f.Check(ValidEmail(f.Values["email"]), "email", "form.email_invalid")
	if !f.Valid() {
		return a.render(c, fiber.StatusUnprocessableEntity, "organisation/show", &p)
	}
	me := session(c).User.ID
	n, err := a.store.InvitationsSentBy(c.UserContext(), me, inviteWindow)
	if err != nil {
		return err
	}
	if n >= inviteMaxPerUser {
		c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(inviteWindow.Seconds())))
		return errStatus(fiber.StatusTooManyRequests, "limit.invite")
	}
	// The same answer for any address: one that has an account (an
	// admin's, too) gets a mail saying so instead of the link, and
	// nothing about the account changes.
	err = a.invite(c, f.Values["email"], invitePayload{Role: db.RoleEmployer, OrgID: p.Org.ID, Name: f.Values["name"], Lang: p.Locale}, p.Org.Name, true)
	if err != nil {
		return err
	}
	return a.redirect(c, "/organisation", "flash.invited")
}

// invite creates an invitation token and its e-mail in one transaction.
// An address with an account is ErrConflict (admins are told: they
// manage the accounts), unless sameAnswer: then the token is stored all
// the same, so the organisation's list of open invitations looks the
// same, but its link is never sent; the account's owner gets a mail that
// someone tried to invite them, and nothing about the account changes
// (accepting needs the link, and an invitation never makes an account
// for a taken address).
func (a *App) invite(c *fiber.Ctx, email string, pl invitePayload, orgName string, sameAnswer bool) error {
	ctx := c.UserContext()
	existing, err := a.store.UserByEmail(ctx, email)
	switch {
	case err == nil && !sameAnswer:
		return db.ErrConflict
	case err != nil && !errors.Is(err, db.ErrNotFound):
		return err
	}
	taken := err == nil
	token, err := db.NewToken()
	if err != nil {
		return err
	}
	d := mail.Data{FirstName: mail.FirstName(pl.Name), Link: a.mail.Link("/l/" + token),
		Vars: map[string]string{"Org": orgName, "Role": a.translate(pl.Lang, "email.invite.role_"+pl.Role)}}
	template, lang := "invite", pl.Lang
	if taken {
		d = mail.Data{FirstName: mail.FirstName(existing.Name), Link: a.mail.Link("/login"), Vars: map[string]string{"Org": orgName}}
		template, lang = "invite_exists", existing.Locale
	}
	// Each invitation is its own mail (inviting again sends a new link),
	// so the key is the token's own hash.
	m, err := a.mail.Render(template, lang, email, fmt.Sprintf("invite:%x", db.HashToken(token)[:12]), d)
	if err != nil {
		return err
	}
	me := session(c).User.ID
	err = a.store.Invite(ctx, db.NewLinkToken{Token: token, Email: email, Payload: pl, CreatedBy: &me, TTL: inviteTTL}, m, clientIP(c))
	if err != nil {
		return err
	}
	a.wakeMail()
	return nil
}
