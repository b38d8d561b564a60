package db

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Prepared statements, for the statements of the signed-in pages whose
// plan is good for every value: the session lookup of every request; the
// profile's reads (CaseloadRowFor, Results, Outcomes, Notes,
// ProposalsForParticipant, AgreementsForParticipant, ProgrammeEndsOf,
// Leaves, Extensions, SharedWith, Protection, FollowUpsOfParticipant); the
// caseload, its counts and the dashboard's cards (one statement per scope
// shape, scopeFor, and per sort and filter shape: Caseload,
// CaseloadListed, CaseloadCount, CaseloadCards); the dashboards' TodoFor
// and the agreements list as it opens (one statement per role,
// agreementScopeBy); the agreement page; the employer's proposals,
// organisation and views of the people (EmployerViews); the staff's
// proposals list (ProposalsPage); the read audit rows
// (LogParticipantAccess, LogListed, LogExported); the KPI pages' reads
// (LatestKPI, KPIsOn, KPISeries, KPITargets, GoalKPIsFor with a statement
// of its own per adviser) and NAV's dashboard and hand-over export
// (AgreementsAwaitingNAV, Handover).
//
// lib/pq sends every query with arguments as a new unnamed statement:
// PostgreSQL parses and plans it again each time, and lib/pq waits for the
// statement's description before it sends the arguments, two round trips.
// For the profile's joins the parsing and planning was 0.7–1.5 ms per
// call, ten times what running them costs at 100,000 participants
// (docs/benchmarks.md). A prepared statement is parsed once per pooled
// connection (database/sql prepares it on each connection as it is first
// used there), runs in one round trip, and after five runs PostgreSQL
// keeps a generic plan when it costs no more than planning each time —
// which holds for a lookup by id.
//
// Only statements whose generic plan is as good as a plan for their
// values belong here, checked with EXPLAIN (ANALYZE) EXECUTE under
// plan_cache_mode = force_generic_plan and force_custom_plan at national
// scale (docs/benchmarks.md, "Issue 19"). A statement whose plan depends
// on its arguments' values is worse with a generic plan: AgreementScope's
// role tests ($4 = 'employer' OR …) fold away only in a custom plan, so
// the agreements' statements are written once per role instead; a
// filtered agreements list ("empty or equal" per filter) and the
// placement search (its kind, sector and municipality are index
// conditions of the GIN index only once their "empty" test is folded)
// stay unprepared and are planned for their values each time.
//
// The statements live on the server connections: behind PgBouncer in
// transaction pooling mode they need PgBouncer 1.21 or later with
// max_prepared_statements above zero (docs/operations.md).
type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sqlx.Stmt
	closed bool
}

// prepared returns the statement for q, preparing it on first use. It
// returns nil when the store has no cache (a Store made without Open).
func (s *Store) prepared(ctx context.Context, q string) (*sqlx.Stmt, error) {
	c := s.stmts
	if c == nil {
		return nil, nil
	}
	c.mu.Lock()
	st := c.m[q]
	c.mu.Unlock()
	if st != nil {
		return st, nil
	}
	// Prepared outside the lock: the first calls of other statements do
	// not wait for this round trip. Two first calls of the same statement
	// may both prepare it; one keeps its statement, the other closes its own.
	st, err := s.DB.PreparexContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("db: prepare: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		st.Close()
		return nil, fmt.Errorf("db: prepare: the store is closed")
	}
	if have := c.m[q]; have != nil {
		st.Close()
		return have, nil
	}
	c.m[q] = st
	return st, nil
}

// getPrepared is GetContext through the prepared statement for q.
func (s *Store) getPrepared(ctx context.Context, dest any, q string, args ...any) error {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return err
	}
	if st == nil {
		return s.DB.GetContext(ctx, dest, q, args...)
	}
	return st.GetContext(ctx, dest, args...)
}

// selectPrepared is SelectContext through the prepared statement for q.
func (s *Store) selectPrepared(ctx context.Context, dest any, q string, args ...any) error {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return err
	}
	if st == nil {
		return s.DB.SelectContext(ctx, dest, q, args...)
	}
	return st.SelectContext(ctx, dest, args...)
}

// queryPrepared runs the prepared statement for q and calls each for
// every row, for a read that scans its rows itself (scanCaseloadListed).
func (s *Store) queryPrepared(ctx context.Context, q string, args []any, each func(*sql.Rows) error) error {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return err
	}
	var rows *sql.Rows
	if st == nil {
		rows, err = s.DB.QueryContext(ctx, q, args...)
	} else {
		rows, err = st.QueryContext(ctx, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// execPrepared is ExecContext through the prepared statement for q.
func (s *Store) execPrepared(ctx context.Context, q string, args ...any) error {
	st, err := s.prepared(ctx, q)
	if err != nil {
		return err
	}
	if st == nil {
		_, err = s.DB.ExecContext(ctx, q, args...)
	} else {
		_, err = st.ExecContext(ctx, args...)
	}
	return err
}

// close closes every prepared statement; later calls prepare nothing.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
	c.closed = true
}
