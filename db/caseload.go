package db

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// CaseloadRow is one line of an adviser's caseload: the participant with
// their best level and the gap to the norskmål per skill, months left, the
// latest outcome and a risk marker, all computed in the one query.
type CaseloadRow struct {
	Participant
	BestLevels
	SkillGaps
	MonthsLeft  int        `db:"months_left"`
	OutcomeKind *string    `db:"outcome_kind"`
	OutcomeFrom *time.Time `db:"outcome_from"`
	// Risk, its reason and the basis come from participant_measure, the
	// one rule the snapshot, the KPIs and the reminders read too. Basis
	// is nil for a participant who is not active (nobody measures them).
	Risk       bool    `db:"risk"`
	RiskReason *string `db:"risk_reason"`
	Basis      *string `db:"basis"`
	// The current placement: the agreement that runs now or comes next
	// (not cancelled, not ended), nil when there is none.
	CurrentAgreement *int64  `db:"current_agreement"`
	CurrentTitle     *string `db:"current_title"`
	CurrentOrg       *string `db:"current_org"`
	CurrentStatus    *string `db:"current_status"`
	// Total is how many participants matched before the limit.
	Total int `db:"total"`
}

// CaseloadFilter narrows and orders a caseload.
type CaseloadFilter struct {
	Status string // "" for all
	Search string // part of a name
	Sort   string // one of CaseloadSorts
	Desc   bool
	Limit  int
	Offset int // rows to skip (the page's start), after sorting
}

// CaseloadSorts are the columns a caseload may be sorted by, mapped to SQL
// (a whitelist: the sort never comes from the request as text).
var CaseloadSorts = map[string]string{
	"name":   "lower(p.last_name), lower(p.first_name)",
	"end":    "p.programme_end",
	"gap":    "g.gap_listening + g.gap_reading + g.gap_writing + g.gap_oral",
	"status": "p.status",
	// At risk first by the one rule (participant_measure's risk; false
	// sorts first), then the programme that ends first. Written without
	// commas inside an expression: caseloadOrder puts the direction after each.
	"risk": `m.risk IS NOT TRUE, p.programme_end`,
}

// gapExpr is the number of levels from the best result up to the goal
// (cefr_rank is defined with the cefr_level type, migration 00004).
func gapExpr(skill string) string {
	return "greatest(0, cefr_rank(p.goal_" + skill + ") - coalesce(cefr_rank(b.best_" + skill + "), 0))"
}

// caseloadColumns, caseloadJoins and caseloadWhere make up the caseload's
// one query: everything per participant comes from LATERAL subqueries that
// use the (participant_id, …) indexes, so there is no query per row; gaps
// are computed once per row (g); the risk, its reason and the basis are
// participant_measure's for the row's id alone (m), so a page of a hundred
// measures a hundred. $8 is the day (the store's today in Oslo).
var caseloadColumns = participantColumns + `,
	b.best_listening, b.best_reading, b.best_writing, b.best_oral,
	g.gap_listening, g.gap_reading, g.gap_writing, g.gap_oral,
	g.gap_listening + g.gap_reading + g.gap_writing + g.gap_oral AS gap_total,
	CASE WHEN p.programme_end <= $8::date THEN 0
		ELSE (extract(year FROM age(p.programme_end, $8::date)) * 12 + extract(month FROM age(p.programme_end, $8::date)))::int END AS months_left,
	o.kind AS outcome_kind, o.from_date AS outcome_from,
	coalesce(m.risk, false) AS risk, m.risk_reason, m.basis,
	cp.id AS current_agreement, cp.title AS current_title, cp.org AS current_org, cp.status AS current_status`

var caseloadJoins = bestLevelsJoin + `
CROSS JOIN LATERAL (
	SELECT ` + gapExpr("listening") + ` AS gap_listening, ` + gapExpr("reading") + ` AS gap_reading,
		` + gapExpr("writing") + ` AS gap_writing, ` + gapExpr("oral") + ` AS gap_oral) g
LEFT JOIN LATERAL (
	SELECT kind, from_date FROM outcomes oc WHERE oc.participant_id = p.id AND oc.from_date <= $8::date
	ORDER BY oc.from_date DESC, oc.id DESC LIMIT 1) o ON true
LEFT JOIN LATERAL (SELECT pm.basis, pm.risk, pm.risk_reason FROM participant_measure($8::date, ARRAY[p.id]) pm) m ON true
LEFT JOIN LATERAL (
	SELECT ag.id, coalesce(nullif(ag.job_title, ''), cpl.title) AS title, co.name AS org, agreement_status(ag, $8::date) AS status
	FROM agreements ag JOIN placements cpl ON cpl.id = ag.placement_id JOIN organisations co ON co.id = ag.organisation_id
	WHERE ag.participant_id = p.id AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL AND (ag.end_date IS NULL OR ag.end_date >= $8::date)
	ORDER BY ag.start_date NULLS LAST, ag.id DESC LIMIT 1) cp ON true`

// caseloadWhere reads only the participant's own columns ($4 status, $5
// name search), so it can narrow the list before any LATERAL runs.
//
// The name search ($5, lower-cased and LIKE-escaped) finds a part of the
// name as typed, or any common Latin spelling of it: name_key (migration
// 00013) reduces a name to keys without accents, case, hyphens or
// apostrophes, with transliteration variants folded together (Oleksandr
// = Aleksandr = Oleksander, Kowalenko = Kovalenko, Mohammed = Muhammad =
// Mohamad, Al-Sayed = alsayed = el Sayed), and every word typed must
// begin one of the stored name's keys (name_patterns; TestNameKey has
// the pairs that must and must not match).
const caseloadWhere = `
WHERE ` + scopeSQL + `
  AND ($4 = '' OR p.status = $4)
  AND ($5 = '' OR lower(p.first_name || ' ' || p.last_name) LIKE '%' || $5 || '%'
       OR lower(p.last_name || ', ' || p.first_name) LIKE '%' || $5 || '%'
       OR p.name_key LIKE ALL (name_patterns($5)))`

// caseloadSelect is the whole query, each row with the number of matches.
var caseloadSelect = `SELECT ` + caseloadColumns + `, count(*) OVER () AS total
` + participantFrom + `
` + caseloadJoins + caseloadWhere

// caseloadPlainSorts sort by the participant's own columns: a page of them
// is chosen first and only its rows get their LATERALs (a hundred, not the
// whole caseload of 500; docs/benchmarks.md). Gap and risk need every
// row's levels and outcome to sort.
var caseloadPlainSorts = map[string]bool{"name": true, "end": true, "status": true}

// caseloadPaged picks the page by the participant's columns, then computes
// the rest for those rows; $6 limit, $7 offset.
func caseloadPaged(f CaseloadFilter) string {
	order := caseloadOrder(f)
	return `SELECT ` + caseloadColumns + `, pg.total
FROM (SELECT p.id, count(*) OVER () AS total FROM participants p` + caseloadWhere + order + ` LIMIT $6 OFFSET $7) pg
JOIN participants p ON p.id = pg.id JOIN users a ON a.id = p.adviser_id LEFT JOIN users n ON n.id = p.nav_contact_id
` + caseloadJoins + order
}

// caseloadOrder is the ORDER BY of a filter. The columns come from the
// whitelist, never from the request; the direction applies to every column
// of the sort (last name, then first name), not only to the last.
func caseloadOrder(f CaseloadFilter) string {
	order, ok := CaseloadSorts[f.Sort]
	if !ok {
		order = CaseloadSorts["end"]
	}
	dir := " ASC"
	if f.Desc {
		dir = " DESC"
	}
	return ` ORDER BY ` + strings.ReplaceAll(order, ",", dir+",") + dir + `, p.id`
}

// Caseload lists the participants a scope may see, in one query.
func (s *Store) Caseload(ctx context.Context, sc Scope, f CaseloadFilter) ([]CaseloadRow, error) {
	if f.Limit <= 0 || f.Limit > 2000 {
		f.Limit = 1000
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	q := caseloadSelect + caseloadOrder(f) + ` LIMIT $6 OFFSET $7`
	if caseloadPlainSorts[f.Sort] {
		q = caseloadPaged(f)
	}
	search := NormalisedName(f.Search)
	var out []CaseloadRow
	if err := s.DB.SelectContext(ctx, &out, q, append(sc.args(), f.Status, likeEscape(search), f.Limit, f.Offset, dateOnly(s.Today()))...); err != nil {
		return nil, fmt.Errorf("db: caseload: %w", err)
	}
	return out, nil
}

// caseloadRowSelect is one participant's caseload row ($6 the id).
var caseloadRowSelect = caseloadSelect + ` AND p.id = $6 LIMIT $7`

// caseloadRowViewed is caseloadRowSelect writing the read's audit row in
// the same statement ($9 actor, $10 action, $11 IP): only when the row
// is found, that is when the scope may see the participant.
var caseloadRowViewed = `WITH r AS (` + caseloadRowSelect + `), logged AS (
	INSERT INTO audit_log (actor_id, action, entity, entity_id, ip)
	SELECT NULLIF($9::bigint, 0), $10::text, 'participant', r.id, NULLIF($11::text, '')::inet FROM r)
SELECT * FROM r`

// CaseloadRowFor is one participant's caseload row (the profile's figures).
//
// It runs with a generic plan from its first run on a connection
// (getGeneric): participant_measure, inlined into it, made planning the
// row with its values 30–500 ms at national scale against 1 ms to run it
// (docs/benchmarks.md, "Issue 19").
func (s *Store) CaseloadRowFor(ctx context.Context, id int64, sc Scope) (CaseloadRow, error) {
	var r CaseloadRow
	err := s.getGeneric(ctx, &r, caseloadRowSelect, append(sc.args(), "", "", id, 1, dateOnly(s.Today()))...)
	return r, translate(err)
}

// CaseloadRowViewed is CaseloadRowFor for a page that shows the
// participant: the read's audit row (action, e.g. "participant.view") is
// written by the same statement and committed with it, before the page is
// sent (DOMAIN.md: every access logged, synchronously). A participant the
// scope may not see is ErrNotFound and writes nothing.
func (s *Store) CaseloadRowViewed(ctx context.Context, id int64, sc Scope, actorID int64, action, ip string) (CaseloadRow, error) {
	var r CaseloadRow
	err := s.getGeneric(ctx, &r, caseloadRowViewed, append(sc.args(), "", "", id, 1, dateOnly(s.Today()), actorID, action, ip)...)
	return r, translate(err)
}

// likeEscape makes a search term literal inside LIKE.
func likeEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// Outcome is the current outcome's kind, "" when there is none.
func (r CaseloadRow) Outcome() string {
	if r.OutcomeKind == nil {
		return ""
	}
	return *r.OutcomeKind
}

// ExplainCaseload returns the plan of a caseload query, for
// docs/benchmarks.md.
func (s *Store) ExplainCaseload(ctx context.Context, sc Scope, f CaseloadFilter) (string, error) {
	q := caseloadSelect + caseloadOrder(f) + ` LIMIT $6 OFFSET $7`
	if caseloadPlainSorts[f.Sort] {
		q = caseloadPaged(f)
	}
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := s.DB.QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+q, append(sc.args(), f.Status, likeEscape(NormalisedName(f.Search)), f.Limit, f.Offset, dateOnly(s.Today()))...)
	if err != nil {
		return "", fmt.Errorf("db: explain caseload: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return "", err
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n"), rows.Err()
}
