package handlers

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
)

type profilePage struct {
	Page
	P           db.Participant
	Row         db.CaseloadRow
	Results     []db.LanguageResult
	Outcomes    []db.Outcome
	Notes       []db.Note
	Proposals   []db.Proposal
	Agreements  []db.Agreement
	Timeline    []timelineItem
	Chart       chart
	Skills      []string
	Levels      []db.Level
	Sources     []string
	Kinds       []string
	Advisers    []db.User
	Form        Form              // the form that failed, if any
	FormName    string            // result, outcome, note or reassign
	CanEdit     bool              // the participant's adviser
	ShowAddress bool              // protected addresses are for the adviser's eyes only
	Ends        *db.ProgrammeEnds // the plan's original and the current end; nil without a plan
	Leaves      []db.Leave        // on the timeline: leave moves the end
	Extensions  []db.Extension
	FollowUps   []db.ParticipantFollowUp // on the timeline, with the agreements and proposals
	// Shared and Protection are read for the adviser and the admin:
	// what is shared with whom since when, and the protected-address grade.
	Shared     []db.Consent
	Protection db.ProtectionState
	// MeReminders is, with the participant area on, the participant's own
	// reminder choice and address, shown to the adviser on the invite card.
	MeReminders *db.MyReminders
	// KeyFigures, ResultRows and GoalRows are the key figures per skill
	// and the chart's table of results and goals, with their texts worked
	// out in Go (profileView).
	KeyFigures []skillFigure
	ResultRows []resultRow
	GoalRows   []resultRow
}

// skillFigure is a skill's best level against the plan's goal.
type skillFigure struct {
	Label, Best string // Best: "–" before the first result
	Goal, Done  bool   // the plan has a goal in the skill; it is reached
	// GoalText and GapText when the plan has a goal, NoGoal when not.
	GoalText, GapText, NoGoal string
}

// resultRow is a row of the chart's table: a result (date, skill, level,
// source) or a goal (the date column says "goal", no source).
type resultRow struct{ Date, Skill, Level, Source string }

// timelineItem is one dated event on the profile's timeline.
type timelineItem struct {
	Date  time.Time
	Day   string // Date as the page writes it
	Kind  string // start, result, outcome, leave, extension, proposal, agreement, follow_up, end
	Label string
	Link  string // the event's page, "" when it has none the reader may open
	Past  bool
}

// profile gathers the profile from the participant's caseload row (which
// carries the participant and their figures: one query, not two).
func (a *App) profile(c *fiber.Ctx, row db.CaseloadRow) (profilePage, error) {
	p := profilePage{Page: a.newPage(c, "participants.profile_title")}
	if err := a.loadProfile(c.UserContext(), &p, row); err != nil {
		return p, err
	}
	a.profileView(&p)
	return p, nil
}

// loadProfile reads what the profile shows besides the row, for the
// signed-in p.User.
func (a *App) loadProfile(ctx context.Context, p *profilePage, row db.CaseloadRow) error {
	pt := row.Participant
	u := *p.User
	p.P, p.Row, p.Skills, p.Levels, p.Sources, p.Kinds, p.Form = pt, row, db.Skills, db.Levels, db.ResultSources, db.OutcomeKinds, newForm()
	p.CanEdit = u.Role == db.RoleAdviser && pt.AdviserID == u.ID
	p.Title = pt.FirstName + " " + pt.LastName
	p.ShowAddress = !pt.ProtectedAddress || p.CanEdit
	var err error
	if ends, err := a.store.ProgrammeEndsOf(ctx, pt.ID); err == nil {
		p.Ends = &ends
	} else if !errors.Is(err, db.ErrNoPlan) {
		return err
	}
	if p.Leaves, err = a.store.Leaves(ctx, pt.ID); err != nil {
		return err
	}
	if p.Extensions, err = a.store.Extensions(ctx, pt.ID); err != nil {
		return err
	}
	if p.Results, err = a.store.Results(ctx, pt.ID); err != nil {
		return err
	}
	if p.Outcomes, err = a.store.Outcomes(ctx, pt.ID); err != nil {
		return err
	}
	if p.Notes, err = a.store.Notes(ctx, pt.ID); err != nil {
		return err
	}
	if p.Proposals, err = a.store.ProposalsForParticipant(ctx, pt.ID); err != nil {
		return err
	}
	if p.Agreements, err = a.store.AgreementsForParticipant(ctx, pt.ID, a.today()); err != nil {
		return err
	}
	if p.FollowUps, err = a.store.FollowUpsOfParticipant(ctx, pt.ID); err != nil {
		return err
	}
	if u.Role == db.RoleAdmin {
		if p.Advisers, err = a.store.Users(ctx, db.RoleAdviser, ""); err != nil {
			return err
		}
	}
	if p.CanEdit || u.Role == db.RoleAdmin {
		if p.Shared, err = a.store.SharedWith(ctx, pt.ID); err != nil {
			return err
		}
		if p.Protection, err = a.store.Protection(ctx, pt.ID); err != nil {
			return err
		}
	}
	if p.CanEdit && a.cfg.ParticipantArea {
		r, err := a.store.MyRemindersOf(ctx, pt.ID)
		if err != nil {
			return err
		}
		p.MeReminders = &r
	}
	return nil
}

// profileView works out in Go what the profile's template shows of the
// data read: the timeline and the chart.
func (a *App) profileView(p *profilePage) {
	p.Timeline = a.timeline(p)
	p.Chart = newChart(p.P, p.Results, a.store.Now(), func(id string, args ...any) string { return p.T(id, args...) })
	r := p.Row
	p.KeyFigures = make([]skillFigure, len(db.Skills))
	p.GoalRows = make([]resultRow, len(db.Skills))
	goal := p.T("participants.chart_goal")
	for i, sk := range db.Skills {
		skill := p.T("skill." + sk)
		f := skillFigure{Label: skill, Best: "–", Goal: r.HasGoal(sk)}
		if b := r.Best(sk); b != "" {
			f.Best = p.T("level." + string(b))
		}
		if f.Goal {
			gap := r.Gap(sk)
			f.Done = gap == 0
			f.GoalText = p.T("participants.goal_is", "Level", p.T("level."+string(r.PlanGoal(sk))))
			if f.Done {
				f.GapText = p.T("participants.goal_reached")
			} else {
				f.GapText = p.T("participants.levels_to_go", "N", gap)
			}
		} else {
			f.NoGoal = p.T("participants.no_goal")
		}
		p.KeyFigures[i] = f
		p.GoalRows[i] = resultRow{Date: goal, Skill: skill, Level: p.T("level." + string(p.P.Goal(sk)))}
	}
	p.ResultRows = make([]resultRow, len(p.Results))
	for i, res := range p.Results {
		p.ResultRows[i] = resultRow{Date: dateOf(res.TakenOn), Skill: p.T("skill." + res.Skill), Level: p.T("level." + string(res.Level)),
			Source: p.T("participant.source." + res.Source)}
	}
}

func (a *App) timeline(p *profilePage) []timelineItem {
	now := a.store.Now()
	items := []timelineItem{{Date: p.P.ProgrammeStart, Kind: "start", Label: p.T("participants.tl_start")}}
	for _, r := range p.Results {
		items = append(items, timelineItem{Date: r.TakenOn, Kind: "result",
			Label: p.T("participants.tl_result", "Skill", p.T("skill."+r.Skill), "Level", p.T("level."+string(r.Level)), "Source", p.T("participant.source."+r.Source))})
	}
	for _, o := range p.Outcomes {
		l := p.T("participant.outcome." + o.Kind)
		if o.Employer != "" {
			l += " – " + o.Employer
		}
		items = append(items, timelineItem{Date: o.FromDate, Kind: "outcome", Label: l})
	}
	for _, l := range p.Leaves {
		items = append(items, timelineItem{Date: l.FromDate, Kind: "leave",
			Label: p.T("participants.tl_leave", "Kind", p.T("leave.kind."+l.Kind), "To", dateOf(l.ToDate), "Days", l.Days())})
	}
	for _, x := range p.Extensions {
		items = append(items, timelineItem{Date: x.DecidedOn, Kind: "extension", Label: p.T("participants.tl_extension", "N", x.Months)})
	}
	items = append(items, timelineItem{Date: p.P.ProgrammeEnd, Kind: "end", Label: p.T("participants.tl_end")})
	items = append(items, placementEvents(p)...)
	// Newest first (issue 20): what happened last is what the reader
	// looks for; the planned end and other future events lead.
	sort.SliceStable(items, func(i, j int) bool { return items[i].Date.After(items[j].Date) })
	for i := range items {
		items[i].Past = !items[i].Date.After(now)
		items[i].Day = dateOf(items[i].Date)
	}
	return items
}

// placementEvents are the proposals, agreements and follow-ups on the
// timeline, each linking to its page: an agreement's for everyone who
// sees the profile, a proposal's placement for those who may open
// placements (not NAV).
func placementEvents(p *profilePage) []timelineItem {
	var items []timelineItem
	agreementPage := func(id int64) string { return "/agreements/" + strconv.FormatInt(id, 10) }
	for _, pr := range p.Proposals {
		link := ""
		if p.Role() != db.RoleNAV {
			link = "/placements/" + strconv.FormatInt(pr.PlacementID, 10)
		}
		items = append(items, timelineItem{Date: pr.CreatedAt, Kind: "proposal", Link: link,
			Label: p.T("participants.tl_proposed", "Title", pr.PlacementTitle, "Org", pr.OrgName)})
		if pr.DecidedAt != nil {
			if pr.AgreementID != nil {
				link = agreementPage(*pr.AgreementID)
			}
			items = append(items, timelineItem{Date: *pr.DecidedAt, Kind: "proposal", Link: link,
				Label: p.T("participants.tl_proposal_answered", "Title", pr.PlacementTitle, "Answer", p.T("proposals.status_"+pr.Status))})
		}
	}
	for _, ag := range p.Agreements {
		title, link := ag.PlacementTitle, agreementPage(ag.ID)
		if ag.JobTitle != "" {
			title = ag.JobTitle
		}
		add := func(at time.Time, id string) {
			items = append(items, timelineItem{Date: at, Kind: "agreement", Link: link, Label: p.T(id, "Title", title, "Org", ag.OrgName)})
		}
		add(ag.CreatedAt, "participants.tl_agreement_proposed")
		if ag.FirstApprovedAt != nil {
			add(*ag.FirstApprovedAt, "participants.tl_agreement_approved")
			// The days of an approved agreement: it starts, and ends
			// early, when cancelled, or on its end date.
			if ag.StartDate != nil && ag.CancelledAt == nil {
				add(*ag.StartDate, "participants.tl_agreement_started")
			}
			switch {
			case ag.EndedOn != nil:
				add(*ag.EndedOn, "participants.tl_agreement_ended")
			case ag.CancelledAt == nil && ag.EndDate != nil:
				add(*ag.EndDate, "participants.tl_agreement_ends")
			}
		}
		if ag.CancelledAt != nil {
			add(*ag.CancelledAt, "participants.tl_agreement_cancelled")
		}
	}
	for _, f := range p.FollowUps {
		items = append(items, timelineItem{Date: f.HeldOn, Kind: "follow_up", Link: agreementPage(f.AgreementID) + "#followups-heading",
			Label: p.T("participants.tl_follow_up", "Title", f.Title)})
	}
	return items
}

// participantShow is the profile. Every view is written to the audit log
// (by the read of the participant's row, in the same statement).
func (a *App) participantShow(c *fiber.Ctx) error {
	row, err := a.participantRowViewed(c, "participant.view")
	if err != nil {
		return err
	}
	p, err := a.profile(c, row)
	if err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/show", &p)
}

// profileWithError shows the profile again with a failed form's messages.
func (a *App) profileWithError(c *fiber.Ctx, pt db.Participant, name string, f Form) error {
	// The page shows the whole profile again: a read like any other,
	// audited by the row's read.
	row, err := a.store.CaseloadRowViewed(c.UserContext(), pt.ID, scope(c), session(c).User.ID, "participant.view", clientIP(c))
	if err != nil {
		return err
	}
	p, err := a.profile(c, row)
	if err != nil {
		return err
	}
	p.Form, p.FormName = f, name
	return a.render(c, fiber.StatusUnprocessableEntity, "participants/show", &p)
}

func (a *App) backToProfile(c *fiber.Ctx, id int64, flash string) error {
	return a.redirect(c, "/participants/"+strconv.FormatInt(id, 10), flash)
}

// participantResult records a Norwegian result (adviser only).
func (a *App) participantResult(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	for _, k := range []string{"skill", "level", "taken_on", "source"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	f.Check(Contains(db.Skills, f.Values["skill"]), "skill", "form.choose")
	level := db.Level(f.Values["level"])
	f.Check(level.Valid(), "level", "form.choose")
	f.Check(Contains(db.ResultSources, f.Values["source"]), "source", "form.choose")
	on := requiredDate(&f, "taken_on")
	if on != nil {
		// Dates are typed in Oslo: today there is not the future, even
		// while UTC is still on yesterday (a.today is Oslo's date).
		f.Check(!on.After(a.today()), "taken_on", "participant.result_future")
		f.Check(!on.Before(pt.ProgrammeStart.AddDate(-2, 0, 0)), "taken_on", "participant.result_too_old")
	}
	if !f.Valid() {
		return a.profileWithError(c, pt, "result", f)
	}
	if err := a.store.AddResult(c.UserContext(), pt.ID, session(c).User.ID, f.Values["skill"], level, *on, f.Values["source"], clientIP(c)); err != nil {
		return err
	}
	return a.backToProfile(c, pt.ID, "flash.result_saved")
}

// participantOutcome records an outcome (adviser only).
func (a *App) participantOutcome(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	for _, k := range []string{"kind", "from_date", "employer", "note"} {
		f.Values[k] = strings.TrimSpace(c.FormValue(k))
	}
	f.Check(Contains(db.OutcomeKinds, f.Values["kind"]), "kind", "form.choose")
	from := requiredDate(&f, "from_date")
	f.Check(utf8.RuneCountInString(f.Values["employer"]) <= 200, "employer", "form.too_long")
	f.Check(utf8.RuneCountInString(f.Values["note"]) <= 1000, "note", "form.too_long")
	if !f.Valid() {
		return a.profileWithError(c, pt, "outcome", f)
	}
	err = a.store.AddOutcome(c.UserContext(), pt.ID, session(c).User.ID, f.Values["kind"], *from, f.Values["employer"], f.Values["note"], clientIP(c))
	if err != nil {
		return err
	}
	return a.backToProfile(c, pt.ID, "flash.outcome_saved")
}

// participantNote adds a dated note (the adviser or the linked NAV user).
func (a *App) participantNote(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["body"] = strings.TrimSpace(c.FormValue("body"))
	f.Required("body", 4000)
	if !f.Valid() {
		return a.profileWithError(c, pt, "note", f)
	}
	if err := a.store.AddNote(c.UserContext(), pt.ID, scope(c), session(c).User.ID, f.Values["body"], clientIP(c)); err != nil {
		return err
	}
	return a.backToProfile(c, pt.ID, "flash.note_saved")
}

// participantReassign moves a participant to another adviser (admin).
func (a *App) participantReassign(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	f := newForm()
	f.Values["adviser"] = c.FormValue("adviser")
	id, perr := strconv.ParseInt(f.Values["adviser"], 10, 64)
	f.Check(perr == nil && id > 0, "adviser", "form.choose")
	if f.Valid() {
		err = a.store.Reassign(c.UserContext(), pt.ID, id, session(c).User.ID, clientIP(c))
		if err == db.ErrNotFound {
			f.Check(false, "adviser", "participant.not_adviser")
		} else if err != nil {
			return err
		}
	}
	if !f.Valid() {
		return a.profileWithError(c, pt, "reassign", f)
	}
	return a.backToProfile(c, pt.ID, "flash.participant_reassigned")
}

type auditPage struct {
	Page
	P    db.Participant
	Rows []db.AuditRow
}

// participantAudit lists every access to and change of a participant
// (admin only), e.g. to answer an access request.
func (a *App) participantAudit(c *fiber.Ctx) error {
	pt, err := a.participantFor(c)
	if err != nil {
		return err
	}
	p := auditPage{Page: a.newPage(c, "participants.audit_title"), P: pt}
	if p.Rows, err = a.store.ParticipantAudit(c.UserContext(), pt.ID); err != nil {
		return err
	}
	if err := a.store.LogParticipantAccess(c.UserContext(), session(c).User.ID, pt.ID, "participant.audit", clientIP(c)); err != nil {
		return err
	}
	return a.render(c, fiber.StatusOK, "participants/audit", &p)
}
