package handlers

import (
	"time"

	"strconv"

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
	handoverDay    time.Time // today, for HandoverLeft
	// Contact is, for a rejected organisation's employer, the
	// programme's contact details.
	Contact db.ProgrammeContact
	// Caseload is, for an adviser, what in their caseload needs them
	// today: each count is the rows of the list its card links to.
	Caseload *caseloadCards
}

// caseloadCards are the adviser dashboard's caseload counts: at risk by
// the one rule, and programmes ending within EndingMonths.
type caseloadCards struct {
	AtRisk, Ending int
	EndingMonths   int
}

// ProposalsWaitingURL is the proposals list the adviser's card "without
// an answer" opens (proposals_list.go).
func (p *dashboardPage) ProposalsWaitingURL() string { return proposalsWaitingURL }

// RiskURL and EndingURL are the caseload filtered to exactly the
// participants each card counts.
func (cc *caseloadCards) RiskURL() string { return "/participants?sort=risk&risk=1" }

func (cc *caseloadCards) EndingURL() string {
	return "/participants?sort=end&ending=" + strconv.Itoa(cc.EndingMonths)
}

// dashboardEndingMonths is how far ahead the adviser's dashboard looks for
// programmes that end: issue 20's "within 3 months", the time an adviser
// needs to plan the transition to work or education. A working choice
// of the dashboard, not a number from the law.
const dashboardEndingMonths = 3

// loadCaseloadCards counts the adviser's cards from the caseload's read
// model, with the same conditions the linked lists use, in one statement.
func (a *App) loadCaseloadCards(c *fiber.Ctx, p *dashboardPage) error {
	cc := &caseloadCards{EndingMonths: dashboardEndingMonths}
	var err error
	if cc.AtRisk, cc.Ending, err = a.store.CaseloadCards(c.UserContext(), scope(c), cc.EndingMonths); err != nil {
		return err
	}
	p.Caseload = cc
	return nil
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
	case db.RoleAdviser:
		if err := a.loadCaseloadCards(c, &p); err != nil {
			return err
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
