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
	Lines      []agreementLine // the rows as shown (agreementLines)
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
	p.PageNo = pageParam(c)
	f.Offset = (p.PageNo - 1) * agreementsPerPage
	var err error
	if p.Agreements, p.Total, err = a.store.AgreementsPage(c.UserContext(), agreementScope(c), p.Today, f); err != nil {
		return err
	}
	if len(p.Agreements) == 0 && p.Total > 0 { // past the end: the last page, as the caseload
		p.PageNo = lastPage(p.Total, agreementsPerPage)
		f.Offset = (p.PageNo - 1) * agreementsPerPage
		if p.Agreements, p.Total, err = a.store.AgreementsPage(c.UserContext(), agreementScope(c), p.Today, f); err != nil {
			return err
		}
	}
	p.Filter = f
	p.PrevURL, p.NextURL = pagerURLs("/agreements", p.Q, p.PageNo, f.Offset, len(p.Agreements), p.Total)
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
	p.Lines = agreementLines(&p.Page, p.Agreements)
	return a.render(c, fiber.StatusOK, "agreements/index", &p)
}

// agreementLine is a row of the list with its texts worked out in Go, as
// the caseload's lines are: the template reads fields of a small struct
// instead of calling methods on (and finding fields in the embedded
// content of) a 60-field agreement, and translating, once per cell.
type agreementLine struct {
	ID, ParticipantID, OrganisationID int64
	Title                             string // the job title, else the placement's
	Person                            string // the name as far as shown, else "not shown"
	Linked                            bool   // the name links to the person's agreements (not for employers)
	OrgName                           string
	Period                            string // "start – end"
	Status, StatusText                string
}

// agreementLines are the rows of an agreements list for the page's reader
// (an employer's agreements redacted before).
func agreementLines(p *Page, ags []db.Agreement) []agreementLine {
	out := make([]agreementLine, len(ags))
	employer := p.Role() == db.RoleEmployer
	hidden := ""
	for i := range ags {
		ag := &ags[i]
		l := agreementLine{ID: ag.ID, ParticipantID: ag.ParticipantID, OrganisationID: ag.OrganisationID, Title: ag.JobTitle,
			Person: ag.Name(), OrgName: ag.OrgName, Period: dateOf(ag.StartDate) + " – " + dateOf(ag.EndDate),
			Status: ag.Status, StatusText: p.T("agreements.status." + ag.Status)}
		if l.Title == "" {
			l.Title = ag.PlacementTitle
		}
		l.Linked = l.Person != "" && !employer
		if l.Person == "" {
			if hidden == "" {
				hidden = p.T("agreements.person_hidden")
			}
			l.Person = hidden
		}
		out[i] = l
	}
	return out
}

// First is the position of the first row shown in the whole list.
func (p *agreementsPage) First() int { return p.Filter.Offset + 1 }

// Last is the position of the last row shown.
func (p *agreementsPage) Last() int { return p.Filter.Offset + len(p.Agreements) }
