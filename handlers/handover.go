package handlers

import (
	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// The NAV hand-over list (issue 20): on the NAV user's dashboard and as an
// export, the linked participants whose programme ends within
// db.HandoverMonths with no work or education in place. Both are reads of
// each person listed and audited as such.

// loadHandover fills the dashboard's hand-over list and audits its rows.
func (a *App) loadHandover(c *fiber.Ctx, p *dashboardPage) error {
	u := session(c).User
	rows, err := a.store.Handover(c.UserContext(), u.ID, a.today())
	if err != nil {
		return err
	}
	p.Handover, p.HandoverMonths, p.handoverDay = rows, db.HandoverMonths, a.today()
	return a.store.LogListed(c.UserContext(), u.ID, "participant", handoverIDs(rows), clientIP(c))
}

// HandoverLeft is how long a row's programme has left, in the caseload's
// words ("Slutter i dag" on its last day, not "Under 1 mnd igjen").
func (p *dashboardPage) HandoverLeft(r db.HandoverRow) string {
	return monthsLeftText(&p.Page, r.MonthsLeft, r.ProgrammeEnd, p.handoverDay)
}

func handoverIDs(rows []db.HandoverRow) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// handoverExport is /handover.csv and .xlsx.
func (a *App) handoverExport(format string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := a.newPage(c, "handover.heading")
		u := session(c).User
		rows, err := a.store.Handover(c.UserContext(), u.ID, a.today())
		if err != nil {
			return err
		}
		sh := sheet{Name: p.T("handover.sheet"), Head: []string{p.T("participants.export_last_name"), p.T("participants.export_first_name"),
			p.T("participants.col_end"), p.T("participants.months_left_label"), p.T("participants.col_placement"),
			p.T("participants.col_adviser"), p.T("user.email")}}
		for _, r := range rows {
			placement := derefOr(r.Placement, "")
			if r.Org != nil {
				placement += " – " + *r.Org
			}
			sh.Rows = append(sh.Rows, []any{r.LastName, r.FirstName, r.ProgrammeEnd, r.MonthsLeft, placement, r.AdviserName, r.AdviserEmail})
		}
		if err := a.store.LogExported(c.UserContext(), u.ID, db.ExportHandover, handoverIDs(rows), clientIP(c)); err != nil {
			return err
		}
		return a.sendSheet(c, format, "praksis-"+p.T("handover.file")+"-"+a.today().Format("2006-01-02"), sh)
	}
}
