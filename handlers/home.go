package handlers

import (
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type dashboardPage struct {
	Page
	Org          *db.Organisation
	PendingOrgs  int
	UsersPerRole map[string]int
	Todo         *db.Todo // employers, advisers and NAV: what waits for them
	// NAV: the agreements on NAV measures awaiting NAV's decision, above
	// the hand-over list (handover.go).
	AwaitingNAV    []db.AwaitingNAV
	Handover       []db.HandoverRow
	HandoverMonths int
	// Contact is, for a rejected organisation's employer, the
	// programme's contact details.
	Contact db.ProgrammeContact
}

// home is the landing page for visitors, the role's dashboard for
// everyone signed in, and for a signed-in participant their own pages.
func (a *App) home(c *fiber.Ctx) error {
	s := session(c)
	if s == nil && participantSession(c) != nil {
		return a.redirect(c, "/me", "")
	}
	if s == nil {
		p := a.newPage(c, "home.title")
		return a.render(c, fiber.StatusOK, "home/landing", &p)
	}
	p := dashboardPage{Page: a.newPage(c, "dashboard.title")}
	ctx := c.UserContext()
	// A rejected organisation's employers see its status, not counts of
	// what they can no longer open.
	if s.User.Role != db.RoleAdmin && !orgWithdrawn(s) {
		t, err := a.store.TodoFor(ctx, agreementScope(c), a.today())
		if err != nil {
			return err
		}
		p.Todo = &t
	}
	switch s.User.Role {
	case db.RoleEmployer:
		o, err := a.store.Organisation(ctx, *s.User.OrganisationID)
		if err != nil {
			return err
		}
		p.Org = &o
		if o.Status() == db.OrgRejected {
			if p.Contact, err = a.store.ProgrammeContact(ctx); err != nil {
				return err
			}
		}
	case db.RoleNAV:
		var err error
		if p.AwaitingNAV, err = a.store.AgreementsAwaitingNAV(ctx, s.User.ID); err != nil {
			return err
		}
		if err := a.loadHandover(c, &p); err != nil {
			return err
		}
	case db.RoleAdmin:
		var err error
		if p.PendingOrgs, p.UsersPerRole, err = a.store.AdminCounts(ctx); err != nil {
			return err
		}
	}
	return a.render(c, fiber.StatusOK, "home/dashboard", &p)
}
