package handlers

import (
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

// scope is whose participants the signed-in user may see.
func scope(c *fiber.Ctx) db.Scope {
	u := session(c).User
	switch u.Role {
	case db.RoleAdviser:
		return db.Scope{AdviserID: u.ID}
	case db.RoleNAV:
		return db.Scope{NavID: u.ID}
	case db.RoleAdmin:
		return db.Scope{All: true}
	}
	return db.Scope{} // sees nothing
}

// caseloadPageSize is how many participants one page of the caseload
// lists. An adviser has up to ~500; all of them on one page was 717 KB of
// HTML and a third of a second of rendering (docs/benchmarks.md). A hundred,
// sorted by risk first, is what a morning's work starts from, as miniflux
// shows a hundred entries a page.
const caseloadPageSize = 100

type caseloadPage struct {
	Page
	Lines    []caseloadLine
	Total    int // matches in all pages
	Status   string
	Search   string
	Sort     string
	Desc     bool
	PageNo   int // 1-based
	Pages    int
	From, To int // the rows shown, 1-based
	Statuses []string
	Sorts    []string
	// The dashboard's filters (risk=1, ending=N): at risk by the one
	// rule, programme ending within N months; FilterText names the active
	// ones and ClearURL drops them.
	Risk       bool
	Ending     int
	FilterText []string
	// RiskHorizon: the months before the end from which the one risk
	// rule flags (measure_rules), for the footnote.
	RiskHorizon int
	// MeasuredOn is the earliest day a row on the page was measured on
	// when that is before today (after midnight, until the nightly job
	// has measured everyone again: db/caseload.go), "" when all are
	// today's.
	MeasuredOn string
}

// caseloadLine is one row with every translated text worked out in Go:
// html/template calls methods through reflection, and the row's some
// forty calls (best, goal and gap per skill, a translation per cell) were
// 78 % of the page's time. The template only reads fields, and the struct
// embeds nothing: text/template finds a field by name on every use, and
// through embedded structs (CaseloadRow, Participant) that search was a
// seventh of the page's time.
type caseloadLine struct {
	ID                  int64
	FirstName, LastName string
	AdviserName         string
	Status              string
	Risk                bool
	RiskText            string // why, by the one rule (risk.<reason>)
	BasisText           string // what progress is measured against; "" when not measured
	ProtectedAddress    bool
	CurrentAgreement    int64 // 0 when there is none
	CurrentTitle        string
	CurrentOrg          string
	End                 string
	MonthsLeft          string
	Levels              []levelCell
	OutcomeText         string
	StatusText          string
	AgreementStatus     string // the current agreement's status, translated
	AgreementClass      string // its status key, for the tag's colour
	// HTML is the row as partials/participants/caseload_row renders it,
	// from the fragment cache when nothing it shows has changed
	// (caseloadRowsHTML).
	HTML template.HTML
}

// caseloadLabels are the texts every row of a page repeats (the column
// labels the stacked table shows on a phone, the tags).
type caseloadLabels struct {
	Risk, Protected, End, Norwegian, Outcome, Placement, Status, Basis, Adviser string
}

// caseloadRowView is what partials/participants/caseload_row reads.
type caseloadRowView struct {
	L     caseloadLine
	T     caseloadLabels
	Admin bool
}

// caseloadRowsHTML renders each line's row, or takes it from the fragment
// cache: the key is the page's language, whether the adviser column is
// shown, and every field of the line (caseloadLineKey); the labels come
// from the language alone.
func (a *App) caseloadRowsHTML(p *Page, lines []caseloadLine) error {
	if len(lines) == 0 {
		return nil
	}
	t := caseloadLabels{Risk: p.T("participants.risk"), Protected: p.T("participants.protected"),
		End: p.T("participants.col_end"), Norwegian: p.T("participants.col_norwegian"), Outcome: p.T("participants.col_outcome"),
		Placement: p.T("participants.col_placement"), Status: p.T("participant.status"), Basis: p.T("participants.col_basis"),
		Adviser: p.T("participants.col_adviser")}
	admin := p.Role() == db.RoleAdmin
	for i := range lines {
		h, err := a.fragment("participants/caseload_row", caseloadLineKey(p.Locale, admin, &lines[i]), caseloadRowView{L: lines[i], T: t, Admin: admin})
		if err != nil {
			return err
		}
		lines[i].HTML = h
	}
	return nil
}

// caseloadLineKey is a row's fragment key: everything the row shows
// (TestCaseloadLineKeyHoldsEveryField changes each field in turn).
func caseloadLineKey(locale string, admin bool, l *caseloadLine) string {
	k := keyWriter{b: make([]byte, 0, 256)}
	k.str("participants/caseload_row", locale, strconv.FormatInt(l.ID, 10), l.FirstName, l.LastName, l.AdviserName, l.Status,
		l.RiskText, l.BasisText, strconv.FormatInt(l.CurrentAgreement, 10), l.CurrentTitle, l.CurrentOrg, l.End, l.MonthsLeft,
		l.OutcomeText, l.StatusText, l.AgreementStatus, l.AgreementClass)
	k.flag(admin)
	k.flag(l.Risk)
	k.flag(l.ProtectedAddress)
	for _, c := range l.Levels {
		k.str(c.Short, c.Name, c.Text)
		k.flag(c.Reached)
	}
	return k.key()
}

// levelCell is a skill's badge: best level / goal.
type levelCell struct {
	Short, Name, Text string
	Reached           bool
}

// caseloadLines works out each row's texts (a translation is a map
// lookup, locale.Translator).
func caseloadLines(p *Page, rows []db.CaseloadRow, today time.Time) []caseloadLine {
	out := make([]caseloadLine, len(rows))
	noGoal := p.T("participants.no_goal_short")
	for i, r := range rows {
		l := caseloadLine{ID: r.ID, FirstName: r.FirstName, LastName: r.LastName, AdviserName: r.AdviserName,
			Status: r.Status, Risk: r.Risk, ProtectedAddress: r.ProtectedAddress,
			CurrentTitle: derefOr(r.CurrentTitle, ""), CurrentOrg: derefOr(r.CurrentOrg, ""), End: dateOf(r.ProgrammeEnd),
			MonthsLeft: monthsLeftText(p, r.MonthsLeft, r.ProgrammeEnd, today),
			StatusText: p.T("participant.status." + r.Status), Levels: make([]levelCell, len(db.Skills))}
		// A plan with no Norwegian goal at all shows the best levels alone:
		// the basis column says the row is measured against the sluttmål,
		// and "/no goal" four times a row made the table too wide to fit
		// (issue 20). Where the plan has goals in some skills, the others
		// say "no goal".
		suffix := ""
		for _, sk := range db.Skills {
			if r.HasGoal(sk) {
				suffix = noGoal
			}
		}
		for j, sk := range db.Skills {
			l.Levels[j] = levelCellOf(p, r, sk, suffix)
		}
		if o := r.Outcome(); o != "" {
			l.OutcomeText = p.T("participant.outcome." + o)
		}
		l.RiskText, l.BasisText = riskTexts(p, r)
		if r.CurrentAgreement != nil {
			l.CurrentAgreement = *r.CurrentAgreement
		}
		if r.CurrentStatus != nil {
			l.AgreementClass = *r.CurrentStatus
			l.AgreementStatus = p.T("agreements.status." + *r.CurrentStatus)
		}
		out[i] = l
	}
	return out
}

// levelCellOf is a skill's badge: the best level over the current plan's
// Norwegian goal, or over noGoal where the plan has none in the skill (the
// best level alone when noGoal is empty: the plan has no goal at all)
// (issue 14: the legacy goal columns are not a goal anyone set).
func levelCellOf(p *Page, r db.CaseloadRow, sk, noGoal string) levelCell {
	text := "–"
	if best := r.Best(sk); best != "" {
		text = p.T("level." + string(best))
	}
	c := levelCell{Short: p.T("skill." + sk + "_short"), Name: p.T("skill." + sk)}
	if r.HasGoal(sk) {
		c.Text, c.Reached = text+"/"+p.T("level."+string(r.PlanGoal(sk))), r.Gap(sk) == 0
	} else if noGoal != "" {
		c.Text = text + "/" + noGoal
	} else {
		c.Text = text
	}
	return c
}

// measuredBefore is the earliest day a row was measured on, formatted,
// when it is before today; "" when every row is today's.
func measuredBefore(rows []db.CaseloadRow, today time.Time) string {
	var first *time.Time
	for _, r := range rows {
		if r.MeasuredOn != nil && r.MeasuredOn.Before(today) && (first == nil || r.MeasuredOn.Before(*first)) {
			first = r.MeasuredOn
		}
	}
	if first == nil {
		return ""
	}
	return dateOf(*first)
}

// riskTexts are a caseload row's risk badge ("" when not at risk) and its
// measurement basis ("" when the participant is not measured), from
// participant_measure's reason and basis: what the list, the profile and
// the reminders say alike.
func riskTexts(p *Page, r db.CaseloadRow) (risk, basis string) {
	if r.Risk && r.RiskReason != nil {
		risk = p.T("risk."+*r.RiskReason, "Months", r.MonthsLeft)
	}
	if r.Basis != nil {
		basis = p.T("basis." + *r.Basis)
	}
	return risk, basis
}

// query is the list's address with its filters and sort, without a page.
func (p *caseloadPage) query(sort string, desc bool) string {
	u := "/participants?sort=" + sort
	if desc {
		u += "&desc=1"
	}
	if p.Status != "" {
		u += "&status=" + p.Status
	}
	if p.Search != "" {
		u += "&q=" + url.QueryEscape(p.Search)
	}
	return u + p.filterQuery()
}

// filterQuery is the dashboard's filters as URL parameters ("" for none).
func (p *caseloadPage) filterQuery() string {
	u := ""
	if p.Risk {
		u += "&risk=1"
	}
	if p.Ending > 0 {
		u += "&ending=" + strconv.Itoa(p.Ending)
	}
	return u
}

// ClearURL is the list with the same search, status and sort, without the
// dashboard's filters.
func (p *caseloadPage) ClearURL() string {
	q := *p
	q.Risk, q.Ending = false, 0
	return q.query(p.Sort, p.Desc)
}

// caseloadFilterParams reads the dashboard's filters: risk is "1" or
// absent, ending a whole number of months (1 … db.MaxEndingWithin) or
// absent; anything else is a 400, as every numeric parameter.
func caseloadFilterParams(c *fiber.Ctx) (risk bool, ending int, err error) {
	switch c.Query("risk") {
	case "":
	case "1":
		risk = true
	default:
		return false, 0, errStatus(fiber.StatusBadRequest, "error.bad_number")
	}
	n, err := queryInt(c, "ending", 1, db.MaxEndingWithin, 0)
	return risk, int(n), err
}

// SortURL is the link a column header uses: the same filters, sorted by
// key, flipping the direction when it is already the sort; back on page 1.
func (p *caseloadPage) SortURL(key string) string {
	return p.query(key, key == p.Sort && !p.Desc)
}

// PrevURL and NextURL are the addresses of the pages before and after
// this one, "" at either end.
func (p *caseloadPage) PrevURL() string {
	if p.PageNo <= 1 {
		return ""
	}
	return p.query(p.Sort, p.Desc) + "&page=" + strconv.Itoa(p.PageNo-1)
}

func (p *caseloadPage) NextURL() string {
	if p.PageNo >= p.Pages {
		return ""
	}
	return p.query(p.Sort, p.Desc) + "&page=" + strconv.Itoa(p.PageNo+1)
}

// AriaSort is the aria-sort value of a column header.
func (p *caseloadPage) AriaSort(key string) string {
	switch {
	case key != p.Sort:
		return "none"
	case p.Desc:
		return "descending"
	}
	return "ascending"
}

// participantsIndex is the adviser's caseload (a NAV user's linked
// participants; every participant for an admin).
func (a *App) participantsIndex(c *fiber.Ctx) error {
	p := caseloadPage{Page: a.newPage(c, "participants.title"), Statuses: db.ParticipantStatuses}
	p.Status = c.Query("status")
	if !Contains(db.ParticipantStatuses, p.Status) {
		p.Status = ""
	}
	p.Search = strings.TrimSpace(c.Query("q"))
	if len([]rune(p.Search)) > 100 {
		p.Search = string([]rune(p.Search)[:100])
	}
	p.Sort = c.Query("sort", "end")
	if _, ok := db.CaseloadSorts[p.Sort]; !ok {
		p.Sort = "end"
	}
	p.Desc = c.Query("desc") == "1"
	var err error
	if p.Risk, p.Ending, err = caseloadFilterParams(c); err != nil {
		return err
	}
	if p.Risk {
		p.FilterText = append(p.FilterText, p.T("participants.filter_risk"))
	}
	if p.Ending > 0 {
		p.FilterText = append(p.FilterText, p.T("participants.filter_ending", "Months", p.Ending))
	}
	// A page number that is not one, or beyond the list, shows the first
	// or the last page rather than an error: the list may have shrunk
	// since the link was made.
	p.PageNo = pageParam(c)
	f := db.CaseloadFilter{Status: p.Status, Search: p.Search, Risk: p.Risk, EndingWithin: p.Ending, Sort: p.Sort, Desc: p.Desc,
		Limit: caseloadPageSize}
	f.Offset = (p.PageNo - 1) * caseloadPageSize
	// A list shows personal data too: every participant on the page is
	// audited (the page's, not the whole caseload), by the list's own
	// statement (CaseloadListed).
	uid, ip := session(c).User.ID, clientIP(c)
	rows, err := a.store.CaseloadListed(c.UserContext(), scope(c), f, uid, ip)
	if err == nil && len(rows) == 0 && p.PageNo > 1 {
		var n int
		if n, err = a.store.CaseloadCount(c.UserContext(), scope(c), f); err == nil && n > 0 {
			last := lastPage(n, caseloadPageSize)
			f.Offset = (last - 1) * caseloadPageSize
			p.PageNo = last
			rows, err = a.store.CaseloadListed(c.UserContext(), scope(c), f, uid, ip)
		}
	}
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		p.Total = rows[0].Total
		p.Pages = lastPage(p.Total, caseloadPageSize)
		p.From, p.To = f.Offset+1, f.Offset+len(rows)
	} else {
		p.PageNo = 1
	}
	p.Lines = caseloadLines(&p.Page, rows, a.store.Today())
	if err := a.caseloadRowsHTML(&p.Page, p.Lines); err != nil {
		return err
	}
	p.MeasuredOn = measuredBefore(rows, a.store.Today())
	rule, err := a.store.MeasureRuleAt(c.UserContext(), a.store.Today())
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return err
	}
	p.RiskHorizon = rule.RiskHorizonMonths
	return a.render(c, fiber.StatusOK, "participants/index", &p)
}

type participantFormPage struct {
	Page
	PF          participantForm
	Form        Form
	Participant *db.Participant
	Educations  []string
	Regimes     []string
	Hours       []string
	Quotas      []string // the sick-child quota categories
	Categories  []string
	Sectors     []string
	Levels      []db.Level
	Skills      []string
	Langs       []string
	Statuses    []string
	NavUsers    []db.User
	Bases       []string
	Sexes       []string
}

func (a *App) participantFormPage(c *fiber.Ctx, titleID string, pf participantForm) (participantFormPage, error) {
	p := participantFormPage{Page: a.newPage(c, titleID), PF: pf, Form: pf.Form, Educations: db.Educations, Regimes: db.Regimes,
		Categories: db.GoalCategories, Sectors: db.Sectors, Levels: db.Levels, Skills: db.Skills,
		Langs: db.ParticipantLanguages, Statuses: db.ParticipantStatuses, Hours: db.ProgrammeHours,
		Bases: db.LegalBases, Sexes: db.Sexes, Quotas: db.SickChildQuotas}
	if p.Form.Values["programme_hours"] == "" {
		p.Form.Values["programme_hours"] = db.ProgrammeHours[0]
	}
	var err error
	p.NavUsers, err = a.navUsers(c.UserContext())
	return p, err
}

func (a *App) participantNew(c *fiber.Ctx) error {
	pf := participantForm{Form: newForm()}
	pf.Values["status"] = "active"
	pf.Values["sex"] = "not_given"
	p, err := a.participantFormPage(c, "participants.new_title", pf)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/form", &p)
}

// participantCreate registers a participant in the adviser's caseload,
// with version 1 of their plan.
func (a *App) participantCreate(c *fiber.Ctx) error {
	pf, err := a.readParticipantForm(c, "")
	if err != nil {
		return err
	}
	var id int64
	if pf.Valid() {
		id, err = a.store.RegisterParticipant(c.UserContext(), session(c).User.ID, pf.registration(), clientIP(c))
		if fe := (*db.FieldError)(nil); errors.As(err, &fe) {
			pf.Check(false, participantFieldOf(fe.Field), fe.Code)
		} else if err != nil {
			return err
		}
	}
	if !pf.Valid() {
		p, err := a.participantFormPage(c, "participants.new_title", pf)
		if err != nil {
			return err
		}
		return a.render(c, fiber.StatusUnprocessableEntity, "participants/form", &p)
	}
	return a.redirect(c, "/participants/"+strconv.FormatInt(id, 10), "flash.participant_saved")
}

// participantFor loads the participant in the URL if the signed-in user's
// scope includes them; otherwise 404, so ids reveal nothing.
func (a *App) participantFor(c *fiber.Ctx) (db.Participant, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return db.Participant{}, err
	}
	return a.store.ParticipantIn(c.UserContext(), id, scope(c))
}

// participantRow is participantFor with the participant's caseload figures
// (best levels, gaps, months left) in the same query, for the pages that
// show them.
func (a *App) participantRow(c *fiber.Ctx) (db.CaseloadRow, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return db.CaseloadRow{}, err
	}
	return a.store.CaseloadRowFor(c.UserContext(), id, scope(c))
}

// participantRowViewed is participantRow for a page that shows the
// participant: the read writes its audit row (action) in the same
// statement, committed before the page is sent.
func (a *App) participantRowViewed(c *fiber.Ctx, action string) (db.CaseloadRow, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return db.CaseloadRow{}, err
	}
	return a.store.CaseloadRowViewed(c.UserContext(), id, scope(c), session(c).User.ID, action, clientIP(c))
}

func (a *App) participantEdit(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	pf := formFromParticipant(pt)
	if plan, err := a.store.Plan(c.UserContext(), pt.ID); err == nil {
		pf = withPlan(pf, plan)
	} else if !errors.Is(err, db.ErrNoPlan) {
		return err
	}
	p, err := a.participantFormPage(c, "participants.edit_title", pf)
	if err != nil {
		return err
	}
	// The edit form shows everything the profile does: it is a read too.
	if err := a.store.LogParticipantView(c.UserContext(), session(c).User.ID, pt.ID, clientIP(c)); err != nil {
		return err
	}
	p.Participant = &pt
	return a.render(c, fiber.StatusOK, "participants/form", &p)
}

func (a *App) participantUpdate(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	pf, err := a.readParticipantForm(c, pt.Regime)
	if err != nil {
		return err
	}
	if pf.Valid() {
		err = a.store.EditParticipant(c.UserContext(), pt.ID, session(c).User.ID, pf.registration(), clientIP(c))
		if fe := (*db.FieldError)(nil); errors.As(err, &fe) {
			pf.Check(false, participantFieldOf(fe.Field), fe.Code)
		} else if err != nil {
			return err
		}
	}
	if !pf.Valid() {
		p, err := a.participantFormPage(c, "participants.edit_title", pf)
		if err != nil {
			return err
		}
		p.Participant = &pt
		if err := a.store.LogParticipantView(c.UserContext(), session(c).User.ID, pt.ID, clientIP(c)); err != nil {
			return err
		}
		return a.render(c, fiber.StatusUnprocessableEntity, "participants/form", &p)
	}
	return a.redirect(c, "/participants/"+strconv.FormatInt(pt.ID, 10), "flash.participant_saved")
}

// monthsLeftText is how long is left of a programme: whole months, and in
// words where the count is 0 (ended, ends today or less than a month
// left): "0 mnd igjen" on the day a programme ends read as a mistake.
func monthsLeftText(p *Page, months int, end, today time.Time) string {
	if months > 0 {
		return p.T("participants.months_left", "Months", months)
	}
	switch e, t := end.Format(time.DateOnly), today.Format(time.DateOnly); {
	case e < t:
		return p.T("participants.months_left_ended")
	case e == t:
		return p.T("participants.months_left_today")
	}
	return p.T("participants.months_left_under_one")
}
