package db

import (
	"context"
	"database/sql"
	"time"

	"fmt"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"strings"
)

// JobTxOf lets the package's external tests call a JobTx method inside a
// transaction they begin themselves (to hold it open, or run two at once),
// as Store.RunJob's work does.
func JobTxOf(tx *sqlx.Tx) *JobTx { return &JobTx{tx: tx} }

// InTx runs fn in a transaction, for the external tests that drive a
// job's steps by hand (production code's transactions stay in Store
// methods).
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error { return s.inTx(ctx, fn) }

// BeginJobRun claims a run inside a transaction the test holds open, so a
// test can show that a second claim answers busy while the first is open
// (Store.RunJob does the same inside its own transaction).
func BeginJobRun(ctx context.Context, tx *sqlx.Tx, job string, slot time.Time, forced bool) (int64, string, error) {
	return beginJobRun(ctx, tx, job, slot, forced)
}

// ApplyMigration applies the one migration version (up) whatever else is
// applied, as a branch's build does to a developer's database, so a test
// can leave a gap below the newest applied version.
func ApplyMigration(ctx context.Context, conn *sql.DB, version int64) error {
	p, err := goose.NewProvider(goose.DialectPostgres, conn, migrations())
	if err != nil {
		return err
	}
	_, err = p.ApplyVersion(ctx, version, true)
	return err
}

// MigrateDownTo rolls the migrations back until version is the newest
// applied one.
func MigrateDownTo(ctx context.Context, conn *sql.DB, version int64) error {
	p, err := goose.NewProvider(goose.DialectPostgres, conn, migrations())
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}

// TranslateForTest maps a driver error as the store's methods do (a
// guard's SQLSTATE to its refusal), for tests that run a statement of a
// store method by hand.
func TranslateForTest(err error) error { return translate(err) }

// RemindersSentGone lets the retention test see which rules the pruning names.
var RemindersSentGone = remindersSentGone

// The live caseload row: what caseload_rows must equal, computed from the
// tables on every call. Only the equality tests use it; the pages read the
// read model.

// caseloadLive computes the caseload's figures per participant on every
// call, as /participants did before the read model: LATERALs over every
// result and outcome and participant_measure per row (on the day $5; $4
// the ids). It is the oracle the equality tests hold caseload_rows to; the
// two are written apart on purpose.
var caseloadLive = strings.ReplaceAll(`SELECT `+participantColumns+`,
	b.best_listening, b.best_reading, b.best_writing, b.best_oral,
	ip.goal_listening AS plan_goal_listening, ip.goal_reading AS plan_goal_reading,
	ip.goal_writing AS plan_goal_writing, ip.goal_oral AS plan_goal_oral,
	g.gap_listening, g.gap_reading, g.gap_writing, g.gap_oral,
	CASE WHEN num_nonnulls(g.gap_listening, g.gap_reading, g.gap_writing, g.gap_oral) > 0
		THEN coalesce(g.gap_listening, 0) + coalesce(g.gap_reading, 0) + coalesce(g.gap_writing, 0) + coalesce(g.gap_oral, 0) END AS gap_total,
	`+caseloadMonthsLeft+`,
	o.kind AS outcome_kind, o.from_date AS outcome_from,
	coalesce(m.risk, false) AS risk, m.risk_reason, m.basis, $8::date AS measured_on,
	`+caseloadCurrentColumns+`, 1 AS total
`+participantFrom+`
LEFT JOIN integration_plans ip ON ip.participant_id = p.id
`+bestLevelsJoin+`
CROSS JOIN LATERAL (
	SELECT `+perSkill(", ", planGapExpr)+`) g
LEFT JOIN LATERAL (
	SELECT kind, from_date FROM outcomes oc WHERE oc.participant_id = p.id AND oc.from_date <= $8::date
	ORDER BY oc.from_date DESC, oc.id DESC LIMIT 1) o ON true
LEFT JOIN LATERAL (SELECT pm.basis, pm.risk, pm.risk_reason FROM participant_measure($8::date, ARRAY[p.id]) pm) m ON true`+
	caseloadCurrentJoin+`
WHERE `+scopeSQL+` AND p.id = ANY ($4::bigint[])`, "$8", "$5")

// planGapExpr is a skill's gap to the plan's goal: the levels from the best
// result up to it, 0 when reached, NULL without a goal (cefr_rank is
// defined with the cefr_level type, migration 00004).
func planGapExpr(skill string) string {
	return "CASE WHEN ip.goal_" + skill + " IS NOT NULL THEN greatest(0, cefr_rank(ip.goal_" + skill + ") - coalesce(cefr_rank(b.best_" +
		skill + "), 0)) END AS gap_" + skill
}

// CaseloadLive computes the rows of the given participants of a scope
// live, by id: the oracle of the read model's equality tests.
func (s *Store) CaseloadLive(ctx context.Context, sc Scope, ids []int64) ([]CaseloadRow, error) {
	var out []CaseloadRow
	if err := s.DB.SelectContext(ctx, &out, caseloadLive+` ORDER BY p.id`, append(sc.args(), pq.Array(nonNilIDs(ids)), dateOnly(s.Today()))...); err != nil {
		return nil, fmt.Errorf("db: caseload live: %w", err)
	}
	return out, nil
}
