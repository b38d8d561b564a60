package handlers

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// staffProposalsPage is the adviser's and the admin's proposals list.
type staffProposalsPage struct {
	Page
	Proposals []db.ProposalListed
	Statuses  []string
	// The filter as asked (Q, the form's values) and the page shown.
	Q                url.Values
	Filter           db.ProposalFilter
	Total, PageNo    int
	PrevURL, NextURL string
	Filtered         bool
}

// proposalsPerPage is how many proposals a page of the staff's list shows.
const proposalsPerPage = 100

// proposalsWaitingURL is the list the adviser's dashboard card "without
// an answer" opens: exactly the proposals it counts, the longest waiting
// first.
const proposalsWaitingURL = "/proposals?status=proposed&sort=waiting"

// proposalsList lists the proposals of the adviser's caseload (every one
// for an admin), newest first or the longest waiting first
// (sort=waiting), filtered by status, with how long each waited for an
// answer, 100 a page. Each person on the page shown is audited as listed,
// as the caseload's and the agreements' lists do; no one on another page.
func (a *App) proposalsList(c *fiber.Ctx) error {
	p := staffProposalsPage{Page: a.newPage(c, "proposals.title"), Statuses: db.ProposalStatuses, Q: url.Values{}}
	f := db.ProposalFilter{Limit: proposalsPerPage}
	if v := c.Query("status"); Contains(db.ProposalStatuses, v) {
		f.Status = v
		p.Q.Set("status", v)
	}
	if c.Query("sort") == "waiting" {
		f.Oldest = true
		p.Q.Set("sort", "waiting")
	}
	p.Filtered = f.Status != ""
	p.PageNo = pageParam(c)
	f.Offset = (p.PageNo - 1) * proposalsPerPage
	var err error
	if p.Proposals, p.Total, err = a.store.ProposalsPage(c.UserContext(), agreementScope(c), a.today(), f); err != nil {
		return err
	}
	if len(p.Proposals) == 0 && p.Total > 0 { // past the end: the last page, as the caseload
		p.PageNo = lastPage(p.Total, proposalsPerPage)
		f.Offset = (p.PageNo - 1) * proposalsPerPage
		if p.Proposals, p.Total, err = a.store.ProposalsPage(c.UserContext(), agreementScope(c), a.today(), f); err != nil {
			return err
		}
	}
	p.Filter = f
	p.PrevURL, p.NextURL = pagerURLs("/proposals", p.Q, p.PageNo, f.Offset, len(p.Proposals), p.Total)
	seen := map[int64]bool{}
	var ids []int64
	for _, pr := range p.Proposals {
		if !seen[pr.ParticipantID] {
			seen[pr.ParticipantID] = true
			ids = append(ids, pr.ParticipantID)
		}
	}
	if err := a.store.LogListed(c.UserContext(), session(c).User.ID, "participant", ids, clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "proposals/list", &p)
}

// First is the position of the first row shown in the whole list.
func (p *staffProposalsPage) First() int { return p.Filter.Offset + 1 }

// Last is the position of the last row shown.
func (p *staffProposalsPage) Last() int { return p.Filter.Offset + len(p.Proposals) }

// StatusText is a proposal's status as staff read it: the employer's
// list says "Venter på svar" ("Awaiting your answer" in English), which on
// the adviser's list would read as the adviser's answer.
func (p *staffProposalsPage) StatusText(status string) string {
	if status == db.ProposalOpen {
		return p.T("proposals.status_waiting_employer")
	}
	return p.T("proposals.status_" + status)
}
