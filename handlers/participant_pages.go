package handlers

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"praksis/db"
	"praksis/mail"
)

// The participant's own pages (issue 16): each reads only the signed-in
// participant's rows (no participant id is ever taken from the request)
// and is audited like a staff read.

// meSkill is one skill of "my programme": the best level reached and the
// goal, drawn as a row of steps from under A1 to C1.
type meSkill struct {
	Skill      string
	Best, Goal db.Level
	Steps      []meStep
}

type meStep struct {
	Level         db.Level
	Reached, Goal bool
}

// meSteps are the levels the picture shows (ikke nok grunnlag is none).
var meSteps = db.Levels[1:]

func newMeSkill(skill string, best, goal db.Level) meSkill {
	s := meSkill{Skill: skill, Best: best, Goal: goal}
	for _, l := range meSteps {
		s.Steps = append(s.Steps, meStep{Level: l, Reached: best != "" && l.Rank() <= best.Rank(), Goal: l == goal})
	}
	return s
}

// LevelName is a level as the participant reads it: A1 … C1 as they are,
// the two below in words.
func (p *mePage) LevelName(l db.Level) string {
	switch l {
	case "":
		return p.T("me.level.none")
	case db.LevelNone, db.LevelUnderA1:
		return p.T("me.level." + string(l))
	}
	return strings.ToUpper(string(l))
}

type meProgrammePage struct {
	mePage
	P        db.Participant
	Plan     *db.IntegrationPlan
	End      time.Time
	Moved    bool
	Leaves   []db.Leave
	Skills   []meSkill
	Review   *time.Time
	FollowUp *time.Time
}

// meAudit records that the participant read one of their pages.
func (a *App) meAudit(c *fiber.Ctx, action string) error {
	return a.store.LogParticipantSelf(c.UserContext(), participantSession(c).ParticipantID, "participant.self_"+action, clientIP(c))
}

func (a *App) meParticipant(c *fiber.Ctx) (db.Participant, error) {
	return a.store.ParticipantIn(c.UserContext(), participantSession(c).ParticipantID, db.Scope{All: true})
}

func (a *App) meProgramme(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), participantSession(c).ParticipantID
	pt, err := a.meParticipant(c)
	if err != nil {
		return err
	}
	p := meProgrammePage{mePage: a.newMePage(c, "me.programme.title"), P: pt, End: pt.ProgrammeEnd}
	plan, err := a.store.Plan(ctx, id)
	switch {
	case err == nil:
		p.Plan, p.Review = &plan, plan.NextReviewDue
		ends, err := a.store.ProgrammeEndsOf(ctx, id)
		if err != nil {
			return err
		}
		p.End = ends.Current
		if p.Leaves, err = a.store.Leaves(ctx, id); err != nil {
			return err
		}
		p.Moved = ends.Current.After(ends.Original) && len(p.Leaves) > 0
	case !errors.Is(err, db.ErrNoPlan):
		return err
	}
	results, err := a.store.Results(ctx, id)
	if err != nil {
		return err
	}
	best := map[string]db.Level{}
	for _, r := range results {
		if b, ok := best[r.Skill]; !ok || r.Level.Rank() > b.Rank() {
			best[r.Skill] = r.Level
		}
	}
	for _, sk := range db.Skills {
		goal := pt.Goal(sk)
		if p.Plan != nil && p.Plan.HasNorskmal() {
			goal = ""
			if g := p.Plan.Goal(sk); g != nil {
				goal = *g
			}
		}
		p.Skills = append(p.Skills, newMeSkill(sk, best[sk], goal))
	}
	if pl, err := a.store.MyPlacementOf(ctx, id); err == nil {
		p.FollowUp = pl.NextFollowUp
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if err := a.meAudit(c, "programme"); err != nil {
		return err
	}
	return a.renderMe(c, fiber.StatusOK, "programme", &p)
}

// mePlacementPage shows the placement and the absence rules of the
// participant's regime, in plain words.
type mePlacementPage struct {
	mePage
	Pl    *db.MyPlacement
	Rules *db.AbsenceRules
}

func (a *App) mePlacement(c *fiber.Ctx) error {
	p := mePlacementPage{mePage: a.newMePage(c, "me.placement.title")}
	pl, err := a.store.MyPlacementOf(c.UserContext(), participantSession(c).ParticipantID)
	if err == nil {
		p.Pl = &pl
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	pt, err := a.meParticipant(c)
	if err != nil {
		return err
	}
	if r, err := a.store.AbsenceRulesOn(c.UserContext(), pt.Regime, a.store.Now()); err == nil {
		p.Rules = &r
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if err := a.meAudit(c, "placement"); err != nil {
		return err
	}
	return a.renderMe(c, fiber.StatusOK, "placement", &p)
}

// mePlacementICS is the placement as a calendar file: one event a day
// from start to end (all-day, so no time zone is needed).
func (a *App) mePlacementICS(c *fiber.Ctx) error {
	pl, err := a.store.MyPlacementOf(c.UserContext(), participantSession(c).ParticipantID)
	if err != nil {
		return err
	}
	if pl.StartDate == nil || pl.EndDate == nil {
		return errStatus(fiber.StatusNotFound, "error.not_found")
	}
	if err := a.meAudit(c, "calendar"); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="praksis.ics"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(mail.PlacementICS(pl, a.cfg.BaseURL, a.store.Now()))
}

// meWeek is one ISO week of logged days.
type meWeek struct {
	Week int
	Days []db.MyDay
}

type meAttendancePage struct {
	mePage
	Weeks []meWeek
}

func (a *App) meAttendance(c *fiber.Ctx) error {
	days, err := a.store.MyAttendanceOf(c.UserContext(), participantSession(c).ParticipantID)
	if err != nil {
		return err
	}
	p := meAttendancePage{mePage: a.newMePage(c, "me.attendance.title")}
	for _, d := range days {
		y, w := d.Day.ISOWeek()
		key := y*100 + w
		if n := len(p.Weeks); n == 0 || p.Weeks[n-1].Week != key {
			p.Weeks = append(p.Weeks, meWeek{Week: key})
		}
		p.Weeks[len(p.Weeks)-1].Days = append(p.Weeks[len(p.Weeks)-1].Days, d)
	}
	// The newest week first, but a week's days in the order they are
	// lived, Monday to Sunday (a week read backwards confused).
	for _, w := range p.Weeks {
		slices.SortFunc(w.Days, func(x, y db.MyDay) int { return x.Day.Compare(y.Day) })
	}
	if err := a.meAudit(c, "attendance"); err != nil {
		return err
	}
	return a.renderMe(c, fiber.StatusOK, "attendance", &p)
}

// WeekNumber is a week key (year*100+week) as its week number.
func (p *mePage) WeekNumber(key int) int { return key % 100 }

type meConsentPage struct {
	mePage
	Shared  []db.Consent
	Earlier []db.Consent
}

func (a *App) meConsent(c *fiber.Ctx) error {
	all, err := a.store.Consents(c.UserContext(), participantSession(c).ParticipantID)
	if err != nil {
		return err
	}
	p := meConsentPage{mePage: a.newMePage(c, "me.consent.title")}
	seen := map[int64]bool{}
	for _, k := range all { // newest first: the first per organisation is its state
		if seen[k.OrganisationID] {
			continue
		}
		seen[k.OrganisationID] = true
		if k.Active() {
			p.Shared = append(p.Shared, k)
		} else if k.ReplacedBy == nil {
			p.Earlier = append(p.Earlier, k)
		}
	}
	if err := a.meAudit(c, "consent"); err != nil {
		return err
	}
	return a.renderMe(c, fiber.StatusOK, "consent", &p)
}

// meConsentWithdraw withdraws the participant's consent for one
// organisation, at once: the employer's pages read consents live.
func (a *App) meConsentWithdraw(c *fiber.Ctx) error {
	org, err := idParam(c, "org")
	if err != nil {
		return err
	}
	if _, err := a.store.WithdrawConsent(c.UserContext(), participantSession(c).ParticipantID, org, 0, clientIP(c)); err != nil {
		return err
	}
	a.setMeFlash(c, "me.consent.withdrawn")
	return a.redirect(c, "/me/consent", "")
}

// meConsentGive gives again, as the participant (by_participant), the
// consent last withdrawn for an organisation: the same items, nothing
// more (a new kind of sharing is agreed with the adviser).
func (a *App) meConsentGive(c *fiber.Ctx) error {
	org, err := idParam(c, "org")
	if err != nil {
		return err
	}
	id := participantSession(c).ParticipantID
	all, err := a.store.Consents(c.UserContext(), id)
	if err != nil {
		return err
	}
	for _, k := range all {
		if k.OrganisationID != org {
			continue
		}
		if k.Active() {
			break // already shared: nothing to do
		}
		_, err := a.store.GiveConsent(c.UserContext(), db.ConsentInput{ParticipantID: id, OrganisationID: org, Items: k.Items,
			Adaptations: k.Adaptations, GivenHow: db.ConsentByParticipant, IP: clientIP(c)})
		if err != nil {
			return err
		}
		a.setMeFlash(c, "me.consent.given")
		return a.redirect(c, "/me/consent", "")
	}
	return a.redirect(c, "/me/consent", "")
}

// meDataPage is "my data": everything of the other pages on one
// printable page, and who in the municipality read the record.
type meDataPage struct {
	mePage
	P       db.Participant
	Pl      *db.MyPlacement
	Shared  []db.Consent
	Readers []db.AuditRow
}

func (a *App) meData(c *fiber.Ctx) error {
	ctx, id := c.UserContext(), participantSession(c).ParticipantID
	pt, err := a.meParticipant(c)
	if err != nil {
		return err
	}
	p := meDataPage{mePage: a.newMePage(c, "me.data.title"), P: pt}
	if pl, err := a.store.MyPlacementOf(ctx, id); err == nil {
		p.Pl = &pl
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	if p.Shared, err = a.store.SharedWith(ctx, id); err != nil {
		return err
	}
	if p.Readers, err = a.store.ParticipantReaders(ctx, id); err != nil {
		return err
	}
	if err := a.meAudit(c, "data"); err != nil {
		return err
	}
	return a.renderMe(c, fiber.StatusOK, "data", &p)
}

// LTR is a phone number (or other left-to-right token) as a message
// argument: isolated left to right (U+2066 … U+2069), so its digit groups
// keep their order inside Arabic or Dari text, and joined by no-break
// spaces, so a narrow phone never splits it over two lines.
func (p *mePage) LTR(s string) string {
	return "\u2066" + strings.ReplaceAll(s, " ", "\u00a0") + "\u2069"
}

// NumPtr is Num for a value that may be unset ("" then).
func (p *mePage) NumPtr(f *float64) string {
	if f == nil {
		return ""
	}
	return p.Num(*f)
}
