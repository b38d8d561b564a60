package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// CaseloadRow is one line of an adviser's caseload: the participant with
// their best level per skill, the current plan's Norwegian goal and the gap
// to it per skill, months left, the latest outcome and a risk marker.
// The list and the profile read it from the read model caseload_rows
// (migration 00027); the equality tests hold that to a live computation
// (caseloadLive, db/export_test.go).
type CaseloadRow struct {
	Participant
	BestLevels
	PlanGaps
	MonthsLeft  int        `db:"months_left"`
	OutcomeKind *string    `db:"outcome_kind"`
	OutcomeFrom *time.Time `db:"outcome_from"`
	// Risk, its reason and the basis come from participant_measure, the
	// one rule the snapshot, the KPIs and the reminders read too. Basis
	// is nil for a participant who is not active (nobody measures them).
	Risk       bool    `db:"risk"`
	RiskReason *string `db:"risk_reason"`
	Basis      *string `db:"basis"`
	// MeasuredOn is the day the figures were measured on: today, or the
	// day before between midnight and the nightly job (nil while a new
	// measure rule's refresh has not yet measured the row).
	MeasuredOn *time.Time `db:"measured_on"`
	// The current placement: the agreement that runs now or comes next
	// (not cancelled, not ended), nil when there is none.
	CurrentAgreement *int64  `db:"current_agreement"`
	CurrentTitle     *string `db:"current_title"`
	CurrentOrg       *string `db:"current_org"`
	CurrentStatus    *string `db:"current_status"`
	// Total is how many participants matched before the limit.
	Total int `db:"total"`
}

// PlanGaps are the current integration plan's Norwegian goal per skill
// (nil: the plan has no goal in the skill — issue 14: under kap. 6A or
// introduksjonsloven there often is none) and the levels from the best
// result up to it (nil without a goal, 0 when reached); GapTotal sums the
// skills with a goal and is nil when the plan has none at all.
type PlanGaps struct {
	PlanGoalListening *Level `db:"plan_goal_listening"`
	PlanGoalReading   *Level `db:"plan_goal_reading"`
	PlanGoalWriting   *Level `db:"plan_goal_writing"`
	PlanGoalOral      *Level `db:"plan_goal_oral"`
	GapListening      *int   `db:"gap_listening"`
	GapReading        *int   `db:"gap_reading"`
	GapWriting        *int   `db:"gap_writing"`
	GapOral           *int   `db:"gap_oral"`
	GapTotal          *int   `db:"gap_total"`
}

// PlanGoal is the plan's Norwegian goal in a skill, "" for none.
func (g PlanGaps) PlanGoal(skill string) Level {
	return orNone(bySkill(skill, g.PlanGoalListening, g.PlanGoalReading, g.PlanGoalWriting, g.PlanGoalOral))
}

// HasGoal reports whether the plan has a Norwegian goal in the skill.
func (g PlanGaps) HasGoal(skill string) bool {
	return bySkill(skill, g.GapListening, g.GapReading, g.GapWriting, g.GapOral) != nil
}

// Gap is how many levels a skill is below the plan's goal: 0 when reached
// and when there is no goal in the skill (HasGoal tells which).
func (g PlanGaps) Gap(skill string) int {
	if p := bySkill(skill, g.GapListening, g.GapReading, g.GapWriting, g.GapOral); p != nil {
		return *p
	}
	return 0
}

// GapSum is GapTotal, 0 when the plan has no Norwegian goal.
func (g PlanGaps) GapSum() int {
	if g.GapTotal == nil {
		return 0
	}
	return *g.GapTotal
}

// HasNorskmal reports whether the plan has a Norwegian goal in any skill
// (the measurement's basis is then the norskmål, else the sluttmål).
func (g PlanGaps) HasNorskmal() bool { return g.GapTotal != nil }

// CaseloadFilter narrows and orders a caseload.
type CaseloadFilter struct {
	Status string // "" for all
	Search string // part of a name
	// Risk keeps the participants at risk by the one rule.
	Risk bool
	// EndingWithin keeps the active participants whose programme ends
	// within this many months from today (today included); 0 for all.
	EndingWithin int
	Sort         string // one of CaseloadSorts
	Desc         bool
	Limit        int
	Offset       int // rows to skip (the page's start), after sorting
}

// CaseloadSorts are the columns a caseload may be sorted by, mapped to SQL
// over the participant p and its read-model row c (a whitelist: the sort
// never comes from the request as text).
var CaseloadSorts = map[string]string{
	"name": "lower(p.last_name), lower(p.first_name)",
	"end":  "p.programme_end",
	// Without a Norwegian goal there is no gap: below a reached goal.
	"gap":    "CASE WHEN c.gap_total IS NULL THEN -1 ELSE c.gap_total END",
	"status": "p.status",
	// At risk first by the one rule (false sorts first), then the
	// programme that ends first. Written without commas inside an
	// expression: caseloadOrder puts the direction after each.
	"risk": `c.risk IS NOT TRUE, p.programme_end`,
}

// MaxEndingWithin bounds CaseloadFilter.EndingWithin (months) from a URL.
const MaxEndingWithin = 120

// caseloadMonthsLeft is whole months from the day ($8) to the programme's
// end, 0 once it has ended: date arithmetic at read time, never stored.
const caseloadMonthsLeft = `CASE WHEN p.programme_end <= $8::date THEN 0
		ELSE (extract(year FROM age(p.programme_end, $8::date)) * 12 + extract(month FROM age(p.programme_end, $8::date)))::int END AS months_left`

// caseloadCurrentJoin is the current placement of p on the day ($8).
const caseloadCurrentJoin = `
LEFT JOIN LATERAL (
	SELECT ag.id, coalesce(nullif(ag.job_title, ''), cpl.title) AS title, co.name AS org, agreement_status(ag, $8::date) AS status
	FROM agreements ag JOIN placements cpl ON cpl.id = ag.placement_id JOIN organisations co ON co.id = ag.organisation_id
	WHERE ag.participant_id = p.id AND ag.cancelled_at IS NULL AND ag.ended_on IS NULL AND (ag.end_date IS NULL OR ag.end_date >= $8::date)
	ORDER BY ag.start_date NULLS LAST, ag.id DESC LIMIT 1) cp ON true`

const caseloadCurrentColumns = `cp.id AS current_agreement, cp.title AS current_title, cp.org AS current_org, cp.status AS current_status`

// caseloadRowColumns are the read model's columns of a row c.
const caseloadRowColumns = `c.best_listening, c.best_reading, c.best_writing, c.best_oral,
	c.plan_goal_listening, c.plan_goal_reading, c.plan_goal_writing, c.plan_goal_oral,
	c.gap_listening, c.gap_reading, c.gap_writing, c.gap_oral, c.gap_total,
	c.outcome_kind, c.outcome_from, c.risk, c.risk_reason, c.basis,
	nullif(c.measured_on, '-infinity') AS measured_on`

// caseloadShown are the columns of a shown caseload row (the list's and
// the profile's): the participant p, its read-model row c, months left
// and the current placement cp, on the day $8.
const caseloadShown = participantColumns + `, ` + caseloadRowColumns + `, ` + caseloadMonthsLeft + `,
	` + caseloadCurrentColumns

// caseloadWhere reads the participant's own columns and its read-model
// row c: $4 status, $5 name search, $9 at risk only, $10 ending within
// that many months (0: any), on the day $8.
//
// The name search ($5, lower-cased and LIKE-escaped) finds a part of the
// name as typed, or any common Latin spelling of it: name_key (migration
// 00013) reduces a name to keys without accents, case, hyphens or
// apostrophes, with transliteration variants folded together (Oleksandr
// = Aleksandr = Oleksander, Kowalenko = Kovalenko, Mohammed = Muhammad =
// Mohamad, Al-Sayed = alsayed = el Sayed), and every word typed must
// begin one of the stored name's keys (name_patterns; TestNameKey has
// the pairs that must and must not match). The patterns are a subquery,
// computed once per statement: in a plan made once for every value (the
// statement is prepared) name_patterns($5) would be called again for each
// of the scope's rows, 27 ms for an adviser's 500 against 1.1 ms
// (docs/benchmarks.md, "The caseload planned once").
//
// The at-risk test is written only into the statements of a filter that
// asks for it (the others test $9 once per run, which is false for them).
func caseloadWhere(sc Scope, f CaseloadFilter) string {
	risk := `
  AND NOT $9::boolean`
	if f.Risk {
		risk = `
  AND $9::boolean AND c.risk`
	}
	return `
WHERE ` + scopeFor(sc) + `
  AND ($4 = '' OR p.status = $4)
  AND ($5 = '' OR lower(p.first_name || ' ' || p.last_name) LIKE '%' || $5 || '%'
       OR lower(p.last_name || ', ' || p.first_name) LIKE '%' || $5 || '%'
       OR p.name_key LIKE ALL ((SELECT name_patterns($5))::text[]))` + risk + `
  AND ` + caseloadEnding
}

// caseloadEnding is "the programme ends within $10 months of the day
// $8", any end when $10 is 0: the caseload's ending filter and the
// dashboard's card alike.
const caseloadEnding = `($10::int = 0 OR (p.status = 'active' AND p.programme_end >= $8::date
       AND p.programme_end <= ($8::date + make_interval(months => $10::int))::date))`

// caseloadRowsJoin joins each participant p to its read-model row c. For
// one adviser's or NAV contact's caseload (hundreds of the 100,000) the row
// is looked up by primary key per participant; PostgreSQL, left to choose,
// read all 100,000 rows of caseload_rows for a filter on them (the at-risk
// card: 8,632 rows at risk, a hash join, 10–18 ms against 3.7 ms, measured
// at national scale on 2026-12-06, docs/benchmarks.md "The adviser's
// dashboard"). OFFSET 0 keeps the subquery from being flattened, so the
// look-up stays one per participant. An admin's scope is everyone: there the
// hash join is the right plan (41 ms against 285 ms by key).
//
// A filter and sort that read nothing of c (no at-risk filter, sorted by
// end, name or status) join nothing here: the page's rows are joined to
// theirs afterwards, 100 look-ups instead of the scope's 500. Every
// participant has its row (migration 00027's insert trigger), so the
// rows and the total are the same either way.
func caseloadRowsJoin(sc Scope, f CaseloadFilter) string {
	if !f.Risk && !strings.Contains(caseloadOrder(f), "c.") {
		return ``
	}
	if sc.All {
		return ` JOIN caseload_rows c ON c.participant_id = p.id`
	}
	return ` JOIN LATERAL (SELECT * FROM caseload_rows c WHERE c.participant_id = p.id OFFSET 0) c ON true`
}

// caseloadPaged picks the page from the participants and their read-model
// rows (sorted and filtered there, so the whole caseload is never joined
// to anything else), then adds the current placement to the page's rows
// only; $6 limit, $7 offset. With audit, the same statement writes the
// read's audit row for each participant on the page ($11 actor, $12 IP):
// a data-modifying CTE runs to completion whether or not the query reads
// it, and commits with the read (issue 19: no second round trip).
//
// The statement's text depends only on the scope's shape, the sort and
// whether it audits: a handful of statements, each prepared once per
// connection (db/prepared.go) with a plan good for every value — the
// scope's column is an index condition, each filter's "empty or equal"
// test a filter over the scope's rows.
func caseloadPaged(sc Scope, f CaseloadFilter, audit bool) string {
	order := caseloadOrder(f)
	q := `WITH pg AS (SELECT p.id, count(*) OVER () AS total FROM participants p` + caseloadRowsJoin(sc, f) + caseloadWhere(sc, f) + order + ` LIMIT $6 OFFSET $7)`
	if !audit {
		return q + `
SELECT ` + caseloadShown + `, pg.total
FROM pg JOIN participants p ON p.id = pg.id JOIN users a ON a.id = p.adviser_id LEFT JOIN users n ON n.id = p.nav_contact_id
JOIN caseload_rows c ON c.participant_id = p.id` + caseloadCurrentJoin + order
	}
	return q + `, logged AS (
	INSERT INTO audit_log (actor_id, action, entity, entity_id, ip)
	SELECT $11::bigint, 'participant.list', 'participant', pg.id, NULLIF($12::text, '')::inet FROM pg)
SELECT ` + caseloadListColumns + `
FROM pg JOIN participants p ON p.id = pg.id JOIN users a ON a.id = p.adviser_id
JOIN caseload_rows c ON c.participant_id = p.id` + caseloadCurrentJoin + order
}

// caseloadListColumns are the columns the caseload page shows, in the
// order scanCaseloadListed reads them: the participant's name, status,
// end and protection, the read model's figures, months left, the
// current placement and the total. Half of caseloadShown: decoding the
// page's 100 rows of every participant column through reflection was a
// quarter of the page's CPU (docs/benchmarks.md, "The caseload planned once").
const caseloadListColumns = `p.id, p.first_name, p.last_name, a.name, p.status, p.protected_address, p.programme_end,
	c.best_listening, c.best_reading, c.best_writing, c.best_oral,
	c.plan_goal_listening, c.plan_goal_reading, c.plan_goal_writing, c.plan_goal_oral,
	c.gap_listening, c.gap_reading, c.gap_writing, c.gap_oral, c.gap_total,
	c.outcome_kind, c.outcome_from, c.risk, c.risk_reason, c.basis, nullif(c.measured_on, '-infinity'), ` + caseloadMonthsLeft + `,
	cp.id, cp.title, cp.org, cp.status, pg.total`

// scanCaseloadListed reads one row of caseloadListColumns.
func scanCaseloadListed(rows *sql.Rows) (CaseloadRow, error) {
	var r CaseloadRow
	err := rows.Scan(&r.ID, &r.FirstName, &r.LastName, &r.AdviserName, &r.Status, &r.ProtectedAddress, &r.ProgrammeEnd,
		optStr(&r.BestListening), optStr(&r.BestReading), optStr(&r.BestWriting), optStr(&r.BestOral),
		optStr(&r.PlanGoalListening), optStr(&r.PlanGoalReading), optStr(&r.PlanGoalWriting), optStr(&r.PlanGoalOral),
		optInt(&r.GapListening), optInt(&r.GapReading), optInt(&r.GapWriting), optInt(&r.GapOral), optInt(&r.GapTotal),
		optStr(&r.OutcomeKind), optTime(&r.OutcomeFrom), &r.Risk, optStr(&r.RiskReason), optStr(&r.Basis), optTime(&r.MeasuredOn),
		&r.MonthsLeft, optInt64(&r.CurrentAgreement), optStr(&r.CurrentTitle), optStr(&r.CurrentOrg), optStr(&r.CurrentStatus), &r.Total)
	return r, err
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

// caseloadArgs are a filter's arguments $1–$10.
func (s *Store) caseloadArgs(sc Scope, f CaseloadFilter) []any {
	return append(sc.args(), f.Status, likeEscape(NormalisedName(f.Search)), f.Limit, f.Offset, dateOnly(s.Today()),
		f.Risk, max(0, min(f.EndingWithin, MaxEndingWithin)))
}

// The rows are read as they are: no call of the caseload checks for stale
// rows first (issue 19; before, every Caseload, CaseloadCount and export
// began with a stale check, an extra round trip per call and two per
// dashboard, and the first view after midnight measured its whole scope
// again: ten seconds for an admin at national scale). Who keeps them
// current:
//
//   - every write that changes a figure: the triggers of migration 00027,
//     in the writing transaction, measured on the store's day;
//   - the day's changes (risk by the date, outcomes and agreements by
//     their dates): the nightly `progress` job measures every row again
//     from the snapshots it has just written (JobTx.RefreshCaseload).
//     After midnight and before it runs (01:30), a row shows the
//     measurement of the day before, which is what CaseloadRow.MeasuredOn
//     says;
//   - a new measure rule: AddMeasureRule measures every row again in a
//     transaction of its own once the rule is stored.
//
// Tests that move the store's clock run the job (or RefreshCaseload) where
// the product would.

// Caseload lists the participants a scope may see from the read model, in
// one prepared statement (caseloadPaged).
func (s *Store) Caseload(ctx context.Context, sc Scope, f CaseloadFilter) ([]CaseloadRow, error) {
	return s.caseload(ctx, sc, f, false)
}

// CaseloadListed is Caseload for a page that shows the list: the same
// statement writes one audit row per participant on the page (action
// "participant.list", as LogListed), committed before the page is sent.
func (s *Store) CaseloadListed(ctx context.Context, sc Scope, f CaseloadFilter, actorID int64, ip string) ([]CaseloadRow, error) {
	return s.caseload(ctx, sc, f, true, actorID, ip)
}

func (s *Store) caseload(ctx context.Context, sc Scope, f CaseloadFilter, audit bool, auditArgs ...any) ([]CaseloadRow, error) {
	if f.Limit <= 0 || f.Limit > 2000 {
		f.Limit = 1000
	}
	if f.Offset < 0 {
		f.Offset = 0
	}
	q, args := caseloadPaged(sc, f, audit), append(s.caseloadArgs(sc, f), auditArgs...)
	var out []CaseloadRow
	if !audit {
		if err := s.selectPrepared(ctx, &out, q, args...); err != nil {
			return nil, fmt.Errorf("db: caseload: %w", err)
		}
		return out, nil
	}
	err := s.queryPrepared(ctx, q, args, func(rows *sql.Rows) error {
		r, err := scanCaseloadListed(rows)
		out = append(out, r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("db: caseload: %w", err)
	}
	return out, nil
}

// CaseloadCount is how many participants of a scope a filter matches:
// the number a dashboard card shows, the same WHERE as the list, prepared
// per scope shape as the list is.
func (s *Store) CaseloadCount(ctx context.Context, sc Scope, f CaseloadFilter) (int, error) {
	var n int
	err := s.getPrepared(ctx, &n, `SELECT count(*) FROM participants p`+caseloadRowsJoin(sc, f)+
		caseloadWhere(sc, f)+` AND $6::int >= 0 AND $7::int >= 0`, s.caseloadArgs(sc, f)...)
	if err != nil {
		return 0, fmt.Errorf("db: caseload count: %w", err)
	}
	return n, nil
}

// CaseloadCards are the adviser's dashboard cards in one prepared
// statement: how many of the scope's participants are at risk, and how
// many programmes end within endingMonths. Each count is the list the
// card links to (CaseloadCount with Risk, with EndingWithin: the same
// conditions, TestCaseloadCardsCountTheirLists).
func (s *Store) CaseloadCards(ctx context.Context, sc Scope, endingMonths int) (atRisk, ending int, err error) {
	f := CaseloadFilter{Risk: true, EndingWithin: endingMonths}
	var n struct {
		AtRisk int `db:"at_risk"`
		Ending int `db:"ending"`
	}
	err = s.getPrepared(ctx, &n, `SELECT count(*) FILTER (WHERE c.risk) AS at_risk,
		count(*) FILTER (WHERE `+caseloadEnding+`) AS ending
		FROM participants p`+caseloadRowsJoin(sc, f)+`
		WHERE `+scopeFor(sc)+` AND ($4::text, $5::text, $6::int, $7::int, $9::boolean) IS NOT NULL`, s.caseloadArgs(sc, f)...)
	if err != nil {
		return 0, 0, fmt.Errorf("db: caseload cards: %w", err)
	}
	return n.AtRisk, n.Ending, nil
}

// RefreshCaseload measures every participant's caseload row on the day
// inside the job run's transaction (the nightly progress job: the day's
// new risk, outcomes and statuses, and the safety net beside the
// triggers). It reads the risk from the day's progress snapshots
// (caseload_refresh_all, migration 00032): write those first
// (WriteGoalSnapshots), so the measure is computed once a night.
func (t *JobTx) RefreshCaseload(ctx context.Context, day time.Time) (int64, error) {
	var n int64
	if err := t.tx.GetContext(ctx, &n, `SELECT caseload_refresh_all($1::date, true)`, dateOnly(day)); err != nil {
		return 0, fmt.Errorf("db: refresh caseload: %w", err)
	}
	return n, nil
}

// refreshCaseloadAll measures every participant's caseload row on the
// day inside tx (a new measure rule's transaction: everyone's risk may
// change), set-based (caseload_compute_all).
func refreshCaseloadAll(ctx context.Context, tx *sqlx.Tx, day time.Time) error {
	if err := jobSettings(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT caseload_refresh_all($1::date, false)`, dateOnly(day)); err != nil {
		return fmt.Errorf("db: refresh caseload: %w", err)
	}
	return nil
}

// caseloadByID is one participant's row from the read model, as the list
// shows it ($4 the id, $5 the day): the participant, its caseload_rows
// row and the current placement, by primary key.
var caseloadByID = strings.ReplaceAll(`SELECT `+caseloadShown+`, 1 AS total
`+participantFrom+`
JOIN caseload_rows c ON c.participant_id = p.id`+caseloadCurrentJoin+`
WHERE `+scopeSQL+` AND p.id = $4`, "$8", "$5")

// caseloadRowViewed is caseloadByID writing the read's audit row in the
// same statement ($6 actor, $7 action, $8 IP): only when the row is found,
// that is when the scope may see the participant.
var caseloadRowViewed = `WITH r AS (` + caseloadByID + `), logged AS (
	INSERT INTO audit_log (actor_id, action, entity, entity_id, ip)
	SELECT NULLIF($6::bigint, 0), $7::text, 'participant', r.id, NULLIF($8::text, '')::inet FROM r)
SELECT * FROM r`

// refreshStaleOne measures one participant's row again when it was
// measured on another day than the store's today, and only when the scope
// may see the participant (a person who may not opens nothing and makes
// nothing be written). The list does not (it shows the day before's rows
// until the nightly job and says so: measuring a whole caseload again is
// seconds), but one participant is one call of a few milliseconds, and the
// profile is where the adviser acts on the risk; nothing to do is a
// primary-key look-up and an empty call.
func (s *Store) refreshStaleOne(ctx context.Context, id int64, sc Scope) error {
	err := s.execPrepared(ctx, `SELECT caseload_refresh($5::date, ARRAY(
		SELECT c.participant_id FROM caseload_rows c JOIN participants p ON p.id = c.participant_id
		WHERE c.participant_id = $4 AND c.measured_on <> $5::date AND `+scopeSQL+`))`, append(sc.args(), id, dateOnly(s.Today()))...)
	if err != nil {
		return fmt.Errorf("db: caseload refresh: %w", err)
	}
	return nil
}

// CaseloadRowFor is one participant's caseload row (the profile's
// figures) from the read model, the same row the list shows.
//
// Until 2026-12-06 it was computed live (caseloadLive, with
// participant_measure inlined) under a forced generic plan; since
// participant_measure became set-based (migration 00026) that plan
// measured every participant to keep one: 1.6 s at national scale
// (docs/benchmarks.md, "The profile from the read model"). The read
// model is kept current by the writes' triggers, so there is nothing to
// compute here.
func (s *Store) CaseloadRowFor(ctx context.Context, id int64, sc Scope) (CaseloadRow, error) {
	if err := s.refreshStaleOne(ctx, id, sc); err != nil {
		return CaseloadRow{}, err
	}
	var r CaseloadRow
	err := s.getPrepared(ctx, &r, caseloadByID, append(sc.args(), id, dateOnly(s.Today()))...)
	return r, translate(err)
}

// CaseloadRowViewed is CaseloadRowFor for a page that shows the
// participant: the read's audit row (action, e.g. "participant.view") is
// written by the same statement and committed with it, before the page is
// sent (DOMAIN.md: every access logged, synchronously). A participant the
// scope may not see is ErrNotFound and writes nothing.
func (s *Store) CaseloadRowViewed(ctx context.Context, id int64, sc Scope, actorID int64, action, ip string) (CaseloadRow, error) {
	if err := s.refreshStaleOne(ctx, id, sc); err != nil {
		return CaseloadRow{}, err
	}
	var r CaseloadRow
	err := s.getPrepared(ctx, &r, caseloadRowViewed, append(sc.args(), id, dateOnly(s.Today()), actorID, action, ip)...)
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
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	rows, err := s.DB.QueryContext(ctx, `EXPLAIN (ANALYZE, BUFFERS) `+caseloadPaged(sc, f, false), s.caseloadArgs(sc, f)...)
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

// perSkill writes f(skill) for each skill, joined by sep.
func perSkill(sep string, f func(sk string) string) string {
	out := make([]string, len(Skills))
	for i, sk := range Skills {
		out[i] = f(sk)
	}
	return strings.Join(out, sep)
}
