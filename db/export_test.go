package db

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// JobTxOf lets the package's external tests call a JobTx method inside a
// transaction they begin themselves (to hold it open, or run two at once),
// as Store.RunJob's work does.
func JobTxOf(tx *sqlx.Tx) *JobTx { return &JobTx{tx: tx} }

// InTx runs fn in a transaction, for the external tests that drive a
// job's steps by hand (production code's transactions stay in Store
// methods).
func (s *Store) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error { return s.inTx(ctx, fn) }
