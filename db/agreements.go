package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Agreement statuses, as agreement_status() in SQL derives them.
const (
	AgreementDraft     = "draft"
	AgreementAwaiting  = "awaiting_approval"
	AgreementReady     = "ready"
	AgreementRunning   = "running"
	AgreementEnded     = "ended"
	AgreementCancelled = "cancelled"
)

// AgreementStatuses in lifecycle order.
var AgreementStatuses = []string{AgreementDraft, AgreementAwaiting, AgreementReady, AgreementRunning, AgreementEnded, AgreementCancelled}

// AgreementGoals are the goal categories (NAV's list, language first).
var AgreementGoals = []string{"language", "work_experience", "vocational", "social", "reference", "other"}

// EndReasons say why an agreement ended early; they are outcome data.
var EndReasons = []string{"completed", "got_job", "other_measure", "illness", "did_not_attend", "other"}

// ConsentReasons are why the adviser records consent on the participant's
// behalf.
var ConsentReasons = []string{"no_bankid", "low_digital", "other"}

// ErrStale means the agreement changed since the person loaded it: the
// lock_version they sent is not the current one.
var ErrStale = errors.New("db: changed by someone else")

// AgreementRules are the configurable cadences and limits.
type AgreementRules struct {
	FollowUpWeeks       int // default cadence of follow-ups
	EmployerAccessWeeks int // the employer sees the person this long after the end
	// LinkDays is how long a one-click attendance or evaluation link works.
	LinkDays int
}

// DefaultAgreementRules are NAV's and common practice's values.
var DefaultAgreementRules = AgreementRules{FollowUpWeeks: 4, EmployerAccessWeeks: 12, LinkDays: 14}

// AgreementRules returns the rules in force, defaults filled in.
func (s *Store) AgreementRules() AgreementRules {
	r := s.Rules
	if r.FollowUpWeeks <= 0 {
		r.FollowUpWeeks = DefaultAgreementRules.FollowUpWeeks
	}
	if r.EmployerAccessWeeks <= 0 {
		r.EmployerAccessWeeks = DefaultAgreementRules.EmployerAccessWeeks
	}
	if r.LinkDays <= 0 {
		r.LinkDays = DefaultAgreementRules.LinkDays
	}
	return r
}

// AgreementContent is what the parties agree on: the part that is
// approved, versioned and compared between versions.
type AgreementContent struct {
	SupervisorName  string         `db:"supervisor_name" json:"supervisor_name"`
	SupervisorEmail string         `db:"supervisor_email" json:"supervisor_email"`
	SupervisorPhone string         `db:"supervisor_phone" json:"supervisor_phone"`
	Goals           pq.StringArray `db:"goals" json:"goals"`
	GoalsText       string         `db:"goals_text" json:"goals_text"`
	JobTitle        string         `db:"job_title" json:"job_title"`
	Tasks           string         `db:"tasks" json:"tasks"`
	StartDate       *time.Time     `db:"start_date" json:"start_date"`
	EndDate         *time.Time     `db:"end_date" json:"end_date"`
	HoursPerWeek    *float64       `db:"hours_per_week" json:"hours_per_week"`
	DaysPerWeek     *int           `db:"days_per_week" json:"days_per_week"`
	FollowUpPlan    string         `db:"follow_up_plan" json:"follow_up_plan"`
	FollowUpWeeks   int            `db:"follow_up_weeks" json:"follow_up_weeks"`
	Adaptations     string         `db:"adaptations" json:"adaptations"`
	MentorName      string         `db:"mentor_name" json:"mentor_name"`
	MentorPhone     string         `db:"mentor_phone" json:"mentor_phone"`
	MentorTasks     string         `db:"mentor_tasks" json:"mentor_tasks"`
}

// Fields lists the content as (field, printable value) pairs in the
// order of the steps, for showing versions and what changed.
func (c AgreementContent) Fields() []ContentField {
	d := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("02.01.2006")
	}
	f := ""
	if c.HoursPerWeek != nil {
		f = fmt.Sprintf("%g", *c.HoursPerWeek)
	}
	days := ""
	if c.DaysPerWeek != nil {
		days = fmt.Sprint(*c.DaysPerWeek)
	}
	goals, _ := json.Marshal([]string(c.Goals))
	return []ContentField{
		{"supervisor_name", c.SupervisorName}, {"supervisor_email", c.SupervisorEmail}, {"supervisor_phone", c.SupervisorPhone},
		{"goals", string(goals)}, {"goals_text", c.GoalsText},
		{"job_title", c.JobTitle}, {"tasks", c.Tasks}, {"start_date", d(c.StartDate)}, {"end_date", d(c.EndDate)},
		{"hours_per_week", f}, {"days_per_week", days},
		{"follow_up_plan", c.FollowUpPlan}, {"follow_up_weeks", fmt.Sprint(c.FollowUpWeeks)}, {"adaptations", c.Adaptations},
		{"mentor_name", c.MentorName}, {"mentor_phone", c.MentorPhone}, {"mentor_tasks", c.MentorTasks},
	}
}

// ContentField is one field of an agreement's content, printable.
type ContentField struct{ Name, Value string }

// Change is one field that differs between two versions.
type Change struct{ Field, Old, New string }

// Diff lists the fields that differ from old to c.
func (c AgreementContent) Diff(old AgreementContent) []Change {
	var out []Change
	nf, of := c.Fields(), old.Fields()
	for i := range nf {
		if nf[i].Value != of[i].Value {
			out = append(out, Change{nf[i].Name, of[i].Value, nf[i].Value})
		}
	}
	return out
}

// Agreement is one agreement with what its pages need of the placement,
// the participant and the approvers.
type Agreement struct {
	ID             int64  `db:"id"`
	ProposalID     int64  `db:"proposal_id"`
	ParticipantID  int64  `db:"participant_id"`
	PlacementID    int64  `db:"placement_id"`
	OrganisationID int64  `db:"organisation_id"`
	LockVersion    int    `db:"lock_version"`
	Status         string `db:"status"`
	AgreementContent
	EmployerApprovedAt  *time.Time `db:"employer_approved_at"`
	EmployerApprover    *string    `db:"employer_approver"`
	ConsentAt           *time.Time `db:"consent_at"`
	ConsentMode         *string    `db:"consent_mode"`
	ConsentReason       *string    `db:"consent_reason"`
	ConsentNote         string     `db:"consent_note"`
	AdviserApprovedAt   *time.Time `db:"adviser_approved_at"`
	FirstApprovedAt     *time.Time `db:"first_approved_at"`
	CancelledAt         *time.Time `db:"cancelled_at"`
	EndedOn             *time.Time `db:"ended_on"`
	EndReason           *string    `db:"end_reason"`
	EndNote             string     `db:"end_note"`
	EmployerAccessUntil *time.Time `db:"employer_access_until"`
	// The supervisor's answer to "can you offer work or an extension?"
	// (reminder rule 5): job, extension or no, and when.
	OfferAnswer     *string    `db:"offer_answer"`
	OfferAnsweredAt *time.Time `db:"offer_answered_at"`
	CreatedAt       time.Time  `db:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at"`
	// The placement and its organisation.
	PlacementTitle string     `db:"placement_title"`
	PlacementKind  string     `db:"placement_kind"`
	PlacementStart *time.Time `db:"placement_start"`
	PlacementEnd   *time.Time `db:"placement_end"`
	PlacementHours *int       `db:"placement_hours"`
	OrgName        string     `db:"org_name"`
	// OrgApproved is false once the organisation has been rejected: its
	// employers and their one-click links no longer reach the agreement,
	// and the adviser's page says so (docs/operations.md).
	OrgApproved bool `db:"org_approved"`
	// The participant and their adviser.
	FirstName      string    `db:"first_name"`
	LastName       string    `db:"last_name"`
	Phone          string    `db:"phone"` // an employer sees it only as consented, once approved by all
	AdviserID      int64     `db:"adviser_id"`
	AdviserName    string    `db:"adviser_name"`
	AdviserEmail   string    `db:"adviser_email"`
	NavContactID   *int64    `db:"nav_contact_id"`
	ProgrammeStart time.Time `db:"programme_start"`
	ProgrammeEnd   time.Time `db:"programme_end"`
	ProgrammeHours float64   `db:"programme_hours"`
	Versions       int       `db:"versions"` // earlier versions kept
	// The next follow-up is due on this day (the last one, or the start,
	// plus the cadence); nil before the agreement has dates.
	NextFollowUp *time.Time `db:"next_follow_up"`

	// EmployerDutiesConfirmedAt: the employer's approval confirmed its duties.
	EmployerDutiesConfirmedAt *time.Time `db:"employer_duties_confirmed_at"`
}

// Editable reports whether the content can still change: not after it
// ended or was cancelled.
func (a Agreement) Editable() bool {
	return a.Status != AgreementEnded && a.Status != AgreementCancelled
}

// PendingApproval reports whether approvals are missing on an agreement
// that is complete and still open: before it starts, or after an edit of
// one under way (which keeps running while the approvals are given again).
func (a Agreement) PendingApproval() bool {
	if !a.Editable() || a.Status == AgreementDraft {
		return false
	}
	return a.EmployerApprovedAt == nil || a.ConsentAt == nil || a.AdviserApprovedAt == nil
}

// Started reports whether the agreement has been under way (approved by
// all and past its start): it can then end early but not be cancelled.
func (a Agreement) Started() bool {
	return a.Status == AgreementRunning || a.Status == AgreementEnded
}

// Version is the number of the current content: earlier versions + 1.
func (a Agreement) Version() int { return a.Versions + 1 }

const agreementSelect = `SELECT ag.id, ag.proposal_id, ag.participant_id, ag.placement_id, ag.organisation_id, ag.lock_version,
	agreement_status(ag, $1::date) AS status,
	ag.supervisor_name, ag.supervisor_email, ag.supervisor_phone, ag.goals, ag.goals_text, ag.job_title, ag.tasks,
	ag.start_date, ag.end_date, ag.hours_per_week::float8 AS hours_per_week, ag.days_per_week, ag.follow_up_plan, ag.follow_up_weeks,
	ag.adaptations, ag.mentor_name, ag.mentor_phone, ag.mentor_tasks,
	ag.employer_approved_at, eu.name AS employer_approver, ag.employer_duties_confirmed_at, ag.consent_at, ag.consent_mode, ag.consent_reason, ag.consent_note,
	ag.adviser_approved_at, ag.first_approved_at, ag.cancelled_at, ag.ended_on, ag.end_reason, ag.end_note, ag.employer_access_until,
	ag.offer_answer, ag.offer_answered_at, ag.created_at, ag.updated_at,
	pl.title AS placement_title, pl.kind AS placement_kind, pl.start_date AS placement_start, pl.end_date AS placement_end,
	pl.hours_per_week AS placement_hours, o.name AS org_name, o.approved_at IS NOT NULL AS org_approved,
	p.first_name, p.last_name, p.phone, p.adviser_id, ad.name AS adviser_name, ad.email AS adviser_email, p.nav_contact_id,
	p.programme_start, p.programme_end, p.programme_hours::float8 AS programme_hours,
	(SELECT count(*) FROM agreement_versions v WHERE v.agreement_id = ag.id) AS versions,
	(SELECT coalesce(max(f.held_on), ag.start_date) + 7 * ag.follow_up_weeks FROM follow_ups f WHERE f.agreement_id = ag.id) AS next_follow_up
FROM agreements ag
JOIN placements pl ON pl.id = ag.placement_id
JOIN organisations o ON o.id = ag.organisation_id
JOIN participants p ON p.id = ag.participant_id
JOIN users ad ON ad.id = p.adviser_id
LEFT JOIN users eu ON eu.id = ag.employer_approved_by
`

// AgreementScope is whose agreements a user may see: an adviser those of
// their caseload, a NAV user those of participants linked to them, an
// employer their organisation's, an admin all.
type AgreementScope struct {
	UserID int64
	OrgID  int64 // employers
	Role   string
}

// agreementScopeParams is true whatever the scope's values: a statement
// of one role (agreementScopeBy) uses one of $2–$4 or none, and names the
// others here because PostgreSQL must learn every parameter's type. Not
// referring to a column, it is checked once per run, not per row.
const agreementScopeParams = `($2::bigint, $3::bigint, $4::text) IS NOT NULL`

// agreementScopeBy restricts to the scope (its arguments at $2–$4), one
// condition per role, chosen when the statement is: the admin sees every
// agreement, an adviser and NAV those of their participants, an employer
// their organisation's. Written as one condition with role tests
// ($4 = 'employer' OR …), the tests fold away only in a plan made for the
// values (planned on every run); a statement per role keeps its index
// condition in a plan made once, so these statements are prepared
// (db/prepared.go; the dashboards, the agreements list and the agreement
// page). It is the one statement of the rule: every read of agreements
// by scope goes through scopeSQL.
var agreementScopeBy = map[string]string{
	RoleAdmin:    `(` + agreementScopeParams + `)`,
	RoleAdviser:  `(p.adviser_id = $2 AND ` + agreementScopeParams + `)`,
	RoleNAV:      `(p.nav_contact_id = $2 AND ` + agreementScopeParams + `)`,
	RoleEmployer: `(ag.organisation_id = $3 AND ` + agreementScopeParams + `)`,
}

// scopeSQL is the scope's condition for its role (nothing for a role
// that sees no agreements).
func (sc AgreementScope) scopeSQL() string {
	if q, ok := agreementScopeBy[sc.Role]; ok {
		return q
	}
	return `(false AND ` + agreementScopeParams + `)`
}

func (sc AgreementScope) args(today time.Time) []any {
	return []any{dateOnly(today), sc.UserID, sc.OrgID, sc.Role}
}

// dateOnly formats a day for a ::date parameter.
func dateOnly(t time.Time) string { return t.Format("2006-01-02") }

// AgreementIn returns an agreement the scope may see, with its status on
// today; anyone else's is ErrNotFound.
func (s *Store) AgreementIn(ctx context.Context, id int64, sc AgreementScope, today time.Time) (Agreement, error) {
	var a Agreement
	err := s.getPrepared(ctx, &a, agreementSelect+`WHERE `+sc.scopeSQL()+` AND ag.id = $5`, append(sc.args(today), id)...)
	return a, translate(err)
}

// AgreementsIn lists the agreements in scope, newest first (at most 500).
func (s *Store) AgreementsIn(ctx context.Context, sc AgreementScope, today time.Time) ([]Agreement, error) {
	var out []Agreement
	err := s.DB.SelectContext(ctx, &out, agreementSelect+`WHERE `+sc.scopeSQL()+`
		ORDER BY ag.created_at DESC, ag.id DESC LIMIT 500`, sc.args(today)...)
	if err != nil {
		return nil, fmt.Errorf("db: agreements: %w", err)
	}
	return out, nil
}

// AgreementFilter narrows the agreements list: by status on today, by
// organisation, by participant and by words in the job or placement title,
// the organisation's or the participant's name; a page of Limit rows from
// Offset.
type AgreementFilter struct {
	Status        string
	OrgID         int64
	ParticipantID int64
	Query         string
	// FollowUpDue keeps the running agreements whose follow-up is due on
	// today (as the dashboard counts them).
	FollowUpDue bool
	// Unlogged keeps the running agreements with a week before this one
	// not logged (agreementUnloggedSQL, as the dashboards count them).
	Unlogged      bool
	Offset, Limit int
}

// agreementFilterSQL applies an AgreementFilter, its arguments at $5–$10
// after the scope's.
const agreementFilterSQL = ` AND ($5::text = '' OR agreement_status(ag, $1::date) = $5::text)
	AND ($6::bigint = 0 OR ag.organisation_id = $6::bigint) AND ($7::bigint = 0 OR ag.participant_id = $7::bigint)
	AND ($8::text = '' OR concat_ws(' ', ag.job_title, pl.title, o.name, p.first_name, p.last_name) ILIKE '%' || $8::text || '%')
	AND (NOT $9::boolean OR (agreement_status(ag, $1::date) = 'running' AND (SELECT coalesce(max(f.held_on), ag.start_date) + 7 * ag.follow_up_weeks
		FROM follow_ups f WHERE f.agreement_id = ag.id) <= $1::date))
	AND (NOT $10::boolean OR (agreement_status(ag, $1::date) = 'running' AND ` + agreementUnloggedSQL + `))`

// agreementNoFilter is agreementFilterSQL when no filter is set: its
// parameters named (agreementScopeParams says why), none tested per row.
const agreementNoFilter = ` AND ($1::date, $5::text, $6::bigint, $7::bigint, $8::text, $9::boolean, $10::boolean) IS NOT NULL`

// agreementNeedsFirst orders what needs the person first: awaiting
// approval, then running (attendance to log, follow-ups to hold), then
// ready, draft, ended and cancelled; newest first within each.
const agreementNeedsFirst = `CASE agreement_status(ag, $1::date) WHEN 'awaiting_approval' THEN 0 WHEN 'running' THEN 1
	WHEN 'ready' THEN 2 WHEN 'draft' THEN 3 WHEN 'ended' THEN 4 ELSE 5 END`

// agreementFilterFrom is what the count and the page's ids read: no more
// than the scope and the filter need.
const agreementFilterFrom = ` FROM agreements ag
	JOIN placements pl ON pl.id = ag.placement_id
	JOIN organisations o ON o.id = ag.organisation_id
	JOIN participants p ON p.id = ag.participant_id
	WHERE `

// AgreementsPage lists one page of the agreements in scope that pass the
// filter, what needs the person first, and how many pass in all.
//
// The list as it opens (no filter) is two prepared statements per role.
// A filter's tests (each "empty or equal") are decided only by a plan made
// for the values: a generic plan of the filtered statement expects one
// row where the employer has 2,423 and joins them by nested loops (133 ms
// against 35 ms for the count, docs/benchmarks.md "Issue 19"), so a
// filtered list stays unprepared and is planned for its values.
func (s *Store) AgreementsPage(ctx context.Context, sc AgreementScope, today time.Time, f AgreementFilter) ([]Agreement, int, error) {
	args := append(sc.args(today), f.Status, f.OrgID, f.ParticipantID, likeEscape(strings.TrimSpace(f.Query)), f.FollowUpDue, f.Unlogged)
	filter, get, sel := agreementFilterSQL, s.DB.GetContext, s.DB.SelectContext
	if f.Status == "" && f.OrgID == 0 && f.ParticipantID == 0 && strings.TrimSpace(f.Query) == "" && !f.FollowUpDue && !f.Unlogged {
		filter, get, sel = agreementNoFilter, s.getPrepared, s.selectPrepared
	}
	var total int
	err := get(ctx, &total, `SELECT count(*)`+agreementFilterFrom+sc.scopeSQL()+filter, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("db: count agreements: %w", err)
	}
	// The page's ids first, ordered on the agreements' own columns; the
	// full rows (with their per-row subqueries) only for those.
	var out []Agreement
	err = sel(ctx, &out, agreementSelect+`JOIN (SELECT ag.id, `+agreementNeedsFirst+` AS rank`+agreementFilterFrom+
		sc.scopeSQL()+filter+` ORDER BY rank, ag.created_at DESC, ag.id DESC LIMIT $11 OFFSET $12) pg ON pg.id = ag.id
		ORDER BY pg.rank, ag.created_at DESC, ag.id DESC`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("db: agreements: %w", err)
	}
	return out, total, nil
}

// AgreementsForParticipant lists a participant's agreements, newest first.
func (s *Store) AgreementsForParticipant(ctx context.Context, participantID int64, today time.Time) ([]Agreement, error) {
	var out []Agreement
	err := s.selectPrepared(ctx, &out, agreementSelect+`WHERE ag.participant_id = $2 ORDER BY ag.created_at DESC, ag.id DESC`,
		dateOnly(today), participantID)
	if err != nil {
		return nil, fmt.Errorf("db: agreements: %w", err)
	}
	return out, nil
}

// todoSQL is TodoFor's statement for the scope's role: an employer has
// proposals to answer, an adviser proposals without an answer (the
// proposals list's count, proposalsWaitingCount); what waits for a role's
// approval is the employer's or the adviser's step (nothing for NAV and
// admins); weeks not logged are the employer's to log and the adviser's
// to follow up (not NAV's or the admin's: no statement of theirs pays
// for them).
func todoSQL(sc AgreementScope) string {
	openProposals, toApprove, unlogged := `0::bigint`, `false`, `false`
	switch sc.Role {
	case RoleEmployer:
		openProposals = `(SELECT count(*) FROM proposals pr JOIN placements pl ON pl.id = pr.placement_id
			WHERE pl.organisation_id = $3 AND pr.status = 'proposed')`
		toApprove = `employer_approved_at IS NULL`
		unlogged = agreementUnloggedSQL
	case RoleAdviser:
		openProposals = proposalsWaitingCount(RoleAdviser)
		toApprove = `(consent_at IS NULL OR employer_approved_at IS NOT NULL)`
		unlogged = agreementUnloggedSQL
	}
	return `
		WITH ag AS (
			SELECT ag.*, agreement_status(ag, $1::date) AS status,
				(SELECT coalesce(max(f.held_on), ag.start_date) + 7 * ag.follow_up_weeks FROM follow_ups f WHERE f.agreement_id = ag.id) AS next_follow_up
			FROM agreements ag LEFT JOIN participants p ON p.id = ag.participant_id
			WHERE ` + sc.scopeSQL() + `
			  AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL
			  AND agreement_open_until(ag.first_approved_at, ag.end_date) >= $1::date)
		SELECT ` + openProposals + ` AS open_proposals,
			count(*) FILTER (WHERE status = 'awaiting_approval' AND ` + toApprove + `) AS to_approve,
			count(*) FILTER (WHERE status = 'running') AS running,
			count(*) FILTER (WHERE status = 'running' AND next_follow_up <= $1::date) AS follow_ups_due,
			count(*) FILTER (WHERE status = 'running' AND ` + unlogged + `) AS agreements_unlogged
		FROM ag`
}

// Name is the participant's name as far as it is shown (an employer's
// view leaves out the last name).
func (a Agreement) Name() string { return strings.TrimSpace(a.FirstName + " " + a.LastName) }

// Todo counts what waits for a user on their dashboard: proposals to
// answer (employers) or without an answer (advisers), agreements waiting
// for their approval or consent, agreements running (attendance to log,
// follow-ups to hold), follow-ups due, and running agreements with a
// week before this one not logged (employers and advisers).
type Todo struct {
	OpenProposals      int `db:"open_proposals"`
	ToApprove          int `db:"to_approve"`
	Running            int `db:"running"`
	FollowUpsDue       int `db:"follow_ups_due"`
	AgreementsUnlogged int `db:"agreements_unlogged"`
}

// TodoFor computes the dashboard counts in one query.
//
// It counts agreements awaiting approval or running, so it reads only
// those that can still be open on today: not cancelled, not ended early
// and not past the end of an approved run (agreement_open_until, migration
// 00011, whose partial indexes hold them by organisation and by
// participant). Every agreement it skips has the status cancelled or
// ended, which no count includes; the status of the others is derived by
// agreement_status as before. At national scale this reads 196 of the
// bench employer's 2,217 agreements.
//
// The participant is a LEFT JOIN because only the adviser's and NAV's
// scopes use it: for an employer (or an admin) the role tests fold away,
// nothing refers to p, and PostgreSQL leaves the join out instead of
// looking up every agreement's participant. Every agreement has one
// (participant_id is NOT NULL and a foreign key), and the adviser's and
// NAV's tests on p make it an inner join again, so the rows are the same.
//
// It is one statement per role (todoSQL), prepared.
func (s *Store) TodoFor(ctx context.Context, sc AgreementScope, today time.Time) (Todo, error) {
	var t Todo
	err := s.getPrepared(ctx, &t, todoSQL(sc), sc.args(today)...)
	if err != nil {
		return t, fmt.Errorf("db: todo: %w", err)
	}
	return t, nil
}
