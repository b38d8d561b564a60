package db

import "github.com/jmoiron/sqlx"

// JobTxOf lets the package's external tests call a JobTx method inside a
// transaction they begin themselves (to hold it open, or run two at once),
// as Store.RunJob's work does.
func JobTxOf(tx *sqlx.Tx) *JobTx { return &JobTx{tx: tx} }
