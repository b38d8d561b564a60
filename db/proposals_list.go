package db

import (
	"context"
	"fmt"
	"time"
)

// proposalScopeBy is whose proposals the staff's proposals list shows:
// an adviser those of the participants in their caseload (whoever made
// them: a participant moved to another adviser brings their open
// proposals along, as their agreements), an admin every one; $2 is the
// user. NAV has none: proposing and following up an unanswered proposal
// is the adviser's work, and what the adviser wrote to the employer is
// not NAV's to read (README, "Matching and agreements").
var proposalScopeBy = map[string]string{
	RoleAdviser: `(p.adviser_id = $2)`,
	RoleAdmin:   `($2::bigint IS NOT NULL)`,
}

// proposalsFrom is what the list's count, its page and the adviser's
// dashboard card (todoSQL) read: the proposal and its participant.
const proposalsFrom = ` FROM proposals pr JOIN participants p ON p.id = pr.participant_id WHERE `

// proposalScopeSQL is the scope's condition (nothing for a role that sees
// no proposals here).
func proposalScopeSQL(role string) string {
	if q, ok := proposalScopeBy[role]; ok {
		return q
	}
	return `(false AND $2::bigint IS NOT NULL)`
}

// proposalsWaitingCount counts the scope's proposals without an answer
// (status proposed): the adviser's dashboard card, a subquery of TodoFor's
// one statement. ProposalsPage with Status ProposalOpen lists exactly
// these (the same FROM, scope and status test).
func proposalsWaitingCount(role string) string {
	return `(SELECT count(*)` + proposalsFrom + proposalScopeSQL(role) + ` AND pr.status = 'proposed')`
}

// ProposalFilter narrows the staff's proposals list: by status (one of
// ProposalStatuses, "" for all), oldest first (the longest waiting) or
// newest first; a page of Limit rows from Offset.
type ProposalFilter struct {
	Status        string
	Oldest        bool
	Offset, Limit int
}

// ProposalStatuses are the statuses a proposal can have, in the order a
// filter offers them.
var ProposalStatuses = []string{ProposalOpen, ProposalAccepted, ProposalDeclined, ProposalWithdrawn}

// ProposalWithdrawn is a proposal withdrawn for the participant's sake:
// consent withdrawn, a protected address, anonymisation.
const ProposalWithdrawn = "withdrawn"

// ProposalListed is one row of the staff's proposals list: who was
// proposed for what, by whom and when, the answer and how many days it
// waited for it (to today while it has none).
type ProposalListed struct {
	ID             int64      `db:"id"`
	ParticipantID  int64      `db:"participant_id"`
	PlacementID    int64      `db:"placement_id"`
	PlacementTitle string     `db:"placement_title"`
	OrgName        string     `db:"org_name"`
	AdviserName    string     `db:"adviser_name"`
	FirstName      string     `db:"first_name"`
	LastName       string     `db:"last_name"`
	Status         string     `db:"status"`
	CreatedAt      time.Time  `db:"created_at"`
	DecidedAt      *time.Time `db:"decided_at"`
	AgreementID    *int64     `db:"agreement_id"`
	Days           int        `db:"days"`
}

// Waiting reports whether the proposal still has no answer.
func (p ProposalListed) Waiting() bool { return p.Status == ProposalOpen }

// ProposalsPage lists one page of the proposals in the scope (an adviser's
// caseload, or all for an admin) that pass the filter, and how many pass
// in all. The page's ids are chosen first on the proposals' own columns,
// the names looked up only for them. Days are counted in Oslo's calendar,
// as the reminders count a proposal's waiting (rule 6). Both statements
// are prepared: one per role (proposalScopeSQL) and order, the status
// filter a test over the scope's rows.
func (s *Store) ProposalsPage(ctx context.Context, sc AgreementScope, today time.Time, f ProposalFilter) ([]ProposalListed, int, error) {
	where := proposalScopeSQL(sc.Role) + ` AND ($3::text = '' OR pr.status = $3::text)`
	args := []any{dateOnly(today), sc.UserID, f.Status}
	var total int
	// $1 is named so that the count and the page share their parameters.
	if err := s.getPrepared(ctx, &total, `SELECT count(*)`+proposalsFrom+where+` AND $1::date IS NOT NULL`, args...); err != nil {
		return nil, 0, fmt.Errorf("db: count proposals: %w", err)
	}
	order := `pr.created_at DESC, pr.id DESC`
	if f.Oldest {
		order = `pr.created_at, pr.id`
	}
	var out []ProposalListed
	err := s.selectPrepared(ctx, &out, `SELECT pr.id, pr.participant_id, pr.placement_id, pl.title AS placement_title,
		o.name AS org_name, a.name AS adviser_name, p.first_name, p.last_name, pr.status, pr.created_at, pr.decided_at,
		ag.id AS agreement_id,
		coalesce((pr.decided_at AT TIME ZONE 'Europe/Oslo')::date, $1::date) - (pr.created_at AT TIME ZONE 'Europe/Oslo')::date AS days
	FROM (SELECT pr.id`+proposalsFrom+where+` ORDER BY `+order+` LIMIT $4 OFFSET $5) pg
	JOIN proposals pr ON pr.id = pg.id
	JOIN participants p ON p.id = pr.participant_id
	JOIN placements pl ON pl.id = pr.placement_id
	JOIN organisations o ON o.id = pl.organisation_id
	JOIN users a ON a.id = pr.adviser_id
	LEFT JOIN agreements ag ON ag.proposal_id = pr.id
	ORDER BY `+order, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("db: proposals: %w", err)
	}
	return out, total, nil
}
