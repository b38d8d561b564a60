package handlers

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type agreementsPage struct {
	Page
	Agreements []db.Agreement
	Today      time.Time
	Statuses   []string
	// The filter as asked (Q, the form's values) and the page shown.
	Q                url.Values
	Filter           db.AgreementFilter
	Total, PageNo    int
	PrevURL, NextURL string
	Filtered         bool
}

// agreementsPerPage is how many agreements a page of the list shows.
const agreementsPerPage = 100

// agreementsIndex lists the agreements the user may see, what needs them
// first (awaiting approval, then running), filtered by status,
// organisation, participant, words, follow-ups due and weeks not logged
// (unlogged=1: running, with a week before this one due and not logged),
// 100 a page; only the rows shown are audited as listed.
func (a *App) agreementsIndex(c *fiber.Ctx) error {
	p := agreementsPage{Page: a.newPage(c, "agreements.title"), Today: a.today(), Statuses: db.AgreementStatuses, Q: url.Values{}}
	f := db.AgreementFilter{Limit: agreementsPerPage}
	if v := c.Query("status"); Contains(db.AgreementStatuses, v) {
		f.Status = v
		p.Q.Set("status", v)
	}
	if n, err := strconv.ParseInt(c.Query("org"), 10, 64); err == nil && n > 0 {
		f.OrgID = n
		p.Q.Set("org", c.Query("org"))
	}
	if n, err := strconv.ParseInt(c.Query("participant"), 10, 64); err == nil && n > 0 {
		f.ParticipantID = n
		p.Q.Set("participant", c.Query("participant"))
	}
	if c.Query("follow_up") == "due" {
		f.FollowUpDue = true
		p.Q.Set("follow_up", "due")
	}
	if c.Query("unlogged") == "1" {
		f.Unlogged = true
		p.Q.Set("unlogged", "1")
	}
	if v := strings.TrimSpace(c.Query("q")); v != "" {
		if utf8.RuneCountInString(v) > 200 {
			v = string([]rune(v)[:200])
		}
		f.Query = v
		p.Q.Set("q", v)
	}
	p.Filtered = len(p.Q) > 0
	p.PageNo = 1
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n > 1 && n <= 100000 {
		p.PageNo = n
	}
	f.Offset = (p.PageNo - 1) * agreementsPerPage
	p.Filter = f
	var err error
	if p.Agreements, p.Total, err = a.store.AgreementsPage(c.UserContext(), agreementScope(c), p.Today, f); err != nil {
		return err
	}
	page := func(n int) string {
		q := url.Values{}
		for k, v := range p.Q {
			q[k] = v
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return "/agreements"
		}
		return "/agreements?" + q.Encode()
	}
	if p.PageNo > 1 {
		p.PrevURL = page(p.PageNo - 1)
	}
	if f.Offset+len(p.Agreements) < p.Total {
		p.NextURL = page(p.PageNo + 1)
	}
	if session(c).User.Role == db.RoleEmployer {
		ids := make([]int64, len(p.Agreements))
		for i, ag := range p.Agreements {
			ids[i] = ag.ProposalID
		}
		views, err := a.store.EmployerViews(c.UserContext(), ids, p.Today)
		if err != nil {
			return err
		}
		for i := range p.Agreements {
			views[p.Agreements[i].ProposalID].RedactAgreement(&p.Agreements[i])
		}
	}
	ids := make([]int64, len(p.Agreements))
	for i, ag := range p.Agreements {
		ids[i] = ag.ID
	}
	if err := a.store.LogListed(c.UserContext(), session(c).User.ID, "agreement", ids, clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "agreements/index", &p)
}

// First is the position of the first row shown in the whole list.
func (p *agreementsPage) First() int { return p.Filter.Offset + 1 }

// Last is the position of the last row shown.
func (p *agreementsPage) Last() int { return p.Filter.Offset + len(p.Agreements) }
